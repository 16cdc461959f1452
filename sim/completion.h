/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * struct completion as in kernel/sched.c of 2.6.37: a counter.  complete() adds one and
 * wakes one waiter; complete_all() adds UINT_MAX/2 and wakes every waiter; a waiter sleeps
 * while the counter is 0 and then takes one.  Nothing re-initialises it implicitly, so
 * after one complete_all no later wait ever blocks.
 */
#ifndef KPSIM_SIM_COMPLETION_H
#define KPSIM_SIM_COMPLETION_H

#include "sim/types.h"

typedef struct SimCompletion {
	const char *name;
	uint32_t id;
	unsigned int done;
	SimTask *wait_head;
	SimTask *wait_tail;
} SimCompletion;

void sim_completion_init(SimCtx *ctx, SimCompletion *c, const char *name);
void sim_wait_for_completion(SimCtx *ctx, SimCompletion *c);
void sim_complete(SimCtx *ctx, SimCompletion *c);
void sim_complete_all(SimCtx *ctx, SimCompletion *c);

#endif
