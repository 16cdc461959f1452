/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Spinlock: one owner, and a task that finds it taken spins on its vCPU.  Spinning keeps
 * the vCPU (nothing else runs there, and it is not a quiescent state, as with interrupts
 * or preemption off in the kernel), but a spinning task is not offered to the strategy
 * until the lock is free again: spinning changes nothing, so the only steps worth
 * choosing are the owner's.  Acquire and release are each a decision point whose step
 * writes the lock (footprint W obj[id]), so two tasks' attempts on one lock are
 * dependent and attempts on two locks are not.
 *
 * Spinlocks are not lock classes of the lock-order graph (sim/lockdep.c): the kernel
 * code that uses them here nests at most one inside another, in one order.
 */
#ifndef KPSIM_SIM_SPINLOCK_H
#define KPSIM_SIM_SPINLOCK_H

#include "sim/types.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct SimSpinlock {
	const char *name;	/* stable for the run (reports and traces) */
	uint64_t res;		/* the footprint resource: SIM_RES_OBJ id, chosen by the user */
	SimTask *owner;
} SimSpinlock;

/*
 * `res` is an object id of SIM_RES_OBJ that no other shared object of the run uses: the
 * lock's acquire and release steps declare a write of it.
 */
void sim_spin_init(SimSpinlock *l, const char *name, uint64_t res);
void sim_spin_lock(SimCtx *ctx, SimSpinlock *l);
void sim_spin_unlock(SimCtx *ctx, SimSpinlock *l);
bool sim_spin_is_locked(const SimSpinlock *l);

#endif
