// SPDX-License-Identifier: GPL-2.0-only
#include "sim/internal.h"

#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *sim_violation_kind_name(SimViolationKind kind)
{
	static const char *const names[SIM_V_KINDS] = {
		[SIM_V_BUG] = "BUG",		[SIM_V_WARN] = "WARN",
		[SIM_V_INVARIANT] = "invariant", [SIM_V_DEADLOCK] = "deadlock",
		[SIM_V_LOCK_ORDER] = "lock-order", [SIM_V_LIVELOCK] = "livelock",
		[SIM_V_MEMORY] = "memory",	[SIM_V_CPU] = "cpu",
		[SIM_V_USAGE] = "usage",
	};

	return kind < SIM_V_KINDS ? names[kind] : "?";
}

static SimEnd end_for(SimViolationKind kind)
{
	if (kind == SIM_V_DEADLOCK)
		return SIM_END_DEADLOCK;
	if (kind == SIM_V_LIVELOCK)
		return SIM_END_STEP_LIMIT;
	return SIM_END_VIOLATION;
}

static bool same(const SimViolation *a, const SimViolation *b)
{
	/* Not the cause: a state that stays wrong is seen again after other steps. */
	return a->kind == b->kind && !strcmp(a->id, b->id) && !strcmp(a->site, b->site) &&
	       !strcmp(a->message, b->message);
}

/* Record it; false when it was not kept (a repeat, or past the limit). */
static bool record(SimCtx *ctx, SimViolationKind kind, bool fatal, const char *id,
		   const char *site, const char *cause, const char *fmt, va_list ap)
{
	const char *activity = cause ? cause : sim_activity(ctx);
	SimViolation v = {
		.kind = kind,
		.id = id,
		.message = g_strdup_vprintf(fmt, ap),
		.site = site,
		.cause = g_strdup(activity),
		.step = ctx->step,
		.jiffies = ctx->jiffies,
		.vcpu = ctx->cur ? (int)ctx->cur->vcpu : -1,
		.task = ctx->cur ? (int)ctx->cur->id : -1,
		.fatal = fatal,
	};

	assert(kind < SIM_V_KINDS && id != NULL && site != NULL);
	if (!fatal) {
		bool again = ctx->violations->len >= SIM_MAX_VIOLATIONS;

		for (unsigned i = 0; i < ctx->violations->len && !again; i++)
			again = same(&g_array_index(ctx->violations, SimViolation, i), &v);
		if (again) {
			g_free(v.message);
			g_free(v.cause);
			return false;
		}
	}
	g_array_append_val(ctx->violations, v);
	SIM_TRACE(ctx, SIM_EV_VIOLATION, id, sim_trace_intern(ctx, v.message), kind, fatal, 0);
	return true;
}

static void report(SimCtx *ctx, SimViolationKind kind, bool fatal, const char *id,
		   const char *site, const char *cause, const char *fmt, va_list ap)
{
	/* After a fatal one, nothing else is recorded: the run is over. */
	if (sim_violation_fatal(ctx))
		return;
	record(ctx, kind, fatal, id, site, cause, fmt, ap);
	if (!fatal)
		return;
	sim_sched_end_run(ctx, end_for(kind));
	if (ctx->cur)
		sim_sched_end_from_task(ctx);
}

void sim_report(SimCtx *ctx, SimViolationKind kind, bool fatal, const char *id, const char *site,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(ctx, kind, fatal, id, site, NULL, fmt, ap);
	va_end(ap);
}

void sim_report_cause(SimCtx *ctx, SimViolationKind kind, bool fatal, const char *id,
		      const char *site, const char *cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(ctx, kind, fatal, id, site, cause, fmt, ap);
	va_end(ap);
}

void sim_fail(SimCtx *ctx, SimViolationKind kind, const char *id, const char *site,
	      const char *fmt, ...)
{
	va_list ap;

	assert(ctx->cur != NULL && "sim_fail is for tasks");
	if (!sim_violation_fatal(ctx)) {
		va_start(ap, fmt);
		record(ctx, kind, true, id, site, NULL, fmt, ap);
		va_end(ap);
		sim_sched_end_run(ctx, end_for(kind));
	}
	sim_sched_end_from_task(ctx);
}

size_t sim_violation_count(const SimCtx *ctx)
{
	return ctx->violations->len;
}

const SimViolation *sim_violation_get(const SimCtx *ctx, size_t i)
{
	assert(i < ctx->violations->len);
	return &g_array_index(ctx->violations, SimViolation, i);
}

const SimViolation *sim_violation_fatal(const SimCtx *ctx)
{
	for (unsigned i = 0; i < ctx->violations->len; i++) {
		const SimViolation *v = &g_array_index(ctx->violations, SimViolation, i);

		if (v->fatal)
			return v;
	}
	return NULL;
}

void sim_violations_reset(SimCtx *ctx)
{
	for (unsigned i = 0; i < ctx->violations->len; i++) {
		g_free(g_array_index(ctx->violations, SimViolation, i).message);
		g_free(g_array_index(ctx->violations, SimViolation, i).cause);
	}
	g_array_set_size(ctx->violations, 0);
}
