// SPDX-License-Identifier: GPL-2.0-only
#include "sim/internal.h"
#include "sim/rcu.h"

#include <assert.h>

static void gp_finish(SimCtx *ctx, unsigned i)
{
	SimGracePeriod *gp = &ctx->gps[i];

	assert(gp->mask == 0);
	ctx->gp_completed++;
	SIM_TRACE(ctx, SIM_EV_GP_END, "gp-end", gp->waiter->name, (int64_t)gp->number, 0, 0);
	sim_task_wake(ctx, gp->waiter);
	ctx->gps[i] = ctx->gps[--ctx->n_gps];
}

void sim_rcu_on_qs(SimCtx *ctx, unsigned vcpu)
{
	for (unsigned i = ctx->n_gps; i-- > 0;) {
		ctx->gps[i].mask &= ~(1u << vcpu);
		if (!ctx->gps[i].mask)
			gp_finish(ctx, i);
	}
}

void sim_rcu_forget_vcpu(SimCtx *ctx, unsigned vcpu)
{
	sim_rcu_on_qs(ctx, vcpu);
}

void sim_synchronize_sched(SimCtx *ctx)
{
	SimTask *self = ctx->cur;
	SimFootprint fp = sim_fp1(SIM_RES_RCU, SIM_ACC_WRITE, 0);
	SimGracePeriod *gp;
	uint32_t mask = 0;

	assert(self != NULL && "synchronize_sched outside a task");
	sim_yield(ctx, SIM_Y_RCU_SYNC, &fp);
	/* The caller's own vCPU passes a quiescent state as the caller sleeps below. */
	for (unsigned i = 0; i < ctx->cfg.n_vcpus; i++)
		if (i != self->vcpu && sim_vcpu_nonquiescent(ctx, i))
			mask |= 1u << i;
	if (ctx->n_gps == SIM_MAX_GPS)
		sim_fail(ctx, SIM_V_USAGE, "rcu", __func__,
			 "more than %d concurrent grace periods", SIM_MAX_GPS);
	gp = &ctx->gps[ctx->n_gps++];
	gp->mask = mask;
	gp->waiter = self;
	gp->number = ++ctx->gp_started;
	SIM_TRACE(ctx, SIM_EV_GP_START, "gp-start", self->name, (int64_t)gp->number, mask, 0);
	sim_task_prepare_sleep(ctx, SIM_WAIT_GP, NULL, "a grace period");
	/*
	 * Even with nobody to wait for it sleeps, as a real synchronize_sched schedules: the
	 * quiescent state of its own vCPU as it blocks ends the grace period, and other tasks
	 * of that vCPU may run before it is picked again.
	 */
	sim_task_sleep(ctx);
	self->costs.grace_periods++;
}

uint64_t sim_rcu_completed(const SimCtx *ctx)
{
	return ctx->gp_completed;
}
