// SPDX-License-Identifier: GPL-2.0-only
/* RCU-sched grace periods and stop_machine. */
#include "harness.h"
#include "sim/hotplug.h"
#include "sim/rcu.h"
#include "sim/stop_machine.h"
#include "sim/timer.h"

typedef struct {
	bool in_section;	/* vCPU 1 is between its entry and its scheduling point */
	bool section_done;
	bool saw_section_at_call;
	bool gp_done;
	bool violated;
	uint64_t gp_return_jiffies;
	int fn_runs;
	int sections;
} Rcu;

/* A reader: a non-quiescent section of several steps, then a scheduling point. */
static void reader(SimCtx *ctx, void *arg)
{
	Rcu *r = arg;
	SimFootprint fp = sim_fp1(SIM_RES_OBJ, SIM_ACC_WRITE, 1);

	for (int i = 0; i < r->sections; i++) {
		sim_yield(ctx, SIM_Y_STORE, &fp);
		r->in_section = true;
		sim_yield(ctx, SIM_Y_STORE, &fp);
		sim_yield(ctx, SIM_Y_STORE, &fp);
		r->in_section = false;
		sim_quiescent_point(ctx);
	}
	r->section_done = true;
}

static void gp_caller(SimCtx *ctx, void *arg)
{
	Rcu *r = arg;
	bool was_in = r->in_section;

	sim_synchronize_sched(ctx);
	/* Whatever section was open at the call has closed since. */
	if (was_in && r->in_section && r->sections == 1)
		r->violated = true;
	r->saw_section_at_call = was_in;
	r->gp_done = true;
	r->gp_return_jiffies = sim_jiffies(ctx);
}

static void setup_gp(SimCtx *ctx, void *data)
{
	Rcu *r = data;
	int sections = r->sections;

	memset(r, 0, sizeof(*r));
	r->sections = sections;
	sim_task_create(ctx, "reader", 1, reader, r, 0);
	sim_task_create(ctx, "sync", 0, gp_caller, r, 0);
}

/* A grace period waits for every section open at the call, under every schedule. */
static void test_gp_waits_for_open_sections(void **state)
{
	SimCtx *ctx = harness_ctx(2, false);
	Rcu r = { .sections = 1 };
	bool waited = false;

	(void)state;
	for (uint64_t seed = 0; seed < 400; seed++) {
		assert_int_equal(harness_run_seed(ctx, seed, setup_gp, &r), SIM_END_DONE);
		assert_false(r.violated);
		assert_true(r.gp_done);
		waited |= r.saw_section_at_call;
		assert_int_equal(sim_rcu_completed(ctx), 1);
	}
	assert_true(waited);
	sim_ctx_free(ctx);
}

static void idle_sleeper(SimCtx *ctx, void *arg)
{
	(void)arg;
	sim_sleep(ctx, 100);
}

static void setup_idle(SimCtx *ctx, void *data)
{
	Rcu *r = data;

	memset(r, 0, sizeof(*r));
	sim_task_create(ctx, "sleeper", 1, idle_sleeper, r, 0);
	sim_task_create(ctx, "sync", 0, gp_caller, r, 0);
}

/* A vCPU idle at the call (its task sleeps until jiffy 100) is not waited for. */
static void test_gp_ignores_idle_vcpu(void **state)
{
	SimCtx *ctx = harness_ctx(2, true);
	SimStrategy *r2 = sim_strategy_replay_new("S1:b", NULL);
	Rcu r;

	(void)state;
	/* The sleeper goes to sleep first, then everything else runs as `first` would. */
	assert_int_equal(harness_run(ctx, r2, setup_idle, &r), SIM_END_DONE);
	assert_true(r.gp_done);
	assert_int_equal(r.gp_return_jiffies, 0);
	assert_int_equal(sim_jiffies(ctx), 100);
	sim_strategy_free(r2);
	sim_ctx_free(ctx);
}

static int stop_fn(SimCtx *ctx, void *data)
{
	Rcu *r = data;

	assert_true(sim_machine_stopped(ctx));
	if (r->in_section)
		r->violated = true;
	r->fn_runs++;
	return 17;
}

static void stopper(SimCtx *ctx, void *arg)
{
	Rcu *r = arg;

	r->saw_section_at_call = r->in_section;
	assert_int_equal(sim_stop_machine(ctx, stop_fn, r), 17);
	assert_false(sim_machine_stopped(ctx));
}

static void setup_stop(SimCtx *ctx, void *data)
{
	Rcu *r = data;

	memset(r, 0, sizeof(*r));
	r->sections = 2;
	sim_task_create(ctx, "reader", 1, reader, r, 0);
	sim_task_create(ctx, "reader2", 2, reader, r, 0);
	sim_task_create(ctx, "stopper", 0, stopper, r, 0);
}

/* stop_machine never runs while another vCPU is inside a non-quiescent section. */
static void test_stop_machine_waits(void **state)
{
	SimCtx *ctx = harness_ctx(3, false);
	Rcu r;
	bool waited = false;

	(void)state;
	for (uint64_t seed = 0; seed < 400; seed++) {
		assert_int_equal(harness_run_seed(ctx, seed, setup_stop, &r), SIM_END_DONE);
		assert_false(r.violated);
		assert_int_equal(r.fn_runs, 1);
		assert_int_equal(sim_stop_machine_count(ctx), 1);
		waited |= r.saw_section_at_call;
	}
	assert_true(waited);
	sim_ctx_free(ctx);
}

typedef struct {
	int order;
	int fn_at;
	int ticks_during;
} Two;

static int count_fn(SimCtx *ctx, void *data)
{
	Two *t = data;
	uint64_t j0 = sim_jiffies(ctx);

	t->fn_at = ++t->order;
	/* Jiffies stand still while the machine is stopped. */
	sim_yield(ctx, SIM_Y_TEXT_POKE, &sim_fp_none);
	sim_yield(ctx, SIM_Y_TEXT_POKE, &sim_fp_none);
	if (sim_jiffies(ctx) != j0)
		t->ticks_during++;
	return 0;
}

static void stopper2(SimCtx *ctx, void *arg)
{
	Two *t = arg;

	sim_stop_machine(ctx, count_fn, t);
}

static void ticker(SimCtx *ctx, void *arg)
{
	(void)arg;
	for (int i = 0; i < 4; i++)
		sim_sleep(ctx, 1);
}

static void setup_two_stoppers(SimCtx *ctx, void *data)
{
	memset(data, 0, sizeof(Two));
	sim_task_create(ctx, "s0", 0, stopper2, data, 0);
	sim_task_create(ctx, "s1", 1, stopper2, data, 0);
	sim_task_create(ctx, "tick", 2, ticker, data, 0);
}

/* Concurrent callers serialise; no tick happens while the machine is stopped. */
static void test_stop_machine_serialised(void **state)
{
	SimCtx *ctx = harness_ctx(3, false);
	Two t;

	(void)state;
	for (uint64_t seed = 0; seed < 300; seed++) {
		assert_int_equal(harness_run_seed(ctx, seed, setup_two_stoppers, &t),
				 SIM_END_DONE);
		assert_int_equal(t.order, 2);
		assert_int_equal(t.ticks_during, 0);
		assert_int_equal(sim_stop_machine_count(ctx), 2);
	}
	sim_ctx_free(ctx);
}

typedef struct {
	Rcu r;
	bool offlined;
} Off;

static void offliner(SimCtx *ctx, void *arg)
{
	Off *o = arg;

	sim_quiescent_point(ctx);
	o->offlined = sim_vcpu_set_online(ctx, 2, false);
}

static void spin_forever_section(SimCtx *ctx, void *arg)
{
	(void)arg;
	sim_sleep(ctx, 1);	/* idle at first: vCPU 2 can go offline */
	for (int i = 0; i < 50; i++)
		sim_yield(ctx, SIM_Y_STORE, &sim_fp_none);
}

static void off_stopper(SimCtx *ctx, void *arg)
{
	Off *o = arg;

	sim_stop_machine(ctx, stop_fn, &o->r);
	sim_synchronize_sched(ctx);
	o->r.gp_done = true;
}

static void setup_off(SimCtx *ctx, void *data)
{
	Off *o = data;

	memset(o, 0, sizeof(*o));
	sim_task_create(ctx, "offliner", 1, offliner, o, 0);
	sim_task_create(ctx, "busy", 2, spin_forever_section, o, 0);
	sim_task_create(ctx, "stopper", 0, off_stopper, o, 0);
}

/* An offline vCPU is waited for by neither stop_machine nor a grace period. */
static void test_offline_vcpu_not_waited_for(void **state)
{
	SimCtx *ctx = harness_ctx(3, false);
	/* busy sleeps, offliner takes vCPU 2 down, then stopper runs to the end first. */
	SimStrategy *r = sim_strategy_replay_new("S1:ccbb", NULL);
	Off o;

	(void)state;
	assert_int_equal(harness_run(ctx, r, setup_off, &o), SIM_END_DONE);
	assert_true(o.offlined);
	assert_int_equal(o.r.fn_runs, 1);
	assert_true(o.r.gp_done);
	sim_strategy_free(r);
	sim_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gp_waits_for_open_sections),
		cmocka_unit_test(test_gp_ignores_idle_vcpu),
		cmocka_unit_test(test_stop_machine_waits),
		cmocka_unit_test(test_stop_machine_serialised),
		cmocka_unit_test(test_offline_vcpu_not_waited_for),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
