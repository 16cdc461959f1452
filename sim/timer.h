/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Discrete time.  jiffies only advance when the strategy picks the "tick" option, which is
 * offered whenever a timer is pending: the clock jumps to the earliest expiry and every
 * timer due by then fires, in (expiry, arming order).  Timer functions run in the engine,
 * not in a task: they may only wake tasks and queue work.
 */
#ifndef KPSIM_SIM_TIMER_H
#define KPSIM_SIM_TIMER_H

#include "sim/types.h"

typedef struct SimTimer SimTimer;
typedef void (*SimTimerFn)(SimCtx *ctx, SimTimer *t);

struct SimTimer {
	uint64_t expires;
	uint64_t seq;		/* arming order, breaks ties deterministically */
	SimTimerFn fn;
	void *data;
	SimTimer *next;
	uint16_t vcpu;		/* where it fires (where it was armed) */
	bool pending;
};

void sim_timer_init(SimTimer *t, SimTimerFn fn, void *data);
/* Arm on the current vCPU (vCPU 0 from engine context); asserts it is not pending. */
void sim_timer_add(SimCtx *ctx, SimTimer *t, uint64_t delay);
bool sim_timer_pending(const SimTimer *t);
/* Sleep for `n` jiffies (n >= 1); the sleeping task is woken by a timer. */
void sim_sleep(SimCtx *ctx, uint64_t n);

#endif
