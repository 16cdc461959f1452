// SPDX-License-Identifier: GPL-2.0-only
/* The 6274de4 port driven through its descriptor: registration, optimization, hits. */
#include "model_harness.h"

/* Register, let the optimizer install the jump, hit it, unregister: delayed unoptimize. */
static void test_register_optimize_hit_unregister(void **state)
{
	Mh *m = mh_new(2);
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned t0 = mh_task(m, "t0", 0), t1 = mh_task(m, "t1", 1);
	uint8_t text[5];

	(void)state;
	mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
	mh_sleep(m, t0, 10);
	mh_probe_op(m, t0, KP_OP_UNREGISTER, a, KP_NO_EXPECT);
	mh_sleep(m, t1, 7);
	mh_call(m, t1, "f_small", 3);
	mh_expect_done(m, mh_run_first(m));
	/* The three calls went through the jump: the pre handler ran each time. */
	assert_int_equal(mh_p(m, a)->pre_calls, 3);
	/* After the run the optimizer has restored the text and freed everything. */
	assert_true(mh_text_is_original(m, "f_small", 0, 5));
	mh_text(m, "f_small", 0, text, 1);
	assert_int_not_equal(text[0], 0xcc);
	mh_free(m);
}

#ifndef KP_TEST_PARENT	/* the seed's delayed unoptimization */
/* The trace index of the first USER event `what` of task `task`, or SIZE_MAX. */
static size_t event_index(Mh *m, const char *what, int task, size_t from)
{
	for (size_t i = from; i < sim_trace_count(m->ctx); i++) {
		const SimEvent *ev = sim_trace_get(m->ctx, i);

		if (ev->kind == SIM_EV_USER && ev->what && !strcmp(ev->what, what) &&
		    ev->task == task)
			return i;
	}
	return SIZE_MAX;
}

/*
 * The seed's point (unoptimize_kprobe(), do_unoptimize_kprobes()): disabling or
 * unregistering an optimized probe queues it for delayed unoptimization.  The caller
 * returns without a stop_machine and without waiting for a grace period; the optimizer
 * later removes the jump (one stop_machine, on its worker) and, for an unregistered
 * probe, frees the aggregate.
 */
static void test_delayed_unoptimization(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned b = mh_probe(m, "b", "f_medium", 0, false);
	unsigned t0 = mh_task(m, "t0", 0);
	uint64_t f_small = mh_sym_addr("f_small", 0);
	size_t disable_at, unreg_at, unoptimized_at = SIZE_MAX;

	(void)state;
	mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t0, KP_OP_REGISTER, b, 0);
	mh_sleep(m, t0, 6);				/* both optimized */
	mh_probe_op(m, t0, KP_OP_DISABLE, a, 0);
	mh_probe_op(m, t0, KP_OP_UNREGISTER, b, KP_NO_EXPECT);
	mh_expect_done(m, mh_run_first(m));
	disable_at = event_index(m, "disable", 0, 0);
	unreg_at = event_index(m, "unregister", 0, disable_at);
	assert_true(disable_at != SIZE_MAX && unreg_at != SIZE_MAX);
	/* The caller never stops the machine: all four patches are the optimizer's. */
	for (size_t i = 0; i < sim_trace_count(m->ctx); i++) {
		const SimEvent *ev = sim_trace_get(m->ctx, i);

		if (ev->kind == SIM_EV_STOP_BEGIN)
			assert_string_not_equal(ev->obj, "t0");
		if (ev->kind == SIM_EV_USER && ev->what && !strcmp(ev->what, "text-write") &&
		    (uint64_t)ev->a == f_small && ev->b == 5 && ev->task != 0 &&
		    unoptimized_at == SIZE_MAX && i > disable_at)
			unoptimized_at = i;
	}
	assert_int_equal(mh_count_events(m, SIM_EV_STOP_BEGIN, NULL, -1), 4);
	/* The jump at f_small was replaced by the worker after disable_kprobe returned. */
	assert_true(unoptimized_at != SIZE_MAX && unoptimized_at > disable_at);
	/* In the end the text is original, a registered and disabled, b's aggregate freed
	 * (the checker's M2 at quiescence passed). */
	assert_true(mh_text_is_original(m, "f_small", 0, 5));
	assert_true(mh_text_is_original(m, "f_medium", 0, 6));
	assert_true(mh_flags(m, a) & KP_SNAP_DISABLED);
	mh_free(m);
}
#endif

/* optimize-delay: the optimizer runs that many jiffies after the kick instead of 5. */
static void test_optimize_delay(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned t0 = mh_task(m, "t0", 0);

	(void)state;
	mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
	m->script.optimize_delay = 12;
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(sim_jiffies(m->ctx), 12);
	m->script.optimize_delay = 0;
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(sim_jiffies(m->ctx), 5);
	mh_free(m);
}

#include "model/kernel/kernel.h"

typedef struct {
	struct mutex m;
	bool hold;
} S8Case;

static void s8_task(SimCtx *ctx, void *arg)
{
	S8Case *c = arg;

	(void)ctx;
	if (c->hold)
		mutex_lock(&c->m);
	KP_LOCK_HELD(&c->m, "touching a staging list");
	if (c->hold)
		mutex_unlock(&c->m);
}

static void s8_setup(SimCtx *ctx, void *data)
{
	S8Case *c = data;

	kp_env_new(ctx, emu_default_image(), &kp_model_6274de4);
	sim_mutex_init(ctx, &c->m.m, "kprobe_mutex");
	sim_task_create(ctx, "t", 0, s8_task, c, 0);
}

/* S8: touching the staging lists without kprobe_mutex is reported; with it, nothing. */
static void test_s8_lock_held(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	S8Case c = { .hold = true };

	(void)state;
	assert_int_equal(harness_run_first(ctx, s8_setup, &c), SIM_END_DONE);
	kp_env_free(sim_ctx_user(ctx));
	c.hold = false;
	assert_int_equal(harness_run_first(ctx, s8_setup, &c), SIM_END_VIOLATION);
	assert_string_equal(sim_violation_fatal(ctx)->id, "S8");
	assert_string_equal(sim_violation_fatal(ctx)->message,
			    "touching a staging list without kprobe_mutex held");
	kp_env_free(sim_ctx_user(ctx));
	sim_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_optimize_hit_unregister),
		cmocka_unit_test(test_s8_lock_held),
#ifndef KP_TEST_PARENT
		cmocka_unit_test(test_delayed_unoptimization),
#endif
		cmocka_unit_test(test_optimize_delay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
