// SPDX-License-Identifier: GPL-2.0-only
/* Per-task cost counters: stop_machine calls, grace periods, text bytes, time waiting. */
#include "harness.h"
#include "sim/costs.h"
#include "sim/mutex.h"
#include "sim/rcu.h"
#include "sim/stop_machine.h"
#include "sim/timer.h"

typedef struct {
	SimMutex m;
	SimTask *a, *b;
	int stopped;
} Costs;

static int stop_fn(SimCtx *ctx, void *data)
{
	Costs *c = data;

	(void)ctx;
	c->stopped++;
	return 0;
}

/* Holds m across a 3-jiffy sleep, then two stop_machine calls and a grace period. */
static void task_a(SimCtx *ctx, void *arg)
{
	Costs *c = arg;

	sim_mutex_lock(ctx, &c->m);
	sim_sleep(ctx, 3);
	sim_mutex_unlock(ctx, &c->m);
	sim_stop_machine(ctx, stop_fn, c);
	sim_stop_machine(ctx, stop_fn, c);
	sim_synchronize_sched(ctx);
	sim_costs_text_written(ctx, 5);
	sim_costs_text_written(ctx, 2);
}

/* Sleeps 1 jiffy, then waits for m from jiffy 1 to jiffy 3. */
static void task_b(SimCtx *ctx, void *arg)
{
	Costs *c = arg;

	sim_sleep(ctx, 1);
	sim_mutex_lock(ctx, &c->m);
	sim_mutex_unlock(ctx, &c->m);
}

static void setup_costs(SimCtx *ctx, void *data)
{
	Costs *c = data;

	sim_mutex_init(ctx, &c->m, "m");
	c->a = sim_task_create(ctx, "a", 0, task_a, c, 0);
	c->b = sim_task_create(ctx, "b", 1, task_b, c, 0);
}

static void test_task_costs(void **state)
{
	SimCtx *ctx = harness_ctx(2, false);
	Costs c = { 0 };
	const SimCosts *a, *b;

	(void)state;
	assert_int_equal(harness_run_first(ctx, setup_costs, &c), SIM_END_DONE);
	assert_int_equal(c.stopped, 2);
	a = sim_task_costs(c.a);
	b = sim_task_costs(c.b);
	assert_int_equal(a->stop_machines, 2);
	assert_int_equal(a->grace_periods, 1);
	assert_int_equal(a->text_bytes, 7);
	/* Its own sleep is not waiting: nothing of a's 3 jiffies counts. */
	assert_int_equal(a->blocked_jiffies, 0);
	assert_int_equal(b->stop_machines, 0);
	assert_int_equal(b->grace_periods, 0);
	assert_int_equal(b->text_bytes, 0);
	/* b waited for m from jiffy 1 (its sleep ended) to jiffy 3 (a unlocked). */
	assert_int_equal(b->blocked_jiffies, 2);
	assert_true(b->blocked_steps > 0);
	assert_int_equal(a->stop_machines + b->stop_machines, sim_stop_machine_count(ctx));
	/* Outside a task nothing is charged. */
	sim_costs_text_written(ctx, 100);
	assert_int_equal(sim_task_costs(c.a)->text_bytes, 7);
	sim_ctx_free(ctx);
}

static void test_costs_arithmetic(void **state)
{
	SimCosts x = { 5, 4, 3, 2, 1 }, y = { 1, 1, 1, 1, 1 }, d;

	(void)state;
	d = sim_costs_sub(&x, &y);
	assert_int_equal(d.stop_machines, 4);
	assert_int_equal(d.grace_periods, 3);
	assert_int_equal(d.text_bytes, 2);
	assert_int_equal(d.blocked_jiffies, 1);
	assert_int_equal(d.blocked_steps, 0);
	sim_costs_add(&d, &y);
	assert_true(sim_costs_equal(&d, &x));
	assert_false(sim_costs_equal(&d, &y));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_task_costs),
		cmocka_unit_test(test_costs_arithmetic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
