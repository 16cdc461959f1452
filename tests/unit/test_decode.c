// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the x86-64 length decoder: hand-written byte sequences for every
 * feature, then a cross-check against objdump over a corpus of C files compiled by the
 * real compilers with several option sets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "arch_x86_emu/decode.h"

/* ---------------------------------------------------------------------------------------- */
/* Helpers for the hand-written cases                                                       */

/* Parse "48 8b 05 ..." into bytes; returns the byte count. */
static size_t hex_to_bytes(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*hex) {
		unsigned v;
		int used;

		if (*hex == ' ') {
			hex++;
			continue;
		}
		if (sscanf(hex, "%2x%n", &v, &used) != 1 || used != 2)
			fail_msg("bad hex in test vector: %s", hex);
		assert_true(n < cap);
		out[n++] = (uint8_t)v;
		hex += used;
	}
	return n;
}

/* Decode a hex string with exactly its own bytes available. */
static unsigned dec(const char *hex, EmuInsn *insn)
{
	uint8_t buf[64];
	size_t n = hex_to_bytes(hex, buf, sizeof(buf));

	return emu_decode(buf, n, insn);
}

typedef struct {
	const char *hex;
	unsigned len;
	EmuFlow flow;
	int64_t rel;
} FlowCase;

static void test_flows(void **state)
{
	static const FlowCase cases[] = {
		{ "90", 1, EMU_FLOW_NEXT, 0 },
		{ "48 89 e5", 3, EMU_FLOW_NEXT, 0 },
		{ "eb 05", 2, EMU_FLOW_JMP_REL, 5 },
		{ "eb fe", 2, EMU_FLOW_JMP_REL, -2 },
		{ "e9 00 01 00 00", 5, EMU_FLOW_JMP_REL, 0x100 },
		{ "e9 fb ff ff ff", 5, EMU_FLOW_JMP_REL, -5 },
		{ "74 10", 2, EMU_FLOW_JCC_REL, 16 },
		{ "7f 80", 2, EMU_FLOW_JCC_REL, -128 },
		{ "0f 85 00 00 00 80", 6, EMU_FLOW_JCC_REL, INT32_MIN },
		{ "0f 8e 7f 00 00 00", 6, EMU_FLOW_JCC_REL, 127 },
		{ "3e 74 02", 3, EMU_FLOW_JCC_REL, 2 },		/* branch hint */
		{ "e0 fe", 2, EMU_FLOW_LOOP_REL, -2 },
		{ "e1 01", 2, EMU_FLOW_LOOP_REL, 1 },
		{ "e2 f0", 2, EMU_FLOW_LOOP_REL, -16 },
		{ "e3 00", 2, EMU_FLOW_LOOP_REL, 0 },
		{ "67 e3 04", 3, EMU_FLOW_LOOP_REL, 4 },	/* jecxz */
		{ "e8 00 00 00 00", 5, EMU_FLOW_CALL_REL, 0 },
		{ "e8 f0 ff ff ff", 5, EMU_FLOW_CALL_REL, -16 },
		{ "f2 e8 00 00 00 00", 6, EMU_FLOW_CALL_REL, 0 },	/* bnd call */
		{ "ff e0", 2, EMU_FLOW_JMP_IND, 0 },
		{ "3e ff e0", 3, EMU_FLOW_JMP_IND, 0 },		/* notrack jmp *%rax */
		{ "41 ff 24 c4", 4, EMU_FLOW_JMP_IND, 0 },
		{ "ff 25 00 00 00 00", 6, EMU_FLOW_JMP_IND, 0 },
		{ "ff 28", 2, EMU_FLOW_JMP_IND, 0 },		/* ljmp *(%rax) */
		{ "ff d0", 2, EMU_FLOW_CALL_IND, 0 },
		{ "ff 15 10 00 00 00", 6, EMU_FLOW_CALL_IND, 0 },
		{ "41 ff d3", 3, EMU_FLOW_CALL_IND, 0 },
		{ "ff 18", 2, EMU_FLOW_CALL_IND, 0 },		/* lcall *(%rax) */
		{ "c3", 1, EMU_FLOW_RET, 0 },
		{ "f3 c3", 2, EMU_FLOW_RET, 0 },
		{ "c2 08 00", 3, EMU_FLOW_RET, 0 },
		{ "cb", 1, EMU_FLOW_RET, 0 },
		{ "ca 10 00", 3, EMU_FLOW_RET, 0 },
		{ "cc", 1, EMU_FLOW_INT3, 0 },
		{ "cd 80", 2, EMU_FLOW_TRAP, 0 },
		{ "f1", 1, EMU_FLOW_TRAP, 0 },
		{ "f4", 1, EMU_FLOW_TRAP, 0 },
		{ "48 cf", 2, EMU_FLOW_TRAP, 0 },		/* iretq */
		{ "0f 05", 2, EMU_FLOW_TRAP, 0 },
		{ "48 0f 07", 3, EMU_FLOW_TRAP, 0 },		/* sysretq */
		{ "0f 0b", 2, EMU_FLOW_TRAP, 0 },
		{ "0f b9 c0", 3, EMU_FLOW_TRAP, 0 },		/* ud1 */
		{ "ff c0", 2, EMU_FLOW_NEXT, 0 },		/* inc, dec, push of group 5 */
		{ "ff c8", 2, EMU_FLOW_NEXT, 0 },
		{ "ff 30", 2, EMU_FLOW_NEXT, 0 },
		{ "fa", 1, EMU_FLOW_NEXT, 0 },
		{ "9d", 1, EMU_FLOW_NEXT, 0 },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const FlowCase *c = &cases[i];
		EmuInsn insn;
		unsigned len = dec(c->hex, &insn);

		if (len != c->len || insn.flow != c->flow || insn.rel != c->rel)
			fail_msg("%s: len %u flow %u rel %lld, want %u %u %lld", c->hex, len,
				 insn.flow, (long long)insn.rel, c->len, c->flow, (long long)c->rel);
		assert_int_equal(insn.len, len);
		if (c->flow == EMU_FLOW_JMP_REL || c->flow == EMU_FLOW_JCC_REL ||
		    c->flow == EMU_FLOW_LOOP_REL || c->flow == EMU_FLOW_CALL_REL) {
			/* The relative field is the last thing in every relative branch. */
			assert_int_equal(insn.imm_off + insn.imm_size, len);
			assert_int_equal(insn.imm, insn.rel);
			assert_int_equal(emu_insn_rel_target(&insn, 0x1000),
					 (uint64_t)(0x1000 + (int64_t)len + c->rel));
		}
	}
}

static void test_rel_target_wraps(void **state)
{
	EmuInsn insn;
	(void)state;

	assert_int_equal(dec("eb fe", &insn), 2);
	assert_int_equal(emu_insn_rel_target(&insn, 0xffffffff81000000ull), 0xffffffff81000000ull);
	assert_int_equal(dec("e8 00 00 00 80", &insn), 5);
	assert_int_equal(emu_insn_rel_target(&insn, 0xffffffff81000000ull),
			 0xffffffff81000005ull - 0x80000000ull);
}

static void test_rip_relative(void **state)
{
	EmuInsn insn;
	(void)state;

	/* mov 0x12345678(%rip),%rax */
	assert_int_equal(dec("48 8b 05 78 56 34 12", &insn), 7);
	assert_true(insn.rip_relative);
	assert_int_equal(insn.rex, 0x48);
	assert_int_equal(insn.n_prefixes, 0);
	assert_int_equal(insn.opcode_off, 1);
	assert_int_equal(insn.opcode_len, 1);
	assert_int_equal(insn.opcode[0], 0x8b);
	assert_true(insn.has_modrm);
	assert_int_equal(insn.modrm_off, 2);
	assert_int_equal(insn.modrm, 0x05);
	assert_false(insn.has_sib);
	assert_int_equal(insn.disp_off, 3);
	assert_int_equal(insn.disp_size, 4);
	assert_int_equal(insn.disp, 0x12345678);
	assert_int_equal(insn.imm_size, 0);

	/* movl $0x11223344,-0x10(%rip): displacement then immediate */
	assert_int_equal(dec("c7 05 f0 ff ff ff 44 33 22 11", &insn), 10);
	assert_true(insn.rip_relative);
	assert_int_equal(insn.disp_off, 2);
	assert_int_equal(insn.disp, -16);
	assert_int_equal(insn.imm_off, 6);
	assert_int_equal(insn.imm_size, 4);
	assert_int_equal(insn.imm, 0x11223344);

	/* cmpb $0x1,0x0(%rip) with a segment prefix */
	assert_int_equal(dec("65 80 3d 00 00 00 00 01", &insn), 8);
	assert_true(insn.rip_relative);
	assert_int_equal(insn.n_prefixes, 1);
	assert_int_equal(insn.disp_off, 3);
	assert_int_equal(insn.imm_off, 7);

	/* REX.B does not turn rm=101 into r13 when mod=00: still RIP-relative. */
	assert_int_equal(dec("41 8b 05 00 00 00 00", &insn), 7);
	assert_true(insn.rip_relative);

	/* 67: EIP-relative, still flagged (documented in decode.c). */
	assert_int_equal(dec("67 8b 05 04 00 00 00", &insn), 7);
	assert_true(insn.rip_relative);
	assert_true(insn.addrsize32);

	/* 0F-map RIP-relative: movzbl 0x0(%rip),%eax; lea; call *rel(%rip) */
	assert_int_equal(dec("0f b6 05 00 00 00 00", &insn), 7);
	assert_true(insn.rip_relative);
	assert_int_equal(insn.disp_off, 3);
	assert_int_equal(dec("48 8d 3d 10 20 00 00", &insn), 7);
	assert_true(insn.rip_relative);
	assert_int_equal(dec("ff 15 00 00 00 00", &insn), 6);
	assert_true(insn.rip_relative);

	/* Not RIP-relative: SIB with no base, mod=01 rbp, plain register. */
	assert_int_equal(dec("8b 04 25 78 56 34 12", &insn), 7);
	assert_false(insn.rip_relative);
	assert_int_equal(dec("8b 45 f8", &insn), 3);
	assert_false(insn.rip_relative);
	assert_int_equal(dec("89 c5", &insn), 2);
	assert_false(insn.rip_relative);
	assert_int_equal(insn.disp_size, 0);
	assert_int_equal(insn.disp_off, 0);
}

static void test_sib_disp(void **state)
{
	EmuInsn insn;
	(void)state;

	/* SIB base 101 with mod 00: disp32, no base */
	assert_int_equal(dec("8b 04 25 78 56 34 12", &insn), 7);
	assert_true(insn.has_sib);
	assert_int_equal(insn.sib, 0x25);
	assert_int_equal(insn.disp_off, 3);
	assert_int_equal(insn.disp_size, 4);
	assert_int_equal(insn.disp, 0x12345678);
	/* same with REX.B (r13 is not special-cased in the base-101 rule) */
	assert_int_equal(dec("41 8b 04 25 00 00 00 80", &insn), 8);
	assert_int_equal(insn.disp, INT32_MIN);
	/* index*8 + disp32, no base: jmp *0x0(,%rax,8) */
	assert_int_equal(dec("ff 24 c5 00 00 00 00", &insn), 7);
	assert_int_equal(insn.flow, EMU_FLOW_JMP_IND);
	/* r12 base, mod 00: no displacement */
	assert_int_equal(dec("41 8b 04 24", &insn), 4);
	assert_int_equal(insn.disp_size, 0);
	/* r13 base needs mod 01 */
	assert_int_equal(dec("41 8b 45 00", &insn), 4);
	assert_int_equal(insn.disp_size, 1);
	/* disp8 sign-extended */
	assert_int_equal(dec("48 8b 44 24 f8", &insn), 5);
	assert_int_equal(insn.disp_off, 4);
	assert_int_equal(insn.disp, -8);
	/* disp32 with SIB */
	assert_int_equal(dec("48 8b 84 24 00 01 00 00", &insn), 8);
	assert_int_equal(insn.disp, 256);
	assert_int_equal(insn.disp_off, 4);
	/* mod 10 without SIB */
	assert_int_equal(dec("8b 80 ff ff ff ff", &insn), 6);
	assert_int_equal(insn.disp, -1);
	/* SIB + disp8 + imm8: cmpb $0x5,0x10(%rax,%rbx,4) */
	assert_int_equal(dec("80 7c 98 10 05", &insn), 5);
	assert_int_equal(insn.disp_off, 3);
	assert_int_equal(insn.imm_off, 4);
	assert_int_equal(insn.imm, 5);
	/* 67 uses the same 32-bit ModRM forms in long mode */
	assert_int_equal(dec("67 8b 44 24 08", &insn), 5);
	assert_true(insn.addrsize32);
}

static void test_imm_sizes(void **state)
{
	EmuInsn insn;
	(void)state;

	/* mov $imm16,%ax */
	assert_int_equal(dec("66 b8 34 12", &insn), 4);
	assert_true(insn.opsize16);
	assert_int_equal(insn.imm_off, 2);
	assert_int_equal(insn.imm_size, 2);
	assert_int_equal(insn.imm, 0x1234);
	/* mov $imm32,%eax */
	assert_int_equal(dec("b8 ff ff ff ff", &insn), 5);
	assert_int_equal(insn.imm, -1);
	/* movabs $imm64,%rax and %r15 */
	assert_int_equal(dec("48 b8 f0 de bc 9a 78 56 34 12", &insn), 10);
	assert_int_equal(insn.imm_size, 8);
	assert_int_equal(insn.imm, 0x123456789abcdef0ll);
	assert_int_equal(dec("49 bf 00 00 00 00 00 00 00 80", &insn), 10);
	assert_int_equal(insn.imm, INT64_MIN);
	/* REX.W wins over 66 */
	assert_int_equal(dec("66 48 b8 01 00 00 00 00 00 00 00", &insn), 11);
	assert_int_equal(insn.imm_size, 8);
	/* movq $imm32 (sign-extended),%rax */
	assert_int_equal(dec("48 c7 c0 ff ff ff ff", &insn), 7);
	assert_int_equal(insn.imm_size, 4);
	assert_int_equal(insn.imm, -1);
	/* movq $imm32,(%rax) */
	assert_int_equal(dec("48 c7 00 01 00 00 00", &insn), 7);
	/* movw $imm16,(%rax) */
	assert_int_equal(dec("66 c7 00 34 12", &insn), 5);
	assert_int_equal(insn.imm_size, 2);
	assert_int_equal(insn.imm_off, 3);
	/* 66 with REX.W: Iz stays 4 */
	assert_int_equal(dec("66 48 c7 c0 01 00 00 00", &insn), 8);
	/* Ib forms */
	assert_int_equal(dec("83 c0 80", &insn), 3);
	assert_int_equal(insn.imm, -128);
	assert_int_equal(dec("6a ff", &insn), 2);
	assert_int_equal(dec("c6 00 ff", &insn), 3);
	assert_int_equal(dec("c1 e0 05", &insn), 3);
	assert_int_equal(dec("6b c0 07", &insn), 3);
	assert_int_equal(dec("b0 12", &insn), 2);
	assert_int_equal(dec("a8 01", &insn), 2);
	/* Iz forms */
	assert_int_equal(dec("68 00 00 00 80", &insn), 5);
	assert_int_equal(insn.imm, INT32_MIN);
	assert_int_equal(dec("66 68 34 12", &insn), 4);
	assert_int_equal(dec("69 c0 e8 03 00 00", &insn), 6);
	assert_int_equal(dec("66 69 c0 e8 03", &insn), 5);
	assert_int_equal(dec("05 01 00 00 00", &insn), 5);
	assert_int_equal(dec("66 05 01 00", &insn), 4);
	assert_int_equal(dec("48 3d 00 10 00 00", &insn), 6);
	assert_int_equal(dec("66 81 7f 08 ff 7f", &insn), 6);
	assert_int_equal(insn.imm, 0x7fff);
	assert_int_equal(insn.disp_off, 3);
	assert_int_equal(insn.imm_off, 4);
	/* Iw: ret $imm16, sign-extended like every immediate */
	assert_int_equal(dec("c2 00 80", &insn), 3);
	assert_int_equal(insn.imm_size, 2);
	assert_int_equal(insn.imm, -32768);
	/* in/out with Ib */
	assert_int_equal(dec("e4 60", &insn), 2);
	assert_int_equal(dec("e6 80", &insn), 2);
	/* 0F map immediates */
	assert_int_equal(dec("0f a4 c2 05", &insn), 4);		/* shld $5 */
	assert_int_equal(insn.imm_off, 3);
	assert_int_equal(dec("48 0f ac d0 0c", &insn), 5);	/* shrd $12 */
	assert_int_equal(dec("0f ba e0 07", &insn), 4);		/* bt $7,%eax */
	assert_int_equal(dec("f0 48 0f ba 28 3f", &insn), 6);	/* lock btsq $63,(%rax) */
	assert_int_equal(dec("66 0f 70 c0 4e", &insn), 5);	/* pshufd */
	assert_int_equal(dec("0f c6 c1 44", &insn), 4);		/* shufps */
	assert_int_equal(dec("66 0f 73 d8 08", &insn), 5);	/* psrldq $8 */
}

static void test_group3_imm(void **state)
{
	EmuInsn insn;
	(void)state;

	assert_int_equal(dec("f6 c1 01", &insn), 3);		/* test $1,%cl (/0) */
	assert_int_equal(insn.imm_size, 1);
	assert_int_equal(dec("f6 c9 01", &insn), 3);		/* /1 alias of test */
	assert_int_equal(dec("f6 d0", &insn), 2);		/* not %al */
	assert_int_equal(insn.imm_size, 0);
	assert_int_equal(dec("f6 d8", &insn), 2);		/* neg */
	assert_int_equal(dec("f6 e1", &insn), 2);		/* mul %cl */
	assert_int_equal(dec("f6 f9", &insn), 2);		/* idiv %cl */
	assert_int_equal(dec("f6 40 08 80", &insn), 4);		/* testb $0x80,8(%rax) */
	assert_int_equal(insn.imm_off, 3);
	assert_int_equal(insn.imm, -128);
	assert_int_equal(dec("f7 c0 00 00 01 00", &insn), 6);	/* test $0x10000,%eax */
	assert_int_equal(insn.imm_size, 4);
	assert_int_equal(dec("f7 c8 ff ff ff ff", &insn), 6);	/* /1 */
	assert_int_equal(dec("66 f7 c0 00 01", &insn), 5);	/* test $0x100,%ax */
	assert_int_equal(insn.imm_size, 2);
	assert_int_equal(dec("48 f7 c0 ff ff ff ff", &insn), 7);
	assert_int_equal(insn.imm, -1);
	assert_int_equal(dec("f7 d8", &insn), 2);		/* neg */
	assert_int_equal(dec("48 f7 f1", &insn), 3);		/* div %rcx */
	assert_int_equal(dec("48 f7 7d f8", &insn), 4);		/* idivq -8(%rbp) */
	assert_int_equal(insn.imm_size, 0);
	assert_int_equal(dec("f7 05 00 00 00 00 00 01 00 00", &insn), 10);	/* test $,rip */
	assert_int_equal(insn.disp_off, 2);
	assert_int_equal(insn.imm_off, 6);
}

static void test_moffs(void **state)
{
	EmuInsn insn;
	(void)state;

	assert_int_equal(dec("a0 f0 de bc 9a 78 56 34 12", &insn), 9);
	assert_int_equal(insn.disp_off, 1);
	assert_int_equal(insn.disp_size, 8);
	assert_int_equal(insn.disp, 0x123456789abcdef0ll);
	assert_int_equal(insn.imm_size, 0);
	assert_false(insn.has_modrm);
	assert_int_equal(dec("48 a1 00 00 00 00 00 00 00 80", &insn), 10);
	assert_int_equal(insn.disp_off, 2);
	assert_int_equal((uint64_t)insn.disp, 0x8000000000000000ull);
	assert_int_equal(dec("a2 10 32 54 76 98 ba dc fe", &insn), 9);
	assert_int_equal(dec("66 a3 00 00 00 00 00 00 00 00", &insn), 10);
	/* 67: 32-bit offset, zero-extended */
	assert_int_equal(dec("67 a0 00 00 00 80", &insn), 6);
	assert_int_equal(insn.disp_size, 4);
	assert_int_equal(insn.disp, 0x80000000ll);
	assert_int_equal(dec("67 a0 00 00 00", &insn), 0);
}

static void test_enter_ret(void **state)
{
	EmuInsn insn;
	(void)state;

	assert_int_equal(dec("c8 10 00 01", &insn), 4);
	assert_int_equal(insn.imm_off, 1);
	assert_int_equal(insn.imm_size, 3);
	assert_int_equal(insn.imm, 16);
	assert_int_equal(insn.flow, EMU_FLOW_NEXT);
	assert_int_equal(dec("c8 10 00", &insn), 0);
	assert_int_equal(dec("c9", &insn), 1);
	assert_int_equal(dec("ca 08 00", &insn), 3);
	assert_int_equal(insn.flow, EMU_FLOW_RET);
	assert_int_equal(insn.imm, 8);
}

static void test_truncated(void **state)
{
	static const char *const vectors[] = {
		"48 8b 05 78 56 34 12",
		"c7 05 f0 ff ff ff 44 33 22 11",
		"48 b8 f0 de bc 9a 78 56 34 12",
		"0f 85 00 00 00 80",
		"66 0f 1f 84 00 00 00 00 00",
		"f0 48 0f b1 0a",
		"a0 f0 de bc 9a 78 56 34 12",
		"c8 10 00 01",
		"e8 00 00 00 00",
		"8b 04 25 78 56 34 12",
		"f3 0f 1e fa",
		"66 68 34 12",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		uint8_t buf[32];
		size_t n = hex_to_bytes(vectors[i], buf, sizeof(buf));
		EmuInsn insn;

		assert_int_equal(emu_decode(buf, n, &insn), n);
		/* Trailing bytes must not change anything. */
		memset(buf + n, 0x90, sizeof(buf) - n);
		assert_int_equal(emu_decode(buf, sizeof(buf), &insn), n);
		for (size_t avail = 0; avail < n; avail++) {
			if (emu_decode(buf, avail, &insn) != 0)
				fail_msg("%s accepted with avail %zu", vectors[i], avail);
			assert_int_equal(insn.len, 0);
		}
	}
	/* NULL with nothing available is a legal empty buffer. */
	{
		EmuInsn insn;

		assert_int_equal(emu_decode(NULL, 0, &insn), 0);
	}
}

static void test_unsupported(void **state)
{
	static const char *const vectors[] = {
		/* invalid in 64-bit mode */
		"06", "07", "0e", "16", "17", "1e", "1f", "27", "2f", "37", "3f",
		"60", "61", "62 f1 7c 48 28 c1", "82 c0 01", "9a 00 00 00 00 00 00",
		"ce", "d4 0a", "d5 0a", "d6", "ea 00 00 00 00 00 00",
		/* VEX / XOP */
		"c5 f8 77", "c4 e2 79 18 00", "8f e8 78 c0 c0 01",
		/* x87, 3DNow!, the three-byte maps */
		"d8 c1", "d9 ee", "dd d8", "df e0", "0f 0f c1 b4",
		"0f 38 00 c1", "66 0f 3a 0f c1 08", "66 0f 38 17 c1",
		/* group encodings outside the subset */
		"ff f8", "ff d8", "ff e8", "fe d0", "c6 f8 01", "c7 f8 00 00 00 00",
		"0f ba c0 01", "0f b8 c0", "66 0f 71 c0 01",
		"0f ff c0", "0f 78 c0", "66 0f 78 c0 01 02",
		/* 66 on a relative branch: Intel and AMD disagree */
		"66 e8 00 00", "66 e9 00 00", "66 eb 00", "66 74 00", "66 0f 84 00 00",
		/* REX not immediately before the opcode */
		"48 66 90", "48 f0 01 00", "40 48 89 c0",
		/* #UD forms: missing or mixed mandatory prefixes */
		"0f 6c c1", "f3 0f 28 c1", "f2 0f 6f c1", "66 f3 0f 6f c1", "f2 f3 0f 10 c1",
		"66 0f 77", "f2 0f 09", "0f f0 00", "0f d6 c1", "0f e6 c1", "0f d0 c1",
		/* #UD forms: register where memory is required and the reverse */
		"8d c0", "0f 2b c1", "0f e7 c1", "66 0f 12 c1", "0f c3 c0", "0f b2 c0",
		"0f c7 c8", "0f 0d c0", "0f 50 00", "0f d7 00", "0f f7 00", "0f c5 00 01",
		"f3 0f d6 00", "0f 72 10 01", "0f 73 d8 01",
		/* group encodings outside the accepted set */
		"0f 00 f0", "0f 01 e8", "0f 01 28", "0f ae f1", "0f ae c0", "66 0f ae 00",
		"0f c7 c0", "0f c7 38",
		/* MPX bnd* (0F 1A/1B) */
		"0f 1a 00", "f3 0f 1b 00",
	};
	/* Decoded with exactly their own bytes: padding would complete them. */
	static const char *const cut[] = {
		"66", "f0", "48", "0f", "2e 66", "0f ba e0", "e8 00 00 00", "c7 00 01 00 00",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		EmuInsn insn;
		uint8_t buf[32];
		size_t n = hex_to_bytes(vectors[i], buf, sizeof(buf));

		memset(buf + n, 0, sizeof(buf) - n);
		if (emu_decode(buf, sizeof(buf), &insn) != 0)
			fail_msg("%s decoded as %u bytes", vectors[i], insn.len);
	}
	for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		EmuInsn insn;

		if (dec(cut[i], &insn) != 0)
			fail_msg("%s decoded as %u bytes", cut[i], insn.len);
	}
}

static void test_max_length(void **state)
{
	EmuInsn insn;
	uint8_t buf[32];
	size_t n;
	(void)state;

	/* 15 bytes: six extra 66 prefixes on the 9-byte NOP */
	n = hex_to_bytes("66 66 66 66 66 66 66 0f 1f 84 00 00 00 00 00", buf, sizeof(buf));
	assert_int_equal(n, 15);
	memset(buf + n, 0x90, sizeof(buf) - n);
	assert_int_equal(emu_decode(buf, sizeof(buf), &insn), 15);
	assert_int_equal(insn.n_prefixes, 7);
	assert_int_equal(insn.opcode_off, 7);
	/* 16 bytes is never an instruction, however much is available */
	n = hex_to_bytes("66 66 66 66 66 66 66 66 0f 1f 84 00 00 00 00 00", buf, sizeof(buf));
	assert_int_equal(n, 16);
	assert_int_equal(emu_decode(buf, sizeof(buf), &insn), 0);
	n = hex_to_bytes("26 2e 36 3e 64 65 f0 f2 f3 67 48 c7 84 24 00 00 00 00 00 00 00 00",
			 buf, sizeof(buf));
	assert_int_equal(emu_decode(buf, n, &insn), 0);
	/* 15 prefixes and no opcode */
	memset(buf, 0x2e, sizeof(buf));
	assert_int_equal(emu_decode(buf, sizeof(buf), &insn), 0);
	/* a RIP-relative imm32 store padded with segment prefixes to 16, then 15 bytes */
	n = hex_to_bytes("2e 36 3e 64 65 48 c7 05 00 00 00 00 01 00 00 00", buf, sizeof(buf));
	assert_int_equal(n, 16);
	assert_int_equal(emu_decode(buf, n, &insn), 0);
	n = hex_to_bytes("36 3e 64 65 48 c7 05 00 00 00 00 01 00 00 00", buf, sizeof(buf));
	assert_int_equal(emu_decode(buf, n, &insn), 15);
	assert_int_equal(insn.n_prefixes, 4);
	assert_int_equal(insn.rex, 0x48);
	assert_int_equal(insn.imm_off, 11);
}

static void test_multibyte_nops(void **state)
{
	static const char *const nops[] = {
		"90",
		"66 90",
		"0f 1f 00",
		"0f 1f 40 00",
		"0f 1f 44 00 00",
		"66 0f 1f 44 00 00",
		"0f 1f 80 00 00 00 00",
		"0f 1f 84 00 00 00 00 00",
		"66 0f 1f 84 00 00 00 00 00",
		"66 2e 0f 1f 84 00 00 00 00 00",
		"66 66 2e 0f 1f 84 00 00 00 00 00",
		"66 66 66 66 66 66 2e 0f 1f 84 00 00 00 00 00",
		"0f 1f c0",
		"f3 0f 1e fa",				/* endbr64 */
		"f3 0f 1e fb",				/* endbr32 */
	};
	(void)state;

	for (size_t i = 0; i < sizeof(nops) / sizeof(nops[0]); i++) {
		uint8_t buf[32];
		size_t n = hex_to_bytes(nops[i], buf, sizeof(buf));
		EmuInsn insn;

		memset(buf + n, 0xcc, sizeof(buf) - n);
		if (emu_decode(buf, sizeof(buf), &insn) != n)
			fail_msg("%s: got %u", nops[i], insn.len);
		assert_int_equal(insn.flow, EMU_FLOW_NEXT);
		assert_false(insn.rip_relative);
	}
}

static void test_prefix_fields(void **state)
{
	EmuInsn insn;
	(void)state;

	/* lock cmpxchg %rcx,(%rdx) */
	assert_int_equal(dec("f0 48 0f b1 0a", &insn), 5);
	assert_int_equal(insn.n_prefixes, 1);
	assert_int_equal(insn.rex, 0x48);
	assert_int_equal(insn.opcode_off, 2);
	assert_int_equal(insn.opcode_len, 2);
	assert_int_equal(insn.opcode[0], 0x0f);
	assert_int_equal(insn.opcode[1], 0xb1);
	assert_int_equal(insn.modrm_off, 4);
	/* lock xadd %ax,%gs:(%rdi) with prefixes in unusual order */
	assert_int_equal(dec("65 66 f0 0f c1 07", &insn), 6);
	assert_int_equal(insn.n_prefixes, 3);
	assert_true(insn.opsize16);
	assert_int_equal(insn.rex, 0);
	/* repeated prefixes count each time */
	assert_int_equal(dec("f3 f3 a4", &insn), 3);
	assert_int_equal(insn.n_prefixes, 2);
	assert_int_equal(dec("f3 48 a5", &insn), 3);	/* rep movsq */
	assert_int_equal(dec("f3 48 ab", &insn), 3);	/* rep stos */
	assert_int_equal(dec("f2 ae", &insn), 2);	/* repnz scasb */
	/* popcnt/tzcnt/lzcnt take a mandatory F3 */
	assert_int_equal(dec("f3 48 0f b8 c7", &insn), 5);
	assert_int_equal(dec("f3 0f bc c7", &insn), 4);
	assert_int_equal(dec("f3 48 0f bd c7", &insn), 5);
	assert_int_equal(dec("66 f3 0f b8 c0", &insn), 5);	/* 66 is operand size here */
	assert_int_equal(dec("f3 f2 0f b8 c0", &insn), 0);	/* mixed F2/F3: rejected */
	assert_int_equal(dec("f2 f3 0f b8 c0", &insn), 0);
	assert_int_equal(dec("f2 0f bc c0", &insn), 0);		/* no F2 form of bsf */
}

static void test_two_byte_misc(void **state)
{
	static const struct {
		const char *hex;
		unsigned len;
	} cases[] = {
		{ "0f a2", 2 },				/* cpuid */
		{ "0f 31", 2 },				/* rdtsc */
		{ "0f 01 f9", 3 },			/* rdtscp */
		{ "0f 01 ca", 3 },			/* clac */
		{ "0f 01 38", 3 },			/* invlpg (%rax) */
		{ "0f 00 c8", 3 },			/* str %eax */
		{ "0f 30", 2 },				/* wrmsr */
		{ "0f 32", 2 },				/* rdmsr */
		{ "0f 20 d8", 3 },			/* mov %cr3,%rax */
		{ "0f 22 04", 3 },			/* mod is ignored: no SIB */
		{ "0f 21 f8", 3 },			/* mov %db7,%rax */
		{ "48 0f 44 c1", 4 },			/* cmove */
		{ "0f 4f 45 f8", 4 },			/* cmovg -8(%rbp) */
		{ "0f b6 c0", 3 },			/* movzbl */
		{ "48 0f bf 44 24 08", 6 },		/* movswq 8(%rsp) */
		{ "0f 94 c0", 3 },			/* sete */
		{ "0f 9f 45 ff", 4 },			/* setg -1(%rbp) */
		{ "0f c8", 2 },				/* bswap */
		{ "49 0f cf", 3 },
		{ "0f af c2", 3 },			/* imul */
		{ "0f a3 c8", 3 },			/* bt */
		{ "f0 48 0f ab 07", 5 },		/* lock bts */
		{ "0f a5 d0", 3 },			/* shld %cl */
		{ "f0 0f c1 07", 4 },			/* lock xadd */
		{ "f0 0f b0 0a", 4 },			/* lock cmpxchg byte */
		{ "f0 48 0f c7 0e", 5 },		/* lock cmpxchg16b */
		{ "48 0f c7 f0", 4 },			/* rdrand */
		{ "0f ae f0", 3 },			/* mfence */
		{ "0f ae 38", 3 },			/* clflush */
		{ "0f 18 08", 3 },			/* prefetcht0 */
		{ "0f 0d 08", 3 },			/* prefetchw */
		{ "0f 10 07", 3 },			/* movups */
		{ "0f 29 44 24 10", 5 },		/* movaps */
		{ "66 0f ef c0", 4 },			/* pxor */
		{ "66 0f d6 47 08", 5 },		/* movq */
		{ "66 48 0f 6e c0", 5 },		/* movq %rax,%xmm0 */
		{ "f2 48 0f 2a c0", 5 },		/* cvtsi2sd */
		{ "f2 48 0f 2c c0", 5 },		/* cvttsd2si */
		{ "66 0f 2e c1", 4 },			/* ucomisd */
		{ "f2 0f 51 c0", 4 },			/* sqrtsd */
		{ "0f 77", 2 },				/* emms */
		{ "0f 06", 2 },				/* clts */
		{ "0f 09", 2 },				/* wbinvd */
		{ "f3 0f 09", 3 },			/* wbnoinvd */
		{ "66 0f 6c c1", 4 },			/* punpcklqdq */
		{ "0f ae e8", 3 },			/* lfence */
		{ "0f ae f8", 3 },			/* sfence */
		{ "f3 48 0f ae c0", 5 },		/* rdfsbase */
		{ "66 0f ae 38", 4 },			/* clflushopt */
		{ "0f ae 5c 24 fc", 5 },		/* stmxcsr */
		{ "0f 12 c1", 3 },			/* movhlps */
		{ "66 0f 12 00", 4 },			/* movlpd */
		{ "f3 0f d6 c1", 4 },			/* movq2dq */
		{ "66 0f d7 c1", 4 },			/* pmovmskb */
		{ "f2 0f f0 00", 4 },			/* lddqu */
		{ "0f 18 00", 3 },			/* prefetchnta */
		{ "0f 01 d0", 3 },			/* xgetbv */
		{ "0f 01 f8", 3 },			/* swapgs */
		{ "0f 01 10", 3 },			/* lgdt (%rax) */
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EmuInsn insn;
		unsigned len = dec(cases[i].hex, &insn);

		if (len != cases[i].len)
			fail_msg("%s: got %u, want %u", cases[i].hex, len, cases[i].len);
		assert_int_equal(insn.opcode_len, 2);
		assert_int_equal(insn.flow, EMU_FLOW_NEXT);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Cross-check against objdump                                                             */

typedef struct {
	const char *name;	/* also the subdirectory of the temp dir */
	const char *cc;
	const char *flags;	/* space-separated, in addition to the common ones */
} Variant;

static const Variant variants[] = {
	{ "gcc-O0", "gcc", "-O0" },
	{ "gcc-O2", "gcc", "-O2" },
	{ "gcc-Os", "gcc", "-Os" },
	{ "gcc-O2-cet", "gcc", "-O2 -fcf-protection=full" },
	{ "gcc-O2-kernel", "gcc",
	  "-O2 -pg -mfentry -mno-red-zone -fno-pic -mcmodel=kernel -mno-sse -mno-mmx -mno-sse2 "
	  "-fno-omit-frame-pointer" },
	{ "gcc-Os-kernel-cet", "gcc",
	  "-Os -fcf-protection=full -mno-red-zone -fno-pic -mcmodel=kernel -mno-sse -mno-mmx "
	  "-mno-sse2 -fno-jump-tables" },
	{ "clang-O0", "clang", "-O0" },
	{ "clang-O2", "clang", "-O2" },
	{ "clang-Os", "clang", "-Os" },
	{ "clang-O2-kernel-cet", "clang",
	  "-O2 -fcf-protection=full -pg -mfentry -mno-red-zone -fno-pic -mcmodel=kernel "
	  "-mno-sse -mno-mmx -mno-sse2" },
};

/* Running totals over the whole corpus. */
typedef struct {
	unsigned long total;
	unsigned long accepted;
	unsigned long rel_checked;
	unsigned long rel_unchecked;
	unsigned long functions;
	GHashTable *rejects;	/* mnemonic -> count (GUINT_TO_POINTER) */
	GHashTable *reject_example;	/* mnemonic -> "bytes" of a first example */
	GPtrArray *errors;	/* length or target mismatches, the first 40 */
	unsigned n_errors;
} CrossStats;

typedef struct {
	uint64_t addr;
	size_t off;
	unsigned len;
	char *text;	/* the disassembly after the bytes */
} ObjInsn;

/* One contiguous run of instructions from one `<name>:` block. */
typedef struct {
	char *where;	/* "variant file func" */
	GByteArray *bytes;
	GArray *insns;	/* ObjInsn */
} ObjFunc;

static bool run_cmd(const char *cwd, char **argv, char **out)
{
	g_autofree char *err = NULL;
	g_autoptr(GError) error = NULL;
	int status = 0;

	if (!g_spawn_sync(cwd, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out, &err, &status,
			  &error)) {
		print_message("# cannot run %s: %s\n", argv[0], error->message);
		return false;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		print_message("# %s failed (status %d):\n%s\n", argv[0], status, err ? err : "");
		return false;
	}
	return true;
}

static const char *const prefix_words[] = {
	"lock", "rep", "repz", "repnz", "repe", "repne", "data16", "addr32", "notrack",
	"bnd", "cs", "ds", "es", "ss", "fs", "gs", "rex", "rex.W", NULL,
};

/* "lock cmpxchg %ecx,(%rdx)" -> "lock cmpxchg" */
static char *mnemonic_of(const char *text)
{
	g_auto(GStrv) words = g_strsplit_set(text, " \t", -1);
	GString *m = g_string_new(NULL);

	for (char **w = words; *w; w++) {
		bool is_prefix = false;

		if (**w == '\0')
			continue;
		for (const char *const *p = prefix_words; *p; p++)
			if (strcmp(*w, *p) == 0)
				is_prefix = true;
		if (m->len)
			g_string_append_c(m, ' ');
		g_string_append(m, *w);
		if (!is_prefix)
			break;
	}
	return g_string_free(m, FALSE);
}

/* objdump prints direct branch targets as "... <hex> <sym+off>"; return true if found. */
static bool branch_target_of(const char *text, uint64_t *target)
{
	const char *lt = strrchr(text, '<');
	const char *start, *end;
	char *endp;

	if (!lt || lt == text || lt[-1] != ' ' || strchr(text, '#'))
		return false;
	end = lt - 1;
	start = end;
	while (start > text && start[-1] != ' ' && start[-1] != ',')
		start--;
	if (start == end)
		return false;
	*target = g_ascii_strtoull(start, &endp, 16);
	return endp == end;
}

static bool is_rel_flow(unsigned flow)
{
	return flow == EMU_FLOW_JMP_REL || flow == EMU_FLOW_JCC_REL ||
	       flow == EMU_FLOW_LOOP_REL || flow == EMU_FLOW_CALL_REL;
}

static void add_error(CrossStats *st, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void add_error(CrossStats *st, const char *fmt, ...)
{
	va_list ap;

	st->n_errors++;
	if (st->n_errors > 40)
		return;
	va_start(ap, fmt);
	g_ptr_array_add(st->errors, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

static void check_func(CrossStats *st, ObjFunc *fn)
{
	if (fn->insns->len == 0)
		return;
	st->functions++;
	for (guint i = 0; i < fn->insns->len; i++) {
		const ObjInsn *oi = &g_array_index(fn->insns, ObjInsn, i);
		EmuInsn insn;
		unsigned len = emu_decode(fn->bytes->data + oi->off, fn->bytes->len - oi->off, &insn);
		uint64_t target;

		st->total++;
		if (len == 0) {
			char *m = mnemonic_of(oi->text);
			gpointer old = g_hash_table_lookup(st->rejects, m);

			if (!g_hash_table_contains(st->reject_example, m)) {
				GString *ex = g_string_new(NULL);

				for (unsigned b = 0; b < oi->len; b++)
					g_string_append_printf(ex, "%s%02x", b ? " " : "",
							       fn->bytes->data[oi->off + b]);
				g_hash_table_insert(st->reject_example, g_strdup(m),
						    g_string_free(ex, FALSE));
			}
			g_hash_table_insert(st->rejects, m,
					    GUINT_TO_POINTER(GPOINTER_TO_UINT(old) + 1));
			continue;
		}
		st->accepted++;
		if (len != oi->len) {
			add_error(st, "%s +0x%" G_GINT64_MODIFIER "x: length %u, objdump %u (%s)",
				  fn->where, oi->addr, len, oi->len, oi->text);
			continue;
		}
		if (!is_rel_flow(insn.flow))
			continue;
		if (!branch_target_of(oi->text, &target)) {
			st->rel_unchecked++;
			continue;
		}
		st->rel_checked++;
		if (emu_insn_rel_target(&insn, oi->addr) != target)
			add_error(st, "%s +0x%" G_GINT64_MODIFIER "x: target 0x%" G_GINT64_MODIFIER
				  "x, objdump 0x%" G_GINT64_MODIFIER "x (%s)", fn->where, oi->addr,
				  emu_insn_rel_target(&insn, oi->addr), target, oi->text);
	}
}

static void func_reset(ObjFunc *fn, const char *where)
{
	for (guint i = 0; i < fn->insns->len; i++)
		g_free(g_array_index(fn->insns, ObjInsn, i).text);
	g_array_set_size(fn->insns, 0);
	g_byte_array_set_size(fn->bytes, 0);
	g_free(fn->where);
	fn->where = g_strdup(where);
}

/* Parse "  1f:\t48 8b 05 00 00 00 00 \tmov    0x0(%rip),%rax" (objdump -d -w). */
static bool parse_insn_line(const char *line, uint64_t *addr, GByteArray *bytes,
			    const char **text)
{
	const char *p = line;
	char *endp;
	const char *tab2;

	while (*p == ' ')
		p++;
	if (!g_ascii_isxdigit(*p))
		return false;
	*addr = g_ascii_strtoull(p, &endp, 16);
	if (endp[0] != ':' || endp[1] != '\t')
		return false;
	p = endp + 2;
	tab2 = strchr(p, '\t');
	for (const char *q = p; *q && q != tab2;) {
		unsigned v;

		if (*q == ' ') {
			q++;
			continue;
		}
		if (!g_ascii_isxdigit(q[0]) || !g_ascii_isxdigit(q[1]))
			return false;
		v = (unsigned)(g_ascii_xdigit_value(q[0]) << 4 | g_ascii_xdigit_value(q[1]));
		g_byte_array_append(bytes, (const guint8 *)&(guint8){ (guint8)v }, 1);
		q += 2;
	}
	*text = tab2 ? tab2 + 1 : "";
	return true;
}

static void check_objdump_output(CrossStats *st, const char *variant, const char *out)
{
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
	ObjFunc fn = { NULL, g_byte_array_new(), g_array_new(FALSE, FALSE, sizeof(ObjInsn)) };
	g_autofree char *file = g_strdup("?");
	g_autofree char *func = NULL;
	GByteArray *one = g_byte_array_new();

	func_reset(&fn, "?");
	for (char **lp = lines; *lp; lp++) {
		const char *line = *lp;
		const char *text;
		const char *colon;
		uint64_t addr;
		size_t len = strlen(line);

		if ((colon = strstr(line, ":     file format"))) {
			check_func(st, &fn);
			g_free(file);
			file = g_strndup(line, (size_t)(colon - line));
			func_reset(&fn, "?");
			continue;
		}
		if (g_str_has_prefix(line, "Disassembly of section")) {
			check_func(st, &fn);
			func_reset(&fn, "?");
			continue;
		}
		if (len > 3 && g_ascii_isxdigit(line[0]) && line[len - 1] == ':' &&
		    line[len - 2] == '>' && strchr(line, '<')) {
			const char *lt = strchr(line, '<');
			g_autofree char *where = NULL;

			check_func(st, &fn);
			g_free(func);
			func = g_strndup(lt + 1, (size_t)(line + len - 2 - lt - 1));
			where = g_strdup_printf("%s %s %s", variant, file, func);
			func_reset(&fn, where);
			continue;
		}
		g_byte_array_set_size(one, 0);
		if (!parse_insn_line(line, &addr, one, &text))
			continue;
		if (one->len == 0)
			continue;
		/* A gap (objdump skipping bytes) starts a new run. */
		if (fn.insns->len) {
			const ObjInsn *last = &g_array_index(fn.insns, ObjInsn, fn.insns->len - 1);

			if (last->addr + last->len != addr) {
				g_autofree char *where = g_strdup(fn.where);

				check_func(st, &fn);
				func_reset(&fn, where);
			}
		}
		{
			ObjInsn oi = {
				.addr = addr,
				.off = fn.bytes->len,
				.len = one->len,
				.text = g_strstrip(g_strdup(text)),
			};

			g_byte_array_append(fn.bytes, one->data, one->len);
			g_array_append_val(fn.insns, oi);
		}
	}
	check_func(st, &fn);
	func_reset(&fn, "");
	g_free(fn.where);
	g_array_unref(fn.insns);
	g_byte_array_unref(fn.bytes);
	g_byte_array_unref(one);
}

static char *find_corpus_dir(void)
{
	const char *root = g_getenv("KPSIM_SOURCE_ROOT");
	g_autofree char *exe = NULL;
	g_autofree char *exe_dir = NULL;
	static const char *const rel[] = {
		"../../../tests/data/decoder-corpus",	/* <src>/<builddir>/tests/unit */
		"../../tests/data/decoder-corpus",
		"../data/decoder-corpus",		/* run from <src>/tests/unit */
		"tests/data/decoder-corpus",
	};

	if (root && *root)
		return g_build_filename(root, "tests", "data", "decoder-corpus", NULL);
	exe = g_file_read_link("/proc/self/exe", NULL);
	exe_dir = exe ? g_path_get_dirname(exe) : g_get_current_dir();
	for (size_t i = 0; i < G_N_ELEMENTS(rel); i++) {
		char *dir = g_build_filename(exe_dir, rel[i], NULL);

		if (g_file_test(dir, G_FILE_TEST_IS_DIR))
			return dir;
		g_free(dir);
	}
	return g_build_filename(".", "tests", "data", "decoder-corpus", NULL);
}

static gint cmp_path(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static GPtrArray *list_corpus(const char *dir)
{
	g_autoptr(GError) error = NULL;
	GDir *d = g_dir_open(dir, 0, &error);
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	if (!d)
		fail_msg("cannot open corpus %s: %s", dir, error->message);
	while ((name = g_dir_read_name(d)))
		if (g_str_has_suffix(name, ".c"))
			g_ptr_array_add(files, g_build_filename(dir, name, NULL));
	g_dir_close(d);
	g_ptr_array_sort(files, cmp_path);
	return files;
}

static void remove_tree(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	if (!d)
		return;
	while ((name = g_dir_read_name(d))) {
		g_autofree char *path = g_build_filename(dir, name, NULL);

		if (g_file_test(path, G_FILE_TEST_IS_DIR))
			remove_tree(path);
		else
			g_remove(path);
	}
	g_dir_close(d);
	g_rmdir(dir);
}

static gint cmp_reject(gconstpointer a, gconstpointer b, gpointer user)
{
	GHashTable *rejects = user;
	const char *ma = a, *mb = b;
	guint ca = GPOINTER_TO_UINT(g_hash_table_lookup(rejects, ma));
	guint cb = GPOINTER_TO_UINT(g_hash_table_lookup(rejects, mb));

	if (ca != cb)
		return ca > cb ? -1 : 1;
	return strcmp(ma, mb);
}

static void test_objdump_cross_check(void **state)
{
	g_autofree char *corpus = find_corpus_dir();
	g_autoptr(GPtrArray) files = list_corpus(corpus);
	g_autofree char *gcc = g_find_program_in_path("gcc");
	g_autofree char *clang = g_find_program_in_path("clang");
	g_autofree char *objdump = g_find_program_in_path("objdump");
	g_autoptr(GError) error = NULL;
	g_autofree char *tmp = NULL;
	g_autofree char *failure = NULL;
	CrossStats st = {
		.rejects = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
		.reject_example = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
		.errors = g_ptr_array_new_with_free_func(g_free),
	};
	unsigned variants_run = 0;
	double rate;
	(void)state;

	/* The build machine must have a compiler and binutils: no silent skip. */
	if (!gcc || !objdump)
		fail_msg("gcc and objdump are required (gcc %s, objdump %s)", gcc ? gcc : "missing",
			 objdump ? objdump : "missing");
	if (files->len < 8)
		fail_msg("corpus %s has %u files, expected at least 8", corpus, files->len);
	tmp = g_dir_make_tmp("kpsim-decode-XXXXXX", &error);
	if (!tmp)
		fail_msg("g_dir_make_tmp: %s", error->message);

	for (size_t v = 0; v < G_N_ELEMENTS(variants); v++) {
		const Variant *var = &variants[v];
		const char *cc = strcmp(var->cc, "gcc") == 0 ? gcc : clang;
		g_autofree char *dir = g_build_filename(tmp, var->name, NULL);
		g_autoptr(GPtrArray) argv = g_ptr_array_new();
		g_autoptr(GPtrArray) objs = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GPtrArray) dargv = g_ptr_array_new();
		g_auto(GStrv) flags = g_strsplit(var->flags, " ", -1);
		g_autofree char *out = NULL;

		if (!cc) {
			print_message("# %s: %s not found, skipping this compiler\n", var->name, var->cc);
			continue;
		}
		if (g_mkdir(dir, 0700) != 0) {
			failure = g_strdup_printf("mkdir %s failed", dir);
			break;
		}
		/* One invocation per variant: each .o lands in `dir` under its source's name. */
		g_ptr_array_add(argv, (gpointer)cc);
		for (char **f = flags; *f; f++)
			g_ptr_array_add(argv, *f);
		g_ptr_array_add(argv, (gpointer)"-c");
		g_ptr_array_add(argv, (gpointer)"-fno-asynchronous-unwind-tables");
		g_ptr_array_add(argv, (gpointer)"-ffreestanding");
		g_ptr_array_add(argv, (gpointer)"-w");
		for (guint i = 0; i < files->len; i++) {
			g_autofree char *base = g_path_get_basename(files->pdata[i]);

			g_ptr_array_add(argv, files->pdata[i]);
			base[strlen(base) - 1] = 'o';
			g_ptr_array_add(objs, g_steal_pointer(&base));
		}
		g_ptr_array_add(argv, NULL);
		if (!run_cmd(dir, (char **)argv->pdata, NULL)) {
			failure = g_strdup_printf("%s: compiling the corpus failed", var->name);
			break;
		}

		g_ptr_array_add(dargv, objdump);
		g_ptr_array_add(dargv, (gpointer)"-d");
		g_ptr_array_add(dargv, (gpointer)"-w");
		g_ptr_array_add(dargv, (gpointer)"-z");
		for (guint i = 0; i < objs->len; i++)
			g_ptr_array_add(dargv, objs->pdata[i]);
		g_ptr_array_add(dargv, NULL);
		if (!run_cmd(dir, (char **)dargv->pdata, &out)) {
			failure = g_strdup_printf("%s: objdump failed", var->name);
			break;
		}
		check_objdump_output(&st, var->name, out);
		variants_run++;
	}
	/* Clean up before any failure is reported: cmocka's failures do not return. */
	remove_tree(tmp);
	if (failure)
		fail_msg("%s", failure);

	rate = st.total ? 100.0 * (double)st.accepted / (double)st.total : 0.0;
	print_message("# decoder cross-check: %u variants, %lu functions, %lu/%lu instructions "
		      "accepted (%.2f%%), %lu branch targets checked, %lu unchecked\n",
		      variants_run, st.functions, st.accepted, st.total, rate, st.rel_checked,
		      st.rel_unchecked);
	{
		GList *keys = g_list_sort_with_data(g_hash_table_get_keys(st.rejects), cmp_reject,
						    st.rejects);

		for (GList *k = keys; k; k = k->next)
			print_message("# rejected %-20s %6u  e.g. %s\n", (char *)k->data,
				      GPOINTER_TO_UINT(g_hash_table_lookup(st.rejects, k->data)),
				      (char *)g_hash_table_lookup(st.reject_example, k->data));
		if (!keys)
			print_message("# rejected: none\n");
		g_list_free(keys);
	}
	/* One line per call: cmocka formats messages into a fixed-size buffer. */
	if (st.n_errors)
		print_message("# %u mismatches, the first ones:\n", st.n_errors);
	for (guint i = 0; i < st.errors->len; i++)
		print_message("# %s\n", (char *)st.errors->pdata[i]);

	g_hash_table_unref(st.rejects);
	g_hash_table_unref(st.reject_example);
	g_ptr_array_unref(st.errors);

	assert_true(variants_run >= 6);
	assert_true(st.total >= 5000);
	assert_int_equal(st.n_errors, 0);
	assert_true(st.rel_checked > 1000);
	assert_int_equal(st.rel_unchecked, 0);
	assert_true(rate >= 95.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flows),
		cmocka_unit_test(test_rel_target_wraps),
		cmocka_unit_test(test_rip_relative),
		cmocka_unit_test(test_sib_disp),
		cmocka_unit_test(test_imm_sizes),
		cmocka_unit_test(test_group3_imm),
		cmocka_unit_test(test_moffs),
		cmocka_unit_test(test_enter_ret),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_max_length),
		cmocka_unit_test(test_multibyte_nops),
		cmocka_unit_test(test_prefix_fields),
		cmocka_unit_test(test_two_byte_misc),
		cmocka_unit_test(test_objdump_cross_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
