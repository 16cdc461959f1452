/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The exploring strategies: bounded exhaustive depth-first search with sleep sets and
 * dynamic partial-order reduction, a Knuth estimate of that search's size, and PCT.  Each
 * drives one run at a time through the SimStrategy interface; between runs the caller
 * asks the strategy for the next one.
 * docs/explore.md explains the preemption bound, the reduction and why it is sound.
 */
#ifndef KPSIM_SIM_EXPLORE_H
#define KPSIM_SIM_EXPLORE_H

#include "sim/strategy.h"

/* ---- dfs ---- */

typedef struct {
	int preemptions;	/* the bound; -1: unbounded */
	bool reduce;		/* sleep sets and dynamic partial-order reduction */
	/*
	 * Splitting the tree between workers: the subtrees below the `split_level`-th
	 * branching node of each path are numbered in search order, and this strategy runs
	 * only those whose number is `worker` modulo `n_workers`.  0: no split.
	 */
	unsigned split_level;
	unsigned worker;
	unsigned n_workers;
} SimDfsConfig;

typedef enum {
	SIM_DFS_RUN_COUNTS,	/* a whole execution of this worker's share */
	SIM_DFS_RUN_PRUNED,	/* stopped: every remaining option was asleep */
	SIM_DFS_RUN_SKIPPED,	/* stopped or finished outside this worker's share */
} SimDfsRunKind;

SimStrategy *sim_strategy_dfs_new(const SimDfsConfig *cfg);
/* After a run: what the run was. */
SimDfsRunKind sim_strategy_dfs_last(const SimStrategy *s);
/* After a run: move to the next schedule.  False when the search is complete. */
bool sim_strategy_dfs_advance(SimStrategy *s);

/* ---- Knuth's estimate of the dfs tree (without reduction) ---- */

SimStrategy *sim_strategy_dfs_probe_new(int preemptions, uint64_t seed);
void sim_strategy_dfs_probe_reseed(SimStrategy *s, uint64_t seed);
/* After a run: the product of the branching factors along the path it took. */
double sim_strategy_dfs_probe_estimate(const SimStrategy *s);

/* ---- PCT (Burckhardt et al., ASPLOS 2010) ---- */

typedef struct {
	unsigned n_vcpus;	/* threads are the vCPUs plus the tick */
	unsigned depth;		/* d >= 1: d - 1 priority change points */
	uint64_t steps;		/* k: the expected run length (change points fall in 1..k) */
} SimPctConfig;

SimStrategy *sim_strategy_pct_new(const SimPctConfig *cfg, uint64_t seed);
void sim_strategy_pct_reseed(SimStrategy *s, uint64_t seed);

/* ---- shared definitions ---- */

/*
 * Is choosing opts[i] a preemption, given the vCPU that took the last step (`prev`, -1
 * at the start)?  It is when prev still has a step among opts and opts[i] is not one of
 * prev's steps (another vCPU's step, or the tick).
 */
bool sim_is_preemption(const SimOption *opts, size_t n, size_t i, int prev);
/*
 * May two options of one state be executed in either order with the same result?  False
 * whenever in doubt: two steps of one vCPU, steps whose effect reaches past their
 * footprint, two possible wake-ups, the tick against a step that touches time, work or
 * global state or may wake a task, and footprints that conflict.
 */
bool sim_opts_independent(const SimOption *a, const SimOption *b);

#endif
