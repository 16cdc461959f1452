// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel functions touching global data and reserved text: RIP-relative operands, a
 * lock-prefixed instruction recorded for the SMP alternatives, a static branch (jump-label
 * site) and a user access with an exception-table entry.
 */
#include "kimage.h"

uint64_t f_counter;
uint64_t f_counter_max;
uint32_t f_events;
int f_refs;
struct jump_label_key f_key;

/* Global counters through RIP-relative operands (the jump copy must rewrite their disp32). */
noinline uint64_t f_rip_rel(uint64_t delta)
{
	uint64_t old = f_counter;

	f_counter = old + delta;
	f_events++;
	f_counter_max = 1ull << 20;
	return old;
}

/* atomic_inc() on a global: "lock addl $1, f_refs(%rip)" is 8 bytes, its lock byte reserved. */
noinline int f_lock(int *obj, int bias)
{
	*obj += bias;
	asm volatile(LOCK_PREFIX "addl $1, %0" : "+m" (f_refs) : : "memory");
	return *obj;
}

noinline int f_slow(int x);

/* A static branch in the middle of ordinary code. */
noinline int f_jump_label(int *obj, int x)
{
	obj[1] = x;
	obj[2] += 4;
	static_branch(&f_key, l_yes);
	return obj[0] + x;
l_yes:
	return f_slow(x);
}

noinline int f_slow(int x)
{
	return x * 7 - 1;
}

/*
 * get_user() of an int: the load may fault, the fixup sets -EFAULT and jumps back.  The
 * function containing it can never be optimized (can_optimize() looks for exception-table
 * entries), and a kprobe on the load itself is never boosted.
 */
noinline int f_get_user(int *dst, const int *uptr)
{
	int err = 0;
	int val;

	asm volatile("1:\tmovl (%2), %1\n"
		     "2:\n"
		     ".pushsection .fixup, \"ax\"\n"
		     "3:\tmovl $-14, %0\n\t"
		     "xorl %1, %1\n\t"
		     "jmp 2b\n"
		     ".popsection\n"
		     _ASM_EXTABLE(1b, 3b)
		     : "+r" (err), "=r" (val)
		     : "r" (uptr));
	*dst = val;
	return err;
}
