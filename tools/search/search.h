/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Exploring a scenario: many executions under one of the exploring strategies (dfs,
 * random, pct), possibly split over worker processes, merged into one result: counts,
 * distinct final states, failures grouped by invariant and location, transitions seen.
 * docs/explore.md describes the strategies, the split and the budget.
 */
#ifndef KPSIM_TOOLS_EXPLORE_H
#define KPSIM_TOOLS_EXPLORE_H

#include "tools/runner.h"

typedef enum {
	KP_STRATEGY_DFS,
	KP_STRATEGY_RANDOM,
	KP_STRATEGY_PCT,
} KpStrategyKind;

typedef struct {
	uint64_t executions;	/* whole executions judged */
	uint64_t pruned;	/* dfs: executions stopped with every option asleep */
	uint64_t states;	/* distinct final states */
	uint64_t failures;	/* failing executions */
	double elapsed;		/* seconds */
} KpExploreProgress;

typedef struct {
	KpStrategyKind strategy;
	int preemptions;	/* dfs: the bound, -1 unbounded */
	bool reduce;		/* dfs: sleep sets */
	uint64_t runs;		/* random, pct: executions; dfs: a budget, 0 none */
	uint64_t seed;		/* random, pct: run i uses seed + i */
	double time;		/* seconds of budget, 0: none */
	unsigned depth;		/* pct */
	uint64_t pct_steps;	/* pct: k, the run length change points fall in */
	unsigned jobs;		/* worker processes; 1: this process */
	/* Called about once a second while exploring (never inside a run). */
	void (*progress)(const KpExploreProgress *p, void *user);
	void *progress_user;
} KpExploreConfig;

typedef struct {
	char *key;		/* invariant id and location, or the expectation's line */
	char *message;		/* of the representative execution */
	char *schedule;		/* its schedule, NULL for a `sometimes` never seen */
	uint64_t count;		/* failing executions in the group */
	uint64_t order;		/* the representative's place in the search */
} KpExploreFailure;

typedef struct {
	uint64_t executions;
	uint64_t pruned;
	uint64_t states;
	GPtrArray *failures;	/* KpExploreFailure *, by key */
	KpTransitions transitions;
	bool complete;		/* dfs: every execution of the bounded tree was covered */
	bool budget_ended;	/* --runs or --time ended it first */
	char *input_error;	/* the scenario does not fit the image */
	char *internal_error;	/* a worker died, a replay diverged */
	double elapsed;
} KpExploreResult;

/* The length of the `first` execution: PCT's k.  0 when the scenario cannot run. */
uint64_t kp_explore_first_steps(const KpScenario *sc);

/*
 * Knuth's estimate of the unreduced dfs tree: the mean, over `probes` random paths, of
 * the product of the branching factors; *seconds_per_exec is their mean duration.
 */
double kp_explore_estimate(const KpScenario *sc, int preemptions, uint64_t seed,
			   unsigned probes, double *seconds_per_exec);

void kp_explore(const KpScenario *sc, const KpExploreConfig *cfg, KpExploreResult *res);
void kp_explore_result_clear(KpExploreResult *res);

#endif
