// SPDX-License-Identifier: GPL-2.0-only
/*
 * The script runner (model/script.c) beyond the common path: every operation works with
 * the invariant checker switched off, a call op without a symbol calls its address, and
 * input errors - a scenario function that refuses the environment, a call of a symbol
 * the image does not have - stop the run before it starts, with an error to report.
 */
#include "model_harness.h"

/*
 * Every operation that notifies the checker also works without it: sysctl and debugfs
 * reads report the current values, unregister removes the probe, and nothing is judged.
 */
static void test_ops_without_checker(void **state)
{
	Mh *m = mh_new(1);
	/* A post handler keeps it at int3: disarming an optimized probe is a kernel bug here
	 * (scenarios/debugfs/disarm-leaves-jump.kps). */
	unsigned a = mh_probe(m, "a", "f_medium", 0, true);
	unsigned t = mh_task(m, "t0", 0);
	SimEnd end;

	(void)state;
	m->script.check = false;
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_sleep(m, t, 20);
	/* (writing 0 here would run into the kernel's own sysctl bugs, see scenarios/sysctl) */
	mh_text_op(m, t, KP_OP_SYSCTL_WRITE, "1", 0);
	mh_op(m, t, KP_OP_SYSCTL_READ, 1);		/* op 3: optimization on */
	mh_op(m, t, KP_OP_DEBUGFS_READ, 1);		/* op 4: kprobes armed */
	mh_text_op(m, t, KP_OP_DEBUGFS_WRITE, "0", KP_NO_EXPECT);
	mh_op(m, t, KP_OP_DEBUGFS_READ, 0);		/* op 6: now disarmed */
	mh_text_op(m, t, KP_OP_DEBUGFS_WRITE, "1", KP_NO_EXPECT);
	mh_call(m, t, "f_medium", 1);
	mh_probe_op(m, t, KP_OP_UNREGISTER, a, KP_NO_EXPECT);
	mh_call(m, t, "f_medium", 1);
	end = mh_run_first(m);
	mh_expect_done(m, end);
	assert_null(sim_violation_fatal(m->ctx));
	assert_int_equal(mh_result(m, t, 3), 1);
	assert_int_equal(mh_result(m, t, 4), 1);
	assert_int_equal(mh_result(m, t, 6), 0);
	/* One hit while registered and armed; none after unregister. */
	assert_int_equal(mh_p(m, a)->pre_calls, 1);
	assert_int_equal(mh_p(m, a)->post_calls, 1);
	assert_true(mh_text_is_original(m, "f_medium", 0, 1));
	mh_free(m);
}

/* A call op with no symbol calls its absolute address: the probe there is hit. */
static void test_call_by_address(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_medium", 0, true);
	unsigned t = mh_task(m, "t0", 0);
	KpOp *op;
	SimEnd end;

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	op = mh_op(m, t, KP_OP_CALL, KP_NO_EXPECT);
	op->addr = mh_sym_addr("f_medium", 0);
	op->arg = 3;
	end = mh_run_first(m);
	mh_expect_done(m, end);
	assert_int_equal(mh_p(m, a)->pre_calls, 3);
	assert_int_equal(mh_p(m, a)->post_calls, 3);
	assert_int_equal(mh_nmissed(m, a), 0);
	mh_free(m);
}

static bool refuse(KpEnv *env, void *user, GError **error)
{
	int *calls = user;

	assert_non_null(env);
	(*calls)++;
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "refused");
	return false;
}

/* A scenario function that fails stops the run before it starts: SIM_END_NONE + error. */
static void test_prepare_fails(void **state)
{
	Mh *m = mh_new(1);
	unsigned t = mh_task(m, "t0", 0);
	SimStrategy *s = sim_strategy_first_new();
	g_autoptr(GError) err = NULL;
	int calls = 0;
	SimEnd end;

	(void)state;
	mh_sleep(m, t, 1);
	m->script.prepare = refuse;
	m->script.prepare_user = &calls;
	end = kp_script_run(m->ctx, &m->script, s, &m->run, &err);
	sim_strategy_free(s);
	assert_int_equal(end, SIM_END_NONE);
	assert_int_equal(calls, 1);
	assert_non_null(err);
	assert_string_equal(err->message, "refused");
	mh_free(m);
}

/* A call of a symbol the image does not have is an input error, found before the run. */
static void test_call_unknown_symbol(void **state)
{
	Mh *m = mh_new(1);
	unsigned t = mh_task(m, "t0", 0);
	SimStrategy *s = sim_strategy_first_new();
	g_autoptr(GError) err = NULL;

	(void)state;
	mh_call(m, t, "no_such_function", 1);
	kp_script_run(m->ctx, &m->script, s, &m->run, &err);
	sim_strategy_free(s);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "no symbol no_such_function"));
	mh_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ops_without_checker),
		cmocka_unit_test(test_call_by_address),
		cmocka_unit_test(test_prepare_fails),
		cmocka_unit_test(test_call_unknown_symbol),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
