// SPDX-License-Identifier: GPL-2.0-only
#include "tools/cli/demo_workload.h"

#include "sim/alloc.h"
#include "sim/hotplug.h"
#include "sim/rcu.h"
#include "sim/stop_machine.h"
#include "sim/trace.h"

#include <string.h>

static int demo_patch(SimCtx *ctx, void *data)
{
	KpDemo *d = data;

	SIM_TRACE(ctx, SIM_EV_USER, "text_poke", "demo_fn", 0x1000, 5, 0);
	d->patched++;
	return 0;
}

static void demo_optimizer(SimCtx *ctx, SimWork *work)
{
	KpDemo *d = sim_ctx_user(ctx);

	(void)work;
	sim_mutex_lock(ctx, &d->module_mutex);
	sim_mutex_lock(ctx, &d->kprobe_mutex);
	sim_synchronize_sched(ctx);
	sim_get_online_cpus(ctx);
	sim_mutex_lock(ctx, &d->text_mutex);
	sim_stop_machine(ctx, demo_patch, d);
	sim_mutex_unlock(ctx, &d->text_mutex);
	sim_put_online_cpus(ctx);
	sim_kfree(ctx, d->obj, __FILE__, __LINE__);
	d->obj = NULL;
	sim_mutex_unlock(ctx, &d->kprobe_mutex);
	sim_mutex_unlock(ctx, &d->module_mutex);
	sim_complete_all(ctx, &d->comp);
}

static void demo_api(SimCtx *ctx, void *arg)
{
	KpDemo *d = sim_ctx_user(ctx);

	(void)arg;
	sim_mutex_lock(ctx, &d->kprobe_mutex);
	d->obj = sim_kzalloc(ctx, 32, "optimized_kprobe", __FILE__, __LINE__);
	sim_schedule_delayed_work(ctx, &d->work, 5);
	sim_mutex_unlock(ctx, &d->kprobe_mutex);
	sim_quiescent_point(ctx);
	if (sim_delayed_work_pending(&d->work))
		sim_wait_for_completion(ctx, &d->comp);
}

static void demo_caller(SimCtx *ctx, void *arg)
{
	SimFootprint fp = sim_fp1(SIM_RES_OBJ, SIM_ACC_READ, 1);

	(void)arg;
	for (int i = 0; i < 3; i++) {
		/* A "call": two steps of kernel code, then a return to user space. */
		sim_yield(ctx, SIM_Y_INSN, &fp);
		sim_yield(ctx, SIM_Y_INSN, &fp);
		sim_quiescent_point(ctx);
	}
}

void kp_demo_setup(SimCtx *ctx, void *data)
{
	KpDemo *d = data;

	memset(d, 0, sizeof(*d));
	sim_ctx_set_user(ctx, d);
	sim_mutex_init(ctx, &d->module_mutex, "module_mutex");
	sim_mutex_init(ctx, &d->kprobe_mutex, "kprobe_mutex");
	sim_mutex_init(ctx, &d->text_mutex, "text_mutex");
	sim_delayed_work_init(ctx, &d->work, "optimizing_work", demo_optimizer);
	sim_completion_init(ctx, &d->comp, "optimizer_comp");
	sim_task_create(ctx, "api", 0, demo_api, NULL, 0);
	sim_task_create(ctx, "caller", 1, demo_caller, NULL, 0);
}
