// SPDX-License-Identifier: GPL-2.0-only
/*
 * `kpsim bench`: speed figures, one `name value unit` line each.  Benchmarks may read the
 * host clock; runs never do.
 */
#include "sim/coro.h"
#include "sim/ctx.h"
#include "sim/mutex.h"
#include "sim/strategy.h"
#include "tools/cli/bench_cpu.h"
#include "tools/cli/bench_decode.h"
#include "tools/cli/commands.h"
#include "tools/search/search.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- switch_pair_ns ---- */

typedef struct {
	SimCoro main;
	SimCoro co;
	unsigned long count;
} PingPong;

static void pong(void *arg)
{
	PingPong *pp = arg;

	sim_coro_entered(&pp->co, &pp->main);
	for (;;) {
		pp->count++;
		sim_coro_switch(&pp->co, &pp->main, false);
	}
}

static double bench_switch_pair_ns(void)
{
	PingPong pp;
	const unsigned long n = 20000000;
	double t0, t1;

	sim_coro_init_main(&pp.main);
	if (!sim_coro_alloc(&pp.co, 64 * 1024))
		return -1;
	pp.count = 0;
	sim_coro_start(&pp.co, pong, &pp);
	t0 = now_s();
	for (unsigned long i = 0; i < n; i++)
		sim_coro_switch(&pp.main, &pp.co, false);
	t1 = now_s();
	g_assert(pp.count == n);
	sim_coro_free(&pp.co);
	sim_coro_destroy_main(&pp.main);
	return (t1 - t0) * 1e9 / (double)n;
}

/* ---- decisions_per_s ---- */

typedef struct {
	SimMutex m;
	unsigned iterations;
} Contention;

static void contender(SimCtx *ctx, void *arg)
{
	Contention *c = arg;

	for (unsigned i = 0; i < c->iterations; i++) {
		sim_mutex_lock(ctx, &c->m);
		sim_mutex_unlock(ctx, &c->m);
	}
}

static double bench_decisions_per_s(void)
{
	SimConfig cfg = { .n_vcpus = 2 };
	SimCtx *ctx = sim_ctx_new(&cfg);
	SimStrategy *s = sim_strategy_random_new(1);
	Contention c = { .iterations = 20000 };
	uint64_t decisions = 0;
	double t0, t1;
	unsigned runs = 0;

	t0 = now_s();
	do {
		sim_ctx_reset(ctx);
		sim_strategy_random_reseed(s, runs);
		sim_mutex_init(ctx, &c.m, "m");
		sim_task_create(ctx, "t0", 0, contender, &c, 0);
		sim_task_create(ctx, "t1", 1, contender, &c, 0);
		g_assert(sim_run(ctx, s) == SIM_END_DONE);
		decisions += sim_step(ctx);
		runs++;
		t1 = now_s();
	} while (t1 - t0 < 0.5);
	sim_strategy_free(s);
	sim_ctx_free(ctx);
	return (double)decisions / (t1 - t0);
}

/* ---- exec_per_s: a tiny run, many times; memory and speed must not drift ---- */

static void tiny_task(SimCtx *ctx, void *arg)
{
	Contention *c = arg;

	sim_mutex_lock(ctx, &c->m);
	sim_mutex_unlock(ctx, &c->m);
}

static void bench_tiny_runs(double *exec_per_s, double *first_ns, double *last_ns)
{
	SimConfig cfg = { .n_vcpus = 2 };
	SimCtx *ctx = sim_ctx_new(&cfg);
	SimStrategy *s = sim_strategy_random_new(7);
	Contention c = { 0 };
	const unsigned n = 200000, decile = n / 10;
	double t0 = now_s(), t_first = 0, t_last_start = 0, t1;

	for (unsigned i = 0; i < n; i++) {
		if (i == decile)
			t_first = now_s();
		if (i == n - decile)
			t_last_start = now_s();
		sim_ctx_reset(ctx);
		sim_mutex_init(ctx, &c.m, "m");
		sim_task_create(ctx, "t0", 0, tiny_task, &c, 0);
		sim_task_create(ctx, "t1", 1, tiny_task, &c, 0);
		sim_run(ctx, s);
	}
	t1 = now_s();
	*exec_per_s = n / (t1 - t0);
	*first_ns = (t_first - t0) * 1e9 / decile;
	*last_ns = (t1 - t_last_start) * 1e9 / decile;
	sim_strategy_free(s);
	sim_ctx_free(ctx);
}

/* ---- the reference scenarios under the explorer ---- */

/* A dfs benchmark that would run longer than this is stopped and says so. */
#define DFS_BENCH_SECONDS 90.0

static double bench_ref_random(const KpScenario *sc)
{
	KpExploreConfig cfg = {
		.strategy = KP_STRATEGY_RANDOM, .runs = 1000000000, .seed = 1, .time = 3.0,
		.jobs = 1,
	};
	KpExploreResult r;
	double rate;

	kp_explore(sc, &cfg, &r);
	rate = r.elapsed > 0 ? (double)r.executions / r.elapsed : 0;
	kp_explore_result_clear(&r);
	return rate;
}

/* Prints the executions; returns the distinct traces, 0 when the search was capped. */
static uint64_t bench_ref_dfs(const char *name, const KpScenario *sc, int bound, bool reduce)
{
	KpExploreConfig cfg = {
		.strategy = KP_STRATEGY_DFS, .preemptions = bound, .reduce = reduce,
		.count_traces = true, .time = DFS_BENCH_SECONDS, .jobs = 1,
	};
	KpExploreResult r;
	uint64_t traces;

	kp_explore(sc, &cfg, &r);
	printf("%s %" G_GUINT64_FORMAT " executions", name, r.executions);
	if (!r.complete)
		printf(" (capped: stopped after %.0f s before the search was complete)",
		       DFS_BENCH_SECONDS);
	printf("\n");
	fflush(stdout);
	traces = r.complete ? r.traces : 0;
	kp_explore_result_clear(&r);
	return traces;
}

static void bench_reference(const char *dir)
{
	g_autofree char *path = g_build_filename(dir, "ref-2cpu.kps", NULL);
	g_autoptr(GError) err = NULL;
	g_autoptr(KpScenario) sc = kp_scenario_load(path, &err);
	uint64_t reduced, full;

	if (!sc) {
		printf("ref2_random_exec_per_s skipped (%s; run from the source tree or give "
		       "--scenarios)\n", err->message);
		return;
	}
	printf("ref2_random_exec_per_s %.0f executions/s\n", bench_ref_random(sc));
	fflush(stdout);
	reduced = bench_ref_dfs("ref2_dfs_p2_executions", sc, 2, true);
	full = bench_ref_dfs("ref2_dfs_p2_executions_noreduce", sc, 2, false);
	/* The traces of the whole bounded tree: no reduction can run fewer executions. */
	if (!full)
		printf("ref2_dfs_p2_traces skipped (the unreduced search was capped)\n");
	else if (reduced && reduced != full)
		printf("ref2_dfs_p2_traces %" G_GUINT64_FORMAT " traces (the reduced search covered "
		       "%" G_GUINT64_FORMAT " of them)\n", full, reduced);
	else
		printf("ref2_dfs_p2_traces %" G_GUINT64_FORMAT " traces\n", full);
	fflush(stdout);
}

/* What `kpsim bench --help` says after the options. */
static const char bench_help[] =
	"Prints one `name value unit` line per figure:\n"
	"  switch_pair_ns      a task switch there and back\n"
	"  decisions_per_s     two tasks on two vCPUs contending on a mutex, random\n"
	"  tiny_exec_per_s     whole runs of a two-task scenario, context reused\n"
	"  tiny_exec_ns_first_decile / _last_decile   the same, early and late\n"
	"  decode_insn_per_s   x86 instructions decoded per second\n"
	"  vcpu_steps_per_s    emulated instructions one vCPU executes per second\n"
	"  ref2_random_exec_per_s   whole executions of scenarios/bench/ref-2cpu.kps,\n"
	"                      random strategy, one job, checker on, tracing off\n"
	"  ref2_dfs_p2_executions / _noreduce   dfs executions of ref-2cpu with a\n"
	"                      preemption bound of 2, with and without reduction\n"
	"                      (each stopped after 90 s, which the line then says)\n"
	"  ref2_dfs_p2_traces  the distinct traces (happens-before classes) of that\n"
	"                      bounded tree: no trace-based reduction runs fewer\n"
	"                      executions; says so when the reduced search missed some\n"
	"Use a release build (meson setup -Dbuildtype=release) for real figures.\n";

int kp_cmd_bench(int argc, char **argv)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *dir = NULL;
	gboolean only_ref = FALSE;
	double exec_per_s, first_ns, last_ns;
	GOptionEntry entries[] = {
		{ "scenarios", 0, 0, G_OPTION_ARG_FILENAME, &dir,
		  "where ref-2cpu.kps is (default: scenarios/bench)", "DIR" },
		{ "reference", 0, 0, G_OPTION_ARG_NONE, &only_ref,
		  "only the reference-scenario figures", NULL },
		{ NULL },
	};

	if (!kp_cli_parse("bench", "- print speed figures", bench_help, entries, &argc, &argv))
		return KP_EXIT_USAGE;
	if (!kp_cli_no_arguments("bench", argc, argv))
		return KP_EXIT_USAGE;
	if (only_ref) {
		bench_reference(dir ? dir : "scenarios/bench");
		return KP_EXIT_PASS;
	}
	printf("switch_pair_ns %.1f ns\n", bench_switch_pair_ns());
	fflush(stdout);
	printf("decisions_per_s %.0f decisions/s\n", bench_decisions_per_s());
	fflush(stdout);
	bench_tiny_runs(&exec_per_s, &first_ns, &last_ns);
	printf("tiny_exec_per_s %.0f runs/s\n", exec_per_s);
	printf("tiny_exec_ns_first_decile %.0f ns\n", first_ns);
	printf("tiny_exec_ns_last_decile %.0f ns\n", last_ns);
	fflush(stdout);
	printf("decode_insn_per_s %.0f insn/s\n", kp_bench_decode_insn_per_s());
	fflush(stdout);
	printf("vcpu_steps_per_s %.0f steps/s\n", kp_bench_vcpu_steps_per_s());
	fflush(stdout);
	bench_reference(dir ? dir : "scenarios/bench");
	return KP_EXIT_PASS;
}
