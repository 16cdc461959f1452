/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86-64 instruction decoder for the subset kprobes needs (legacy prefixes, REX, the
 * one-byte map, the 0F entries listed in decode.c, ModRM/SIB/displacement, immediates,
 * relative branch targets, RIP-relative operands).  It computes lengths and operand
 * positions; it does not execute.  Anything outside the subset is reported as
 * unsupported (length 0), never given a wrong length.
 */
#ifndef KPSIM_EMU_DECODE_H
#define KPSIM_EMU_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EMU_MAX_INSN_SIZE 15

/* Control flow of an instruction, as the vCPU executor and kprobes' checks see it. */
typedef enum {
	EMU_FLOW_NEXT,		/* falls through to the next instruction */
	EMU_FLOW_JMP_REL,	/* E9, EB: target = next + rel */
	EMU_FLOW_JCC_REL,	/* 70-7F, 0F 80-8F: taken -> next + rel, else next */
	EMU_FLOW_LOOP_REL,	/* E0-E3 (loop*, jrcxz) */
	EMU_FLOW_CALL_REL,	/* E8 */
	EMU_FLOW_JMP_IND,	/* FF /4, FF /5, EA */
	EMU_FLOW_CALL_IND,	/* FF /2, FF /3 */
	EMU_FLOW_RET,		/* C3, C2 iw, CB, CA iw */
	EMU_FLOW_INT3,		/* CC */
	EMU_FLOW_TRAP,		/* other traps: INT n, INTO, UD2, HLT, SYSCALL, IRET... */
} EmuFlow;

typedef struct {
	uint8_t len;		/* total length in bytes; 0 = not decoded */
	uint8_t n_prefixes;	/* legacy prefixes, REX not included */
	uint8_t rex;		/* REX byte, 0 if none */
	bool opsize16;		/* 66 prefix present */
	bool addrsize32;	/* 67 prefix present */
	uint8_t opcode_len;	/* 1, 2 (0F xx) or 3 (0F 38 xx / 0F 3A xx) */
	uint8_t opcode[3];
	uint8_t opcode_off;	/* offset of the first opcode byte */
	bool has_modrm;
	uint8_t modrm;
	uint8_t modrm_off;
	bool has_sib;
	uint8_t sib;
	uint8_t disp_off;	/* offset of the displacement, 0 if none */
	uint8_t disp_size;	/* 0, 1, 2, 4, or 8 (moffs) */
	int64_t disp;		/* sign-extended (moffs: the raw 64-bit address) */
	uint8_t imm_off;	/* offset of the (first) immediate, 0 if none */
	uint8_t imm_size;	/* total immediate bytes (C8: 3) */
	int64_t imm;		/* sign-extended first immediate (or branch rel) */
	bool rip_relative;	/* ModRM mod=00 rm=101: disp32 is relative to the next insn
				   (also set with 67, where the sum is truncated to 32 bits) */
	uint8_t flow;		/* EmuFlow */
	int64_t rel;		/* for *_REL flows: signed displacement from the next insn */
} EmuInsn;

/*
 * Decode the instruction at `bytes` (at most `avail` bytes are read).  Returns its length
 * (1..15) and fills *insn, or returns 0 when the bytes are outside the supported subset or
 * are cut short by `avail`.
 */
unsigned emu_decode(const uint8_t *bytes, size_t avail, EmuInsn *insn);

/* The branch target of a relative branch located at `addr` (insn->flow must be *_REL). */
static inline uint64_t emu_insn_rel_target(const EmuInsn *insn, uint64_t addr)
{
	return addr + insn->len + (uint64_t)insn->rel;
}

#endif
