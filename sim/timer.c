// SPDX-License-Identifier: GPL-2.0-only
#include "sim/internal.h"

#include <assert.h>

void sim_timer_init(SimTimer *t, SimTimerFn fn, void *data)
{
	t->expires = 0;
	t->seq = 0;
	t->fn = fn;
	t->data = data;
	t->next = NULL;
	t->vcpu = 0;
	t->pending = false;
}

bool sim_timer_pending(const SimTimer *t)
{
	return t->pending;
}

static void timer_insert(SimCtx *ctx, SimTimer *t)
{
	SimTimer **pp = &ctx->timers;

	while (*pp && ((*pp)->expires < t->expires ||
		       ((*pp)->expires == t->expires && (*pp)->seq < t->seq)))
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
}

void sim_timer_add(SimCtx *ctx, SimTimer *t, uint64_t delay)
{
	assert(t->fn != NULL);
	assert(!t->pending && "timer already pending");
	t->expires = ctx->jiffies + delay;
	t->seq = ++ctx->timer_seq;
	t->vcpu = (uint16_t)(ctx->cur ? ctx->cur->vcpu : 0);
	t->pending = true;
	timer_insert(ctx, t);
	SIM_TRACE(ctx, SIM_EV_TIMER_ARM, "timer", NULL, (int64_t)t->expires, t->vcpu, 0);
}

void sim_timers_tick(SimCtx *ctx)
{
	assert(ctx->timers != NULL);
	assert(ctx->timers->expires >= ctx->jiffies);
	ctx->jiffies = ctx->timers->expires;
	SIM_TRACE(ctx, SIM_EV_TICK, "tick", NULL, (int64_t)ctx->jiffies, 0, 0);
	while (ctx->timers && ctx->timers->expires <= ctx->jiffies) {
		SimTimer *t = ctx->timers;

		ctx->timers = t->next;
		t->next = NULL;
		t->pending = false;
		SIM_TRACE(ctx, SIM_EV_TIMER_FIRE, "fire", NULL, (int64_t)t->expires, t->vcpu, 0);
		t->fn(ctx, t);
	}
}

void sim_timers_migrate(SimCtx *ctx, unsigned from, unsigned to)
{
	for (SimTimer *t = ctx->timers; t; t = t->next)
		if (t->vcpu == from)
			t->vcpu = (uint16_t)to;
}

static void sleep_timer_fn(SimCtx *ctx, SimTimer *t)
{
	sim_task_wake(ctx, t->data);
}

void sim_sleep(SimCtx *ctx, uint64_t n)
{
	SimTask *self = ctx->cur;
	SimFootprint fp = sim_fp1(SIM_RES_CLOCK, SIM_ACC_WRITE, 0);

	assert(self != NULL && n >= 1);
	sim_yield(ctx, SIM_Y_SLEEP, &fp);
	sim_timer_init(&self->sleep_timer, sleep_timer_fn, self);
	sim_timer_add(ctx, &self->sleep_timer, n);
	sim_task_prepare_sleep(ctx, SIM_WAIT_SLEEP, NULL, "its sleep to end");
	sim_task_sleep(ctx);
}
