// SPDX-License-Identifier: GPL-2.0-only
/*
 * The return invariants (docs/invariants.md, "Returns"): R1 from real runs of the port
 * (an entry handler that refuses an instance loses it, the kernel bug at this commit;
 * one that accepts it does not), R2, R3 and R4 from task bodies that make the glue's
 * calls to the checker disagree with what happened, each against a control that agrees.
 */
#include "checker_harness.h"

#include "model/kernel/kernel.h"

#include <cmocka.h>

/* The stack slot and the return address the R2 bodies report. */
#define SLOT 0xffff880000001f00ULL
#define REAL 0xffffffff81000010ULL
#define TRAMPOLINE 0xffffffff81e00080ULL

static unsigned ck_kretprobe(Ck *k, const char *name, const char *symbol, bool ret,
			     int entry_ret)
{
	unsigned i = ck_probe(k, name, symbol, 0, false);

	k->specs[i].kind = KP_PROBE_KRETPROBE;
	k->specs[i].ret = ret;
	k->specs[i].pre_ret = entry_ret;
	return i;
}

static void call_f_small(Ck *k)
{
	kp_api_call(&k->w, kallsyms_lookup_name("f_small"), 2);
}

/* R1: a kretprobe with a return handler, hit twice, then unregistered. */
static void r1_script(Ck *k, int entry_ret)
{
	unsigned r = ck_kretprobe(k, "r", "f_small", true, entry_ret);
	unsigned t = ck_task(k, "t0", 0);

	ck_probe_op(k, t, CK_REGISTER, r, 0);
	ck_fn(k, t, call_f_small);
	ck_fn(k, t, call_f_small);
}

static void test_r1_refused_instance_is_lost(void **state)
{
	Ck *k = ck_new(1);

	(void)state;
	r1_script(k, 0);
	ck_run(k, false);
	ck_expect_clean(k);
	assert_int_equal(k->probes[0].ret_calls, 4);
	assert_int_equal(k->probes[0].pre_calls, 4);
	ck_free(k);

	k = ck_new(1);
	r1_script(k, 1);
	ck_run(k, false);
	/* One CPU: one instance, refused at the first hit; the later hits are misses. */
	assert_int_equal(k->probes[0].ret_calls, 0);
	ck_expect(k, "R1", "1 kretprobe instances are allocated but 0 are on free lists");
	ck_free(k);
}

static void script_one_task(Ck *k, CkFn body)
{
	unsigned t = ck_task(k, "t0", 0);

	ck_fn(k, t, body);
}

static void body_r2_never_back(Ck *k)
{
	kp_check_ret_hijacked(k->env, SLOT, REAL, TRAMPOLINE);
	if (!k->corrupt)
		kp_check_ret_resumed(k->env, SLOT, REAL);
	kp_check_ret_call_end(k->env);
}

static void body_r2_wrong_address(Ck *k)
{
	kp_check_ret_hijacked(k->env, SLOT, REAL, TRAMPOLINE);
	/* A second kretprobe on the same call replaces the trampoline by itself. */
	kp_check_ret_hijacked(k->env, SLOT, TRAMPOLINE, TRAMPOLINE);
	kp_check_ret_resumed(k->env, SLOT, k->corrupt ? TRAMPOLINE : REAL);
	kp_check_ret_call_end(k->env);
}

/* The trampoline reached through a stack slot whose return nobody replaced. */
static void body_r2_nothing_replaced(Ck *k)
{
	if (!k->corrupt)
		kp_check_ret_hijacked(k->env, SLOT, REAL, TRAMPOLINE);
	kp_check_ret_resumed(k->env, SLOT, REAL);
	kp_check_ret_call_end(k->env);
}

/*
 * Nested calls, each with its return replaced, deeper calls at lower stack slots, and
 * each coming back through the trampoline, deepest first: the checker follows as many
 * as a kernel stack holds, and says so when there are more.
 */
static void body_r2_too_deep(Ck *k)
{
	unsigned n = k->corrupt ? KP_CHECK_RET_MAX + 1 : KP_CHECK_RET_MAX;

	for (unsigned i = 0; i < n; i++)
		kp_check_ret_hijacked(k->env, SLOT - 16 * i, REAL + i, TRAMPOLINE);
	for (unsigned i = MIN(n, KP_CHECK_RET_MAX); i-- > 0;)
		kp_check_ret_resumed(k->env, SLOT - 16 * i, REAL + i);
	kp_check_ret_call_end(k->env);
}

static void script_unregistered_kretprobe(Ck *k, CkFn body)
{
	unsigned r = ck_kretprobe(k, "r", "f_small", true, 0);
	unsigned t = ck_task(k, "t0", 0);

	ck_probe_op(k, t, CK_REGISTER, r, 0);
	ck_fn(k, t, body);
	ck_probe_op(k, t, CK_UNREGISTER, r, CK_ANY);
	ck_fn(k, t, body);
}

static void body_r3_handler_after_unregister(Ck *k)
{
	/* While registered a return handler may run; after unregister it must not. */
	if (k->w.user[0].registered || k->corrupt)
		kp_check_ret_handler(k->env, &k->probes[0]);
}

static void body_r4_area(Ck *k)
{
	uint8_t area[64], later[64];

	memset(area, 0x11, sizeof(area));
	memcpy(later, area, sizeof(later));
	kp_check_jprobe_entry(k->env, SLOT, area, sizeof(area));
	if (k->corrupt)
		later[8] = 0x5a;
	kp_check_jprobe_resumed(k->env, later);
}

/* The jprobe frame comes back without its argument area (or with it, restored). */
static void body_r4_area_gone(Ck *k)
{
	uint8_t area[32];

	memset(area, 0x22, sizeof(area));
	/* A resume with no jprobe entry before it is not the checker's business. */
	kp_check_jprobe_resumed(k->env, area);
	kp_check_jprobe_entry(k->env, SLOT, area, sizeof(area));
	kp_check_jprobe_resumed(k->env, k->corrupt ? NULL : area);
}

static const CkTaskCase task_cases[] = {
	{ "test_r2_return_never_reaches_trampoline", script_one_task, body_r2_never_back, NULL,
	  "R2", "never reached the trampoline (the call returned)" },
	{ "test_r2_resumes_at_wrong_address", script_one_task, body_r2_wrong_address, NULL,
	  "R2", "the trampoline resumes at 0xffffffff81e00080, but the call" },
	{ "test_r3_return_handler_after_unregister", script_unregistered_kretprobe,
	  body_r3_handler_after_unregister, NULL,
	  "R3", "the return handler of r runs after its unregistration returned" },
	{ "test_r4_argument_area_not_restored", script_one_task, body_r4_area, NULL,
	  "R4", "argument area not as they were at the hit" },
	{ "test_r2_resumes_where_nothing_was_replaced", script_one_task,
	  body_r2_nothing_replaced, NULL, "R2", "where no return address was replaced" },
	{ "test_r2_more_returns_than_a_stack_holds", script_one_task, body_r2_too_deep, NULL,
	  "R2", "hijacked returns in flight on one CPU" },
	{ "test_r4_argument_area_gone", script_one_task, body_r4_area_gone, NULL,
	  "R4", "argument area not as they were at the hit" },
};

/* A jprobe whose entry overwrites its argument area: the kernel restores it (R4 holds). */
static void test_r4_jprobe_clobbering_entry_is_restored(void **state)
{
	Ck *k = ck_new(1);
	unsigned j = ck_probe(k, "j", "f_small", 0, false);
	unsigned t = ck_task(k, "t0", 0);

	(void)state;
	k->specs[j].kind = KP_PROBE_JPROBE;
	k->specs[j].pre = false;
	k->specs[j].clobbers_args = true;
	ck_probe_op(k, t, CK_REGISTER, j, 0);
	ck_fn(k, t, call_f_small);
	ck_probe_op(k, t, CK_UNREGISTER, j, CK_ANY);
	ck_run(k, false);
	ck_expect_clean(k);
	assert_int_equal(k->probes[0].pre_calls, 2);
	ck_free(k);
}

int main(void)
{
	struct CMUnitTest tests[G_N_ELEMENTS(task_cases) + 2];
	size_t n = 0;

	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_r1_refused_instance_is_lost);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(
		test_r4_jprobe_clobbering_entry_is_restored);
	for (size_t i = 0; i < G_N_ELEMENTS(task_cases); i++)
		tests[n++] = mh_row_test(ck_task_case, task_cases[i].name, &task_cases[i]);
	return harness_main(tests, n, "checker_returns");
}
