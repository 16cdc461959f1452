// SPDX-License-Identifier: GPL-2.0-only
/*
 * The debug.kprobes-optimization sysctl's parser: proc_kprobes_optimization_handler()
 * hands the write to proc_dointvec_minmax(), which reads the leading integer of a
 * buffer of any length.
 */
#include "model_harness.h"

/*
 * Sysctl writes longer than the handler's buffer: proc_dointvec parses the leading
 * integer and skips the blanks after it, so "0" or "1" followed by many blanks sets the
 * value.  No probe is registered, so nothing is queued and no machine is stopped.
 */
static void test_sysctl_long_write(void **state)
{
	Mh *m = mh_new(1);
	unsigned t = mh_task(m, "t0", 0);
	static char off[80], on[80];

	(void)state;
	memset(off, ' ', sizeof(off) - 1);
	memset(on, ' ', sizeof(on) - 1);
	off[0] = '0';
	on[0] = '1';
	mh_text_op(m, t, KP_OP_SYSCTL_WRITE, off, 0);
	mh_op(m, t, KP_OP_SYSCTL_READ, 0);
	mh_text_op(m, t, KP_OP_SYSCTL_WRITE, on, 0);
	mh_op(m, t, KP_OP_SYSCTL_READ, 1);
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(mh_result(m, t, 1), 0);
	assert_int_equal(mh_result(m, t, 3), 1);
	assert_int_equal(sim_stop_machine_count(m->ctx), 0);
	mh_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sysctl_long_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
