// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the x86 kprobes code (arch/x86/kernel/kprobes.c) does with particular
 * instructions, on functions a scenario adds to the text: single-stepping the ones that
 * change IF or push the flags, and a prefixed one that can be boosted
 * (is_IF_modifier(), resume_execution(), can_boost()), and which jumps in a function
 * keep can_optimize() from putting a jump at its start.
 */
#include "model_harness.h"

#include "arch_x86_emu/text.h"

/* A scenario function of instructions the single-step code treats specially. */
static const uint8_t f_cov_bytes[] = {
	0xfa,				/* +0  cli: modifies IF */
	0x9c,				/* +1  pushf: the pushed TF is fixed up */
	0x9d,				/* +2  popf: modifies IF */
	0xfb,				/* +3  sti: modifies IF */
	0x3e, 0x48, 0x89, 0xf8,		/* +4  ds mov %rdi,%rax: a boostable prefix */
	0xe8, 0x00, 0x00, 0x00, 0x00,	/* +8  call +13 */
	0xc3,				/* +13 ret */
};

/* Not +8: the model cannot fix a return address pushed from a slot (a usage error). */
static const unsigned f_cov_offs[] = { 0, 1, 2, 3, 4 };

static bool add_f_cov(KpEnv *env, void *user, GError **error)
{
	(void)user;
	return emu_text_add_function(env->text, "f_cov", f_cov_bytes, sizeof(f_cov_bytes),
				     error) != 0;
}

static void run_special_insns(bool post)
{
	enum { N = sizeof(f_cov_offs) / sizeof(f_cov_offs[0]) };
	static const char *const names[N] = { "cli", "pushf", "popf", "sti", "ds" };
	Mh *m = mh_new(1);
	unsigned t = mh_task(m, "t0", 0);
	unsigned ids[N];
	SimEnd end;

	m->script.prepare = add_f_cov;
	for (unsigned i = 0; i < N; i++) {
		ids[i] = mh_probe(m, names[i], "f_cov", f_cov_offs[i], post);
		mh_probe_op(m, t, KP_OP_REGISTER, ids[i], 0);
	}
	mh_call(m, t, "f_cov", 3);
	for (unsigned i = 0; i < N; i++)
		mh_probe_op(m, t, KP_OP_UNREGISTER, ids[i], KP_NO_EXPECT);
	end = mh_run_first(m);
	mh_expect_done(m, end);
	assert_null(sim_violation_fatal(m->ctx));
	for (unsigned i = 0; i < N; i++) {
		print_message("# %s%s\n", names[i], post ? " (post)" : "");
		assert_int_equal(mh_p(m, ids[i])->pre_calls, 3);
		assert_int_equal(mh_p(m, ids[i])->post_calls, post ? 3 : 0);
		assert_int_equal(mh_nmissed(m, ids[i]), 0);
	}
	assert_true(mh_text_is_original(m, "f_cov", 0, sizeof(f_cov_bytes)));
	mh_free(m);
}

/*
 * Probes on each of those instructions, with post handlers (always single-stepped) and
 * without (boostable ones may be boosted after the first hit): every call through the
 * function calls each pre handler once, post handlers as many times, nothing is missed,
 * and the function still returns.
 */
static void test_single_step_special_insns(void **state)
{
	(void)state;
	run_special_insns(true);
	run_special_insns(false);
}

/* Functions for can_optimize(): which jumps in a function forbid a jump at its start. */
static const uint8_t f_jcc_out[] = {
	0x31, 0xc0, 0x85, 0xc0, 0x90,		/* xor %eax,%eax; test %eax,%eax; nop */
	0x0f, 0x84, 0x02, 0x00, 0x00, 0x00,	/* je +13 (past the jump's range) */
	0xff, 0xc0, 0xff, 0xc0, 0xc3,		/* inc; inc; ret */
};
static const uint8_t f_jcc_in[] = {
	0x31, 0xc0, 0x85, 0xc0, 0x90,
	0x0f, 0x84, 0xf7, 0xff, 0xff, 0xff,	/* je +2 (into the jump's range) */
	0xc3,
};
static const uint8_t f_ind_jmp[] = {
	0x31, 0xc0, 0x85, 0xc0, 0x90,
	0xff, 0xe0,				/* jmp *%rax */
	0xc3,
};
static const uint8_t f_nopl[] = {
	0x31, 0xc0, 0x85, 0xc0, 0x90,
	0x0f, 0x1f, 0x00,			/* nopl (%rax): two-byte, no jump */
	0xc3,
};

static const uint8_t f_nopl_first[] = {
	0x0f, 0x1f, 0x00, 0x0f, 0x1f, 0x00,	/* nopl (%rax) x2: not boostable */
	0xc3,
};

static const struct {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	bool optimized;		/* can_optimize() lets a jump in at +0 */
} jump_fns[] = {
	{ "f_jcc_out", f_jcc_out, sizeof(f_jcc_out), true },
	{ "f_jcc_in", f_jcc_in, sizeof(f_jcc_in), false },
	{ "f_ind_jmp", f_ind_jmp, sizeof(f_ind_jmp), false },
	{ "f_nopl", f_nopl, sizeof(f_nopl), true },
	{ "f_nopl_first", f_nopl_first, sizeof(f_nopl_first), false },
};

static bool add_jump_fns(KpEnv *env, void *user, GError **error)
{
	(void)user;
	for (size_t i = 0; i < G_N_ELEMENTS(jump_fns); i++)
		if (!emu_text_add_function(env->text, jump_fns[i].name, jump_fns[i].bytes,
					   jump_fns[i].len, error))
			return false;
	return true;
}

/*
 * can_optimize(): a probe is optimized (a jump at its address) unless the function has an
 * indirect jump or a jump into the bytes the jump would cover; a conditional near jump
 * past them, and two-byte opcodes that are no jumps, do not stop it; an instruction that
 * cannot be boosted among the bytes to be replaced does.  Unregistering restores every
 * function's text.
 */
static void test_can_optimize_jumps(void **state)
{
	enum { N = G_N_ELEMENTS(jump_fns) };
	Mh *m = mh_new(1);
	unsigned t = mh_task(m, "t0", 0);
	unsigned ids[N];
	KpSnapshot *snap;
	SimEnd end;
	uint8_t b;

	(void)state;
	m->script.prepare = add_jump_fns;
	for (unsigned i = 0; i < N; i++) {
		ids[i] = mh_probe(m, jump_fns[i].name, jump_fns[i].name, 0, false);
		mh_probe_op(m, t, KP_OP_REGISTER, ids[i], 0);
	}
	mh_sleep(m, t, 10);
	end = mh_run_first(m);
	mh_expect_done(m, end);
	assert_null(sim_violation_fatal(m->ctx));
	snap = mh_snapshot(m);
	for (unsigned i = 0; i < N; i++) {
		EmuTextSymbol sym;
		const KpSnapEntry *e;

		print_message("# %s\n", jump_fns[i].name);
		mh_text(m, jump_fns[i].name, 0, &b, 1);
		assert_int_equal(b, jump_fns[i].optimized ? 0xe9 : 0xcc);
		assert_true(emu_text_symbol_by_name(m->run.env->text, jump_fns[i].name, &sym));
		e = mh_snap_entry(snap, sym.addr);
		assert_non_null(e);
		assert_int_equal(!!(e->flags & KP_SNAP_OPTIMIZED), jump_fns[i].optimized);
	}
	g_free(snap);

	/* Unregistered again, the text comes back. */
	for (unsigned i = 0; i < N; i++)
		mh_probe_op(m, t, KP_OP_UNREGISTER, ids[i], KP_NO_EXPECT);
	mh_sleep(m, t, 10);
	end = mh_run_first(m);
	mh_expect_done(m, end);
	for (unsigned i = 0; i < N; i++)
		assert_true(mh_text_is_original(m, jump_fns[i].name, 0, jump_fns[i].len));
	mh_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_step_special_insns),
		cmocka_unit_test(test_can_optimize_jumps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
