// SPDX-License-Identifier: GPL-2.0-only
/*
 * The explorer (kp_explore over dfs, random and pct, in this process and in forked
 * workers), its helpers kp_explore_first_steps and kp_explore_estimate, and the verdict
 * of `kpsim run` on one scenario (kp_run_scenario).
 */
#include "tools/search/search.h"

#include "model/transitions.h"
#include "sim/strategy.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tools_harness.h"

static KpExploreConfig dfs_config(int preemptions, bool reduce, unsigned jobs)
{
	return (KpExploreConfig){ .strategy = KP_STRATEGY_DFS, .preemptions = preemptions,
				  .reduce = reduce, .jobs = jobs };
}

static KpExploreConfig sampling_config(KpStrategyKind kind, uint64_t runs, uint64_t seed,
				       unsigned jobs, uint64_t pct_steps)
{
	return (KpExploreConfig){ .strategy = kind, .runs = runs, .seed = seed,
				  .depth = KP_EXPLORE_DEFAULT_DEPTH, .pct_steps = pct_steps,
				  .jobs = jobs };
}

static const KpExploreFailure *failure(const KpExploreResult *r, unsigned i)
{
	assert_true(i < r->failures->len);
	return r->failures->pdata[i];
}

/* The failure keys, one a line, in the result's order (by key). */
static char *keys_of(const KpExploreResult *r)
{
	GString *s = g_string_new(NULL);

	for (unsigned i = 0; i < r->failures->len; i++)
		g_string_append_printf(s, "%s\n", failure(r, i)->key);
	return g_string_free(s, FALSE);
}

static uint64_t failing_executions(const KpExploreResult *r)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < r->failures->len; i++)
		n += failure(r, i)->count;
	return n;
}

/* Everything the summary shows, apart from the time: the same for equal searches. */
static void assert_same_result(const KpExploreResult *a, const KpExploreResult *b,
			       bool same_representatives)
{
	assert_int_equal(a->executions, b->executions);
	assert_int_equal(a->pruned, b->pruned);
	assert_int_equal(a->states, b->states);
	assert_int_equal(a->traces, b->traces);
	assert_int_equal(a->complete, b->complete);
	assert_int_equal(a->budget_ended, b->budget_ended);
	assert_int_equal(a->failures->len, b->failures->len);
	assert_memory_equal(&a->transitions, &b->transitions, sizeof(a->transitions));
	for (unsigned i = 0; i < a->failures->len; i++) {
		const KpExploreFailure *x = failure(a, i), *y = failure(b, i);

		assert_string_equal(x->key, y->key);
		assert_int_equal(x->count, y->count);
		if (!same_representatives)
			continue;
		assert_int_equal(x->order, y->order);
		assert_string_equal(x->message, y->message);
		if (x->schedule || y->schedule)
			assert_string_equal(x->schedule, y->schedule);
	}
}

/*
 * Replaying a failure's schedule fails with the failure's key (among the failures the
 * execution shows) and message.
 */
static void assert_replays(const KpScenario *sc, const KpExploreFailure *f)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(kp_failure_free);
	KpExec *x = kp_exec_new(sc);
	const KpFailure *found = NULL;
	Outcome o;

	assert_non_null(f->schedule);
	run_with(x, sim_strategy_replay_new(f->schedule, NULL), &o);
	assert_true(o.end != SIM_END_NONE && o.end != SIM_END_DIVERGED &&
		    o.end != SIM_END_STOPPED);
	assert_false(o.pass);
	assert_false(kp_exec_judge_all(x, all));
	for (unsigned i = 0; i < all->len && !found; i++)
		if (!strcmp(((const KpFailure *)all->pdata[i])->key, f->key))
			found = all->pdata[i];
	assert_non_null(found);
	assert_string_equal(found->message, f->message);
	kp_exec_free(x);
	outcome_clear(&o);
}

/* A runs budget of `runs` over `jobs` workers ends the dfs search after as many. */
static void assert_dfs_budget_ends(const KpScenario *sc, unsigned jobs, uint64_t runs,
				   KpExploreResult *r)
{
	KpExploreConfig cfg = dfs_config(1, true, jobs);

	cfg.runs = runs;
	kp_explore(sc, &cfg, r);
	assert_int_equal(r->executions, runs);
	assert_true(r->budget_ended);
	assert_false(r->complete);
}

/* RACE_TEXT's deadlock: the optimizer waits for kprobe_mutex, the writer holding it for
 * the optimizer. */
#define DEADLOCK_KEY                                                                       \
	"violation deadlock (report_no_options) [optimizing_work on kprobe_mutex, sysctl "  \
	"write on optimizer_comp]"

/* ---- dfs ---- */

static void test_dfs_is_complete_and_repeats(void **state)
{
	g_autoptr(KpScenario) sc = parse(RACE_TEXT);
	KpExploreConfig cfg = dfs_config(1, true, 1);
	KpExploreResult a, b;

	(void)state;
	kp_explore(sc, &cfg, &a);
	kp_explore(sc, &cfg, &b);
	assert_null(a.input_error);
	assert_null(a.internal_error);
	assert_true(a.complete);
	assert_false(a.budget_ended);
	assert_true(a.executions > 10);
	assert_true(a.states >= 2 && a.states <= a.executions);
	assert_same_result(&a, &b, true);
	kp_explore_result_clear(&a);
	kp_explore_result_clear(&b);
}

/* The reduction only removes reorderings: fewer executions, the same failure groups. */
static void test_dfs_reduction_keeps_failure_keys(void **state)
{
	g_autoptr(KpScenario) sc = parse(RACE_TEXT);
	KpExploreConfig on = dfs_config(1, true, 1), off = dfs_config(1, false, 1);
	g_autofree char *keys_on = NULL, *keys_off = NULL;
	KpExploreResult r, n;

	(void)state;
	kp_explore(sc, &on, &r);
	kp_explore(sc, &off, &n);
	assert_true(r.complete && n.complete);
	assert_true(n.executions >= r.executions);
	assert_int_equal(n.pruned, 0);	/* only sleep sets prune */
	assert_int_equal(n.states, r.states);
	keys_on = keys_of(&r);
	keys_off = keys_of(&n);
	assert_string_equal(keys_on, keys_off);
	/* A5 and A7, and the int3 the optimizer then leaves behind them (T2, T4). */
	assert_string_equal(keys_on, "violation A5 (checker) [debugfs write: the address holds a jump]\n"
				     "violation A7 (checker) [sysctl write]\n"
				     "violation T2 (checker) [optimizing_work]\n"
				     "violation T4 (checker) [optimizing_work]\n"
				     DEADLOCK_KEY "\n");
	kp_explore_result_clear(&r);
	kp_explore_result_clear(&n);
}

/* Without preemptions the one vCPU runs its tasks in order: the deadlock alone. */
static void test_dfs_preemption_bound_limits_the_tree(void **state)
{
	g_autoptr(KpScenario) sc = parse(RACE_TEXT);
	KpExploreConfig zero = dfs_config(0, true, 1), one = dfs_config(1, true, 1);
	g_autofree char *keys = NULL;
	KpExploreResult z, o;

	(void)state;
	kp_explore(sc, &zero, &z);
	kp_explore(sc, &one, &o);
	assert_true(z.complete);
	assert_true(z.executions < o.executions);
	keys = keys_of(&z);
	assert_string_equal(keys, DEADLOCK_KEY "\n");
	kp_explore_result_clear(&z);
	kp_explore_result_clear(&o);
}

static void test_failures_grouped_by_key_with_replayable_schedule(void **state)
{
	g_autoptr(KpScenario) sc = parse(RACE_TEXT);
	KpExploreConfig cfg = dfs_config(1, true, 1);
	KpExploreResult r;

	(void)state;
	kp_explore(sc, &cfg, &r);
	assert_int_equal(r.failures->len, 5);
	for (unsigned i = 0; i < r.failures->len; i++) {
		const KpExploreFailure *f = failure(&r, i);

		assert_true(f->count >= 1);
		assert_true(f->order < r.executions);
		assert_replays(sc, f);
		if (i)	/* sorted by key */
			assert_true(strcmp(failure(&r, i - 1)->key, f->key) < 0);
	}
	/*
	 * An execution counts in every group it shows, so the groups' counts add up to more
	 * than the failing executions; some executions pass.
	 */
	assert_true(r.failing < r.executions);
	assert_true(failing_executions(&r) > r.failing);
	for (unsigned i = 0; i < r.failures->len; i++)
		assert_true(failure(&r, i)->count <= r.failing);
	kp_explore_result_clear(&r);
}

static void test_dfs_runs_budget_ends_the_search(void **state)
{
	g_autoptr(KpScenario) sc = parse(RACE_TEXT);
	KpExploreConfig cfg = dfs_config(1, true, 1);
	KpExploreResult r;

	(void)state;
	assert_dfs_budget_ends(sc, 1, 5, &r);
	/* The first path dfs takes is the first strategy's, which deadlocks. */
	assert_true(r.failures->len >= 1);
	assert_string_equal(failure(&r, r.failures->len - 1)->key, DEADLOCK_KEY);
	assert_int_equal(failure(&r, r.failures->len - 1)->order, 0);
	kp_explore_result_clear(&r);

	/* A budget the search does not reach leaves it complete. */
	cfg.runs = 100000;
	kp_explore(sc, &cfg, &r);
	assert_true(r.complete);
	assert_false(r.budget_ended);
	kp_explore_result_clear(&r);
}

/* ---- distinct traces ---- */

/* Two read handlers side by side: a tree small enough to search whole, unreduced too. */
static const char READS_TEXT[] = "cpus 2\n"
				 "task t0 on cpu0:\n"
				 "    sysctl read -> 1\n"
				 "task t1 on cpu1:\n"
				 "    debugfs read -> 1\n"
				 "expect always no-violation\n";

/*
 * Executions that are reorderings of one another are one trace; the reduced search of a
 * whole tree runs an execution of every trace of the unreduced one.  Random and pct
 * count none.
 */
static void test_dfs_counts_the_traces(void **state)
{
	g_autoptr(KpScenario) sc = parse(READS_TEXT);
	KpExploreConfig red = dfs_config(-1, true, 1), full = dfs_config(-1, false, 1);
	KpExploreConfig plain = dfs_config(-1, false, 1);
	KpExploreConfig rnd = sampling_config(KP_STRATEGY_RANDOM, 10, 1, 1, 0);
	KpExploreResult r, f, p, x;

	(void)state;
	full.count_traces = true;
	kp_explore(sc, &red, &r);
	kp_explore(sc, &full, &f);
	kp_explore(sc, &plain, &p);
	kp_explore(sc, &rnd, &x);
	assert_true(r.traces_counted && f.traces_counted);
	/* Without the reduction, only when asked. */
	assert_false(p.traces_counted);
	assert_int_equal(p.traces, 0);
	assert_int_equal(p.executions, f.executions);
	assert_false(x.traces_counted);
	assert_true(r.complete && f.complete);
	assert_true(r.exhausted && f.exhausted);
	assert_true(f.traces > 1);
	assert_true(f.executions > f.traces);	/* reorderings of one another */
	assert_int_equal(r.traces, f.traces);
	assert_true(r.traces <= r.executions);
	assert_int_equal(x.traces, 0);
	kp_explore_result_clear(&r);
	kp_explore_result_clear(&f);
	kp_explore_result_clear(&p);
	kp_explore_result_clear(&x);
}

/* ---- iterative bounding ---- */

/*
 * t0 registers and unregisters a probe while t1 calls the function: the call hits only
 * between the two, which needs one preemption of t0.
 */
static const char ONE_PREEMPTION_TEXT[] = "cpus 2\n"
					  "probe a at f_small+0\n"
					  "task t0 on cpu0:\n"
					  "    register a -> 0\n"
					  "    unregister a\n"
					  "task t1 on cpu1:\n"
					  "    call f_small\n"
					  "expect always no-violation\n"
					  "expect end a.hits == 0\n";

typedef struct {
	KpExploreBound b[8];
	unsigned n;
} Bounds;

static void note_bound(const KpExploreBound *b, void *user)
{
	Bounds *bs = user;

	assert_true(bs->n < G_N_ELEMENTS(bs->b));
	bs->b[bs->n++] = *b;
}

static KpExploreConfig iterating(Bounds *bs, unsigned jobs)
{
	KpExploreConfig cfg = dfs_config(-1, true, jobs);

	cfg.iterate = true;
	cfg.bound_done = note_bound;
	cfg.bound_user = bs;
	return cfg;
}

/* Bound 0 passes, bound 1 fails: the search stops there, bound 1 finished. */
static void test_dfs_iterating_stops_after_the_failing_bound(void **state)
{
	g_autoptr(KpScenario) sc = parse(ONE_PREEMPTION_TEXT);
	Bounds bs = { 0 }, bs2 = { 0 };
	KpExploreConfig cfg = iterating(&bs, 1), two = iterating(&bs2, 2);
	KpExploreConfig zero = dfs_config(0, true, 1), one = dfs_config(1, true, 1);
	KpExploreResult r, j, z, o;

	(void)state;
	kp_explore(sc, &cfg, &r);
	kp_explore(sc, &zero, &z);
	kp_explore(sc, &one, &o);
	assert_int_equal(z.failures->len, 0);
	assert_int_equal(bs.n, 2);
	assert_int_equal(bs.b[0].bound, 0);
	assert_int_equal(bs.b[0].failing, 0);
	assert_int_equal(bs.b[0].executions, z.executions);
	assert_int_equal(bs.b[1].bound, 1);
	assert_int_equal(bs.b[1].failing, o.failing);
	assert_true(bs.b[1].failing > 0);
	assert_int_equal(bs.b[1].executions, o.executions);
	assert_false(bs.b[1].exhausted);
	/* Every bound's executions, the bounds below run again. */
	assert_int_equal(r.executions, z.executions + o.executions);
	assert_int_equal(r.failing, o.failing);
	assert_int_equal(r.traces, o.traces);
	assert_int_equal(r.bound, 1);
	assert_int_equal(r.bound_complete, 1);
	assert_false(r.complete);
	assert_false(r.budget_ended);
	assert_int_equal(r.failures->len, 1);
	/* Its place in the search is after bound 0's executions. */
	assert_true(failure(&r, 0)->order >= z.executions);
	assert_true(failure(&r, 0)->order < r.executions);
	assert_replays(sc, failure(&r, 0));
	/*
	 * The workers of each bound merge into the same bounds.  (Not always the same
	 * traces: under a bound the reduced search may miss some, and the split changes
	 * which; docs/explore.md, Limits.)
	 */
	kp_explore(sc, &two, &j);
	assert_null(j.internal_error);
	assert_int_equal(bs2.n, 2);
	assert_int_equal(bs2.b[0].failing, 0);
	assert_true(bs2.b[1].failing > 0);
	assert_int_equal(j.bound_complete, 1);
	assert_true(j.traces > 0 && j.traces <= j.executions);
	assert_int_equal(j.failures->len, 1);
	assert_string_equal(failure(&j, 0)->key, failure(&r, 0)->key);
	kp_explore_result_clear(&r);
	kp_explore_result_clear(&j);
	kp_explore_result_clear(&z);
	kp_explore_result_clear(&o);
}

/* A budget that ends inside bound 2: bound 1 is the highest complete. */
static void test_dfs_iterating_budget_ends_inside_a_bound(void **state)
{
	g_autoptr(KpScenario) sc = parse(ENABLE_TEXT);
	Bounds bs = { 0 };
	KpExploreConfig cfg = iterating(&bs, 1);
	KpExploreConfig zero = dfs_config(0, true, 1), one = dfs_config(1, true, 1);
	KpExploreConfig two = dfs_config(2, true, 1);
	KpExploreResult r, z, o, t;

	(void)state;
	kp_explore(sc, &zero, &z);
	kp_explore(sc, &one, &o);
	kp_explore(sc, &two, &t);
	cfg.runs = z.executions + o.executions + t.executions / 2;
	kp_explore(sc, &cfg, &r);
	assert_int_equal(bs.n, 2);
	assert_int_equal(r.executions, cfg.runs);
	assert_true(r.budget_ended);
	assert_false(r.complete);
	assert_int_equal(r.bound, 2);
	assert_int_equal(r.bound_complete, 1);
	/* Ending exactly after a bound: complete up to it, the next one not started. */
	kp_explore_result_clear(&r);
	bs.n = 0;
	cfg.runs = z.executions + o.executions;
	kp_explore(sc, &cfg, &r);
	assert_int_equal(bs.n, 2);
	assert_int_equal(r.executions, cfg.runs);
	assert_true(r.budget_ended);
	assert_false(r.complete);
	assert_int_equal(r.bound_complete, 1);
	kp_explore_result_clear(&r);
	kp_explore_result_clear(&z);
	kp_explore_result_clear(&o);
	kp_explore_result_clear(&t);
}

/*
 * A bound that left nothing out was the unbounded search: the iteration ends complete,
 * its last bound the same search as the unbounded one.
 */
static void test_dfs_iterating_ends_with_the_whole_tree(void **state)
{
	g_autoptr(KpScenario) sc = parse(READS_TEXT);
	Bounds bs = { 0 };
	KpExploreConfig cfg = iterating(&bs, 1), plain = dfs_config(-1, true, 1);
	KpExploreResult r, u;
	uint64_t sum = 0;

	(void)state;
	kp_explore(sc, &cfg, &r);
	kp_explore(sc, &plain, &u);
	assert_true(r.complete && r.exhausted);
	assert_false(r.budget_ended);
	assert_true(bs.n >= 2);
	for (unsigned i = 0; i < bs.n; i++) {
		assert_int_equal(bs.b[i].bound, i);
		assert_int_equal(bs.b[i].exhausted, i + 1 == bs.n);
		sum += bs.b[i].executions;
	}
	assert_int_equal(r.bound_complete, bs.n - 1);
	assert_int_equal(r.executions, sum);
	assert_int_equal(bs.b[bs.n - 1].executions, u.executions);
	assert_int_equal(r.traces, u.traces);
	assert_int_equal(r.states, u.states);
	/* A bounded search that leaves nothing out says so too. */
	kp_explore_result_clear(&u);
	plain.preemptions = (int)bs.n - 1;
	kp_explore(sc, &plain, &u);
	assert_true(u.complete && u.exhausted);
	assert_int_equal(u.bound_complete, bs.n - 1);
	kp_explore_result_clear(&u);
	plain.preemptions = 0;
	kp_explore(sc, &plain, &u);
	assert_true(u.complete);
	assert_false(u.exhausted);
	kp_explore_result_clear(&u);
	kp_explore_result_clear(&r);
}

/* ---- random and pct ---- */

static void test_random_is_deterministic_for_a_seed(void **state)
{
	g_autoptr(KpScenario) sc = parse(RACE_TEXT);
	KpExploreConfig cfg = sampling_config(KP_STRATEGY_RANDOM, 40, 3, 1, 0);
	KpExploreResult a, b, c;

	(void)state;
	kp_explore(sc, &cfg, &a);
	kp_explore(sc, &cfg, &b);
	assert_int_equal(a.executions, 40);
	assert_false(a.complete);	/* only dfs is ever complete */
	assert_false(a.budget_ended);	/* the runs of random are its work, not a budget */
	assert_true(a.failures->len >= 2);
	assert_same_result(&a, &b, true);
	for (unsigned i = 0; i < a.failures->len; i++) {
		assert_true(failure(&a, i)->order < 40);
		assert_replays(sc, failure(&a, i));
	}
	/* Another seed is another sample. */
	cfg.seed = 1000;
	kp_explore(sc, &cfg, &c);
	assert_int_equal(c.executions, 40);
	assert_true(a.failures->len != c.failures->len ||
		    failing_executions(&a) != failing_executions(&c) ||
		    memcmp(&a.transitions, &c.transitions, sizeof(a.transitions)) != 0);
	kp_explore_result_clear(&a);
	kp_explore_result_clear(&b);
	kp_explore_result_clear(&c);
}

/* Run i has seed + i: runs [5, 25) of seed 0 are runs [0, 20) of seed 5. */
static void test_random_run_i_uses_seed_plus_i(void **state)
{
	g_autoptr(KpScenario) sc = parse(RACE_TEXT);
	KpExploreConfig from0 = sampling_config(KP_STRATEGY_RANDOM, 25, 0, 1, 0);
	KpExploreConfig from5 = sampling_config(KP_STRATEGY_RANDOM, 20, 5, 1, 0);
	KpExploreResult a, b;

	(void)state;
	kp_explore(sc, &from0, &a);
	kp_explore(sc, &from5, &b);
	assert_true(b.failures->len >= 1);
	/* Every group seen from seed 5 on is seen from seed 0, at most 5 runs earlier. */
	for (unsigned i = 0; i < b.failures->len; i++) {
		const KpExploreFailure *f = failure(&b, i);
		bool found = false;

		for (unsigned j = 0; j < a.failures->len; j++) {
			const KpExploreFailure *g = failure(&a, j);

			if (strcmp(f->key, g->key))
				continue;
			found = true;
			assert_true(g->order <= f->order + 5);
			assert_true(g->count >= f->count);
		}
		assert_true(found);
	}
	kp_explore_result_clear(&a);
	kp_explore_result_clear(&b);
}

static void test_pct_is_deterministic_for_a_seed(void **state)
{
	g_autoptr(KpScenario) sc = parse(RACE_TEXT);
	uint64_t k = kp_explore_first_steps(sc);
	KpExploreConfig cfg = sampling_config(KP_STRATEGY_PCT, 40, 3, 1, k);
	KpExploreResult a, b;

	(void)state;
	assert_true(k > 0);
	kp_explore(sc, &cfg, &a);
	kp_explore(sc, &cfg, &b);
	assert_int_equal(a.executions, 40);
	assert_true(a.failures->len >= 1);
	assert_same_result(&a, &b, true);
	for (unsigned i = 0; i < a.failures->len; i++)
		assert_replays(sc, failure(&a, i));
	kp_explore_result_clear(&a);
	kp_explore_result_clear(&b);
}

/* ---- worker processes ---- */

static void test_two_jobs_sample_as_one(void **state)
{
	g_autoptr(KpScenario) sc = parse(RACE_TEXT);
	uint64_t k = kp_explore_first_steps(sc);
	KpStrategyKind kinds[] = { KP_STRATEGY_RANDOM, KP_STRATEGY_PCT };

	(void)state;
	for (unsigned i = 0; i < G_N_ELEMENTS(kinds); i++) {
		KpExploreConfig one = sampling_config(kinds[i], 30, 7, 1, k);
		KpExploreConfig two = sampling_config(kinds[i], 30, 7, 2, k);
		KpExploreResult a, b;

		kp_explore(sc, &one, &a);
		kp_explore(sc, &two, &b);
		assert_null(b.internal_error);
		assert_true(a.failures->len >= 1);
		/* Run i is the same run whichever worker does it: the same representatives. */
		assert_same_result(&a, &b, true);
		kp_explore_result_clear(&a);
		kp_explore_result_clear(&b);
	}
}

static void test_two_jobs_dfs_finds_the_same_states_and_keys(void **state)
{
	g_autoptr(KpScenario) sc = parse(RACE_TEXT);
	KpExploreConfig one = dfs_config(1, true, 1), two = dfs_config(1, true, 2);
	KpExploreConfig three = dfs_config(1, true, 3);
	KpExploreConfig plain1 = dfs_config(1, false, 1), plain2 = dfs_config(1, false, 2);
	g_autofree char *keys1 = NULL, *keys2 = NULL;
	KpExploreResult a, b, c, p1, p2;

	(void)state;
	kp_explore(sc, &one, &a);
	kp_explore(sc, &two, &b);
	kp_explore(sc, &three, &c);
	assert_null(b.internal_error);
	assert_true(b.complete);
	assert_int_equal(b.states, a.states);
	keys1 = keys_of(&a);
	keys2 = keys_of(&b);
	assert_string_equal(keys1, keys2);
	/*
	 * Above the split level nothing sleeps when the tree is shared out, so the reduced
	 * search of several workers may run more than one worker's; it is the same tree
	 * for any number of them (docs/explore.md, Jobs).
	 */
	assert_true(b.executions >= a.executions);
	assert_int_equal(c.executions, b.executions);
	assert_int_equal(c.states, b.states);
	for (unsigned i = 0; i < b.failures->len; i++)
		assert_replays(sc, failure(&b, i));
	/* Without the reduction the tree does not depend on the split at all. */
	kp_explore(sc, &plain1, &p1);
	kp_explore(sc, &plain2, &p2);
	assert_true(p2.complete);
	assert_same_result(&p1, &p2, false);
	kp_explore_result_clear(&a);
	kp_explore_result_clear(&b);
	kp_explore_result_clear(&c);
	kp_explore_result_clear(&p1);
	kp_explore_result_clear(&p2);
}

/* With several workers the runs budget is shared: N/jobs each. */
static void test_two_jobs_share_the_dfs_budget(void **state)
{
	g_autoptr(KpScenario) sc = parse(RACE_TEXT);
	KpExploreResult r;

	(void)state;
	assert_dfs_budget_ends(sc, 2, 7, &r);
	kp_explore_result_clear(&r);
}

/* ---- `expect sometimes` and input errors ---- */

static void test_sometimes_held_in_some_execution_passes(void **state)
{
	g_autoptr(KpScenario) sc = parse(ENABLE_TEXT);
	KpExploreConfig cfg = dfs_config(1, true, 1);
	KpExploreConfig two = dfs_config(1, true, 2);
	KpExploreResult r, j;

	(void)state;
	kp_explore(sc, &cfg, &r);
	kp_explore(sc, &two, &j);
	assert_true(r.complete);
	assert_int_equal(r.failures->len, 0);
	/* The workers merge what held: one saw a hit, another none. */
	assert_int_equal(j.failures->len, 0);
	assert_int_equal(r.states, 2);
	assert_int_equal(j.states, 2);
	kp_explore_result_clear(&r);
	kp_explore_result_clear(&j);
}

static void test_sometimes_never_held_is_one_failure_without_schedule(void **state)
{
	g_autofree char *text = g_strconcat(ENABLE_TEXT, "expect sometimes a.hits == 2\n", NULL);
	g_autoptr(KpScenario) sc = parse(text);
	KpExploreConfig cfg = dfs_config(0, true, 1);
	KpExploreResult r;
	const KpExploreFailure *f;
	g_autofree char *msg = NULL;

	(void)state;
	kp_explore(sc, &cfg, &r);
	assert_int_equal(r.failures->len, 1);
	f = failure(&r, 0);
	assert_string_equal(f->key, "expectation t.kps:11");
	assert_null(f->schedule);
	assert_int_equal(f->count, 1);
	msg = g_strdup_printf("t.kps:11: expectation never held in %" G_GUINT64_FORMAT
			      " executions", r.executions);
	assert_string_equal(f->message, msg);
	kp_explore_result_clear(&r);
}

static void test_input_error_is_reported_not_explored(void **state)
{
	g_autoptr(KpScenario) sc = parse_missing("");
	KpExploreConfig cfgs[] = {
		dfs_config(-1, true, 1),
		dfs_config(-1, true, 2),
		dfs_config(-1, true, 1),	/* iterating, below */
		sampling_config(KP_STRATEGY_RANDOM, 10, 0, 1, 0),
		sampling_config(KP_STRATEGY_PCT, 10, 0, 2, 1),
	};

	(void)state;
	cfgs[2].iterate = true;
	for (unsigned i = 0; i < G_N_ELEMENTS(cfgs); i++) {
		KpExploreResult r;

		kp_explore(sc, &cfgs[i], &r);
		assert_non_null(r.input_error);
		assert_string_equal(r.input_error, "t.kps: probe a: no symbol no_such_function");
		assert_null(r.internal_error);
		assert_int_equal(r.executions, 0);
		assert_false(r.complete);
		assert_int_equal(r.bound_complete, -1);
		assert_int_equal(r.failures->len, 0);
		kp_explore_result_clear(&r);
	}
}

/* ---- first steps and the estimate ---- */

static void test_first_steps_is_the_first_execution_length(void **state)
{
	g_autoptr(KpScenario) sc = parse(RACE_TEXT);
	g_autoptr(KpScenario) bad = parse_missing("");
	g_autoptr(GError) err = NULL;
	KpExec *x = kp_exec_new(sc);
	SimStrategy *s = sim_strategy_first_new();

	(void)state;
	assert_true(kp_exec_run(x, s, &err) != SIM_END_NONE);
	assert_int_equal(kp_explore_first_steps(sc), kp_exec_steps(x));
	assert_true(kp_exec_steps(x) > 10);
	assert_int_equal(kp_explore_first_steps(bad), 0);
	sim_strategy_free(s);
	kp_exec_free(x);
}

static void test_estimate_is_positive_and_deterministic(void **state)
{
	g_autoptr(KpScenario) sc = parse(RACE_TEXT);
	g_autoptr(KpScenario) bad = parse_missing("");
	double spe = -1, spe2 = -1, spe3 = -1, lo, hi, lo2, hi2;
	double a = kp_explore_estimate(sc, -1, 11, 8, &spe, &lo, &hi);
	double b = kp_explore_estimate(sc, -1, 11, 8, &spe2, &lo2, &hi2);
	double bounded = kp_explore_estimate(sc, 0, 11, 8, &spe2, &lo2, &hi2);
	double batched;

	(void)state;
	/* A tree with a branch somewhere has more than one leaf. */
	assert_true(a > 1.0);
	assert_true(a == b);
	/* Fewer paths than a batch: the range is the estimate itself. */
	assert_true(lo == a && hi == a);
	assert_true(spe >= 0 && spe2 >= 0);
	assert_true(bounded >= 1.0);
	/* Three batches: their means surround the overall mean, which is theirs averaged. */
	batched = kp_explore_estimate(sc, -1, 11, 3 * KP_ESTIMATE_BATCH, &spe2, &lo, &hi);
	assert_true(lo <= batched && batched <= hi);
	assert_true(lo > 1.0);
	assert_true(kp_explore_estimate(bad, -1, 11, 4, &spe3, &lo, &hi) == 0);
	assert_true(spe3 == 0 && lo == 0 && hi == 0);
}

/* ---- the verdict of `kpsim run` ---- */

static void test_run_scenario_pass(void **state)
{
	g_autoptr(KpScenario) sc = parse(PASS_TEXT);
	KpRunResult r;

	(void)state;
	kp_run_scenario(sc, &r);
	assert_int_equal(r.verdict, KP_VERDICT_PASS);
	assert_int_equal(r.executions, 1);
	assert_null(r.message);
	assert_null(r.schedule);
	assert_int_equal(r.transitions.count[KP_ST_NONE][KP_ST_INT3], 1);
	kp_run_result_clear(&r);
}

static void test_run_scenario_fail_gives_replayable_schedule(void **state)
{
	g_autoptr(KpScenario) sc = parse(A5_TEXT);
	KpRunResult r;
	Outcome o;

	(void)state;
	kp_run_scenario(sc, &r);
	assert_int_equal(r.verdict, KP_VERDICT_FAIL);
	assert_int_equal(r.executions, 1);
	assert_true(g_str_has_prefix(r.message, "violation A5: "));
	assert_non_null(r.schedule);
	/* Every group the execution shows: A5 and the int3 behind it (T2, T4). */
	assert_int_equal(r.groups->len, 3);
	run_once(sc, sim_strategy_replay_new(r.schedule, NULL), &o);
	assert_int_equal(o.end, SIM_END_DONE);
	assert_false(o.pass);
	assert_string_equal(o.msg, r.message);
	for (unsigned i = 0; i < r.groups->len; i++)
		assert_non_null(strstr(o.keys, ((KpExploreFailure *)r.groups->pdata[i])->key));
	outcome_clear(&o);
	kp_run_result_clear(&r);
}

/*
 * `explore random N seed S`: every run is judged (none stops the others), and the first
 * failing group's run is run `order` of the search, seed S + order.
 */
static void test_run_scenario_random_reports_failing_seed(void **state)
{
	g_autofree char *text = g_strconcat(RACE_TEXT, "explore random 50 seed 3\n", NULL);
	g_autoptr(KpScenario) sc = parse(text);
	const KpExploreFailure *first = NULL;
	KpRunResult r;
	Outcome o;

	(void)state;
	kp_run_scenario(sc, &r);
	assert_int_equal(r.verdict, KP_VERDICT_FAIL);
	assert_int_equal(r.executions, 50);
	assert_non_null(r.groups);
	for (unsigned i = 0; i < r.groups->len; i++) {
		const KpExploreFailure *f = r.groups->pdata[i];

		if (!f->allowed && (!first || f->order < first->order))
			first = f;
	}
	assert_non_null(first);
	assert_string_equal(first->message, r.message);
	/* The failing seed's random run is the failing run. */
	run_once(sc, sim_strategy_random_new(3 + first->order), &o);
	assert_true(o.end != SIM_END_NONE);
	assert_false(o.pass);
	assert_string_equal(o.msg, r.message);
	assert_string_equal(o.schedule, r.schedule);
	outcome_clear(&o);
	kp_run_result_clear(&r);
}

/* dfs in the scenario: the failure found first in the search. */
static void test_run_scenario_dfs_reports_first_failure(void **state)
{
	g_autofree char *text = g_strconcat(RACE_TEXT, "explore dfs preemptions 1\n", NULL);
	g_autoptr(KpScenario) sc = parse(text);
	KpExploreConfig cfg = dfs_config(1, true, 1);
	const KpExploreFailure *first = NULL;
	KpExploreResult e;
	KpRunResult r;

	(void)state;
	kp_run_scenario(sc, &r);
	kp_explore(sc, &cfg, &e);
	for (unsigned i = 0; i < e.failures->len; i++)
		if (!first || failure(&e, i)->order < first->order)
			first = failure(&e, i);
	assert_int_equal(r.verdict, KP_VERDICT_FAIL);
	assert_int_equal(r.executions, e.executions);
	assert_non_null(first);
	assert_string_equal(r.message, first->message);
	assert_string_equal(r.schedule, first->schedule);
	kp_explore_result_clear(&e);
	kp_run_result_clear(&r);
}

static void test_run_scenario_pct_passes_a_passing_scenario(void **state)
{
	g_autofree char *text = g_strconcat(ENABLE_TEXT, "explore pct runs 30 seed 2\n", NULL);
	g_autoptr(KpScenario) sc = parse(text);
	KpRunResult r;

	(void)state;
	kp_run_scenario(sc, &r);
	assert_int_equal(r.executions, 30);
	/* Both `sometimes` lines held in 30 pct runs. */
	assert_int_equal(r.verdict, KP_VERDICT_PASS);
	assert_null(r.message);
	kp_run_result_clear(&r);
}

static void test_run_scenario_bad_schedule_line_is_error(void **state)
{
	g_autoptr(KpScenario) sc = parse("cpus 1\n"
					 "task t0 on cpu0:\n"
					 "    sleep 1\n"
					 /* The task's first step has no alternative 1. */
					 "schedule S1:A\n");
	KpRunResult r;

	(void)state;
	kp_run_scenario(sc, &r);
	assert_int_equal(r.verdict, KP_VERDICT_ERROR);
	assert_string_equal(r.message, "t.kps:4:10: the schedule does not fit this scenario");
	assert_null(r.schedule);
	kp_run_result_clear(&r);
}

static void test_run_scenario_input_error_is_error(void **state)
{
	g_autoptr(KpScenario) sc = parse_missing("");
	g_autoptr(KpScenario) dfs = parse_missing("explore dfs\n");
	KpRunResult r;

	(void)state;
	kp_run_scenario(sc, &r);
	assert_int_equal(r.verdict, KP_VERDICT_ERROR);
	assert_string_equal(r.message, "t.kps: probe a: no symbol no_such_function");
	kp_run_result_clear(&r);
	kp_run_scenario(dfs, &r);
	assert_int_equal(r.verdict, KP_VERDICT_ERROR);
	assert_string_equal(r.message, "t.kps: probe a: no symbol no_such_function");
	kp_run_result_clear(&r);
}

static void test_run_scenario_dfs_budget_is_incomplete(void **state)
{
	g_autoptr(KpScenario) sc = parse("cpus 2\n"
					 "probe a at f_small+0 post disabled\n"
					 "task t0 on cpu0:\n"
					 "    register a -> 0\n"
					 "    enable a -> 0\n"
					 "task t1 on cpu1:\n"
					 "    call f_small\n"
					 "expect always no-violation\n"
					 "explore dfs runs 5\n");
	KpRunResult r;

	(void)state;
	kp_run_scenario(sc, &r);
	assert_int_equal(r.verdict, KP_VERDICT_INCOMPLETE);
	/* Bound 0 (2 executions) was complete; the budget ended in bound 1. */
	assert_int_equal(r.executions, 5);
	assert_string_equal(r.message, "t.kps:9: the runs budget ended before the dfs search "
				       "was complete (complete up to 0 preemptions)");
	kp_run_result_clear(&r);
}

static void test_run_scenario_sometimes_never_held_fails(void **state)
{
	g_autoptr(KpScenario) once = parse("cpus 1\n"
					   "probe a at f_small+0 post\n"
					   "task t0 on cpu0:\n"
					   "    register a -> 0\n"
					   "    call f_small\n"
					   "expect sometimes a.hits == 7\n");
	g_autoptr(KpScenario) sampled = parse("cpus 1\n"
					      "probe a at f_small+0 post\n"
					      "task t0 on cpu0:\n"
					      "    register a -> 0\n"
					      "    call f_small\n"
					      "expect sometimes a.hits == 7\n"
					      "explore random 3 seed 9\n");
	KpRunResult r;

	(void)state;
	kp_run_scenario(once, &r);
	assert_int_equal(r.verdict, KP_VERDICT_FAIL);
	assert_string_equal(r.message, "t.kps:6: expectation never held in 1 execution");
	assert_null(r.schedule);
	kp_run_result_clear(&r);
	kp_run_scenario(sampled, &r);
	assert_int_equal(r.verdict, KP_VERDICT_FAIL);
	assert_int_equal(r.executions, 3);
	assert_string_equal(r.message, "t.kps:6: expectation never held in 3 executions");
	kp_run_result_clear(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dfs_is_complete_and_repeats),
		cmocka_unit_test(test_dfs_reduction_keeps_failure_keys),
		cmocka_unit_test(test_dfs_preemption_bound_limits_the_tree),
		cmocka_unit_test(test_failures_grouped_by_key_with_replayable_schedule),
		cmocka_unit_test(test_dfs_runs_budget_ends_the_search),
		cmocka_unit_test(test_dfs_counts_the_traces),
		cmocka_unit_test(test_dfs_iterating_stops_after_the_failing_bound),
		cmocka_unit_test(test_dfs_iterating_budget_ends_inside_a_bound),
		cmocka_unit_test(test_dfs_iterating_ends_with_the_whole_tree),
		cmocka_unit_test(test_random_is_deterministic_for_a_seed),
		cmocka_unit_test(test_random_run_i_uses_seed_plus_i),
		cmocka_unit_test(test_pct_is_deterministic_for_a_seed),
		cmocka_unit_test(test_two_jobs_sample_as_one),
		cmocka_unit_test(test_two_jobs_dfs_finds_the_same_states_and_keys),
		cmocka_unit_test(test_two_jobs_share_the_dfs_budget),
		cmocka_unit_test(test_sometimes_held_in_some_execution_passes),
		cmocka_unit_test(test_sometimes_never_held_is_one_failure_without_schedule),
		cmocka_unit_test(test_input_error_is_reported_not_explored),
		cmocka_unit_test(test_first_steps_is_the_first_execution_length),
		cmocka_unit_test(test_estimate_is_positive_and_deterministic),
		cmocka_unit_test(test_run_scenario_pass),
		cmocka_unit_test(test_run_scenario_fail_gives_replayable_schedule),
		cmocka_unit_test(test_run_scenario_random_reports_failing_seed),
		cmocka_unit_test(test_run_scenario_dfs_reports_first_failure),
		cmocka_unit_test(test_run_scenario_pct_passes_a_passing_scenario),
		cmocka_unit_test(test_run_scenario_bad_schedule_line_is_error),
		cmocka_unit_test(test_run_scenario_input_error_is_error),
		cmocka_unit_test(test_run_scenario_dfs_budget_is_incomplete),
		cmocka_unit_test(test_run_scenario_sometimes_never_held_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
