// SPDX-License-Identifier: GPL-2.0-only
#include "sim/internal.h"
#include "sim/stop_machine.h"

#include <assert.h>

int sim_stop_machine(SimCtx *ctx, SimStopFn fn, void *data)
{
	SimTask *self = ctx->cur;
	int ret;

	assert(self != NULL && fn != NULL);
	sim_mutex_lock(ctx, &ctx->stop_cpus_mutex);
	/* Capturing every vCPU changes what each of them may do next. */
	sim_yield(ctx, SIM_Y_STOP_MACHINE, &sim_fp_global);
	assert(ctx->stop_owner == NULL && !ctx->stop_active);
	ctx->stop_owner = self;
	ctx->stop_count++;
	self->costs.stop_machines++;
	SIM_TRACE(ctx, SIM_EV_STOP_BEGIN, "stop_machine", self->name, (int64_t)ctx->stop_count, 0,
		  0);
	/* The scheduler captures vCPUs as they reach scheduling points and wakes us when all
	 * online ones are held (our own as soon as we sleep). */
	sim_task_prepare_sleep(ctx, SIM_WAIT_STOP_MACHINE, NULL, "every vCPU to stop");
	sim_task_sleep(ctx);
	assert(ctx->stop_active && ctx->stop_owner == self);
	ret = fn(ctx, data);
	assert(ctx->stop_active && ctx->stop_owner == self);
	sim_yield(ctx, SIM_Y_STOP_MACHINE, &sim_fp_global);
	for (unsigned i = 0; i < ctx->cfg.n_vcpus; i++)
		ctx->vcpus[i].captured = false;
	ctx->stop_active = false;
	ctx->stop_owner = NULL;
	SIM_TRACE(ctx, SIM_EV_STOP_END, "stop_machine", self->name, (int64_t)ctx->stop_count, 0, 0);
	sim_mutex_unlock(ctx, &ctx->stop_cpus_mutex);
	return ret;
}

bool sim_machine_stopped(const SimCtx *ctx)
{
	return ctx->stop_active;
}

uint64_t sim_stop_machine_count(const SimCtx *ctx)
{
	return ctx->stop_count;
}
