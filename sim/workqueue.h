/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Delayed work on the system workqueue, as kernel/workqueue.c of 2.6.37 does it for a
 * non-reentrant-free queue (system_wq): schedule_delayed_work test-and-sets PENDING and, if
 * it was clear, arms a timer on the current vCPU; on expiry the work is queued on that
 * vCPU's worker; the worker clears PENDING immediately before calling the function.  So a
 * work item is "pending" from the kick until its function starts, not while it runs, and a
 * kick during a run queues a second run.  One worker per vCPU runs items in order.
 */
#ifndef KPSIM_SIM_WORKQUEUE_H
#define KPSIM_SIM_WORKQUEUE_H

#include "sim/timer.h"

typedef struct SimWork SimWork;
typedef void (*SimWorkFn)(SimCtx *ctx, SimWork *w);

struct SimWork {
	const char *name;
	uint32_t id;
	SimWorkFn fn;
	bool pending;		/* WORK_STRUCT_PENDING */
	bool linked;		/* on some worker's list */
	SimWork *next;
};

typedef struct {
	SimWork work;
	SimTimer timer;
} SimDelayedWork;

void sim_work_init(SimCtx *ctx, SimWork *w, const char *name, SimWorkFn fn);
void sim_delayed_work_init(SimCtx *ctx, SimDelayedWork *dw, const char *name, SimWorkFn fn);
/* Returns false if the work was already pending (nothing happens then). */
bool sim_schedule_delayed_work(SimCtx *ctx, SimDelayedWork *dw, uint64_t delay);
bool sim_schedule_work(SimCtx *ctx, SimWork *w);
bool sim_delayed_work_pending(const SimDelayedWork *dw);
/* Number of work functions that have started so far in this run. */
uint64_t sim_work_runs(const SimCtx *ctx);

#endif
