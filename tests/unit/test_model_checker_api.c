// SPDX-License-Identifier: GPL-2.0-only
/*
 * The checker's API contracts, A1-A8 (docs/invariants.md, "API postconditions"): what
 * register_kprobe(), enable_kprobe()/disable_kprobe(), unregister_kprobe(), the debugfs
 * enabled file (arm_all_kprobes(), disarm_all_kprobes()) and the kprobes-optimization
 * sysctl promise when they return.  After a real run, the checker is called as the API
 * glue calls it, with a return value, an argument or the user-level record
 * (KpWorld.user, armed) that disagrees with the kernel's state; the calls the contract
 * allows are judged clean first.
 */
#include "checker_harness.h"

static void after_register(Ck *k, unsigned probe, int ret)
{
	KpProbe *p = &k->probes[probe];

	kp_check_after_register(&k->w, &p, 1, ret);
}

static void after_unregister(Ck *k, unsigned probe)
{
	KpProbe *p = &k->probes[probe];

	kp_check_after_unregister(&k->w, &p, 1);
}

/* ---- A1, A2: register_kprobe() ---- */

/* After ck_script_a: a is registered, b is not. */
static void a_registered_b_failed(Ck *k)
{
	after_register(k, 0, 0);
	after_register(k, 1, -EINVAL);	/* a failure promises nothing */
}

static void b_registered(Ck *k)
{
	after_register(k, 1, 0);
}

/* One probe "a" at f_small+12 (int3), registered and disabled again. */
static void script_int3_disabled(Ck *k)
{
	unsigned a = ck_probe(k, "a", "f_small", B_OFF, false);
	unsigned t = ck_task(k, "t0", 0);

	ck_probe_op(k, t, CK_REGISTER, a, 0);
	ck_probe_op(k, t, CK_DISABLE, a, 0);
}

/* Its text is original: "armed" holds only if it was registered disabled. */
static void registered_disabled(Ck *k)
{
	k->w.user[0].enabled = false;	/* registered disabled: no arming promised */
	after_register(k, 0, 0);
}

static void registered_enabled(Ck *k)
{
	k->w.user[0].enabled = true;
	after_register(k, 0, 0);
}

/*
 * A2: -EBUSY for an address with no registered probe while the optimizer is idle.  In
 * this run b was never registered and the optimizer has finished.
 */
static void b_failed_einval(Ck *k)
{
	after_register(k, 1, -EINVAL);	/* about the address: fine */
}

static void b_failed_ebusy(Ck *k)
{
	after_register(k, 1, -EBUSY);
}

/* ---- A3, A4: enable_kprobe(), disable_kprobe(), unregister_kprobe() ---- */

/* After ck_script_a: a is enabled. */
static void a_enable_ok_disable_failed(Ck *k)
{
	kp_check_after_enable(&k->w, &k->probes[0], 0, true);
	kp_check_after_enable(&k->w, &k->probes[0], -EINVAL, false);
}

static void a_disable_returned(Ck *k)
{
	kp_check_after_enable(&k->w, &k->probes[0], 0, false);
}

/* a registered and disabled, each time after the optimizer ran. */
static void script_a_disabled(Ck *k)
{
	unsigned a = ck_probe(k, "a", "f_small", A_OFF, false);
	unsigned t = ck_task(k, "t0", 0);

	ck_probe_op(k, t, CK_REGISTER, a, 0);
	ck_sleep(k, t, 10);
	ck_probe_op(k, t, CK_DISABLE, a, 0);
	ck_sleep(k, t, 10);
}

static void a_enable_returned(Ck *k)
{
	kp_check_after_enable(&k->w, &k->probes[0], 0, true);
}

/* a and b registered, b unregistered again: a is the child of its aggregate. */
static void script_b_unregistered(Ck *k)
{
	unsigned a = ck_probe(k, "a", "f_small", A_OFF, false);
	unsigned b = ck_probe(k, "b", "f_small", B_OFF, false);
	unsigned t = ck_task(k, "t0", 0);

	ck_probe_op(k, t, CK_REGISTER, a, 0);
	ck_probe_op(k, t, CK_REGISTER, b, 0);
	ck_sleep(k, t, 10);
	ck_probe_op(k, t, CK_UNREGISTER, b, CK_ANY);
	ck_sleep(k, t, 10);
}

static void b_unregister_returned(Ck *k)
{
	after_unregister(k, 1);
}

static void a_unregister_returned(Ck *k)
{
	after_unregister(k, 0);
}

/* ---- A5, A6: the debugfs enabled file ---- */

/* After ck_script_ab: a (jump) and b (int3) are armed. */
static void debugfs_returned(Ck *k)
{
	kp_check_after_debugfs(&k->w);
}

static void disarm_returned(Ck *k)
{
	k->w.armed = false;
	kp_check_after_debugfs(&k->w);
}

/* b, an int3 probe, globally disarmed: the disarm completes. */
static void script_b_disarmed(Ck *k)
{
	unsigned b = ck_probe(k, "b", "f_small", B_OFF, false);
	unsigned t = ck_task(k, "t0", 0);

	ck_probe_op(k, t, CK_REGISTER, b, 0);
	ck_text_op(k, t, CK_DEBUGFS_WRITE, "0", 1);
}

/* Not a checker call: the premise, b's text is original again. */
static void b_text_original(Ck *k)
{
	assert_int_equal(text_byte(k, mh_sym_addr("f_small", B_OFF)),
			 text_orig(k, mh_sym_addr("f_small", B_OFF)));
}

static void arm_returned(Ck *k)
{
	k->w.armed = true;
	kp_check_after_debugfs(&k->w);
}

/* b disabled in the kernel, then a disarm/arm cycle. */
static void script_b_disabled_cycled(Ck *k)
{
	unsigned b = ck_probe(k, "b", "f_small", B_OFF, false);
	unsigned t = ck_task(k, "t0", 0);

	ck_probe_op(k, t, CK_REGISTER, b, 0);
	ck_probe_op(k, t, CK_DISABLE, b, 0);
	ck_text_op(k, t, CK_DEBUGFS_WRITE, "0", 1);
	ck_text_op(k, t, CK_DEBUGFS_WRITE, "1", 1);
}

/* The record says the user enabled b. */
static void arm_returned_b_enabled(Ck *k)
{
	k->w.user[0].enabled = true;
	kp_check_after_debugfs(&k->w);
}

/* ---- A7, A8: the kprobes-optimization sysctl and the reads ---- */

/* A failed write (here: "2" is out of range) must leave the setting alone. */
static void script_sysctl_out_of_range(Ck *k)
{
	ck_text_op(k, ck_task(k, "t0", 0), CK_SYSCTL_WRITE, "2", -EINVAL);
}

static void failed_write_kept_setting(Ck *k)
{
	kp_check_after_sysctl_write(&k->w, -EINVAL, true);
}

static void failed_write_changed_setting(Ck *k)
{
	kp_check_after_sysctl_write(&k->w, -EINVAL, false);
}

/* After ck_script_a: optimization is allowed and kprobes are armed. */
static void sysctl_read_1(Ck *k)
{
	kp_check_after_sysctl_read(&k->w, 1);
	kp_check_after_sysctl_read(&k->w, -EFAULT);
}

static void sysctl_read_0(Ck *k)
{
	kp_check_after_sysctl_read(&k->w, 0);
}

static void debugfs_read_1(Ck *k)
{
	kp_check_after_debugfs_read(&k->w, 1, "1\n");
}

static void debugfs_read_0(Ck *k)
{
	kp_check_after_debugfs_read(&k->w, 0, "0\n");
}

static const CkCallCase api_cases[] = {
	{ "test_a1_register_not_hashed", ck_script_a, a_registered_b_failed, b_registered,
	  "A1", "register_kprobe(b) returned 0 but it is neither hashed nor a child" },
	{ "test_a1_register_not_armed", script_int3_disabled, registered_disabled,
	  registered_enabled,
	  "A1", "register_kprobe(a) returned 0 but its address is not armed" },
	{ "test_a2_busy_with_nothing_there", ck_script_a, b_failed_einval, b_failed_ebusy,
	  "A2", "failed with -EBUSY with no probe registered there" },
	{ "test_a3_disable_flag", ck_script_a, a_enable_ok_disable_failed, a_disable_returned,
	  "A3", "disable_kprobe(a) returned 0 but DISABLED is clear" },
	{ "test_a3_enable_flag", script_a_disabled, a_disable_returned,
	  a_enable_returned,
	  "A3", "enable_kprobe(a) returned 0 but DISABLED is set" },
	{ "test_a4_unregister_still_hashed", script_b_unregistered, b_unregister_returned,
	  a_unregister_returned,
	  "A4", "unregister(a) returned but it is still a child of an aggregate" },
	{ "test_a5_disarmed_but_armed", ck_script_ab, debugfs_returned, disarm_returned,
	  "A5", "kprobes were disarmed but f_small+0x" },
	{ "test_a6_armed_but_flag_set", script_b_disarmed, b_text_original, arm_returned,
	  "A6", "arm_all_kprobes returned but kprobes_all_disarmed is set" },
	{ "test_a6_armed_but_probe_unarmed", script_b_disabled_cycled, NULL,
	  arm_returned_b_enabled,
	  "A6", "arm_all_kprobes returned but b is not armed" },
	{ "test_a7_failed_write_changed_setting", script_sysctl_out_of_range,
	  failed_write_kept_setting, failed_write_changed_setting,
	  "A7", "a failed sysctl write (-22) changed the optimization setting" },
	{ "test_a8_sysctl_read", ck_script_a, sysctl_read_1, sysctl_read_0,
	  "A8", "the sysctl reads 0 but optimization is allowed" },
	{ "test_a8_debugfs_read", ck_script_a, debugfs_read_1, debugfs_read_0,
	  "A8", "debugfs enabled reads \"0\n\" while kprobes are armed" },
};

/*
 * enable_kprobe(b) "returned 0" while b's int3 was just taken out by someone else: the
 * text is checked as the call returns (while that writer still holds text_mutex, so the
 * per-step text rules are not yet judged).
 */
static void body_enable_unarmed(Ck *k)
{
	uint64_t at = task_sym(k, "f_small", B_OFF);
	uint8_t b = orig_byte(k, at);
	SimMutex *km = kprobe_mutex_of(k);

	sim_mutex_lock(k->ctx, km);
	sim_mutex_lock(k->ctx, &k->env->text_mutex);
	if (k->corrupt)
		emu_text_poke(k->env->text, at, &b, 1);
	kp_check_after_enable(&k->w, &k->probes[0], 0, true);
	if (k->corrupt)
		emu_text_poke(k->env->text, at, (uint8_t[1]){ INT3 }, 1);
	sim_mutex_unlock(k->ctx, &k->env->text_mutex);
	sim_mutex_unlock(k->ctx, km);
}

static void script_b(Ck *k, CkFn body)
{
	unsigned b = ck_probe(k, "b", "f_small", B_OFF, false);
	unsigned t = ck_task(k, "t0", 0);

	ck_probe_op(k, t, CK_REGISTER, b, 0);
	ck_fn(k, t, body);
}

static const CkTaskCase enable_unarmed = {
	"test_a3_enable_not_armed", script_b, body_enable_unarmed, NULL,
	"A3", "enable_kprobe(b) returned 0 but its address is not armed"
};

int main(void)
{
	struct CMUnitTest tests[G_N_ELEMENTS(api_cases) + 1];
	size_t n = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(api_cases); i++)
		tests[n++] = mh_row_test(ck_call_case, api_cases[i].name, &api_cases[i]);
	tests[n++] = mh_row_test(ck_task_case, enable_unarmed.name, &enable_unarmed);
	return harness_main(tests, n, "checker_api");
}
