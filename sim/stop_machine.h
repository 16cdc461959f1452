/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * __stop_machine: run fn with every online vCPU captured.  Callers are serialised (the
 * kernel's stop_cpus_mutex).  The caller sleeps until every other online vCPU reaches a
 * scheduling point; a vCPU inside a non-quiescent section keeps running until it gets
 * there.  While fn runs, no other vCPU steps, IRQs are off everywhere and jiffies stand
 * still.  Each captured vCPU passes a quiescent state (its stopper thread ran).
 */
#ifndef KPSIM_SIM_STOP_MACHINE_H
#define KPSIM_SIM_STOP_MACHINE_H

#include "sim/types.h"

typedef int (*SimStopFn)(SimCtx *ctx, void *data);

int sim_stop_machine(SimCtx *ctx, SimStopFn fn, void *data);
/* True while fn runs with the machine stopped. */
bool sim_machine_stopped(const SimCtx *ctx);
uint64_t sim_stop_machine_count(const SimCtx *ctx);

#endif
