// SPDX-License-Identifier: GPL-2.0-only
/* The CPU-hotplug reader lock and writer of kernel/cpu.c (2.6.37). */
#include "sim/hotplug.h"
#include "sim/internal.h"

#include <assert.h>

void sim_get_online_cpus(SimCtx *ctx)
{
	SimTask *self = ctx->cur;

	assert(self != NULL);
	if (ctx->hotplug_writer == self)
		return;
	/* A nested read section is a recursive read: no new lock order. */
	if (self->hotplug_refs)
		sim_mutex_lock_no_lockdep(ctx, &ctx->hotplug_lock);
	else
		sim_mutex_lock(ctx, &ctx->hotplug_lock);
	ctx->hotplug_refcount++;
	self->hotplug_refs++;
	sim_mutex_unlock(ctx, &ctx->hotplug_lock);
}

void sim_put_online_cpus(SimCtx *ctx)
{
	SimTask *self = ctx->cur;

	assert(self != NULL);
	if (ctx->hotplug_writer == self)
		return;
	if (self->hotplug_refs <= 0)
		sim_fail(ctx, SIM_V_USAGE, "hotplug", __func__,
			 "%s: put_online_cpus without get_online_cpus", self->name);
	sim_mutex_lock_no_lockdep(ctx, &ctx->hotplug_lock);
	assert(ctx->hotplug_refcount > 0);
	self->hotplug_refs--;
	if (!--ctx->hotplug_refcount && ctx->hotplug_writer)
		sim_task_wake(ctx, ctx->hotplug_writer);
	sim_mutex_unlock(ctx, &ctx->hotplug_lock);
}

void sim_cpu_hotplug_begin(SimCtx *ctx)
{
	SimTask *self = ctx->cur;

	assert(self != NULL);
	assert(ctx->hotplug_writer == NULL && "cpu_add_remove_lock serialises writers");
	ctx->hotplug_writer = self;
	for (;;) {
		sim_mutex_lock(ctx, &ctx->hotplug_lock);
		if (!ctx->hotplug_refcount)
			break;
		/* set_current_state before dropping the mutex: a put in between is not lost. */
		sim_task_prepare_sleep(ctx, SIM_WAIT_HOTPLUG, NULL, "hotplug readers to leave");
		sim_mutex_unlock(ctx, &ctx->hotplug_lock);
		sim_task_sleep(ctx);
	}
}

void sim_cpu_hotplug_done(SimCtx *ctx)
{
	assert(ctx->hotplug_writer == ctx->cur);
	ctx->hotplug_writer = NULL;
	sim_mutex_unlock(ctx, &ctx->hotplug_lock);
}

int sim_hotplug_refcount(const SimCtx *ctx)
{
	return ctx->hotplug_refcount;
}

bool sim_hotplug_read_held(const SimCtx *ctx)
{
	const SimTask *t = ctx->cur;

	return t != NULL && (t->hotplug_refs > 0 || ctx->hotplug_writer == t);
}

