/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for the tests of the invariant checker (model/check.c, model/hits.c): a small
 * runner of scripted operations and task bodies written in C, with the checker
 * installed, whose last run stays inspectable; and the three shapes a checker test
 * takes, each a row of a table:
 *   - CkSnapEdit: a snapshot of a real state, edited to break one rule and judged
 *     through the checker's test entry points;
 *   - CkCallCase: a completed run, then direct checker calls, made the way the API glue
 *     makes them, with the user-level record (KpWorld.user, armed) or the arguments made
 *     to disagree with the kernel;
 *   - CkTaskCase: a task body that corrupts the state between operations, run once
 *     without the corruption and once with it.
 * In each shape a control, the same set-up without the breach, must pass first: a test
 * that only ever saw the report could not tell a rule from a checker that reports
 * everything.
 */
#ifndef KPSIM_TESTS_CHECKER_HARNESS_H
#define KPSIM_TESTS_CHECKER_HARNESS_H

#include "model_harness.h"

#include "arch_x86_emu/image.h"
#include "arch_x86_emu/text.h"
#include "model/check_test.h"
#include "model/model.h"
#include "sim/alloc.h"
#include "sim/mutex.h"
#include "sim/timer.h"

#include <errno.h>

#define CK_ANY (-100000L)	/* no expectation */
#define CK_MAX_OPS 16
#define CK_MAX_TASKS 3

#define INT3 0xcc
#define JMP 0xe9

/* ---- the runner: scripted operations plus task bodies written in the tests ---- */

typedef struct Ck Ck;
typedef void (*CkFn)(Ck *k);

typedef enum {
	CK_REGISTER,
	CK_UNREGISTER,
	CK_ENABLE,
	CK_DISABLE,
	CK_SYSCTL_WRITE,	/* text */
	CK_DEBUGFS_WRITE,	/* text */
	CK_MODULE_LOAD,		/* text */
	CK_SLEEP,		/* arg jiffies */
	CK_FN,			/* fn, run in the task */
} CkKind;

typedef struct {
	CkKind kind;
	unsigned probe;
	const char *text;
	long arg;
	long expect;
	CkFn fn;
} CkOp;

typedef struct {
	const char *name;
	unsigned cpu;
	CkOp ops[CK_MAX_OPS];
	unsigned n_ops;
	Ck *k;
} CkTask;

struct Ck {
	SimCtx *ctx;
	KpProbeSpec specs[KP_MAX_PROBES];
	unsigned n_probes;
	CkTask tasks[CK_MAX_TASKS];
	unsigned n_tasks;
	/* A scenario function added to the text before the tasks start (NULL: none). */
	const char *fn_name;
	const uint8_t *fn_bytes;
	size_t fn_len;
	/* Which variant the task bodies run: the corruption, or the control without it. */
	bool corrupt;
	/* The last run, inspectable until the next one. */
	KpEnv *env;
	KpWorld w;
	KpProbe probes[KP_MAX_PROBES];
	KpProbe *ptrs[KP_MAX_PROBES];
};

static inline Ck *ck_new(unsigned cpus)
{
	Ck *k = g_new0(Ck, 1);

	k->ctx = harness_ctx(cpus, true);
	return k;
}

static inline void ck_release(Ck *k)
{
	if (!k->env)
		return;
	kp_world_fini(&k->w);
	kp_env_free(k->env);
	k->env = NULL;
}

static inline void ck_free(Ck *k)
{
	ck_release(k);
	sim_ctx_free(k->ctx);
	g_free(k);
}

/* A kprobe with a pre handler (and a post handler if asked) at symbol+offset. */
static inline unsigned ck_probe(Ck *k, const char *name, const char *symbol,
				unsigned long offset, bool post)
{
	unsigned i = k->n_probes++;

	assert_true(i < KP_MAX_PROBES);
	k->specs[i] = (KpProbeSpec){ .name = name, .kind = KP_PROBE_KPROBE, .symbol = symbol,
				     .offset = offset, .pre = true, .post = post };
	return i;
}

static inline unsigned ck_task(Ck *k, const char *name, unsigned cpu)
{
	unsigned t = k->n_tasks++;

	assert_true(t < CK_MAX_TASKS);
	k->tasks[t] = (CkTask){ .name = name, .cpu = cpu, .k = k };
	return t;
}

static inline CkOp *ck_op(Ck *k, unsigned task, CkKind kind, long expect)
{
	CkTask *t = &k->tasks[task];

	assert_true(t->n_ops < CK_MAX_OPS);
	t->ops[t->n_ops] = (CkOp){ .kind = kind, .expect = expect };
	return &t->ops[t->n_ops++];
}

static inline void ck_probe_op(Ck *k, unsigned task, CkKind kind, unsigned probe, long expect)
{
	ck_op(k, task, kind, expect)->probe = probe;
}

static inline void ck_text_op(Ck *k, unsigned task, CkKind kind, const char *text,
			      long expect)
{
	ck_op(k, task, kind, expect)->text = text;
}

static inline void ck_sleep(Ck *k, unsigned task, long jiffies)
{
	ck_op(k, task, CK_SLEEP, CK_ANY)->arg = jiffies;
}

static inline void ck_fn(Ck *k, unsigned task, CkFn fn)
{
	ck_op(k, task, CK_FN, CK_ANY)->fn = fn;
}

static inline long ck_do(Ck *k, const CkOp *op)
{
	KpProbe *p = &k->probes[op->probe];

	switch (op->kind) {
	case CK_REGISTER:
		return kp_api_register(&k->w, &p, 1);
	case CK_UNREGISTER:
		kp_api_unregister(&k->w, &p, 1);
		return 0;
	case CK_ENABLE:
		return kp_api_enable(&k->w, p);
	case CK_DISABLE:
		return kp_api_disable(&k->w, p);
	case CK_SYSCTL_WRITE:
		return kp_api_sysctl_write(&k->w, op->text);
	case CK_DEBUGFS_WRITE:
		return kp_api_debugfs_write(&k->w, op->text);
	case CK_MODULE_LOAD:
		return kp_api_module_load(&k->w, op->text);
	case CK_SLEEP:
		sim_sleep(k->ctx, (uint64_t)op->arg);
		return 0;
	case CK_FN:
		op->fn(k);
		return 0;
	}
	return 0;
}

static inline void ck_task_main(SimCtx *ctx, void *arg)
{
	CkTask *t = arg;

	for (unsigned i = 0; i < t->n_ops; i++) {
		const CkOp *op = &t->ops[i];
		long ret;

		sim_yield(ctx, SIM_Y_OP, &sim_fp_none);
		ret = ck_do(t->k, op);
		if (op->expect != CK_ANY && ret != op->expect)
			sim_fail(ctx, SIM_V_INVARIANT, "expect", __func__,
				 "task %s: op %u returned %ld, expected %ld", t->name, i, ret,
				 op->expect);
		sim_quiescent_point(ctx);
	}
}

/* One run under strategy s with the checker installed, judged at quiescence if it completes. */
static inline SimEnd ck_run_under(Ck *k, bool corrupt, SimStrategy *s)
{
	SimEnd end;

	ck_release(k);
	k->corrupt = corrupt;
	sim_ctx_reset(k->ctx);
	sim_ctx_enter(k->ctx);
	k->env = kp_env_new(k->ctx, emu_default_image(), &KP_TEST_MODEL);
	if (k->fn_name) {
		g_autoptr(GError) err = NULL;

		if (!emu_text_add_function(k->env->text, k->fn_name, k->fn_bytes, k->fn_len, &err))
			fail_msg("scenario function: %s", err->message);
	}
	k->env->n_probes = k->n_probes;
	k->env->model->init(k->env);
	for (unsigned i = 0; i < k->n_probes; i++) {
		k->probes[i] = (KpProbe){ .spec = k->specs[i], .id = i };
		k->ptrs[i] = &k->probes[i];
	}
	kp_world_init(&k->w, k->env, k->ptrs, k->n_probes);
	kp_check_install(&k->w);
	sim_alloc_set_leak_check(k->ctx, false);
	for (unsigned t = 0; t < k->n_tasks; t++)
		sim_task_create(k->ctx, k->tasks[t].name, k->tasks[t].cpu, ck_task_main,
				&k->tasks[t], 0);
	sim_ctx_leave(k->ctx);
	end = sim_run(k->ctx, s);
	if (end == SIM_END_DONE) {
		sim_ctx_enter(k->ctx);
		kp_check_quiescence(&k->w);
		sim_ctx_leave(k->ctx);
		end = sim_run_end(k->ctx);
	}
	return end;
}

/* The deterministic schedule: the first option at every decision. */
static inline SimEnd ck_run(Ck *k, bool corrupt)
{
	SimStrategy *s = sim_strategy_first_new();
	SimEnd end = ck_run_under(k, corrupt, s);

	sim_strategy_free(s);
	return end;
}

/* A random schedule, without the corruption. */
static inline SimEnd ck_run_seed(Ck *k, uint64_t seed)
{
	SimStrategy *s = sim_strategy_random_new(seed);
	SimEnd end = ck_run_under(k, false, s);

	sim_strategy_free(s);
	return end;
}

/* Direct checker calls after a run are made as the engine, like the quiescence check. */
static inline void ck_enter(Ck *k)
{
	sim_ctx_enter(k->ctx);
}

static inline void ck_leave(Ck *k)
{
	sim_ctx_leave(k->ctx);
}

static inline void ck_explain(Ck *k)
{
	for (size_t i = 0; i < sim_violation_count(k->ctx); i++) {
		const SimViolation *v = sim_violation_get(k->ctx, i);

		print_message("# violation %s: %s (%s, step %llu)\n", v->id, v->message,
			      v->site, (unsigned long long)v->step);
	}
}

/* Nothing reported at all, and the run (with any checks made after it) completed. */
static inline void ck_expect_clean(Ck *k)
{
	if (sim_violation_count(k->ctx) || sim_run_end(k->ctx) != SIM_END_DONE)
		ck_explain(k);
	assert_int_equal(sim_run_end(k->ctx), SIM_END_DONE);
	assert_int_equal(sim_violation_count(k->ctx), 0);
}

/*
 * The checker reported invariant `id` with a message containing `msg` (another invariant
 * may be reported too: a failed registration can break A2 and A9 at once).  It did not
 * end the run: checker violations are not fatal.
 */
static inline void ck_expect(Ck *k, const char *id, const char *msg)
{
	const SimViolation *v = NULL;

	for (size_t i = 0; i < sim_violation_count(k->ctx) && !v; i++) {
		const SimViolation *c = sim_violation_get(k->ctx, i);

		if (c->kind == SIM_V_INVARIANT && !strcmp(c->id, id))
			v = c;
	}

	if (!v || strcmp(v->id, id) || !strstr(v->message, msg))
		ck_explain(k);
	assert_non_null(v);
	assert_string_equal(v->id, id);
	assert_non_null(strstr(v->message, msg));
	assert_false(v->fatal);
}

/* ---- the text, from inside a task and after a run ---- */

/* Inside a task (where a failed cmocka assertion cannot unwind): symbol+off. */
static inline uint64_t task_sym(Ck *k, const char *symbol, unsigned long off)
{
	EmuTextSymbol sym;

	if (!emu_text_symbol_by_name(k->env->text, symbol, &sym))
		sim_fail(k->ctx, SIM_V_INVARIANT, "expect", __func__, "no symbol %s", symbol);
	return sym.addr + off;
}

/* The port's kprobe_mutex, found by its lock-class name. */
static inline SimMutex *kprobe_mutex_of(Ck *k)
{
	for (unsigned id = 0; sim_mutex_by_id(k->ctx, id); id++)
		if (!strcmp(sim_mutex_by_id(k->ctx, id)->name, "kprobe_mutex"))
			return sim_mutex_by_id(k->ctx, id);
	fail_msg("no kprobe_mutex in this run");
	return NULL;
}

/* A text write as kprobes makes one: kprobe_mutex, then text_mutex (T6). */
static inline void poke_locked(Ck *k, uint64_t addr, const uint8_t *bytes, size_t len, bool kpm)
{
	SimMutex *km = kprobe_mutex_of(k);

	if (kpm)
		sim_mutex_lock(k->ctx, km);
	sim_mutex_lock(k->ctx, &k->env->text_mutex);
	emu_text_poke(k->env->text, addr, bytes, len);
	sim_mutex_unlock(k->ctx, &k->env->text_mutex);
	if (kpm)
		sim_mutex_unlock(k->ctx, km);
}

static inline void poke(Ck *k, uint64_t addr, const uint8_t *bytes, size_t len)
{
	poke_locked(k, addr, bytes, len, true);
}

/* Inside a task: the original byte at addr. */
static inline uint8_t orig_byte(Ck *k, uint64_t addr)
{
	uint8_t b = 0;

	if (!emu_text_read_orig(k->env->text, addr, &b, 1))
		sim_fail(k->ctx, SIM_V_INVARIANT, "expect", __func__, "no text at %llx",
			 (unsigned long long)addr);
	return b;
}

static inline uint8_t text_byte(Ck *k, uint64_t addr)
{
	uint8_t b = 0;

	assert_true(emu_text_read(k->env->text, addr, &b, 1));
	return b;
}

static inline uint8_t text_orig(Ck *k, uint64_t addr)
{
	uint8_t b = 0;

	assert_true(emu_text_read_orig(k->env->text, addr, &b, 1));
	return b;
}

/* A jump opcode where the original text has none: an installed jump. */
static inline bool text_has_jump(Ck *k, uint64_t addr)
{
	return text_byte(k, addr) == JMP && text_orig(k, addr) != JMP;
}

/* ---- the probes most tests use, and the runs they start from ---- */

/*
 * "a" at f_small+0 is optimized once the optimizer ran (an aggregate with a jump), "b"
 * at f_small+12 has no room for a jump (an independent probe, int3).
 */
#define A_OFF 0
#define B_OFF 12

typedef enum {
	BASE_A,		/* a registered and optimized */
	BASE_AB,	/* a optimized, b int3 */
	BASE_NONE,	/* a registered and unregistered again: nothing left */
} CkBase;

/* Probes a and b, and one task that makes `base` and lets the optimizer run. */
static inline void ck_base_script(Ck *k, CkBase base)
{
	unsigned a = ck_probe(k, "a", "f_small", A_OFF, false);
	unsigned b = ck_probe(k, "b", "f_small", B_OFF, false);
	unsigned t = ck_task(k, "t0", 0);

	ck_probe_op(k, t, CK_REGISTER, a, 0);
	if (base == BASE_AB)
		ck_probe_op(k, t, CK_REGISTER, b, 0);
	if (base == BASE_NONE)
		ck_probe_op(k, t, CK_UNREGISTER, a, CK_ANY);
	ck_sleep(k, t, 10);
}

static inline void ck_script_a(Ck *k)
{
	ck_base_script(k, BASE_A);
}

static inline void ck_script_ab(Ck *k)
{
	ck_base_script(k, BASE_AB);
}

static inline void ck_script_none(Ck *k)
{
	ck_base_script(k, BASE_NONE);
}

/* A completed, clean run of `base`. */
static inline Ck *base_run(CkBase base)
{
	Ck *k = ck_new(1);

	ck_base_script(k, base);
	ck_run(k, false);
	ck_expect_clean(k);
	return k;
}

/* ---- snapshots: the rules judged on edited copies of a real state ---- */

static inline KpSnapshot *snap_now(Ck *k)
{
	KpSnapshot *s = g_new0(KpSnapshot, 1);

	ck_enter(k);
	k->env->model->snapshot(k->env, s);
	ck_leave(k);
	return s;
}

static inline KpSnapEntry *snap_at(KpSnapshot *s, uint64_t addr)
{
	for (unsigned i = 0; i < s->n_entries; i++)
		if (s->entries[i].hashed && s->entries[i].addr == addr)
			return &s->entries[i];
	fail_msg("no hashed entry at %llx", (unsigned long long)addr);
	return NULL;
}

/* The hashed entries of a and b. */
static inline KpSnapEntry *ea(KpSnapshot *s)
{
	return snap_at(s, mh_sym_addr("f_small", A_OFF));
}

static inline KpSnapEntry *eb(KpSnapshot *s)
{
	return snap_at(s, mh_sym_addr("f_small", B_OFF));
}

/* The checker's verdict on s: per-step rules, or those and progress and memory. */
static inline void judge(Ck *k, const KpSnapshot *s, bool quiescent)
{
	ck_enter(k);
	if (quiescent)
		kp_check_quiescence_for_tests(&k->w, s);
	else
		kp_check_snapshot_for_tests(&k->w, s);
	ck_leave(k);
}

/* An edit of a base run's snapshot that breaks exactly one rule. */
typedef struct {
	const char *name;
	CkBase base;
	bool quiescent;		/* judge as at quiescence (progress and memory too) */
	const char *id;
	const char *msg;
	void (*edit)(KpSnapshot *s);
} CkSnapEdit;

/*
 * Each edit breaks one rule: the checker reports that id; the same snapshot unedited
 * passes, judged both ways.
 */
static inline void ck_snap_edits(const CkSnapEdit *edits, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const CkSnapEdit *c = &edits[i];
		Ck *k = base_run(c->base);
		KpSnapshot *s = snap_now(k);

		print_message("# %s: %s\n", c->name, c->id);
		judge(k, s, false);
		judge(k, s, true);
		ck_expect_clean(k);
		c->edit(s);
		judge(k, s, c->quiescent);
		ck_expect(k, c->id, c->msg);
		g_free(s);
		ck_free(k);
	}
}

/* ---- rows run as cmocka tests of their own (mh_row_test) ---- */

/*
 * After a clean run of `script`: the `allowed` calls report nothing, the `breach` call
 * reports `id` with `msg`.  Both are made as the engine, between ck_enter and ck_leave.
 */
typedef struct {
	const char *name;
	CkFn script;
	CkFn allowed;	/* NULL: no control call */
	CkFn breach;
	const char *id;
	const char *msg;
} CkCallCase;

static inline void ck_call_case(void **state)
{
	const CkCallCase *c = *state;
	Ck *k = ck_new(1);

	c->script(k);
	ck_run(k, false);
	ck_expect_clean(k);
	if (c->allowed) {
		ck_enter(k);
		c->allowed(k);
		ck_leave(k);
		ck_expect_clean(k);
	}
	ck_enter(k);
	c->breach(k);
	ck_leave(k);
	ck_expect(k, c->id, c->msg);
	ck_free(k);
}

/*
 * A task body that corrupts the state as k->corrupt says: the run without the
 * corruption is clean (and `after_control` holds after it), the run with it ends in
 * `id` with `msg`.  `script` declares the probes and the task's operations around body.
 */
typedef struct {
	const char *name;
	void (*script)(Ck *k, CkFn body);
	CkFn body;
	CkFn after_control;	/* NULL: nothing more to check */
	const char *id;
	const char *msg;
} CkTaskCase;

static inline void ck_task_case(void **state)
{
	const CkTaskCase *c = *state;
	Ck *k = ck_new(1);

	c->script(k, c->body);
	ck_run(k, false);
	ck_expect_clean(k);
	if (c->after_control)
		c->after_control(k);
	ck_run(k, true);
	ck_expect(k, c->id, c->msg);
	ck_free(k);
}

#endif
