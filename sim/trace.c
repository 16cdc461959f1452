// SPDX-License-Identifier: GPL-2.0-only
#include "sim/internal.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

static const char *const kind_names[SIM_EV_KINDS] = {
	[SIM_EV_DECISION] = "decide",	[SIM_EV_TASK_START] = "task-start",
	[SIM_EV_TASK_END] = "task-end",	[SIM_EV_SWITCH_IN] = "switch-in",
	[SIM_EV_SWITCH_OUT] = "switch-out", [SIM_EV_WAKE] = "wake",
	[SIM_EV_LOCK] = "lock",		[SIM_EV_UNLOCK] = "unlock",
	[SIM_EV_LOCK_WAIT] = "lock-wait", [SIM_EV_COMPLETE] = "complete",
	[SIM_EV_COMPLETION_WAIT] = "completion-wait", [SIM_EV_TIMER_ARM] = "timer-arm",
	[SIM_EV_TICK] = "tick",		[SIM_EV_TIMER_FIRE] = "timer-fire",
	[SIM_EV_WORK_QUEUE] = "work-queue", [SIM_EV_WORK_START] = "work-start",
	[SIM_EV_WORK_END] = "work-end",	[SIM_EV_GP_START] = "gp-start",
	[SIM_EV_GP_END] = "gp-end",	[SIM_EV_QS] = "qs",
	[SIM_EV_STOP_BEGIN] = "stop-machine-begin", [SIM_EV_STOP_END] = "stop-machine-end",
	[SIM_EV_CPU_ONLINE] = "cpu-online", [SIM_EV_CPU_OFFLINE] = "cpu-offline",
	[SIM_EV_ALLOC] = "alloc",	[SIM_EV_FREE] = "free",
	[SIM_EV_VIOLATION] = "violation", [SIM_EV_USER] = "event",
};

const char *sim_event_kind_name(unsigned kind)
{
	return kind < SIM_EV_KINDS && kind_names[kind] ? kind_names[kind] : "?";
}

void sim_trace_emit(SimCtx *ctx, SimEventKind kind, const char *what, const char *obj, int64_t a,
		    int64_t b, int64_t c)
{
	SimEvent ev = {
		.step = ctx->step,
		.jiffies = ctx->jiffies,
		.vcpu = ctx->cur ? (int16_t)ctx->cur->vcpu : -1,
		.task = ctx->cur ? (int16_t)ctx->cur->id : -1,
		.kind = (uint16_t)kind,
		.what = what,
		.obj = obj,
		.a = a,
		.b = b,
		.c = c,
	};

	assert(kind < SIM_EV_KINDS);
	if (!ctx->head.trace)
		return;
	g_array_append_val(ctx->events, ev);
}

const char *sim_trace_intern(SimCtx *ctx, const char *s)
{
	return s ? g_string_chunk_insert_const(ctx->strings, s) : NULL;
}

void sim_trace_reset(SimCtx *ctx)
{
	g_array_set_size(ctx->events, 0);
	/* Interned strings may be referenced by violation messages only through copies. */
	g_string_chunk_clear(ctx->strings);
}


size_t sim_trace_count(const SimCtx *ctx)
{
	return ctx->events->len;
}

const SimEvent *sim_trace_get(const SimCtx *ctx, size_t i)
{
	assert(i < ctx->events->len);
	return &g_array_index(ctx->events, SimEvent, i);
}

static const char *task_name(const SimCtx *ctx, int id)
{
	return id >= 0 && (unsigned)id < ctx->n_tasks ? sim_ctx_task(ctx, (unsigned)id)->name
						       : "-";
}

static void format_args(const SimEvent *ev, GString *s)
{
	switch (ev->kind) {
	case SIM_EV_DECISION:
		if (ev->c < 0)
			g_string_append_printf(s, " tick (of %" PRId64 " options)", ev->a);
		else
			g_string_append_printf(s, " cpu%" PRId64 "%s %s (of %" PRId64 " options)",
					       ev->c, ev->b ? "'" : "", ev->what, ev->a);
		return;
	case SIM_EV_TICK:
	case SIM_EV_TIMER_ARM:
		g_string_append_printf(s, " %" PRId64, ev->a);
		return;
	case SIM_EV_GP_START:
		g_string_append_printf(s, " #%" PRId64 " waits for cpus 0x%" PRIx64, ev->a, ev->b);
		return;
	case SIM_EV_GP_END:
	case SIM_EV_STOP_BEGIN:
	case SIM_EV_STOP_END:
		g_string_append_printf(s, " #%" PRId64, ev->a);
		break;
	case SIM_EV_ALLOC:
	case SIM_EV_FREE:
		g_string_append_printf(s, " %s #%" PRId64 " (%" PRId64 " bytes)",
				       ev->obj ? ev->obj : "?", ev->a, ev->b);
		return;
	case SIM_EV_CPU_ONLINE:
	case SIM_EV_CPU_OFFLINE:
		g_string_append_printf(s, " cpu%" PRId64, ev->a);
		return;
	case SIM_EV_VIOLATION:
		g_string_append_printf(s, " %s: %s", ev->what, ev->obj ? ev->obj : "");
		return;
	case SIM_EV_USER:
		g_string_append_printf(s, " %s", ev->what ? ev->what : "");
		if (ev->obj)
			g_string_append_printf(s, " %s", ev->obj);
		if (ev->a || ev->b || ev->c)
			g_string_append_printf(s, " 0x%" PRIx64 " %" PRId64 " %" PRId64,
					       (uint64_t)ev->a, ev->b, ev->c);
		return;
	default:
		break;
	}
	if (ev->obj)
		g_string_append_printf(s, " %s", ev->obj);
}

void sim_event_format(const SimCtx *ctx, const SimEvent *ev, char *buf, size_t size)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "%6" PRIu64 " j%-3" PRIu64 " ", ev->step, ev->jiffies);
	if (ev->vcpu >= 0)
		g_string_append_printf(s, "cpu%-2d %-12s ", ev->vcpu, task_name(ctx, ev->task));
	else
		g_string_append_printf(s, "%-5s %-12s ", "-", "engine");
	g_string_append(s, sim_event_kind_name(ev->kind));
	format_args(ev, s);
	g_strlcpy(buf, s->str, size);
	g_string_free(s, TRUE);
}

void sim_trace_write_text(const SimCtx *ctx, FILE *out, size_t from)
{
	char line[512];

	for (size_t i = from; i < ctx->events->len; i++) {
		sim_event_format(ctx, sim_trace_get(ctx, i), line, sizeof(line));
		fprintf(out, "%s\n", line);
	}
}

void sim_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c < 0x20 || c >= 0x80)
			fprintf(out, "\\u%04x", c);	/* bytes >= 0x80 as Latin-1 */
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void sim_trace_write_jsonl(const SimCtx *ctx, FILE *out)
{
	for (size_t i = 0; i < ctx->events->len; i++) {
		const SimEvent *ev = sim_trace_get(ctx, i);

		fprintf(out, "{\"step\":%" PRIu64 ",\"jiffies\":%" PRIu64 ",\"cpu\":%d,\"task\":",
			ev->step, ev->jiffies, ev->vcpu);
		sim_json_string(out, ev->task >= 0 ? task_name(ctx, ev->task) : NULL);
		fputs(",\"event\":", out);
		sim_json_string(out, sim_event_kind_name(ev->kind));
		fputs(",\"what\":", out);
		sim_json_string(out, ev->what);
		fputs(",\"obj\":", out);
		sim_json_string(out, ev->obj);
		fprintf(out, ",\"a\":%" PRId64 ",\"b\":%" PRId64 ",\"c\":%" PRId64 "}\n", ev->a, ev->b,
			ev->c);
	}
}

/* Chrome trace-event JSON: one thread per vCPU (tid = vCPU + 1), tid 0 for the engine. */
void sim_trace_write_perfetto(const SimCtx *ctx, FILE *out)
{
	uint64_t last_step = UINT64_MAX, sub = 0;

	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", out);
	fputs("{\"ph\":\"M\",\"pid\":1,\"name\":\"process_name\",\"args\":{\"name\":\"kpsim\"}}",
	      out);
	fputs(",\n{\"ph\":\"M\",\"pid\":1,\"tid\":0,\"name\":\"thread_name\","
	      "\"args\":{\"name\":\"engine\"}}",
	      out);
	for (unsigned i = 0; i < ctx->cfg.n_vcpus; i++)
		fprintf(out,
			",\n{\"ph\":\"M\",\"pid\":1,\"tid\":%u,\"name\":\"thread_name\","
			"\"args\":{\"name\":\"cpu%u\"}}",
			i + 1, i);
	for (size_t i = 0; i < ctx->events->len; i++) {
		const SimEvent *ev = sim_trace_get(ctx, i);
		const char *ph = "i";
		const char *name = ev->what ? ev->what : sim_event_kind_name(ev->kind);
		uint64_t ts;
		int tid = ev->vcpu + 1;

		/* Several events share a step: spread them so their order survives sorting. */
		sub = ev->step == last_step ? sub + 1 : 0;
		last_step = ev->step;
		ts = ev->step * 100 + (sub < 99 ? sub : 99);
		switch (ev->kind) {
		case SIM_EV_DECISION:
			continue;	/* one per step: the time axis already is the step */
		case SIM_EV_SWITCH_IN:
			ph = "B";
			name = ev->obj;
			break;
		case SIM_EV_SWITCH_OUT:
		case SIM_EV_TASK_END:
			ph = "E";
			name = ev->obj;
			break;
		case SIM_EV_LOCK:
			ph = "b";
			name = ev->obj;
			break;
		case SIM_EV_UNLOCK:
			ph = "e";
			name = ev->obj;
			break;
		case SIM_EV_TASK_START:
			continue;
		default:
			break;
		}
		fprintf(out, ",\n{\"ph\":\"%s\",\"pid\":1,\"tid\":%d,\"ts\":%" PRIu64 ",\"name\":", ph,
			tid, ts);
		sim_json_string(out, name);
		fputs(",\"cat\":", out);
		sim_json_string(out, sim_event_kind_name(ev->kind));
		if (ph[0] == 'b' || ph[0] == 'e')
			fprintf(out, ",\"id\":%" PRId64, ev->a);
		if (ph[0] == 'i')
			fputs(",\"s\":\"t\"", out);
		fprintf(out, ",\"args\":{\"step\":%" PRIu64 ",\"jiffies\":%" PRIu64 ",\"task\":",
			ev->step, ev->jiffies);
		sim_json_string(out, ev->task >= 0 ? task_name(ctx, ev->task) : "engine");
		fputs(",\"obj\":", out);
		sim_json_string(out, ev->obj);
		fprintf(out, ",\"a\":%" PRId64 ",\"b\":%" PRId64 "}}", ev->a, ev->b);
	}
	fputs("\n]}\n", out);
}
