// SPDX-License-Identifier: GPL-2.0-only
/*
 * Module "mod_b": branches whose targets fall inside jump windows, a loop, a user copy
 * with an exception-table entry, and the module's own SMP-lock and jump-label sites.
 */
#include "kimage.h"

struct mod_b_ring {
	uint32_t head;
	uint32_t tail;
	uint32_t mask;
	int refs;
	uint64_t drops;
	uint64_t slot[16];
};

static struct mod_b_ring mod_b_rings[2];
struct jump_label_key mod_b_trace_key;

noinline int mod_b_xmit(struct mod_b_ring *r, uint64_t v)
{
	uint32_t next = (r->head + 1) & r->mask;

	if (next == r->tail) {
		r->drops++;
		return -105;
	}
	r->slot[r->head & 15] = v;
	r->head = next;
	return 0;
}

noinline uint64_t mod_b_poll(struct mod_b_ring *r, unsigned int budget)
{
	uint64_t sum = 0;

	while (budget-- && r->tail != r->head) {
		sum += r->slot[r->tail & 15];
		r->tail = (r->tail + 1) & r->mask;
	}
	return sum;
}

noinline void mod_b_trace(int v);

noinline int mod_b_get(struct mod_b_ring *r)
{
	r->drops = 0;
	asm volatile(LOCK_PREFIX "addl $1, %0" : "+m" (r->refs) : : "memory");
	static_branch(&mod_b_trace_key, l_trace);
	return r->refs;
l_trace:
	mod_b_trace(r->refs);
	return r->refs;
}

noinline void mod_b_trace(int v)
{
	mod_b_rings[1].drops += (uint64_t)v;
}

/* Last in .text, so the .fixup code that follows it lies within its extent. */
noinline int mod_b_copy(uint64_t *dst, const uint64_t *usrc)
{
	int err = 0;
	uint64_t v;

	dst[1] = 0;
	asm volatile("1:\tmovq (%2), %1\n"
		     "2:\n"
		     ".pushsection .fixup, \"ax\"\n"
		     "3:\tmovl $-14, %0\n\t"
		     "xorl %k1, %k1\n\t"
		     "jmp 2b\n"
		     ".popsection\n"
		     _ASM_EXTABLE(1b, 3b)
		     : "+r" (err), "=r" (v)
		     : "r" (usrc));
	dst[0] = v;
	return err;
}

__init int mod_b_init(void)
{
	mod_b_rings[0].mask = 15;
	mod_b_rings[1].mask = 15;
	return mod_b_xmit(&mod_b_rings[0], 1);
}

__exit void mod_b_exit(void)
{
	mod_b_rings[0].refs = 0;
}
