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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_optimize_hit_unregister),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
