/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CPU hotplug: the reader lock of kernel/cpu.c (get_online_cpus/put_online_cpus), its
 * writer (cpu_hotplug_begin/done), and vCPUs going offline and online.
 *
 * Readers take cpu_hotplug.lock only to bump a reference count, so a reader blocks while a
 * writer holds that mutex; the writer loops taking the mutex until the count is zero,
 * sleeping in between.  The active writer itself passes through the reader calls.
 */
#ifndef KPSIM_SIM_HOTPLUG_H
#define KPSIM_SIM_HOTPLUG_H

#include "sim/types.h"

void sim_get_online_cpus(SimCtx *ctx);
void sim_put_online_cpus(SimCtx *ctx);
void sim_cpu_hotplug_begin(SimCtx *ctx);
void sim_cpu_hotplug_done(SimCtx *ctx);
/* Reader references held right now (the writer waits for 0). */
int sim_hotplug_refcount(const SimCtx *ctx);
/* True when the current task holds a read reference or is the active writer. */
bool sim_hotplug_read_held(const SimCtx *ctx);

/*
 * Take a vCPU offline or bring it online.  Offline: its queued and blocked tasks, its
 * timers and its pending work move to the lowest-numbered online vCPU, it leaves every
 * grace period's wait set, and stop_machine stops waiting for it.  The last online vCPU
 * cannot go offline.  Returns false (and changes nothing) when the request is impossible.
 */
bool sim_vcpu_set_online(SimCtx *ctx, unsigned vcpu, bool online);

#endif
