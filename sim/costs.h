/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What each task's work cost the machine: the expensive things a kernel developer asks
 * about when moving work out of a caller's path (stop_machine calls, grace periods
 * waited for, text bytes rewritten) and how long the task was blocked.  Counted per
 * task as the run goes; a higher layer takes differences around one operation to get
 * that operation's costs.
 */
#ifndef KPSIM_SIM_COSTS_H
#define KPSIM_SIM_COSTS_H

#include "sim/types.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
	uint64_t stop_machines;		/* __stop_machine calls it made */
	uint64_t grace_periods;		/* synchronize_sched calls it waited through */
	uint64_t text_bytes;		/* kernel and module text bytes it wrote */
	/*
	 * While it waited (for a mutex, a completion, a grace period, stop_machine, the
	 * hotplug lock; not while it slept on purpose or idled as a worker with nothing
	 * to do): jiffies that passed and decisions made.
	 */
	uint64_t blocked_jiffies;
	uint64_t blocked_steps;
} SimCosts;

/* The task's costs so far (zero at creation). */
const SimCosts *sim_task_costs(const SimTask *t);
/* Charge `bytes` of text writing to the running task (nothing outside a task). */
void sim_costs_text_written(SimCtx *ctx, uint64_t bytes);

/* a - b, member by member (b taken earlier from the same task). */
SimCosts sim_costs_sub(const SimCosts *a, const SimCosts *b);
/* a += b */
void sim_costs_add(SimCosts *a, const SimCosts *b);
bool sim_costs_equal(const SimCosts *a, const SimCosts *b);

#endif
