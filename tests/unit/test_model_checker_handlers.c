// SPDX-License-Identifier: GPL-2.0-only
/*
 * The checker's handler invariants H1 and H4 (docs/invariants.md, "Handlers"): no
 * disabled child's handler runs and a nested hit calls no handler (H1, judged by
 * model/hits.c at each handler call), and an aggregate with a post or break handler
 * child is not optimized (H4, judged on the structures).  The faithful port never breaks
 * them, so a hit path that breaks H1 is played by a native function of the test, and H4
 * by an edited snapshot of a real run.
 */
#include "checker_harness.h"

/* ---- H4 on edited snapshots ---- */

static void e_post_optimized(KpSnapshot *s)
{
	ea(s)->child_post[0] = true;
}

static void e_break_jump(KpSnapshot *s)
{
	ea(s)->flags &= ~KP_SNAP_OPTIMIZED;
	/* unoptimizing (docs/states.md): the jump is still there */
	ea(s)->list = KP_SNAP_LIST_UNOPTIMIZING;
	ea(s)->child_break[0] = true;
}

static const CkSnapEdit handler_edits[] = {
	{ "post-optimized", BASE_A, false, "H4", "has a post handler child but is OPTIMIZED",
	  e_post_optimized },
	{ "break-jump", BASE_A, false, "H4",
	  "has a break handler child but is reached through a jump", e_break_jump },
};

static void test_handler_snapshot_edits(void **state)
{
	(void)state;
	ck_snap_edits(handler_edits, G_N_ELEMENTS(handler_edits));
}

/* ---- H1 from a hit path played by the test ---- */

/* Where the vCPU finds the native function that stands for the hit path. */
#define H1_NATIVE 0xffffffff81e10000ull

static void h1_call_native(Ck *k, EmuNativeFn fn)
{
	emu_machine_add_native(k->env->machine, H1_NATIVE, "h1", fn, k);
	emu_cpu_call(k->env->machine, H1_NATIVE);
}

/* a is a disabled child of its aggregate; b an enabled independent probe. */
static void h1_disabled_native(EmuMachine *m, EmuCpu *cpu, void *user)
{
	Ck *k = user;

	(void)m;
	(void)cpu;
	kp_hits_check_handler(&k->w, &k->probes[k->corrupt ? 0 : 1]);
}

static void body_h1_disabled(Ck *k)
{
	h1_call_native(k, h1_disabled_native);
}

/* a and b registered, a disabled, each time after the optimizer ran; then the body. */
static void script_a_disabled(Ck *k, CkFn body)
{
	unsigned a = ck_probe(k, "a", "f_small", A_OFF, false);
	unsigned b = ck_probe(k, "b", "f_small", B_OFF, false);
	unsigned t = ck_task(k, "t0", 0);

	ck_probe_op(k, t, CK_REGISTER, a, 0);
	ck_probe_op(k, t, CK_REGISTER, b, 0);
	ck_sleep(k, t, 10);
	ck_probe_op(k, t, CK_DISABLE, a, 0);
	ck_sleep(k, t, 10);
	ck_fn(k, t, body);
}

/* A handler call for a hit that began while a kprobe was already running on the vCPU. */
static void h1_nested_native(EmuMachine *m, EmuCpu *cpu, void *user)
{
	Ck *k = user;

	(void)m;
	(void)cpu;
	if (k->corrupt)
		kp_hits_begin_nested_for_tests(&k->w);
	kp_hits_check_handler(&k->w, &k->probes[0]);
}

static void body_h1_nested(Ck *k)
{
	h1_call_native(k, h1_nested_native);
}

/* a registered, then the body. */
static void script_a(Ck *k, CkFn body)
{
	unsigned a = ck_probe(k, "a", "f_small", A_OFF, false);
	unsigned t = ck_task(k, "t0", 0);

	ck_probe_op(k, t, CK_REGISTER, a, 0);
	ck_fn(k, t, body);
}

/*
 * H1 for a kretprobe's entry handler, which pre_handler_kretprobe() calls after taking
 * rp->lock, steps after the aggregate's walk checked the child: r (a kretprobe) is a
 * child at f_small+0 beside the kprobe a, disabled, and then a hit on f_medium begins.
 * Its entry handler called now (the native) would be one the walk had to skip: r has
 * been disabled since before the hit began.  The control calls a's handler, enabled.
 */
static void h1_kretprobe_native(EmuMachine *m, EmuCpu *cpu, void *user)
{
	Ck *k = user;

	(void)m;
	(void)cpu;
	kp_hits_check_handler(&k->w, &k->probes[k->corrupt ? 1 : 0]);
}

static void body_h1_kretprobe(Ck *k)
{
	kp_api_call(&k->w, mh_sym_addr("f_medium", 0), 2);
	h1_call_native(k, h1_kretprobe_native);
}

static void script_kretprobe_disabled(Ck *k, CkFn body)
{
	unsigned a = ck_probe(k, "a", "f_small", A_OFF, false);
	unsigned r = ck_probe(k, "r", "f_small", A_OFF, false);
	unsigned t = ck_task(k, "t0", 0);

	k->specs[r].kind = KP_PROBE_KRETPROBE;
	ck_probe_op(k, t, CK_REGISTER, a, 0);
	ck_probe_op(k, t, CK_REGISTER, r, 0);
	ck_probe_op(k, t, CK_DISABLE, r, 0);
	ck_sleep(k, t, 10);
	ck_fn(k, t, body);
}

static const CkTaskCase handler_cases[] = {
	{ "test_h1_disabled_child", script_a_disabled, body_h1_disabled, NULL,
	  "H1", "the pre handler of a runs while it is a disabled child" },
	{ "test_h1_nested_hit_calls_handler", script_a, body_h1_nested, NULL,
	  "H1", "began while a kprobe was already running on cpu0" },
	{ "test_h1_kretprobe_disabled_before_hit", script_kretprobe_disabled, body_h1_kretprobe,
	  NULL, "H1", "the entry handler of r runs for a hit that began at step" },
};

int main(void)
{
	struct CMUnitTest tests[1 + G_N_ELEMENTS(handler_cases)] = {
		cmocka_unit_test(test_handler_snapshot_edits),
	};
	size_t n = 1;

	for (size_t i = 0; i < G_N_ELEMENTS(handler_cases); i++)
		tests[n++] = mh_row_test(ck_task_case, handler_cases[i].name, &handler_cases[i]);
	return harness_main(tests, n, "checker_handlers");
}
