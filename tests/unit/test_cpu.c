// SPDX-License-Identifier: GPL-2.0-only
/* The vCPU executor: execution, traps, natives and detours, fetch checks, interrupts. */
#include "harness.h"
#include "arch_x86_emu/cpu.h"
#include "arch_x86_emu/text.h"
#include "sim/hotplug.h"
#include "sim/mutex.h"
#include "sim/stop_machine.h"

#define KTEXT 0xffffffff81000000ull
#define MAX_IPS 64

typedef struct Cx Cx;
typedef void (*CxBody)(SimCtx *ctx, Cx *cx);

typedef enum {
	INT3_REFUSE,		/* not ours: fatal */
	INT3_SKIP,		/* resume after the probed instruction (cx->resume) */
	INT3_SINGLESTEP,	/* single-step a copy in cx->slot, like kprobes */
	INT3_SINGLESTEP_IRQ,	/* the same, raising an interrupt on this vCPU first */
} Int3Mode;

/* One run's machine and what hooks, natives and tasks observed. */
struct Cx {
	EmuText *t;
	EmuMachine *m;
	SimMutex text_mutex;
	unsigned n_vcpus;
	CxBody body[2];
	uint64_t fn;		/* what body_call runs */
	uint64_t handler;	/* the IRQ handler raise bodies use */
	uint64_t target;	/* a second address some bodies need */
	Int3Mode int3_mode;
	uint64_t slot;
	uint64_t resume;
	uint8_t patch[5];	/* bytes a patcher body writes at cx->target */
	bool bytewise;		/* write them one byte at a time */
	bool patched;		/* set by body_patch_during_irq when its write is done */
	/* Observations. */
	unsigned int3_calls, debug_calls, native_calls, irq_calls;
	uint64_t int3_ip, debug_ip, native_site;
	bool int3_irqs_enabled, int3_in_trap, int3_frame_if;
	bool debug_tf, irq_saw_if;
	uint64_t insns_at_int3, insns_at_debug;
	uint64_t insns_before, insns_after;
	/* Interrupted ips across runs (not reset by setup). */
	uint64_t irq_ips[MAX_IPS];
	unsigned n_irq_ips;
};

/* The address of name in the default image, without a run. */
static uint64_t image_sym(const char *name)
{
	const EmuSymbol *s = emu_image_symbol_by_name(emu_default_image(), name);

	assert_non_null(s);
	return s->addr;
}

static void put_rel32(uint8_t *p, uint64_t insn_addr, unsigned insn_len, uint64_t target)
{
	int64_t rel = (int64_t)(target - (insn_addr + insn_len));

	assert_true(rel >= INT32_MIN && rel <= INT32_MAX);
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)((uint64_t)rel >> (8 * i));
}

static void note_ip(Cx *cx, uint64_t ip)
{
	for (unsigned i = 0; i < cx->n_irq_ips; i++)
		if (cx->irq_ips[i] == ip)
			return;
	assert_true(cx->n_irq_ips < MAX_IPS);
	cx->irq_ips[cx->n_irq_ips++] = ip;
}

static bool saw_ip(const Cx *cx, uint64_t ip)
{
	for (unsigned i = 0; i < cx->n_irq_ips; i++)
		if (cx->irq_ips[i] == ip)
			return true;
	return false;
}

/* ---- hooks and natives ------------------------------------------------------------------- */

static bool int3_hook(EmuMachine *m, EmuCpu *cpu, void *user)
{
	Cx *cx = user;

	assert_ptr_equal(m, cx->m);
	cx->int3_calls++;
	cx->int3_ip = emu_cpu_ip(cpu);
	cx->int3_irqs_enabled = emu_cpu_irqs_enabled(cpu);
	cx->int3_in_trap = emu_cpu_in_trap(cpu);
	cx->int3_frame_if = emu_cpu_if(cpu);
	cx->insns_at_int3 = emu_cpu_insn_count(cpu);
	switch (cx->int3_mode) {
	case INT3_REFUSE:
		return false;
	case INT3_SKIP:
		emu_cpu_set_ip(cpu, cx->resume);
		return true;
	case INT3_SINGLESTEP_IRQ:
		/* A decision point inside the trap: the interrupt cannot land here. */
		assert_true(emu_cpu_raise_irq(m, emu_cpu_index(cpu), cx->handler));
		assert_false(emu_cpu_irqs_enabled(cpu));
		/* fall through */
	case INT3_SINGLESTEP:
		emu_cpu_set_tf(cpu, true);
		emu_cpu_set_if(cpu, false);
		emu_cpu_set_ip(cpu, cx->slot);
		return true;
	}
	return false;
}

static void debug_hook(EmuMachine *m, EmuCpu *cpu, void *user)
{
	Cx *cx = user;

	(void)m;
	cx->debug_calls++;
	cx->debug_ip = emu_cpu_ip(cpu);
	cx->debug_tf = emu_cpu_tf(cpu);
	cx->insns_at_debug = emu_cpu_insn_count(cpu);
	assert_false(emu_cpu_irqs_enabled(cpu));
	/* resume_execution: back to the original flow after the copied instruction. */
	emu_cpu_set_ip(cpu, cx->resume);
	emu_cpu_set_tf(cpu, false);
	emu_cpu_set_if(cpu, true);
}

static void count_native(EmuMachine *m, EmuCpu *cpu, void *user)
{
	Cx *cx = user;

	(void)m;
	cx->native_calls++;
	cx->native_site = emu_cpu_native_site(cpu);
}

/* An interrupt handler written in C: note where the interrupt landed. */
static void irq_native(EmuMachine *m, EmuCpu *cpu, void *user)
{
	Cx *cx = user;
	uint64_t ip = emu_cpu_irq_return_ip(cpu);

	(void)m;
	assert_int_equal(emu_cpu_irq_depth(cpu), 1);
	/* Delivery needs IF, and the gate clears it for the handler. */
	assert_false(emu_cpu_if(cpu));
	cx->irq_calls++;
	note_ip(cx, ip);
}

/* ---- runs ---------------------------------------------------------------------------------- */

static void cx_task(SimCtx *ctx, void *arg)
{
	Cx *cx = arg;
	unsigned vcpu = sim_task_vcpu(sim_current(ctx));

	cx->body[vcpu](ctx, cx);
}

static void cx_setup(SimCtx *ctx, void *data)
{
	Cx *cx = data;
	EmuHooks hooks = { .int3 = int3_hook, .debug = debug_hook, .user = cx };

	emu_machine_free(cx->m);
	emu_text_free(cx->t);
	cx->t = emu_text_new(ctx, emu_default_image());
	cx->m = emu_machine_new(ctx, cx->t);
	sim_mutex_init(ctx, &cx->text_mutex, "text_mutex");
	emu_text_set_text_mutex(cx->t, &cx->text_mutex);
	emu_machine_set_hooks(cx->m, &hooks);
	cx->int3_calls = cx->debug_calls = cx->native_calls = cx->irq_calls = 0;
	cx->patched = false;
	cx->insns_before = cx->insns_after = 0;
	for (unsigned v = 0; v < 2; v++)
		if (cx->body[v])
			sim_task_create(ctx, v ? "other" : "runner", v, cx_task, cx, 0);
}

static void cx_done(Cx *cx)
{
	emu_machine_free(cx->m);
	emu_text_free(cx->t);
	cx->m = NULL;
	cx->t = NULL;
}

static void body_call(SimCtx *ctx, Cx *cx)
{
	EmuCpu *cpu = emu_machine_current_cpu(cx->m);

	(void)ctx;
	cx->insns_before = emu_cpu_insn_count(cpu);
	assert_int_equal(emu_cpu_call(cx->m, cx->fn), 0);
	assert_false(emu_cpu_running(cpu));
	assert_int_equal(emu_cpu_call_depth(cpu), 0);
	cx->insns_after = emu_cpu_insn_count(cpu);
}

static uint64_t cx_insns(const Cx *cx)
{
	return cx->insns_after - cx->insns_before;
}

/* The ips of the "insn" trace events of the last run, in order. */
static size_t traced_ips(SimCtx *ctx, uint64_t *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < sim_trace_count(ctx); i++) {
		const SimEvent *ev = sim_trace_get(ctx, i);

		if (ev->kind == SIM_EV_USER && !strcmp(ev->what, "insn")) {
			assert_true(n < cap);
			out[n++] = (uint64_t)ev->a;
		}
	}
	return n;
}

static SimCtx *cx_ctx(Cx *cx, unsigned n_vcpus, bool trace)
{
	cx->n_vcpus = n_vcpus;
	return harness_ctx(n_vcpus, trace);
}

/* ---- plain execution ------------------------------------------------------------------------ */

static void test_call_end_to_end(void **state)
{
	Cx cx = { .body = { body_call } };
	SimCtx *ctx = cx_ctx(&cx, 1, true);
	static const unsigned small[] = { 0, 3, 5, 10, 12, 15 };
	uint64_t ips[64];
	size_t n;

	(void)state;
	cx.fn = image_sym("f_small");
	assert_int_equal(harness_run_first(ctx, cx_setup, &cx), SIM_END_DONE);
	assert_int_equal(sim_violation_count(ctx), 0);
	assert_int_equal(cx_insns(&cx), 6);
	n = traced_ips(ctx, ips, 64);
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ips[i], cx.fn + small[i]);
	cx_done(&cx);

	/* Straight-line code of 35 instructions up to its ret. */
	cx.fn = image_sym("f_large");
	assert_int_equal(harness_run_first(ctx, cx_setup, &cx), SIM_END_DONE);
	assert_int_equal(cx_insns(&cx), 35);
	cx_done(&cx);

	/* Two calls of f_small: 8 instructions of its own, 6 in each callee. */
	cx.fn = image_sym("f_calls");
	assert_int_equal(harness_run_first(ctx, cx_setup, &cx), SIM_END_DONE);
	assert_int_equal(cx_insns(&cx), 8 + 6 + 6);
	n = traced_ips(ctx, ips, 64);
	assert_int_equal(ips[2], image_sym("f_small"));
	cx_done(&cx);

	/* Every function of the default kernel text runs to its end (module text is not
	 * loaded) with branches not taken; indirect jumps end them. */
	for (size_t i = 0; i < emu_default_image()->n_symbols; i++) {
		const EmuSymbol *s = &emu_default_image()->symbols[i];

		if (s->region > 1)
			continue;
		cx.fn = s->addr;
		assert_int_equal(harness_run_first(ctx, cx_setup, &cx), SIM_END_DONE);
		assert_int_equal(sim_violation_count(ctx), 0);
		assert_true(cx_insns(&cx) >= 1);
		cx_done(&cx);
	}
	sim_ctx_free(ctx);
}

typedef struct {
	SimStrategy base;
	unsigned insn_options;
	SimFootprint first_fp;
} FpStrategy;

static size_t fp_choose(SimStrategy *s, SimCtx *ctx, const SimOption *opts, size_t n)
{
	FpStrategy *f = (FpStrategy *)s;

	(void)ctx;
	(void)n;
	if (opts[0].reason == SIM_Y_INSN && f->insn_options++ == 0)
		f->first_fp = *opts[0].fp;
	return 0;
}

static void fp_destroy(SimStrategy *s)
{
	(void)s;
}

static const SimStrategyOps fp_ops = { .name = "fp", .choose = fp_choose, .destroy = fp_destroy };

/* An instruction step reads 16 bytes of text and the vCPU's interrupt state, nothing else. */
static void test_insn_footprint(void **state)
{
	Cx cx = { .body = { body_call } };
	SimCtx *ctx = cx_ctx(&cx, 1, false);
	FpStrategy s = { .base = { &fp_ops } };
	SimFootprint lock = sim_fp1(SIM_RES_LOCK, SIM_ACC_WRITE, 3);
	SimFootprint poke = { 0 };

	(void)state;
	cx.fn = image_sym("f_small");
	assert_int_equal(harness_run(ctx, &s.base, cx_setup, &cx), SIM_END_DONE);
	assert_int_equal(s.insn_options, 6);
	assert_int_equal(s.first_fp.n, 2);
	assert_int_equal(s.first_fp.acc[0].cls, SIM_RES_TEXT);
	assert_int_equal(s.first_fp.acc[0].mode, SIM_ACC_READ);
	assert_int_equal(s.first_fp.acc[0].lo, cx.fn);
	assert_int_equal(s.first_fp.acc[0].hi, cx.fn + 16);
	assert_int_equal(s.first_fp.acc[1].cls, SIM_RES_VCPU);
	/* A strategy that does not reorder steps is not given SIM_FP_STAYS to compute. */
	assert_int_equal(s.first_fp.flags, 0);
	/* Independent of an unrelated lock, dependent on a poke of the fetched bytes. */
	assert_false(sim_fp_conflict(&s.first_fp, &lock));
	sim_fp_add(&poke, SIM_RES_TEXT, SIM_ACC_WRITE, cx.fn + 15, cx.fn + 16);
	assert_true(sim_fp_conflict(&s.first_fp, &poke));
	cx_done(&cx);
	sim_ctx_free(ctx);
}

typedef struct {
	SimStrategy base;
	unsigned n;
	uint64_t ip[64];
	bool stays[64];
} StaysStrategy;

static size_t stays_choose(SimStrategy *s, SimCtx *ctx, const SimOption *opts, size_t n)
{
	StaysStrategy *f = (StaysStrategy *)s;

	(void)ctx;
	(void)n;
	if (opts[0].reason == SIM_Y_INSN) {
		assert_true(f->n < 64);
		f->ip[f->n] = opts[0].fp->acc[0].lo;
		f->stays[f->n++] = opts[0].fp->flags & SIM_FP_STAYS;
	}
	return 0;
}

static const SimStrategyOps stays_ops = {
	.name = "stays", .choose = stays_choose, .destroy = fp_destroy, .reorders = true,
};

/*
 * An instruction step promises to stay inside its call (SIM_FP_STAYS) unless it may pop
 * the return address the call pushed: only the final return of the called function, at
 * the top frame.  Its callees' returns, below it, stay.
 */
static void test_insn_stays_in_call(void **state)
{
	Cx cx = { .body = { body_call } };
	SimCtx *ctx = cx_ctx(&cx, 1, false);
	StaysStrategy s = { .base = { &stays_ops } };
	uint64_t small = image_sym("f_small");

	(void)state;
	cx.fn = small;
	assert_int_equal(harness_run(ctx, &s.base, cx_setup, &cx), SIM_END_DONE);
	assert_int_equal(s.n, 6);
	for (unsigned i = 0; i < 5; i++)
		assert_true(s.stays[i]);
	assert_int_equal(s.ip[5], small + 15);
	assert_false(s.stays[5]);
	cx_done(&cx);

	/* f_calls: 8 instructions of its own, 6 in each of two calls of f_small. */
	s.n = 0;
	cx.fn = image_sym("f_calls");
	assert_int_equal(harness_run(ctx, &s.base, cx_setup, &cx), SIM_END_DONE);
	assert_int_equal(s.n, 8 + 6 + 6);
	for (unsigned i = 0; i + 1 < s.n; i++)
		assert_true(s.stays[i]);
	assert_false(s.stays[s.n - 1]);
	assert_true(s.ip[s.n - 1] < small || s.ip[s.n - 1] >= small + 16);
	cx_done(&cx);
	sim_ctx_free(ctx);
}

/* Calls deeper than the stack are skipped; indirect calls are skipped; indirect jumps and
 * traps end the function; a jump to a native runs it and returns. */
static void body_add_and_call(SimCtx *ctx, Cx *cx);

static const uint8_t self_call[] = { 0xe8, 0xfb, 0xff, 0xff, 0xff, 0xc3 };	/* call self; ret */
static const uint8_t ind_call[] = { 0xff, 0xd0, 0xc3 };			/* call *rax; ret */
static const uint8_t ind_jmp[] = { 0xff, 0xe0, 0xcc };				/* jmp *rax; int3 */
static const uint8_t ud2[] = { 0x0f, 0x0b, 0xcc };				/* ud2; int3 */

typedef struct {
	const uint8_t *bytes;
	size_t len;
	uint64_t insns;
} Snippet;

static Snippet snippet;

static void body_add_and_call(SimCtx *ctx, Cx *cx)
{
	cx->fn = emu_text_add_function(cx->t, "snippet", snippet.bytes, snippet.len, NULL);
	assert_int_not_equal(cx->fn, 0);
	body_call(ctx, cx);
}

static void test_control_flow_approximations(void **state)
{
	Cx cx = { .body = { body_add_and_call } };
	SimCtx *ctx = cx_ctx(&cx, 1, false);
	const Snippet cases[] = {
		{ self_call, sizeof(self_call), 2 * (EMU_CALL_DEPTH + 1) },
		{ ind_call, sizeof(ind_call), 2 },
		{ ind_jmp, sizeof(ind_jmp), 1 },
		{ ud2, sizeof(ud2), 1 },
	};

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		snippet = cases[i];
		assert_int_equal(harness_run_first(ctx, cx_setup, &cx), SIM_END_DONE);
		assert_int_equal(sim_violation_count(ctx), 0);
		assert_int_equal(cx_insns(&cx), cases[i].insns);
		assert_int_equal(cx.int3_calls, 0);
		cx_done(&cx);
	}
	sim_ctx_free(ctx);
}

/* A tail jump to a native: the native runs, then the function has returned. */
static void body_jump_to_native(SimCtx *ctx, Cx *cx)
{
	uint8_t code[5] = { 0xe9 };
	uint64_t native = EMU_TEXT_SCENARIO_BASE + 0x800;

	put_rel32(code + 1, EMU_TEXT_SCENARIO_BASE, 5, native);
	emu_machine_add_native(cx->m, native, "tail_target", count_native, cx);
	cx->fn = emu_text_add_function(cx->t, "tail", code, sizeof(code), NULL);
	assert_int_equal(cx->fn, EMU_TEXT_SCENARIO_BASE);
	body_call(ctx, cx);
}

static void test_native_by_jump(void **state)
{
	Cx cx = { .body = { body_jump_to_native } };
	SimCtx *ctx = cx_ctx(&cx, 1, false);

	(void)state;
	assert_int_equal(harness_run_first(ctx, cx_setup, &cx), SIM_END_DONE);
	assert_int_equal(sim_violation_count(ctx), 0);
	assert_int_equal(cx.native_calls, 1);
	assert_int_equal(cx.native_site, EMU_TEXT_SCENARIO_BASE);
	assert_int_equal(cx_insns(&cx), 1);
	cx_done(&cx);
	sim_ctx_free(ctx);
}

/* Under EMU_BRANCH_CHOICE a loop runs a bounded number of extra rounds, chosen by the
 * schedule; the first strategy takes no branch. */
static void body_call_choice(SimCtx *ctx, Cx *cx)
{
	emu_machine_set_branch_policy(cx->m, EMU_BRANCH_CHOICE, 2);
	body_call(ctx, cx);
}

static void test_branch_choice(void **state)
{
	Cx cx = { .body = { body_call_choice } };
	SimCtx *ctx = cx_ctx(&cx, 1, false);
	uint64_t base, most = 0, least = UINT64_MAX;

	(void)state;
	cx.fn = image_sym("f_loop");
	assert_int_equal(harness_run_first(ctx, cx_setup, &cx), SIM_END_DONE);
	base = cx_insns(&cx);
	cx_done(&cx);
	cx.body[0] = body_call;
	assert_int_equal(harness_run_first(ctx, cx_setup, &cx), SIM_END_DONE);
	assert_int_equal(cx_insns(&cx), base);
	cx_done(&cx);
	cx.body[0] = body_call_choice;
	for (uint64_t seed = 0; seed < 100; seed++) {
		assert_int_equal(harness_run_seed(ctx, seed, cx_setup, &cx), SIM_END_DONE);
		assert_int_equal(sim_violation_count(ctx), 0);
		most = MAX(most, cx_insns(&cx));
		least = MIN(least, cx_insns(&cx));
		cx_done(&cx);
	}
	/* Some schedules go round the loop; none goes round more than twice (the loop body
	 * of f_loop is 10 instructions). */
	assert_true(most > base);
	assert_true(most <= base + 2 * 10 + 8);
	assert_true(least < most);
	sim_ctx_free(ctx);
}

/* ---- traps ------------------------------------------------------------------------------------ */

/* Write `cx->patch` (len 1 or 5) at cx->target under text_mutex, then run cx->fn. */
static void body_patch_then_call(SimCtx *ctx, Cx *cx)
{
	sim_mutex_lock(ctx, &cx->text_mutex);
	emu_text_poke(cx->t, cx->target, cx->patch, 1);
	sim_mutex_unlock(ctx, &cx->text_mutex);
	body_call(ctx, cx);
}

static void test_int3_hook(void **state)
{
	Cx cx = { .body = { body_patch_then_call }, .int3_mode = INT3_SKIP, .patch = { 0xcc } };
	SimCtx *ctx = cx_ctx(&cx, 1, false);
	const SimViolation *v;

	(void)state;
	cx.fn = image_sym("f_small");
	cx.target = cx.fn + 3;
	cx.resume = cx.fn + 5;
	assert_int_equal(harness_run_first(ctx, cx_setup, &cx), SIM_END_DONE);
	assert_int_equal(sim_violation_count(ctx), 0);
	assert_int_equal(cx.int3_calls, 1);
	/* ip past the 0xCC, interrupts off, in a trap; the frame still has IF set. */
	assert_int_equal(cx.int3_ip, cx.fn + 4);
	assert_false(cx.int3_irqs_enabled);
	assert_true(cx.int3_in_trap);
	assert_true(cx.int3_frame_if);
	assert_int_equal(cx.insns_at_int3 - cx.insns_before, 2);
	/* +0, int3 at +3, then +5, +10, +12, +15. */
	assert_int_equal(cx_insns(&cx), 6);
	cx_done(&cx);

	cx.int3_mode = INT3_REFUSE;
	assert_int_equal(harness_run_first(ctx, cx_setup, &cx), SIM_END_VIOLATION);
	v = sim_violation_fatal(ctx);
	assert_non_null(v);
	assert_string_equal(v->id, "cpu-unhandled-int3");
	assert_int_equal(v->kind, SIM_V_CPU);
	assert_non_null(strstr(v->message, "f_small+0x3"));
	cx_done(&cx);
	sim_ctx_free(ctx);
}

/* Put a copy of the first instruction of cx->fn in a live single-step slot. */
static void make_ss_slot(Cx *cx, unsigned insn_len)
{
	uint8_t copy[16];
	uint64_t page = emu_text_alloc_page(cx->t, EMU_TEXT_SLOT_INSN);

	assert_true(emu_text_read_orig(cx->t, cx->fn, copy, insn_len));
	cx->slot = page + 32;
	emu_text_slot_write(cx->t, cx->slot, copy, insn_len);
	emu_text_slot_set_live(cx->t, cx->slot, insn_len, true);
	cx->resume = cx->fn + insn_len;
}

static void body_probe_and_call(SimCtx *ctx, Cx *cx)
{
	make_ss_slot(cx, 3);
	body_patch_then_call(ctx, cx);
}

/* kprobes' single-step: the debug hook comes after exactly one instruction in the slot. */
static void test_single_step(void **state)
{
	Cx cx = { .body = { body_probe_and_call }, .int3_mode = INT3_SINGLESTEP,
		  .patch = { 0xcc } };
	SimCtx *ctx = cx_ctx(&cx, 1, true);
	uint64_t ips[16];
	size_t n;

	(void)state;
	cx.fn = image_sym("f_small");
	cx.target = cx.fn;
	assert_int_equal(harness_run_first(ctx, cx_setup, &cx), SIM_END_DONE);
	assert_int_equal(sim_violation_count(ctx), 0);
	assert_int_equal(cx.int3_calls, 1);
	assert_int_equal(cx.debug_calls, 1);
	assert_int_equal(cx.insns_at_debug - cx.insns_at_int3, 1);
	assert_int_equal(cx.debug_ip, cx.slot + 3);
	assert_true(cx.debug_tf);
	/* int3, the copy, then +3, +5, +10, +12, +15. */
	n = traced_ips(ctx, ips, 16);
	assert_int_equal(n, 7);
	assert_int_equal(ips[0], cx.fn);
	assert_int_equal(ips[1], cx.slot);
	assert_int_equal(ips[2], cx.fn + 3);
	cx_done(&cx);
	sim_ctx_free(ctx);
}

/* ---- detours -------------------------------------------------------------------------------- */

/*
 * An optimized probe on f_small: its first 5 bytes (lea; add) become a jump to a detour
 * buffer that calls a native, runs the two relocated instructions and jumps back.
 */
static void body_detour(SimCtx *ctx, Cx *cx)
{
	static const uint8_t ret[] = { 0xc3 };
	uint64_t cb = emu_text_add_function(cx->t, "optimized_callback", ret, 1, NULL);
	uint64_t page = emu_text_alloc_page(cx->t, EMU_TEXT_SLOT_OPT);
	uint8_t buf[32], jmp[5] = { 0xe9 };
	size_t n = 0;

	assert_int_not_equal(cb, 0);
	emu_machine_add_native(cx->m, cb, "optimized_callback", count_native, cx);
	cx->slot = page + 0x40;
	buf[n++] = 0xe8;
	put_rel32(buf + n, cx->slot, 5, cb);
	n += 4;
	assert_true(emu_text_read_orig(cx->t, cx->fn, buf + n, 5));
	n += 5;
	buf[n++] = 0xe9;
	put_rel32(buf + n, cx->slot + n - 1, 5, cx->fn + 5);
	n += 4;
	emu_text_slot_write(cx->t, cx->slot, buf, n);
	emu_text_slot_set_live(cx->t, cx->slot, n, true);
	put_rel32(jmp + 1, cx->fn, 5, cx->slot);
	sim_get_online_cpus(ctx);
	sim_mutex_lock(ctx, &cx->text_mutex);
	emu_text_poke_smp(cx->t, cx->fn, jmp, 5);
	sim_mutex_unlock(ctx, &cx->text_mutex);
	sim_put_online_cpus(ctx);
	body_call(ctx, cx);
}

static void test_detour_jump(void **state)
{
	Cx cx = { .body = { body_detour } };
	SimCtx *ctx = cx_ctx(&cx, 1, true);
	uint64_t ips[16];
	size_t n;

	(void)state;
	cx.fn = image_sym("f_small");
	assert_int_equal(harness_run_first(ctx, cx_setup, &cx), SIM_END_DONE);
	assert_int_equal(sim_violation_count(ctx), 0);
	assert_int_equal(sim_stop_machine_count(ctx), 1);
	assert_int_equal(cx.native_calls, 1);
	assert_int_equal(cx.native_site, cx.slot);
	n = traced_ips(ctx, ips, 16);
	{
		const uint64_t want[] = {
			cx.fn, cx.slot, cx.slot + 5, cx.slot + 8, cx.slot + 10,
			cx.fn + 5, cx.fn + 10, cx.fn + 12, cx.fn + 15,
		};

		assert_int_equal(n, G_N_ELEMENTS(want));
		for (size_t i = 0; i < n; i++)
			assert_int_equal(ips[i], want[i]);
	}
	assert_int_equal(cx_insns(&cx), 9);
	cx_done(&cx);
	sim_ctx_free(ctx);
}

/* ---- torn and freed fetches ------------------------------------------------------------------ */

/*
 * Runs vCPU 0 until its next instruction is at park_ip, then everything else until only
 * vCPU 0 can run, then vCPU 0 again: "interrupted at park_ip while the others patch".
 */
typedef struct {
	SimStrategy base;
	uint64_t park_ip;
	bool parked;
} ParkStrategy;

static size_t park_choose(SimStrategy *s, SimCtx *ctx, const SimOption *opts, size_t n)
{
	ParkStrategy *p = (ParkStrategy *)s;
	size_t mine = n, other = n;

	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		if (opts[i].kind != SIM_OPT_STEP || opts[i].alt != 0)
			continue;
		if (opts[i].vcpu == 0 && mine == n)
			mine = i;
		if (opts[i].vcpu != 0 && other == n)
			other = i;
	}
	if (mine < n && opts[mine].reason == SIM_Y_INSN && opts[mine].fp->acc[0].lo == p->park_ip)
		p->parked = true;
	if (p->parked && other < n)
		return other;
	if (!p->parked && mine < n)
		return mine;
	return mine < n ? mine : 0;
}

static void park_begin(SimStrategy *s, SimCtx *ctx)
{
	(void)ctx;
	((ParkStrategy *)s)->parked = false;
}

static const SimStrategyOps park_ops = {
	.name = "park", .begin = park_begin, .choose = park_choose, .destroy = fp_destroy,
};

static void body_patcher(SimCtx *ctx, Cx *cx)
{
	sim_mutex_lock(ctx, &cx->text_mutex);
	if (cx->bytewise) {
		for (unsigned i = 0; i < 5; i++)
			emu_text_poke(cx->t, cx->target + i, cx->patch + i, 1);
	} else {
		emu_text_poke(cx->t, cx->target, cx->patch, 5);
	}
	sim_mutex_unlock(ctx, &cx->text_mutex);
}

/*
 * vCPU 0 was at window+k when the window became a 5-byte jump over the instructions it
 * covers (what an optimized probe's jump does, seen from the original flow): resuming
 * there is a crash, resuming before the window is not.
 */
static void check_torn(const char *fn, unsigned window, unsigned k, bool bytewise,
		       const char *want_id)
{
	Cx cx = { .body = { body_call, body_patcher }, .bytewise = bytewise, .patch = { 0xe9 } };
	SimCtx *ctx = cx_ctx(&cx, 2, false);
	ParkStrategy s = { .base = { &park_ops } };
	EmuText *img = emu_text_new(ctx, emu_default_image());
	const SimViolation *v;
	unsigned size = 0;
	char at[64];

	cx.fn = image_sym(fn);
	cx.target = cx.fn + window;
	assert_true(emu_text_is_boundary(img, cx.target + k));
	while (size < 5)
		size += emu_text_orig_insn_len(img, cx.target + size);
	emu_text_free(img);
	put_rel32(cx.patch + 1, cx.target, 5, cx.target + size);
	s.park_ip = cx.target + k;
	assert_int_equal(harness_run(ctx, &s.base, cx_setup, &cx), SIM_END_VIOLATION);
	assert_true(s.parked);
	v = sim_violation_fatal(ctx);
	assert_non_null(v);
	assert_string_equal(v->id, want_id);
	assert_int_equal(v->kind, SIM_V_CPU);
	assert_int_equal(v->vcpu, 0);
	snprintf(at, sizeof(at), "%s+0x%x", fn, window + k);
	assert_non_null(strstr(v->message, at));
	assert_non_null(strstr(v->message, "cpu0"));
	cx_done(&cx);

	s.park_ip = cx.fn;
	assert_int_equal(harness_run(ctx, &s.base, cx_setup, &cx), SIM_END_DONE);
	assert_true(s.parked);
	assert_int_equal(sim_violation_count(ctx), 0);
	cx_done(&cx);
	sim_ctx_free(ctx);
}

static void test_torn_resume(void **state)
{
	(void)state;
	/* Interior boundaries at k = 1..4 of real windows. */
	check_torn("f_small", 0, 3, false, "cpu-bad-boundary");
	check_torn("f_large", 3, 2, false, "cpu-bad-boundary");
	check_torn("f_large", 3, 4, false, "cpu-bad-boundary");
	check_torn("f_traced", 0, 1, false, "cpu-bad-boundary");
	check_torn("f_traced", 0, 4, false, "cpu-bad-boundary");
	/* Written one byte at a time, no write spans the boundary: the bytes are garbage. */
	check_torn("f_small", 0, 3, true, "cpu-torn");
}

static void body_unload_and_call(SimCtx *ctx, Cx *cx)
{
	assert_true(emu_text_module_load(cx->t, "mod_a"));
	assert_true(emu_text_module_unload(cx->t, "mod_a"));
	body_call(ctx, cx);
}

static void body_unload_while_running(SimCtx *ctx, Cx *cx)
{
	(void)ctx;
	assert_true(emu_text_module_unload(cx->t, "mod_a"));
}

static void body_load_and_call(SimCtx *ctx, Cx *cx)
{
	assert_true(emu_text_module_load(cx->t, "mod_a"));
	body_call(ctx, cx);
}

static void body_dead_slot(SimCtx *ctx, Cx *cx)
{
	static const uint8_t code[] = { 0x90, 0x90, 0xc3 };
	uint64_t page = emu_text_alloc_page(cx->t, EMU_TEXT_SLOT_OPT);

	emu_text_slot_write(cx->t, page, code, sizeof(code));
	/* Only the first NOP is vouched for. */
	emu_text_slot_set_live(cx->t, page, 1, true);
	cx->fn = page;
	body_call(ctx, cx);
}

static void test_fetch_freed(void **state)
{
	Cx cx = { .body = { body_unload_and_call } };
	SimCtx *ctx = cx_ctx(&cx, 2, false);
	ParkStrategy s = { .base = { &park_ops } };
	const SimViolation *v;

	(void)state;
	cx.fn = image_sym("mod_a_stat");
	assert_int_equal(harness_run_first(ctx, cx_setup, &cx), SIM_END_VIOLATION);
	v = sim_violation_fatal(ctx);
	assert_string_equal(v->id, "cpu-fetch-freed");
	assert_non_null(strstr(v->message, "mod_a.text was freed"));
	assert_non_null(strstr(v->message, "mod_a_stat+0x0"));
	/* The message shows the bytes the CPU found. */
	assert_non_null(strstr(v->message, "bytes ["));
	cx_done(&cx);

	/* Not loaded at all: a wild jump. */
	cx.body[0] = body_call;
	assert_int_equal(harness_run_first(ctx, cx_setup, &cx), SIM_END_VIOLATION);
	assert_string_equal(sim_violation_fatal(ctx)->id, "cpu-wild");
	cx_done(&cx);
	cx.fn = 0x1000;
	assert_int_equal(harness_run_first(ctx, cx_setup, &cx), SIM_END_VIOLATION);
	assert_string_equal(sim_violation_fatal(ctx)->id, "cpu-wild");
	assert_non_null(strstr(sim_violation_fatal(ctx)->message, "no text there"));
	cx_done(&cx);

	/* Unloaded under a vCPU that is executing the module. */
	cx.body[0] = body_load_and_call;
	cx.body[1] = body_unload_while_running;
	cx.fn = image_sym("mod_a_stat");
	s.park_ip = cx.fn + 7;
	assert_int_equal(harness_run(ctx, &s.base, cx_setup, &cx), SIM_END_VIOLATION);
	assert_true(s.parked);
	assert_string_equal(sim_violation_fatal(ctx)->id, "cpu-fetch-freed");
	assert_non_null(strstr(sim_violation_fatal(ctx)->message, "mod_a_stat+0x7"));
	cx_done(&cx);

	/* Running off the live part of a slot. */
	cx.body[0] = body_dead_slot;
	cx.body[1] = NULL;
	assert_int_equal(harness_run_first(ctx, cx_setup, &cx), SIM_END_VIOLATION);
	assert_string_equal(sim_violation_fatal(ctx)->id, "cpu-fetch-freed");
	assert_non_null(strstr(sim_violation_fatal(ctx)->message, "no live slot code"));
	cx_done(&cx);
	sim_ctx_free(ctx);
}

/* ---- interrupts ----------------------------------------------------------------------------------- */

/* Raise an interrupt on vCPU 0 after a number of steps the schedule picks. */
static void body_raiser(SimCtx *ctx, Cx *cx)
{
	unsigned k = sim_choose(ctx, 16);

	for (unsigned i = 0; i < k; i++)
		sim_yield(ctx, SIM_Y_STORE, &sim_fp_none);
	emu_cpu_raise_irq(cx->m, 0, cx->handler);
}

static void body_add_irq_native_and_call(SimCtx *ctx, Cx *cx)
{
	emu_machine_add_native(cx->m, cx->handler, "irq_handler", irq_native, cx);
	body_call(ctx, cx);
}

/* Where an interrupt lands is a scheduler decision: exploration reaches every boundary. */
static void test_irq_delivery_points(void **state)
{
	Cx cx = { .body = { body_add_irq_native_and_call, body_raiser } };
	SimCtx *ctx = cx_ctx(&cx, 2, false);
	unsigned delivered = 0;
	uint64_t off;

	(void)state;
	cx.fn = image_sym("f_medium");
	cx.handler = EMU_TEXT_SCENARIO_BASE + 0x1000;
	for (uint64_t seed = 0; seed < 200; seed++) {
		assert_int_equal(harness_run_seed(ctx, seed, cx_setup, &cx), SIM_END_DONE);
		assert_int_equal(sim_violation_count(ctx), 0);
		assert_true(cx.irq_calls <= 1);
		delivered += cx.irq_calls;
		cx_done(&cx);
	}
	assert_true(delivered > 0);
	/* Every boundary f_medium executes, up to and including its ret, and nothing else. */
	cx.t = emu_text_new(ctx, emu_default_image());
	for (off = 0;; off += emu_text_orig_insn_len(cx.t, cx.fn + off)) {
		uint8_t b;

		assert_true(emu_text_is_boundary(cx.t, cx.fn + off));
		assert_true(saw_ip(&cx, cx.fn + off));
		assert_true(emu_text_read(cx.t, cx.fn + off, &b, 1));
		if (b == 0xc3)
			break;
	}
	for (unsigned i = 0; i < cx.n_irq_ips; i++)
		assert_true(emu_text_is_boundary(cx.t, cx.irq_ips[i]));
	assert_int_equal(cx.n_irq_ips, 12);
	cx_done(&cx);
	sim_ctx_free(ctx);
}

/* An emulated handler runs to its ret; the interrupted code then resumes where it was. */
static void test_irq_emulated_handler(void **state)
{
	Cx cx = { .body = { body_call, body_raiser } };
	SimCtx *ctx = cx_ctx(&cx, 2, false);
	bool longer = false;

	(void)state;
	cx.fn = image_sym("f_small");
	cx.handler = image_sym("f_tiny");	/* xor eax, eax; ret */
	for (uint64_t seed = 0; seed < 50; seed++) {
		assert_int_equal(harness_run_seed(ctx, seed, cx_setup, &cx), SIM_END_DONE);
		assert_int_equal(sim_violation_count(ctx), 0);
		assert_true(cx_insns(&cx) == 6 || cx_insns(&cx) == 8);
		longer |= cx_insns(&cx) == 8;
		cx_done(&cx);
	}
	assert_true(longer);
	sim_ctx_free(ctx);
}

static void body_ss_irq(SimCtx *ctx, Cx *cx)
{
	emu_machine_add_native(cx->m, cx->handler, "irq_handler", irq_native, cx);
	body_probe_and_call(ctx, cx);
}

/*
 * An interrupt raised while the int3 hook runs cannot land in the hook, nor on the
 * single-stepped copy (IF is clear until the debug hook restores it); it lands on the
 * original flow afterwards.
 */
static void test_no_irq_in_trap(void **state)
{
	Cx cx = { .body = { body_ss_irq }, .int3_mode = INT3_SINGLESTEP_IRQ, .patch = { 0xcc } };
	SimCtx *ctx = cx_ctx(&cx, 1, false);
	unsigned delivered = 0;

	(void)state;
	cx.fn = image_sym("f_small");
	cx.target = cx.fn;
	cx.handler = EMU_TEXT_SCENARIO_BASE + 0x1000;
	for (uint64_t seed = 0; seed < 100; seed++) {
		assert_int_equal(harness_run_seed(ctx, seed, cx_setup, &cx), SIM_END_DONE);
		assert_int_equal(sim_violation_count(ctx), 0);
		assert_int_equal(cx.int3_calls, 1);
		assert_int_equal(cx.debug_calls, 1);
		delivered += cx.irq_calls;
		if (cx.irq_calls)
			assert_false(emu_cpu_irq_pending(emu_machine_cpu(cx.m, 0)));
		cx_done(&cx);
	}
	assert_true(delivered > 0);
	/* Landed on the original flow after the single-step, at its first point too. */
	for (unsigned i = 0; i < cx.n_irq_ips; i++) {
		assert_true(cx.irq_ips[i] >= cx.fn + 3 && cx.irq_ips[i] <= cx.fn + 15);
		assert_true(cx.irq_ips[i] != cx.slot);
	}
	assert_true(saw_ip(&cx, cx.fn + 3));
	sim_ctx_free(ctx);
}

/* With IF clear an interrupt stays pending; raising a second one merges with it. */
static void body_irq_pending(SimCtx *ctx, Cx *cx)
{
	(void)ctx;
	assert_true(emu_cpu_raise_irq(cx->m, 0, cx->handler));
	assert_false(emu_cpu_raise_irq(cx->m, 0, cx->handler));
	assert_true(emu_cpu_irq_pending(emu_machine_cpu(cx->m, 0)));
	emu_cpu_cancel_irq(cx->m, 0);
	assert_false(emu_cpu_irq_pending(emu_machine_cpu(cx->m, 0)));
	assert_true(emu_cpu_raise_irq(cx->m, 0, cx->handler));
	body_call(ctx, cx);
}

static void test_irq_first_strategy(void **state)
{
	Cx cx = { .body = { body_irq_pending } };
	SimCtx *ctx = cx_ctx(&cx, 1, false);

	(void)state;
	cx.fn = image_sym("f_small");
	cx.handler = image_sym("f_tiny");
	/* The first strategy never takes alternative 1: the interrupt is never delivered. */
	assert_int_equal(harness_run_first(ctx, cx_setup, &cx), SIM_END_DONE);
	assert_int_equal(cx_insns(&cx), 6);
	assert_true(emu_cpu_irq_pending(emu_machine_cpu(cx.m, 0)));
	cx_done(&cx);
	sim_ctx_free(ctx);
}

/*
 * Takes the interrupt on vCPU 0 exactly at deliver_ip, never elsewhere, and otherwise
 * alternates between the vCPUs (both sides of the test wait for each other).
 */
typedef struct {
	SimStrategy base;
	uint64_t deliver_ip;
	unsigned turn;
	bool delivered;
} IrqAtStrategy;

static size_t irq_at_choose(SimStrategy *s, SimCtx *ctx, const SimOption *opts, size_t n)
{
	IrqAtStrategy *p = (IrqAtStrategy *)s;
	size_t plain[8], n_plain = 0;

	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		if (opts[i].kind == SIM_OPT_STEP && opts[i].vcpu == 0 && opts[i].alt == 1 &&
		    opts[i].fp->acc[0].lo == p->deliver_ip && !p->delivered) {
			p->delivered = true;
			return i;
		}
		if (opts[i].alt == 0 && n_plain < G_N_ELEMENTS(plain))
			plain[n_plain++] = i;
	}
	assert_true(n_plain > 0);
	return plain[p->turn++ % n_plain];
}

static void irq_at_begin(SimStrategy *s, SimCtx *ctx)
{
	(void)ctx;
	((IrqAtStrategy *)s)->delivered = false;
	((IrqAtStrategy *)s)->turn = 0;
}

static const SimStrategyOps irq_at_ops = {
	.name = "irq-at", .begin = irq_at_begin, .choose = irq_at_choose, .destroy = fp_destroy,
};

/* The handler runs while the other vCPU patches the window it interrupted. */
static void waiting_irq_native(EmuMachine *m, EmuCpu *cpu, void *user)
{
	Cx *cx = user;

	(void)m;
	note_ip(cx, emu_cpu_irq_return_ip(cpu));
	cx->irq_calls++;
	while (!cx->patched)
		sim_yield(emu_machine_ctx(cx->m), SIM_Y_LOAD, &sim_fp_none);
}

static void body_raise_self_and_call(SimCtx *ctx, Cx *cx)
{
	emu_machine_add_native(cx->m, cx->handler, "irq_handler", waiting_irq_native, cx);
	assert_true(emu_cpu_raise_irq(cx->m, 0, cx->handler));
	body_call(ctx, cx);
}

static void body_patch_during_irq(SimCtx *ctx, Cx *cx)
{
	while (!cx->irq_calls)
		sim_yield(ctx, SIM_Y_LOAD, &sim_fp_none);
	body_patcher(ctx, cx);
	cx->patched = true;	/* lets the handler return */
}

/* The saved return address of an interrupt is checked when the interrupt returns. */
static void test_irq_return_into_patched_window(void **state)
{
	Cx cx = { .body = { body_raise_self_and_call, body_patch_during_irq },
		  .patch = { 0xe9, 0, 0, 0, 0 } };
	SimCtx *ctx = cx_ctx(&cx, 2, false);
	IrqAtStrategy s = { .base = { &irq_at_ops } };
	const SimViolation *v;

	(void)state;
	cx.fn = image_sym("f_small");
	cx.target = cx.fn;
	cx.handler = EMU_TEXT_SCENARIO_BASE + 0x1000;
	s.deliver_ip = cx.fn + 3;
	assert_int_equal(harness_run(ctx, &s.base, cx_setup, &cx), SIM_END_VIOLATION);
	assert_true(s.delivered);
	assert_true(saw_ip(&cx, cx.fn + 3));
	v = sim_violation_fatal(ctx);
	assert_string_equal(v->id, "cpu-bad-boundary");
	assert_non_null(strstr(v->message, "resumes after an interrupt"));
	assert_non_null(strstr(v->message, "f_small+0x3"));
	assert_non_null(strstr(v->message, "inside the 5-byte write"));
	cx_done(&cx);

	/* Interrupted at the window's first instruction, it resumes on the jump: fine. */
	s.deliver_ip = cx.fn;
	cx.n_irq_ips = 0;
	assert_int_equal(harness_run(ctx, &s.base, cx_setup, &cx), SIM_END_DONE);
	assert_true(s.delivered);
	assert_int_equal(sim_violation_count(ctx), 0);
	assert_true(saw_ip(&cx, cx.fn));
	cx_done(&cx);
	sim_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_end_to_end),
		cmocka_unit_test(test_insn_footprint),
		cmocka_unit_test(test_insn_stays_in_call),
		cmocka_unit_test(test_control_flow_approximations),
		cmocka_unit_test(test_native_by_jump),
		cmocka_unit_test(test_branch_choice),
		cmocka_unit_test(test_int3_hook),
		cmocka_unit_test(test_single_step),
		cmocka_unit_test(test_detour_jump),
		cmocka_unit_test(test_torn_resume),
		cmocka_unit_test(test_fetch_freed),
		cmocka_unit_test(test_irq_delivery_points),
		cmocka_unit_test(test_irq_emulated_handler),
		cmocka_unit_test(test_no_irq_in_trap),
		cmocka_unit_test(test_irq_first_strategy),
		cmocka_unit_test(test_irq_return_into_patched_window),
	};

	return harness_main(tests, G_N_ELEMENTS(tests), "cpu");
}
