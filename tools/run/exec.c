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
				    "%s:%d:%d: function %s: %s", sc->path, f->line, f->col,
				    f->name, err->message);
			return false;
		}
	}
	return true;
}

char *kp_input_error(const KpScenario *sc, const char *message)
{
	size_t n = strlen(sc->path);

	/* Already located: in the file, or in an option ("--schedule: ..."). */
	if ((!strncmp(message, sc->path, n) && message[n] == ':') ||
	    g_str_has_prefix(message, "--"))
		return g_strdup(message);
	return g_strdup_printf("%s: %s", sc->path, message);
}

char *kp_schedule_misfit(const KpScenario *sc, const char *schedule)
{
	if (!schedule || schedule == sc->schedule)
		return g_strdup_printf("%s:%d:%d: the schedule does not fit this scenario",
				       sc->path, sc->schedule_line, sc->schedule_col);
	return g_strdup("--schedule: the schedule does not fit this scenario");
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
	case KP_FIELD_RETURN_HITS: return p->ret_calls;
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
 * The failure group of a violation, its signature: the invariant id, the named site that
 * reported it (never a source line, so that the key survives edits to the code around it)
 * and its cause (sim/violation.h), so that one invariant reached through two kernel causes
 * makes two groups.
 */
static char *violation_key(const SimViolation *v)
{
	/* A cause that only repeats the site (an operation's return check) adds nothing. */
	return v->cause && strcmp(v->cause, v->site) ? g_strdup_printf("violation %s (%s) [%s]", v->id, v->site, v->cause)
			: g_strdup_printf("violation %s (%s)", v->id, v->site);
}

bool kp_scenario_allows(const KpScenario *sc, const char *id)
{
	for (unsigned i = 0; i < sc->n_allow; i++)
		if (!strcmp(sc->allow[i], id))
			return true;
	return false;
}

bool kp_scenario_add_allow(KpScenario *sc, const char *id)
{
	const char *known = kp_scenario_allow_id(id);

	if (!known)
		return false;
	if (kp_scenario_allows(sc, known))
		return true;
	if (sc->n_allow == KP_SCENARIO_MAX_ALLOW)
		return false;
	sc->allow[sc->n_allow++] = known;
	return true;
}

/* Does an `expect ... violation ID` line name this id (and no line forbid it)? */
static bool expected_violation(const KpScenario *sc, const char *id)
{
	bool named = false;

	for (unsigned i = 0; i < sc->n_expects; i++) {
		const KpExpectation *e = &sc->expects[i];

		/* `expect always no-violation` forbids every one; `sometimes` does not. */
		if (e->cond == KP_COND_NO_VIOLATION && e->kind != KP_EXPECT_SOMETIMES)
			return false;
		named |= e->cond == KP_COND_VIOLATION && !strcmp(e->id, id);
	}
	return named;
}

static void add_failure(GPtrArray *out, char *key, char *message, bool allowed)
{
	KpFailure *f = g_new0(KpFailure, 1);

	f->key = key;
	f->message = message;
	f->allowed = allowed;
	g_ptr_array_add(out, f);
}

void kp_failure_free(gpointer p)
{
	KpFailure *f = p;

	if (!f)
		return;
	g_free(f->key);
	g_free(f->message);
	g_free(f);
}

/*
 * Judge one execution: every violation in the order found that no `expect ... violation`
 * line names (an allowed one marked so), then every expectation that failed.
 * sometimes[] collects what held.  True when nothing but allowed violations failed.
 */
static bool judge(const KpScenario *sc, SimCtx *ctx, const KpScriptRun *run, bool *sometimes,
		  GPtrArray *out)
{
	const SimViolation *fatal = sim_violation_fatal(ctx);
	bool pass = true, clean = true;

	for (size_t i = 0; i < sim_violation_count(ctx); i++) {
		const SimViolation *v = sim_violation_get(ctx, i);
		bool allowed = kp_scenario_allows(sc, v->id);

		clean &= allowed;
		if (expected_violation(sc, v->id))
			continue;
		pass &= allowed;
		add_failure(out, violation_key(v),
			    g_strdup_printf("violation %s: %s", v->id, v->message), allowed);
	}
	for (unsigned i = 0; i < sc->n_expects; i++) {
		const KpExpectation *e = &sc->expects[i];
		g_autoptr(GString) why = g_string_new(NULL);
		bool ok;

		/*
		 * A violation fails an execution by itself, above; `sometimes no-violation`
		 * asks for one execution without any (allowed ones do not count).
		 */
		if (e->cond == KP_COND_NO_VIOLATION) {
			if (e->kind == KP_EXPECT_SOMETIMES)
				sometimes[i] |= clean;
			continue;
		}
		ok = holds(ctx, run, e, why);
		if (e->kind == KP_EXPECT_SOMETIMES) {
			sometimes[i] |= ok;
			continue;
		}
		if (ok)
			continue;
		if (fatal)
			g_string_append_printf(why, "%s(the run ended with %s: %s)",
					       why->len ? " " : "", fatal->id, fatal->message);
		pass = false;
		add_failure(out, g_strdup_printf("expectation %s:%d", sc->path, e->line),
			    g_strdup_printf("%s:%d: expectation failed%s%s", sc->path, e->line,
					    why->len ? ": " : "", why->str),
			    false);
	}
	return pass;
}

/* The first failure that is not allowed, into msg and key (either may be NULL). */
static bool judge_first(const KpScenario *sc, SimCtx *ctx, const KpScriptRun *run,
			bool *sometimes, GString *msg, GString *key)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(kp_failure_free);

	if (judge(sc, ctx, run, sometimes, all))
		return true;
	for (unsigned i = 0; i < all->len; i++) {
		const KpFailure *f = all->pdata[i];

		if (f->allowed)
			continue;
		if (msg)
			g_string_assign(msg, f->message);
		if (key)
			g_string_assign(key, f->key);
		break;
	}
	return false;
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
		g_autofree char *why = err ? kp_input_error(sc, err->message)
					   : kp_schedule_misfit(sc, schedule);

		fprintf(summary, "%s\n", why);
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
	{
		g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(kp_failure_free);

		if (!judge(sc, ctx, &run, sometimes, all))
			rc = KP_EXIT_FAIL;
		/* Every failure of the execution, in order, and what was allowed. */
		for (unsigned i = 0; i < all->len; i++) {
			const KpFailure *f = all->pdata[i];

			fprintf(summary, "%s %s\n", f->allowed ? "allowed" : "FAIL", f->message);
		}
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
		size_t end = count = sim_trace_count(ctx);
		char line[512];

		/*
		 * The run goes on past violations: end at the first that fails it (not
		 * expected, not allowed), which is the one reported; else at the end.
		 */
		for (size_t i = 0; i < count; i++) {
			const SimEvent *ev = sim_trace_get(ctx, i);

			if (ev->kind == SIM_EV_VIOLATION && !expected_violation(sc, ev->what) &&
			    !kp_scenario_allows(sc, ev->what)) {
				end = i + 1;
				break;
			}
		}
		for (size_t i = end > n ? end - n : 0; i < end; i++) {
			sim_event_format(ctx, sim_trace_get(ctx, i), line, sizeof(line));
			fprintf(out, "%s\n", line);
		}
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
	return judge_first(x->sc, x->ctx, &x->run, x->sometimes, msg, key);
}

bool kp_exec_judge_all(KpExec *x, GPtrArray *failures)
{
	assert(x->end != SIM_END_NONE && x->end != SIM_END_STOPPED);
	return judge(x->sc, x->ctx, &x->run, x->sometimes, failures);
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
		hash_u64(&h, p->ret_calls);
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
