/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Strategies choose, at every decision point, which of the enabled options happens next.
 * Exploring is "run the scenario again with the next schedule": a strategy sees each run
 * begin and end, and every decision in between with the full option list (task, reason,
 * footprint), which is what bounded DFS with partial-order reduction and PCT need.
 *
 * The simple strategies (first, random, replay) come first; then the exploring ones:
 * bounded exhaustive depth-first search with sleep sets and dynamic partial-order
 * reduction, a Knuth estimate of that search's size, and PCT.  Each drives one run at a
 * time; between runs the caller asks the strategy for the next one.  docs/explore.md
 * explains the preemption bound, the reduction and why it is sound.
 */
#ifndef KPSIM_SIM_STRATEGY_H
#define KPSIM_SIM_STRATEGY_H

#include "sim/footprint.h"
#include "sim/types.h"

typedef enum {
	SIM_OPT_STEP,	/* vCPU `vcpu` runs its task's next step, alternative `alt` */
	SIM_OPT_TICK,	/* advance jiffies to the next timer expiry and fire what expired */
} SimOptKind;

typedef struct {
	uint8_t kind;		/* SimOptKind */
	uint8_t alt;		/* 0 .. n_alts-1 for SIM_OPT_STEP */
	uint16_t vcpu;		/* for SIM_OPT_STEP */
	uint16_t task;		/* task id for SIM_OPT_STEP */
	uint16_t reason;	/* SimReason of the pending step */
	const SimFootprint *fp;	/* what the step may touch */
} SimOption;

/* Options are listed vCPU by vCPU (alternatives ascending), then the tick. */

#define SIM_CHOOSE_STOP ((size_t)-1)	/* end the run now (SIM_END_STOPPED) */
#define SIM_CHOOSE_DIVERGED ((size_t)-2)	/* the strategy cannot continue (replay) */

typedef struct SimStrategyOps {
	const char *name;
	void (*begin)(SimStrategy *s, SimCtx *ctx);
	/* Return an index into opts, or SIM_CHOOSE_STOP / SIM_CHOOSE_DIVERGED. */
	size_t (*choose)(SimStrategy *s, SimCtx *ctx, const SimOption *opts, size_t n);
	void (*end)(SimStrategy *s, SimCtx *ctx);
	void (*destroy)(SimStrategy *s);
	/*
	 * It reorders steps it judges independent (sim_opts_independent): the tasks then
	 * declare what costs time to compute and only serves that judgement
	 * (sim_reorders_steps()).
	 */
	bool reorders;
} SimStrategyOps;

struct SimStrategy {
	const SimStrategyOps *ops;
};

/* Always the first option: vCPUs in order; time advances only when nothing can run. */
SimStrategy *sim_strategy_first_new(void);
/* Uniformly random among the options, from a seed (xoshiro256**). */
SimStrategy *sim_strategy_random_new(uint64_t seed);
/* Reseed before the next run (a random campaign runs seed, seed+1, ...). */
void sim_strategy_random_reseed(SimStrategy *s, uint64_t seed);
/*
 * Follow a recorded schedule (see schedule.h); past its end, continue with the first
 * option.  Returns NULL and sets *error_pos when the text does not parse.
 */
SimStrategy *sim_strategy_replay_new(const char *schedule, size_t *error_pos);

/*
 * Driven by a coverage-guided fuzzer's bytes: the first decisions follow `prefix` (a
 * recorded schedule, schedule.h; NULL: none) for as long as each of its choices is among
 * the options; from the first that is not, or past its end, the bytes decide: at a
 * decision with n > 1 options the next byte modulo n, with one option no byte; past the
 * last byte, the first option.  After max_steps decisions the run is stopped
 * (SIM_END_STOPPED).  `bytes` must outlive the strategy; each run starts again from the
 * first choice and byte.  NULL when `prefix` does not parse.
 */
SimStrategy *sim_strategy_bytes_new(const uint8_t *bytes, size_t n, const char *prefix,
				    uint64_t max_steps);

void sim_strategy_free(SimStrategy *s);

/* ---- dfs ---- */

typedef struct {
	int preemptions;	/* the bound; -1: unbounded */
	bool reduce;		/* sleep sets and dynamic partial-order reduction */
	/*
	 * Splitting the tree between workers (docs/explore.md, Jobs); 0: no split.  With
	 * split_level L, every worker searches the top of the tree: the branching nodes
	 * reached without a preemption (under a bound) with fewer than L levels above them,
	 * a level being a node with two options that do not preempt (without a bound: any
	 * branching node).  The top searches every option, and the subtrees hanging below it
	 * are numbered in search order (a run that ends or is pruned in the top is one of
	 * its own).  Subtree k is searched here when claim(claim_user, k) says so, asked
	 * once for each k in increasing order; without claim, when k is `worker` modulo
	 * `n_workers`.  A subtree is searched the same way whichever worker searches it.
	 */
	unsigned split_level;
	unsigned worker;
	unsigned n_workers;
	bool (*claim)(void *user, uint64_t subtree);
	void *claim_user;
	/* Hash each execution's happens-before order (sim_strategy_dfs_trace). */
	bool traces;
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
/*
 * After a run that counts, with cfg.traces: a hash of its trace (Mazurkiewicz trace,
 * happens-before class), under the dependence the reduction uses (docs/explore.md,
 * Dependence).  Two executions that differ only in the order of independent steps have
 * the same hash; executions with different partial orders of their steps have
 * different ones (up to 64-bit hash collisions).  Never 0.
 */
uint64_t sim_strategy_dfs_trace(const SimStrategy *s);
/*
 * Was an option left out because of the preemption bound, anywhere in the search so far?
 * When a complete bounded search says no, it was the unbounded search.
 */
bool sim_strategy_dfs_bound_cut(const SimStrategy *s);

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
 * global state or may wake a task, synchronize_sched against a step that may leave its
 * non-quiescent stretch (SIM_FP_STAYS), and footprints that conflict.
 */
bool sim_opts_independent(const SimOption *a, const SimOption *b);

#endif
