/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for the port's unit tests: scripts built in C, run on the 6274de4 port, or on
 * the port KP_TEST_MODEL names when a test file is built once more for another port.
 */
#ifndef KPSIM_TESTS_MODEL_HARNESS_H
#define KPSIM_TESTS_MODEL_HARNESS_H

#include "harness.h"
#include "model/model.h"
#include "model/script.h"
#include "sim/rcu.h"
#include "sim/stop_machine.h"

/*
 * The port mh_new() runs scripts on.  A file built for the parent port also gets
 * KP_TEST_PARENT, which leaves out its tests of the seed's own behaviour (its delayed
 * unoptimization, or a kernel bug the parent has differently).
 */
#ifndef KP_TEST_MODEL
#define KP_TEST_MODEL kp_model_6274de4
#endif

#define MAX_OPS 32
#define MAX_TASKS 4

typedef struct {
	KpScript script;
	KpProbeSpec probes[KP_MAX_PROBES];
	KpScriptTask tasks[MAX_TASKS];
	KpOp ops[MAX_TASKS][MAX_OPS];
	GPtrArray *blocks;	/* behind each op's probe list */
	KpScriptRun run;
	SimCtx *ctx;
} Mh;

static inline Mh *mh_new(unsigned cpus)
{
	Mh *m = g_new0(Mh, 1);

	m->script.model = &KP_TEST_MODEL;
	m->script.n_cpus = cpus;
	m->script.probes = m->probes;
	m->script.tasks = m->tasks;
	m->script.check = true;
	m->ctx = harness_ctx(cpus, true);
	m->blocks = g_ptr_array_new_with_free_func(g_free);
	return m;
}

static inline void mh_free(Mh *m)
{
	kp_script_release(&m->run);
	sim_ctx_free(m->ctx);
	g_ptr_array_free(m->blocks, TRUE);
	g_free(m);
}

/* A kprobe at symbol+offset with the given handlers ("pre", "post", "fault", "break"). */
static inline unsigned mh_probe(Mh *m, const char *name, const char *symbol,
				unsigned long offset, bool post)
{
	unsigned i = m->script.n_probes++;

	m->probes[i] = (KpProbeSpec){ .name = name, .kind = KP_PROBE_KPROBE, .symbol = symbol,
				      .offset = offset, .pre = true, .post = post };
	return i;
}

static inline unsigned mh_task(Mh *m, const char *name, unsigned cpu)
{
	unsigned t = m->script.n_tasks++;

	m->tasks[t] = (KpScriptTask){ .name = name, .cpu = cpu, .ops = m->ops[t] };
	return t;
}

static inline KpOp *mh_op(Mh *m, unsigned task, KpOpKind kind, long expect)
{
	KpScriptTask *t = &m->tasks[task];
	KpOp *op = &t->ops[t->n_ops++];

	*op = (KpOp){ .kind = kind, .expect = expect };
	return op;
}

static inline void mh_probe_op(Mh *m, unsigned task, KpOpKind kind, unsigned probe, long expect)
{
	KpOp *op = mh_op(m, task, kind, expect);
	unsigned *store = g_new(unsigned, 1);

	g_ptr_array_add(m->blocks, store);
	op->n = 1;
	store[0] = probe;
	op->probes = store;
}

static inline void mh_sleep(Mh *m, unsigned task, long jiffies)
{
	mh_op(m, task, KP_OP_SLEEP, KP_NO_EXPECT)->arg = jiffies;
}

static inline void mh_call(Mh *m, unsigned task, const char *symbol, long times)
{
	KpOp *op = mh_op(m, task, KP_OP_CALL, KP_NO_EXPECT);

	op->text = symbol;
	op->arg = times;
}

static inline void mh_text_op(Mh *m, unsigned task, KpOpKind kind, const char *text, long expect)
{
	mh_op(m, task, kind, expect)->text = text;
}

static inline SimEnd mh_run(Mh *m, SimStrategy *s)
{
	g_autoptr(GError) err = NULL;
	SimEnd end = kp_script_run(m->ctx, &m->script, s, &m->run, &err);

	if (err)
		fail_msg("script: %s", err->message);
	return end;
}

static inline SimEnd mh_run_first(Mh *m)
{
	SimStrategy *s = sim_strategy_first_new();
	SimEnd end = mh_run(m, s);

	sim_strategy_free(s);
	return end;
}

static inline SimEnd mh_run_seed(Mh *m, uint64_t seed)
{
	SimStrategy *s = sim_strategy_random_new(seed);
	SimEnd end = mh_run(m, s);

	sim_strategy_free(s);
	return end;
}

/* Print the violations and the last trace lines (for a failing test's log). */
static inline void mh_explain(Mh *m)
{
	size_t n = sim_trace_count(m->ctx);

	for (size_t i = 0; i < sim_violation_count(m->ctx); i++) {
		const SimViolation *v = sim_violation_get(m->ctx, i);

		print_message("# %sviolation %s: %s (%s, step %llu)\n", v->fatal ? "fatal " : "",
			      v->id, v->message, v->site, (unsigned long long)v->step);
	}
	for (size_t i = n > 25 ? n - 25 : 0; i < n; i++) {
		char line[256];

		sim_event_format(m->ctx, sim_trace_get(m->ctx, i), line, sizeof(line));
		print_message("# %s\n", line);
	}
}

/*
 * Checker invariants (api, structure, text, handlers, progress, the checker's memory
 * bookkeeping, H1-H3), WARNs and lock-order cycles are not fatal: the run goes on past
 * them, ends SIM_END_DONE, and records what follows (a repeat once).  These find and
 * judge what the last run reported.
 */

/*
 * The first violation of ctx's last run with this id and its message containing `msg`
 * (NULL: any message), or NULL.
 */
static inline const SimViolation *mh_ctx_reported(SimCtx *ctx, const char *id, const char *msg)
{
	for (size_t i = 0; i < sim_violation_count(ctx); i++) {
		const SimViolation *v = sim_violation_get(ctx, i);

		if (!strcmp(v->id, id) && (!msg || strstr(v->message, msg)))
			return v;
	}
	return NULL;
}

/* The first violation of the last run with this id, or NULL. */
static inline const SimViolation *mh_reported(Mh *m, const char *id)
{
	return mh_ctx_reported(m->ctx, id, NULL);
}

/* The ids of ctx's last run's violations in the order reported, space-separated (g_free). */
static inline char *mh_ctx_ids(SimCtx *ctx)
{
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i < sim_violation_count(ctx); i++)
		g_string_append_printf(s, "%s%s", i ? " " : "", sim_violation_get(ctx, i)->id);
	return g_string_free(s, FALSE);
}

static inline char *mh_ids(Mh *m)
{
	return mh_ctx_ids(m->ctx);
}

/*
 * Violation `id` was reported in the last run, not fatally, its message containing `msg`
 * (NULL: any message); returns it.
 */
static inline const SimViolation *mh_expect_reported(Mh *m, const char *id, const char *msg)
{
	const SimViolation *v = mh_reported(m, id);

	if (!v || (msg && !strstr(v->message, msg)) || v->fatal)
		mh_explain(m);
	assert_non_null(v);
	if (msg)
		assert_non_null(strstr(v->message, msg));
	assert_false(v->fatal);
	return v;
}

/* The first invariant the last run reported (checker or hits), or NULL. */
static inline const SimViolation *mh_first_invariant(Mh *m)
{
	for (size_t i = 0; i < sim_violation_count(m->ctx); i++)
		if (sim_violation_get(m->ctx, i)->kind == SIM_V_INVARIANT)
			return sim_violation_get(m->ctx, i);
	return NULL;
}

/*
 * The run completed and no invariant was reported.  A run that breaks an invariant still
 * ends SIM_END_DONE, so the end alone would no longer say it; a WARN or a lock-order
 * cycle, not the checker's to judge, is allowed here as it always was.
 */
static inline void mh_expect_done(Mh *m, SimEnd end)
{
	const SimViolation *v = mh_first_invariant(m);

	if (end != SIM_END_DONE || v)
		mh_explain(m);
	assert_int_equal(end, SIM_END_DONE);
	assert_null(v);
}

/* The last run's violations are exactly `ids`, in order ("A5 T2 T4"; "": none). */
static inline void mh_expect_ids(Mh *m, const char *ids)
{
	g_autofree char *got = mh_ids(m);

	if (strcmp(got, ids))
		mh_explain(m);
	assert_string_equal(got, ids);
}

/* The run completed (no fatal violation) and reported exactly `ids`, in order. */
static inline void mh_expect_ids_done(Mh *m, SimEnd end, const char *ids)
{
	if (end != SIM_END_DONE)
		mh_explain(m);
	assert_int_equal(end, SIM_END_DONE);
	mh_expect_ids(m, ids);
}

/* Current text bytes. */
static inline void mh_text(Mh *m, const char *symbol, unsigned long off, uint8_t *buf, size_t n)
{
	EmuTextSymbol sym;

	assert_true(emu_text_symbol_by_name(m->run.env->text, symbol, &sym));
	assert_true(emu_text_read(m->run.env->text, sym.addr + off, buf, n));
}

static inline bool mh_text_is_original(Mh *m, const char *symbol, unsigned long off, size_t n)
{
	EmuTextSymbol sym;
	uint8_t now[64], orig[64];

	assert_true(n <= sizeof(now));
	assert_true(emu_text_symbol_by_name(m->run.env->text, symbol, &sym));
	assert_true(emu_text_read(m->run.env->text, sym.addr + off, now, n));
	assert_true(emu_text_read_orig(m->run.env->text, sym.addr + off, orig, n));
	return memcmp(now, orig, n) == 0;
}

static inline KpProbe *mh_p(Mh *m, unsigned i)
{
	return &m->run.probes[i];
}

/* ---- additions: probe kinds, batches, state queries ---- */

/* Address of symbol+off in the default image (usable before a run). */
static inline uint64_t mh_sym_addr(const char *symbol, unsigned long off)
{
	const EmuSymbol *sym = emu_image_symbol_by_name(emu_default_image(), symbol);

	assert_non_null(sym);
	return sym->addr + off;
}

/* A probe from a full spec (any kind, handlers, pre_ret, disabled, by address). */
static inline unsigned mh_probe_spec(Mh *m, KpProbeSpec spec)
{
	unsigned i = m->script.n_probes++;

	assert_true(i < KP_MAX_PROBES);
	m->probes[i] = spec;
	return i;
}

/* A kprobe with a pre handler at an absolute address (no symbol). */
static inline unsigned mh_probe_addr(Mh *m, const char *name, uint64_t addr)
{
	return mh_probe_spec(m, (KpProbeSpec){ .name = name, .kind = KP_PROBE_KPROBE,
					       .addr = addr, .pre = true });
}

static inline unsigned mh_jprobe(Mh *m, const char *name, const char *symbol)
{
	return mh_probe_spec(m, (KpProbeSpec){ .name = name, .kind = KP_PROBE_JPROBE,
					       .symbol = symbol });
}

static inline unsigned mh_kretprobe(Mh *m, const char *name, const char *symbol)
{
	return mh_probe_spec(m, (KpProbeSpec){ .name = name, .kind = KP_PROBE_KRETPROBE,
					       .symbol = symbol, .pre = true });
}

/* One register/unregister call on several probes (register_kprobes etc.). */
static inline void mh_batch_op(Mh *m, unsigned task, KpOpKind kind, const unsigned *probes,
			       unsigned n, long expect)
{
	KpOp *op = mh_op(m, task, kind, expect);
	unsigned *store = g_new(unsigned, n ? n : 1);

	g_ptr_array_add(m->blocks, store);
	assert_true(n <= KP_OP_MAX_PROBES);
	op->n = n;
	for (unsigned i = 0; i < n; i++)
		store[i] = probes[i];
	op->probes = store;
}

/* What op `op` of task `task` returned in the last run. */
static inline long mh_result(Mh *m, unsigned task, unsigned op)
{
	return kp_script_result(&m->run, task, op);
}

static inline unsigned long mh_nmissed(Mh *m, unsigned i)
{
	return m->run.env->model->probe_nmissed(mh_p(m, i));
}

static inline unsigned mh_flags(Mh *m, unsigned i)
{
	return m->run.env->model->probe_flags(mh_p(m, i));
}

/* The port's state now, as the checker sees it (g_free the result). */
static inline KpSnapshot *mh_snapshot(Mh *m)
{
	KpSnapshot *s = g_new0(KpSnapshot, 1);

	sim_ctx_enter(m->ctx);
	m->run.env->model->snapshot(m->run.env, s);
	sim_ctx_leave(m->ctx);
	return s;
}

/* The hashed entry at addr, or NULL. */
static inline const KpSnapEntry *mh_snap_entry(const KpSnapshot *s, uint64_t addr)
{
	for (unsigned i = 0; i < s->n_entries; i++)
		if (s->entries[i].hashed && s->entries[i].addr == addr)
			return &s->entries[i];
	return NULL;
}

/* The engine's id of the last run's task called `name`, or -1. */
static inline int mh_task_id(Mh *m, const char *name)
{
	for (unsigned i = 0; i < sim_task_count(m->ctx); i++) {
		SimTask *t = sim_task_by_id(m->ctx, i);

		if (t && !strcmp(sim_task_name(t), name))
			return (int)sim_task_id(t);
	}
	return -1;
}

/* Trace events of the last run of this kind (and label, and task if >= 0). */
static inline size_t mh_count_events(Mh *m, SimEventKind kind, const char *what, int task)
{
	size_t n = 0;

	for (size_t i = 0; i < sim_trace_count(m->ctx); i++) {
		const SimEvent *ev = sim_trace_get(m->ctx, i);

		if (ev->kind == kind && (!what || (ev->what && !strcmp(ev->what, what))) &&
		    (task < 0 || ev->task == task))
			n++;
	}
	return n;
}

/*
 * A cmocka test for one row of a table of cases, named by the row: fn gets the row as
 * its state.  One test per row, so that a failing row is named in the TAP output.
 */
static inline struct CMUnitTest mh_row_test(CMUnitTestFunction fn, const char *name,
					    const void *row)
{
	return (struct CMUnitTest){ .name = name, .test_func = fn, .initial_state = (void *)row };
}

#endif
