// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parent port, 6274de4^ (61f4e13ffd85): the paths where it differs from the seed.
 * It has no delayed unoptimization, so disabling, unregistering, disarming and turning
 * optimization off remove an installed jump in the caller's path; the optimizer only
 * installs jumps and does nothing while disarmed or with optimization off.  Where the
 * same script runs on the seed, the seed's result is checked too, so each test shows the
 * difference rather than one port's behaviour alone.
 */
#include "model_harness.h"

#include "arch_x86_emu/image.h"
#include "model/check_test.h"
#include "model/env.h"
#include "model/invariants.h"
#include "model/transitions.h"

static Mh *parent_new(unsigned cpus)
{
	Mh *m = mh_new(cpus);

	m->script.model = &kp_model_6274de4_parent;
	return m;
}

static size_t stop_machines(Mh *m, int task)
{
	return mh_count_events(m, SIM_EV_STOP_BEGIN, NULL, task);
}

static size_t grace_periods(Mh *m, int task)
{
	return mh_count_events(m, SIM_EV_GP_START, NULL, task);
}

static void test_descriptor(void **state)
{
	(void)state;
	assert_string_equal(kp_model_6274de4_parent.name, "6274de4^");
	assert_string_equal(kp_model_6274de4_parent.commit,
			    "61f4e13ffd85c037a942c5b7fd13f2b0c3162862");
	assert_string_equal(kp_model_6274de4_parent.title,
			    "kprobes: Separate kprobe optimizing code from optimizer");
	assert_ptr_not_equal(kp_model_6274de4_parent.register_probe,
			     kp_model_6274de4.register_probe);
}

/*
 * disable_kprobe() of an optimized probe: unoptimize_kprobe() finds the jump installed
 * and removes it with text_poke_smp() from the disabling task itself, under the hotplug
 * read lock disarm_kprobe() took.  When disable returns the text is original and no
 * optimizer run is pending.  The seed queues the removal instead: the optimizer's worker
 * stops the machine, after a grace period of its own.
 */
static void test_disable_removes_jump_in_caller(void **state)
{
	const KpModel *models[] = { &kp_model_6274de4_parent, &kp_model_6274de4 };

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		Mh *m = mh_new(1);
		unsigned a = mh_probe(m, "a", "f_small", 0, false);
		unsigned t0 = mh_task(m, "t0", 0);
		KpSnapshot *s;
		int task;

		m->script.model = models[i];
		mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
		mh_sleep(m, t0, 6);
		mh_call(m, t0, "f_small", 1);
		mh_probe_op(m, t0, KP_OP_DISABLE, a, 0);
		mh_expect_done(m, mh_run_first(m));
		task = mh_task_id(m, "t0");
		assert_int_equal(mh_p(m, a)->pre_calls, 1);
		assert_int_equal(mh_flags(m, a) & 2, 2);
		assert_true(mh_text_is_original(m, "f_small", 0, 5));
		s = mh_snapshot(m);
		assert_false(mh_snap_entry(s, mh_sym_addr("f_small", 0))->flags & KP_SNAP_OPTIMIZED);
		assert_int_equal(s->n_unoptimizing, 0);
		g_free(s);
		if (i == 0) {
			/* the parent: the jump in by the optimizer, out by t0, one grace period */
			assert_int_equal(stop_machines(m, task), 1);
			assert_int_equal(stop_machines(m, -1), 2);
			assert_int_equal(grace_periods(m, -1), 1);
		} else {
			/* the seed: both by the optimizer, each run after a grace period */
			assert_int_equal(stop_machines(m, task), 0);
			assert_int_equal(stop_machines(m, -1), 2);
			assert_int_equal(grace_periods(m, -1), 2);
		}
		mh_free(m);
	}
}

/*
 * Unregistering the last probe of an optimized aggregate: __unregister_kprobe_top()
 * unhashes the aggregate at once (it was disarmed synchronously), so a registration at the
 * same address right after succeeds; the seed answers -EBUSY ("Busy to die") until its
 * optimizer has reclaimed the unused aggregate, which the checker reports as A9 (a
 * registration the image allows fails).  The bottom half frees the single-step
 * slot itself, then free_aggr_kprobe() the detour buffer and the op.
 */
static void test_unregister_then_register_again(void **state)
{
	const KpModel *models[] = { &kp_model_6274de4_parent, &kp_model_6274de4 };
	const long second[] = { 0, -EBUSY };

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		Mh *m = mh_new(1);
		uint64_t at = mh_sym_addr("f_small", 0);
		unsigned a = mh_probe_addr(m, "a", at), b = mh_probe_addr(m, "b", at);
		unsigned t0 = mh_task(m, "t0", 0);
		KpSnapshot *s;

		m->script.model = models[i];
		mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
		mh_sleep(m, t0, 6);
		mh_probe_op(m, t0, KP_OP_UNREGISTER, a, KP_NO_EXPECT);
		mh_probe_op(m, t0, KP_OP_REGISTER, b, second[i]);
		/* The seed's refusal breaks the registration contract (A9); the run goes on. */
		mh_expect_ids_done(m, mh_run_first(m), i == 0 ? "" : "A9");
		if (i == 1)
			mh_expect_reported(m, "A9", "register_kprobe(b) at f_small+0x0 failed with "
					   "-EBUSY");
		s = mh_snapshot(m);
		if (i == 0) {
			const KpSnapEntry *e = mh_snap_entry(s, at);

			/* b has a new aggregate, optimized by the next run */
			assert_non_null(e);
			assert_true(e->aggr && e->n_children == 1);
			assert_int_equal(e->flags, KP_SNAP_OPTIMIZED);
			assert_int_equal(mh_p(m, b)->spec.addr, at);
		} else {
			assert_int_equal(s->n_entries, 0);
		}
		g_free(s);
		mh_free(m);
	}
}

/*
 * The optimizer does nothing while kprobes are globally disarmed: no grace period, no
 * text write.  The probe queued by its registration was dequeued by disarm_all_kprobes(),
 * which ended with the run's only grace period.  With optimization turned off the same:
 * the sysctl write dequeues and waits for a grace period, the optimizer's run skips.
 */
static void test_optimizer_idle_when_disarmed(void **state)
{
	static const struct {
		KpOpKind kind;
		const char *text;
		long ret;
	} offs[] = {
		{ KP_OP_DEBUGFS_WRITE, "0", 1 },
		{ KP_OP_SYSCTL_WRITE, "0", 0 },
	};

	(void)state;
	for (unsigned i = 0; i < G_N_ELEMENTS(offs); i++) {
		Mh *m = parent_new(1);
		unsigned a = mh_probe(m, "a", "f_small", 0, false);
		unsigned t0 = mh_task(m, "t0", 0);
		KpSnapshot *s;
		int task;

		mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
		mh_text_op(m, t0, offs[i].kind, offs[i].text, offs[i].ret);
		mh_sleep(m, t0, 6);
		mh_call(m, t0, "f_small", 1);
		mh_expect_done(m, mh_run_first(m));
		task = mh_task_id(m, "t0");
		/* the optimizer ran (its work started and ended) but did nothing */
		assert_int_equal(mh_count_events(m, SIM_EV_WORK_START, NULL, -1), 1);
		assert_int_equal(grace_periods(m, -1), 1);
		assert_int_equal(grace_periods(m, task), 1);
		assert_int_equal(stop_machines(m, -1), 0);
		s = mh_snapshot(m);
		assert_int_equal(s->n_optimizing, 0);
		assert_false(mh_snap_entry(s, mh_sym_addr("f_small", 0))->flags & KP_SNAP_OPTIMIZED);
		assert_false(s->work_pending);
		g_free(s);
		/* disarmed: no hit; optimization off: the int3 still fires */
		assert_int_equal(mh_p(m, a)->pre_calls, i == 0 ? 0 : 1);
		mh_free(m);
	}
}

/*
 * Writing 0 to the sysctl removes every installed jump inside the write, one stop_machine
 * per probe, then waits for a grace period; the probes are back on their int3s.  The seed
 * only queues the removals (and returns with the jumps live: A7, see the findings).
 */
static void test_sysctl_off_removes_jumps(void **state)
{
	Mh *m = parent_new(1);
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned b = mh_probe(m, "b", "f_medium", 0, false);
	unsigned ab[] = { a, b };
	unsigned t0 = mh_task(m, "t0", 0);
	uint8_t byte;
	int task;

	(void)state;
	mh_batch_op(m, t0, KP_OP_REGISTER, ab, 2, 0);
	mh_sleep(m, t0, 6);
	mh_text_op(m, t0, KP_OP_SYSCTL_WRITE, "0", 0);
	mh_op(m, t0, KP_OP_SYSCTL_READ, 0);
	mh_call(m, t0, "f_small", 1);
	mh_expect_done(m, mh_run_first(m));
	task = mh_task_id(m, "t0");
	assert_int_equal(stop_machines(m, task), 2);
	assert_int_equal(stop_machines(m, -1), 4);
	assert_int_equal(grace_periods(m, task), 1);
	mh_text(m, "f_small", 0, &byte, 1);
	assert_int_equal(byte, 0xcc);
	mh_text(m, "f_medium", 0, &byte, 1);
	assert_int_equal(byte, 0xcc);
	assert_true(mh_text_is_original(m, "f_small", 1, 4));
	assert_int_equal(mh_p(m, a)->pre_calls, 1);
	mh_free(m);
}

/*
 * A kernel bug at 61f4e13ffd85: kill_optimized_kprobe() clears OPTIMIZED only for a
 * queued probe, so a module unload leaves an installed jump's aggregate GONE and
 * OPTIMIZED with its detour buffer freed (optinsn.size 0).  The checker reports S1; without
 * it, the state stays so until the probe is unregistered, which frees it without writing
 * the (freed) text.  The seed clears the flag whatever the queueing.
 */
static void test_gone_keeps_optimized(void **state)
{
	const KpModel *models[] = { &kp_model_6274de4_parent, &kp_model_6274de4 };

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		Mh *m = mh_new(1);
		unsigned a = mh_probe(m, "a", "mod_b_xmit", 0, false);
		unsigned t0 = mh_task(m, "t0", 0);
		KpSnapshot *s;
		const KpSnapEntry *e;

		m->script.model = models[i];
		mh_text_op(m, t0, KP_OP_MODULE_LOAD, "mod_b", 0);
		mh_text_op(m, t0, KP_OP_MODULE_LIVE, "mod_b", 0);
		mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
		mh_sleep(m, t0, 6);
		mh_call(m, t0, "mod_b_xmit", 1);
		mh_text_op(m, t0, KP_OP_MODULE_UNLOAD, "mod_b", 0);
		if (i == 0) {
			/* The run completes; S1 is its only report. */
			mh_expect_ids_done(m, mh_run_first(m), "S1");
			mh_expect_reported(m, "S1", "mod_b_xmit+0x0 is OPTIMIZED but not optready");
			m->script.check = false;
		}
		mh_expect_done(m, mh_run_first(m));
		s = mh_snapshot(m);
		assert_int_equal(s->n_entries, 1);
		e = &s->entries[0];
		assert_true(e->aggr && !e->optready && e->detour == 0);
		assert_int_equal(e->flags & KP_SNAP_GONE, KP_SNAP_GONE);
		assert_int_equal(e->flags & KP_SNAP_OPTIMIZED, i == 0 ? KP_SNAP_OPTIMIZED : 0);
		g_free(s);
		mh_free(m);
	}
}

/*
 * A kernel bug at 61f4e13ffd85: arm_kprobe() takes text_mutex without the hotplug read
 * lock, reasoning that __arm_kprobe() never stops the machine; but enabling a probe inside
 * an optimized probe's window makes __arm_kprobe() unoptimize that probe, and the
 * text_poke_smp() runs without get_online_cpus().  The seed's forced unoptimization
 * takes it, but inside text_mutex: the reverse of the optimizer's order, which lockdep
 * reports.  The text ends right on both: a back on its int3, b optimized by the next run.
 */
static void test_enable_unoptimizes_without_hotplug(void **state)
{
	const KpModel *models[] = { &kp_model_6274de4_parent, &kp_model_6274de4 };

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		Mh *m = mh_new(1);
		unsigned b = mh_probe_spec(m, (KpProbeSpec){ .name = "b", .kind = KP_PROBE_KPROBE,
							     .symbol = "f_small", .offset = 3,
							     .pre = true, .disabled = true });
		unsigned a = mh_probe(m, "a", "f_small", 0, false);
		unsigned t0 = mh_task(m, "t0", 0);
		uint8_t bytes[4];

		m->script.model = models[i];
		mh_probe_op(m, t0, KP_OP_REGISTER, b, 0);
		mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
		mh_sleep(m, t0, 6);
		mh_call(m, t0, "f_small", 1);
		mh_probe_op(m, t0, KP_OP_ENABLE, b, 0);
		mh_call(m, t0, "f_small", 1);
		/* non-fatal: the run goes on, and the text is right in the end */
		assert_int_equal(mh_run_first(m), SIM_END_DONE);
		assert_int_equal(mh_reported(m, "text-poke-smp-no-hotplug") != NULL, i == 0);
		assert_int_equal(mh_reported(m, "lock-order") != NULL, i == 1);
		assert_int_equal(sim_violation_count(m->ctx), 1);
		mh_text(m, "f_small", 0, bytes, 4);
		assert_int_equal(bytes[0], 0xcc);
		assert_int_equal(bytes[3], 0xe9);
		assert_int_equal(mh_p(m, a)->pre_calls, 2);
		assert_int_equal(mh_p(m, b)->pre_calls, 1);
		mh_free(m);
	}
}

/*
 * free_initmem() frees kernel __init text without telling kprobes; unregistering an
 * optimized probe there makes the parent text_poke_smp() the breakpoint back into the
 * freed page, in the caller's path (the seed reaches the same page only through its
 * unoptimizing list, S2).
 */
static void test_init_text_jump_freed(void **state)
{
	Mh *m = parent_new(1);
	unsigned a = mh_probe(m, "a", "f_init_table", 0, false);
	unsigned t0 = mh_task(m, "t0", 0);
	const SimViolation *v;

	(void)state;
	mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
	mh_sleep(m, t0, 6);
	mh_call(m, t0, "f_init_setup", 1);
	mh_op(m, t0, KP_OP_FREE_INITMEM, KP_NO_EXPECT);
	mh_probe_op(m, t0, KP_OP_UNREGISTER, a, KP_NO_EXPECT);
	assert_int_not_equal(mh_run_first(m), SIM_END_DONE);
	v = sim_violation_fatal(m->ctx);
	assert_non_null(v);
	assert_string_equal(v->id, "text-poke-freed");
	assert_non_null(strstr(v->message, "text_poke_smp of 5 bytes at f_init_table+0x0"));
	assert_int_equal(v->task, mh_task_id(m, "t0"));
	mh_free(m);
}

/*
 * Probes hit concurrently while another CPU disables, re-enables and unregisters them:
 * every removal stops the machine, which waits for the CPU running through the probe, so
 * no schedule sees a torn jump or a handler call after disable returned (H3).
 */
static void test_concurrent_disable_enable(void **state)
{
	Mh *m = parent_new(2);
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned b = mh_probe(m, "b", "f_small", 0, false);
	unsigned t0 = mh_task(m, "t0", 0), t1 = mh_task(m, "t1", 1);

	(void)state;
	mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t0, KP_OP_REGISTER, b, 0);
	mh_sleep(m, t0, 6);
	mh_probe_op(m, t0, KP_OP_DISABLE, a, 0);
	mh_probe_op(m, t0, KP_OP_DISABLE, b, 0);
	mh_probe_op(m, t0, KP_OP_ENABLE, a, 0);
	mh_sleep(m, t0, 6);
	mh_probe_op(m, t0, KP_OP_UNREGISTER, a, KP_NO_EXPECT);
	mh_probe_op(m, t0, KP_OP_UNREGISTER, b, KP_NO_EXPECT);
	mh_call(m, t1, "f_small", 6);
	for (uint64_t seed = 0; seed < 60; seed++) {
		mh_expect_done(m, mh_run_seed(m, seed));
		assert_true(mh_text_is_original(m, "f_small", 0, 5));
		assert_true(mh_p(m, a)->pre_calls <= 6 && mh_p(m, b)->pre_calls <= 6);
	}
	mh_free(m);
}

/*
 * The catalogue says which port an invariant judges, and the checker keeps to it: a
 * hashed unused aggregate is S5 on the seed (it should be waiting on unoptimizing_list)
 * and S9 on the parent (it should have been unhashed), never the other.
 */
static void test_invariants_per_port(void **state)
{
	const KpModel *models[] = { &kp_model_6274de4_parent, &kp_model_6274de4 };
	const char *want[] = { "S9", "S5" };

	(void)state;
	assert_true(kp_invariant_applies(kp_invariant("S9"), "6274de4^"));
	assert_false(kp_invariant_applies(kp_invariant("S9"), "6274de4"));
	assert_true(kp_invariant_applies(kp_invariant("S5"), "6274de4"));
	assert_false(kp_invariant_applies(kp_invariant("S5"), "6274de4^"));
	assert_false(kp_invariant_applies(kp_invariant("K1"), "6274de4^"));
	assert_true(kp_invariant_applies(kp_invariant("S1"), "6274de4^"));
	assert_true(kp_invariant_applies(kp_invariant("S1"), "6274de4"));
	assert_false(kp_invariant_applies(kp_invariant("S5"), NULL));
	/* the parent's own transitions, which the seed's state machine (docs/states.md) lacks */
	assert_true(kp_transition_parent(KP_ST_OPTIMIZED, KP_ST_DISARMED));
	assert_true(kp_transition_parent(KP_ST_OPTIMIZED, KP_ST_NONE));
	assert_false(kp_transition_parent(KP_ST_OPTIMIZED, KP_ST_INT3));
	assert_false(kp_transition_expected(KP_ST_OPTIMIZED, KP_ST_DISARMED));
	for (unsigned i = 0; i < 2; i++) {
		Mh *m = mh_new(1);
		unsigned a = mh_probe(m, "a", "f_medium", 0, true);	/* never optimized */
		unsigned t0 = mh_task(m, "t0", 0);
		KpSnapshot *s;
		KpSnapEntry *e;

		m->script.model = models[i];
		mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
		mh_probe_op(m, t0, KP_OP_DISABLE, a, 0);
		mh_expect_done(m, mh_run_first(m));
		s = mh_snapshot(m);
		/* the same state as a disabled aggregate whose last child has gone */
		assert_int_equal(s->n_entries, 1);
		e = &s->entries[0];
		e->aggr = true;
		e->n_children = 0;
		e->probe = -1;
		m->run.world.user[a].registered = false;
		sim_ctx_enter(m->ctx);
		kp_check_snapshot_for_tests(&m->run.world, s);
		sim_ctx_leave(m->ctx);
		/* reported (not fatally: an invariant), and alone */
		mh_expect_ids(m, want[i]);
		mh_expect_reported(m, want[i], "unused aggregate at f_medium+0x0");
		g_free(s);
		mh_free(m);
	}
}

/*
 * On the parent the jump path has no disabled check of its own (optimized_callback() has
 * none): a disabled child of an optimized aggregate keeps the jump, as the aggregate is
 * still enabled, and only opt_pre_handler() skips it; a child without a pre handler is
 * skipped too.  Then, globally disarmed: unregistering a child does not try to
 * re-optimize, and a new enabled probe joining the disabled aggregate enables it without
 * arming it, and a probe registered at a new address is not armed either.  Arming writes
 * the int3s; writing 0 and 1 to the sysctl leaves the disabled probe elsewhere alone and
 * queues the others for their jumps again.
 */
static void test_children_while_disarmed(void **state)
{
	Mh *m = parent_new(1);
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned b = mh_probe(m, "b", "f_small", 0, false);
	unsigned n = mh_probe_spec(m, (KpProbeSpec){ .name = "n", .kind = KP_PROBE_KPROBE,
						     .symbol = "f_small" });
	unsigned c = mh_probe(m, "c", "f_small", 0, false);
	unsigned d = mh_probe_spec(m, (KpProbeSpec){ .name = "d", .kind = KP_PROBE_KPROBE,
						     .symbol = "f_medium", .pre = true,
						     .disabled = true });
	unsigned f = mh_probe(m, "f", "f_large", 0, false);
	unsigned t0 = mh_task(m, "t0", 0);
	KpSnapshot *s;
	const KpSnapEntry *e;
	uint8_t byte;

	(void)state;
	mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t0, KP_OP_REGISTER, b, 0);
	mh_probe_op(m, t0, KP_OP_REGISTER, n, 0);
	mh_probe_op(m, t0, KP_OP_REGISTER, d, 0);
	mh_sleep(m, t0, 6);
	mh_probe_op(m, t0, KP_OP_DISABLE, b, 0);
	mh_call(m, t0, "f_small", 1);		/* through the jump: a only */
	mh_text_op(m, t0, KP_OP_DEBUGFS_WRITE, "0", 1);
	mh_probe_op(m, t0, KP_OP_UNREGISTER, b, KP_NO_EXPECT);
	mh_probe_op(m, t0, KP_OP_DISABLE, a, 0);
	mh_probe_op(m, t0, KP_OP_DISABLE, n, 0);
	mh_probe_op(m, t0, KP_OP_REGISTER, c, 0);	/* enables the aggregate, unarmed */
	mh_probe_op(m, t0, KP_OP_REGISTER, f, 0);	/* a new probe: not armed either */
	mh_call(m, t0, "f_small", 1);		/* disarmed: no hit */
	mh_text_op(m, t0, KP_OP_DEBUGFS_WRITE, "1", 1);
	mh_call(m, t0, "f_small", 1);		/* int3: c only */
	mh_text_op(m, t0, KP_OP_SYSCTL_WRITE, "0", 0);
	mh_text_op(m, t0, KP_OP_SYSCTL_WRITE, "1", 0);
	mh_sleep(m, t0, 6);
	mh_call(m, t0, "f_small", 1);		/* the jump again: c */
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(mh_p(m, a)->pre_calls, 1);
	assert_int_equal(mh_p(m, b)->pre_calls, 0);
	assert_int_equal(mh_p(m, c)->pre_calls, 2);
	assert_int_equal(mh_p(m, d)->pre_calls, 0);
	assert_int_equal(mh_p(m, f)->pre_calls, 0);
	/* the first and the last call went through the jump */
	assert_int_equal(mh_count_events(m, SIM_EV_USER, "native", -1), 2);
	mh_text(m, "f_small", 0, &byte, 1);
	assert_int_equal(byte, 0xe9);
	assert_true(mh_text_is_original(m, "f_medium", 0, 1));
	/* f was armed with the rest and optimized by the sysctl's re-queue */
	mh_text(m, "f_large", 0, &byte, 1);
	assert_int_equal(byte, 0xe9);
	s = mh_snapshot(m);
	e = mh_snap_entry(s, mh_sym_addr("f_small", 0));
	assert_non_null(e);
	assert_int_equal(e->n_children, 3);
	assert_int_equal(e->flags, KP_SNAP_OPTIMIZED);
	assert_int_equal(mh_snap_entry(s, mh_sym_addr("f_medium", 0))->flags, KP_SNAP_DISABLED);
	g_free(s);
	mh_free(m);
}

/*
 * The sysctl and debugfs handlers called the way a read(2) or write(2) with an odd buffer
 * would: a buffer too small for the value, an unmapped one (NULL here), an empty write;
 * and the batch calls with no probes.  Both ports behave alike here.
 */
typedef struct {
	const KpModel *model;
	int rets[12];
	size_t lens[12];
	char bufs[12][8];
} EdgeCase;

static void edge_task(SimCtx *ctx, void *arg)
{
	EdgeCase *c = arg;
	KpEnv *env = sim_ctx_user(ctx);
	const KpModel *m = env->model;
	char one[2] = "1";
	size_t len;

	/* read into 1 byte: the value only, no newline */
	len = 1;
	c->rets[0] = m->sysctl_optimization(env, 0, c->bufs[0], &len);
	c->lens[0] = len;
	/* read into an unmapped buffer */
	len = 4;
	c->rets[1] = m->sysctl_optimization(env, 0, NULL, &len);
	/* write from an unmapped buffer */
	len = 2;
	c->rets[2] = m->sysctl_optimization(env, 1, NULL, &len);
	/* a write of no bytes */
	len = 0;
	c->rets[3] = m->sysctl_optimization(env, 1, one, &len);
	c->lens[3] = len;
	/* read of 0 bytes */
	len = 0;
	c->rets[4] = m->sysctl_optimization(env, 0, c->bufs[4], &len);
	c->lens[4] = len;
	/* debugfs: a 1-byte read, an unmapped read buffer, an unmapped write buffer */
	c->rets[5] = (int)m->debugfs_enabled_read(env, c->bufs[5], 1);
	c->rets[6] = (int)m->debugfs_enabled_read(env, NULL, 3);
	c->rets[7] = (int)m->debugfs_enabled_write(env, NULL, 1);
	c->rets[8] = (int)m->debugfs_enabled_read(env, c->bufs[8], 0);
	/* register_kprobes() and unregister_kprobes() of no probes */
	c->rets[9] = m->register_probes(env, NULL, 0);
	m->unregister_probes(env, NULL, 0);
}

static void edge_setup(SimCtx *ctx, void *data)
{
	EdgeCase *c = data;
	KpEnv *env;

	/* booting the port is kernel code: it runs as the engine, as in a script run */
	sim_ctx_enter(ctx);
	env = kp_env_new(ctx, emu_default_image(), c->model);
	env->model->init(env);
	sim_ctx_leave(ctx);
	sim_task_create(ctx, "t", 0, edge_task, c, 0);
}

static void test_sysctl_debugfs_buffers(void **state)
{
	const KpModel *models[] = { &kp_model_6274de4_parent, &kp_model_6274de4 };

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		SimCtx *ctx = harness_ctx(1, false);
		EdgeCase c = { .model = models[i] };

		assert_int_equal(harness_run_first(ctx, edge_setup, &c), SIM_END_DONE);
		kp_env_free(sim_ctx_user(ctx));
		sim_ctx_free(ctx);
		assert_int_equal(c.rets[0], 0);
		assert_int_equal(c.lens[0], 1);
		assert_int_equal(c.bufs[0][0], '1');
		assert_int_equal(c.rets[1], -EFAULT);
		assert_int_equal(c.rets[2], -EFAULT);
		assert_int_equal(c.rets[3], 0);
		assert_int_equal(c.lens[3], 0);
		assert_int_equal(c.rets[4], 0);
		assert_int_equal(c.lens[4], 0);
		assert_int_equal(c.rets[5], 1);
		assert_int_equal(c.bufs[5][0], '1');
		assert_int_equal(c.rets[6], -EFAULT);
		assert_int_equal(c.rets[7], -EFAULT);
		assert_int_equal(c.rets[8], 0);
		assert_int_equal(c.rets[9], -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_disable_removes_jump_in_caller),
		cmocka_unit_test(test_unregister_then_register_again),
		cmocka_unit_test(test_optimizer_idle_when_disarmed),
		cmocka_unit_test(test_sysctl_off_removes_jumps),
		cmocka_unit_test(test_gone_keeps_optimized),
		cmocka_unit_test(test_enable_unoptimizes_without_hotplug),
		cmocka_unit_test(test_init_text_jump_freed),
		cmocka_unit_test(test_concurrent_disable_enable),
		cmocka_unit_test(test_invariants_per_port),
		cmocka_unit_test(test_children_while_disarmed),
		cmocka_unit_test(test_sysctl_debugfs_buffers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
