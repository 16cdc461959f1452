// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probes and loadable modules: the module loader's checks of the module's state
 * (model/api.c), probes killed when their module goes away (kill_kprobe() from
 * kprobes_module_callback() in kernel/kprobes.c, the GONE state of docs/states.md),
 * loading a module again, and register_kprobe() in init text racing with the module
 * going live.
 */
#include "model_harness.h"

#include "model/env.h"

#include <errno.h>

/*
 * The module operations check the module's state first: LIVE and FAIL_INIT need a
 * COMING module (-EINVAL), unload needs a loaded one (-ENOENT) that finished its init
 * (-EBUSY while COMING).  A failed init frees the module like an unload does.
 */
static const struct {
	KpOpKind op;
	const char *module;
	long expect;
} module_ops[] = {
	{ KP_OP_MODULE_LIVE, "mod_a", -EINVAL },
	{ KP_OP_MODULE_FAIL_INIT, "mod_a", -EINVAL },
	{ KP_OP_MODULE_UNLOAD, "mod_a", -ENOENT },
	{ KP_OP_MODULE_LOAD, "mod_a", 0 },
	{ KP_OP_MODULE_UNLOAD, "mod_a", -EBUSY },
	{ KP_OP_MODULE_FAIL_INIT, "mod_a", 0 },
	{ KP_OP_MODULE_LIVE, "mod_a", -EINVAL },
	{ KP_OP_MODULE_UNLOAD, "mod_a", -ENOENT },
	{ KP_OP_MODULE_LOAD, "mod_b", 0 },
	{ KP_OP_MODULE_LIVE, "mod_b", 0 },
	{ KP_OP_MODULE_LIVE, "mod_b", -EINVAL },
	{ KP_OP_MODULE_FAIL_INIT, "mod_b", -EINVAL },
	{ KP_OP_MODULE_UNLOAD, "mod_b", 0 },
};

static void test_module_ops_wrong_state(void **state)
{
	Mh *m = mh_new(1);
	unsigned t = mh_task(m, "t0", 0);
	SimEnd end;

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(module_ops); i++)
		mh_text_op(m, t, module_ops[i].op, module_ops[i].module, module_ops[i].expect);
	end = mh_run_first(m);
	mh_expect_done(m, end);
	assert_int_equal(m->run.failed_task, -1);
	assert_null(sim_violation_fatal(m->ctx));
	assert_false(kp_env_module(m->run.env, "mod_a")->loaded);
	assert_false(kp_env_module(m->run.env, "mod_b")->loaded);
	assert_null(kp_env_module(m->run.env, "no_such_module"));
	mh_free(m);
}

/*
 * A probe in a module that goes away becomes GONE: the debugfs disarm and re-arm leave
 * its freed text alone, and a GONE probe counts as disabled.  A probe that was never
 * registered cannot be enabled.  Meanwhile an ordinary probe is disarmed and re-armed.
 */
static void test_gone_probe_and_debugfs(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "mod_a_work", 0, true);
	unsigned b = mh_probe(m, "b", "f_medium", 0, true);
	unsigned c = mh_probe(m, "c", "f_small", 0, true);
	unsigned t = mh_task(m, "t0", 0);
	SimEnd end;

	(void)state;
	mh_text_op(m, t, KP_OP_MODULE_LOAD, "mod_a", 0);
	mh_text_op(m, t, KP_OP_MODULE_LIVE, "mod_a", 0);
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, b, 0);
	mh_probe_op(m, t, KP_OP_ENABLE, c, -EINVAL);	/* op 4: not registered */
	mh_text_op(m, t, KP_OP_MODULE_UNLOAD, "mod_a", 0);
	mh_text_op(m, t, KP_OP_DEBUGFS_WRITE, "0", KP_NO_EXPECT);
	mh_op(m, t, KP_OP_DEBUGFS_READ, 0);
	mh_call(m, t, "f_medium", 1);			/* disarmed: no hit */
	mh_text_op(m, t, KP_OP_DEBUGFS_WRITE, "1", KP_NO_EXPECT);
	mh_op(m, t, KP_OP_DEBUGFS_READ, 1);
	mh_call(m, t, "f_medium", 1);
	mh_probe_op(m, t, KP_OP_DISABLE, a, 0);
	mh_probe_op(m, t, KP_OP_UNREGISTER, a, KP_NO_EXPECT);
	mh_probe_op(m, t, KP_OP_UNREGISTER, b, KP_NO_EXPECT);
	end = mh_run_first(m);
	mh_expect_done(m, end);
	assert_null(sim_violation_fatal(m->ctx));
	assert_int_equal(mh_p(m, b)->pre_calls, 1);
	assert_int_equal(mh_p(m, a)->pre_calls, 0);
	assert_int_equal(mh_p(m, c)->pre_calls, 0);
	assert_true(mh_text_is_original(m, "f_medium", 0, 1));
	mh_free(m);
}

#ifndef KP_TEST_PARENT	/* the seed's unoptimizing list */
/*
 * An optimized module probe disabled (unoptimizing, D = 1), then the module unloaded
 * before the optimizer runs: kill_optimized_kprobe() dequeues it, so the optimizer's run
 * has nothing to undo and no second stop_machine happens; the aggregate is GONE with its
 * disabled child, and unregister unhashes it at once (disabled, not queued).
 */
static void test_unload_while_unoptimizing(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "mod_a_work", 0, false);
	unsigned t = mh_task(m, "t0", 0);

	(void)state;
	mh_text_op(m, t, KP_OP_MODULE_LOAD, "mod_a", 0);
	mh_text_op(m, t, KP_OP_MODULE_LIVE, "mod_a", 0);
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_sleep(m, t, 6);
	mh_call(m, t, "mod_a_work", 1);
	mh_probe_op(m, t, KP_OP_DISABLE, a, 0);
	mh_text_op(m, t, KP_OP_MODULE_UNLOAD, "mod_a", 0);
	mh_sleep(m, t, 6);
	mh_probe_op(m, t, KP_OP_ENABLE, a, -EINVAL);
	mh_probe_op(m, t, KP_OP_UNREGISTER, a, KP_NO_EXPECT);
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(mh_p(m, a)->pre_calls, 1);
	assert_int_equal(mh_flags(m, a), KP_SNAP_GONE | KP_SNAP_DISABLED);
	assert_int_equal(mh_nmissed(m, a), 0);
	assert_int_equal(sim_stop_machine_count(m->ctx), 1);
	mh_free(m);
}
#endif

/*
 * Loading a module twice fails (-EEXIST while it is loaded).  Once unloaded it loads
 * again, at the same addresses and COMING again with its init text back (so an unload
 * before it is live is refused, -EBUSY), and a kprobe whose registration failed while
 * the module was away registers then.
 */
static void test_module_reload(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "mod_a_work", 0, false);
	unsigned t = mh_task(m, "t0", 0);

	(void)state;
	mh_text_op(m, t, KP_OP_MODULE_LOAD, "mod_a", 0);
	mh_text_op(m, t, KP_OP_MODULE_LOAD, "mod_a", -EEXIST);
	mh_text_op(m, t, KP_OP_MODULE_LIVE, "mod_a", 0);
	mh_text_op(m, t, KP_OP_MODULE_UNLOAD, "mod_a", 0);
	mh_probe_op(m, t, KP_OP_REGISTER, a, -EINVAL);	/* no text at mod_a_work */
	/* Loaded again, at the same address, with its init text back: COMING again. */
	mh_text_op(m, t, KP_OP_MODULE_LOAD, "mod_a", 0);
	mh_text_op(m, t, KP_OP_MODULE_UNLOAD, "mod_a", -EBUSY);
	mh_text_op(m, t, KP_OP_MODULE_LIVE, "mod_a", 0);
	/* The failed lookup left addr alone: the same kprobe registers now. */
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t, KP_OP_UNREGISTER, a, 0);
	mh_text_op(m, t, KP_OP_MODULE_UNLOAD, "mod_a", 0);
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(kp_env_module(m->run.env, "mod_a")->module_init, 0);
	mh_free(m);
}

/*
 * register_kprobe() in a module's init text racing with the module going live.  Before
 * the LIVE notifier it succeeds (and the probe is then killed: GONE); once the module is
 * LIVE it fails with -EINVAL (the state check, or no text any more).  A third outcome is
 * the kernel's own race: register_kprobe() checks within_module_init() and the COMING
 * state without kprobe_mutex and before arch_prepare_kprobe(); the module reference it
 * holds does not keep init text alive, so the LIVE notifier and the freeing of the init
 * text can run in between, and the instruction is then read from freed init text.  The
 * model's text has no bytes there any more, so the prepare fails with -EILSEQ.
 */
static void test_register_init_vs_live(void **state)
{
	unsigned ok = 0, einval = 0, eilseq = 0;

	(void)state;
	for (uint64_t seed = 1; seed <= 60; seed++) {
		Mh *m = mh_new(2);
		unsigned a = mh_probe(m, "a", "mod_b_init", 0, false);
		unsigned t0 = mh_task(m, "t0", 0);
		unsigned t1 = mh_task(m, "t1", 1);
		long ret;

		mh_text_op(m, t0, KP_OP_MODULE_LOAD, "mod_b", 0);
		mh_text_op(m, t0, KP_OP_MODULE_LIVE, "mod_b", 0);
		mh_probe_op(m, t1, KP_OP_REGISTER, a, KP_NO_EXPECT);
		mh_expect_done(m, mh_run_seed(m, seed));
		ret = mh_result(m, t1, 0);
		assert_true(ret == 0 || ret == -EINVAL || ret == -EILSEQ);
		if (ret == 0) {
			ok++;
			assert_int_equal(mh_flags(m, a) & KP_SNAP_GONE, KP_SNAP_GONE);
		} else if (ret == -EINVAL) {
			einval++;
		} else {
			eilseq++;
		}
		mh_free(m);
	}
	assert_true(ok > 0);
	assert_true(einval > 0);
	assert_true(eilseq > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_module_ops_wrong_state),
		cmocka_unit_test(test_gone_probe_and_debugfs),
#ifndef KP_TEST_PARENT
		cmocka_unit_test(test_unload_while_unoptimizing),
#endif
		cmocka_unit_test(test_module_reload),
		cmocka_unit_test(test_register_init_vs_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
