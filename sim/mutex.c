// SPDX-License-Identifier: GPL-2.0-only
#include "sim/internal.h"

#include <assert.h>

void sim_mutex_init(SimCtx *ctx, SimMutex *m, const char *name)
{
	assert(m != NULL && name != NULL);
	if (ctx->mutexes->len >= SIM_MAX_LOCK_CLASSES)
		g_error("kpsim: more than %d lock classes in one run", SIM_MAX_LOCK_CLASSES);
	m->name = name;
	m->id = (uint16_t)ctx->mutexes->len;
	m->owner = NULL;
	m->wait_head = NULL;
	m->wait_tail = NULL;
	g_ptr_array_add(ctx->mutexes, m);
}

SimMutex *sim_mutex_by_id(const SimCtx *ctx, unsigned id)
{
	return id < ctx->mutexes->len ? g_ptr_array_index(ctx->mutexes, id) : NULL;
}

static void wait_list_append(SimMutex *m, SimTask *t)
{
	assert(!t->on_wait_list && t->wait_next == NULL);
	if (m->wait_tail)
		m->wait_tail->wait_next = t;
	else
		m->wait_head = t;
	m->wait_tail = t;
	t->on_wait_list = true;
}

static void wait_list_remove(SimMutex *m, SimTask *t)
{
	SimTask **pp = &m->wait_head, *prev = NULL;

	assert(t->on_wait_list);
	while (*pp != t) {
		assert(*pp != NULL);
		prev = *pp;
		pp = &(*pp)->wait_next;
	}
	*pp = t->wait_next;
	if (m->wait_tail == t)
		m->wait_tail = prev;
	t->wait_next = NULL;
	t->on_wait_list = false;
}

static void held_push(SimCtx *ctx, SimTask *t, SimMutex *m)
{
	if (t->n_held >= SIM_MAX_HELD)
		sim_fail(ctx, SIM_V_USAGE, "lock-depth", __func__,
			 "task %s holds more than %d locks", t->name, SIM_MAX_HELD);
	t->held[t->n_held++] = m;
}

static void held_remove(SimTask *t, SimMutex *m)
{
	for (unsigned i = t->n_held; i-- > 0;) {
		if (t->held[i] != m)
			continue;
		for (unsigned j = i; j + 1 < t->n_held; j++)
			t->held[j] = t->held[j + 1];
		t->n_held--;
		return;
	}
	assert(!"released a lock the task does not hold");
}

/* Take m once it is free; the caller has already passed the decision point. */
static void mutex_acquire(SimCtx *ctx, SimTask *self, SimMutex *m)
{
	while (m->owner) {
		if (!self->on_wait_list)
			wait_list_append(m, self);
		SIM_TRACE(ctx, SIM_EV_LOCK_WAIT, "wait", m->name, m->owner->id, 0, 0);
		sim_task_prepare_sleep(ctx, SIM_WAIT_MUTEX, m, m->name);
		sim_task_sleep(ctx);
	}
	if (self->on_wait_list)
		wait_list_remove(m, self);
	m->owner = self;
	held_push(ctx, self, m);
	SIM_TRACE(ctx, SIM_EV_LOCK, "lock", m->name, m->id, 0, 0);
}

static void mutex_lock_common(SimCtx *ctx, SimMutex *m, bool lockdep)
{
	SimTask *self = ctx->cur;
	SimFootprint fp = sim_fp1(SIM_RES_LOCK, SIM_ACC_WRITE, m->id);

	assert(self != NULL && "mutex_lock outside a task");
	assert(m->name != NULL && "mutex used before sim_mutex_init");
	sim_yield(ctx, SIM_Y_LOCK, &fp);
	if (m->owner == self)
		sim_fail(ctx, SIM_V_DEADLOCK, "deadlock", __func__,
			 "task %s locks %s, which it already holds", self->name, m->name);
	/* Like lockdep, record the order at the attempt, so an order that deadlocks is
	 * still seen as an edge. */
	if (lockdep)
		sim_lockdep_acquire(ctx, self, m);
	mutex_acquire(ctx, self, m);
}

void sim_mutex_lock(SimCtx *ctx, SimMutex *m)
{
	mutex_lock_common(ctx, m, true);
}

/* For get_online_cpus nested inside a read section: a recursive read takes no new order. */
void sim_mutex_lock_no_lockdep(SimCtx *ctx, SimMutex *m)
{
	mutex_lock_common(ctx, m, false);
}

bool sim_mutex_trylock(SimCtx *ctx, SimMutex *m)
{
	SimTask *self = ctx->cur;
	SimFootprint fp = sim_fp1(SIM_RES_LOCK, SIM_ACC_WRITE, m->id);

	assert(self != NULL);
	sim_yield(ctx, SIM_Y_LOCK, &fp);
	if (m->owner)
		return false;
	sim_lockdep_acquire(ctx, self, m);
	m->owner = self;
	held_push(ctx, self, m);
	SIM_TRACE(ctx, SIM_EV_LOCK, "trylock", m->name, m->id, 0, 0);
	return true;
}

void sim_mutex_unlock(SimCtx *ctx, SimMutex *m)
{
	SimTask *self = ctx->cur;
	SimFootprint fp = sim_fp1(SIM_RES_LOCK, SIM_ACC_WRITE, m->id);

	assert(self != NULL);
	if (m->owner != self)
		sim_fail(ctx, SIM_V_USAGE, "bad-unlock", __func__,
			 "task %s unlocks %s, held by %s", self->name, m->name,
			 m->owner ? m->owner->name : "nobody");
	sim_yield(ctx, SIM_Y_UNLOCK, &fp);
	m->owner = NULL;
	held_remove(self, m);
	SIM_TRACE(ctx, SIM_EV_UNLOCK, "unlock", m->name, m->id, 0, 0);
	/* The first waiter retries; until it runs, anyone may take the mutex. */
	if (m->wait_head)
		sim_task_wake(ctx, m->wait_head);
}

bool sim_mutex_is_locked(const SimMutex *m)
{
	return m->owner != NULL;
}

bool sim_mutex_held_by_current(const SimCtx *ctx, const SimMutex *m)
{
	return ctx->cur != NULL && m->owner == ctx->cur;
}

