// SPDX-License-Identifier: GPL-2.0-only
/*
 * Functions built with -pg, like all traceable kernel code of 2.6.38: gcc emits
 * "call mcount" after the frame setup and records the site in __mcount_loc.  At boot,
 * ftrace replaces each call by a 5-byte nop and reserves those 5 bytes; the generator
 * does the same replacement.
 */
#include "kimage.h"

extern uint64_t f_counter;

noinline uint64_t f_traced(uint64_t *slot, uint64_t v)
{
	uint64_t old = *slot;

	*slot = old + v;
	return old ^ f_counter;
}

noinline int f_traced_small(int a, int b)
{
	return (a << 4) - b;
}
