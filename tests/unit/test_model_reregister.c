// SPDX-License-Identifier: GPL-2.0-only
/*
 * register_kprobe() of a kprobe that is already registered (check_kprobe_rereg() in
 * kernel/kprobes.c): refused, and harmless to the probe.
 */
#include "model_harness.h"

#include <errno.h>

/*
 * register_kprobe() of a probe that is already registered: check_kprobe_rereg() finds it
 * with __get_valid_kprobe() and returns -EINVAL, changing nothing; the probe keeps
 * working and unregisters normally.
 */
static void test_reregister_einval(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned t = mh_task(m, "t0", 0);

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, a, -EINVAL);
	mh_call(m, t, "f_small", 1);
	mh_probe_op(m, t, KP_OP_UNREGISTER, a, KP_NO_EXPECT);
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(mh_result(m, t, 1), -EINVAL);
	assert_int_equal(mh_p(m, a)->pre_calls, 1);
	assert_true(mh_text_is_original(m, "f_small", 0, 5));
	mh_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reregister_einval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
