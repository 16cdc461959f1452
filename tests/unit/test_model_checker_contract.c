// SPDX-License-Identifier: GPL-2.0-only
/*
 * The contracts the checker judges from the image rather than from the port
 * (model/check_contract.c): A9, a registration at a probe-able original instruction
 * boundary with no probe registered there does not fail, and P3, a probe the image says
 * can be optimized, and that nothing blocks, ends behind an installed jump.
 *
 * The image oracle is compared with docs/kernel-image.md's table of probe points and with
 * the port itself on every byte of the image, one probe at a time, where neither check may
 * fire; then each check is tripped by the kernel defect it exists for (a neighbour's jump
 * in can_probe()'s walk, "busy to die", a detour buffer that could not be built over a
 * neighbour's jump), and shown silent where the kernel legitimately refuses.
 */
#include "model_harness.h"

#include "model/check.h"

#include <errno.h>

#define E9 0xe9

/* ---- the oracle against the image's documented probe points ---- */

typedef struct {
	const char *symbol;
	unsigned long offset;
	unsigned window;	/* 0: the image does not allow a jump there */
} WindowPoint;

/* docs/kernel-image.md, "Probe points by outcome": the windows, then the refusals. */
static const WindowPoint windows[] = {
	{ "f_small", 0x0, 5 }, { "f_small", 0x3, 7 }, { "f_small", 0x5, 5 },
	{ "f_small", 0xa, 5 }, { "f_medium", 0x0, 6 }, { "f_medium", 0x2, 11 },
	{ "f_medium", 0x6, 7 }, { "f_medium", 0x28, 8 }, { "f_large", 0x0, 5 },
	{ "f_large", 0x3, 7 }, { "f_large", 0x5, 5 }, { "f_large", 0x13, 6 },
	{ "f_large", 0x6b, 6 }, { "f_join", 0x0, 7 }, { "f_loop", 0x10, 6 },
	{ "mod_a_work", 0x0, 6 }, { "mod_a_work", 0x3, 10 }, { "mod_b_xmit", 0x0, 5 },
	{ "mod_b_poll", 0x18, 5 }, { "f_calls", 0x0, 5 }, { "f_jump_label", 0x0, 7 },
	{ "mod_b_get", 0x0, 8 }, { "f_rip_rel", 0x0, 7 }, { "f_rip_rel", 0x7, 7 },
	{ "f_rip_rel", 0xe, 11 }, { "f_traced", 0x10, 10 }, { "mod_a_stat", 0x0, 7 },
	{ "mod_a_exit", 0x0, 11 }, { "mod_b_init", 0xc, 10 }, { "f_init_table", 0x0, 7 },
	{ "f_init_table", 0x7, 7 }, { "f_init_setup", 0x15, 5 }, { "mod_a_init", 0x0, 6 },
	{ "mod_b_init", 0x0, 5 }, { "f_traced_small", 0x11, 5 },
	/* too short; a jump into the window; an indirect jump; an exception fixup */
	{ "f_small", 0xc, 0 }, { "f_small", 0xf, 0 }, { "f_init_setup", 0x18, 0 },
	{ "f_join", 0x12, 0 }, { "f_loop", 0xd, 0 }, { "f_jcc_early", 0x14, 0 },
	{ "f_jcc_early", 0x1b, 0 }, { "mod_b_xmit", 0x15, 0 }, { "mod_b_poll", 0x2b, 0 },
	{ "f_switch", 0x0, 0 }, { "f_switch", 0x10, 0 }, { "f_tail_ptr", 0x0, 0 },
	{ "f_get_user", 0x0, 0 }, { "f_get_user", 0x2, 0 }, { "mod_b_copy", 0xa, 0 },
	/* not relocatable: a call, a jcc, a multi-byte NOP, a shift, padding after ret */
	{ "f_calls", 0x5, 0 }, { "f_calls", 0xc, 0 }, { "f_calls", 0xe, 0 },
	{ "mod_a_init", 0x17, 0 }, { "f_jcc_early", 0x0, 0 }, { "f_join", 0x7, 0 },
	{ "f_nop", 0x0, 0 }, { "f_nop", 0x4, 0 }, { "f_loop", 0x16, 0 }, { "f_tiny", 0x0, 0 },
	/* a reserved site inside the window: ftrace, alternatives, jump label */
	{ "f_traced", 0x0, 0 }, { "f_traced_small", 0x1, 0 }, { "f_lock", 0x0, 0 },
	{ "f_jump_label", 0x3, 0 },
};

/* A text segment of the default image with both modules' text mapped. */
static EmuText *image_text(SimCtx *ctx)
{
	EmuText *t = emu_text_new(ctx, emu_default_image());

	assert_true(emu_text_module_load(t, "mod_a"));
	assert_true(emu_text_module_load(t, "mod_b"));
	return t;
}

static void test_window_table(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	EmuText *t = image_text(ctx);

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(windows); i++) {
		const WindowPoint *p = &windows[i];
		uint64_t addr = mh_sym_addr(p->symbol, p->offset);
		const char *why = NULL;
		unsigned len = 0;
		bool ok = kp_contract_window(t, addr, &len, &why);

		if (ok != (p->window != 0) || len != p->window)
			fail_msg("%s+%#lx: the oracle says %s (window %u), the image table %u",
				 p->symbol, p->offset, ok ? "optimizable" : why, len, p->window);
		assert_true(kp_contract_boundary(t, addr));
	}
	emu_text_free(t);
	sim_ctx_free(ctx);
}

/* Original boundaries, decoded from the function start: what can_probe() should accept. */
static void test_boundaries(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	EmuText *t = image_text(ctx);

	(void)state;
	assert_true(kp_contract_boundary(t, mh_sym_addr("f_small", 0)));
	assert_true(kp_contract_boundary(t, mh_sym_addr("f_small", 3)));
	assert_false(kp_contract_boundary(t, mh_sym_addr("f_small", 1)));
	assert_false(kp_contract_boundary(t, mh_sym_addr("f_lock", 3)));
	/* Not text at all: no function, no boundary. */
	assert_false(kp_contract_boundary(t, 0xffffffff82000000ull));
	/* The same bytes, agreeing with the text segment's own decoding everywhere. */
	for (unsigned i = 0; i < emu_text_n_symbols(t); i++) {
		EmuTextSymbol sym;

		emu_text_symbol(t, i, &sym);
		for (uint64_t a = sym.addr; a < sym.addr + sym.size; a++) {
			bool mine = kp_contract_boundary(t, a), its = emu_text_is_boundary(t, a);

			if (mine != its)
				fail_msg("%s+%#llx: boundary %d, the text segment says %d",
					 sym.name, (unsigned long long)(a - sym.addr), mine, its);
		}
	}
	emu_text_free(t);
	sim_ctx_free(ctx);
}

/* ---- neither check fires on a probe alone, anywhere ---- */

/*
 * One probe alone at every byte of every function of the image (module core text with
 * the module live, module init text while it is COMING): whatever the kernel answers and
 * whether it optimizes, nothing is reported, and the port optimizes exactly where the
 * oracle says the image allows it.
 */
static void test_lone_probe_everywhere(void **state)
{
	SimCtx *ctx = harness_ctx(1, true);
	const EmuImage *img = emu_default_image();
	unsigned runs = 0, optimized = 0;

	(void)state;
	for (size_t i = 0; i < img->n_symbols; i++) {
		const EmuSymbol *sym = &img->symbols[i];
		const EmuImageRegion *r = &img->regions[sym->region];

		for (uint32_t off = 0; off < sym->size; off++) {
			Mh *m = mh_new(1);
			unsigned p, t, reg = 0;
			uint64_t addr = sym->addr + off;
			uint8_t now[5], orig[5];
			const char *why;
			unsigned len;
			bool jump, allowed;
			SimEnd end;

			sim_ctx_free(m->ctx);
			m->ctx = ctx;
			p = mh_probe(m, "p", sym->name, off, false);
			t = mh_task(m, "t", 0);
			if (r->module) {
				mh_text_op(m, t, KP_OP_MODULE_LOAD, r->module, 0);
				reg++;
				if (r->kind == EMU_REGION_MODULE_CORE) {
					mh_text_op(m, t, KP_OP_MODULE_LIVE, r->module, 0);
					reg++;
				}
			}
			mh_probe_op(m, t, KP_OP_REGISTER, p, KP_NO_EXPECT);
			mh_sleep(m, t, 6);
			end = mh_run_first(m);
			if (end != SIM_END_DONE || sim_violation_count(ctx))
				print_message("# %s+%#x\n", sym->name, off);
			mh_expect_ids_done(m, end, "");
			runs++;
			if (mh_result(m, t, reg) == 0) {
				/* (The last bytes of a region hold no jump: read what is there.) */
				jump = emu_text_read(m->run.env->text, addr, now, 5) &&
				       emu_text_read_orig(m->run.env->text, addr, orig, 5) &&
				       now[0] == E9 && memcmp(now, orig, 5);
				allowed = kp_contract_window(m->run.env->text, addr, &len, &why);
				if (jump != allowed)
					fail_msg("%s+%#x: the port %s, the oracle says %s",
						 sym->name, off,
						 jump ? "optimized it" : "did not optimize it",
						 allowed ? "optimizable" : why);
				optimized += jump;
			} else if (mh_result(m, t, reg) == -EILSEQ) {
				assert_false(kp_contract_boundary(m->run.env->text, addr));
			}
			kp_script_release(&m->run);
			g_ptr_array_free(m->blocks, TRUE);
			g_free(m);
		}
	}
	print_message("# %u lone probes, %u of them optimized\n", runs, optimized);
	assert_true(optimized > 50);
	sim_ctx_free(ctx);
}

/* ---- A9 ---- */

/* The cause of the first A9 of the last run. */
static const char *a9_cause(Mh *m)
{
	const SimViolation *v = mh_expect_reported(m, "A9", NULL);

	assert_non_null(v->cause);
	return v->cause;
}

/*
 * A probe inside a neighbour's installed jump: can_probe() walks over the jump as one
 * 5-byte instruction and misses the boundary (-EILSEQ).  Before the jump is installed
 * the same registration succeeds and nothing is reported.
 */
static void a9_inside_jump(Mh *m, bool after_jump)
{
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned b = mh_probe(m, "b", "f_small", 3, false);
	unsigned t = mh_task(m, "t0", 0);

	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	if (after_jump)
		mh_sleep(m, t, 6);
	mh_probe_op(m, t, KP_OP_REGISTER, b, after_jump ? -EILSEQ : 0);
	mh_sleep(m, t, 6);
}

static void test_a9_eilseq(void **state)
{
	Mh *m = mh_new(1);

	(void)state;
	a9_inside_jump(m, false);
	mh_expect_ids_done(m, mh_run_first(m), "");
	mh_free(m);

	m = mh_new(1);
	a9_inside_jump(m, true);
	mh_expect_ids_done(m, mh_run_first(m), "A9");
	assert_string_equal(a9_cause(m), "register: -EILSEQ");
	assert_non_null(mh_expect_reported(m, "A9", "register_kprobe(b) at f_small+0x3"));
	mh_free(m);
}

#ifndef KP_TEST_PARENT
/*
 * Register, unregister, register a fresh struct at the same address while the unused
 * aggregate waits for the optimizer: -EBUSY, reported at once although the optimizer's
 * next run ends it; a different cause from the -EILSEQ one.  Registering after the
 * optimizer ran succeeds and is not reported.
 */
static void test_a9_ebusy(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_medium", 0, false);
	unsigned b = mh_probe(m, "b", "f_medium", 0, false);
	unsigned c = mh_probe(m, "c", "f_medium", 0, false);
	unsigned t = mh_task(m, "t0", 0);

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_sleep(m, t, 6);
	mh_probe_op(m, t, KP_OP_UNREGISTER, a, KP_NO_EXPECT);
	mh_probe_op(m, t, KP_OP_REGISTER, b, -EBUSY);
	mh_sleep(m, t, 6);
	mh_probe_op(m, t, KP_OP_REGISTER, c, 0);
	mh_sleep(m, t, 6);
	mh_expect_ids_done(m, mh_run_first(m), "A9");
	assert_string_equal(a9_cause(m), "register: -EBUSY");
	assert_non_null(mh_expect_reported(m, "A9", "register_kprobe(b) at f_medium+0x0"));
	mh_free(m);
}
#endif

/* A refusal the kernel is entitled to: the run reports nothing. */
typedef struct {
	const char *name;
	void (*script)(Mh *m, unsigned t);
} Legit;

static void legit_enomem(Mh *m, unsigned t)
{
	unsigned p = mh_probe(m, "p", "f_small", 0, false);

	mh_op(m, t, KP_OP_FAIL_NTH, KP_NO_EXPECT)->arg = 1;
	mh_probe_op(m, t, KP_OP_REGISTER, p, -ENOMEM);
}

static void legit_not_boundary(Mh *m, unsigned t)
{
	mh_probe_op(m, t, KP_OP_REGISTER, mh_probe(m, "p", "f_small", 1, false), -EILSEQ);
}

static void legit_kprobes_text(Mh *m, unsigned t)
{
	mh_probe_op(m, t, KP_OP_REGISTER, mh_probe(m, "p", "notify_die", 0, false), -EINVAL);
}

static void legit_reserved(Mh *m, unsigned t)
{
	mh_probe_op(m, t, KP_OP_REGISTER, mh_probe(m, "p", "f_traced", 4, false), -EINVAL);
	mh_probe_op(m, t, KP_OP_REGISTER, mh_probe(m, "q", "f_lock", 2, false), -EINVAL);
	mh_probe_op(m, t, KP_OP_REGISTER, mh_probe(m, "r", "f_jump_label", 7, false), -EINVAL);
}

static void legit_registered(Mh *m, unsigned t)
{
	unsigned p = mh_probe(m, "p", "f_small", 0, false);

	mh_probe_op(m, t, KP_OP_REGISTER, p, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, p, -EINVAL);
}

/* A struct given by symbol carries the address an earlier call wrote into it. */
static void legit_reused_struct(Mh *m, unsigned t)
{
	unsigned p = mh_probe(m, "p", "f_large", 0x13, false);

	mh_probe_op(m, t, KP_OP_REGISTER, p, 0);
	mh_probe_op(m, t, KP_OP_UNREGISTER, p, KP_NO_EXPECT);
	mh_probe_op(m, t, KP_OP_REGISTER, p, -EINVAL);
}

static void legit_module_not_loaded(Mh *m, unsigned t)
{
	mh_probe_op(m, t, KP_OP_REGISTER, mh_probe(m, "p", "mod_b_poll", 0x18, false), -EINVAL);
}

static void legit_module_init_after_live(Mh *m, unsigned t)
{
	mh_text_op(m, t, KP_OP_MODULE_LOAD, "mod_b", 0);
	mh_text_op(m, t, KP_OP_MODULE_LIVE, "mod_b", 0);
	mh_probe_op(m, t, KP_OP_REGISTER, mh_probe(m, "p", "mod_b_init", 0, false), -EINVAL);
}

static void legit_two_jprobes(Mh *m, unsigned t)
{
	mh_probe_op(m, t, KP_OP_REGISTER, mh_jprobe(m, "j1", "f_calls"), 0);
	mh_probe_op(m, t, KP_OP_REGISTER, mh_jprobe(m, "j2", "f_calls"), -EEXIST);
}

static const Legit legit_register[] = {
	{ "enomem_fail_nth", legit_enomem },
	{ "not_a_boundary", legit_not_boundary },
	{ "kprobes_text", legit_kprobes_text },
	{ "reserved_sites", legit_reserved },
	{ "already_registered", legit_registered },
	{ "reused_symbol_struct", legit_reused_struct },
	{ "module_not_loaded", legit_module_not_loaded },
	{ "module_init_after_live", legit_module_init_after_live },
	{ "two_jprobes", legit_two_jprobes },
};

static void run_legit(void **state)
{
	const Legit *c = *state;
	Mh *m = mh_new(1);
	unsigned t = mh_task(m, "t0", 0);

	c->script(m, t);
	mh_sleep(m, t, 6);
	mh_expect_ids_done(m, mh_run_first(m), "");
	mh_free(m);
}

/* ---- P3 ---- */

static uint8_t text_at(Mh *m, const char *symbol, unsigned long off)
{
	uint8_t b;

	mh_text(m, symbol, off, &b, 1);
	return b;
}

/*
 * q at f_small+3 is optimized; p at f_small+0 is registered over q's live jump, so its
 * detour buffer cannot be built (the copy meets q's E9) and p stays an independent probe
 * on its int3.  With q gone, nothing tries p again.  The port's flags excuse p (it is not
 * optready); the image does not.
 */
static void p3_masked_script(Mh *m, bool unregister_q)
{
	unsigned q = mh_probe(m, "q", "f_small", 3, false);
	unsigned p = mh_probe(m, "p", "f_small", 0, false);
	unsigned t = mh_task(m, "t0", 0);

	mh_probe_op(m, t, KP_OP_REGISTER, q, 0);
	mh_sleep(m, t, 6);
	mh_probe_op(m, t, KP_OP_REGISTER, p, 0);
	mh_sleep(m, t, 6);
	if (unregister_q) {
		mh_probe_op(m, t, KP_OP_UNREGISTER, q, KP_NO_EXPECT);
		mh_sleep(m, t, 6);
	}
}

static void test_p3_masked(void **state)
{
	Mh *m = mh_new(1);
	KpSnapshot *s;
	const KpSnapEntry *e;
	const SimViolation *v;

	(void)state;
	/* While q is there, q blocks p (it sits in p's window): nothing to report. */
	p3_masked_script(m, false);
	mh_expect_ids_done(m, mh_run_first(m), "");
	mh_free(m);

	m = mh_new(1);
	p3_masked_script(m, true);
	mh_expect_ids_done(m, mh_run_first(m), "P3");
	v = mh_expect_reported(m, "P3", "f_small+0x0 could be optimized (a 5-byte window");
	assert_non_null(strstr(v->message, "but holds an int3 at quiescence"));
	assert_int_equal(text_at(m, "f_small", 0), 0xcc);
	/* The cause names the neighbour's last change, not a step or an address. */
	assert_non_null(v->cause);
	assert_non_null(strstr(v->cause, "a neighbour"));
	/* What the port's flags say: an independent probe, no detour buffer. */
	s = mh_snapshot(m);
	e = mh_snap_entry(s, mh_sym_addr("f_small", 0));
	assert_non_null(e);
	assert_false(e->optready);
	assert_false(e->aggr);
	g_free(s);
	mh_free(m);
}

/*
 * P3 judges the port's queues too: an aggregate whose jump is installed but that the
 * snapshot shows still on optimizing_list at quiescence (the optimizer idle) is reported;
 * unedited, the same state passes.
 */
static void test_p3_queued(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned t = mh_task(m, "t0", 0);
	KpSnapshot *s;
	KpSnapEntry *e;

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_sleep(m, t, 6);
	mh_expect_ids_done(m, mh_run_first(m), "");
	s = mh_snapshot(m);
	sim_ctx_enter(m->ctx);
	kp_check_optimized(&m->run.world, s);
	sim_ctx_leave(m->ctx);
	mh_expect_ids(m, "");
	e = (KpSnapEntry *)mh_snap_entry(s, mh_sym_addr("f_small", 0));
	assert_non_null(e);
	e->list = KP_SNAP_LIST_OPTIMIZING;
	s->n_optimizing = 1;
	sim_ctx_enter(m->ctx);
	kp_check_optimized(&m->run.world, s);
	sim_ctx_leave(m->ctx);
	mh_expect_reported(m, "P3", "but holds its jump, still on optimizing_list at quiescence");
	assert_int_equal(text_at(m, "f_small", 0), E9);
	g_free(s);
	mh_free(m);
}

/* Where the kernel is right not to optimize: the run reports nothing. */
static void keep_post_handler(Mh *m, unsigned t)
{
	mh_probe_op(m, t, KP_OP_REGISTER, mh_probe(m, "p", "f_small", 0, true), 0);
}

static void keep_jprobe(Mh *m, unsigned t)
{
	mh_probe_op(m, t, KP_OP_REGISTER, mh_jprobe(m, "j", "f_medium"), 0);
}

/* A kprobe and a post-handler probe at one address share an aggregate that stays on int3. */
static void keep_post_sibling(Mh *m, unsigned t)
{
	mh_probe_op(m, t, KP_OP_REGISTER, mh_probe(m, "p", "f_medium", 0, false), 0);
	mh_probe_op(m, t, KP_OP_REGISTER, mh_probe(m, "q", "f_medium", 0, true), 0);
}

static void keep_call_in_window(Mh *m, unsigned t)
{
	mh_probe_op(m, t, KP_OP_REGISTER, mh_probe(m, "p", "f_calls", 5, false), 0);
}

static void keep_jump_into_window(Mh *m, unsigned t)
{
	mh_probe_op(m, t, KP_OP_REGISTER, mh_probe(m, "p", "f_join", 0x12, false), 0);
}

/* b sits in a's window: a stays on int3, b gets the jump. */
static void keep_neighbour_in_window(Mh *m, unsigned t)
{
	mh_probe_op(m, t, KP_OP_REGISTER, mh_probe(m, "a", "f_small", 0, false), 0);
	mh_probe_op(m, t, KP_OP_REGISTER, mh_probe(m, "b", "f_small", 3, false), 0);
}

static void keep_sysctl_off(Mh *m, unsigned t)
{
	mh_text_op(m, t, KP_OP_SYSCTL_WRITE, "0", 0);
	mh_probe_op(m, t, KP_OP_REGISTER, mh_probe(m, "p", "f_small", 0, false), 0);
}

static void keep_disabled(Mh *m, unsigned t)
{
	unsigned p = mh_probe(m, "p", "f_small", 0, false);

	mh_probe_op(m, t, KP_OP_REGISTER, p, 0);
	mh_probe_op(m, t, KP_OP_DISABLE, p, 0);
}

static const Legit legit_unoptimized[] = {
	{ "post_handler", keep_post_handler },
	{ "jprobe", keep_jprobe },
	{ "post_handler_sibling", keep_post_sibling },
	{ "call_in_window", keep_call_in_window },
	{ "jump_into_window", keep_jump_into_window },
	{ "neighbour_in_window", keep_neighbour_in_window },
	{ "optimization_off", keep_sysctl_off },
	{ "disabled", keep_disabled },
};

/* A plain test as a row (cmocka's macro is an initializer, not an expression). */
static struct CMUnitTest plain(CMUnitTestFunction fn, const char *name)
{
	return mh_row_test(fn, name, NULL);
}

int main(void)
{
	struct CMUnitTest tests[7 + G_N_ELEMENTS(legit_register) + G_N_ELEMENTS(legit_unoptimized)];
	size_t n = 0;

	tests[n++] = plain(test_window_table, "test_window_table");
	tests[n++] = plain(test_boundaries, "test_boundaries");
	tests[n++] = plain(test_lone_probe_everywhere, "test_lone_probe_everywhere");
	tests[n++] = plain(test_a9_eilseq, "test_a9_eilseq");
#ifndef KP_TEST_PARENT
	tests[n++] = plain(test_a9_ebusy, "test_a9_ebusy");
#endif
	for (size_t i = 0; i < G_N_ELEMENTS(legit_register); i++)
		tests[n++] = mh_row_test(run_legit, legit_register[i].name, &legit_register[i]);
	tests[n++] = plain(test_p3_masked, "test_p3_masked");
	tests[n++] = plain(test_p3_queued, "test_p3_queued");
	for (size_t i = 0; i < G_N_ELEMENTS(legit_unoptimized); i++)
		tests[n++] = mh_row_test(run_legit, legit_unoptimized[i].name,
					 &legit_unoptimized[i]);
	return harness_main(tests, n, "model_checker_contract");
}
