/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's x86 instruction decoder API (arch/x86/include/asm/insn.h, inat.h), as far
 * as kprobes uses it, implemented over the emulated hardware's decoder (emu_decode).
 *
 * Two differences from the kernel, both because the model never dereferences text:
 *  - The bytes being analysed are a buffer the caller filled (kp_text_read, or a copy it
 *    built), held in `buf`.  `kaddr` and `next_byte` are emulated text addresses
 *    (unsigned long, like every text address in the model): `kaddr` is 0 until the caller
 *    says where the bytes came from, as can_optimize() does when it "recovers the
 *    address", and `next_byte` is always `kaddr` plus the bytes decoded so far.
 *  - The kernel's decoder gives every byte sequence some length; emu_decode covers a
 *    subset and rejects the rest.  A rejected instruction gets length 0 (its prefixes and
 *    opcode are still filled in), and ported code must treat 0 as "cannot analyse".
 *
 * The emulated decoder finds every field in one pass, so each insn_get_*() decodes the
 * whole instruction on its first use and marks the fields the kernel's would have
 * collected by then.  Version independent.
 */
#ifndef KPSIM_MODEL_KERNEL_INSN_H
#define KPSIM_MODEL_KERNEL_INSN_H

#include "arch_x86_emu/decode.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* arch/x86/include/asm/inat_types.h */
typedef unsigned int insn_attr_t;
typedef unsigned char insn_byte_t;
typedef signed int insn_value_t;

/* arch/x86/include/asm/inat.h: prefix attributes (the only ones kprobes tests). */
#define INAT_PFX_OPNDSZ	1	/* 0x66 */
#define INAT_PFX_REPE	2	/* 0xF3 */
#define INAT_PFX_REPNE	3	/* 0xF2 */
#define INAT_PFX_LOCK	4	/* 0xF0 */
#define INAT_PFX_CS	5	/* 0x2E */
#define INAT_PFX_DS	6	/* 0x3E */
#define INAT_PFX_ES	7	/* 0x26 */
#define INAT_PFX_FS	8	/* 0x64 */
#define INAT_PFX_GS	9	/* 0x65 */
#define INAT_PFX_SS	10	/* 0x36 */
#define INAT_PFX_ADDRSZ	11	/* 0x67 */
#define INAT_PFX_REX	12	/* 0x4X */
#define INAT_LGCPFX_MAX	11
#define INAT_PFX_MASK	0xfu

/* The prefix part of the one-byte opcode map's attributes. */
static inline insn_attr_t inat_get_opcode_attribute(insn_byte_t opcode)
{
	switch (opcode) {
	case 0x66: return INAT_PFX_OPNDSZ;
	case 0xf3: return INAT_PFX_REPE;
	case 0xf2: return INAT_PFX_REPNE;
	case 0xf0: return INAT_PFX_LOCK;
	case 0x2e: return INAT_PFX_CS;
	case 0x3e: return INAT_PFX_DS;
	case 0x26: return INAT_PFX_ES;
	case 0x64: return INAT_PFX_FS;
	case 0x65: return INAT_PFX_GS;
	case 0x36: return INAT_PFX_SS;
	case 0x67: return INAT_PFX_ADDRSZ;
	default:
		/* The kernel's tables are the x86-64 ones: 40-4F are REX. */
		return (opcode & 0xf0) == 0x40 ? INAT_PFX_REX : 0;
	}
}

static inline int inat_is_legacy_prefix(insn_attr_t attr)
{
	attr &= INAT_PFX_MASK;
	return attr && attr <= INAT_LGCPFX_MAX;
}

static inline int inat_is_address_size_prefix(insn_attr_t attr)
{
	return (attr & INAT_PFX_MASK) == INAT_PFX_ADDRSZ;
}

static inline int inat_is_rex_prefix(insn_attr_t attr)
{
	return (attr & INAT_PFX_MASK) == INAT_PFX_REX;
}

/* arch/x86/include/asm/insn.h */

struct insn_field {
	union {
		insn_value_t value;
		insn_byte_t bytes[4];
	};
	unsigned char got;	/* !0 once insn_get_xxx() collected this field */
	unsigned char nbytes;
};

struct insn {
	struct insn_field prefixes;	/* bytes[3]: the last prefix */
	struct insn_field rex_prefix;
	struct insn_field vex_prefix;	/* never set: VEX is outside the subset */
	struct insn_field opcode;	/* bytes[0..2]: opcode1..opcode3 */
	struct insn_field modrm;
	struct insn_field sib;
	struct insn_field displacement;
	union {
		struct insn_field immediate;
		struct insn_field moffset1;	/* for 64bit MOV */
		struct insn_field immediate1;	/* for 64bit imm or off16/32 */
	};
	union {
		struct insn_field moffset2;	/* for 64bit MOV */
		struct insn_field immediate2;	/* for 64bit imm or seg16 */
	};

	insn_attr_t attr;
	unsigned char opnd_bytes;
	unsigned char addr_bytes;
	unsigned char length;
	unsigned char x86_64;

	unsigned long kaddr;		/* text address of buf[0]; 0 = not known */
	unsigned long next_byte;	/* kaddr + bytes decoded so far */

	/* The model's side: the bytes and the emulated decoder's view of them. */
	const insn_byte_t *buf;
	bool decoded;
	EmuInsn emu;
};

#define MAX_INSN_SIZE	16

#define X86_MODRM_MOD(modrm) (((modrm) & 0xc0) >> 6)
#define X86_MODRM_REG(modrm) (((modrm) & 0x38) >> 3)
#define X86_MODRM_RM(modrm) ((modrm) & 0x07)

#define X86_SIB_SCALE(sib) (((sib) & 0xc0) >> 6)
#define X86_SIB_INDEX(sib) (((sib) & 0x38) >> 3)
#define X86_SIB_BASE(sib) ((sib) & 0x07)

#define X86_REX_W(rex) ((rex) & 8)
#define X86_REX_R(rex) ((rex) & 4)
#define X86_REX_X(rex) ((rex) & 2)
#define X86_REX_B(rex) ((rex) & 1)

static inline insn_byte_t insn_last_prefix(struct insn *insn)
{
	return insn->prefixes.bytes[3];
}

/* `kaddr` is the buffer holding at least MAX_INSN_SIZE bytes of the instruction. */
static inline void insn_init(struct insn *insn, const void *kaddr, int x86_64)
{
	memset(insn, 0, sizeof(*insn));
	insn->buf = kaddr;
	insn->x86_64 = x86_64 ? 1 : 0;
	insn->opnd_bytes = 4;
	insn->addr_bytes = insn->x86_64 ? 8 : 4;
}

/* The kernel's config is x86_64. */
static inline void kernel_insn_init(struct insn *insn, const void *kaddr)
{
	insn_init(insn, kaddr, 1);
}

static inline insn_value_t insn_le_value(const insn_byte_t *p, unsigned n)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < n && i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	/* Sign-extend 1- and 2-byte fields, as the kernel's get_next(char/short) does. */
	if (n == 1)
		return (insn_value_t)(int8_t)v;
	if (n == 2)
		return (insn_value_t)(int16_t)v;
	return (insn_value_t)v;
}

static inline void insn_set_field(struct insn_field *f, const insn_byte_t *p, unsigned n)
{
	f->value = n ? insn_le_value(p, n) : 0;
	f->nbytes = (unsigned char)n;
	f->got = 1;
}

/*
 * Prefixes and opcode without the emulated decoder, for bytes it rejects: callers such as
 * can_probe() look at the opcode (0xCC) before asking for the length.
 */
static inline unsigned insn_scan_opcode(struct insn *insn)
{
	const insn_byte_t *p = insn->buf;
	unsigned i = 0, n = 0;

	while (i < MAX_INSN_SIZE - 1 && inat_is_legacy_prefix(inat_get_opcode_attribute(p[i]))) {
		if (n < 3)
			insn->prefixes.bytes[n++] = p[i];
		insn->prefixes.bytes[3] = p[i];
		i++;
	}
	insn->prefixes.nbytes = (unsigned char)i;
	insn->prefixes.got = 1;
	if (insn->x86_64 && inat_is_rex_prefix(inat_get_opcode_attribute(p[i]))) {
		insn->rex_prefix.value = p[i];
		insn->rex_prefix.nbytes = 1;
		i++;
	}
	insn->rex_prefix.got = 1;
	insn->vex_prefix.got = 1;
	insn->opcode.bytes[0] = p[i];
	insn->opcode.nbytes = 1;
	if (p[i] == 0x0f && i + 1 < MAX_INSN_SIZE) {
		insn->opcode.bytes[1] = p[i + 1];
		insn->opcode.nbytes = 2;
	}
	insn->opcode.got = 1;
	return i + insn->opcode.nbytes;
}

/* Decode once; fill every field the kernel's decoder would fill. */
static inline void insn_decode_all(struct insn *insn)
{
	const EmuInsn *e = &insn->emu;
	const insn_byte_t *p = insn->buf;

	if (insn->decoded)
		return;
	insn->decoded = true;
	if (!emu_decode(p, MAX_INSN_SIZE, &insn->emu)) {
		insn->next_byte = insn->kaddr + insn_scan_opcode(insn);
		insn->length = 0;
		return;
	}
	/* Legacy prefixes: the distinct ones in bytes[0..2], the last one in bytes[3]. */
	memset(&insn->prefixes, 0, sizeof(insn->prefixes));
	for (unsigned i = 0, n = 0; i < e->n_prefixes; i++) {
		if (n < 3 && memchr(insn->prefixes.bytes, p[i], n) == NULL)
			insn->prefixes.bytes[n++] = p[i];
		insn->prefixes.bytes[3] = p[i];
	}
	insn->prefixes.nbytes = e->n_prefixes;
	insn->prefixes.got = 1;
	insn->rex_prefix.value = e->rex;
	insn->rex_prefix.nbytes = e->rex ? 1 : 0;
	insn->rex_prefix.got = 1;
	insn->vex_prefix.got = 1;
	insn->opcode.value = 0;
	memcpy(insn->opcode.bytes, e->opcode, e->opcode_len);
	insn->opcode.nbytes = e->opcode_len;
	insn->opcode.got = 1;
	insn->modrm.value = e->has_modrm ? e->modrm : 0;
	insn->modrm.nbytes = e->has_modrm ? 1 : 0;
	insn->modrm.got = 1;
	insn->sib.value = e->has_sib ? e->sib : 0;
	insn->sib.nbytes = e->has_sib ? 1 : 0;
	insn->sib.got = 1;
	if (e->opcode_len == 1 && (e->opcode[0] & 0xfc) == 0xa0) {
		/* moffs (A0-A3): the kernel keeps the offset in moffset1/moffset2. */
		insn->displacement.got = 1;
		insn_set_field(&insn->moffset1, p + e->disp_off, 4);
		if (e->disp_size == 8)
			insn_set_field(&insn->moffset2, p + e->disp_off + 4, 4);
		else
			insn->moffset2.got = 1;
	} else {
		insn_set_field(&insn->displacement, p + e->disp_off, e->disp_size);
		if (e->imm_size == 8) {
			/* REX.W B8+r: imm64 as immediate1/immediate2. */
			insn_set_field(&insn->immediate1, p + e->imm_off, 4);
			insn_set_field(&insn->immediate2, p + e->imm_off + 4, 4);
		} else if (e->imm_size == 3) {
			/* enter: Iw, then Ib. */
			insn_set_field(&insn->immediate1, p + e->imm_off, 2);
			insn_set_field(&insn->immediate2, p + e->imm_off + 2, 1);
		} else {
			insn_set_field(&insn->immediate, p + e->imm_off, e->imm_size);
			insn->immediate2.got = 1;
		}
	}
	if (e->rex & 8)
		insn->opnd_bytes = 8;
	else if (e->opsize16)
		insn->opnd_bytes = 2;
	if (e->addrsize32)
		insn->addr_bytes = 4;
	insn->length = e->len;
	insn->next_byte = insn->kaddr + e->len;
}

static inline void insn_get_prefixes(struct insn *insn)
{
	insn_decode_all(insn);
}

static inline void insn_get_opcode(struct insn *insn)
{
	insn_decode_all(insn);
}

static inline void insn_get_modrm(struct insn *insn)
{
	insn_decode_all(insn);
}

static inline void insn_get_sib(struct insn *insn)
{
	insn_decode_all(insn);
}

static inline void insn_get_displacement(struct insn *insn)
{
	insn_decode_all(insn);
}

static inline void insn_get_immediate(struct insn *insn)
{
	insn_decode_all(insn);
}

static inline void insn_get_length(struct insn *insn)
{
	insn_decode_all(insn);
}

static inline void insn_get_attribute(struct insn *insn)
{
	insn_get_modrm(insn);
}

/* arch/x86/lib/insn.c: insn_rip_relative() */
static inline int insn_rip_relative(struct insn *insn)
{
	struct insn_field *modrm = &insn->modrm;

	if (!insn->x86_64)
		return 0;
	if (!modrm->got)
		insn_get_modrm(insn);
	/* mod = 00 and r/m = 101 */
	return modrm->nbytes && (modrm->value & 0xc7) == 0x5;
}

/* Offset of each field from kaddr */
static inline int insn_offset_rex_prefix(struct insn *insn)
{
	return insn->prefixes.nbytes;
}
static inline int insn_offset_vex_prefix(struct insn *insn)
{
	return insn_offset_rex_prefix(insn) + insn->rex_prefix.nbytes;
}
static inline int insn_offset_opcode(struct insn *insn)
{
	return insn_offset_vex_prefix(insn) + insn->vex_prefix.nbytes;
}
static inline int insn_offset_modrm(struct insn *insn)
{
	return insn_offset_opcode(insn) + insn->opcode.nbytes;
}
static inline int insn_offset_sib(struct insn *insn)
{
	return insn_offset_modrm(insn) + insn->modrm.nbytes;
}
static inline int insn_offset_displacement(struct insn *insn)
{
	return insn_offset_sib(insn) + insn->sib.nbytes;
}
static inline int insn_offset_immediate(struct insn *insn)
{
	return insn_offset_displacement(insn) + insn->displacement.nbytes;
}

#endif
