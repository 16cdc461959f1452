// SPDX-License-Identifier: GPL-2.0-only
#include "sim/spinlock.h"

#include "sim/internal.h"

#include <assert.h>

void sim_spin_init(SimSpinlock *l, const char *name, uint64_t res)
{
	assert(l != NULL && name != NULL);
	l->name = name;
	l->res = res;
	l->owner = NULL;
}

void sim_spin_lock(SimCtx *ctx, SimSpinlock *l)
{
	SimTask *self = ctx->cur;
	SimFootprint fp = sim_fp1(SIM_RES_OBJ, SIM_ACC_WRITE, l->res);

	assert(self != NULL && "spin_lock outside a task");
	assert(l->name != NULL && "spinlock used before sim_spin_init");
	assert(self->spin_on == NULL);
	sim_yield(ctx, SIM_Y_LOCK, &fp);
	if (l->owner == self)
		sim_fail(ctx, SIM_V_DEADLOCK, "deadlock", __func__,
			 "task %s spins on %s, which it already holds", self->name, l->name);
	while (l->owner) {
		/* Not offered again until the owner releases it (collect_options). */
		SIM_TRACE(ctx, SIM_EV_LOCK_WAIT, "spin", l->name, l->owner->id, 0, 0);
		self->spin_on = l;
		sim_yield(ctx, SIM_Y_LOCK, &fp);
		self->spin_on = NULL;
	}
	l->owner = self;
	SIM_TRACE(ctx, SIM_EV_LOCK, "spin_lock", l->name, 0, 0, 0);
}

void sim_spin_unlock(SimCtx *ctx, SimSpinlock *l)
{
	SimTask *self = ctx->cur;
	SimFootprint fp = sim_fp1(SIM_RES_OBJ, SIM_ACC_WRITE, l->res);

	assert(self != NULL);
	if (l->owner != self)
		sim_fail(ctx, SIM_V_USAGE, "bad-unlock", __func__,
			 "task %s unlocks %s, held by %s", self->name, l->name,
			 l->owner ? l->owner->name : "nobody");
	sim_yield(ctx, SIM_Y_UNLOCK, &fp);
	l->owner = NULL;
	SIM_TRACE(ctx, SIM_EV_UNLOCK, "spin_unlock", l->name, 0, 0, 0);
}

bool sim_spin_is_locked(const SimSpinlock *l)
{
	return l->owner != NULL;
}
