// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reduction of the dfs search (sleep sets and dynamic partial-order reduction) on
 * generated programs: straight-line tasks that read and write a few shared variables,
 * some of them sharing a vCPU, and a probe hit (the int3 fetch and the trap handler's
 * step, with the footprints the CPU and the ports declare) racing text writes at the
 * probed address.  Under every preemption bound, and without one, the reduced search
 * must reach exactly the final states the full search reaches.
 */
#include "harness.h"
#include "sim/dpor.h"
#include "sim/strategy.h"
#include "sim/footprint.h"
#include "sim/rcu.h"
#include "sim/stop_machine.h"

#include <stdlib.h>
#include <string.h>

#define MAX_TASKS 4
#define MAX_STEPS 5
#define N_VARS 3

enum { OP_LOCAL, OP_READ, OP_WRITE };

typedef struct {
	unsigned n_tasks, n_vcpus;
	unsigned steps[MAX_TASKS];
	uint8_t op[MAX_TASKS][MAX_STEPS];
	uint8_t var[MAX_TASKS][MAX_STEPS];
	/* State of a run. */
	uint64_t x[N_VARS];
	uint64_t seen[MAX_TASKS];	/* what each task read, in order */
} Prog;

typedef struct {
	Prog *p;
	unsigned me;
} Arg;

typedef struct {
	Prog *p;
	Arg args[MAX_TASKS];
} Setup;

static void task(SimCtx *ctx, void *data)
{
	Arg *a = data;
	Prog *p = a->p;

	for (unsigned i = 0; i < p->steps[a->me]; i++) {
		unsigned op = p->op[a->me][i], v = p->var[a->me][i];
		SimFootprint fp = op == OP_LOCAL ?
			sim_fp1(SIM_RES_OBJ, SIM_ACC_WRITE, 100 + a->me) :
			sim_fp1(SIM_RES_OBJ, op == OP_READ ? SIM_ACC_READ : SIM_ACC_WRITE, v);

		sim_yield(ctx, op == OP_READ ? SIM_Y_LOAD : SIM_Y_STORE, &fp);
		if (op == OP_READ)
			p->seen[a->me] = p->seen[a->me] * 7 + p->x[v] + 1;
		else if (op == OP_WRITE)
			p->x[v] = p->x[v] * 5 + a->me + 1;
	}
}

static void setup(SimCtx *ctx, void *data)
{
	static const char *const names[MAX_TASKS] = { "t0", "t1", "t2", "t3" };
	Setup *s = data;

	memset(s->p->x, 0, sizeof(s->p->x));
	memset(s->p->seen, 0, sizeof(s->p->seen));
	for (unsigned i = 0; i < s->p->n_tasks; i++) {
		s->args[i] = (Arg){ s->p, i };
		sim_task_create(ctx, names[i], i % s->p->n_vcpus, task, &s->args[i], 0);
	}
}

static uint64_t final_hash(const Prog *p)
{
	uint64_t h = 1469598103934665603ull;

	for (unsigned v = 0; v < N_VARS; v++)
		h = (h ^ p->x[v]) * 1099511628211ull;
	for (unsigned t = 0; t < p->n_tasks; t++)
		h = (h ^ p->seen[t]) * 1099511628211ull;
	return h;
}

typedef struct {
	uint64_t executions;
	GHashTable *finals;
} Outcome;

/*
 * Every execution of a program under dfs: `setup` creates its tasks on n_vcpus vCPUs and
 * `final` hashes its final state (both given `data`).
 */
static Outcome explore_with(unsigned n_vcpus, HarnessSetup setup_fn, uint64_t (*final)(void *),
			    void *data, int bound, bool reduce)
{
	SimCtx *ctx = harness_ctx(n_vcpus, false);
	SimDfsConfig cfg = { .preemptions = bound, .reduce = reduce };
	SimStrategy *s = sim_strategy_dfs_new(&cfg);
	Outcome o = { .finals = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL) };

	do {
		SimEnd end = harness_run(ctx, s, setup_fn, data);

		if (sim_strategy_dfs_last(s) == SIM_DFS_RUN_COUNTS) {
			uint64_t h = final(data);

			assert_int_equal(end, SIM_END_DONE);
			o.executions++;
			g_hash_table_add(o.finals, g_memdup2(&h, sizeof(h)));
		} else {
			assert_int_equal(sim_strategy_dfs_last(s), SIM_DFS_RUN_PRUNED);
		}
	} while (sim_strategy_dfs_advance(s));
	sim_strategy_free(s);
	sim_ctx_free(ctx);
	return o;
}

static uint64_t setup_final(void *data)
{
	return final_hash(((Setup *)data)->p);
}

static Outcome explore(Prog *p, int bound, bool reduce)
{
	Setup st = { .p = p };

	return explore_with(p->n_vcpus, setup, setup_final, &st, bound, reduce);
}

static uint64_t next(uint64_t *rng)
{
	*rng = *rng * 6364136223846793005ull + 1442695040888963407ull;
	return *rng >> 33;
}

static void generate(Prog *p, uint64_t *rng, unsigned n_tasks, unsigned n_vcpus)
{
	memset(p, 0, sizeof(*p));
	p->n_tasks = n_tasks;
	p->n_vcpus = n_vcpus;
	for (unsigned t = 0; t < n_tasks; t++) {
		p->steps[t] = 1 + (unsigned)(next(rng) % (n_tasks > 3 ? 3 : MAX_STEPS - 1));
		for (unsigned i = 0; i < p->steps[t]; i++) {
			p->op[t][i] = (uint8_t)(next(rng) % 3);
			p->var[t][i] = (uint8_t)(next(rng) % N_VARS);
		}
	}
}

/* Every final state of the full search, and no other, is reached with the reduction. */
static void compare(Prog *p, int bound, uint64_t *red_total, uint64_t *full_total)
{
	Outcome full = explore(p, bound, false);
	Outcome red = explore(p, bound, true);
	GHashTableIter it;
	gpointer k;

	assert_true(red.executions <= full.executions);
	assert_int_equal(g_hash_table_size(red.finals), g_hash_table_size(full.finals));
	g_hash_table_iter_init(&it, full.finals);
	while (g_hash_table_iter_next(&it, &k, NULL))
		assert_true(g_hash_table_contains(red.finals, k));
	*red_total += red.executions;
	*full_total += full.executions;
	g_hash_table_destroy(full.finals);
	g_hash_table_destroy(red.finals);
}

/*
 * The default tier compares a fifth of each family's programs (the first ones, so the
 * same programs every time); the slow tier's run of this file (KPSIM_SWEEP=full) compares
 * them all.
 */
static unsigned sweep_rounds(unsigned rounds)
{
	const char *sweep = getenv("KPSIM_SWEEP");

	if (sweep && !strcmp(sweep, "full"))
		return rounds;
	return rounds / 5 > 2 ? rounds / 5 : 2;
}

static void run_family(unsigned rounds, unsigned n_tasks, unsigned n_vcpus, uint64_t seed,
		       int max_bound, bool unbounded)
{
	uint64_t rng = seed, red = 0, full = 0;

	rounds = sweep_rounds(rounds);

	for (unsigned r = 0; r < rounds; r++) {
		Prog p;

		generate(&p, &rng, n_tasks, n_vcpus);
		for (int bound = 0; bound <= max_bound; bound++)
			compare(&p, bound, &red, &full);
		if (unbounded)
			compare(&p, -1, &red, &full);
	}
	print_message("# %u tasks on %u vCPUs: %llu executions reduced, %llu full\n", n_tasks,
		      n_vcpus, (unsigned long long)red, (unsigned long long)full);
}

static void test_two_tasks(void **state)
{
	(void)state;
	run_family(40, 2, 2, 1, 3, true);
}

static void test_three_tasks(void **state)
{
	(void)state;
	run_family(30, 3, 3, 2, 3, true);
}

static void test_four_tasks(void **state)
{
	(void)state;
	run_family(12, 4, 4, 3, 3, false);
}

/* Tasks sharing a vCPU: a vCPU's next step changes task when one finishes. */
static void test_shared_vcpus(void **state)
{
	(void)state;
	run_family(30, 3, 2, 4, 3, true);
	run_family(10, 4, 2, 5, 3, false);
}

/* ---- the split between workers ---- */

/*
 * One worker's share of the split search (SimDfsConfig.split_level): worker w of n runs
 * the subtrees numbered w modulo n; its counted executions and pruned runs are added to
 * *executions and *pruned, and the final states it reaches to finals.
 */
static void explore_share(Prog *p, int bound, unsigned level, unsigned n, unsigned w,
			  uint64_t *executions, uint64_t *pruned, GHashTable *finals)
{
	Setup st = { .p = p };
	SimCtx *ctx = harness_ctx(p->n_vcpus, false);
	SimDfsConfig cfg = { .preemptions = bound, .reduce = true, .split_level = level,
			     .worker = w, .n_workers = n };
	SimStrategy *s = sim_strategy_dfs_new(&cfg);

	do {
		SimEnd end = harness_run(ctx, s, setup, &st);

		switch (sim_strategy_dfs_last(s)) {
		case SIM_DFS_RUN_COUNTS: {
			uint64_t h = final_hash(p);

			assert_int_equal(end, SIM_END_DONE);
			(*executions)++;
			g_hash_table_add(finals, g_memdup2(&h, sizeof(h)));
			break;
		}
		case SIM_DFS_RUN_PRUNED:
			(*pruned)++;
			break;
		case SIM_DFS_RUN_SKIPPED:
			break;
		}
	} while (sim_strategy_dfs_advance(s));
	sim_strategy_free(s);
	sim_ctx_free(ctx);
}

/*
 * Shared out between 1, 2 or 3 workers below the first 1, 2, 4 or 8 levels, the split
 * search runs the same executions and prunes the same runs (a subtree is searched the
 * same way whichever worker searches it, with the sleep set it starts with), and
 * together the workers reach exactly the final states of the full search: the top's
 * options sleep soundly across the split.
 */
static void compare_split(Prog *p, int bound)
{
	Outcome full = explore(p, bound, false);

	for (unsigned level = 1; level <= 8; level *= 2) {
		uint64_t executions[4] = { 0 }, pruned[4] = { 0 };

		for (unsigned n = 1; n <= 3; n++) {
			GHashTable *finals = g_hash_table_new_full(g_int64_hash, g_int64_equal,
								   g_free, NULL);
			GHashTableIter it;
			gpointer k;

			for (unsigned w = 0; w < n; w++)
				explore_share(p, bound, level, n, w, &executions[n], &pruned[n],
					      finals);
			assert_int_equal(g_hash_table_size(finals), g_hash_table_size(full.finals));
			g_hash_table_iter_init(&it, full.finals);
			while (g_hash_table_iter_next(&it, &k, NULL))
				assert_true(g_hash_table_contains(finals, k));
			g_hash_table_destroy(finals);
			assert_int_equal(executions[n], executions[1]);
			assert_int_equal(pruned[n], pruned[1]);
		}
		assert_true(executions[1] <= full.executions);
	}
	g_hash_table_destroy(full.finals);
}

/*
 * Four tasks on four vCPUs are searched under bounds only: their unbounded full search
 * is the one that makes test_four_tasks leave out the unbounded comparison too.
 */
static void test_split_between_workers(void **state)
{
	static const unsigned shapes[][3] = { { 2, 2, 1 }, { 3, 3, 1 }, { 3, 2, 1 },
					       { 4, 4, 0 } };
	uint64_t rng = 11;

	(void)state;
	for (unsigned sh = 0; sh < G_N_ELEMENTS(shapes); sh++)
		for (unsigned r = 0; r < sweep_rounds(10); r++) {
			Prog p;

			generate(&p, &rng, shapes[sh][0], shapes[sh][1]);
			for (int bound = shapes[sh][2] ? -1 : 0; bound <= 2; bound++)
				compare_split(&p, bound);
		}
}

/* ---- a probe hit racing a text write at the probed address ---- */

/*
 * The int3 path as the emulated CPU and the ports declare it, on the engine alone.  A
 * vCPU fetches the byte at the probe address A (a step reading text[A, A + 16) and its
 * own vCPU); on an int3 the trap handler's step reads the probe hash and, when no probe
 * is hashed there, the byte again (kp_int3_hook's footprint: R kprobes, R text[A, A + 1)).
 * The writer's vCPU arms, disarms, hashes and unhashes in a generated order, as
 * text_poke (W text[A, A + 1)) and KP_PUBLISH (W kprobes) declare them.  Each call ends
 * by running the original instruction, in a handler (the probe found), with an
 * unhandled int3, or backs up over an int3 that went away and fetches again.
 */
#define HIT_OPS 4
#define HIT_CALLS 2
#define HIT_ADDR 0x1000u
#define HIT_KPROBES 1u

enum { HIT_ARM, HIT_DISARM, HIT_HASH, HIT_UNHASH };
enum { HIT_RAN = 1, HIT_HANDLED, HIT_UNHANDLED, HIT_BACKED_UP };

typedef struct {
	unsigned n_ops, n_calls;
	uint8_t op[HIT_OPS];
	bool armed0, hashed0;
	bool declare_read;	/* the handler step declares its read of the byte */
	/* State of a run. */
	bool armed, hashed;
	uint64_t seen[HIT_CALLS];	/* how each call went, in order */
} HitProg;

typedef struct {
	HitProg *p;
	unsigned me;
} HitArg;

typedef struct {
	HitProg *p;
	HitArg args[1 + HIT_CALLS];
} HitSetup;

static void hit_writer(SimCtx *ctx, void *data)
{
	HitProg *p = ((HitArg *)data)->p;

	for (unsigned i = 0; i < p->n_ops; i++) {
		bool text = p->op[i] == HIT_ARM || p->op[i] == HIT_DISARM;
		SimFootprint fp = text ?
			sim_fp1(SIM_RES_TEXT, SIM_ACC_WRITE, HIT_ADDR) :
			sim_fp1(SIM_RES_OBJ, SIM_ACC_WRITE, HIT_KPROBES);

		sim_yield(ctx, text ? SIM_Y_TEXT_POKE : SIM_Y_STORE, &fp);
		switch (p->op[i]) {
		case HIT_ARM: p->armed = true; break;
		case HIT_DISARM: p->armed = false; break;
		case HIT_HASH: p->hashed = true; break;
		case HIT_UNHASH: p->hashed = false; break;
		}
	}
}

/* One call through A: at most two fetches (a back-up fetches once more). */
static void hit_caller(SimCtx *ctx, void *data)
{
	HitArg *a = data;
	HitProg *p = a->p;
	unsigned vcpu = sim_task_vcpu(sim_current(ctx));
	uint64_t *seen = &p->seen[a->me];

	for (unsigned fetch = 0; fetch < 2; fetch++) {
		SimFootprint fetch_fp = { 0 }, trap_fp = { 0 };

		sim_fp_add(&fetch_fp, SIM_RES_TEXT, SIM_ACC_READ, HIT_ADDR, HIT_ADDR + 16);
		sim_fp_add(&fetch_fp, SIM_RES_VCPU, SIM_ACC_READ, vcpu, vcpu + 1);
		sim_yield(ctx, SIM_Y_INSN, &fetch_fp);
		if (!p->armed) {
			*seen = *seen * 5 + HIT_RAN;
			return;
		}
		sim_fp_add(&trap_fp, SIM_RES_OBJ, SIM_ACC_READ, HIT_KPROBES, HIT_KPROBES + 1);
		if (p->declare_read)
			sim_fp_add(&trap_fp, SIM_RES_TEXT, SIM_ACC_READ, HIT_ADDR, HIT_ADDR + 1);
		sim_yield(ctx, SIM_Y_LOAD, &trap_fp);
		if (p->hashed) {
			*seen = *seen * 5 + HIT_HANDLED;
			return;
		}
		if (p->armed) {
			*seen = *seen * 5 + HIT_UNHANDLED;
			return;
		}
		*seen = *seen * 5 + HIT_BACKED_UP;
	}
}

static void hit_setup(SimCtx *ctx, void *data)
{
	static const char *const names[1 + HIT_CALLS] = { "writer", "call1", "call2" };
	HitSetup *s = data;
	HitProg *p = s->p;

	p->armed = p->armed0;
	p->hashed = p->hashed0;
	memset(p->seen, 0, sizeof(p->seen));
	s->args[0] = (HitArg){ p, 0 };
	sim_task_create(ctx, names[0], 0, hit_writer, &s->args[0], 0);
	for (unsigned i = 0; i < p->n_calls; i++) {
		s->args[1 + i] = (HitArg){ p, i };
		sim_task_create(ctx, names[1 + i], 1 + i, hit_caller, &s->args[1 + i], 0);
	}
}

static uint64_t hit_final(const HitProg *p)
{
	uint64_t h = 1469598103934665603ull;

	h = (h ^ (p->armed * 2u + p->hashed)) * 1099511628211ull;
	for (unsigned i = 0; i < p->n_calls; i++)
		h = (h ^ p->seen[i]) * 1099511628211ull;
	return h;
}

static uint64_t hit_setup_final(void *data)
{
	return hit_final(((HitSetup *)data)->p);
}

static Outcome hit_explore(HitProg *p, int bound, bool reduce)
{
	HitSetup st = { .p = p };

	return explore_with(1 + p->n_calls, hit_setup, hit_setup_final, &st, bound, reduce);
}

/* True when the reduced search reaches every final state of the full one. */
static bool hit_same_finals(HitProg *p, int bound, uint64_t *red_total, uint64_t *full_total)
{
	Outcome full = hit_explore(p, bound, false);
	Outcome red = hit_explore(p, bound, true);
	GHashTableIter it;
	gpointer k;
	bool same = g_hash_table_size(red.finals) == g_hash_table_size(full.finals);

	assert_true(red.executions <= full.executions);
	g_hash_table_iter_init(&it, full.finals);
	while (same && g_hash_table_iter_next(&it, &k, NULL))
		same = g_hash_table_contains(red.finals, k);
	*red_total += red.executions;
	*full_total += full.executions;
	g_hash_table_destroy(full.finals);
	g_hash_table_destroy(red.finals);
	return same;
}

static void test_hit_races_text_write(void **state)
{
	/*
	 * The probe unregistered in the kernel's order (disarm, then unhash) and an int3
	 * written back with nothing hashed: the handler step tells a removed breakpoint
	 * (back up) from a foreign one (unhandled) by the byte alone.
	 */
	HitProg stale = {
		.n_calls = 1, .n_ops = 3, .op = { HIT_DISARM, HIT_UNHASH, HIT_ARM },
		.armed0 = true, .hashed0 = true,
	};
	uint64_t rng = 6, red = 0, full = 0, ignored = 0;
	unsigned rounds = sweep_rounds(60);

	(void)state;
	for (unsigned r = 0; r < rounds; r++) {
		HitProg p = { .declare_read = true };

		p.n_calls = 1 + (unsigned)(next(&rng) % HIT_CALLS);
		p.n_ops = 1 + (unsigned)(next(&rng) % (p.n_calls > 1 ? HIT_OPS - 1 : HIT_OPS));
		for (unsigned i = 0; i < p.n_ops; i++)
			p.op[i] = (uint8_t)(next(&rng) % 4);
		p.armed0 = next(&rng) % 2;
		p.hashed0 = next(&rng) % 2;
		for (int bound = 0; bound <= 3; bound++)
			assert_true(hit_same_finals(&p, bound, &red, &full));
		assert_true(hit_same_finals(&p, -1, &red, &full));
	}
	print_message("# probe hits racing text writes: %llu executions reduced, %llu full\n",
		      (unsigned long long)red, (unsigned long long)full);
	stale.declare_read = true;
	for (int bound = 0; bound <= 3; bound++)
		assert_true(hit_same_finals(&stale, bound, &ignored, &ignored));
	assert_true(hit_same_finals(&stale, -1, &ignored, &ignored));
	/* What the declaration is for: without it the reduction loses a final state. */
	stale.declare_read = false;
	assert_false(hit_same_finals(&stale, -1, &ignored, &ignored));
}

/* ---- a stop_machine request taking away an idle vCPU's first step ---- */

typedef struct {
	bool declare;		/* b declares its first step (a write of its vCPU) */
	int written;		/* b's store */
	int read;		/* what a read of it after its grace period */
	int seen;		/* what the stopped machine saw of it */
} StopProg;

static int stop_fn(SimCtx *ctx, void *data)
{
	StopProg *p = data;

	(void)ctx;
	p->seen = p->written;
	return 0;
}

static void stop_requester(SimCtx *ctx, void *data)
{
	StopProg *p = data;
	SimFootprint fp = sim_fp1(SIM_RES_OBJ, SIM_ACC_READ, 1);

	sim_synchronize_sched(ctx);
	sim_yield(ctx, SIM_Y_LOAD, &fp);
	p->read = p->written;
	sim_stop_machine(ctx, stop_fn, data);
}

static void stop_writer(SimCtx *ctx, void *data)
{
	StopProg *p = data;
	SimFootprint fp = sim_fp1(SIM_RES_OBJ, SIM_ACC_WRITE, 1);

	sim_yield(ctx, SIM_Y_STORE, &fp);
	p->written = 1;
}

static void stop_setup(SimCtx *ctx, void *data)
{
	StopProg *p = data;
	SimTask *b;
	SimFootprint start = sim_fp1(SIM_RES_VCPU, SIM_ACC_WRITE, 1);

	p->written = 0;
	p->read = 0;
	p->seen = 0;
	sim_task_create(ctx, "a", 0, stop_requester, p, 0);
	b = sim_task_create(ctx, "b", 1, stop_writer, p, 0);
	if (p->declare)
		sim_task_declare_start(b, &start);
}

static uint64_t stop_final(void *data)
{
	const StopProg *p = data;

	return (uint64_t)p->read * 4u + (uint64_t)p->seen * 2u + (uint64_t)p->written;
}

/*
 * a waits for a grace period, reads b's store, and stops the machine.  The grace period
 * waits for b's vCPU only if b started before it; the stopped machine sees b's store
 * only if b started before the request (a started task is waited for until it is
 * quiescent, here finished; an idle vCPU is captured at once, and b's first step is not
 * offered again until the machine runs).  a reading 0 and the machine seeing 1 needs b
 * to start between the two, a window no step of a in it races with: the request takes
 * b's option away, so no later decision shows their race, and the search reverses it
 * where the option disappears.  With b's first step declared or not (declared, at bound 1,
 * the reduced search lost the window before it did).
 */
static void test_option_taken_away(void **state)
{
	(void)state;
	for (int declare = 0; declare <= 1; declare++) {
		StopProg p = { .declare = declare };

		for (int bound = -1; bound <= 2; bound++) {
			Outcome full = explore_with(2, stop_setup, stop_final, &p, bound, false);
			Outcome red = explore_with(2, stop_setup, stop_final, &p, bound, true);
			/*
			 * read, seen, written: 0 0 1, 1 1 1, and 0 1 1 (the window), which
			 * takes one preemption.
			 */
			uint64_t finals[] = { 1, 7, 3 };
			unsigned n = bound == 0 ? 2 : 3;

			assert_int_equal(g_hash_table_size(full.finals), n);
			assert_int_equal(g_hash_table_size(red.finals), n);
			for (unsigned i = 0; i < n; i++) {
				assert_true(g_hash_table_contains(full.finals, &finals[i]));
				assert_true(g_hash_table_contains(red.finals, &finals[i]));
			}
			g_hash_table_destroy(full.finals);
			g_hash_table_destroy(red.finals);
		}
	}
}

/* ---- the vector clocks against a transitive closure computed directly ---- */

#define HB_STEPS 24

typedef struct {
	bool dep[HB_STEPS][HB_STEPS + 1];	/* dep[i][j], i < j: declared dependent */
	size_t j;			/* the step being pushed or asked about */
} DepTable;

static bool table_dep(void *arg, size_t i)
{
	DepTable *t = arg;

	assert_true(i < t->j);
	return t->dep[i][t->j];
}

static void test_vector_clocks(void **state)
{
	uint64_t rng = 99;

	(void)state;
	for (unsigned round = 0; round < 200; round++) {
		unsigned n = 2 + (unsigned)(next(&rng) % (HB_STEPS - 2));
		unsigned actors = 2 + (unsigned)(next(&rng) % 3);
		unsigned actor[HB_STEPS];
		bool hb[HB_STEPS][HB_STEPS] = { { false } };	/* i happens before j */
		DepTable t = { .j = 0 };
		SimHb h;

		for (unsigned i = 0; i < n; i++) {
			actor[i] = (unsigned)(next(&rng) % actors);
			if (actor[i] == actors - 1)
				actor[i] = SIM_HB_TICK;	/* the tick is an actor too */
		}
		for (unsigned i = 0; i < n; i++)
			for (unsigned j = i + 1; j < n; j++)
				t.dep[i][j] = next(&rng) % 4 == 0;
		/* Program order and dependence, closed transitively (hb[m][j] first). */
		for (unsigned j = 0; j < n; j++)
			for (unsigned i = j; i-- > 0;) {
				bool direct = actor[i] == actor[j] || t.dep[i][j];

				for (unsigned m = i + 1; m < j && !direct; m++)
					direct = hb[i][m] && hb[m][j];
				hb[i][j] = direct;
			}
		sim_hb_init(&h);
		for (unsigned j = 0; j < n; j++) {
			t.j = j;
			sim_hb_push(&h, actor[j], table_dep, &t);
		}
		/* Cutting back and pushing again gives the same clocks. */
		sim_hb_truncate(&h, n / 2);
		for (unsigned j = n / 2; j < n; j++) {
			t.j = j;
			sim_hb_push(&h, actor[j], table_dep, &t);
		}
		assert_int_equal(sim_hb_len(&h), n);
		/* A pending option after the path: step n of the table. */
		for (unsigned i = 0; i < n; i++)
			t.dep[i][n] = next(&rng) % 3 == 0;
		t.j = n;
		for (unsigned a = 0; a < SIM_HB_ACTORS; a++) {
			long last = -1, race = -1;

			for (unsigned i = 0; i < n; i++)
				if (actor[i] == a)
					last = i;
			for (unsigned i = 0; i < n; i++) {
				bool before = actor[i] == a ||
					      (last >= 0 && (i == (unsigned)last || hb[i][last]));

				assert_int_equal(sim_hb_before_actor(&h, i, a), before);
				if (!before && t.dep[i][n])
					race = i;
			}
			assert_int_equal(sim_hb_last_race(&h, a, table_dep, &t), race);
		}
		sim_hb_clear(&h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_clocks),
		cmocka_unit_test(test_two_tasks),
		cmocka_unit_test(test_three_tasks),
		cmocka_unit_test(test_four_tasks),
		cmocka_unit_test(test_shared_vcpus),
		cmocka_unit_test(test_split_between_workers),
		cmocka_unit_test(test_hit_races_text_write),
		cmocka_unit_test(test_option_taken_away),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
