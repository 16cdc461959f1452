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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
