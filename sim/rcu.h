/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * RCU-sched for a non-preemptible kernel.  A vCPU is in a read-side section whenever it
 * runs a task that has not reached a scheduling point; it passes a quiescent state when
 * its task blocks, finishes, or calls sim_quiescent_point, when it idles, and when it goes
 * offline.  synchronize_sched waits for exactly the vCPUs that were non-quiescent when it
 * was called; it always sleeps, so other tasks of the caller's vCPU may run meanwhile.
 */
#ifndef KPSIM_SIM_RCU_H
#define KPSIM_SIM_RCU_H

#include "sim/types.h"

void sim_synchronize_sched(SimCtx *ctx);
/* Grace periods completed so far in this run. */
uint64_t sim_rcu_completed(const SimCtx *ctx);

#endif
