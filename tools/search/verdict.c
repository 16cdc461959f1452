// SPDX-License-Identifier: GPL-2.0-only
/*
 * The verdict of `kpsim run` on one scenario: every execution it asks for (its embedded
 * schedule or the first execution; for an `explore` line, the explorer in this process)
 * judged, with every failure group it shows (allowed ones too) and the failure found
 * first.  An `expect sometimes` line must have held in some execution.
 */
#include "tools/search/search.h"

#include "sim/strategy.h"

#include <inttypes.h>
#include <string.h>

/* The first group that fails (not allowed) in search order, or NULL. */
static const KpExploreFailure *first_failure(const GPtrArray *groups)
{
	const KpExploreFailure *first = NULL;

	for (unsigned i = 0; i < groups->len; i++) {
		const KpExploreFailure *f = groups->pdata[i];

		if (!f->allowed && (!first || f->order < first->order))
			first = f;
	}
	return first;
}

/*
 * `explore random`, `dfs` and `pct`: the explorer, in this process.  A dfs line without
 * `preemptions` searches bound 0, 1, 2, ... as `kpsim explore` does, and stops after the
 * first bound with a failure.
 */
static void run_explored(const KpScenario *sc, uint64_t max_executions, KpRunResult *res)
{
	const KpExplore *x = &sc->explore;
	KpExploreConfig cfg = {
		.strategy = x->kind == KP_EXPLORE_DFS	 ? KP_STRATEGY_DFS
			    : x->kind == KP_EXPLORE_PCT ? KP_STRATEGY_PCT
							 : KP_STRATEGY_RANDOM,
		.preemptions = x->preemptions, .reduce = !x->no_reduce, .runs = x->runs,
		.seed = x->has_seed ? x->seed : 0, .depth = x->depth, .jobs = 1,
	};
	KpExploreResult r;
	const KpExploreFailure *f;

	bool capped = false;

	/*
	 * A cap on a dfs search, so that a corpus run on a port where a scenario's tree
	 * explodes still ends, and ends the same way every time (a count, not a time).
	 */
	if (max_executions && cfg.strategy == KP_STRATEGY_DFS &&
	    (!cfg.runs || cfg.runs > max_executions)) {
		cfg.runs = max_executions;
		capped = true;
	}
	cfg.iterate = cfg.strategy == KP_STRATEGY_DFS && cfg.preemptions < 0;
	if (cfg.strategy == KP_STRATEGY_PCT)
		cfg.pct_steps = MAX(kp_explore_first_steps(sc), 1);
	kp_explore(sc, &cfg, &r);
	res->executions = r.executions;
	res->transitions = r.transitions;
	res->groups = g_steal_pointer(&r.failures);
	f = first_failure(res->groups);
	if (r.input_error) {
		res->verdict = KP_VERDICT_ERROR;
		res->message = g_strdup(r.input_error);
	} else if (r.internal_error) {
		res->verdict = KP_VERDICT_INTERNAL;
		res->message = g_strdup(r.internal_error);
	} else if (f) {
		/* The group found first in the search, as a single run would report it. */
		res->verdict = KP_VERDICT_FAIL;
		res->message = g_strdup(f->message);
		res->schedule = g_strdup(f->schedule);
	} else if (cfg.strategy == KP_STRATEGY_DFS && !r.complete) {
		g_autofree char *upto = cfg.iterate && r.bound_complete >= 0 ?
			g_strdup_printf(" (complete up to %d preemption%s)", r.bound_complete,
					r.bound_complete == 1 ? "" : "s") : g_strdup("");

		res->verdict = KP_VERDICT_INCOMPLETE;
		res->message = capped && r.executions >= max_executions ?
			g_strdup_printf("%s:%d: the dfs search was stopped after %" PRIu64
					" executions (the cap) before it was complete%s", sc->path,
					x->line, max_executions, upto) :
			g_strdup_printf("%s:%d: the runs budget ended before the dfs search "
					"was complete%s", sc->path, x->line, upto);
	}
	kp_explore_result_clear(&r);
}

/* The one execution of a scenario with a schedule or `explore first`. */
static void run_once(const KpScenario *sc, KpRunResult *res)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(kp_failure_free);
	SimStrategy *s = sc->schedule ? sim_strategy_replay_new(sc->schedule, NULL)
				      : sim_strategy_first_new();
	KpExec *x = kp_exec_new(sc);
	SimEnd end = kp_exec_run(x, s, &err);
	g_autofree char *sched = NULL;
	const KpExploreFailure *first;
	const bool *sometimes;

	sim_strategy_free(s);
	res->executions = 1;
	kp_exec_add_transitions(x, &res->transitions);
	res->groups = g_ptr_array_new_with_free_func(kp_explore_failure_free);
	if (end == SIM_END_NONE || end == SIM_END_DIVERGED) {
		res->verdict = KP_VERDICT_ERROR;
		res->message = end == SIM_END_NONE ? kp_input_error(sc, err->message)
						   : kp_schedule_misfit(sc, NULL);
		kp_exec_free(x);
		return;
	}
	kp_exec_judge_all(x, all);
	if (all->len)
		sched = kp_exec_schedule(x);
	for (unsigned i = 0; i < all->len; i++) {
		const KpFailure *f = all->pdata[i];
		KpExploreFailure *g = NULL;

		/* One group per signature, with its first message. */
		for (unsigned k = 0; k < res->groups->len && !g; k++)
			if (!strcmp(((KpExploreFailure *)res->groups->pdata[k])->key, f->key))
				g = res->groups->pdata[k];
		if (g)
			continue;
		g = g_new0(KpExploreFailure, 1);

		g->key = g_strdup(f->key);
		g->message = g_strdup(f->message);
		g->schedule = g_strdup(sched);
		g->allowed = f->allowed;
		g->count = 1;
		g->order = i;	/* one execution: the order of the reports */
		g_ptr_array_add(res->groups, g);
	}
	sometimes = kp_exec_sometimes(x);
	for (unsigned i = 0; i < sc->n_expects; i++)
		if (sc->expects[i].kind == KP_EXPECT_SOMETIMES && !sometimes[i]) {
			KpExploreFailure *g = g_new0(KpExploreFailure, 1);

			g->key = g_strdup_printf("expectation %s:%d", sc->path, sc->expects[i].line);
			g->message = g_strdup_printf("%s:%d: expectation never held in 1 execution",
						     sc->path, sc->expects[i].line);
			g->count = 1;
			g->order = all->len + i;
			g_ptr_array_add(res->groups, g);
		}
	first = first_failure(res->groups);
	if (first) {
		res->verdict = KP_VERDICT_FAIL;
		res->message = g_strdup(first->message);
		res->schedule = g_strdup(first->schedule);
	}
	kp_exec_free(x);
}

void kp_run_scenario(const KpScenario *sc, KpRunResult *res)
{
	kp_run_scenario_capped(sc, 0, res);
}

void kp_run_scenario_capped(const KpScenario *sc, uint64_t max_executions, KpRunResult *res)
{
	memset(res, 0, sizeof(*res));
	if (!sc->schedule && sc->explore.kind != KP_EXPLORE_FIRST)
		run_explored(sc, max_executions, res);
	else
		run_once(sc, res);
}

void kp_run_result_clear(KpRunResult *res)
{
	if (res->groups)
		g_ptr_array_free(res->groups, TRUE);
	g_free(res->message);
	g_free(res->schedule);
	memset(res, 0, sizeof(*res));
}
