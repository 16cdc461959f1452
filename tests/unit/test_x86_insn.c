// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for model/kernel/insn.h: the kernel's instruction-decoder API over the
 * emulated decoder, field by field, on the instruction forms kprobes looks at.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "model/kernel/insn.h"

/* The bytes of a hex string in a MAX_INSN_SIZE buffer, the rest zero. */
static void hex_buf(const char *hex, insn_byte_t buf[MAX_INSN_SIZE])
{
	size_t n = 0;

	memset(buf, 0, MAX_INSN_SIZE);
	while (*hex) {
		unsigned v;
		int used;

		if (*hex == ' ') {
			hex++;
			continue;
		}
		if (sscanf(hex, "%2x%n", &v, &used) != 1 || used != 2)
			fail_msg("bad hex in test vector: %s", hex);
		assert_true(n < MAX_INSN_SIZE);
		buf[n++] = (insn_byte_t)v;
		hex += used;
	}
}

static void decode(struct insn *insn, insn_byte_t *buf, const char *hex)
{
	hex_buf(hex, buf);
	kernel_insn_init(insn, buf);
	insn_get_length(insn);
}

static void test_plain(void **state)
{
	insn_byte_t buf[MAX_INSN_SIZE];
	struct insn insn;

	(void)state;
	decode(&insn, buf, "48 89 e5");	/* mov %rsp,%rbp */
	assert_int_equal(insn.length, 3);
	assert_int_equal(insn.prefixes.nbytes, 0);
	assert_int_equal(insn.rex_prefix.nbytes, 1);
	assert_int_equal(insn.rex_prefix.value, 0x48);
	assert_int_equal(insn.opcode.bytes[0], 0x89);
	assert_int_equal(insn.opcode.nbytes, 1);
	assert_int_equal(insn.modrm.nbytes, 1);
	assert_int_equal(insn.modrm.value, 0xe5);
	assert_int_equal(insn.displacement.nbytes, 0);
	assert_int_equal(insn.immediate.nbytes, 0);
	assert_int_equal(insn.opnd_bytes, 8);
	assert_int_equal(insn_offset_modrm(&insn), 2);
	assert_false(insn_rip_relative(&insn));
	assert_true(insn.opcode.got && insn.modrm.got && insn.displacement.got);
	/* no text address given: next_byte counts from 0 */
	assert_int_equal(insn.kaddr, 0);
	assert_int_equal(insn.next_byte, 3);
}

static void test_breakpoint(void **state)
{
	insn_byte_t buf[MAX_INSN_SIZE];
	struct insn insn;

	(void)state;
	hex_buf("cc 48 89 e5", buf);
	kernel_insn_init(&insn, buf);
	insn_get_opcode(&insn);
	assert_int_equal(insn.opcode.bytes[0], 0xcc);
	insn_get_length(&insn);
	assert_int_equal(insn.length, 1);
}

static void test_rip_relative(void **state)
{
	insn_byte_t buf[MAX_INSN_SIZE];
	struct insn insn;

	(void)state;
	/* mov -0x10(%rip),%rax */
	decode(&insn, buf, "48 8b 05 f0 ff ff ff");
	assert_int_equal(insn.length, 7);
	assert_true(insn_rip_relative(&insn));
	assert_int_equal(insn.displacement.nbytes, 4);
	assert_int_equal(insn.displacement.value, -0x10);
	assert_int_equal(insn_offset_displacement(&insn), 3);

	/* cmpl $0x7,0x1234(%rip): an imm8 after the disp32 */
	decode(&insn, buf, "83 3d 34 12 00 00 07");
	assert_int_equal(insn.length, 7);
	assert_true(insn_rip_relative(&insn));
	assert_int_equal(insn.displacement.value, 0x1234);
	assert_int_equal(insn_offset_displacement(&insn), 2);
	assert_int_equal(insn.immediate.nbytes, 1);
	assert_int_equal(insn.immediate.value, 7);
	assert_int_equal(insn_offset_immediate(&insn), 6);

	/* mov 0x8(%rbp),%eax is not RIP-relative (mod = 01) */
	decode(&insn, buf, "8b 45 08");
	assert_false(insn_rip_relative(&insn));
	assert_int_equal(insn.displacement.nbytes, 1);
	assert_int_equal(insn.displacement.value, 8);
}

static void test_relative_branches(void **state)
{
	insn_byte_t buf[MAX_INSN_SIZE];
	struct insn insn;

	(void)state;
	/* je .-0 (rel8 -2): sign-extended */
	hex_buf("74 fe", buf);
	kernel_insn_init(&insn, buf);
	insn.kaddr = 0xffffffff81000010UL;
	insn_get_length(&insn);
	assert_int_equal(insn.length, 2);
	assert_int_equal(insn.immediate.value, -2);
	assert_true(insn.next_byte == 0xffffffff81000012UL);
	assert_true(insn.next_byte + insn.immediate.value == 0xffffffff81000010UL);

	/* jne rel32 */
	decode(&insn, buf, "0f 85 00 01 00 00");
	assert_int_equal(insn.length, 6);
	assert_int_equal(insn.opcode.nbytes, 2);
	assert_int_equal(insn.opcode.bytes[0], 0x0f);
	assert_int_equal(insn.opcode.bytes[1], 0x85);
	assert_int_equal(insn.immediate.value, 0x100);

	/* jmp rel32 backwards, and call rel32 */
	decode(&insn, buf, "e9 fb ff ff ff");
	assert_int_equal(insn.length, 5);
	assert_int_equal(insn.immediate.value, -5);
	decode(&insn, buf, "e8 10 00 00 00");
	assert_int_equal(insn.opcode.bytes[0], 0xe8);
	assert_int_equal(insn.immediate.value, 0x10);
}

static void test_immediates(void **state)
{
	insn_byte_t buf[MAX_INSN_SIZE];
	struct insn insn;

	(void)state;
	/* movabs $0x1122334455667788,%rdi: the detour template's first-argument load */
	decode(&insn, buf, "48 bf 88 77 66 55 44 33 22 11");
	assert_int_equal(insn.length, 10);
	assert_int_equal(insn.immediate1.nbytes, 4);
	assert_int_equal((unsigned)insn.immediate1.value, 0x55667788u);
	assert_int_equal(insn.immediate2.nbytes, 4);
	assert_int_equal((unsigned)insn.immediate2.value, 0x11223344u);

	/* mov $0x1234,%ax: 66 makes Iz two bytes */
	decode(&insn, buf, "66 b8 34 12");
	assert_int_equal(insn.length, 4);
	assert_int_equal(insn.prefixes.nbytes, 1);
	assert_int_equal(insn_last_prefix(&insn), 0x66);
	assert_int_equal(insn.opnd_bytes, 2);
	assert_int_equal(insn.immediate.nbytes, 2);
	assert_int_equal(insn.immediate.value, 0x1234);

	/* enter $0x10,$0x1: Iw then Ib */
	decode(&insn, buf, "c8 10 00 01");
	assert_int_equal(insn.length, 4);
	assert_int_equal(insn.immediate1.value, 0x10);
	assert_int_equal(insn.immediate1.nbytes, 2);
	assert_int_equal(insn.immediate2.value, 1);
	assert_int_equal(insn.immediate2.nbytes, 1);

	/* movabs 0x8877665544332211,%eax: the offset is in moffset1/moffset2 */
	decode(&insn, buf, "a1 11 22 33 44 55 66 77 88");
	assert_int_equal(insn.length, 9);
	assert_int_equal(insn.displacement.nbytes, 0);
	assert_int_equal((unsigned)insn.moffset1.value, 0x44332211u);
	assert_int_equal((unsigned)insn.moffset2.value, 0x88776655u);
}

static void test_prefixes_and_groups(void **state)
{
	insn_byte_t buf[MAX_INSN_SIZE];
	struct insn insn;

	(void)state;
	/* nopw %cs:0x0(%rax,%rax,1) */
	decode(&insn, buf, "66 2e 0f 1f 84 00 00 00 00 00");
	assert_int_equal(insn.length, 10);
	assert_int_equal(insn.prefixes.nbytes, 2);
	assert_int_equal(insn.prefixes.bytes[0], 0x66);
	assert_int_equal(insn.prefixes.bytes[1], 0x2e);
	assert_int_equal(insn_last_prefix(&insn), 0x2e);
	assert_int_equal(insn.opcode.bytes[1], 0x1f);
	assert_int_equal(insn.sib.nbytes, 1);
	assert_int_equal(insn.displacement.nbytes, 4);
	assert_int_equal(insn_offset_displacement(&insn), 6);

	/* jmp *0x0(,%rax,8): FF /4 with a SIB and a disp32 */
	decode(&insn, buf, "ff 24 c5 00 00 00 00");
	assert_int_equal(insn.length, 7);
	assert_int_equal(X86_MODRM_REG(insn.modrm.value), 4);
	assert_int_equal(insn.sib.value, 0xc5);
	assert_false(insn_rip_relative(&insn));
}

static void test_rejected(void **state)
{
	insn_byte_t buf[MAX_INSN_SIZE];
	struct insn insn;

	(void)state;
	/* vzeroupper (VEX) is outside the subset: length 0, opcode still known */
	decode(&insn, buf, "c5 f8 77");
	assert_int_equal(insn.length, 0);
	assert_int_equal(insn.opcode.bytes[0], 0xc5);

	/* the prefixes in front of a rejected opcode are still skipped */
	decode(&insn, buf, "f3 48 0f 38 00 c1");
	assert_int_equal(insn.length, 0);
	assert_int_equal(insn.prefixes.nbytes, 1);
	assert_int_equal(insn.rex_prefix.value, 0x48);
	assert_int_equal(insn.opcode.bytes[0], 0x0f);
	assert_int_equal(insn.opcode.bytes[1], 0x38);
}

static void test_inat(void **state)
{
	static const insn_byte_t legacy[] = {
		0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3,
	};

	(void)state;
	for (unsigned b = 0; b < 256; b++) {
		insn_attr_t attr = inat_get_opcode_attribute((insn_byte_t)b);
		bool is_legacy = memchr(legacy, (int)b, sizeof(legacy)) != NULL;

		assert_int_equal(inat_is_legacy_prefix(attr), is_legacy);
		assert_int_equal(inat_is_rex_prefix(attr), (b & 0xf0) == 0x40);
		assert_int_equal(inat_is_address_size_prefix(attr), b == 0x67);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_breakpoint),
		cmocka_unit_test(test_rip_relative),
		cmocka_unit_test(test_relative_branches),
		cmocka_unit_test(test_immediates),
		cmocka_unit_test(test_prefixes_and_groups),
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_inat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
