// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hit semantics of the 6274de4 port (docs/states.md) in each probe state:
 * handler counts, nmissed and the path a hit took (the vCPU's "int3" trace events versus
 * the detour buffer's calls of the optimized_callback native).
 */
#include "model_harness.h"

#include <errno.h>

#define CC 0xcc
#define E9 0xe9

/* int3 traps the vCPUs took at addr in the last run. */
static size_t int3_hits(Mh *m, uint64_t addr)
{
	size_t n = 0;

	for (size_t i = 0; i < sim_trace_count(m->ctx); i++) {
		const SimEvent *ev = sim_trace_get(m->ctx, i);

		if (ev->kind == SIM_EV_USER && ev->what && !strcmp(ev->what, "int3") &&
		    (uint64_t)ev->a == addr)
			n++;
	}
	return n;
}

/* Jump-path hits: calls of optimized_callback from a detour buffer. */
static size_t jump_hits(Mh *m)
{
	size_t n = 0;

	for (size_t i = 0; i < sim_trace_count(m->ctx); i++) {
		const SimEvent *ev = sim_trace_get(m->ctx, i);

		if (ev->kind == SIM_EV_USER && ev->what && !strcmp(ev->what, "native") &&
		    ev->obj && !strcmp(ev->obj, "optimized_callback"))
			n++;
	}
	return n;
}

static const KpSnapEntry *entry_at(KpSnapshot *s, const char *symbol, unsigned long off)
{
	const KpSnapEntry *e = mh_snap_entry(s, mh_sym_addr(symbol, off));

	assert_non_null(e);
	return e;
}

/* Registered, before the optimizer's first run: every call traps on the int3. */
static void test_int3_path(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned b = mh_probe(m, "b", "f_medium", 0x6, true);
	unsigned t = mh_task(m, "t", 0);

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, b, 0);
	mh_call(m, t, "f_small", 3);
	mh_call(m, t, "f_medium", 4);
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(int3_hits(m, mh_sym_addr("f_small", 0)), 3);
	assert_int_equal(int3_hits(m, mh_sym_addr("f_medium", 0x6)), 4);
	assert_int_equal(jump_hits(m), 0);
	assert_int_equal(mh_p(m, a)->pre_calls, 3);
	assert_int_equal(mh_p(m, a)->post_calls, 0);
	assert_int_equal(mh_p(m, b)->pre_calls, 4);
	assert_int_equal(mh_p(m, b)->post_calls, 4);
	assert_int_equal(mh_nmissed(m, a), 0);
	assert_int_equal(mh_nmissed(m, b), 0);
	mh_free(m);
}

/* After the optimizer ran: every call goes through the jump, pre handler once per call. */
static void test_jump_path(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned b = mh_probe(m, "b", "f_medium", 0x6, false);
	unsigned c = mh_probe(m, "c", "f_medium", 0x6, false);
	unsigned t = mh_task(m, "t", 0);
	KpSnapshot *s;
	uint8_t byte;

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, b, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, c, 0);
	mh_sleep(m, t, 6);
	mh_call(m, t, "f_small", 3);
	mh_call(m, t, "f_medium", 2);
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(int3_hits(m, mh_sym_addr("f_small", 0)), 0);
	assert_int_equal(int3_hits(m, mh_sym_addr("f_medium", 0x6)), 0);
	assert_int_equal(jump_hits(m), 5);
	assert_int_equal(mh_p(m, a)->pre_calls, 3);
	/* opt_pre_handler: every child of the aggregate, once per hit. */
	assert_int_equal(mh_p(m, b)->pre_calls, 2);
	assert_int_equal(mh_p(m, c)->pre_calls, 2);
	assert_int_equal(mh_nmissed(m, a) + mh_nmissed(m, b) + mh_nmissed(m, c), 0);
	s = mh_snapshot(m);
	assert_true(entry_at(s, "f_small", 0)->flags & KP_SNAP_OPTIMIZED);
	assert_true(entry_at(s, "f_medium", 0x6)->flags & KP_SNAP_OPTIMIZED);
	mh_text(m, "f_small", 0, &byte, 1);
	assert_int_equal(byte, E9);
	g_free(s);
	mh_free(m);
}

/*
 * A post handler keeps an aggregate off the jump (optimize_kprobe() refuses it):
 * at an optimizable point, after the optimizer's run, hits still trap, and the post
 * handler runs after each single-step.
 */
static void test_post_handler_keeps_int3_path(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_small", 0, true);
	unsigned b = mh_probe(m, "b", "f_medium", 0x6, false);
	unsigned c = mh_probe(m, "c", "f_medium", 0x6, true);
	unsigned t = mh_task(m, "t", 0);
	KpSnapshot *s;
	uint8_t byte;

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, b, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, c, 0);
	mh_sleep(m, t, 6);
	mh_call(m, t, "f_small", 3);
	mh_call(m, t, "f_medium", 2);
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(jump_hits(m), 0);
	assert_int_equal(int3_hits(m, mh_sym_addr("f_small", 0)), 3);
	assert_int_equal(int3_hits(m, mh_sym_addr("f_medium", 0x6)), 2);
	assert_int_equal(mh_p(m, a)->pre_calls, 3);
	assert_int_equal(mh_p(m, a)->post_calls, 3);
	/* aggr_post_handler calls the children that have one. */
	assert_int_equal(mh_p(m, b)->pre_calls, 2);
	assert_int_equal(mh_p(m, b)->post_calls, 0);
	assert_int_equal(mh_p(m, c)->pre_calls, 2);
	assert_int_equal(mh_p(m, c)->post_calls, 2);
	s = mh_snapshot(m);
	assert_false(entry_at(s, "f_small", 0)->flags & KP_SNAP_OPTIMIZED);
	assert_false(entry_at(s, "f_medium", 0x6)->flags & KP_SNAP_OPTIMIZED);
	assert_true(entry_at(s, "f_medium", 0x6)->post_handler);
	mh_text(m, "f_small", 0, &byte, 1);
	assert_int_equal(byte, CC);
	mh_text(m, "f_medium", 0x6, &byte, 1);
	assert_int_equal(byte, CC);
	g_free(s);
	mh_free(m);
}

#ifndef KP_TEST_PARENT	/* a jump that outlives disable_kprobe() is the seed's */
/*
 * Disabling an optimized probe only queues the unoptimization (unoptimize_kprobe()); until
 * the optimizer's next run the jump stays live, and optimized_callback returns at once for
 * the disabled probe (the seed's early return): no handler, no nmissed.
 */
static void test_disabled_probe_live_jump(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned t = mh_task(m, "t", 0);
	KpSnapshot *s;

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_sleep(m, t, 6);
	mh_probe_op(m, t, KP_OP_DISABLE, a, 0);
	mh_call(m, t, "f_small", 3);	/* before the optimizer's next run */
	mh_sleep(m, t, 6);
	mh_call(m, t, "f_small", 2);	/* jump removed, int3 removed: nothing */
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(jump_hits(m), 3);
	assert_int_equal(int3_hits(m, mh_sym_addr("f_small", 0)), 0);
	assert_int_equal(mh_p(m, a)->pre_calls, 0);
	assert_int_equal(mh_nmissed(m, a), 0);
	assert_true(mh_flags(m, a) & KP_SNAP_DISABLED);
	s = mh_snapshot(m);
	assert_int_equal(entry_at(s, "f_small", 0)->list, KP_SNAP_LIST_NONE);
	assert_false(entry_at(s, "f_small", 0)->flags & KP_SNAP_OPTIMIZED);
	g_free(s);
	assert_true(mh_text_is_original(m, "f_small", 0, 5));
	mh_free(m);
}
#endif

/* The same for a child of an aggregate whose other child stays enabled. */
static void test_disabled_child_on_jump_path(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned b = mh_probe(m, "b", "f_small", 0, false);
	unsigned t = mh_task(m, "t", 0);

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, b, 0);
	mh_probe_op(m, t, KP_OP_DISABLE, b, 0);
	mh_sleep(m, t, 6);
	mh_call(m, t, "f_small", 3);
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(jump_hits(m), 3);
	assert_int_equal(mh_p(m, a)->pre_calls, 3);
	/* opt_pre_handler skips disabled children. */
	assert_int_equal(mh_p(m, b)->pre_calls, 0);
	assert_int_equal(mh_nmissed(m, a) + mh_nmissed(m, b), 0);
	mh_free(m);
}

/*
 * aggr_pre_handler (int3 path): children in list order (newest first) until one returns
 * non-zero; the rest are skipped.  kprobe_handler then neither single-steps nor
 * resets current_kprobe: the handler is expected to have redirected ip (the jprobe
 * protocol), so the CPU resumes after the int3.  The probe sits on a one-byte
 * instruction (f_traced+0xc, pop %rbp) so that the resume point is a boundary.
 */
static void test_pre_ret_skips_later_children(void **state)
{
	Mh *m = mh_new(1);
	KpProbeSpec spec = { .kind = KP_PROBE_KPROBE, .symbol = "f_traced", .offset = 0xc,
			     .pre = true };
	unsigned a, b, c, t = mh_task(m, "t", 0);
	KpSnapshot *s;
	const KpSnapEntry *e;

	(void)state;
	spec.name = "a";
	a = mh_probe_spec(m, spec);
	spec.name = "b";
	spec.pre_ret = 1;
	b = mh_probe_spec(m, spec);
	spec.name = "c";
	spec.pre_ret = 0;
	c = mh_probe_spec(m, spec);
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, b, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, c, 0);
	mh_call(m, t, "f_traced", 1);
	mh_expect_done(m, mh_run_first(m));
	s = mh_snapshot(m);
	e = entry_at(s, "f_traced", 0xc);
	assert_int_equal(e->n_children, 3);
	assert_int_equal(e->children[0], (int)c);
	assert_int_equal(e->children[1], (int)b);
	assert_int_equal(e->children[2], (int)a);
	assert_int_equal(int3_hits(m, mh_sym_addr("f_traced", 0xc)), 1);
	assert_int_equal(mh_p(m, c)->pre_calls, 1);
	assert_int_equal(mh_p(m, b)->pre_calls, 1);
	assert_int_equal(mh_p(m, a)->pre_calls, 0);
	/* The probe is still "running" on vCPU 0. */
	assert_int_equal(s->current_kprobe[0], mh_sym_addr("f_traced", 0xc));
	g_free(s);
	mh_free(m);
}

/* opt_pre_handler (jump path) ignores the return values: every child runs. */
static void test_pre_ret_ignored_on_jump_path(void **state)
{
	Mh *m = mh_new(1);
	KpProbeSpec spec = { .kind = KP_PROBE_KPROBE, .symbol = "f_small", .pre = true };
	unsigned a, b, c, t = mh_task(m, "t", 0);
	KpSnapshot *s;

	(void)state;
	spec.name = "a";
	a = mh_probe_spec(m, spec);
	spec.name = "b";
	spec.pre_ret = 1;
	b = mh_probe_spec(m, spec);
	spec.name = "c";
	spec.pre_ret = 0;
	c = mh_probe_spec(m, spec);
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, b, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, c, 0);
	mh_sleep(m, t, 6);
	mh_call(m, t, "f_small", 2);
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(jump_hits(m), 2);
	assert_int_equal(mh_p(m, a)->pre_calls, 2);
	assert_int_equal(mh_p(m, b)->pre_calls, 2);
	assert_int_equal(mh_p(m, c)->pre_calls, 2);
	s = mh_snapshot(m);
	assert_int_equal(s->current_kprobe[0], 0);
	g_free(s);
	mh_free(m);
}

/*
 * Reentry: a hit on a vCPU where a kprobe is already running calls no handler and adds
 * one to the nmissed of every child of the hit probe, disabled ones included
 * (kprobes_inc_nmissed_count(), from reenter_kprobe() with HIT_ACTIVE and from
 * optimized_callback()).  A pre handler that returns non-zero leaves its probe running on
 * that vCPU (see above), so every later hit there is a reentry:
 * through the int3 (b has a post handler) and through the jump (d and e are optimized).
 * The same functions called on the other vCPU are ordinary hits.
 */
static void test_reentry_counts_nmissed(void **state)
{
	Mh *m = mh_new(2);
	unsigned t0 = mh_task(m, "t0", 0), t1 = mh_task(m, "t1", 1);
	unsigned stuck = mh_probe_spec(m, (KpProbeSpec){ .name = "stuck",
							 .kind = KP_PROBE_KPROBE,
							 .symbol = "f_traced", .offset = 0xc,
							 .pre = true, .post = true, .pre_ret = 1 });
	unsigned b = mh_probe(m, "b", "f_medium", 0, true);
	unsigned d = mh_probe(m, "d", "f_small", 0, false);
	unsigned e = mh_probe(m, "e", "f_small", 0, false);
	KpSnapshot *s;

	(void)state;
	mh_probe_op(m, t0, KP_OP_REGISTER, stuck, 0);
	mh_probe_op(m, t0, KP_OP_REGISTER, b, 0);
	mh_probe_op(m, t0, KP_OP_REGISTER, d, 0);
	mh_probe_op(m, t0, KP_OP_REGISTER, e, 0);
	mh_probe_op(m, t0, KP_OP_DISABLE, e, 0);
	mh_sleep(m, t0, 6);
	mh_call(m, t0, "f_traced", 1);
	mh_call(m, t0, "f_small", 2);
	mh_call(m, t0, "f_medium", 3);
	/* Runs once t0 is done (first strategy: time advances only when nothing can run). */
	mh_sleep(m, t1, 7);
	mh_call(m, t1, "f_small", 1);
	mh_call(m, t1, "f_medium", 1);
	mh_expect_done(m, mh_run_first(m));

	assert_int_equal(mh_p(m, stuck)->pre_calls, 1);
	assert_int_equal(mh_p(m, stuck)->post_calls, 0);
	/* vCPU 0: nothing but nmissed; vCPU 1: one ordinary hit each. */
	assert_int_equal(mh_nmissed(m, b), 3);
	assert_int_equal(mh_p(m, b)->pre_calls, 1);
	assert_int_equal(mh_p(m, b)->post_calls, 1);
	assert_int_equal(mh_nmissed(m, d), 2);
	assert_int_equal(mh_p(m, d)->pre_calls, 1);
	assert_int_equal(mh_nmissed(m, e), 2);
	assert_int_equal(mh_p(m, e)->pre_calls, 0);
	assert_int_equal(mh_nmissed(m, stuck), 0);
	/* f_small went through the jump both times on vCPU 0 and once on vCPU 1. */
	assert_int_equal(jump_hits(m), 3);
	assert_int_equal(int3_hits(m, mh_sym_addr("f_medium", 0)), 4);
	s = mh_snapshot(m);
	assert_int_equal(s->current_kprobe[0], mh_sym_addr("f_traced", 0xc));
	assert_int_equal(s->current_kprobe[1], 0);
	g_free(s);
	mh_free(m);
}

/*
 * The jprobe protocol (aggr_pre_handler(), kprobe_handler()): in an aggregate the jprobe
 * is the last child; the children before it run, then its setjmp_pre_handler returns 1,
 * its entry runs, and jprobe_return()'s int3 reaches longjmp_break_handler through the
 * aggregate's break handler, which restores the frame and single-steps the probed
 * instruction.  Each call is one hit for every child, and nothing stays running on the
 * vCPU afterwards.
 */
static void test_jprobe_protocol(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned j = mh_jprobe(m, "j", "f_small");
	unsigned c = mh_probe(m, "c", "f_small", 0, false);
	unsigned lone = mh_jprobe(m, "lone", "f_medium");
	unsigned t = mh_task(m, "t", 0);
	KpSnapshot *s;

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, j, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, c, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, lone, 0);
	mh_sleep(m, t, 6);
	mh_call(m, t, "f_small", 3);
	mh_call(m, t, "f_medium", 2);
	mh_expect_done(m, mh_run_first(m));
	/* A jprobe's break handler keeps both on their int3s. */
	assert_int_equal(jump_hits(m), 0);
	assert_int_equal(int3_hits(m, mh_sym_addr("f_small", 0)), 3);
	assert_int_equal(int3_hits(m, mh_sym_addr("f_medium", 0)), 2);
	assert_int_equal(mh_p(m, a)->pre_calls, 3);
	assert_int_equal(mh_p(m, c)->pre_calls, 3);
	assert_int_equal(mh_p(m, j)->pre_calls, 3);
	assert_int_equal(mh_p(m, lone)->pre_calls, 2);
	assert_int_equal(mh_nmissed(m, a) + mh_nmissed(m, c) + mh_nmissed(m, j), 0);
	assert_int_equal(mh_nmissed(m, lone), 0);
	s = mh_snapshot(m);
	assert_int_equal(s->current_kprobe[0], 0);
	g_free(s);
	mh_free(m);
}

/* A kretprobe's entry side: pre_handler_kretprobe runs the entry handler once per call. */
static void test_kretprobe_entry(void **state)
{
	Mh *m = mh_new(1);
	unsigned r = mh_kretprobe(m, "r", "f_medium");
	unsigned t = mh_task(m, "t", 0);

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, r, 0);
	mh_call(m, t, "f_medium", 2);	/* int3 */
	mh_sleep(m, t, 6);
	mh_call(m, t, "f_medium", 3);	/* jump */
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(int3_hits(m, mh_sym_addr("f_medium", 0)), 2);
	assert_int_equal(jump_hits(m), 3);
	assert_int_equal(mh_p(m, r)->pre_calls, 5);
	assert_int_equal(mh_nmissed(m, r), 0);
	mh_free(m);
}

/* The kind of text an interrupted ip was in. */
static int region_kind(Mh *m, uint64_t ip)
{
	int r = emu_text_region_at(m->run.env->text, ip);
	EmuTextRegionInfo info;

	if (r < 0)
		return -1;
	emu_text_region_info(m->run.env->text, (unsigned)r, &info);
	return info.kind;
}

/*
 * A probed function run by an interrupt handler on the vCPU that is inside another
 * probed function.  Wherever the interrupt lands — the probed code, the detour buffer
 * around optimized_callback, a boosted single-step slot — no kprobe is running there
 * (current_kprobe is set only inside the int3 handler, during a single-step with IF
 * clear, and inside optimized_callback), so the nested hit is an ordinary one: its pre
 * handler runs once, nothing is missed.
 *
 * An interrupt that arrives during optimized_callback itself (IRQs are on there,
 * docs/states.md), while the pre handler of `a` runs, finds `a` as the running kprobe:
 * the nested hit of `b` is counted as missed and calls no handler.
 */
static void irq_nesting(bool optimized, int want_kind)
{
	unsigned landed = 0, delivered = 0, in_callback = 0;

	for (uint64_t seed = 1; seed <= 1000; seed++) {
		Mh *m = mh_new(2);
		unsigned a = mh_probe(m, "a", "f_small", 0, false);
		unsigned b = mh_probe(m, "b", "f_medium", 0, false);
		unsigned t0 = mh_task(m, "t0", 0), t1 = mh_task(m, "t1", 1);
		unsigned irqs = 0, missed = 0;
		KpOp *op;

		/* With optimization off the probes stay on their int3s and get boosted. */
		if (!optimized)
			mh_text_op(m, t0, KP_OP_SYSCTL_WRITE, "0", 0);
		mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
		mh_probe_op(m, t0, KP_OP_REGISTER, b, 0);
		mh_sleep(m, t0, optimized ? 6 : 1);
		mh_call(m, t0, "f_small", 8);
		mh_sleep(m, t1, optimized ? 6 : 1);
		op = mh_op(m, t1, KP_OP_IRQ, 0);
		op->arg = 0;
		op->text = "f_medium";
		mh_expect_done(m, mh_run_seed(m, seed));
		for (size_t i = 0; i < sim_trace_count(m->ctx); i++) {
			const SimEvent *ev = sim_trace_get(m->ctx, i);

			if (ev->kind != SIM_EV_USER || !ev->what || strcmp(ev->what, "irq"))
				continue;
			irqs++;
			landed += region_kind(m, (uint64_t)ev->a) == want_kind;
		}
		/* Delivered inside optimized_callback: the nested hit was missed. */
		missed = (unsigned)mh_nmissed(m, b);
		delivered += irqs;
		in_callback += missed;
		assert_true(irqs <= 1);
		assert_int_equal(mh_p(m, a)->pre_calls, 8);
		assert_int_equal(mh_p(m, b)->pre_calls, irqs - missed);
		assert_int_equal(mh_nmissed(m, a), 0);
		assert_int_equal(mh_nmissed(m, b), missed);
		mh_free(m);
	}
	print_message("# %u interrupts delivered, %u in the slot, %u in optimized_callback\n",
		      delivered, landed, in_callback);
	assert_true(delivered > 0);
	if (optimized)
		assert_true(in_callback > 0);
	else
		assert_int_equal(in_callback, 0);
	assert_true(landed > 0);
}

static void test_irq_in_detour_buffer(void **state)
{
	(void)state;
	irq_nesting(true, EMU_TEXT_SLOT_OPT);
}

static void test_irq_in_boosted_slot(void **state)
{
	(void)state;
	/* The first hit single-steps (IF off), later ones run boosted with IF on. */
	irq_nesting(false, EMU_TEXT_SLOT_INSN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int3_path),
		cmocka_unit_test(test_jump_path),
		cmocka_unit_test(test_post_handler_keeps_int3_path),
#ifndef KP_TEST_PARENT
		cmocka_unit_test(test_disabled_probe_live_jump),
#endif
		cmocka_unit_test(test_disabled_child_on_jump_path),
		cmocka_unit_test(test_pre_ret_skips_later_children),
		cmocka_unit_test(test_pre_ret_ignored_on_jump_path),
		cmocka_unit_test(test_reentry_counts_nmissed),
		cmocka_unit_test(test_jprobe_protocol),
		cmocka_unit_test(test_kretprobe_entry),
		cmocka_unit_test(test_irq_in_detour_buffer),
		cmocka_unit_test(test_irq_in_boosted_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
