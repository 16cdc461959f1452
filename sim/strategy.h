/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Strategies choose, at every decision point, which of the enabled options happens next.
 * Exploring is "run the scenario again with the next schedule": a strategy sees each run
 * begin and end, and every decision in between with the full option list (task, reason,
 * footprint), which is what bounded DFS with partial-order reduction and PCT need.
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

void sim_strategy_free(SimStrategy *s);

#endif
