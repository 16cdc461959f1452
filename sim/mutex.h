/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sleeping mutex with the kernel's semantics: one owner, waiters queued in FIFO order.
 * mutex_unlock wakes the first waiter, which then retries; a task that arrives while the
 * mutex is free takes it first (the kernel allows this "stealing" too).  Every acquisition
 * feeds the lock-order graph, which reports a cycle even when this run did not deadlock.
 */
#ifndef KPSIM_SIM_MUTEX_H
#define KPSIM_SIM_MUTEX_H

#include "sim/types.h"

typedef struct SimMutex {
	const char *name;	/* stable for the run (shown in reports and traces) */
	uint16_t id;		/* lock class: index in the context's lock table */
	SimTask *owner;
	SimTask *wait_head;	/* FIFO of tasks waiting for the mutex */
	SimTask *wait_tail;
} SimMutex;

/* Register the mutex with the run (assigns its class); names must be unique per run. */
void sim_mutex_init(SimCtx *ctx, SimMutex *m, const char *name);
void sim_mutex_lock(SimCtx *ctx, SimMutex *m);
void sim_mutex_unlock(SimCtx *ctx, SimMutex *m);
/* Non-blocking attempt (one decision point); true when acquired. */
bool sim_mutex_trylock(SimCtx *ctx, SimMutex *m);
bool sim_mutex_is_locked(const SimMutex *m);
bool sim_mutex_held_by_current(const SimCtx *ctx, const SimMutex *m);
SimMutex *sim_mutex_by_id(const SimCtx *ctx, unsigned id);

/* Lock-order graph: true once class `to` was acquired while a task held class `from`. */
bool sim_lockdep_edge(const SimCtx *ctx, unsigned from_class, unsigned to_class);

#endif
