// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the kernel logic at 6274de4984a6 itself does wrong, shown by the checker.  The port
 * stays faithful; these tests expect the violations and explain the kernel-level cause.
 */
#include "model_harness.h"

/* Find the first seed below `limit` whose run ends with fatal violation `id`, or -1. */
static int find_seed(Mh *m, const char *id, int limit)
{
	for (int seed = 0; seed < limit; seed++) {
		const SimViolation *v;

		if (mh_run_seed(m, (uint64_t)seed) == SIM_END_DONE)
			continue;
		v = sim_violation_fatal(m->ctx);
		if (v && !strcmp(v->id, id))
			return seed;
	}
	return -1;
}

/*
 * disarm_all_kprobes() queues the optimized probes for delayed unoptimization and then
 * calls wait_for_kprobe_optimizer(), which waits on optimizer_comp.  That completion is
 * never re-initialised: after the optimizer's first run (here, the one that installed
 * the jump) its counter stays near UINT_MAX/2, so the wait returns at once, while the
 * jump is still installed.  The probe is not DISABLED (disarm-all sets only
 * kprobes_all_disarmed), so optimized_callback runs its handler for a hit that begins
 * after disarm-all returned: H3.  (Later kernels fixed wait_for_kprobe_optimizer.)
 */
static void test_disarm_all_returns_with_live_jump(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_medium", 0, false);
	unsigned t0 = mh_task(m, "t0", 0);

	(void)state;
	mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
	mh_sleep(m, t0, 6);			/* optimized; optimizer_comp completed */
	mh_text_op(m, t0, KP_OP_DEBUGFS_WRITE, "0", 1);	/* returns before the jump goes */
	mh_call(m, t0, "f_medium", 1);
	/*
	 * With the checker: the disarm-all contract fails as the write returns (A5), and the
	 * handler runs for the hit after it (H3).  The run goes on: the optimizer then takes
	 * the jump out and, the probe not being DISABLED, leaves its int3 in the text while
	 * kprobes are disarmed (T2, T4; see test_kernel_a5_disarm_all_leaves_int3).
	 */
	mh_expect_ids_done(m, mh_run_first(m), "A5 H3 T2 T4");
	mh_expect_reported(m, "A5", "kprobes were disarmed but f_medium+0x0 holds an installed "
			   "jump");
	mh_expect_reported(m, "H3", "pre-handler of a runs for a hit that began at step");
	mh_expect_reported(m, "T4", "f_medium+0x0 holds cc while kprobes are globally disarmed");
	assert_false(mh_text_is_original(m, "f_medium", 0, 1));
	/* Without the structural checker, the user-visible effect alone: a handler call. */
	m->script.check = false;
	mh_expect_ids_done(m, mh_run_first(m), "H3");
	mh_expect_reported(m, "H3", "pre-handler of a runs for a hit that began at step");
	mh_free(m);
}

/*
 * Writing 0 to debug.kprobes-optimization: proc_kprobes_optimization_handler() takes
 * kprobe_mutex and unoptimize_all_kprobes() then calls wait_for_kprobe_optimizer() with
 * it held.  If the optimizer's work is pending (a probe was just queued for
 * unoptimization), the writer waits for optimizer_comp, while kprobe_optimizer needs
 * kprobe_mutex to make progress: a deadlock, on the first optimizer run after boot (later
 * runs find the completion already done, see above).
 */
static void test_sysctl_write_deadlocks(void **state)
{
	Mh *m = mh_new(2);
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned t0 = mh_task(m, "t0", 0), t1 = mh_task(m, "t1", 1);
	const SimViolation *v;
	int seed;

	(void)state;
	mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
	mh_text_op(m, t1, KP_OP_SYSCTL_WRITE, "0", KP_NO_EXPECT);
	/* The first strategy registers, then writes before the optimizer's first run. */
	assert_int_equal(mh_run_first(m), SIM_END_DEADLOCK);
	v = sim_violation_fatal(m->ctx);
	assert_non_null(strstr(v->message, "t1 (cpu1) waits for optimizer_comp"));
	assert_non_null(strstr(v->message, "waits for kprobe_mutex held by t1 (cpu1)"));
	/* And under random schedules too; some of them get through (optimizer first). */
	seed = find_seed(m, "deadlock", 200);
	assert_true(seed >= 0);
	mh_free(m);
}

/*
 * An optimized probe in a module is unregistered (its aggregate becomes unused and waits
 * on unoptimizing_list for the optimizer to unhash and free it), and the module is
 * unloaded before the optimizer runs.  kprobes_module_callback() -> kill_kprobe() ->
 * kill_optimized_kprobe() takes the op off unoptimizing_list, so no optimizer run will
 * ever unhash or free it: the unused aggregate stays hashed for good (S5), the op leaks,
 * and a later registration at that address gets -EBUSY forever ("Busy to die").
 */
static void test_unused_aggregate_left_by_module_unload(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "mod_a_work", 0, false);
	unsigned t0 = mh_task(m, "t0", 0);

	(void)state;
	mh_text_op(m, t0, KP_OP_MODULE_LOAD, "mod_a", 0);
	mh_text_op(m, t0, KP_OP_MODULE_LIVE, "mod_a", 0);
	mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
	mh_sleep(m, t0, 6);				/* optimized */
	mh_probe_op(m, t0, KP_OP_UNREGISTER, a, KP_NO_EXPECT);
	mh_text_op(m, t0, KP_OP_MODULE_UNLOAD, "mod_a", 0);
	/*
	 * S5 as the unload returns; the run goes on to its end, where the entry left hashed
	 * with nothing registered is the checker's memory bookkeeping failing too (M3).
	 */
	mh_expect_ids_done(m, mh_run_first(m), "S5 M3");
	mh_expect_reported(m, "S5", "unused aggregate at mod_a_work+0x0 is hashed but not on "
			   "unoptimizing_list");
	mh_expect_reported(m, "M3", "nothing is registered but 1 entries are hashed");
	mh_free(m);
}

/*
 * enable_kprobe() while kprobes are globally disarmed clears the child's DISABLED flag
 * but not its aggregate's (the aggregate part runs only when armed), and
 * arm_all_kprobes() later re-arms only aggregates that are not disabled: the user's
 * enable is lost.  The structural checker reports it at once (S6), and the run going on,
 * arm-all returning with the probe unarmed (A6); what a user sees is a probe that is
 * registered, enabled and armed but never hit: H2, a pass through its instruction with
 * neither a handler call nor a miss.
 */
static void test_enable_under_disarm_loses_hits(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_small", 0, true);
	unsigned t0 = mh_task(m, "t0", 0);

	(void)state;
	mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t0, KP_OP_DISABLE, a, 0);
	mh_text_op(m, t0, KP_OP_DEBUGFS_WRITE, "0", 1);
	mh_probe_op(m, t0, KP_OP_ENABLE, a, 0);
	mh_text_op(m, t0, KP_OP_DEBUGFS_WRITE, "1", 1);
	mh_call(m, t0, "f_small", 1);
	/*
	 * The checker sees the lost enable at once (S6); going on, it sees arm-all return
	 * with a unarmed (A6), then the call pass through a with no hit (H2).
	 */
	mh_expect_ids_done(m, mh_run_first(m), "S6 A6 H2");
	mh_expect_reported(m, "S6", "aggregate at f_small+0x0 is disabled but not all of its "
			   "children are disabled");
	mh_expect_reported(m, "A6", "arm_all_kprobes returned but a is not armed");
	/* Without it, counting hits only: the user-visible effect. */
	m->script.check = false;
	m->script.check_hits = true;
	mh_expect_ids_done(m, mh_run_first(m), "H2");
	assert_string_equal(mh_reported(m, "H2")->message,
			    "a pass through f_small+0x0 called a's pre handler 0 times and missed "
			    "0 times (exactly one of the two expected)");
	assert_int_equal(mh_p(m, a)->pre_calls, 0);
	/* The control: enabled while armed, the same call is one hit. */
	m->script.tasks[t0].n_ops = 0;
	mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t0, KP_OP_DISABLE, a, 0);
	mh_probe_op(m, t0, KP_OP_ENABLE, a, 0);
	mh_call(m, t0, "f_small", 1);
	mh_expect_ids_done(m, mh_run_first(m), "");
	assert_int_equal(mh_p(m, a)->pre_calls, 1);
	mh_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disarm_all_returns_with_live_jump),
		cmocka_unit_test(test_sysctl_write_deadlocks),
		cmocka_unit_test(test_unused_aggregate_left_by_module_unload),
		cmocka_unit_test(test_enable_under_disarm_loses_hits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
