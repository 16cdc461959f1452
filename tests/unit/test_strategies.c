// SPDX-License-Identifier: GPL-2.0-only
/*
 * The exploring strategies on the engine alone: dfs enumerates exactly the interleavings
 * (counted here independently), the preemption bound keeps exactly those within it, the
 * sleep sets keep every final state, and PCT repeats itself from its seed.
 */
#include "harness.h"
#include "sim/strategy.h"
#include "sim/footprint.h"

/*
 * Two straight-line tasks.  Step i of a task is "shared" when bit i of its mask is set:
 * it then updates x in an order-dependent way and declares a write of object 1; other
 * steps touch only the task's own object.
 */
#define MAX_TASKS 3

typedef struct {
	uint64_t x;
	unsigned n_tasks;	/* 0 means 2 */
	unsigned steps[MAX_TASKS];
	uint32_t shared[MAX_TASKS];
} Work;

typedef struct {
	Work *w;
	unsigned me;
} Arg;

static void straight(SimCtx *ctx, void *p)
{
	Arg *a = p;
	Work *w = a->w;

	for (unsigned i = 0; i < w->steps[a->me]; i++) {
		bool shared = w->shared[a->me] >> i & 1;
		SimFootprint fp = sim_fp1(SIM_RES_OBJ, SIM_ACC_WRITE, shared ? 1 : 10 + a->me);

		sim_yield(ctx, SIM_Y_STORE, &fp);
		if (shared)
			w->x = w->x * 4 + a->me + 1;
	}
}

typedef struct {
	Work *w;
	Arg args[MAX_TASKS];
} Setup;

static unsigned n_tasks(const Work *w)
{
	return w->n_tasks ? w->n_tasks : 2;
}

static void setup_two(SimCtx *ctx, void *data)
{
	static const char *const names[MAX_TASKS] = { "t0", "t1", "t2" };
	Setup *s = data;

	s->w->x = 0;
	for (unsigned i = 0; i < n_tasks(s->w); i++) {
		s->args[i] = (Arg){ s->w, i };
		sim_task_create(ctx, names[i], i, straight, &s->args[i], 0);
	}
}

typedef struct {
	uint64_t executions, pruned;
	GHashTable *finals;	/* x values seen */
} Outcome;

static Outcome explore(Work *w, int bound, bool reduce)
{
	SimCtx *ctx = harness_ctx(n_tasks(w), false);
	SimDfsConfig cfg = { .preemptions = bound, .reduce = reduce };
	SimStrategy *s = sim_strategy_dfs_new(&cfg);
	Setup setup = { .w = w };
	Outcome o = { .finals = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL) };

	do {
		SimEnd end = harness_run(ctx, s, setup_two, &setup);

		if ((end == SIM_END_DONE) != (sim_strategy_dfs_last(s) == SIM_DFS_RUN_COUNTS))
			fail_msg("end %s, run kind %d", sim_end_name(end), sim_strategy_dfs_last(s));
		if (sim_strategy_dfs_last(s) == SIM_DFS_RUN_COUNTS) {
			o.executions++;
			g_hash_table_add(o.finals, g_memdup2(&w->x, sizeof(w->x)));
		} else {
			assert_int_equal(sim_strategy_dfs_last(s), SIM_DFS_RUN_PRUNED);
			o.pruned++;
		}
	} while (sim_strategy_dfs_advance(s));
	sim_strategy_free(s);
	sim_ctx_free(ctx);
	return o;
}

static uint64_t binomial(unsigned n, unsigned k)
{
	uint64_t r = 1;

	for (unsigned i = 1; i <= k; i++)
		r = r * (n - k + i) / i;
	return r;
}

/*
 * Interleavings of two sequences of a and b decisions with at most `bound` preemptions,
 * counted directly: prev is the task that made the last decision (-1: none yet).
 */
static uint64_t count_bounded(unsigned a, unsigned b, int prev, int bound)
{
	uint64_t n = 0;
	bool prev_can = (prev == 0 && a) || (prev == 1 && b);

	if (!a && !b)
		return 1;
	if (bound < 0)
		return 0;
	if (a)
		n += count_bounded(a - 1, b, 0, bound - (prev_can && prev != 0 ? 1 : 0));
	if (b)
		n += count_bounded(a, b - 1, 1, bound - (prev_can && prev != 1 ? 1 : 0));
	return n;
}

static void free_outcome(Outcome *o)
{
	g_hash_table_destroy(o->finals);
}

/* A task with k yields makes k + 1 decisions: its first step, then one per yield. */
static void test_dfs_counts_interleavings(void **state)
{
	Work w = { .steps = { 3, 4 }, .shared = { ~0u, ~0u } };
	Outcome o = explore(&w, -1, false);

	(void)state;
	assert_int_equal(o.executions, binomial(4 + 5, 4));
	assert_int_equal(o.pruned, 0);
	/* Every update is order-dependent: one final value per order of the 3 + 4 updates
	 * (the first decision of a task only starts it). */
	assert_int_equal(g_hash_table_size(o.finals), binomial(3 + 4, 3));
	free_outcome(&o);
	/* Everything conflicts: the reduction has nothing to remove. */
	o = explore(&w, -1, true);
	assert_int_equal(o.executions, binomial(4 + 5, 4));
	free_outcome(&o);
}

static void test_dfs_preemption_bound(void **state)
{
	Work w = { .steps = { 4, 3 }, .shared = { ~0u, ~0u } };

	(void)state;
	for (int k = 0; k <= 4; k++) {
		Outcome o = explore(&w, k, false);

		assert_int_equal(o.executions, count_bounded(5, 4, -1, k));
		free_outcome(&o);
	}
	/* Bound 0: each task runs to its end once started. */
	assert_int_equal(count_bounded(5, 4, -1, 0), 2);
}

/* Independent steps are not interleaved twice; every final state is still reached. */
static void test_sleep_sets_reduce_soundly(void **state)
{
	static const uint32_t masks[][2] = {
		{ 0, 0 }, { 1u << 2, 1u << 1 }, { 0x5, 0x2 }, { 0x9, 0x6 }, { 0xf, 0x1 },
	};

	(void)state;
	for (unsigned m = 0; m < G_N_ELEMENTS(masks); m++) {
		for (int bound = -1; bound <= 2; bound++) {
			Work w = { .steps = { 4, 4 }, .shared = { masks[m][0], masks[m][1] } };
			Outcome full = explore(&w, bound, false);
			Outcome red = explore(&w, bound, true);
			GHashTableIter it;
			gpointer k;

			assert_true(red.executions <= full.executions);
			assert_int_equal(g_hash_table_size(red.finals),
					 g_hash_table_size(full.finals));
			g_hash_table_iter_init(&it, full.finals);
			while (g_hash_table_iter_next(&it, &k, NULL))
				assert_true(g_hash_table_contains(red.finals, k));
			/* Without shared steps and without a bound, only the order of the
			 * first steps (dependent with everything) is left. */
			if (m == 0 && bound < 0)
				assert_true(red.executions * 10 <= full.executions);
			free_outcome(&full);
			free_outcome(&red);
		}
	}
}

static void same_finals(const Outcome *full, const Outcome *red)
{
	GHashTableIter it;
	gpointer k;

	assert_true(red->executions <= full->executions);
	assert_int_equal(g_hash_table_size(red->finals), g_hash_table_size(full->finals));
	g_hash_table_iter_init(&it, full->finals);
	while (g_hash_table_iter_next(&it, &k, NULL))
		assert_true(g_hash_table_contains(red->finals, k));
}

/*
 * Three tasks, shared steps drawn from a seed, every bound up to 3: the reduced search
 * under a bound reaches every final value the full bounded search reaches.
 */
static void test_sleep_sets_under_bounds(void **state)
{
	uint64_t rng = 12345, full_total = 0, red_total = 0;

	(void)state;
	for (unsigned round = 0; round < 12; round++) {
		Work w = { .n_tasks = 3, .steps = { 3, 2, 3 } };

		for (unsigned t = 0; t < 3; t++) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			w.shared[t] = (uint32_t)(rng >> 40) & 0x7;
		}
		for (int bound = 0; bound <= 3; bound++) {
			Outcome full = explore(&w, bound, false);
			Outcome red = explore(&w, bound, true);

			same_finals(&full, &red);
			full_total += full.executions;
			red_total += red.executions;
			free_outcome(&full);
			free_outcome(&red);
		}
	}
	print_message("# bounded: %llu executions reduced, %llu full\n", (unsigned long long)red_total, (unsigned long long)full_total);
	/* And the bound does not switch the reduction off. */
	assert_true(red_total * 3 <= full_total * 2);
}

/* Knuth's estimator is exact when every path branches alike: bound 0 gives 2 paths. */
static void test_estimate(void **state)
{
	Work w = { .steps = { 3, 3 }, .shared = { ~0u, ~0u } };
	Setup setup = { .w = &w };
	SimCtx *ctx = harness_ctx(2, false);
	SimStrategy *s = sim_strategy_dfs_probe_new(0, 5);

	(void)state;
	for (uint64_t seed = 0; seed < 8; seed++) {
		sim_strategy_dfs_probe_reseed(s, seed);
		assert_int_equal(harness_run(ctx, s, setup_two, &setup), SIM_END_DONE);
		assert_true(sim_strategy_dfs_probe_estimate(s) == 2.0);
	}
	sim_strategy_free(s);
	sim_ctx_free(ctx);
}

static char *pct_schedule(SimCtx *ctx, uint64_t seed, Setup *setup)
{
	SimPctConfig cfg = { .n_vcpus = 2, .depth = 3, .steps = 10 };
	SimStrategy *s = sim_strategy_pct_new(&cfg, seed);
	char *sched;

	assert_int_equal(harness_run(ctx, s, setup_two, setup), SIM_END_DONE);
	sched = sim_schedule_string(ctx);
	sim_strategy_free(s);
	return sched;
}

static uint64_t run_once(SimStrategy *s, Work *w, SimEnd *end)
{
	SimCtx *ctx = harness_ctx(n_tasks(w), false);
	Setup setup = { .w = w };

	*end = harness_run(ctx, s, setup_two, &setup);
	sim_ctx_free(ctx);
	return w->x;
}

/*
 * The byte-driven strategy: a run is a function of its bytes; no bytes left is the first
 * option every time; a byte is taken modulo the option count; the step bound stops the
 * run; a prefix that does not parse is refused.
 */
static void test_bytes_strategy(void **state)
{
	Work w = { .steps = { 3, 3 }, .shared = { 7, 7 } };
	static const uint8_t mixed[] = { 1, 0, 3, 2, 1, 1, 0, 5 };
	static const uint8_t same_mod[] = { 3, 2, 5, 4, 3, 3, 2, 7 };	/* mixed + 2, n = 2 */
	SimStrategy *first = sim_strategy_first_new();
	SimStrategy *empty = sim_strategy_bytes_new(NULL, 0, NULL, 1000);
	SimStrategy *a = sim_strategy_bytes_new(mixed, sizeof(mixed), NULL, 1000);
	SimStrategy *b = sim_strategy_bytes_new(same_mod, sizeof(same_mod), NULL, 1000);
	SimStrategy *cut = sim_strategy_bytes_new(mixed, sizeof(mixed), NULL, 2);
	SimEnd end;
	uint64_t x_first, x_a;

	(void)state;
	x_first = run_once(first, &w, &end);
	assert_int_equal(end, SIM_END_DONE);
	assert_true(run_once(empty, &w, &end) == x_first);
	x_a = run_once(a, &w, &end);
	assert_int_equal(end, SIM_END_DONE);
	assert_true(x_a != x_first);
	/* Each run starts again from the first byte. */
	assert_true(run_once(a, &w, &end) == x_a);
	assert_true(run_once(b, &w, &end) == x_a);
	run_once(cut, &w, &end);
	assert_int_equal(end, SIM_END_STOPPED);
	assert_null(sim_strategy_bytes_new(mixed, sizeof(mixed), "not a schedule", 10));
	sim_strategy_free(first);
	sim_strategy_free(empty);
	sim_strategy_free(a);
	sim_strategy_free(b);
	sim_strategy_free(cut);
}

static void test_pct_seeded(void **state)
{
	Work w = { .steps = { 5, 5 }, .shared = { ~0u, ~0u } };
	Setup setup = { .w = &w };
	SimCtx *ctx = harness_ctx(2, false);
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	(void)state;
	for (uint64_t seed = 0; seed < 20; seed++) {
		char *a = pct_schedule(ctx, seed, &setup);
		char *b = pct_schedule(ctx, seed, &setup);

		assert_string_equal(a, b);
		g_free(b);
		g_hash_table_add(seen, a);
	}
	/* Priorities and change points differ between seeds. */
	assert_true(g_hash_table_size(seen) >= 3);
	g_hash_table_destroy(seen);
	sim_ctx_free(ctx);
}

/*
 * synchronize_sched commutes with a step of another vCPU that stays inside its
 * non-quiescent stretch and wakes nobody; not with a step that may reach a quiescent
 * point, block or finish (its vCPU's quiescence is what the grace period reads), with a
 * wake-up, with another grace period or with the tick.
 */
static void test_sync_independence(void **state)
{
	SimFootprint rcu = sim_fp1(SIM_RES_RCU, SIM_ACC_WRITE, 0);
	SimFootprint fetch = { 0 }, fetch_stays, lock = sim_fp1(SIM_RES_LOCK, SIM_ACC_WRITE, 2);
	SimOption sync = { .kind = SIM_OPT_STEP, .vcpu = 0, .task = 1,
			   .reason = SIM_Y_RCU_SYNC, .fp = &rcu };
	SimOption insn = { .kind = SIM_OPT_STEP, .vcpu = 1, .task = 2, .reason = SIM_Y_INSN };
	SimOption tick = { .kind = SIM_OPT_TICK, .task = UINT16_MAX, .reason = SIM_Y_TIMER,
			   .fp = &sim_fp_clock_tick };
	SimOption other, unlock = { .kind = SIM_OPT_STEP, .vcpu = 1, .task = 2,
				    .reason = SIM_Y_UNLOCK, .fp = &lock };
	SimFootprint lock_stays = lock;

	(void)state;
	sim_fp_add(&fetch, SIM_RES_TEXT, SIM_ACC_READ, 0x1000, 0x1010);
	sim_fp_add(&fetch, SIM_RES_VCPU, SIM_ACC_READ, 1, 2);
	fetch_stays = fetch;
	fetch_stays.flags = SIM_FP_STAYS;

	insn.fp = &fetch_stays;
	assert_true(sim_opts_independent(&sync, &insn));
	assert_true(sim_opts_independent(&insn, &sync));
	/* The same instruction may end its call: the vCPU may become quiescent. */
	insn.fp = &fetch;
	assert_false(sim_opts_independent(&sync, &insn));
	assert_false(sim_opts_independent(&insn, &sync));
	/* On the same vCPU, nothing is independent. */
	insn.fp = &fetch_stays;
	insn.vcpu = 0;
	assert_false(sim_opts_independent(&sync, &insn));
	/* A release may wake a task, even inside its stretch. */
	lock_stays.flags = SIM_FP_STAYS;
	unlock.fp = &lock_stays;
	assert_false(sim_opts_independent(&sync, &unlock));
	/* Two grace periods, and the tick. */
	other = sync;
	other.vcpu = 1;
	other.task = 2;
	assert_false(sim_opts_independent(&sync, &other));
	assert_false(sim_opts_independent(&sync, &tick));
	assert_false(sim_opts_independent(&tick, &sync));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dfs_counts_interleavings),
		cmocka_unit_test(test_dfs_preemption_bound),
		cmocka_unit_test(test_sleep_sets_reduce_soundly),
		cmocka_unit_test(test_sleep_sets_under_bounds),
		cmocka_unit_test(test_sync_independence),
		cmocka_unit_test(test_estimate),
		cmocka_unit_test(test_pct_seeded),
		cmocka_unit_test(test_bytes_strategy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
