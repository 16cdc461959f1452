/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small workload shaped like the kprobes optimizer, used by several engine tests: an API
 * task kicks delayed work under a mutex and waits for it; the worker takes two mutexes,
 * waits for a grace period and patches under stop_machine; another vCPU runs "kernel
 * code" between scheduling points.
 */
#ifndef KPSIM_TESTS_WORKLOAD_H
#define KPSIM_TESTS_WORKLOAD_H

#include "sim/alloc.h"
#include "sim/completion.h"
#include "sim/ctx.h"
#include "sim/hotplug.h"
#include "sim/mutex.h"
#include "sim/rcu.h"
#include "sim/stop_machine.h"
#include "sim/trace.h"
#include "sim/workqueue.h"

#include <string.h>

typedef struct {
	SimMutex module_mutex, kprobe_mutex, text_mutex;
	SimDelayedWork work;
	SimCompletion comp;
	int patched;
	void *obj;
} Workload;

static inline int workload_patch(SimCtx *ctx, void *data)
{
	Workload *w = data;

	SIM_TRACE(ctx, SIM_EV_USER, "text_poke", "f", 0x1000, 5, 0);
	w->patched++;
	return 0;
}

static inline void workload_optimizer(SimCtx *ctx, SimWork *work)
{
	Workload *w = sim_ctx_user(ctx);

	(void)work;
	sim_mutex_lock(ctx, &w->module_mutex);
	sim_mutex_lock(ctx, &w->kprobe_mutex);
	sim_synchronize_sched(ctx);
	sim_get_online_cpus(ctx);
	sim_mutex_lock(ctx, &w->text_mutex);
	sim_stop_machine(ctx, workload_patch, w);
	sim_mutex_unlock(ctx, &w->text_mutex);
	sim_put_online_cpus(ctx);
	sim_kfree(ctx, w->obj, __FILE__, __LINE__);
	w->obj = NULL;
	sim_mutex_unlock(ctx, &w->kprobe_mutex);
	sim_mutex_unlock(ctx, &w->module_mutex);
	sim_complete_all(ctx, &w->comp);
}

static inline void workload_api(SimCtx *ctx, void *arg)
{
	Workload *w = sim_ctx_user(ctx);

	(void)arg;
	sim_mutex_lock(ctx, &w->kprobe_mutex);
	w->obj = sim_kzalloc(ctx, 32, "optimized_kprobe", __FILE__, __LINE__);
	sim_schedule_delayed_work(ctx, &w->work, 5);
	sim_mutex_unlock(ctx, &w->kprobe_mutex);
	sim_quiescent_point(ctx);
	if (sim_delayed_work_pending(&w->work))
		sim_wait_for_completion(ctx, &w->comp);
}

static inline void workload_caller(SimCtx *ctx, void *arg)
{
	SimFootprint fp = sim_fp1(SIM_RES_OBJ, SIM_ACC_READ, 1);

	(void)arg;
	for (int i = 0; i < 3; i++) {
		sim_yield(ctx, SIM_Y_INSN, &fp);
		sim_yield(ctx, SIM_Y_INSN, &fp);
		sim_quiescent_point(ctx);
	}
}

static inline void workload_setup(SimCtx *ctx, void *data)
{
	Workload *w = data;

	memset(w, 0, sizeof(*w));
	sim_ctx_set_user(ctx, w);
	sim_mutex_init(ctx, &w->module_mutex, "module_mutex");
	sim_mutex_init(ctx, &w->kprobe_mutex, "kprobe_mutex");
	sim_mutex_init(ctx, &w->text_mutex, "text_mutex");
	sim_delayed_work_init(ctx, &w->work, "optimizing_work", workload_optimizer);
	sim_completion_init(ctx, &w->comp, "optimizer_comp");
	sim_task_create(ctx, "api", 0, workload_api, NULL, 0);
	sim_task_create(ctx, "caller", 1, workload_caller, NULL, 0);
}

#endif
