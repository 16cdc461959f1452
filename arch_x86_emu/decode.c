// SPDX-License-Identifier: GPL-2.0-only
/*
 * Table-driven x86-64 length decoder.
 *
 * The decoder is deliberately conservative: an opcode is in the tables only when its
 * length in 64-bit mode is fully determined by the prefixes, the opcode, ModRM/SIB and the
 * immediate kinds below.  Everything else (VEX/EVEX/XOP, 3DNow!, x87, the 0F 38/0F 3A
 * maps, opcodes that are invalid in long mode, and encodings where real decoders disagree)
 * yields 0, because kprobes must never be handed a wrong length.  Encodings that raise #UD
 * have no meaningful length either, so the 0F map also checks mandatory prefixes (66/F3/F2)
 * and register-only / memory-only operands (two_byte_rule[], check_group()).  The LOCK
 * prefix is not checked against its operand: it never changes the length.
 *
 * Decisions worth knowing about:
 *  - A REX byte counts only when it is immediately followed by the opcode.  A REX followed
 *    by a legacy prefix or another REX is ignored by hardware but printed differently by
 *    disassemblers; we report the whole instruction as unsupported instead.
 *  - Relative branches with a 66 prefix are rejected: Intel ignores the prefix, AMD
 *    truncates the target to 16 bits, so there is no single right answer.
 *  - With a 67 prefix a mod=00 rm=101 operand is EIP-relative; rip_relative is still set,
 *    because the displacement is still relative to the next instruction (the caller must
 *    truncate the result to 32 bits if it cares).
 *  - moffs (A0-A3) is reported through the disp fields: 8 bytes, or 4 zero-extended bytes
 *    with 67.  All other displacements and immediates are sign-extended, including the
 *    unsigned Iw of RET/ENTER; mask with imm_size when the operand is unsigned.
 */
#include "arch_x86_emu/decode.h"

#include <assert.h>
#include <string.h>

/* Immediate kinds (low four bits of an attribute). */
enum {
	IMM_NONE,
	IMM_B,		/* 1 byte */
	IMM_W,		/* 2 bytes */
	IMM_Z,		/* 2 bytes with 66 (and no REX.W), else 4 */
	IMM_V,		/* B8+r: 2 with 66, 8 with REX.W, else 4 */
	IMM_WB,		/* C8 enter: Iw then Ib */
	IMM_MOFFS,	/* A0-A3: address-sized offset, reported as disp */
	IMM_JB,		/* rel8 */
	IMM_JZ,		/* rel32 */
};

#define A_IMM_MASK	0x000fu
#define A_VALID		0x0010u	/* a zero attribute means "unsupported" */
#define A_MODRM		0x0020u
#define A_GROUP		0x0040u	/* validity or immediate depends on ModRM: check_group() */
#define A_REGONLY	0x0080u	/* mod is ignored (MOV to/from CR/DR): no SIB, no disp */
#define A_FLOW_SHIFT	8
#define FLOW(f)		((uint16_t)((f) << A_FLOW_SHIFT))

/* Shorthands keep the 16-column rows below readable. */
#define X	0u					/* unsupported / invalid in 64-bit */
#define P	0u					/* prefix: consumed before lookup */
#define N	(A_VALID)				/* no operand bytes */
#define M	(A_VALID | A_MODRM)
#define MB	(A_VALID | A_MODRM | IMM_B)
#define MZ	(A_VALID | A_MODRM | IMM_Z)
#define MG	(A_VALID | A_MODRM | A_GROUP)
#define MGB	(A_VALID | A_MODRM | A_GROUP | IMM_B)
#define MGZ	(A_VALID | A_MODRM | A_GROUP | IMM_Z)
#define MR	(A_VALID | A_MODRM | A_REGONLY)
#define IB	(A_VALID | IMM_B)
#define IZ	(A_VALID | IMM_Z)
#define IV	(A_VALID | IMM_V)
#define MO	(A_VALID | IMM_MOFFS)
#define JCCB	(A_VALID | IMM_JB | FLOW(EMU_FLOW_JCC_REL))
#define JCCZ	(A_VALID | IMM_JZ | FLOW(EMU_FLOW_JCC_REL))
#define LOOP	(A_VALID | IMM_JB | FLOW(EMU_FLOW_LOOP_REL))
#define TRAP	(A_VALID | FLOW(EMU_FLOW_TRAP))
#define RET	(A_VALID | FLOW(EMU_FLOW_RET))
#define RETW	(A_VALID | IMM_W | FLOW(EMU_FLOW_RET))

static const uint16_t one_byte_map[256] = {
	/* 00 */ M, M, M, M, IB, IZ, X, X, M, M, M, M, IB, IZ, X, X,
	/* 10 */ M, M, M, M, IB, IZ, X, X, M, M, M, M, IB, IZ, X, X,
	/* 20 */ M, M, M, M, IB, IZ, P, X, M, M, M, M, IB, IZ, P, X,
	/* 30 */ M, M, M, M, IB, IZ, P, X, M, M, M, M, IB, IZ, P, X,
	/* 40: REX, consumed with the prefixes */
	/* 40 */ X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
	/* 50 */ N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N,
	/* 60: pusha/popa/bound/EVEX invalid; 63 movsxd */
	/* 60 */ X, X, X, M, P, P, P, P, IZ, MZ, IB, MB, N, N, N, N,
	/* 70 */ JCCB, JCCB, JCCB, JCCB, JCCB, JCCB, JCCB, JCCB,
		 JCCB, JCCB, JCCB, JCCB, JCCB, JCCB, JCCB, JCCB,
	/* 80 */ MB, MZ, X, MB, M, M, M, M, M, M, M, M, M, MG, M, MG,
	/* 90: 9A far call is invalid */
	/* 90 */ N, N, N, N, N, N, N, N, N, N, X, N, N, N, N, N,
	/* A0 */ MO, MO, MO, MO, N, N, N, N, IB, IZ, N, N, N, N, N, N,
	/* B0 */ IB, IB, IB, IB, IB, IB, IB, IB, IV, IV, IV, IV, IV, IV, IV, IV,
	/* C0: C4/C5 are VEX, CE into is invalid, CC int3 and CD int n trap */
	/* C0 */ MB, MB, RETW, RET, X, X, MGB, MGZ,
		 A_VALID | IMM_WB, N, RETW, RET, A_VALID | FLOW(EMU_FLOW_INT3),
		 A_VALID | IMM_B | FLOW(EMU_FLOW_TRAP), X, TRAP,
	/* D0: D4/D5/D6 invalid; D8-DF (x87) deliberately unsupported */
	/* D0 */ M, M, M, M, X, X, X, N, X, X, X, X, X, X, X, X,
	/* E0 */ LOOP, LOOP, LOOP, LOOP, IB, IB, IB, IB,
		 A_VALID | IMM_JZ | FLOW(EMU_FLOW_CALL_REL),
		 A_VALID | IMM_JZ | FLOW(EMU_FLOW_JMP_REL), X,
		 A_VALID | IMM_JB | FLOW(EMU_FLOW_JMP_REL), N, N, N, N,
	/* F0: F1 int1 and F4 hlt trap; F6/F7/FE/FF are groups */
	/* F0 */ P, TRAP, P, P, TRAP, N, MG, MG, N, N, N, N, N, N, MG, MG,
};

static const uint16_t two_byte_map[256] = {
	/* 00: grp6, grp7, syscall, clts, sysret, invd, wbinvd, ud2, prefetch */
	/* 00 */ MG, MG, X, X, X, TRAP, N, TRAP, N, N, X, TRAP, X, M, X, X,
	/* 10: SSE moves; 18-1F prefetch and hint NOPs (0F 1F nop, F3 0F 1E FA endbr64),
	 * except 1A/1B whose MPX forms disassemblers decode inconsistently */
	/* 10 */ M, M, MG, M, M, M, MG, M, M, M, X, X, M, M, M, M,
	/* 20 */ MR, MR, MR, MR, X, X, X, X, M, M, M, M, M, M, M, M,
	/* 30: wrmsr, rdtsc, rdmsr, rdpmc; 0F 38 / 0F 3A maps unsupported */
	/* 30 */ N, N, N, N, X, X, X, X, X, X, X, X, X, X, X, X,
	/* 40 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 50 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 60 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* 70: 78/79 are VMREAD/VMWRITE or SSE4a with immediates: unsupported */
	/* 70 */ MB, MGB, MGB, MGB, M, M, M, N, X, X, X, X, X, X, M, M,
	/* 80 */ JCCZ, JCCZ, JCCZ, JCCZ, JCCZ, JCCZ, JCCZ, JCCZ,
		 JCCZ, JCCZ, JCCZ, JCCZ, JCCZ, JCCZ, JCCZ, JCCZ,
	/* 90 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* A0 */ N, N, N, M, MB, M, X, X, N, N, X, M, MB, M, MG, M,
	/* B0: B9 ud1 traps; BA grp8 */
	/* B0 */ M, M, M, M, M, M, M, M, M, A_VALID | A_MODRM | FLOW(EMU_FLOW_TRAP), MGB, M,
		 M, M, M, M,
	/* C0 */ M, M, MB, M, MB, MB, MB, MG, N, N, N, N, N, N, N, N,
	/* D0 */ M, M, M, M, M, M, MG, M, M, M, M, M, M, M, M, M,
	/* E0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
	/* F0: FF ud0 is decoded differently by different tools */
	/* F0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, X,
};

/*
 * Which 66/F3/F2 forms of a 0F opcode exist, and whether it needs a register or a memory
 * operand.  Forms that do not exist raise #UD, and disassemblers give them arbitrary
 * lengths, so they are rejected.  0 = no constraint.
 */
#define R_NP	0x01u	/* no mandatory prefix */
#define R_66	0x02u
#define R_F3	0x04u
#define R_F2	0x08u
#define R_OPSZ	0x10u	/* 66 is an operand-size prefix here, not a form selector */
#define R_MEM	0x20u	/* ModRM must name memory */
#define R_REG	0x40u	/* ModRM must name a register */
#define R_ALL	(R_NP | R_66 | R_F3 | R_F2)
#define R_PD	(R_NP | R_66)	/* MMX/SSE with an SSE2 66 form */
#define R_DQ	(R_NP | R_66 | R_F3)

static const uint8_t two_byte_rule[256] = {
	[0x09] = R_NP | R_F3,			/* wbinvd, wbnoinvd */
	[0x0d] = R_NP | R_OPSZ | R_MEM,		/* prefetch, prefetchw */
	[0x10] = R_ALL, [0x11] = R_ALL,
	[0x12] = R_ALL, [0x13] = R_PD | R_MEM,	/* 66 0F 12 is memory-only: see check_group */
	[0x14] = R_PD, [0x15] = R_PD,
	[0x16] = R_DQ, [0x17] = R_PD | R_MEM,	/* 66 0F 16 likewise */
	[0x28] = R_PD, [0x29] = R_PD, [0x2a] = R_ALL, [0x2b] = R_PD | R_MEM,
	[0x2c] = R_ALL, [0x2d] = R_ALL, [0x2e] = R_PD, [0x2f] = R_PD,
	[0x50] = R_PD | R_REG, [0x51] = R_ALL, [0x52] = R_NP | R_F3, [0x53] = R_NP | R_F3,
	[0x54] = R_PD, [0x55] = R_PD, [0x56] = R_PD, [0x57] = R_PD,
	[0x58] = R_ALL, [0x59] = R_ALL, [0x5a] = R_ALL, [0x5b] = R_DQ,
	[0x5c] = R_ALL, [0x5d] = R_ALL, [0x5e] = R_ALL, [0x5f] = R_ALL,
	[0x60] = R_PD, [0x61] = R_PD, [0x62] = R_PD, [0x63] = R_PD,
	[0x64] = R_PD, [0x65] = R_PD, [0x66] = R_PD, [0x67] = R_PD,
	[0x68] = R_PD, [0x69] = R_PD, [0x6a] = R_PD, [0x6b] = R_PD,
	[0x6c] = R_66, [0x6d] = R_66, [0x6e] = R_PD, [0x6f] = R_DQ,
	[0x70] = R_ALL, [0x71] = R_PD, [0x72] = R_PD, [0x73] = R_PD,
	[0x74] = R_PD, [0x75] = R_PD, [0x76] = R_PD, [0x77] = R_NP,
	[0x7e] = R_DQ, [0x7f] = R_DQ,
	[0xb2] = R_NP | R_OPSZ | R_MEM,		/* lss, lfs, lgs */
	[0xb4] = R_NP | R_OPSZ | R_MEM, [0xb5] = R_NP | R_OPSZ | R_MEM,
	[0xb8] = R_F3 | R_OPSZ,			/* popcnt; without F3 it is JMPE (IA-64 only) */
	[0xbc] = R_NP | R_F3 | R_OPSZ,		/* bsf, tzcnt */
	[0xbd] = R_NP | R_F3 | R_OPSZ,		/* bsr, lzcnt */
	[0xc2] = R_ALL, [0xc3] = R_NP | R_MEM, [0xc4] = R_PD, [0xc5] = R_PD | R_REG,
	[0xc6] = R_PD,
	[0xd0] = R_66 | R_F2, [0xd1] = R_PD, [0xd2] = R_PD, [0xd3] = R_PD,
	[0xd4] = R_PD, [0xd5] = R_PD, [0xd6] = R_66 | R_F3 | R_F2, [0xd7] = R_PD | R_REG,
	[0xd8] = R_PD, [0xd9] = R_PD, [0xda] = R_PD, [0xdb] = R_PD,
	[0xdc] = R_PD, [0xdd] = R_PD, [0xde] = R_PD, [0xdf] = R_PD,
	[0xe0] = R_PD, [0xe1] = R_PD, [0xe2] = R_PD, [0xe3] = R_PD,
	[0xe4] = R_PD, [0xe5] = R_PD, [0xe6] = R_66 | R_F3 | R_F2, [0xe7] = R_PD | R_MEM,
	[0xe8] = R_PD, [0xe9] = R_PD, [0xea] = R_PD, [0xeb] = R_PD,
	[0xec] = R_PD, [0xed] = R_PD, [0xee] = R_PD, [0xef] = R_PD,
	[0xf0] = R_F2 | R_MEM, [0xf1] = R_PD, [0xf2] = R_PD, [0xf3] = R_PD,
	[0xf4] = R_PD, [0xf5] = R_PD, [0xf6] = R_PD, [0xf7] = R_PD | R_REG,
	[0xf8] = R_PD, [0xf9] = R_PD, [0xfa] = R_PD, [0xfb] = R_PD,
	[0xfc] = R_PD, [0xfd] = R_PD, [0xfe] = R_PD,
};

/* 0 = not a prefix, 1 = legacy prefix, 2 = REX. */
static const uint8_t prefix_class[256] = {
	[0x26] = 1, [0x2e] = 1, [0x36] = 1, [0x3e] = 1,
	[0x64] = 1, [0x65] = 1, [0x66] = 1, [0x67] = 1,
	[0xf0] = 1, [0xf2] = 1, [0xf3] = 1,
	[0x40] = 2, [0x41] = 2, [0x42] = 2, [0x43] = 2,
	[0x44] = 2, [0x45] = 2, [0x46] = 2, [0x47] = 2,
	[0x48] = 2, [0x49] = 2, [0x4a] = 2, [0x4b] = 2,
	[0x4c] = 2, [0x4d] = 2, [0x4e] = 2, [0x4f] = 2,
};

#undef X
#undef P
#undef N
#undef M
#undef MB
#undef MZ
#undef MG
#undef MGB
#undef MGZ
#undef MR
#undef IB
#undef IZ
#undef IV
#undef MO
#undef JCCB
#undef JCCZ
#undef LOOP
#undef TRAP
#undef RET
#undef RETW
#undef R_ALL
#undef R_PD
#undef R_DQ

/* What the prefixes say, as the opcode checks need it. */
typedef struct {
	bool opsize16;
	uint8_t rep_form;	/* R_NP, R_F3 or R_F2 from the last F2/F3; 0 if both appeared */
	uint8_t sse_form;	/* the mandatory-prefix form; 0 if 66 is mixed with F2/F3 */
} PrefixForms;

/* The 0F 01 register forms we accept (mod = 11, reg not 4 or 6). */
static bool grp7_reg_form_ok(uint8_t modrm)
{
	switch (modrm) {
	case 0xc8:	/* monitor */
	case 0xc9:	/* mwait */
	case 0xca:	/* clac */
	case 0xcb:	/* stac */
	case 0xd0:	/* xgetbv */
	case 0xd1:	/* xsetbv */
	case 0xd6:	/* xtest */
	case 0xf8:	/* swapgs */
	case 0xf9:	/* rdtscp */
		return true;
	}
	return false;
}

/*
 * Opcodes whose meaning depends on ModRM (or on ModRM together with a mandatory prefix).
 * Only the encodings that are valid in long mode and that decoders agree on are accepted.
 * May change *imm_kind and *flow.
 */
static bool check_group(unsigned opcode_len, uint8_t op, uint8_t modrm, const PrefixForms *pf,
			unsigned *imm_kind, unsigned *flow)
{
	const unsigned mod = modrm >> 6;
	const unsigned reg = (modrm >> 3) & 7;

	if (opcode_len == 1) {
		switch (op) {
		case 0x8d:	/* lea of a register is #UD */
			return mod != 3;
		case 0x8f:	/* pop r/m; other reg values are the AMD XOP escape */
			return reg == 0;
		case 0xc6:	/* mov r/m8, imm8; C6 F8 is xabort */
		case 0xc7:	/* mov r/m, imm32; C7 F8 is xbegin (a relative branch) */
			return reg == 0;
		case 0xf6:	/* test r/m8, imm8 for /0 and /1 only */
			*imm_kind = reg < 2 ? IMM_B : IMM_NONE;
			return true;
		case 0xf7:	/* test r/m, imm32 for /0 and /1 only */
			*imm_kind = reg < 2 ? IMM_Z : IMM_NONE;
			return true;
		case 0xfe:	/* inc/dec r/m8 */
			return reg < 2;
		case 0xff:
			switch (reg) {
			case 2:
				*flow = EMU_FLOW_CALL_IND;
				return true;
			case 3:		/* far call needs a memory operand */
				*flow = EMU_FLOW_CALL_IND;
				return mod != 3;
			case 4:
				*flow = EMU_FLOW_JMP_IND;
				return true;
			case 5:
				*flow = EMU_FLOW_JMP_IND;
				return mod != 3;
			case 7:
				return false;
			default:	/* inc, dec, push */
				return true;
			}
		}
		return false;
	}

	switch (op) {
	case 0x00:	/* sldt, str, lldt, ltr, verr, verw */
		return reg < 6 && pf->rep_form == R_NP;
	case 0x01:	/* sgdt ... invlpg, and a few system instructions in the mod=11 space */
		if (mod != 3)
			return reg != 5 && pf->rep_form == R_NP;
		if (pf->sse_form != R_NP)
			return false;
		return reg == 4 || reg == 6 || grp7_reg_form_ok(modrm);	/* smsw, lmsw */
	case 0x12:	/* movlps/movhlps, movlpd (memory only), movsldup, movddup */
	case 0x16:	/* movhps/movlhps, movhpd (memory only), movshdup */
		return pf->sse_form != R_66 || mod != 3;
	case 0x71:	/* psrlw/psraw/psllw imm */
	case 0x72:	/* psrld/psrad/pslld imm */
		return mod == 3 && (reg == 2 || reg == 4 || reg == 6);
	case 0x73:	/* psrlq/psllq imm; psrldq/pslldq imm only with 66 */
		if (mod != 3)
			return false;
		if (reg == 3 || reg == 7)
			return pf->sse_form == R_66;
		return reg == 2 || reg == 6;
	case 0xae:	/* fxsave ... clflush; lfence/mfence/sfence; rd/wr fs/gs base */
		if (mod != 3)
			return pf->sse_form == R_NP || (pf->sse_form == R_66 && reg >= 6);
		/* The fences are spelled with rm = 0; other rm values are newer instructions. */
		return (pf->sse_form == R_NP && reg >= 5 && (modrm & 7) == 0) ||
		       (pf->sse_form == R_F3 && reg < 4);
	case 0xba:	/* bt/bts/btr/btc r/m, imm8 */
		return reg >= 4;
	case 0xc7:	/* cmpxchg8b/16b; rdrand, rdseed */
		if (mod != 3)
			return reg == 1 && pf->sse_form == R_NP;
		return (reg == 6 || reg == 7) && pf->rep_form == R_NP;
	case 0xd6:	/* movq; movq2dq and movdq2q take registers only */
		return pf->sse_form == R_66 || mod == 3;
	}
	return false;
}

/* Sign-extend the low `bytes` bytes of a little-endian field without relying on
 * implementation-defined narrowing conversions. */
static inline int64_t load_sext(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	if (bytes < 8) {
		const uint64_t sign = 1ull << (8 * bytes - 1);

		return (int64_t)(v ^ sign) - (int64_t)sign;
	}
	return (int64_t)v;
}

static inline uint64_t load_zext(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

unsigned emu_decode(const uint8_t *bytes, size_t avail, EmuInsn *insn)
{
	/* Hardware refuses anything longer than 15 bytes, whatever follows. */
	const size_t limit = avail < EMU_MAX_INSN_SIZE ? avail : EMU_MAX_INSN_SIZE;
	size_t pos = 0;
	uint8_t last_rep = 0;
	unsigned reps_seen = 0;
	PrefixForms pf = { 0 };	/* only the 0F map looks at it */
	uint16_t attr;
	uint8_t rule = 0;
	unsigned imm_kind, flow, imm_size = 0;
	uint8_t op;

	assert(insn != NULL);
	assert(bytes != NULL || avail == 0);
	memset(insn, 0, sizeof(*insn));

	/* Legacy prefixes in any order and number, then at most one REX right before the opcode. */
	for (;;) {
		uint8_t b, cls;

		if (pos >= limit)
			return 0;
		b = bytes[pos];
		cls = prefix_class[b];
		if (cls == 0)
			break;
		pos++;
		if (cls == 2) {
			if (pos >= limit || prefix_class[bytes[pos]] != 0)
				return 0;
			insn->rex = b;
			break;
		}
		insn->n_prefixes++;
		if (b == 0x66)
			insn->opsize16 = true;
		else if (b == 0x67)
			insn->addrsize32 = true;
		else if (b == 0xf2 || b == 0xf3) {
			last_rep = b;
			reps_seen |= b == 0xf2 ? R_F2 : R_F3;
		}
	}

	insn->opcode_off = (uint8_t)pos;
	op = bytes[pos++];
	insn->opcode[0] = op;
	if (op == 0x0f) {
		if (pos >= limit)
			return 0;
		/*
		 * Mandatory-prefix form.  Mixing F2 with F3, or 66 with either, is resolved
		 * differently by different CPUs and tools, so such mixes match no rule.
		 */
		pf.opsize16 = insn->opsize16;
		if (reps_seen == (R_F2 | R_F3))
			pf.rep_form = 0;
		else
			pf.rep_form = last_rep == 0xf3 ? R_F3 : last_rep == 0xf2 ? R_F2 : R_NP;
		if (!last_rep)
			pf.sse_form = insn->opsize16 ? R_66 : R_NP;
		else
			pf.sse_form = insn->opsize16 ? 0 : pf.rep_form;
		op = bytes[pos++];
		insn->opcode[1] = op;
		insn->opcode_len = 2;
		attr = two_byte_map[op];
		rule = two_byte_rule[op];
		if (rule && !(rule & ((rule & R_OPSZ) ? pf.rep_form : pf.sse_form)))
			return 0;
	} else {
		insn->opcode_len = 1;
		attr = one_byte_map[op];
	}
	if (!(attr & A_VALID))
		return 0;
	imm_kind = attr & A_IMM_MASK;
	flow = (attr >> A_FLOW_SHIFT) & 0xf;

	if (attr & A_MODRM) {
		uint8_t modrm;
		unsigned mod, rm, disp_size = 0;

		if (pos >= limit)
			return 0;
		modrm = bytes[pos];
		insn->has_modrm = true;
		insn->modrm = modrm;
		insn->modrm_off = (uint8_t)pos;
		pos++;
		mod = modrm >> 6;
		rm = modrm & 7;
		if ((attr & A_GROUP) &&
		    !check_group(insn->opcode_len, op, modrm, &pf, &imm_kind, &flow))
			return 0;
		if ((rule & R_MEM) && mod == 3)
			return 0;
		if ((rule & R_REG) && mod != 3)
			return 0;
		if (mod != 3 && !(attr & A_REGONLY)) {
			/* REX.B does not take part in these special cases, matching hardware. */
			if (rm == 4) {
				if (pos >= limit)
					return 0;
				insn->has_sib = true;
				insn->sib = bytes[pos++];
				if (mod == 0 && (insn->sib & 7) == 5)
					disp_size = 4;
			} else if (mod == 0 && rm == 5) {
				insn->rip_relative = true;
				disp_size = 4;
			}
			if (mod == 1)
				disp_size = 1;
			else if (mod == 2)
				disp_size = 4;
			if (disp_size) {
				if (pos + disp_size > limit)
					return 0;
				insn->disp_off = (uint8_t)pos;
				insn->disp_size = (uint8_t)disp_size;
				insn->disp = load_sext(bytes + pos, disp_size);
				pos += disp_size;
			}
		}
	}

	switch (imm_kind) {
	case IMM_NONE:
		break;
	case IMM_B:
	case IMM_JB:
		imm_size = 1;
		break;
	case IMM_W:
		imm_size = 2;
		break;
	case IMM_Z:
		imm_size = (insn->opsize16 && !(insn->rex & 8)) ? 2 : 4;
		break;
	case IMM_V:
		imm_size = (insn->rex & 8) ? 8 : insn->opsize16 ? 2 : 4;
		break;
	case IMM_WB:
		imm_size = 3;
		break;
	case IMM_JZ:
		imm_size = 4;
		break;
	case IMM_MOFFS: {
		const unsigned size = insn->addrsize32 ? 4 : 8;

		if (pos + size > limit)
			return 0;
		insn->disp_off = (uint8_t)pos;
		insn->disp_size = (uint8_t)size;
		insn->disp = (int64_t)load_zext(bytes + pos, size);
		pos += size;
		break;
	}
	default:
		assert(!"bad immediate kind");
		return 0;
	}

	if (imm_size) {
		if (pos + imm_size > limit)
			return 0;
		insn->imm_off = (uint8_t)pos;
		insn->imm_size = (uint8_t)imm_size;
		/* ENTER: imm is its first immediate (the frame size). */
		insn->imm = load_sext(bytes + pos, imm_kind == IMM_WB ? 2 : imm_size);
		pos += imm_size;
	}

	if (imm_kind == IMM_JB || imm_kind == IMM_JZ) {
		/* See the header comment: 66 on a near branch means different things to Intel
		 * and AMD. */
		if (insn->opsize16)
			return 0;
		insn->rel = insn->imm;
	}

	insn->flow = (uint8_t)flow;
	insn->len = (uint8_t)pos;
	return (unsigned)pos;
}
