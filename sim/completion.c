// SPDX-License-Identifier: GPL-2.0-only
#include "sim/internal.h"

#include <assert.h>
#include <limits.h>

void sim_completion_init(SimCtx *ctx, SimCompletion *c, const char *name)
{
	assert(c != NULL && name != NULL);
	c->name = name;
	c->id = ctx->next_obj_id++;
	c->done = 0;
	c->wait_head = NULL;
	c->wait_tail = NULL;
}

static void waiter_add(SimCompletion *c, SimTask *t)
{
	assert(!t->on_wait_list);
	if (c->wait_tail)
		c->wait_tail->wait_next = t;
	else
		c->wait_head = t;
	c->wait_tail = t;
	t->on_wait_list = true;
}

static void waiter_remove(SimCompletion *c, SimTask *t)
{
	SimTask **pp = &c->wait_head, *prev = NULL;

	while (*pp != t) {
		assert(*pp != NULL);
		prev = *pp;
		pp = &(*pp)->wait_next;
	}
	*pp = t->wait_next;
	if (c->wait_tail == t)
		c->wait_tail = prev;
	t->wait_next = NULL;
	t->on_wait_list = false;
}

void sim_wait_for_completion(SimCtx *ctx, SimCompletion *c)
{
	SimTask *self = ctx->cur;
	SimFootprint fp = sim_fp1(SIM_RES_COMPLETION, SIM_ACC_WRITE, c->id);

	assert(self != NULL && c->name != NULL);
	sim_yield(ctx, SIM_Y_WAIT, &fp);
	if (!c->done) {
		waiter_add(c, self);
		do {
			SIM_TRACE(ctx, SIM_EV_COMPLETION_WAIT, "wait", c->name, c->done, 0, 0);
			sim_task_prepare_sleep(ctx, SIM_WAIT_COMPLETION, c, c->name);
			sim_task_sleep(ctx);
		} while (!c->done);
		waiter_remove(c, self);
	}
	c->done--;
}

void sim_complete(SimCtx *ctx, SimCompletion *c)
{
	SimFootprint fp = sim_fp1(SIM_RES_COMPLETION, SIM_ACC_WRITE, c->id);

	assert(ctx->cur != NULL && c->name != NULL);
	sim_yield(ctx, SIM_Y_COMPLETE, &fp);
	c->done++;
	SIM_TRACE(ctx, SIM_EV_COMPLETE, "complete", c->name, c->done, 0, 0);
	if (c->wait_head)
		sim_task_wake(ctx, c->wait_head);
}

void sim_complete_all(SimCtx *ctx, SimCompletion *c)
{
	SimFootprint fp = sim_fp1(SIM_RES_COMPLETION, SIM_ACC_WRITE, c->id);

	assert(ctx->cur != NULL && c->name != NULL);
	sim_yield(ctx, SIM_Y_COMPLETE, &fp);
	c->done += UINT_MAX / 2;
	SIM_TRACE(ctx, SIM_EV_COMPLETE, "complete_all", c->name, c->done, 0, 0);
	for (SimTask *t = c->wait_head; t; t = t->wait_next)
		sim_task_wake(ctx, t);
}
