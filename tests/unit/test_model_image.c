// SPDX-License-Identifier: GPL-2.0-only
/*
 * can_probe() / can_optimize() outcomes of the 6274de4 port on the default image.
 *
 * The oracle is docs/kernel-image.md (an analysis of the image's machine code that is
 * independent of the port) and, for the sweep, the text segment's original instruction
 * boundaries.  (a) Every point of the doc's "Probe points by outcome" table: what
 * register_kprobe() returns and whether the optimizer then installs a jump
 * (try_to_optimize_kprobe(), can_optimize(), copy_optimized_instructions()) or the probe
 * stays on its int3.  (b) Every byte of every function: -EINVAL in the reserved ranges the
 * doc lists (register_kprobe()'s kernel-text, .kprobes.text, blacklist and reservation
 * tests and arch_prepare_kprobe()'s alternatives test come before can_probe()), else
 * -EILSEQ exactly at non-boundaries (can_probe()), else 0.
 */
#include "model_harness.h"

#include <errno.h>

#define E9 0xe9
#define CC 0xcc

typedef enum {
	OUT_OPT,	/* registers; the optimizer installs a jump over `window` bytes */
	OUT_INT3,	/* registers; stays on its int3 */
	OUT_EINVAL,	/* register_kprobe() returns -EINVAL */
	OUT_EILSEQ,	/* register_kprobe() returns -EILSEQ */
} Outcome;

typedef struct {
	const char *symbol;
	unsigned long offset;
	Outcome out;
	unsigned window;	/* OUT_OPT: optinsn.size */
} Point;

/* The "Probe points by outcome" table of docs/kernel-image.md, row by row. */
static const Point points[] = {
	/* optimizable */
	{ "f_small", 0x0, OUT_OPT, 5 },
	{ "f_small", 0x3, OUT_OPT, 7 },
	{ "f_small", 0x5, OUT_OPT, 5 },
	{ "f_small", 0xa, OUT_OPT, 5 },
	{ "f_medium", 0x0, OUT_OPT, 6 },
	{ "f_medium", 0x2, OUT_OPT, 11 },
	{ "f_medium", 0x6, OUT_OPT, 7 },
	{ "f_medium", 0x28, OUT_OPT, 8 },
	{ "f_large", 0x0, OUT_OPT, 5 },
	{ "f_large", 0x3, OUT_OPT, 7 },
	{ "f_large", 0x5, OUT_OPT, 5 },
	{ "f_large", 0x13, OUT_OPT, 6 },
	{ "f_large", 0x6b, OUT_OPT, 6 },
	{ "f_join", 0x0, OUT_OPT, 7 },
	{ "f_loop", 0x10, OUT_OPT, 6 },
	{ "mod_a_work", 0x0, OUT_OPT, 6 },
	{ "mod_a_work", 0x3, OUT_OPT, 10 },
	{ "mod_b_xmit", 0x0, OUT_OPT, 5 },
	{ "mod_b_poll", 0x18, OUT_OPT, 5 },
	/* optimizable, window ends right before a call / a reserved site */
	{ "f_calls", 0x0, OUT_OPT, 5 },
	{ "f_jump_label", 0x0, OUT_OPT, 7 },
	{ "mod_b_get", 0x0, OUT_OPT, 8 },
	/* optimizable, RIP-relative instruction in the window */
	{ "f_rip_rel", 0x0, OUT_OPT, 7 },
	{ "f_rip_rel", 0x7, OUT_OPT, 7 },
	{ "f_rip_rel", 0xe, OUT_OPT, 11 },
	{ "f_traced", 0x10, OUT_OPT, 10 },
	{ "mod_a_stat", 0x0, OUT_OPT, 7 },
	{ "mod_a_exit", 0x0, OUT_OPT, 11 },
	{ "mod_b_init", 0xc, OUT_OPT, 10 },
	/* optimizable in init text */
	{ "f_init_table", 0x0, OUT_OPT, 7 },
	{ "f_init_table", 0x7, OUT_OPT, 7 },
	{ "f_init_setup", 0x15, OUT_OPT, 5 },
	{ "mod_a_init", 0x0, OUT_OPT, 6 },
	{ "mod_b_init", 0x0, OUT_OPT, 5 },
	/* optimizable across the end of the code */
	{ "f_traced_small", 0x11, OUT_OPT, 5 },
	/* can_optimize: too short */
	{ "f_small", 0xc, OUT_INT3, 0 },
	{ "f_small", 0xf, OUT_INT3, 0 },
	{ "f_init_setup", 0x18, OUT_INT3, 0 },
	/* can_optimize: branch target in [A+1, A+5] */
	{ "f_join", 0x12, OUT_INT3, 0 },
	{ "f_loop", 0xd, OUT_INT3, 0 },
	{ "f_jcc_early", 0x14, OUT_INT3, 0 },
	{ "f_jcc_early", 0x1b, OUT_INT3, 0 },
	{ "mod_b_xmit", 0x15, OUT_INT3, 0 },
	{ "mod_b_poll", 0x2b, OUT_INT3, 0 },
	/* can_optimize: indirect jump in the function (every point: test_whole_functions) */
	{ "f_switch", 0x0, OUT_INT3, 0 },
	{ "f_switch", 0x10, OUT_INT3, 0 },
	{ "f_tail_ptr", 0x0, OUT_INT3, 0 },
	/* can_optimize: exception-table entry in the function */
	{ "f_get_user", 0x0, OUT_INT3, 0 },
	{ "f_get_user", 0x2, OUT_INT3, 0 },
	{ "mod_b_copy", 0xa, OUT_INT3, 0 },
	/* copy: not boostable */
	{ "f_calls", 0x5, OUT_INT3, 0 },
	{ "f_calls", 0xc, OUT_INT3, 0 },
	{ "f_calls", 0xe, OUT_INT3, 0 },
	{ "mod_a_init", 0x17, OUT_INT3, 0 },
	{ "f_jcc_early", 0x0, OUT_INT3, 0 },
	{ "f_join", 0x7, OUT_INT3, 0 },
	{ "f_nop", 0x0, OUT_INT3, 0 },
	{ "f_nop", 0x4, OUT_INT3, 0 },
	{ "f_loop", 0x16, OUT_INT3, 0 },
	{ "f_tiny", 0x0, OUT_INT3, 0 },
	/* copy: -EBUSY (ftrace, alternatives, jump label) */
	{ "f_traced", 0x0, OUT_INT3, 0 },
	{ "f_traced_small", 0x1, OUT_INT3, 0 },
	{ "f_lock", 0x0, OUT_INT3, 0 },
	{ "f_jump_label", 0x3, OUT_INT3, 0 },
	/* register: -EINVAL, ftrace (the site and the four bytes after it) */
	{ "f_traced", 0x4, OUT_EINVAL, 0 },
	{ "f_traced", 0x8, OUT_EINVAL, 0 },
	{ "f_traced_small", 0x4, OUT_EINVAL, 0 },
	{ "f_traced_small", 0x8, OUT_EINVAL, 0 },
	/* register: -EINVAL, jump label */
	{ "f_jump_label", 0x7, OUT_EINVAL, 0 },
	{ "f_jump_label", 0xb, OUT_EINVAL, 0 },
	{ "mod_b_get", 0xd, OUT_EINVAL, 0 },
	{ "mod_b_get", 0x11, OUT_EINVAL, 0 },
	/* arch_prepare_kprobe: -EINVAL, alternatives */
	{ "f_lock", 0x2, OUT_EINVAL, 0 },
	{ "mod_b_get", 0x8, OUT_EINVAL, 0 },
	/* register: -EINVAL, .kprobes.text / blacklist */
	{ "notify_die", 0x0, OUT_EINVAL, 0 },
	{ "do_int3", 0x0, OUT_EINVAL, 0 },
	{ "mcount", 0x0, OUT_EINVAL, 0 },
	{ "native_get_debugreg", 0x0, OUT_EINVAL, 0 },
	/* can_probe: -EILSEQ */
	{ "f_lock", 0x3, OUT_EILSEQ, 0 },
	{ "f_small", 0x1, OUT_EILSEQ, 0 },
};

/* The module a symbol of the default image belongs to, NULL for the kernel. */
static const char *module_of(uint64_t addr)
{
	const EmuImage *img = emu_default_image();
	const EmuImageRegion *r = emu_image_region_at(img, addr);

	assert_non_null(r);
	return r->module;
}

/*
 * One probe alone at symbol+offset: load its module (COMING, so module init text may be
 * probed), register, give the optimizer time to run (OPTIMIZE_DELAY is 5 jiffies), and
 * judge the end state.
 */
static void check_point(SimCtx *ctx, const char *symbol, unsigned long offset, Outcome out,
			unsigned window)
{
	Mh *m = mh_new(1);
	uint64_t addr = mh_sym_addr(symbol, offset);
	const char *mod = module_of(addr);
	unsigned p, t;
	long expect = out == OUT_EINVAL ? -EINVAL : out == OUT_EILSEQ ? -EILSEQ : 0;
	KpSnapshot *s;
	const KpSnapEntry *e;
	uint8_t now;
	SimEnd end;

	/* Reuse one context for all points: mh_new's own is replaced. */
	sim_ctx_free(m->ctx);
	m->ctx = ctx;
	p = mh_probe(m, "p", symbol, offset, false);
	t = mh_task(m, "t", 0);
	if (mod)
		mh_text_op(m, t, KP_OP_MODULE_LOAD, mod, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, p, KP_NO_EXPECT);
	mh_sleep(m, t, 6);
	end = mh_run_first(m);
	if (end != SIM_END_DONE)
		print_message("# %s+%#lx\n", symbol, offset);
	mh_expect_done(m, end);
	if (mh_result(m, t, mod ? 1 : 0) != expect)
		fail_msg("%s+%#lx: register returned %ld, expected %ld", symbol, offset,
			 mh_result(m, t, mod ? 1 : 0), expect);

	s = mh_snapshot(m);
	e = mh_snap_entry(s, addr);
	mh_text(m, symbol, offset, &now, 1);
	switch (out) {
	case OUT_OPT:
		if (!e || !e->aggr || !(e->flags & KP_SNAP_OPTIMIZED) || now != E9)
			fail_msg("%s+%#lx: not optimized (entry %d, flags %#x, byte %02x)", symbol,
				 offset, e != NULL, e ? e->flags : 0, now);
		assert_int_equal(e->list, KP_SNAP_LIST_NONE);
		if (e->opt_size != window)
			fail_msg("%s+%#lx: window %u, expected %u", symbol, offset, e->opt_size,
				 window);
		/* The jump's rel32 lands on this aggregate's detour buffer. */
		{
			uint8_t jmp[5];
			int32_t rel;

			mh_text(m, symbol, offset, jmp, 5);
			memcpy(&rel, jmp + 1, 4);
			assert_int_equal(addr + 5 + (int64_t)rel, e->detour);
		}
		/* Bytes after the jump are untouched. */
		if (window > 5)
			assert_true(mh_text_is_original(m, symbol, offset + 5, window - 5));
		break;
	case OUT_INT3:
		if (!e || (e->flags & KP_SNAP_OPTIMIZED) || now != CC)
			fail_msg("%s+%#lx: expected an int3 only (entry %d, flags %#x, byte %02x)",
				 symbol, offset, e != NULL, e ? e->flags : 0, now);
		/* Not optimizable: try_to_optimize_kprobe() keeps no detour buffer for it. */
		assert_false(e->optready);
		assert_int_equal(e->detour, 0);
		break;
	case OUT_EINVAL:
	case OUT_EILSEQ:
		assert_null(e);
		assert_int_equal(s->n_entries, 0);
		assert_true(mh_text_is_original(m, symbol, offset, 1));
		break;
	}
	g_free(s);
	kp_script_release(&m->run);
	g_free(m);
}

static void test_outcome_table(void **state)
{
	SimCtx *ctx = harness_ctx(1, true);

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(points); i++)
		check_point(ctx, points[i].symbol, points[i].offset, points[i].out,
			    points[i].window);
	sim_ctx_free(ctx);
}

/* The symbols of the default image as the text segment's kallsyms lists them. */
typedef struct {
	const char *name;
	uint64_t addr;
	uint32_t size;
	const char *module;
} Sym;

/* m must stay alive while the result is used: the names are the text segment's. */
static GArray *image_symbols(Mh *m)
{
	GArray *out = g_array_new(FALSE, TRUE, sizeof(Sym));
	EmuText *text = m->run.env->text;

	for (unsigned i = 0; i < emu_text_n_symbols(text); i++) {
		EmuTextSymbol sym;
		EmuTextRegionInfo info;
		Sym s;

		emu_text_symbol(text, i, &sym);
		emu_text_region_info(text, sym.region, &info);
		assert_true(info.kind == EMU_TEXT_CORE || info.kind == EMU_TEXT_INIT ||
			    info.kind == EMU_TEXT_MODULE_CORE || info.kind == EMU_TEXT_MODULE_INIT);
		s = (Sym){ sym.name, sym.addr, sym.size, info.module };
		g_array_append_val(out, s);
	}
	return out;
}

/* Every boundary of the functions can_optimize() refuses as a whole stays on its int3. */
static void test_whole_functions(void **state)
{
	static const char *const refused[] = { "f_switch", "f_tail_ptr", "f_get_user",
					       "mod_b_copy" };
	SimCtx *ctx = harness_ctx(1, true);
	unsigned checked = 0;

	(void)state;
	for (size_t k = 0; k < G_N_ELEMENTS(refused); k++) {
		const EmuImage *img = emu_default_image();
		const EmuSymbol *sym = emu_image_symbol_by_name(img, refused[k]);
		Mh *probe = mh_new(1);

		/* The boundaries come from the text segment (original decoding). */
		mh_expect_done(probe, mh_run_first(probe));
		assert_non_null(sym);
		for (uint32_t off = 0; off < sym->size; off++) {
			bool boundary = emu_text_is_boundary(probe->run.env->text, sym->addr + off);

			if (!boundary)
				continue;
			/* f_get_user's .fixup code and padding belong to its extent too. */
			check_point(ctx, refused[k], off, OUT_INT3, 0);
			checked++;
		}
		mh_free(probe);
	}
	assert_true(checked > 20);
	sim_ctx_free(ctx);
}

/* ---- (b) every byte of every function ---- */

typedef struct {
	const char *symbol;
	unsigned long offset, len;
} Reserved;

/* The reserved ranges docs/kernel-image.md lists ("Reservation tables"). */
static const Reserved reserved[] = {
	{ "mcount", 0, 16 },
	{ "native_get_debugreg", 0, 64 },
	{ "notify_die", 0, 32 },	/* .kprobes.text: 0xffffffff81000360 .. */
	{ "do_int3", 0, 39 },		/* .. 0xffffffff810003a7 */
	{ "f_lock", 0x2, 1 },
	{ "mod_b_get", 0x8, 1 },
	{ "f_traced", 0x4, 5 },
	{ "f_traced_small", 0x4, 5 },
	{ "f_jump_label", 0x7, 5 },
	{ "mod_b_get", 0xd, 5 },
};

static bool in_reserved(uint64_t addr)
{
	for (size_t i = 0; i < G_N_ELEMENTS(reserved); i++) {
		uint64_t lo = mh_sym_addr(reserved[i].symbol, reserved[i].offset);

		if (addr >= lo && addr < lo + reserved[i].len)
			return true;
	}
	return false;
}

/* A script of up to BATCH_PROBES register/unregister pairs in one task. */
#define BATCH_PROBES 64

typedef struct {
	KpScript script;
	KpProbeSpec probes[BATCH_PROBES];
	unsigned ident[BATCH_PROBES];	/* ident[i] == i: each op's one-probe list */
	KpScriptTask task;
	KpOp ops[2 * BATCH_PROBES + 1];
	KpScriptRun run;
	long expect[BATCH_PROBES];
	unsigned reg_op[BATCH_PROBES];
} Batch;

static void batch_reset(Batch *b, const char *module)
{
	kp_script_release(&b->run);
	memset(b, 0, sizeof(*b));
	b->script.model = &kp_model_6274de4;
	b->script.n_cpus = 1;
	b->script.probes = b->probes;
	b->script.tasks = &b->task;
	b->script.n_tasks = 1;
	b->script.check = true;
	b->task = (KpScriptTask){ .name = "sweep", .cpu = 0, .ops = b->ops };
	if (module)
		b->ops[b->task.n_ops++] = (KpOp){ .kind = KP_OP_MODULE_LOAD, .text = module,
						  .expect = 0 };
}

static void batch_add(Batch *b, const Sym *s, uint32_t off, long expect)
{
	unsigned i = b->script.n_probes++;

	b->probes[i] = (KpProbeSpec){ .name = "p", .kind = KP_PROBE_KPROBE, .symbol = s->name,
				      .offset = off, .pre = true };
	b->expect[i] = expect;
	b->reg_op[i] = b->task.n_ops;
	b->ident[i] = i;
	/* Registered and unregistered at once: no probe sees another one. */
	b->ops[b->task.n_ops++] = (KpOp){ .kind = KP_OP_REGISTER, .n = 1,
					  .probes = &b->ident[i], .expect = KP_NO_EXPECT };
	b->ops[b->task.n_ops++] = (KpOp){ .kind = KP_OP_UNREGISTER, .n = 1,
					  .probes = &b->ident[i], .expect = KP_NO_EXPECT };
}

/* Run the batch; returns the number of mismatches (each printed). */
static unsigned batch_run(SimCtx *ctx, Batch *b)
{
	g_autoptr(GError) err = NULL;
	SimStrategy *st = sim_strategy_first_new();
	SimEnd end = kp_script_run(ctx, &b->script, st, &b->run, &err);
	unsigned bad = 0;

	sim_strategy_free(st);
	if (err)
		fail_msg("script: %s", err->message);
	if (end != SIM_END_DONE) {
		const SimViolation *v = sim_violation_fatal(ctx);

		fail_msg("sweep run ended with %d: %s", end, v ? v->message : "?");
	}
	for (unsigned i = 0; i < b->script.n_probes; i++) {
		long got = kp_script_result(&b->run, 0, b->reg_op[i]);

		if (got != b->expect[i]) {
			print_message("# %s+%#lx: register returned %ld, expected %ld\n",
				      b->probes[i].symbol, b->probes[i].offset, got, b->expect[i]);
			bad++;
		}
	}
	b->script.n_probes = 0;
	return bad;
}

static void test_sweep_every_byte(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	Mh *probe = mh_new(1);
	Batch *b = g_new0(Batch, 1);
	const char *groups[] = { NULL, "mod_a", "mod_b" };
	unsigned bad = 0, n[3] = { 0 }, total = 0;
	GArray *syms;

	(void)state;
	/* A run's text segment: its kallsyms, and the oracle for boundaries (the decoding
	 * of the original bytes). */
	mh_expect_done(probe, mh_run_first(probe));
	syms = image_symbols(probe);
	for (size_t g = 0; g < G_N_ELEMENTS(groups); g++) {
		batch_reset(b, groups[g]);
		for (unsigned k = 0; k < syms->len; k++) {
			const Sym *s = &g_array_index(syms, Sym, k);

			if (g_strcmp0(s->module, groups[g]) != 0)
				continue;
			for (uint32_t off = 0; off < s->size; off++) {
				uint64_t addr = s->addr + off;
				long expect = 0;

				if (in_reserved(addr)) {
					expect = -EINVAL;
					n[0]++;
				} else if (!emu_text_is_boundary(probe->run.env->text, addr)) {
					expect = -EILSEQ;
					n[1]++;
				} else {
					n[2]++;
				}
				if (b->script.n_probes == BATCH_PROBES) {
					bad += batch_run(ctx, b);
					batch_reset(b, groups[g]);
				}
				batch_add(b, s, off, expect);
				total++;
			}
		}
		if (b->script.n_probes)
			bad += batch_run(ctx, b);
	}
	/* Every byte of the image's text is some function's (kallsyms extents tile it). */
	assert_int_equal(total, 935 + 87 + 102 + 40 + 219 + 37);
	assert_true(n[0] > 0 && n[1] > 0 && n[2] > 0);
	assert_int_equal(bad, 0);
	kp_script_release(&b->run);
	g_free(b);
	mh_free(probe);
	g_array_free(syms, TRUE);
	sim_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcome_table),
		cmocka_unit_test(test_whole_functions),
		cmocka_unit_test(test_sweep_every_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
