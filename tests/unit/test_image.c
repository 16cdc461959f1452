// SPDX-License-Identifier: GPL-2.0-only
/*
 * The default emulated kernel image: consistency of its tables, instruction-exact decoding
 * of every function, and the kprobes outcome documented for each probe point listed in
 * docs/kernel-image.md.
 *
 * The outcome oracle below re-states the checks of register_kprobe(), can_probe(),
 * can_optimize() and copy_optimized_instructions() (kernel/kprobes.c and
 * arch/x86/kernel/kprobes.c at 6274de4984a6) for a single probe on unmodified text.  It
 * exists to keep the image's documentation honest independently of the model's port; it
 * is not a second implementation to run scenarios on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "arch_x86_emu/decode.h"
#include "arch_x86_emu/image.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t ideal_nop5[5] = { 0x66, 0x66, 0x66, 0x66, 0x90 };

/* ---------------------------------------------------------------------------------------- */
/* Access helpers                                                                            */

static const EmuImage *img(void)
{
	const EmuImage *image = emu_default_image();

	assert_non_null(image);
	return image;
}

/* Bytes at addr and how many remain up to the end of their region. */
static const uint8_t *text_at(uint64_t addr, size_t *avail)
{
	const EmuImageRegion *r = emu_image_region_at(img(), addr);

	if (r == NULL)
		fail_msg("%#llx is not in any region", (unsigned long long)addr);
	*avail = r->size - (size_t)(addr - r->base);
	return r->bytes + (addr - r->base);
}

static const EmuSymbol *sym(const char *name)
{
	const EmuSymbol *s = emu_image_symbol_by_name(img(), name);

	if (s == NULL)
		fail_msg("no symbol %s", name);
	return s;
}

static uint64_t sym_addr(const char *name, uint32_t off)
{
	const EmuSymbol *s = sym(name);

	assert_true(off < s->size);
	return s->addr + off;
}

static unsigned decode_at(uint64_t addr, EmuInsn *insn)
{
	size_t avail;
	const uint8_t *p = text_at(addr, &avail);
	unsigned len = emu_decode(p, avail, insn);

	if (len == 0)
		fail_msg("cannot decode at %#llx (%02x %02x %02x)", (unsigned long long)addr,
			 p[0], avail > 1 ? p[1] : 0, avail > 2 ? p[2] : 0);
	assert_int_equal(len, insn->len);
	return len;
}

/* ---------------------------------------------------------------------------------------- */
/* Consistency                                                                               */

static void test_regions(void **state)
{
	const EmuImage *im = img();
	bool seen[4] = { false };

	(void)state;
	assert_true(im->n_regions >= 6);
	for (size_t i = 0; i < im->n_regions; i++) {
		const EmuImageRegion *r = &im->regions[i];

		assert_non_null(r->name);
		assert_non_null(r->bytes);
		assert_true(r->size > 0);
		assert_true(r->kind <= EMU_REGION_MODULE_INIT);
		assert_true(r->base + r->size > r->base);
		seen[r->kind] = true;
		if (r->kind == EMU_REGION_CORE_TEXT || r->kind == EMU_REGION_INIT_TEXT)
			assert_null(r->module);
		else
			assert_non_null(r->module);
		for (size_t j = 0; j < i; j++) {
			const EmuImageRegion *o = &im->regions[j];

			assert_true(r->base + r->size <= o->base || o->base + o->size <= r->base);
			assert_string_not_equal(r->name, o->name);
		}
	}
	for (size_t k = 0; k < ARRAY_SIZE(seen); k++)
		assert_true(seen[k]);
	/* The documented layout. */
	assert_int_equal(emu_image_region_at(im, 0xffffffff81000000ull)->kind, EMU_REGION_CORE_TEXT);
	assert_int_equal(emu_image_region_at(im, 0xffffffff81800000ull)->kind, EMU_REGION_INIT_TEXT);
	assert_int_equal(emu_image_region_at(im, 0xffffffffa0000000ull)->kind,
			 EMU_REGION_MODULE_CORE);
	assert_null(emu_image_region_at(im, 0xffffffff80ffffffull));
}

static void test_symbols(void **state)
{
	const EmuImage *im = img();

	(void)state;
	assert_true(im->n_symbols >= 16);
	for (size_t i = 0; i < im->n_symbols; i++) {
		const EmuSymbol *s = &im->symbols[i];
		const EmuImageRegion *r;

		assert_true(s->region < im->n_regions);
		r = &im->regions[s->region];
		assert_true(s->code_size > 0);
		assert_true(s->code_size <= s->size);
		assert_true(s->addr >= r->base);
		assert_true(s->addr + s->size <= r->base + r->size);
		assert_ptr_equal(emu_image_symbol_by_name(im, s->name), s);
		assert_ptr_equal(emu_image_symbol_at(im, s->addr), s);
		assert_ptr_equal(emu_image_symbol_at(im, s->addr + s->size - 1), s);
		if (i + 1 < im->n_symbols) {
			const EmuSymbol *n = &im->symbols[i + 1];

			assert_true(s->addr < n->addr);
			/* kallsyms extents: up to the next symbol of the region, or its end. */
			if (n->region == s->region)
				assert_true(s->addr + s->size == n->addr);
			else
				assert_true(s->addr + s->size == r->base + r->size);
		} else {
			assert_true(s->addr + s->size == r->base + r->size);
		}
	}
	/* Every region starts with a symbol, so every text byte has one. */
	for (size_t i = 0; i < im->n_regions; i++) {
		const EmuSymbol *s = emu_image_symbol_at(im, im->regions[i].base);

		assert_non_null(s);
		assert_int_equal(s->addr, im->regions[i].base);
	}
	assert_null(emu_image_symbol_by_name(im, "no_such_function"));
	assert_null(emu_image_symbol_at(im, 0));
	assert_null(emu_image_symbol_at(im, UINT64_MAX));
}

static void test_modules(void **state)
{
	const EmuImage *im = img();

	(void)state;
	assert_true(im->n_modules >= 2);
	for (size_t i = 0; i < im->n_modules; i++) {
		const EmuModuleImage *m = &im->modules[i];
		const EmuImageRegion *core, *init;
		size_t n_core = 0, n_init = 0;

		assert_true(m->core_region < im->n_regions);
		assert_true(m->init_region < im->n_regions);
		core = &im->regions[m->core_region];
		init = &im->regions[m->init_region];
		assert_int_equal(core->kind, EMU_REGION_MODULE_CORE);
		assert_int_equal(init->kind, EMU_REGION_MODULE_INIT);
		assert_string_equal(core->module, m->name);
		assert_string_equal(init->module, m->name);
		assert_ptr_equal(emu_image_module_by_name(im, m->name), m);
		for (size_t j = 0; j < im->n_symbols; j++) {
			n_core += im->symbols[j].region == m->core_region;
			n_init += im->symbols[j].region == m->init_region;
		}
		assert_true(n_core >= 2);
		assert_true(n_init >= 1);
	}
	assert_null(emu_image_module_by_name(im, "no_such_module"));
}

static void check_ranges(const EmuRange *r, size_t n, size_t min_n, uint64_t width)
{
	assert_true(n >= min_n);
	for (size_t i = 0; i < n; i++) {
		assert_true(r[i].lo < r[i].hi);
		assert_non_null(r[i].why);
		assert_non_null(emu_image_symbol_at(img(), r[i].lo));
		assert_non_null(emu_image_symbol_at(img(), r[i].hi - 1));
		if (width)
			assert_int_equal(r[i].hi - r[i].lo, width);
		if (i > 0)
			assert_true(r[i - 1].hi <= r[i].lo);
	}
}

static void test_tables(void **state)
{
	const EmuImage *im = img();
	size_t avail;

	(void)state;
	assert_true(im->n_extable >= 2);
	for (size_t i = 0; i < im->n_extable; i++) {
		assert_non_null(emu_image_symbol_at(im, im->extable[i]));
		assert_true(emu_image_in_extable(im, im->extable[i]));
		assert_false(emu_image_in_extable(im, im->extable[i] + 1));
		if (i > 0)
			assert_true(im->extable[i - 1] < im->extable[i]);
	}
	check_ranges(im->kprobes_text, im->n_kprobes_text, 3, 0);
	check_ranges(im->alternatives, im->n_alternatives, 2, 1);
	check_ranges(im->ftrace, im->n_ftrace, 2, 5);
	check_ranges(im->jump_label, im->n_jump_label, 2, 5);
	/* The boot-time patching happened: sites hold the ideal nop, lock sites a lock byte. */
	for (size_t i = 0; i < im->n_ftrace; i++)
		assert_memory_equal(text_at(im->ftrace[i].lo, &avail), ideal_nop5, 5);
	for (size_t i = 0; i < im->n_jump_label; i++)
		assert_memory_equal(text_at(im->jump_label[i].lo, &avail), ideal_nop5, 5);
	for (size_t i = 0; i < im->n_alternatives; i++)
		assert_int_equal(*text_at(im->alternatives[i].lo, &avail), 0xf0);
}

static void test_range_overlap(void **state)
{
	static const EmuRange r[] = { { 10, 15, "a" }, { 20, 21, "b" } };

	(void)state;
	/* [start, end] is inclusive at both ends, as in the kernel's *_text_reserved(). */
	assert_null(emu_ranges_overlap(r, 2, 0, 9));
	assert_ptr_equal(emu_ranges_overlap(r, 2, 0, 10), &r[0]);
	assert_ptr_equal(emu_ranges_overlap(r, 2, 14, 14), &r[0]);
	assert_null(emu_ranges_overlap(r, 2, 15, 19));
	assert_ptr_equal(emu_ranges_overlap(r, 2, 15, 20), &r[1]);
	assert_ptr_equal(emu_ranges_overlap(r, 2, 8, 30), &r[0]);
	assert_null(emu_ranges_overlap(r, 2, 21, 21));
	assert_null(emu_ranges_overlap(NULL, 0, 0, 100));
}

/* Every function decodes instruction by instruction to the end of its code, and on
 * through any padding or .fixup code to the end of its kallsyms extent. */
static void test_decode_every_function(void **state)
{
	const EmuImage *im = img();

	(void)state;
	for (size_t i = 0; i < im->n_symbols; i++) {
		const EmuSymbol *s = &im->symbols[i];
		uint32_t off = 0;
		bool hit_code_end = false;

		while (off < s->size) {
			EmuInsn insn;

			off += decode_at(s->addr + off, &insn);
			if (off == s->code_size)
				hit_code_end = true;
		}
		if (off != s->size || !hit_code_end)
			fail_msg("%s: instruction boundaries miss its end", s->name);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Instruction-level properties at documented addresses                                      */

static void test_lengths(void **state)
{
	static const struct {
		const char *sym;
		uint32_t off;
		unsigned len;
	} cases[] = {
		{ "f_traced", 0xc, 1 },		/* pop %rbp */
		{ "f_small", 0x3, 2 },		/* add %edi,%eax */
		{ "f_small", 0x0, 3 },		/* lea (%rsi,%rsi,4),%eax */
		{ "f_medium", 0x2, 4 },		/* add %rax,0x8(%rdi) */
		{ "f_small", 0x5, 5 },		/* xor $imm32,%eax */
		{ "f_large", 0x13, 6 },		/* imul $imm32,%eax,%eax */
		{ "f_medium", 0x6, 7 },		/* imul $imm32,0x1c(%rdi),%eax */
		{ "f_medium", 0x28, 8 },	/* movq $imm32,0x20(%rdi) */
		{ "f_rip_rel", 0xe, 11 },	/* movq $imm32,sym(%rip) */
		{ "mod_a_exit", 0xb, 10 },	/* movl $imm32,sym(%rip) */
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		EmuInsn insn;

		if (decode_at(sym_addr(cases[i].sym, cases[i].off), &insn) != cases[i].len)
			fail_msg("%s+%#x: length %u, expected %u", cases[i].sym, cases[i].off,
				 insn.len, cases[i].len);
	}
}

static void test_special_instructions(void **state)
{
	EmuInsn insn;
	uint64_t a;

	(void)state;
	/* RIP-relative at the probe point and 3 bytes after one. */
	decode_at(sym_addr("f_rip_rel", 0x0), &insn);
	assert_true(insn.rip_relative);
	assert_int_equal(insn.disp_size, 4);
	decode_at(sym_addr("f_rip_rel", 0x7), &insn);	/* addl $1: disp32 then imm8 */
	assert_true(insn.rip_relative);
	assert_int_equal(insn.imm_size, 1);
	a = sym_addr("f_traced", 0x10);
	decode_at(a, &insn);
	assert_false(insn.rip_relative);
	decode_at(a + insn.len, &insn);
	assert_true(insn.rip_relative);
	decode_at(sym_addr("mod_a_stat", 0x0), &insn);
	assert_true(insn.rip_relative);
	decode_at(sym_addr("f_init_table", 0x7), &insn);
	assert_true(insn.rip_relative);

	/* Indirect jumps: FF /4 through a jump table and through a function pointer. */
	decode_at(sym_addr("f_switch", 0x7), &insn);
	assert_int_equal(insn.opcode[0], 0xff);
	assert_int_equal((insn.modrm >> 3) & 7, 4);
	assert_true(insn.has_sib);
	assert_int_equal(insn.flow, EMU_FLOW_JMP_IND);
	decode_at(sym_addr("f_tail_ptr", 0xa), &insn);
	assert_int_equal(insn.opcode[0], 0xff);
	assert_int_equal((insn.modrm >> 3) & 7, 4);
	assert_int_equal(insn.flow, EMU_FLOW_JMP_IND);

	/* Multi-byte NOP: explicit, and from gcc's alignment of a loop head. */
	decode_at(sym_addr("f_nop", 0x4), &insn);
	assert_int_equal(insn.opcode_len, 2);
	assert_int_equal(insn.opcode[0], 0x0f);
	assert_int_equal(insn.opcode[1], 0x1f);
	assert_int_equal(insn.len, 5);
	decode_at(sym_addr("f_loop", 0xd), &insn);
	assert_int_equal(insn.opcode[1], 0x1f);

	/* Calls and jcc within the first 5 bytes after a probe point. */
	a = sym_addr("f_calls", 0xe);
	decode_at(a + 2, &insn);
	assert_int_equal(insn.flow, EMU_FLOW_CALL_REL);
	a = sym_addr("f_jcc_early", 0x0);
	decode_at(a + 3, &insn);
	assert_int_equal(insn.flow, EMU_FLOW_JCC_REL);

	/* Jumps into windows: f_join+0x12 (target A+2), mod_b_xmit+0x15 (target A+5). */
	a = sym_addr("f_join", 0xb);
	decode_at(a, &insn);
	assert_int_equal(insn.flow, EMU_FLOW_JCC_REL);
	assert_int_equal(emu_insn_rel_target(&insn, a), sym_addr("f_join", 0x12) + 2);
	a = sym_addr("mod_b_xmit", 0xb);
	decode_at(a, &insn);
	assert_int_equal(emu_insn_rel_target(&insn, a), sym_addr("mod_b_xmit", 0x15) + 5);

	/* The faulting user accesses are the exception-table entries. */
	assert_true(emu_image_in_extable(img(), sym_addr("f_get_user", 0x2)));
	assert_true(emu_image_in_extable(img(), sym_addr("mod_b_copy", 0xa)));

	/* Init text. */
	assert_int_equal(img()->regions[sym("f_init_table")->region].kind, EMU_REGION_INIT_TEXT);
	assert_int_equal(img()->regions[sym("f_init_setup")->region].kind, EMU_REGION_INIT_TEXT);
	assert_int_equal(img()->regions[sym("mod_a_init")->region].kind, EMU_REGION_MODULE_INIT);
	assert_int_equal(img()->regions[sym("mod_b_init")->region].kind, EMU_REGION_MODULE_INIT);
}

/* ---------------------------------------------------------------------------------------- */
/* Outcome oracle                                                                            */

typedef enum {
	OUT_REG_KPROBES_TEXT,	/* register_kprobe: in .kprobes.text or blacklisted: -EINVAL */
	OUT_REG_FTRACE,		/* register_kprobe: ftrace-reserved: -EINVAL */
	OUT_REG_JUMP_LABEL,	/* register_kprobe: jump-label-reserved: -EINVAL */
	OUT_REG_ALTERNATIVES,	/* arch_prepare_kprobe: alternatives-reserved: -EINVAL */
	OUT_REG_NOT_BOUNDARY,	/* can_probe false: -EILSEQ */
	OUT_TOO_SHORT,		/* can_optimize: fewer than 5 bytes to the symbol end */
	OUT_EXTABLE,		/* can_optimize: the function has an exception-table entry */
	OUT_INDIRECT,		/* can_optimize: the function has an indirect jump */
	OUT_JUMP_INTO,		/* can_optimize: a branch targets [A+1, A+5] */
	OUT_NOT_BOOSTABLE,	/* copy_optimized_instructions: -EINVAL */
	OUT_BUSY_FTRACE,	/* copy_optimized_instructions: -EBUSY */
	OUT_BUSY_ALTERNATIVES,
	OUT_BUSY_JUMP_LABEL,
	OUT_OPTIMIZABLE,
} Outcome;

static const char *const outcome_name[] = {
	"register -EINVAL (kprobes text)", "register -EINVAL (ftrace)",
	"register -EINVAL (jump label)", "register -EINVAL (alternatives)",
	"register -EILSEQ", "too short", "extable in function", "indirect jump in function",
	"jump into window", "not boostable", "-EBUSY ftrace", "-EBUSY alternatives",
	"-EBUSY jump label", "optimizable",
};

_Static_assert(sizeof(outcome_name) / sizeof(outcome_name[0]) == OUT_OPTIMIZABLE + 1,
	       "one name per outcome");

/* The 0F xx opcodes the twobyte_is_boostable bitmap of arch/x86/kernel/kprobes.c marks. */
static bool twobyte_boostable(uint8_t op)
{
	static const uint8_t ranges[][2] = {
		{ 0x02, 0x03 }, { 0x06, 0x06 }, { 0x08, 0x09 }, { 0x20, 0x23 }, { 0x31, 0x31 },
		{ 0x40, 0x4f }, { 0x60, 0x6b }, { 0x6e, 0x6f }, { 0x74, 0x77 }, { 0x7e, 0x7f },
		{ 0x90, 0x9f }, { 0xa0, 0xa1 }, { 0xa3, 0xa5 }, { 0xa8, 0xa9 }, { 0xab, 0xad },
		{ 0xaf, 0xaf }, { 0xb0, 0xb7 }, { 0xbb, 0xc1 }, { 0xc8, 0xcf }, { 0xd1, 0xd3 },
		{ 0xd5, 0xd5 }, { 0xd8, 0xd9 }, { 0xdb, 0xdd }, { 0xdf, 0xdf }, { 0xe1, 0xe2 },
		{ 0xe5, 0xe5 }, { 0xe8, 0xe9 }, { 0xeb, 0xed }, { 0xef, 0xef }, { 0xf1, 0xf3 },
		{ 0xf5, 0xf5 }, { 0xf8, 0xfa }, { 0xfc, 0xfe },
	};

	for (size_t i = 0; i < ARRAY_SIZE(ranges); i++) {
		if (op >= ranges[i][0] && op <= ranges[i][1])
			return true;
	}
	return false;
}

/* can_boost() of arch/x86/kernel/kprobes.c on the bytes at p (without the exception-table
 * test). */
static bool can_boost_bytes(const uint8_t *p)
{
	size_t i = 0;
	uint8_t op;

	for (;;) {
		op = p[i];
		if ((op >= 0x40 && op <= 0x4f) || op == 0x64 || op == 0x65 || op == 0x66 ||
		    op == 0x26 || op == 0x36 || op == 0x3e || op == 0xf0 || op == 0xf2 ||
		    op == 0xf3) {
			if (++i > 14)
				return false;
			continue;
		}
		break;
	}
	if (op == 0x0f)
		return twobyte_boostable(p[i + 1]);
	if (op >= 0x60 && op <= 0x6f)
		return op != 0x62 && op != 0x67;
	if (op >= 0x70 && op <= 0x7f)
		return false;
	if (op >= 0xc0 && op <= 0xcf)
		return (op >= 0xc2 && op <= 0xcb) || op == 0xcf;
	if (op >= 0xd0 && op <= 0xdf)
		return op == 0xd4 || op == 0xd5 || op == 0xd7;
	if (op >= 0xe0 && op <= 0xef)
		return (op & 4) || op == 0xea;
	if (op >= 0xf0)
		return op == 0xf5 || (op >= 0xf8 && op <= 0xfd);
	return op != 0x2e && op != 0x9a;
}

static bool reserved(const EmuRange *r, size_t n, uint64_t start, uint64_t end)
{
	return emu_ranges_overlap(r, n, start, end) != NULL;
}

/* Outcome of registering one probe at a on the unmodified image; *size gets the window. */
static Outcome probe_outcome(uint64_t a, unsigned *size)
{
	const EmuImage *im = img();
	const EmuSymbol *s = emu_image_symbol_at(im, a);
	uint64_t end, p;
	unsigned len = 0;
	EmuInsn insn;

	assert_non_null(s);
	end = s->addr + s->size;
	*size = 0;
	if (reserved(im->kprobes_text, im->n_kprobes_text, a, a))
		return OUT_REG_KPROBES_TEXT;
	if (reserved(im->ftrace, im->n_ftrace, a, a))
		return OUT_REG_FTRACE;
	if (reserved(im->jump_label, im->n_jump_label, a, a))
		return OUT_REG_JUMP_LABEL;
	if (reserved(im->alternatives, im->n_alternatives, a, a))
		return OUT_REG_ALTERNATIVES;
	for (p = s->addr; p < a; p += decode_at(p, &insn))
		;
	if (p != a)
		return OUT_REG_NOT_BOUNDARY;

	/* can_optimize() */
	if (end - a < 5)
		return OUT_TOO_SHORT;
	for (p = s->addr; p < end; p += insn.len) {
		decode_at(p, &insn);
		if (emu_image_in_extable(im, p))
			return OUT_EXTABLE;
		if (insn.flow == EMU_FLOW_JMP_IND)
			return OUT_INDIRECT;
		if (insn.flow == EMU_FLOW_JMP_REL || insn.flow == EMU_FLOW_JCC_REL ||
		    insn.flow == EMU_FLOW_LOOP_REL) {
			uint64_t t = emu_insn_rel_target(&insn, p);

			if (t >= a + 1 && t <= a + 5)
				return OUT_JUMP_INTO;
		}
	}

	/* copy_optimized_instructions() */
	while (len < 5) {
		size_t avail;

		decode_at(a + len, &insn);
		if (!can_boost_bytes(text_at(a + len, &avail)))
			return OUT_NOT_BOOSTABLE;
		len += insn.len;
	}
	*size = len;
	if (reserved(im->ftrace, im->n_ftrace, a, a + len - 1))
		return OUT_BUSY_FTRACE;
	if (reserved(im->alternatives, im->n_alternatives, a, a + len - 1))
		return OUT_BUSY_ALTERNATIVES;
	if (reserved(im->jump_label, im->n_jump_label, a, a + len - 1))
		return OUT_BUSY_JUMP_LABEL;
	return OUT_OPTIMIZABLE;
}

/* The probe points of docs/kernel-image.md, with their outcome (and window size). */
static const struct {
	const char *sym;
	uint32_t off;
	Outcome out;
	unsigned size;
} documented[] = {
	/* Plainly optimizable windows, including overlapping ones. */
	{ "f_small", 0x0, OUT_OPTIMIZABLE, 5 },
	{ "f_small", 0x3, OUT_OPTIMIZABLE, 7 },
	{ "f_small", 0x5, OUT_OPTIMIZABLE, 5 },
	{ "f_small", 0xa, OUT_OPTIMIZABLE, 5 },
	{ "f_medium", 0x0, OUT_OPTIMIZABLE, 6 },
	{ "f_medium", 0x2, OUT_OPTIMIZABLE, 11 },
	{ "f_medium", 0x6, OUT_OPTIMIZABLE, 7 },
	{ "f_medium", 0x28, OUT_OPTIMIZABLE, 8 },
	{ "f_large", 0x0, OUT_OPTIMIZABLE, 5 },
	{ "f_large", 0x3, OUT_OPTIMIZABLE, 7 },
	{ "f_large", 0x5, OUT_OPTIMIZABLE, 5 },
	{ "f_large", 0x13, OUT_OPTIMIZABLE, 6 },
	{ "f_large", 0x6b, OUT_OPTIMIZABLE, 6 },
	{ "f_calls", 0x0, OUT_OPTIMIZABLE, 5 },
	{ "f_loop", 0x10, OUT_OPTIMIZABLE, 6 },
	{ "f_join", 0x0, OUT_OPTIMIZABLE, 7 },
	{ "f_traced", 0xc, OUT_OPTIMIZABLE, 7 },
	{ "f_traced_small", 0x11, OUT_OPTIMIZABLE, 5 },
	{ "f_jump_label", 0x0, OUT_OPTIMIZABLE, 7 },
	/* RIP-relative instructions in the window (disp32 rewritten in the copy). */
	{ "f_rip_rel", 0x0, OUT_OPTIMIZABLE, 7 },
	{ "f_rip_rel", 0x7, OUT_OPTIMIZABLE, 7 },
	{ "f_rip_rel", 0xe, OUT_OPTIMIZABLE, 11 },
	{ "f_traced", 0x10, OUT_OPTIMIZABLE, 10 },
	/* Too short. */
	{ "f_small", 0xc, OUT_TOO_SHORT, 0 },
	{ "f_small", 0xf, OUT_TOO_SHORT, 0 },
	{ "f_init_setup", 0x18, OUT_TOO_SHORT, 0 },
	/* Jumps into the window. */
	{ "f_join", 0x12, OUT_JUMP_INTO, 0 },
	{ "f_loop", 0xd, OUT_JUMP_INTO, 0 },
	{ "f_jcc_early", 0x14, OUT_JUMP_INTO, 0 },
	{ "f_jcc_early", 0x1b, OUT_JUMP_INTO, 0 },
	/* Indirect jumps anywhere in the function. */
	{ "f_switch", 0x0, OUT_INDIRECT, 0 },
	{ "f_switch", 0x10, OUT_INDIRECT, 0 },
	{ "f_tail_ptr", 0x0, OUT_INDIRECT, 0 },
	/* Not boostable: call, jcc, multi-byte NOP, shift in the window; padding after ret. */
	{ "f_calls", 0x5, OUT_NOT_BOOSTABLE, 0 },
	{ "f_calls", 0xc, OUT_NOT_BOOSTABLE, 0 },
	{ "f_calls", 0xe, OUT_NOT_BOOSTABLE, 0 },
	{ "f_jcc_early", 0x0, OUT_NOT_BOOSTABLE, 0 },
	{ "f_join", 0x7, OUT_NOT_BOOSTABLE, 0 },
	{ "f_nop", 0x0, OUT_NOT_BOOSTABLE, 0 },
	{ "f_nop", 0x4, OUT_NOT_BOOSTABLE, 0 },
	{ "f_loop", 0x16, OUT_NOT_BOOSTABLE, 0 },
	{ "f_tiny", 0x0, OUT_NOT_BOOSTABLE, 0 },
	/* Exception table. */
	{ "f_get_user", 0x0, OUT_EXTABLE, 0 },
	{ "f_get_user", 0x2, OUT_EXTABLE, 0 },
	/* Reserved text. */
	{ "f_traced", 0x0, OUT_BUSY_FTRACE, 9 },
	{ "f_traced", 0x4, OUT_REG_FTRACE, 0 },
	{ "f_traced_small", 0x1, OUT_BUSY_FTRACE, 8 },
	{ "f_lock", 0x0, OUT_BUSY_ALTERNATIVES, 10 },
	{ "f_lock", 0x2, OUT_REG_ALTERNATIVES, 0 },
	{ "f_lock", 0x3, OUT_REG_NOT_BOUNDARY, 0 },
	{ "f_small", 0x1, OUT_REG_NOT_BOUNDARY, 0 },
	{ "f_jump_label", 0x3, OUT_BUSY_JUMP_LABEL, 9 },
	{ "f_jump_label", 0x7, OUT_REG_JUMP_LABEL, 0 },
	{ "f_jump_label", 0x8, OUT_REG_JUMP_LABEL, 0 },
	{ "f_traced", 0x8, OUT_REG_FTRACE, 0 },
	{ "f_traced_small", 0x4, OUT_REG_FTRACE, 0 },
	{ "mod_b_get", 0x11, OUT_REG_JUMP_LABEL, 0 },
	{ "notify_die", 0x0, OUT_REG_KPROBES_TEXT, 0 },
	{ "do_int3", 0x0, OUT_REG_KPROBES_TEXT, 0 },
	{ "mcount", 0x0, OUT_REG_KPROBES_TEXT, 0 },
	{ "native_get_debugreg", 0x10, OUT_REG_KPROBES_TEXT, 0 },
	/* Kernel init text. */
	{ "f_init_table", 0x0, OUT_OPTIMIZABLE, 7 },
	{ "f_init_table", 0x7, OUT_OPTIMIZABLE, 7 },
	{ "f_init_setup", 0x15, OUT_OPTIMIZABLE, 5 },
	/* Modules. */
	{ "mod_a_work", 0x0, OUT_OPTIMIZABLE, 6 },
	{ "mod_a_work", 0x3, OUT_OPTIMIZABLE, 10 },
	{ "mod_a_stat", 0x0, OUT_OPTIMIZABLE, 7 },
	{ "mod_a_exit", 0x0, OUT_OPTIMIZABLE, 11 },
	{ "mod_a_init", 0x0, OUT_OPTIMIZABLE, 6 },
	{ "mod_a_init", 0x17, OUT_NOT_BOOSTABLE, 0 },
	{ "mod_b_xmit", 0x0, OUT_OPTIMIZABLE, 5 },
	{ "mod_b_xmit", 0x15, OUT_JUMP_INTO, 0 },
	{ "mod_b_poll", 0x2b, OUT_JUMP_INTO, 0 },
	{ "mod_b_poll", 0x18, OUT_OPTIMIZABLE, 5 },
	{ "mod_b_get", 0x0, OUT_OPTIMIZABLE, 8 },
	{ "mod_b_get", 0x8, OUT_REG_ALTERNATIVES, 0 },
	{ "mod_b_get", 0xd, OUT_REG_JUMP_LABEL, 0 },
	{ "mod_b_copy", 0xa, OUT_EXTABLE, 0 },
	{ "mod_b_init", 0x0, OUT_OPTIMIZABLE, 5 },
	{ "mod_b_init", 0xc, OUT_OPTIMIZABLE, 10 },
};

static void test_documented_outcomes(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(documented); i++) {
		unsigned size;
		Outcome got = probe_outcome(sym_addr(documented[i].sym, documented[i].off), &size);

		if (got != documented[i].out || size != documented[i].size)
			fail_msg("%s+%#x: %s (window %u), documented %s (window %u)",
				 documented[i].sym, documented[i].off, outcome_name[got], size,
				 outcome_name[documented[i].out], documented[i].size);
	}
}

/* Every outcome is reachable somewhere in the image. */
static void test_every_outcome_reachable(void **state)
{
	const EmuImage *im = img();
	bool seen[OUT_OPTIMIZABLE + 1] = { false };

	(void)state;
	for (size_t i = 0; i < im->n_symbols; i++) {
		const EmuSymbol *s = &im->symbols[i];

		for (uint32_t off = 0; off < s->size; off++) {
			unsigned size;

			seen[probe_outcome(s->addr + off, &size)] = true;
		}
	}
	for (size_t k = 0; k < ARRAY_SIZE(seen); k++) {
		if (!seen[k])
			fail_msg("no probe point gives: %s", outcome_name[k]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regions),
		cmocka_unit_test(test_symbols),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_range_overlap),
		cmocka_unit_test(test_decode_every_function),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_special_instructions),
		cmocka_unit_test(test_documented_outcomes),
		cmocka_unit_test(test_every_outcome_reachable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
