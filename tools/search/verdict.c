// SPDX-License-Identifier: GPL-2.0-only
/*
 * The verdict of `kpsim run` on one scenario: every execution it asks for (its embedded
 * schedule, its `explore random` runs, or the first execution) judged in turn until one
 * fails, or, for `explore dfs` and `explore pct`, the explorer in this process with the
 * failure it found first.  An `expect sometimes` line must have held in some execution.
 */
#include "tools/search/search.h"

#include "sim/strategy.h"

#include <inttypes.h>
#include <string.h>

/* `explore dfs` and `explore pct`: the explorer, in this process. */
static void run_explored(const KpScenario *sc, KpRunResult *res)
{
	const KpExplore *x = &sc->explore;
	KpExploreConfig cfg = {
		.strategy = x->kind == KP_EXPLORE_DFS ? KP_STRATEGY_DFS : KP_STRATEGY_PCT,
		.preemptions = x->preemptions, .reduce = !x->no_reduce, .runs = x->runs,
		.seed = x->has_seed ? x->seed : 0, .depth = x->depth, .jobs = 1,
	};
	KpExploreResult r;

	if (cfg.strategy == KP_STRATEGY_PCT)
		cfg.pct_steps = MAX(kp_explore_first_steps(sc), 1);
	kp_explore(sc, &cfg, &r);
	res->executions = r.executions;
	res->transitions = r.transitions;
	if (r.input_error) {
		res->verdict = KP_VERDICT_ERROR;
		res->message = g_strdup(r.input_error);
	} else if (r.internal_error) {
		res->verdict = KP_VERDICT_INTERNAL;
		res->message = g_strdup(r.internal_error);
	} else if (r.failures->len) {
		KpExploreFailure *f = r.failures->pdata[0];

		/* The group found first in the search, as a single run would report it. */
		for (unsigned i = 1; i < r.failures->len; i++)
			if (((KpExploreFailure *)r.failures->pdata[i])->order < f->order)
				f = r.failures->pdata[i];
		res->verdict = KP_VERDICT_FAIL;
		res->message = g_strdup(f->message);
		res->schedule = g_strdup(f->schedule);
	} else if (cfg.strategy == KP_STRATEGY_DFS && !r.complete) {
		res->verdict = KP_VERDICT_INCOMPLETE;
		res->message = g_strdup_printf("%s:%d: the runs budget ended before the dfs search "
					       "was complete", sc->path, x->line);
	}
	kp_explore_result_clear(&r);
}

/* The strategy of execution i of a scenario that is not explored by kp_explore(). */
static SimStrategy *strategy_for(const KpScenario *sc, uint64_t seed0, uint64_t i)
{
	if (sc->schedule)
		return sim_strategy_replay_new(sc->schedule, NULL);
	if (sc->explore.kind == KP_EXPLORE_RANDOM)
		return sim_strategy_random_new(seed0 + i);
	return sim_strategy_first_new();
}

void kp_run_scenario(const KpScenario *sc, KpRunResult *res)
{
	uint64_t runs = 1, seed0 = sc->explore.has_seed ? sc->explore.seed : 0;
	g_autoptr(GString) msg = g_string_new(NULL);
	const bool *sometimes;
	KpExec *x;

	memset(res, 0, sizeof(*res));
	if (!sc->schedule &&
	    (sc->explore.kind == KP_EXPLORE_DFS || sc->explore.kind == KP_EXPLORE_PCT)) {
		run_explored(sc, res);
		return;
	}
	if (!sc->schedule && sc->explore.kind == KP_EXPLORE_RANDOM)
		runs = sc->explore.runs;
	x = kp_exec_new(sc);
	for (uint64_t i = 0; i < runs; i++) {
		g_autoptr(GError) err = NULL;
		SimStrategy *s = strategy_for(sc, seed0, i);
		SimEnd end = kp_exec_run(x, s, &err);

		sim_strategy_free(s);
		res->executions++;
		kp_exec_add_transitions(x, &res->transitions);
		if (end == SIM_END_NONE) {
			res->verdict = KP_VERDICT_ERROR;
			res->message = g_strdup_printf("%s: %s", sc->path, err->message);
			break;
		}
		if (end == SIM_END_DIVERGED) {
			res->verdict = KP_VERDICT_ERROR;
			res->message = g_strdup_printf("%s:%d: the schedule does not fit this scenario",
						       sc->path, sc->schedule_line);
			break;
		}
		if (!kp_exec_judge(x, msg, NULL)) {
			res->verdict = KP_VERDICT_FAIL;
			res->message = g_strdup(msg->str);
			res->schedule = kp_exec_schedule(x);
			res->has_seed = !sc->schedule && sc->explore.kind == KP_EXPLORE_RANDOM;
			res->seed = seed0 + i;
			break;
		}
	}
	sometimes = kp_exec_sometimes(x);
	for (unsigned i = 0; res->verdict == KP_VERDICT_PASS && i < sc->n_expects; i++)
		if (sc->expects[i].kind == KP_EXPECT_SOMETIMES && !sometimes[i]) {
			res->verdict = KP_VERDICT_FAIL;
			res->message = g_strdup_printf(
				"%s:%d: expectation never held in %" PRIu64 " execution%s", sc->path,
				sc->expects[i].line, res->executions, res->executions == 1 ? "" : "s");
		}
	kp_exec_free(x);
}

void kp_run_result_clear(KpRunResult *res)
{
	g_free(res->message);
	g_free(res->schedule);
	memset(res, 0, sizeof(*res));
}
