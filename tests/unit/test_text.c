// SPDX-License-Identifier: GPL-2.0-only
/* The emulated text segment: regions, kallsyms, boundaries, reservations, patching. */
#include "harness.h"
#include "arch_x86_emu/text.h"
#include "sim/hotplug.h"
#include "sim/mutex.h"
#include "sim/stop_machine.h"

#define KTEXT 0xffffffff81000000ull

/* One run's text segment and what the task bodies record. */
typedef struct Fx Fx;
typedef void (*FxBody)(SimCtx *ctx, Fx *fx);

struct Fx {
	EmuText *t;
	SimMutex text_mutex;
	FxBody body;
	uint64_t addr;
	uint8_t bytes[16];
	size_t len;
	bool lock;
	bool hotplug;
	bool smp;
	/* Filled by the write hook. */
	unsigned n_writes;
	EmuTextWrite last;
	uint8_t last_old[16];
	uint8_t last_new[16];
};

static uint64_t sym(EmuText *t, const char *name)
{
	EmuTextSymbol s;

	assert_true(emu_text_symbol_by_name(t, name, &s));
	return s.addr;
}

static void record_write(EmuText *t, const EmuTextWrite *w, void *user)
{
	Fx *fx = user;

	assert_ptr_equal(fx->t, t);
	fx->n_writes++;
	fx->last = *w;
	memcpy(fx->last_old, w->old_bytes, MIN(w->len, sizeof(fx->last_old)));
	memcpy(fx->last_new, w->new_bytes, MIN(w->len, sizeof(fx->last_new)));
}

static void fx_task(SimCtx *ctx, void *arg)
{
	Fx *fx = arg;

	fx->body(ctx, fx);
}

static void fx_setup(SimCtx *ctx, void *data)
{
	Fx *fx = data;

	emu_text_free(fx->t);
	fx->t = emu_text_new(ctx, emu_default_image());
	sim_mutex_init(ctx, &fx->text_mutex, "text_mutex");
	emu_text_set_text_mutex(fx->t, &fx->text_mutex);
	emu_text_set_write_hook(fx->t, record_write, fx);
	fx->n_writes = 0;
	sim_task_create(ctx, "patcher", 0, fx_task, fx, 0);
}

static void fx_done(Fx *fx)
{
	emu_text_free(fx->t);
	fx->t = NULL;
}

/* Take what the fixture asks for, poke fx->bytes at fx->addr, release. */
static void body_poke(SimCtx *ctx, Fx *fx)
{
	if (fx->hotplug)
		sim_get_online_cpus(ctx);
	if (fx->lock)
		sim_mutex_lock(ctx, &fx->text_mutex);
	if (fx->smp)
		assert_int_equal(emu_text_poke_smp(fx->t, fx->addr, fx->bytes, fx->len), 0);
	else
		assert_int_equal(emu_text_poke(fx->t, fx->addr, fx->bytes, fx->len), 0);
	if (fx->lock)
		sim_mutex_unlock(ctx, &fx->text_mutex);
	if (fx->hotplug)
		sim_put_online_cpus(ctx);
}

/* ---- regions, kallsyms, boundaries, reservations ------------------------------------------- */

static void test_regions_initial(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	EmuText *t = emu_text_new(ctx, emu_default_image());
	EmuTextRegionInfo ri;
	int k = emu_text_region_find(t, "kernel.text");
	int a = emu_text_region_find(t, "mod_a.text");

	(void)state;
	assert_int_equal(emu_text_n_regions(t), emu_default_image()->n_regions);
	assert_true(k >= 0 && a >= 0);
	emu_text_region_info(t, (unsigned)k, &ri);
	assert_int_equal(ri.kind, EMU_TEXT_CORE);
	assert_int_equal(ri.state, EMU_TEXT_LIVE);
	assert_int_equal(ri.base, KTEXT);
	assert_null(ri.module);
	emu_text_region_info(t, (unsigned)a, &ri);
	assert_int_equal(ri.kind, EMU_TEXT_MODULE_CORE);
	assert_int_equal(ri.state, EMU_TEXT_UNMAPPED);
	assert_string_equal(ri.module, "mod_a");
	assert_int_equal(emu_text_region_at(t, ri.base + 3), a);
	assert_int_equal(emu_text_region_at(t, 0x1000), -1);
	assert_int_equal(emu_text_state_at(t, sym(t, "f_init_table")), EMU_TEXT_LIVE);
	assert_int_equal(emu_text_state_at(t, sym(t, "mod_a_work")), EMU_TEXT_UNMAPPED);
	assert_int_equal(emu_text_state_at(t, 0x1000), EMU_TEXT_UNMAPPED);
	assert_int_equal(emu_text_region_find(t, "no.such.region"), -1);
	emu_text_free(t);
	sim_ctx_free(ctx);
}

static void test_module_map_free(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	EmuText *t = emu_text_new(ctx, emu_default_image());
	uint64_t work = sym(t, "mod_a_work"), init = sym(t, "mod_a_init");
	uint8_t b;

	(void)state;
	assert_false(emu_text_read(t, work, &b, 1));
	assert_true(emu_text_module_load(t, "mod_a"));
	assert_false(emu_text_module_load(t, "mod_a"));
	assert_int_equal(emu_text_state_at(t, work), EMU_TEXT_LIVE);
	assert_int_equal(emu_text_state_at(t, init), EMU_TEXT_LIVE);
	assert_true(emu_text_read(t, work, &b, 1));
	assert_true(emu_text_module_free_init(t, "mod_a"));
	assert_false(emu_text_module_free_init(t, "mod_a"));
	assert_int_equal(emu_text_state_at(t, init), EMU_TEXT_FREED);
	assert_int_equal(emu_text_state_at(t, work), EMU_TEXT_LIVE);
	assert_true(emu_text_module_unload(t, "mod_a"));
	assert_int_equal(emu_text_state_at(t, work), EMU_TEXT_FREED);
	/* Freed: no read through it, only the image's bytes. */
	assert_false(emu_text_read(t, work, &b, 1));
	assert_true(emu_text_read_orig(t, work, &b, 1));
	/* A module loads again at the same address, init text included. */
	assert_true(emu_text_module_load(t, "mod_a"));
	assert_int_equal(emu_text_state_at(t, work), EMU_TEXT_LIVE);
	assert_int_equal(emu_text_state_at(t, init), EMU_TEXT_LIVE);
	{
		uint8_t now, orig;

		assert_true(emu_text_read(t, work, &now, 1));
		assert_true(emu_text_read_orig(t, work, &orig, 1));
		assert_int_equal(now, orig);
	}
	assert_true(emu_text_module_unload(t, "mod_a"));
	assert_int_equal(emu_text_state_at(t, init), EMU_TEXT_FREED);
	assert_false(emu_text_module_load(t, "no_such_module"));
	/* Unloading after a failed init frees the init text too. */
	assert_true(emu_text_module_load(t, "mod_b"));
	assert_true(emu_text_module_unload(t, "mod_b"));
	assert_int_equal(emu_text_state_at(t, sym(t, "mod_b_init")), EMU_TEXT_FREED);
	assert_true(emu_text_free_kernel_init(t));
	assert_false(emu_text_free_kernel_init(t));
	assert_int_equal(emu_text_state_at(t, sym(t, "f_init_setup")), EMU_TEXT_FREED);
	/* The kernel's init text, once freed, is never mapped again. */
	assert_false(emu_text_region_map(t, (unsigned)emu_text_region_at(t, sym(t, "f_init_setup"))));
	emu_text_free(t);
	sim_ctx_free(ctx);
}

static void test_kallsyms(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	EmuText *t = emu_text_new(ctx, emu_default_image());
	EmuTextSymbol s;
	uint64_t off = 99;
	char buf[64];

	(void)state;
	assert_true(emu_text_symbol_by_name(t, "f_small", &s));
	assert_int_equal(s.addr, KTEXT + 0x10);
	assert_int_equal(s.size, 16);
	assert_true(s.visible);
	assert_false(emu_text_symbol_by_name(t, "nope", NULL));
	/* By address, with the offset; padding belongs to the function before it. */
	assert_true(emu_text_symbol_at(t, KTEXT + 0x13, &s, &off));
	assert_string_equal(s.name, "f_small");
	assert_int_equal(off, 3);
	assert_true(emu_text_symbol_at(t, KTEXT + 0x0c, &s, &off));
	assert_string_equal(s.name, "f_tiny");
	assert_int_equal(s.code_size, 3);
	assert_int_equal(off, 0x0c);
	assert_true(emu_text_symbol_at(t, sym(t, "f_large") + 127, &s, &off));
	assert_string_equal(s.name, "f_large");
	assert_int_equal(off, 127);
	assert_false(emu_text_symbol_at(t, 0x1000, &s, &off));
	/* Module symbols are known, but kallsyms shows them only while loaded. */
	assert_true(emu_text_symbol_at(t, sym(t, "mod_b_get") + 4, &s, &off));
	assert_false(s.visible);
	assert_true(emu_text_module_load(t, "mod_b"));
	assert_true(emu_text_symbol_at(t, sym(t, "mod_b_get") + 4, &s, &off));
	assert_true(s.visible);
	assert_int_equal(off, 4);
	/* Init text stays visible after free_initmem, as in the kernel of this era. */
	assert_true(emu_text_free_kernel_init(t));
	assert_true(emu_text_symbol_by_name(t, "f_init_table", &s));
	assert_true(s.visible);
	emu_text_describe(t, KTEXT + 0x13, buf, sizeof(buf));
	assert_string_equal(buf, "f_small+0x3");
	/* Symbols come in address order. */
	for (unsigned i = 1; i < emu_text_n_symbols(t); i++) {
		EmuTextSymbol p;

		emu_text_symbol(t, i - 1, &p);
		emu_text_symbol(t, i, &s);
		assert_true(p.addr + p.size <= s.addr);
	}
	emu_text_free(t);
	sim_ctx_free(ctx);
}

static void test_boundaries(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	EmuText *t = emu_text_new(ctx, emu_default_image());
	/* f_small: lea (3), add (2), xor imm32 (5), add (2), or imm8 (3), ret (1). */
	static const unsigned starts[] = { 0, 3, 5, 10, 12, 15 };
	static const unsigned lens[] = { 3, 2, 5, 2, 3, 1 };
	uint64_t f = sym(t, "f_small");
	unsigned n = 0;

	(void)state;
	for (unsigned off = 0; off < 16; off++) {
		bool want = n < 6 && starts[n] == off;

		assert_int_equal(emu_text_is_boundary(t, f + off), want);
		assert_int_equal(emu_text_orig_insn_len(t, f + off), want ? lens[n] : 0);
		n += want;
	}
	assert_int_equal(n, 6);
	/* Padding after a function's code is decoded as part of its extent. */
	assert_true(emu_text_is_boundary(t, sym(t, "f_tiny") + 3));
	/* Module text has boundaries before it is loaded (they come from the image). */
	assert_true(emu_text_is_boundary(t, sym(t, "mod_a_work")));
	assert_false(emu_text_is_boundary(t, 0x1000));
	emu_text_free(t);
	sim_ctx_free(ctx);
}

static void test_reservations(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	EmuText *t = emu_text_new(ctx, emu_default_image());
	uint64_t lock = sym(t, "f_lock");	/* lock prefix at +2 */
	uint64_t traced = sym(t, "f_traced");	/* mcount call at +4..+8 */
	uint64_t jl = sym(t, "f_jump_label");	/* static branch at +7..+11 */

	(void)state;
	assert_true(emu_text_in_kprobes_text(t, sym(t, "notify_die")));
	assert_true(emu_text_in_kprobes_text(t, sym(t, "do_int3") + 5));
	assert_true(emu_text_in_kprobes_text(t, sym(t, "mcount")));
	assert_false(emu_text_in_kprobes_text(t, sym(t, "f_small")));
	/* [start, end] are both inclusive. */
	assert_true(emu_text_alternatives_reserved(t, lock + 2, lock + 2));
	assert_true(emu_text_alternatives_reserved(t, lock - 2, lock + 2));
	assert_false(emu_text_alternatives_reserved(t, lock - 2, lock + 1));
	assert_false(emu_text_alternatives_reserved(t, lock + 3, lock + 7));
	assert_true(emu_text_ftrace_reserved(t, traced, traced + 4));
	assert_false(emu_text_ftrace_reserved(t, traced, traced + 3));
	assert_false(emu_text_ftrace_reserved(t, traced + 9, traced + 13));
	assert_true(emu_text_jump_label_reserved(t, jl + 11, jl + 15));
	assert_false(emu_text_jump_label_reserved(t, jl + 12, jl + 16));
	assert_false(emu_text_in_extable(t, sym(t, "f_get_user") + 4));
	/* Scenario additions. */
	emu_text_add_extable(t, sym(t, "f_get_user") + 4);
	assert_true(emu_text_in_extable(t, sym(t, "f_get_user") + 4));
	emu_text_add_reserved(t, EMU_RSV_KPROBES, sym(t, "f_small"), sym(t, "f_small") + 16,
			      "blacklisted by the scenario");
	assert_true(emu_text_in_kprobes_text(t, sym(t, "f_small") + 15));
	assert_false(emu_text_in_kprobes_text(t, sym(t, "f_small") + 16));
	emu_text_add_reserved(t, EMU_RSV_FTRACE, sym(t, "f_large") + 8, sym(t, "f_large") + 13,
			      NULL);
	assert_true(emu_text_ftrace_reserved(t, sym(t, "f_large") + 4, sym(t, "f_large") + 8));
	assert_false(emu_text_ftrace_reserved(t, sym(t, "f_large") + 3, sym(t, "f_large") + 7));
	emu_text_add_reserved(t, EMU_RSV_ALTERNATIVES, KTEXT + 0x40, KTEXT + 0x41, NULL);
	assert_true(emu_text_alternatives_reserved(t, KTEXT + 0x3c, KTEXT + 0x40));
	emu_text_add_reserved(t, EMU_RSV_JUMP_LABEL, KTEXT + 0x50, KTEXT + 0x55, NULL);
	assert_true(emu_text_jump_label_reserved(t, KTEXT + 0x54, KTEXT + 0x58));
	emu_text_free(t);
	sim_ctx_free(ctx);
}

static void test_add_function(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	EmuText *t = emu_text_new(ctx, emu_default_image());
	/* push rbp; mov rbp,rsp; pop rbp; ret */
	static const uint8_t f1[] = { 0x55, 0x48, 0x89, 0xe5, 0x5d, 0xc3 };
	/* mov eax, 1; ret */
	static const uint8_t f2[] = { 0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3 };
	static const uint8_t vex[] = { 0x90, 0xc5, 0xf8, 0x77, 0xc3 };
	static const uint8_t cut[] = { 0x90, 0xe8, 0x00, 0x00 };
	GError *err = NULL;
	EmuTextSymbol s;
	uint64_t a1, a2, off;
	uint8_t b[16];

	(void)state;
	a1 = emu_text_add_function(t, "s_one", f1, sizeof(f1), &err);
	assert_null(err);
	assert_int_equal(a1, EMU_TEXT_SCENARIO_BASE);
	assert_true(emu_text_symbol_by_name(t, "s_one", &s));
	assert_int_equal(s.size, sizeof(f1));
	assert_true(s.visible);
	assert_true(emu_text_is_boundary(t, a1 + 1));
	assert_false(emu_text_is_boundary(t, a1 + 2));
	assert_true(emu_text_read(t, a1, b, sizeof(f1)));
	assert_memory_equal(b, f1, sizeof(f1));
	a2 = emu_text_add_function(t, "s_two", f2, sizeof(f2), &err);
	assert_null(err);
	assert_int_equal(a2, a1 + EMU_TEXT_SCENARIO_ALIGN);
	/* The first extent now covers the padding, which is decodable one-byte NOPs. */
	assert_true(emu_text_symbol_at(t, a1 + 10, &s, &off));
	assert_string_equal(s.name, "s_one");
	assert_int_equal(s.size, 16);
	assert_int_equal(off, 10);
	assert_true(emu_text_is_boundary(t, a1 + 10));
	assert_true(emu_text_read_orig(t, a1 + 6, b, 10));
	assert_int_equal(b[0], 0x90);
	assert_true(emu_text_symbol_at(t, a2 + 5, &s, &off));
	assert_string_equal(s.name, "s_two");
	assert_int_equal(s.size, sizeof(f2));
	assert_false(emu_text_symbol_at(t, a2 + 6, &s, &off));
	/* Rejections. */
	assert_int_equal(emu_text_add_function(t, "s_vex", vex, sizeof(vex), &err), 0);
	assert_true(g_error_matches(err, EMU_TEXT_ERROR, EMU_TEXT_ERROR_UNDECODABLE));
	assert_non_null(strstr(err->message, "s_vex+0x1"));
	g_clear_error(&err);
	assert_int_equal(emu_text_add_function(t, "s_cut", cut, sizeof(cut), &err), 0);
	assert_true(g_error_matches(err, EMU_TEXT_ERROR, EMU_TEXT_ERROR_UNDECODABLE));
	g_clear_error(&err);
	assert_int_equal(emu_text_add_function(t, "f_small", f2, sizeof(f2), &err), 0);
	assert_true(g_error_matches(err, EMU_TEXT_ERROR, EMU_TEXT_ERROR_DUPLICATE));
	g_clear_error(&err);
	assert_int_equal(emu_text_add_function(t, "", f2, sizeof(f2), &err), 0);
	assert_true(g_error_matches(err, EMU_TEXT_ERROR, EMU_TEXT_ERROR_INVALID));
	g_clear_error(&err);
	assert_false(emu_text_symbol_by_name(t, "s_vex", NULL));
	emu_text_free(t);
	sim_ctx_free(ctx);
}

/* ---- patching ------------------------------------------------------------------------------ */

static const SimViolation *only_violation(SimCtx *ctx)
{
	assert_int_equal(sim_violation_count(ctx), 1);
	return sim_violation_get(ctx, 0);
}

/* A text_poke without text_mutex is reported and still happens; with it, nothing is. */
static void test_poke_needs_text_mutex(void **state)
{
	SimCtx *ctx = harness_ctx(1, true);
	Fx fx = { .body = body_poke, .len = 1, .bytes = { 0xcc } };
	const SimViolation *v;
	uint8_t b;
	bool traced = false;

	(void)state;
	fx.addr = KTEXT + 0x13;
	assert_int_equal(harness_run_first(ctx, fx_setup, &fx), SIM_END_DONE);
	v = only_violation(ctx);
	assert_string_equal(v->id, "text-poke-unlocked");
	assert_int_equal(v->kind, SIM_V_USAGE);
	assert_false(v->fatal);
	assert_non_null(strstr(v->message, "f_small+0x3"));
	assert_true(emu_text_read(fx.t, fx.addr, &b, 1));
	assert_int_equal(b, 0xcc);
	for (size_t i = 0; i < sim_trace_count(ctx); i++) {
		const SimEvent *ev = sim_trace_get(ctx, i);

		if (ev->kind == SIM_EV_USER && !strcmp(ev->what, "text-write")) {
			assert_int_equal(ev->a, (int64_t)fx.addr);
			assert_int_equal(ev->b, 1);
			assert_int_equal(ev->c, 0xcc);
			assert_string_equal(ev->obj, "kernel.text");
			traced = true;
		}
	}
	assert_true(traced);
	/* The write hook saw the old and new bytes. */
	assert_int_equal(fx.n_writes, 1);
	assert_int_equal(fx.last.kind, EMU_WRITE_POKE);
	assert_int_equal(fx.last_old[0], 0x01);
	assert_int_equal(fx.last_new[0], 0xcc);

	fx.lock = true;
	assert_int_equal(harness_run_first(ctx, fx_setup, &fx), SIM_END_DONE);
	assert_int_equal(sim_violation_count(ctx), 0);
	assert_true(emu_text_read(fx.t, fx.addr, &b, 1));
	assert_int_equal(b, 0xcc);
	assert_true(emu_text_read_orig(fx.t, fx.addr, &b, 1));
	assert_int_equal(b, 0x01);
	assert_int_equal(sim_stop_machine_count(ctx), 0);
	fx_done(&fx);
	sim_ctx_free(ctx);
}

static void body_unload_then_poke(SimCtx *ctx, Fx *fx)
{
	assert_true(emu_text_module_load(fx->t, "mod_a"));
	assert_true(emu_text_module_unload(fx->t, "mod_a"));
	body_poke(ctx, fx);
	fail_msg("a poke into freed text must end the run");
}

/* Writing freed module text is the kernel's BUG_ON: fatal. */
static void test_poke_freed_is_bug(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	Fx fx = { .body = body_unload_then_poke, .len = 1, .bytes = { 0xcc }, .lock = true };
	const SimViolation *v;

	(void)state;
	fx.addr = emu_default_image()->regions[2].base + 4;	/* mod_a_work+4 */
	assert_int_equal(harness_run_first(ctx, fx_setup, &fx), SIM_END_VIOLATION);
	v = only_violation(ctx);
	assert_string_equal(v->id, "text-poke-freed");
	assert_int_equal(v->kind, SIM_V_BUG);
	assert_true(v->fatal);
	assert_non_null(strstr(v->message, "freed"));
	assert_int_equal(fx.n_writes, 0);
	fx_done(&fx);

	/* A module not loaded yet has no pages either. */
	fx.body = body_poke;
	assert_int_equal(harness_run_first(ctx, fx_setup, &fx), SIM_END_VIOLATION);
	assert_string_equal(only_violation(ctx)->id, "text-poke-freed");
	assert_non_null(strstr(only_violation(ctx)->message, "not loaded"));
	fx_done(&fx);
	sim_ctx_free(ctx);
}

/* text_poke_smp: one stop_machine per call, needs the hotplug read lock and text_mutex. */
static void test_poke_smp(void **state)
{
	SimCtx *ctx = harness_ctx(2, false);
	Fx fx = { .body = body_poke, .len = 5, .smp = true, .lock = true, .hotplug = true,
		  .bytes = { 0xe9, 0x10, 0x20, 0x30, 0x00 } };
	uint8_t b[5];

	(void)state;
	fx.addr = KTEXT + 0x10;
	assert_int_equal(harness_run_first(ctx, fx_setup, &fx), SIM_END_DONE);
	assert_int_equal(sim_violation_count(ctx), 0);
	assert_int_equal(sim_stop_machine_count(ctx), 1);
	assert_true(emu_text_read(fx.t, fx.addr, b, 5));
	assert_memory_equal(b, fx.bytes, 5);
	assert_int_equal(fx.last.kind, EMU_WRITE_POKE_SMP);
	assert_int_equal(fx.last.len, 5);
	fx_done(&fx);

	fx.hotplug = false;
	assert_int_equal(harness_run_first(ctx, fx_setup, &fx), SIM_END_DONE);
	assert_string_equal(only_violation(ctx)->id, "text-poke-smp-no-hotplug");
	assert_int_equal(sim_stop_machine_count(ctx), 1);
	assert_true(emu_text_read(fx.t, fx.addr, b, 5));
	assert_memory_equal(b, fx.bytes, 5);
	fx_done(&fx);

	fx.hotplug = true;
	fx.lock = false;
	assert_int_equal(harness_run_first(ctx, fx_setup, &fx), SIM_END_DONE);
	assert_string_equal(only_violation(ctx)->id, "text-poke-unlocked");
	assert_int_equal(sim_stop_machine_count(ctx), 1);
	fx_done(&fx);
	sim_ctx_free(ctx);
}

/* Multi-byte writes in effect: a jump's interior stops being code until it is replaced. */
static void body_jump_lifecycle(SimCtx *ctx, Fx *fx)
{
	EmuText *t = fx->t;
	uint64_t a = KTEXT + 0x10;
	const uint8_t jmp[5] = { 0xe9, 0x00, 0x01, 0x02, 0x00 };
	uint8_t unopt[5];
	uint64_t wa = 0;
	unsigned wl = 0;

	sim_get_online_cpus(ctx);
	sim_mutex_lock(ctx, &fx->text_mutex);
	emu_text_poke_smp(t, a, jmp, 5);
	assert_true(emu_text_in_write(t, a + 3, &wa, &wl));
	assert_int_equal(wa, a);
	assert_int_equal(wl, 5);
	assert_true(emu_text_in_write(t, a + 1, NULL, NULL));
	assert_false(emu_text_in_write(t, a, NULL, NULL));
	assert_false(emu_text_in_write(t, a + 5, NULL, NULL));
	/* arch_unoptimize_kprobe: int3 plus the original tail; the interior is code again. */
	assert_true(emu_text_read_orig(t, a, unopt, 5));
	unopt[0] = 0xcc;
	emu_text_poke_smp(t, a, unopt, 5);
	assert_false(emu_text_in_write(t, a + 3, NULL, NULL));
	/* A jump overwritten in part is no longer in effect. */
	emu_text_poke_smp(t, a, jmp, 5);
	assert_true(emu_text_in_write(t, a + 3, NULL, NULL));
	emu_text_poke(t, a + 2, unopt + 2, 1);
	assert_false(emu_text_in_write(t, a + 3, NULL, NULL));
	sim_mutex_unlock(ctx, &fx->text_mutex);
	sim_put_online_cpus(ctx);
	fx->len = 3;
}

static void test_writes_in_effect(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	Fx fx = { .body = body_jump_lifecycle };

	(void)state;
	assert_int_equal(harness_run_first(ctx, fx_setup, &fx), SIM_END_DONE);
	assert_int_equal(sim_violation_count(ctx), 0);
	assert_int_equal(fx.len, 3);
	assert_int_equal(sim_stop_machine_count(ctx), 3);
	assert_int_equal(fx.n_writes, 4);
	fx_done(&fx);
	sim_ctx_free(ctx);
}

/* ---- footprints ---------------------------------------------------------------------------- */

typedef struct {
	SimStrategy base;
	SimFootprint poke_fp;
	unsigned pokes;
} FpStrategy;

static size_t fp_choose(SimStrategy *s, SimCtx *ctx, const SimOption *opts, size_t n)
{
	FpStrategy *f = (FpStrategy *)s;

	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		if (opts[i].reason == SIM_Y_TEXT_POKE) {
			f->poke_fp = *opts[i].fp;
			f->pokes++;
		}
	}
	return 0;
}

static void fp_destroy(SimStrategy *s)
{
	(void)s;
}

static const SimStrategyOps fp_ops = { .name = "fp", .choose = fp_choose, .destroy = fp_destroy };

/* A poke declares exactly the bytes it writes. */
static void test_poke_footprint(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	FpStrategy s = { .base = { &fp_ops } };
	Fx fx = { .body = body_poke, .len = 1, .bytes = { 0xcc }, .lock = true };

	(void)state;
	fx.addr = KTEXT + 0x15;
	assert_int_equal(harness_run(ctx, &s.base, fx_setup, &fx), SIM_END_DONE);
	assert_int_equal(s.pokes, 1);
	assert_int_equal(s.poke_fp.n, 1);
	assert_int_equal(s.poke_fp.acc[0].cls, SIM_RES_TEXT);
	assert_int_equal(s.poke_fp.acc[0].mode, SIM_ACC_WRITE);
	assert_int_equal(s.poke_fp.acc[0].lo, fx.addr);
	assert_int_equal(s.poke_fp.acc[0].hi, fx.addr + 1);
	fx_done(&fx);
	sim_ctx_free(ctx);
}

/* ---- slot pages ----------------------------------------------------------------------------- */

static void body_slots(SimCtx *ctx, Fx *fx)
{
	EmuText *t = fx->t;
	uint64_t p = emu_text_alloc_page(t, EMU_TEXT_SLOT_OPT);
	uint64_t q = emu_text_alloc_page(t, EMU_TEXT_SLOT_INSN);
	static const uint8_t code[] = { 0x8d, 0x04, 0xb6, 0xe9, 0, 0, 0, 0 };
	EmuTextRegionInfo ri;
	EmuTextSymbol s;
	uint8_t b[8];

	(void)ctx;
	assert_true(p >= EMU_TEXT_SLOT_BASE);
	assert_true(p % EMU_TEXT_PAGE_SIZE == 0 && q % EMU_TEXT_PAGE_SIZE == 0);
	assert_true(q >= p + EMU_TEXT_PAGE_SIZE);
	/* Within rel32 reach of kernel text. */
	assert_true(q + EMU_TEXT_PAGE_SIZE - KTEXT < (1ull << 31));
	emu_text_region_info(t, (unsigned)emu_text_region_at(t, p), &ri);
	assert_int_equal(ri.kind, EMU_TEXT_SLOT_OPT);
	assert_string_equal(ri.name, "slot.opt.0");
	assert_false(emu_text_symbol_at(t, p, &s, NULL));
	assert_true(emu_text_read(t, p + 100, b, 8));
	for (int i = 0; i < 8; i++)
		assert_int_equal(b[i], 0xcc);
	assert_false(emu_text_slot_is_live(t, p, 1));
	assert_int_equal(emu_text_slot_write(t, p + 64, code, sizeof(code)), 0);
	assert_int_equal(fx->last.kind, EMU_WRITE_SLOT);
	emu_text_slot_set_live(t, p + 64, sizeof(code), true);
	assert_true(emu_text_slot_is_live(t, p + 64, sizeof(code)));
	assert_false(emu_text_slot_is_live(t, p + 63, 2));
	assert_true(emu_text_read(t, p + 64, b, sizeof(code)));
	assert_memory_equal(b, code, sizeof(code));
	/* Slot writes are not kernel text: no boundaries, no writes in effect. */
	assert_false(emu_text_is_boundary(t, p + 64));
	assert_false(emu_text_in_write(t, p + 65, NULL, NULL));
	emu_text_slot_set_live(t, p + 64, sizeof(code), false);
	assert_false(emu_text_slot_is_live(t, p + 64, 1));
	emu_text_free_page(t, p);
	assert_int_equal(emu_text_state_at(t, p), EMU_TEXT_FREED);
	assert_false(emu_text_read(t, p + 64, b, 1));
	/* A new page never reuses a freed address. */
	assert_true(emu_text_alloc_page(t, EMU_TEXT_SLOT_OPT) > q);
	fx->len = 1;
	/* Writing the freed page is a use after free. */
	emu_text_slot_write(t, p + 64, code, 1);
	fail_msg("a write into a freed slot page must end the run");
}

static void test_slot_pages(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	Fx fx = { .body = body_slots };
	const SimViolation *v;

	(void)state;
	assert_int_equal(harness_run_first(ctx, fx_setup, &fx), SIM_END_VIOLATION);
	assert_int_equal(fx.len, 1);
	v = only_violation(ctx);
	assert_string_equal(v->id, "slot-write-freed");
	assert_int_equal(v->kind, SIM_V_MEMORY);
	fx_done(&fx);
	sim_ctx_free(ctx);
}

static void body_double_free(SimCtx *ctx, Fx *fx)
{
	uint64_t p = emu_text_alloc_page(fx->t, EMU_TEXT_SLOT_INSN);

	(void)ctx;
	emu_text_free_page(fx->t, p);
	fx->len = 2;
	emu_text_free_page(fx->t, p);
	fail_msg("a double free must end the run");
}

static void test_slot_double_free(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	Fx fx = { .body = body_double_free };

	(void)state;
	assert_int_equal(harness_run_first(ctx, fx_setup, &fx), SIM_END_VIOLATION);
	assert_int_equal(fx.len, 2);
	assert_string_equal(only_violation(ctx)->id, "slot-page-free");
	assert_non_null(strstr(only_violation(ctx)->message, "freed already"));
	fx_done(&fx);
	sim_ctx_free(ctx);
}

/* A reset segment is the one emu_text_new makes: nothing of the last run is left. */
static void test_reset(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	EmuText *t = emu_text_new(ctx, emu_default_image());
	static const uint8_t f1[] = { 0x90, 0xc3 };
	uint64_t small = sym(t, "f_small"), work = sym(t, "mod_a_work"), page;
	unsigned n_syms = emu_text_n_symbols(t);
	GError *err = NULL;
	EmuTextRegionInfo ri;
	EmuTextSymbol s;
	uint8_t b;

	(void)state;
	assert_true(emu_text_module_load(t, "mod_a"));
	assert_true(emu_text_free_kernel_init(t));
	assert_int_equal(emu_text_add_function(t, "s_one", f1, sizeof(f1), &err),
			 EMU_TEXT_SCENARIO_BASE);
	emu_text_add_reserved(t, EMU_RSV_KPROBES, small, small + 16, "test");
	emu_text_add_extable(t, small + 3);
	page = emu_text_alloc_page(t, EMU_TEXT_SLOT_OPT);
	assert_int_equal(emu_text_slot_write(t, page, f1, sizeof(f1)), 0);

	emu_text_reset(t);
	assert_int_equal(emu_text_n_regions(t), emu_default_image()->n_regions);
	assert_int_equal(emu_text_n_symbols(t), n_syms);
	assert_false(emu_text_symbol_by_name(t, "s_one", &s));
	assert_int_equal(emu_text_state_at(t, work), EMU_TEXT_UNMAPPED);
	assert_int_equal(emu_text_state_at(t, sym(t, "f_init_setup")), EMU_TEXT_LIVE);
	assert_int_equal(emu_text_state_at(t, page), EMU_TEXT_UNMAPPED);
	assert_false(emu_text_in_kprobes_text(t, small));
	assert_false(emu_text_in_extable(t, small + 3));
	assert_true(emu_text_is_boundary(t, small));
	assert_true(emu_text_read(t, small, &b, 1));
	/* The run after it places its text and pages where the first one did. */
	assert_int_equal(emu_text_add_function(t, "s_two", f1, sizeof(f1), &err),
			 EMU_TEXT_SCENARIO_BASE);
	assert_null(err);
	assert_int_equal(emu_text_alloc_page(t, EMU_TEXT_SLOT_OPT), page);
	emu_text_region_info(t, (unsigned)emu_text_region_at(t, page), &ri);
	assert_string_equal(ri.name, "slot.opt.0");
	emu_text_free(t);
	sim_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regions_initial),
		cmocka_unit_test(test_module_map_free),
		cmocka_unit_test(test_kallsyms),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_reservations),
		cmocka_unit_test(test_add_function),
		cmocka_unit_test(test_poke_needs_text_mutex),
		cmocka_unit_test(test_poke_freed_is_bug),
		cmocka_unit_test(test_poke_smp),
		cmocka_unit_test(test_writes_in_effect),
		cmocka_unit_test(test_poke_footprint),
		cmocka_unit_test(test_slot_pages),
		cmocka_unit_test(test_slot_double_free),
		cmocka_unit_test(test_reset),
	};

	return harness_main(tests, G_N_ELEMENTS(tests), "text");
}
