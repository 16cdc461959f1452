// SPDX-License-Identifier: GPL-2.0-only
/*
 * Plain kernel functions: straight-line code of several sizes (the optimizable cases), a
 * function with less code than a jump, early calls and branches, a loop whose head is a
 * jump target, and multi-byte NOPs inside a function.
 */
#include "kimage.h"

struct f_stats {
	uint64_t packets;
	uint64_t bytes;
	uint32_t last_len;
	uint32_t flags;
	uint16_t proto;
	uint8_t state;
	uint8_t pad;
	uint32_t seq;
	uint64_t limit;
};

/*
 * Three bytes of code, but its kallsyms extent runs to the next function: a window at +0
 * covers the ret and the alignment padding after it.
 */
noinline int f_tiny(void)
{
	return 0;
}

/*
 * Straight-line, exactly 16 bytes, every instruction boostable: the windows at +0 and +3
 * overlap, and the last bytes are too short for a jump because the next function starts
 * right after the ret.
 */
noinline unsigned int f_small(unsigned int a, unsigned int b)
{
	unsigned int x = a + b * 5;

	x = (x ^ 0x5bd1e995u) + a;
	return x | 1;
}

/* Straight-line stores into a struct: ordinary boostable instructions only. */
noinline void f_medium(struct f_stats *st, uint32_t len, uint16_t proto)
{
	st->packets += 1;
	st->bytes += len;
	st->last_len = len;
	st->proto = proto;
	st->state = 3;
	st->flags |= 0x40;
	st->seq = st->seq * 1103515245u + 12345u;
	st->limit = 65536;
}

/*
 * A long straight-line hash.  Shifts and rotates (C0/C1/D0-D3) are not boostable, so it
 * mixes with multiplications, additions and xors only: almost every instruction starts an
 * optimizable window.
 */
noinline uint32_t f_large(uint32_t a, uint32_t b, uint32_t c, uint32_t seed)
{
	uint32_t h = seed ^ 0x811c9dc5u;

	h = (h ^ a) * 0x01000193u;
	h = (h ^ b) * 0x01000193u;
	h = (h ^ c) * 0x01000193u;
	a = a * 9 + h;
	b = (b ^ a) + 0x7f4a7c15u;
	c = (c - b) * 5;
	h ^= a + b + c;
	h = h * 0x2545f491u + seed;
	a ^= h - c;
	b += a * 3;
	c = (c | 0x10) + (b & 0xff00ff);
	h = (h ^ c) * 0x01000193u;
	return h + a - b;
}

/* Two relative calls, with short moves between them. */
noinline int f_calls(unsigned int x)
{
	unsigned int r = f_small(x, 7);

	return (int)(r + f_small(r, x)) + 1;
}

/* A conditional branch right after the first instruction. */
noinline int f_jcc_early(const struct f_stats *st, int dflt)
{
	if (!st)
		return dflt;
	if (st->state == 3)
		return (int)st->last_len;
	return (int)(st->packets >> 2) + dflt;
}

/* A counted loop: its head is the target of a backward jcc. */
noinline uint32_t f_loop(const uint8_t *p, size_t n)
{
	uint32_t h = 5381;

	while (n--)
		h = h * 33 + *p++;
	return h;
}

/* An explicit multi-byte NOP between ordinary instructions (not boostable). */
noinline uint64_t f_nop(uint64_t a, uint64_t b)
{
	uint64_t x = a + (b << 2);

	/* P6_NOP5, spelled as bytes as the kernel's <asm/nops.h> does. */
	asm volatile(".byte 0x0f, 0x1f, 0x44, 0x00, 0x00" : "+r" (x));
	return x ^ (a >> 3);
}

/* A join point right after ordinary instructions: the window before it is jumped into. */
noinline uint64_t f_join(uint64_t x, uint64_t y)
{
	uint64_t r = x + 8;

	if (y > 100)
		r = f_small((unsigned int)r, (unsigned int)y);
	return r ^ (y >> 1);
}
