// SPDX-License-Identifier: GPL-2.0-only
#include "tools/run/run.h"

#include "model/kernel/kernel.h"
#include "sim/rcu.h"
#include "sim/rng.h"
#include "sim/schedule.h"
#include "sim/stop_machine.h"
#include "sim/trace.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

/* Bytes `expect ... text LOCATION == original` compares: what a jump would cover. */
#define TEXT_WINDOW 5

static bool add_functions(KpEnv *env, void *user, GError **error)
{
	const KpScenario *sc = user;

	for (unsigned i = 0; i < sc->n_functions; i++) {
		const KpScenarioFunction *f = &sc->functions[i];
		g_autoptr(GError) err = NULL;

		if (!emu_text_add_function(env->text, f->name, f->bytes, f->n_bytes, &err)) {
			g_set_error(error, KP_SCENARIO_ERROR, KP_SCENARIO_ERROR_PARSE,
				    "%s:%d: function %s: %s", sc->path, f->line, f->name,
				    err->message);
			return false;
		}
	}
	return true;
}

static SimCtx *new_ctx(const KpScenario *sc, bool trace)
{
	SimConfig cfg = { .n_vcpus = sc->n_cpus, .max_steps = sc->max_steps, .trace = trace };

	return sim_ctx_new(&cfg);
}

static KpScript script_of(const KpScenario *sc)
{
	KpScript s = sc->script;

	s.check = !sc->no_checker;
	s.prepare = add_functions;
	s.prepare_user = (void *)sc;
	return s;
}

static bool compare(KpCmp cmp, uint64_t a, uint64_t b)
{
	switch (cmp) {
	case KP_CMP_EQ: return a == b;
	case KP_CMP_NE: return a != b;
	case KP_CMP_LT: return a < b;
	case KP_CMP_LE: return a <= b;
	case KP_CMP_GT: return a > b;
	case KP_CMP_GE: return a >= b;
	}
	return false;
}

static uint64_t probe_field(const KpScriptRun *run, const KpExpectation *e)
{
	const KpProbe *p = &run->probes[e->probe];
	const KpModel *m = run->env->model;

	switch (e->field) {
	case KP_FIELD_HITS: return p->pre_calls;
	case KP_FIELD_POST_HITS: return p->post_calls;
	case KP_FIELD_FAULT_HITS: return p->fault_calls;
	case KP_FIELD_BREAK_HITS: return p->break_calls;
	case KP_FIELD_NMISSED: return m->probe_nmissed(p);
	case KP_FIELD_FLAGS: return m->probe_flags(p);
	}
	return 0;
}

static bool location_addr(const KpScriptRun *run, const KpScenarioLocation *loc, uint64_t *out)
{
	EmuTextSymbol sym;

	if (!loc->symbol) {
		*out = loc->offset;
		return true;
	}
	if (!emu_text_symbol_by_name(run->env->text, loc->symbol, &sym))
		return false;
	*out = sym.addr + loc->offset;
	return true;
}

/* Does the end-of-execution condition hold?  *why gets a description when it does not. */
static bool holds(SimCtx *ctx, const KpScriptRun *run, const KpExpectation *e, GString *why)
{
	KpSnapshot *snap;
	uint8_t now[KP_SCENARIO_MAX_TEXT_BYTES], orig[KP_SCENARIO_MAX_TEXT_BYTES];
	uint64_t addr, value = 0;
	size_t n;
	bool ok;

	switch (e->cond) {
	case KP_COND_NO_VIOLATION:
		return sim_violation_count(ctx) == 0;
	case KP_COND_VIOLATION:
		/* How the run ended, or a report that does not end it (lock-order). */
		for (size_t i = 0; i < sim_violation_count(ctx); i++)
			if (!strcmp(sim_violation_get(ctx, i)->id, e->id))
				return true;
		return false;
	case KP_COND_PROBE_FIELD:
		value = probe_field(run, e);
		break;
	case KP_COND_TEXT_ORIGINAL:
	case KP_COND_TEXT_BYTES:
		n = e->cond == KP_COND_TEXT_BYTES ? e->n_bytes : TEXT_WINDOW;
		if (!location_addr(run, &e->loc, &addr) ||
		    !emu_text_read(run->env->text, addr, now, n)) {
			g_string_append(why, "the text is not mapped");
			return false;
		}
		if (e->cond == KP_COND_TEXT_BYTES)
			ok = !memcmp(now, e->bytes, n);
		else
			ok = emu_text_read_orig(run->env->text, addr, orig, n) &&
			     (memcmp(now, orig, n) == 0) == (e->cmp == KP_CMP_EQ);
		if (!ok) {
			char hex[64];

			emu_text_hex(now, n, hex, sizeof(hex));
			g_string_append_printf(why, "the text is %s", hex);
		}
		return ok;
	case KP_COND_OPTIMIZATION:
	case KP_COND_ARMED:
		snap = g_new0(KpSnapshot, 1);
		sim_ctx_enter(ctx);
		run->env->model->snapshot(run->env, snap);
		sim_ctx_leave(ctx);
		value = e->cond == KP_COND_OPTIMIZATION ? snap->allow_optimization
							: !snap->all_disarmed;
		g_free(snap);
		break;
	case KP_COND_STOP_MACHINES:
		value = sim_stop_machine_count(ctx);
		break;
	case KP_COND_GRACE_PERIODS:
		value = sim_rcu_completed(ctx);
		break;
	}
	ok = compare(e->cmp, value, e->value);
	if (!ok)
		g_string_append_printf(why, "it is %" PRIu64, value);
	return ok;
}

/*
 * The failure group of a violation: its invariant id and the named site that reported it
 * (never a source line, so that the key survives edits to the code around it).
 */
static void violation_key(GString *key, const SimViolation *v)
{
	if (key)
		g_string_printf(key, "violation %s (%s)", v->id, v->site);
}

/*
 * Judge one execution; on failure fill *msg, and *key (when not NULL) with the failure's
 * group.  sometimes[] collects what held.
 */
static bool judge(const KpScenario *sc, SimCtx *ctx, const KpScriptRun *run, bool *sometimes,
		  GString *msg, GString *key)
{
	const SimViolation *fatal = sim_violation_fatal(ctx);
	bool violation_expected = false;

	if (!sc->n_expects && sim_violation_count(ctx)) {
		const SimViolation *v = fatal ? fatal : sim_violation_get(ctx, 0);

		g_string_printf(msg, "violation %s: %s", v->id, v->message);
		violation_key(key, v);
		return false;
	}
	for (unsigned i = 0; i < sc->n_expects; i++) {
		const KpExpectation *e = &sc->expects[i];
		g_autoptr(GString) why = g_string_new(NULL);
		bool ok;

		violation_expected |= e->cond == KP_COND_VIOLATION;
		ok = holds(ctx, run, e, why);
		if (e->kind == KP_EXPECT_SOMETIMES) {
			sometimes[i] |= ok;
			continue;
		}
		if (ok)
			continue;
		if (e->cond == KP_COND_NO_VIOLATION) {
			const SimViolation *v = fatal ? fatal : sim_violation_get(ctx, 0);

			g_string_printf(msg, "%s:%d: violation %s: %s", sc->path, e->line, v->id,
					v->message);
			violation_key(key, v);
		} else {
			if (key)
				g_string_printf(key, "expectation %s:%d", sc->path, e->line);
			g_string_printf(msg, "%s:%d: expectation failed%s%s", sc->path, e->line,
					why->len ? ": " : "", why->str);
			if (fatal)
				g_string_append_printf(msg, " (the run ended with %s: %s)", fatal->id,
						       fatal->message);
		}
		return false;
	}
	if (fatal && !violation_expected) {
		g_string_printf(msg, "violation %s: %s", fatal->id, fatal->message);
		violation_key(key, fatal);
		return false;
	}
	return true;
}


/* ---- one execution with the trace on ---- */

typedef struct {
	SimStrategy base;
	SimStrategy *inner;
	uint64_t until;
} UntilStrategy;

static void until_begin(SimStrategy *s, SimCtx *ctx)
{
	UntilStrategy *u = (UntilStrategy *)s;

	if (u->inner->ops->begin)
		u->inner->ops->begin(u->inner, ctx);
}

static size_t until_choose(SimStrategy *s, SimCtx *ctx, const SimOption *opts, size_t n)
{
	UntilStrategy *u = (UntilStrategy *)s;

	if (u->until && sim_step(ctx) + 1 >= u->until)
		return SIM_CHOOSE_STOP;
	return u->inner->ops->choose(u->inner, ctx, opts, n);
}

static void until_destroy(SimStrategy *s)
{
	sim_strategy_free(((UntilStrategy *)s)->inner);
	g_free(s);
}

static const SimStrategyOps until_ops = {
	.name = "until",
	.begin = until_begin,
	.choose = until_choose,
	.destroy = until_destroy,
};

static SimEnd traced_run(const KpScenario *sc, const char *schedule, uint64_t until,
			 SimCtx *ctx, KpScriptRun *run, GError **error)
{
	KpScript script = script_of(sc);
	UntilStrategy *u = g_new0(UntilStrategy, 1);
	SimEnd end;

	u->base.ops = &until_ops;
	u->until = until;
	u->inner = schedule ? sim_strategy_replay_new(schedule, NULL) : sim_strategy_first_new();
	if (!u->inner) {
		g_free(u);
		g_set_error(error, KP_SCENARIO_ERROR, KP_SCENARIO_ERROR_PARSE,
			    "--schedule: not a schedule");
		return SIM_END_NONE;
	}
	end = kp_script_run(ctx, &script, &u->base, run, error);
	sim_strategy_free(&u->base);
	return end;
}

int kp_runner_replay(const KpScenario *sc, const char *schedule, uint64_t until,
		     KpTraceFormat format, FILE *out, FILE *summary)
{
	SimCtx *ctx = new_ctx(sc, true);
	KpScriptRun run = { 0 };
	g_autoptr(GError) err = NULL;
	g_autoptr(GString) msg = g_string_new(NULL);
	bool *sometimes = g_new0(bool, sc->n_expects ? sc->n_expects : 1);
	g_autofree char *sched = NULL;
	SimEnd end;
	int rc = KP_EXIT_PASS;

	end = traced_run(sc, schedule ? schedule : sc->schedule, until, ctx, &run, &err);
	if (end == SIM_END_NONE || end == SIM_END_DIVERGED) {
		fprintf(summary, "%s\n", err ? err->message : "the schedule does not fit this scenario");
		rc = KP_EXIT_USAGE;
		goto out;
	}
	if (format == KP_TRACE_JSON)
		sim_trace_write_jsonl(ctx, out);
	else if (format == KP_TRACE_PERFETTO)
		sim_trace_write_perfetto(ctx, out);
	else
		sim_trace_write_text(ctx, out, 0);
	sched = sim_schedule_string(ctx);
	fprintf(summary, "%s: %s after %" PRIu64 " decisions, jiffies %" PRIu64
			 "\nschedule: %s\n",
		sc->path, sim_end_name(end), sim_step(ctx), sim_jiffies(ctx), sched);
	if (end == SIM_END_STOPPED)
		goto out;
	if (!judge(sc, ctx, &run, sometimes, msg, NULL)) {
		fprintf(summary, "FAIL %s\n", msg->str);
		rc = KP_EXIT_FAIL;
	}
out:
	kp_script_release(&run);
	sim_ctx_free(ctx);
	g_free(sometimes);
	return rc;
}

void kp_runner_print_tail(const KpScenario *sc, const char *schedule, size_t n, FILE *out)
{
	SimCtx *ctx = new_ctx(sc, true);
	KpScriptRun run = { 0 };
	g_autoptr(GError) err = NULL;
	size_t count;

	if (traced_run(sc, schedule, 0, ctx, &run, &err) != SIM_END_NONE) {
		count = sim_trace_count(ctx);
		sim_trace_write_text(ctx, out, count > n ? count - n : 0);
	}
	kp_script_release(&run);
	sim_ctx_free(ctx);
}

/* ---- single executions, for explorers ---- */

struct KpExec {
	const KpScenario *sc;
	KpScript script;
	SimCtx *ctx;
	KpScriptRun run;
	bool *sometimes;
	KpSnapshot *snap;
	SimEnd end;
};

KpExec *kp_exec_new(const KpScenario *sc)
{
	KpExec *x = g_new0(KpExec, 1);

	x->sc = sc;
	x->script = script_of(sc);
	x->ctx = new_ctx(sc, false);
	x->sometimes = g_new0(bool, sc->n_expects ? sc->n_expects : 1);
	x->snap = g_malloc(sizeof(KpSnapshot));	/* the port resets what it fills */
	kp_snapshot_reset(x->snap);
	return x;
}

void kp_exec_free(KpExec *x)
{
	if (!x)
		return;
	kp_script_release(&x->run);
	sim_ctx_free(x->ctx);
	g_free(x->sometimes);
	g_free(x->snap);
	g_free(x);
}

SimEnd kp_exec_run(KpExec *x, SimStrategy *s, GError **error)
{
	x->end = kp_script_run(x->ctx, &x->script, s, &x->run, error);
	return x->end;
}

bool kp_exec_judge(KpExec *x, GString *msg, GString *key)
{
	assert(x->end != SIM_END_NONE && x->end != SIM_END_STOPPED);
	return judge(x->sc, x->ctx, &x->run, x->sometimes, msg, key);
}

const bool *kp_exec_sometimes(const KpExec *x)
{
	return x->sometimes;
}

char *kp_exec_schedule(const KpExec *x)
{
	return sim_schedule_string(x->ctx);
}

SimCtx *kp_exec_ctx(const KpExec *x)
{
	return x->ctx;
}

const KpScriptRun *kp_exec_script_run(const KpExec *x)
{
	return &x->run;
}

uint64_t kp_exec_steps(const KpExec *x)
{
	return sim_step(x->ctx);
}

void kp_exec_add_transitions(const KpExec *x, KpTransitions *into)
{
	if (!x->run.env)
		return;
	for (unsigned a = 0; a < KP_ST_COUNT; a++)
		for (unsigned b = 0; b < KP_ST_COUNT; b++)
			into->count[a][b] += x->run.world.transitions.count[a][b];
}

/* FNV-1a over 64 bits, then a final mix: a hash of values, never of addresses. */
static void hash_bytes(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		*h ^= b[i];
		*h *= 0x100000001b3ull;
	}
}

static void hash_u64(uint64_t *h, uint64_t v)
{
	hash_bytes(h, &v, sizeof(v));
}

static void hash_str(uint64_t *h, const char *s)
{
	hash_bytes(h, s, strlen(s) + 1);
}

/* The entry's state, without its allocation id (a name, which interleaving may permute). */
static void hash_entry(uint64_t *h, const KpSnapEntry *e)
{
	hash_u64(h, e->addr);
	hash_u64(h, (uint64_t)e->hashed | (uint64_t)e->aggr << 1 | (uint64_t)e->optready << 2 |
			    (uint64_t)e->post_handler << 3 | (uint64_t)e->break_handler << 4);
	hash_u64(h, e->flags);
	hash_u64(h, e->list);
	hash_u64(h, e->opt_size);
	hash_u64(h, e->detour);
	hash_u64(h, e->ss_slot);
	hash_u64(h, (uint64_t)(int64_t)e->boostable);
	hash_bytes(h, e->copied_insn, sizeof(e->copied_insn));
	hash_u64(h, (uint64_t)(int64_t)e->probe);
	hash_u64(h, e->n_children);
	for (unsigned i = 0; i < e->n_children && i < KP_SNAP_MAX_CHILDREN; i++) {
		hash_u64(h, (uint64_t)(int64_t)e->children[i]);
		hash_u64(h, e->child_flags[i]);
		hash_u64(h, (uint64_t)e->child_post[i] | (uint64_t)e->child_break[i] << 1);
	}
}

static void hash_snapshot(uint64_t *h, const KpSnapshot *s)
{
	hash_u64(h, s->n_entries);
	for (unsigned i = 0; i < s->n_entries && i < KP_SNAP_MAX_ENTRIES; i++)
		hash_entry(h, &s->entries[i]);
	hash_u64(h, s->n_optimizing);
	hash_u64(h, s->n_unoptimizing);
	hash_u64(h, s->n_freeing);
	hash_u64(h, (uint64_t)s->kprobe_mutex_held | (uint64_t)s->all_disarmed << 1 |
			    (uint64_t)s->allow_optimization << 2 | (uint64_t)s->work_pending << 3);
	hash_u64(h, s->optimizer_running);
	hash_u64(h, s->n_slots);
	for (unsigned i = 0; i < s->n_slots && i < KP_SNAP_MAX_SLOTS; i++) {
		hash_u64(h, s->slots[i].addr);
		hash_u64(h, (uint64_t)s->slots[i].state | (uint64_t)s->slots[i].optinsn << 8);
	}
	hash_bytes(h, s->current_kprobe, sizeof(s->current_kprobe));
}

/* Region states, and the bytes of every function a probe of the scenario is placed in. */
static void hash_text(uint64_t *h, const KpScriptRun *run)
{
	const EmuText *t = run->env->text;
	unsigned n = emu_text_n_regions(t);
	uint8_t buf[512];

	hash_u64(h, n);
	for (unsigned i = 0; i < n; i++) {
		EmuTextRegionInfo ri;

		emu_text_region_info(t, i, &ri);
		hash_u64(h, ri.state);
	}
	for (unsigned i = 0; i < run->script->n_probes; i++) {
		const KpProbeSpec *ps = &run->script->probes[i];
		EmuTextSymbol sym;
		uint64_t off;
		size_t len;

		if (ps->symbol ? !emu_text_symbol_by_name(t, ps->symbol, &sym)
			       : !emu_text_symbol_at(t, ps->addr, &sym, &off))
			continue;
		len = MIN(sym.size, sizeof(buf));
		if (emu_text_read(t, sym.addr, buf, len))
			hash_bytes(h, buf, len);
		else
			hash_u64(h, sym.addr);
	}
}

uint64_t kp_exec_state_hash(KpExec *x, bool pass, const char *key)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const KpScriptRun *run = &x->run;

	hash_u64(&h, x->end);
	hash_u64(&h, pass);
	hash_str(&h, key ? key : "");
	hash_u64(&h, sim_violation_count(x->ctx));
	for (unsigned i = 0; i < sim_violation_count(x->ctx); i++)
		hash_str(&h, sim_violation_get(x->ctx, i)->id);
	if (!run->env)
		return h;
	for (unsigned i = 0; i < run->script->n_probes; i++) {
		const KpProbe *p = &run->probes[i];

		hash_u64(&h, p->pre_calls);
		hash_u64(&h, p->post_calls);
		hash_u64(&h, p->fault_calls);
		hash_u64(&h, p->break_calls);
	}
	for (unsigned t = 0; t < run->script->n_tasks; t++)
		for (unsigned o = 0; o < run->script->tasks[t].n_ops; o++)
			hash_u64(&h, (uint64_t)kp_script_result(run, t, o));
	/*
	 * Only the used part of the arrays is hashed, and the port zeroes every entry it
	 * adds: clearing the whole snapshot (half a megabyte) would cost more than the run.
	 */
	kp_snapshot_reset(x->snap);
	sim_ctx_enter(x->ctx);
	run->env->model->snapshot(run->env, x->snap);
	sim_ctx_leave(x->ctx);
	hash_snapshot(&h, x->snap);
	hash_text(&h, run);
	/* The final mix spreads FNV's weak high bits. */
	return sim_splitmix64(&h);
}
