// SPDX-License-Identifier: GPL-2.0-only
/*
 * The checker's text invariants, T1-T6 (docs/invariants.md, "Text"): kernel text
 * differs from the original only where a hashed probe owns the bytes, and there as that
 * probe's state says (T1, T2, T4); an installed jump is changed only by its own
 * unoptimize write (T3); nothing writes to a GONE probe's text (T5); and kprobes write
 * text under kprobe_mutex (T6).  A task of the test corrupts the text between
 * operations, or a snapshot of a real run is edited; the control writes the original
 * bytes, or keeps the rules, and is judged clean.
 */
#include "checker_harness.h"

/* ---- T2 and T4 on edited snapshots ---- */

/* A disabled aggregate still OPTIMIZED and on no list: no probe state has that. */
static void e_no_row(KpSnapshot *s)
{
	ea(s)->flags |= KP_SNAP_DISABLED;
	ea(s)->child_flags[0] |= KP_SNAP_DISABLED;
}

static void e_int3_disabled(KpSnapshot *s)
{
	eb(s)->flags |= KP_SNAP_DISABLED;
}

static void e_jump_disarmed(KpSnapshot *s)
{
	s->all_disarmed = true;
}

static const CkSnapEdit text_edits[] = {
	{ "no-row", BASE_A, false, "T2", "match no state", e_no_row },
	{ "int3-disabled", BASE_AB, false, "T2",
	  "f_small+0xc should hold the original bytes but holds cc", e_int3_disabled },
	{ "jump-disarmed", BASE_A, false, "T4", "holds e9 while kprobes are globally disarmed",
	  e_jump_disarmed },
};

static void test_text_snapshot_edits(void **state)
{
	(void)state;
	ck_snap_edits(text_edits, G_N_ELEMENTS(text_edits));
}

/* ---- the text, corrupted by a task between operations ---- */

/* Nothing registered: the body alone. */
static void script_body(Ck *k, CkFn body)
{
	ck_fn(k, ck_task(k, "t0", 0), body);
}

/* a optimized (the optimizer ran), then the body, then a tick for the per-step checks. */
static void script_a_optimized(Ck *k, CkFn body)
{
	unsigned a = ck_probe(k, "a", "f_small", A_OFF, false);
	unsigned t = ck_task(k, "t0", 0);

	ck_probe_op(k, t, CK_REGISTER, a, 0);
	ck_sleep(k, t, 10);
	ck_fn(k, t, body);
	ck_sleep(k, t, 1);
}

static void a_has_jump(Ck *k)
{
	assert_true(text_has_jump(k, mh_sym_addr("f_small", A_OFF)));
}

/* b registered (an int3), then the body, then a tick. */
static void script_b_int3(Ck *k, CkFn body)
{
	unsigned b = ck_probe(k, "b", "f_small", B_OFF, false);
	unsigned t = ck_task(k, "t0", 0);

	ck_probe_op(k, t, CK_REGISTER, b, 0);
	ck_fn(k, t, body);
	ck_sleep(k, t, 1);
}

static void b_has_int3(Ck *k)
{
	assert_int_equal(text_byte(k, mh_sym_addr("f_small", B_OFF)), INT3);
}

/* A function the scenario added is core kernel text, judged like the image's. */
static const uint8_t s_fn_bytes[] = {
	0x48, 0x89, 0xf8,		/* mov %rdi,%rax */
	0x48, 0x01, 0xf0,		/* add %rsi,%rax */
	0xc3,				/* ret */
};

static void script_scenario_fn(Ck *k, CkFn body)
{
	unsigned t = ck_task(k, "t0", 0);

	k->fn_name = "s_fn";
	k->fn_bytes = s_fn_bytes;
	k->fn_len = sizeof(s_fn_bytes);
	ck_fn(k, t, body);
	ck_sleep(k, t, 1);
}

/* a in module init text, registered while the module is COMING, then the body. */
static void script_module_init_probe(Ck *k, CkFn body)
{
	unsigned a = ck_probe(k, "a", "mod_a_init", 0, false);
	unsigned t = ck_task(k, "t0", 0);

	ck_text_op(k, t, CK_MODULE_LOAD, "mod_a", 0);
	ck_probe_op(k, t, CK_REGISTER, a, 0);
	ck_fn(k, t, body);
}

/* T6: a write of the right bytes, but without kprobe_mutex. */
static void body_write_without_kprobe_mutex(Ck *k)
{
	uint64_t at = task_sym(k, "f_medium", 2);
	uint8_t b = orig_byte(k, at);

	poke_locked(k, at, &b, 1, !k->corrupt);
}

/*
 * T5: a probe in module init text is killed by the LIVE notification (GONE) while the
 * init text is still mapped; a write at its address is then a write to a GONE probe.
 * The notification is sent here without the loader's free of the init text that
 * follows it, so that the write can land in between.
 */
static void body_write_gone(Ck *k)
{
	struct module *mod = kp_env_module(k->env, "mod_a");
	uint64_t at = task_sym(k, "mod_a_init", 0);
	uint8_t b = orig_byte(k, at);

	k->env->model->module_notify(k->env, mod, MODULE_STATE_LIVE);
	if (k->corrupt)
		poke(k, at, &b, 1);
}

/* T1: f_medium has no probe: a changed byte there belongs to nobody. */
static void body_write_f_medium(Ck *k)
{
	uint64_t at = task_sym(k, "f_medium", 2);
	uint8_t b = k->corrupt ? INT3 : orig_byte(k, at);

	poke(k, at, &b, 1);
}

static void body_write_s_fn(Ck *k)
{
	uint64_t at = task_sym(k, "s_fn", 3);
	uint8_t b = k->corrupt ? INT3 : orig_byte(k, at);

	poke(k, at, &b, 1);
}

/* T2: b holds an int3; a jump opcode there matches no state of an independent probe. */
static void body_jmp_over_int3(Ck *k)
{
	uint8_t b = k->corrupt ? JMP : INT3;

	poke(k, task_sym(k, "f_small", B_OFF), &b, 1);
}

/*
 * T3: a's jump is installed: a write inside it (or an int3 over it) is judged as it
 * happens.  The controls write next to the jump, or the jump's own first byte again: a
 * write that changes no byte of the jump does not break it.
 */
static void body_write_in_jump(Ck *k)
{
	uint64_t at = task_sym(k, "f_small", k->corrupt ? 2 : 5);	/* +5: after the jump */
	uint8_t b = k->corrupt ? 0x90 : orig_byte(k, at);

	poke(k, at, &b, 1);
}

static void body_int3_over_jump(Ck *k)
{
	uint64_t at = task_sym(k, "f_small", A_OFF);
	uint8_t b = k->corrupt ? INT3 : JMP;

	poke(k, at, &b, 1);
}

static const CkTaskCase text_cases[] = {
	{ "test_t6_write_without_kprobe_mutex", script_body, body_write_without_kprobe_mutex,
	  NULL, "T6", "text write at f_medium+0x2 without kprobe_mutex held" },
	{ "test_t5_write_to_gone_probe", script_module_init_probe, body_write_gone, NULL,
	  "T5", "write at mod_a_init+0x0 targets a GONE probe" },
	{ "test_t1_unowned_byte", script_a_optimized, body_write_f_medium, NULL,
	  "T1", "f_medium+0x2 was changed (cc, originally" },
	{ "test_t1_unowned_byte_in_scenario_text", script_scenario_fn, body_write_s_fn, NULL,
	  "T1", "s_fn+0x3 was changed (cc, originally 48)" },
	{ "test_t2_jmp_over_int3", script_b_int3, body_jmp_over_int3, b_has_int3,
	  "T2", "f_small+0xc should hold an int3 but holds e9" },
	{ "test_t3_write_inside_jump", script_a_optimized, body_write_in_jump, a_has_jump,
	  "T3", "a 1-byte write at f_small+0x2 changes the installed jump at f_small+0x0" },
	{ "test_t3_int3_over_jump", script_a_optimized, body_int3_over_jump, a_has_jump,
	  "T3", "a 1-byte write at f_small+0x0 changes the installed jump" },
};

/*
 * T4 does not take a jmp rel32 of the original text (mod_b_init+0x20 is a tail jump) for
 * an installed jump: a probe there, globally disarmed, is in order.
 */
static void test_t4_original_jmp_is_not_a_jump(void **state)
{
	Ck *k = ck_new(1);
	unsigned p = ck_probe(k, "p", "mod_b_init", 0x20, false);
	unsigned t = ck_task(k, "t0", 0);
	KpSnapshot *snap;

	(void)state;
	ck_text_op(k, t, CK_MODULE_LOAD, "mod_b", 0);
	ck_probe_op(k, t, CK_REGISTER, p, 0);
	ck_sleep(k, t, 10);
	ck_text_op(k, t, CK_DEBUGFS_WRITE, "0", 1);
	ck_sleep(k, t, 10);
	ck_run(k, false);
	ck_expect_clean(k);
	snap = snap_now(k);
	assert_true(snap->all_disarmed);
	assert_int_equal(snap_at(snap, mh_sym_addr("mod_b_init", 0x20))->flags & KP_SNAP_GONE, 0);
	g_free(snap);
	assert_int_equal(text_orig(k, mh_sym_addr("mod_b_init", 0x20)), JMP);
	assert_int_equal(text_byte(k, mh_sym_addr("mod_b_init", 0x20)), JMP);
	ck_free(k);
}

int main(void)
{
	struct CMUnitTest tests[2 + G_N_ELEMENTS(text_cases)] = {
		cmocka_unit_test(test_text_snapshot_edits),
		cmocka_unit_test(test_t4_original_jmp_is_not_a_jump),
	};
	size_t n = 2;

	for (size_t i = 0; i < G_N_ELEMENTS(text_cases); i++)
		tests[n++] = mh_row_test(ck_task_case, text_cases[i].name, &text_cases[i]);
	return harness_main(tests, n, "checker_text");
}
