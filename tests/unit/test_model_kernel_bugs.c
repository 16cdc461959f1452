// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where the ported kernel code itself breaks an invariant, and the checker says so:
 * the seed's delayed unoptimization (kprobe_optimizer(), wait_for_kprobe_optimizer(),
 * do_unoptimize_kprobes() in kernel/kprobes.c at 6274de4) leaves jumps and int3s behind
 * a global disarm or a sysctl write (A5, A7, T3), and in both ports arm_all_kprobes()
 * and enable_kprobe() lose an optimization or an enable while kprobes are globally
 * disarmed (P3, S6, A3).  Each test runs a control first, a script that avoids the bug,
 * and sees it clean.  Most of them are findings of the fuzzing campaign, told in
 * docs/findings.md.
 */
#include "checker_harness.h"

/*
 * The checker's invariants do not end a run: the last one completed and reported exactly
 * `ids`, in order, which shows what a defect leads to once the run goes on past it.
 */
static void expect_ids(Ck *k, const char *ids)
{
	g_autofree char *got = mh_ctx_ids(k->ctx);

	if (sim_run_end(k->ctx) != SIM_END_DONE || strcmp(got, ids))
		ck_explain(k);
	assert_int_equal(sim_run_end(k->ctx), SIM_END_DONE);
	assert_string_equal(got, ids);
}

#ifndef KP_TEST_PARENT	/* a bug of the seed's delayed unoptimization */
/*
 * A5.  optimizer_comp is completed by every kprobe_optimizer() run and never
 * re-initialised, so once the optimizer has run (here: the run that installed a's jump)
 * wait_for_kprobe_optimizer() never waits again.  disarm_all_kprobes() only queues a
 * for delayed unoptimization, and returns with the jump still in place.  Control: the
 * disarm comes before the optimizer's first run; then the wait really waits, a is
 * dequeued before it got a jump, and the contract holds.
 */
static void test_kernel_a5_disarm_all_leaves_jump(void **state)
{
	Ck *k = ck_new(1);
	unsigned a = ck_probe(k, "a", "f_small", A_OFF, false);
	unsigned t = ck_task(k, "t0", 0);

	(void)state;
	ck_probe_op(k, t, CK_REGISTER, a, 0);
	ck_text_op(k, t, CK_DEBUGFS_WRITE, "0", 1);
	ck_sleep(k, t, 10);
	ck_run(k, false);
	ck_expect_clean(k);
	assert_false(text_has_jump(k, mh_sym_addr("f_small", A_OFF)));
	assert_int_equal(text_byte(k, mh_sym_addr("f_small", A_OFF)),
			 text_orig(k, mh_sym_addr("f_small", A_OFF)));

	k->tasks[t].n_ops = 0;
	ck_probe_op(k, t, CK_REGISTER, a, 0);
	ck_sleep(k, t, 10);			/* optimized; optimizer_comp completed */
	ck_text_op(k, t, CK_DEBUGFS_WRITE, "0", 1);
	ck_run(k, false);
	ck_expect(k, "A5", "kprobes were disarmed but f_small+0x0 holds an installed jump");
	/* Going on: the optimizer takes the jump out but leaves a's int3 (see below). */
	expect_ids(k, "A5 T2 T4");
	ck_free(k);
}

/*
 * A7.  The same completion: writing 0 to debug.kprobes-optimization makes
 * unoptimize_all_kprobes() queue a's jump for removal and wait for the optimizer, but
 * the wait returns at once, so the write returns with the jump still installed.
 * Control: a probe with a post handler is never optimized; turning optimization off
 * then leaves no jump behind.
 */
static void test_kernel_a7_sysctl_off_leaves_jump(void **state)
{
	Ck *k = ck_new(1);
	unsigned a = ck_probe(k, "a", "f_small", A_OFF, true);
	unsigned t = ck_task(k, "t0", 0);

	(void)state;
	ck_probe_op(k, t, CK_REGISTER, a, 0);
	ck_sleep(k, t, 10);
	ck_text_op(k, t, CK_SYSCTL_WRITE, "0", 0);
	ck_sleep(k, t, 10);
	ck_run(k, false);
	ck_expect_clean(k);

	k->specs[a].post = false;
	ck_run(k, false);
	ck_expect(k, "A7", "optimization was turned off but f_small+0x0 still holds an "
			   "installed jump");
	expect_ids(k, "A7");
	ck_free(k);
}

/*
 * T3.  disable_kprobe(a) on optimized a queues it for delayed unoptimization (DISABLED,
 * jump still installed).  enable_kprobe(a) before the optimizer ran clears DISABLED and
 * calls arm_kprobe -> __arm_kprobe: get_optimized_kprobe() looks only for jumps that
 * cover a from an earlier address, not for a's own queued jump, so arch_arm_kprobe()
 * writes an int3 over the first byte of the live jump.  Control: the optimizer runs
 * between the two calls and removes the jump first.
 */
static void test_kernel_t3_enable_during_delayed_unoptimize(void **state)
{
	Ck *k = ck_new(1);
	unsigned a = ck_probe(k, "a", "f_small", A_OFF, false);
	unsigned t = ck_task(k, "t0", 0);

	(void)state;
	ck_probe_op(k, t, CK_REGISTER, a, 0);
	ck_sleep(k, t, 10);
	ck_probe_op(k, t, CK_DISABLE, a, 0);
	ck_sleep(k, t, 10);
	ck_probe_op(k, t, CK_ENABLE, a, 0);
	ck_sleep(k, t, 10);
	ck_run(k, false);
	ck_expect_clean(k);
	assert_true(text_has_jump(k, mh_sym_addr("f_small", A_OFF)));

	k->tasks[t].ops[3].arg = 1;	/* enable before the optimizer runs */
	ck_run(k, false);
	ck_expect(k, "T3", "a 1-byte write at f_small+0x0 changes the installed jump at "
			   "f_small+0x0");
	/*
	 * Going on: a should hold its jump but its first byte is an int3 (T2), the jump's
	 * other four bytes stay with no probe owning them (T1), and at quiescence a holds an
	 * int3 where it could hold a jump (P3).
	 */
	expect_ids(k, "T3 T2 T1 P3");
	ck_free(k);
}

/*
 * A5 again, with an int3 this time, and independent of the completion: when the
 * optimizer removes a jump that disarm_all_kprobes() queued, do_unoptimize_kprobes()
 * writes int3 + the copied bytes and takes the int3 out only if the probe itself is
 * disabled; kprobes_all_disarmed is not consulted.  So an optimized probe comes out of
 * a global disarm armed with an int3, and the int3 stays in the text while kprobes are
 * disarmed (T2, T4, reported as the run goes on past A5).  Seen when the disarm waits for
 * a real optimizer run (its first one), which takes a schedule the random strategy finds:
 * t1's disarm meets the optimizer's first run.  Control: a schedule of the same script
 * where the disarm comes first and dequeues a before it had a jump.
 */
static void test_kernel_a5_disarm_all_leaves_int3(void **state)
{
	Ck *k = ck_new(2);
	unsigned a = ck_probe(k, "a", "f_small", A_OFF, false);
	unsigned t0 = ck_task(k, "t0", 0), t1 = ck_task(k, "t1", 1);
	int64_t clean = -1, bad = -1;

	(void)state;
	ck_probe_op(k, t0, CK_REGISTER, a, 0);
	ck_sleep(k, t1, 5);
	ck_text_op(k, t1, CK_DEBUGFS_WRITE, "0", 1);
	ck_sleep(k, t1, 10);
	for (uint64_t seed = 0; seed < 1000 && (clean < 0 || bad < 0); seed++) {
		const SimViolation *v;

		if (ck_run_seed(k, seed) == SIM_END_DONE && !sim_violation_count(k->ctx)) {
			if (clean < 0)
				clean = (int64_t)seed;
			continue;
		}
		v = mh_ctx_reported(k->ctx, "A5", "holds an int3");
		if (bad < 0 && v)
			bad = (int64_t)seed;
	}
	print_message("# clean seed %lld, int3 seed %lld\n", (long long)clean, (long long)bad);
	assert_true(clean >= 0 && bad >= 0);
	ck_run_seed(k, (uint64_t)clean);
	ck_expect_clean(k);
	assert_false(text_has_jump(k, mh_sym_addr("f_small", A_OFF)));
	assert_int_not_equal(text_byte(k, mh_sym_addr("f_small", A_OFF)), INT3);
	ck_run_seed(k, (uint64_t)bad);
	ck_expect(k, "A5", "kprobes were disarmed but f_small+0x0 holds an int3");
	/* The run goes on: the int3 stays in the text while kprobes are disarmed. */
	expect_ids(k, "A5 T2 T4");
	assert_non_null(mh_ctx_reported(k->ctx, "T4", "f_small+0x0 holds cc while kprobes are "
					"globally disarmed"));
	assert_int_equal(text_byte(k, mh_sym_addr("f_small", A_OFF)), INT3);
	ck_free(k);
}
#endif

/*
 * P3 (a performance property).  arm_all_kprobes() re-arms every probe with
 * __arm_kprobe() while kprobes_all_disarmed is still set, so the optimize_kprobe() in it
 * does nothing, and nothing queues the probe later: after a disarm/arm cycle a stays an
 * int3 probe for good.  The disarm comes before the first optimizer run, so the wait in
 * disarm_all_kprobes() is a real one (see the A5 test).  Control: no disarm/arm cycle.
 */
static void test_kernel_p3_arm_all_does_not_optimize(void **state)
{
	Ck *k = ck_new(1);
	unsigned a = ck_probe(k, "a", "f_small", A_OFF, false);
	unsigned t = ck_task(k, "t0", 0);

	(void)state;
	ck_probe_op(k, t, CK_REGISTER, a, 0);
	ck_sleep(k, t, 10);
	ck_run(k, false);
	ck_expect_clean(k);
	assert_true(text_has_jump(k, mh_sym_addr("f_small", A_OFF)));

	k->tasks[t].n_ops = 0;
	ck_probe_op(k, t, CK_REGISTER, a, 0);
	ck_text_op(k, t, CK_DEBUGFS_WRITE, "0", 1);
	ck_text_op(k, t, CK_DEBUGFS_WRITE, "1", 1);
	ck_sleep(k, t, 20);
	ck_run(k, false);
	ck_expect(k, "P3", "f_small+0x0 could be optimized (a 5-byte window the image allows, "
			   "no enabled probe blocking it) but holds an int3 at quiescence");
	expect_ids(k, "P3");
	assert_int_equal(text_byte(k, mh_sym_addr("f_small", A_OFF)), INT3);
	ck_free(k);
}

/*
 * The enable_kprobe() tests below share a script: register p, disable it, enable it
 * (the control, armed throughout); then the last enable is replaced by a global disarm
 * and an enable while disarmed.
 */
static void enable_script(Ck *k, unsigned t, unsigned p)
{
	ck_probe_op(k, t, CK_REGISTER, p, 0);
	ck_probe_op(k, t, CK_DISABLE, p, 0);
	ck_probe_op(k, t, CK_ENABLE, p, 0);
}

static void enable_while_disarmed(Ck *k, unsigned t, unsigned p)
{
	k->tasks[t].n_ops = 2;
	ck_text_op(k, t, CK_DEBUGFS_WRITE, "0", 1);
	ck_probe_op(k, t, CK_ENABLE, p, 0);
}

/*
 * S6.  enable_kprobe() while kprobes are globally disarmed clears the child's DISABLED
 * flag but leaves the aggregate's alone ("if (!kprobes_all_disarmed &&
 * kprobe_disabled(p))"), so the aggregate stays disabled with an enabled child; and
 * arm_all_kprobes() later skips disabled aggregates, so the user's enable is lost.  a
 * has a post handler: an aggregate that is never optimized.  Control: the same enable
 * while armed.
 */
static void test_kernel_s6_enable_child_while_disarmed(void **state)
{
	Ck *k = ck_new(1);
	unsigned a = ck_probe(k, "a", "f_small", A_OFF, true);
	unsigned t = ck_task(k, "t0", 0);
	KpSnapshot *s;

	(void)state;
	enable_script(k, t, a);
	ck_run(k, false);
	ck_expect_clean(k);
	s = snap_now(k);
	assert_true(ea(s)->aggr);
	assert_int_equal(ea(s)->flags, 0);
	assert_int_equal(text_byte(k, mh_sym_addr("f_small", A_OFF)), INT3);
	g_free(s);

	enable_while_disarmed(k, t, a);
	ck_run(k, false);
	ck_expect(k, "S6", "aggregate at f_small+0x0 is disabled but not all of its children "
			   "are disabled");
	expect_ids(k, "S6");
	ck_free(k);
}

/*
 * A3.  The same enable_kprobe() path for an independent probe: p == kp, so nothing
 * clears DISABLED while kprobes are globally disarmed, and the call returns 0 anyway.
 * Control: the same enable while armed.
 */
static void test_kernel_a3_enable_while_disarmed(void **state)
{
	Ck *k = ck_new(1);
	unsigned b = ck_probe(k, "b", "f_small", B_OFF, false);
	unsigned t = ck_task(k, "t0", 0);

	(void)state;
	enable_script(k, t, b);
	ck_run(k, false);
	ck_expect_clean(k);
	assert_int_equal(text_byte(k, mh_sym_addr("f_small", B_OFF)), INT3);

	enable_while_disarmed(k, t, b);
	ck_run(k, false);
	ck_expect(k, "A3", "enable_kprobe(b) returned 0 but DISABLED is set");
	expect_ids(k, "A3");
	ck_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#ifndef KP_TEST_PARENT
		cmocka_unit_test(test_kernel_a5_disarm_all_leaves_jump),
		cmocka_unit_test(test_kernel_a7_sysctl_off_leaves_jump),
		cmocka_unit_test(test_kernel_t3_enable_during_delayed_unoptimize),
#endif
		cmocka_unit_test(test_kernel_p3_arm_all_does_not_optimize),
		cmocka_unit_test(test_kernel_s6_enable_child_while_disarmed),
		cmocka_unit_test(test_kernel_a3_enable_while_disarmed),
#ifndef KP_TEST_PARENT
		cmocka_unit_test(test_kernel_a5_disarm_all_leaves_int3),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
