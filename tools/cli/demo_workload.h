/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small workload shaped like the kprobes optimizer, on the engine alone: an API task
 * allocates an object and kicks delayed work under a mutex, then waits for it; the worker
 * takes module_mutex and kprobe_mutex, waits for a grace period, patches under
 * stop_machine, frees the object and completes; another vCPU runs "kernel code" between
 * scheduling points.  `kpsim demo` runs it; the engine's trace tests use it too.
 */
#ifndef KPSIM_TOOLS_DEMO_WORKLOAD_H
#define KPSIM_TOOLS_DEMO_WORKLOAD_H

#include "sim/completion.h"
#include "sim/ctx.h"
#include "sim/mutex.h"
#include "sim/workqueue.h"

typedef struct {
	SimMutex module_mutex, kprobe_mutex, text_mutex;
	SimDelayedWork work;
	SimCompletion comp;
	int patched;
	void *obj;
} KpDemo;

/* Create the demo's locks, work item and tasks on a reset context; `data` is a KpDemo. */
void kp_demo_setup(SimCtx *ctx, void *data);

#endif
