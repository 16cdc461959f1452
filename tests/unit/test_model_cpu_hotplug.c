// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU hotplug as the scripts drive it (model/api.c): _cpu_down() refuses the last
 * online CPU and a CPU that is already offline, and a CPU taken down comes up again.
 */
#include "model_harness.h"

#include <errno.h>

/* _cpu_down() refuses to take the last online CPU down (-EBUSY). */
static void test_cpu_down_last(void **state)
{
	Mh *m = mh_new(2);
	unsigned t = mh_task(m, "t0", 0);

	(void)state;
	mh_op(m, t, KP_OP_CPU_DOWN, 0)->arg = 1;
	mh_op(m, t, KP_OP_CPU_DOWN, -EBUSY)->arg = 0;
	mh_op(m, t, KP_OP_CPU_DOWN, -EINVAL)->arg = 1;	/* already offline */
	mh_op(m, t, KP_OP_CPU_UP, 0)->arg = 1;
	mh_expect_done(m, mh_run_first(m));
	mh_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_down_last),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
