// SPDX-License-Identifier: GPL-2.0-only
/*
 * Text kprobes must refuse: two __kprobes functions (section .kprobes.text, as the int3 and
 * die-notifier paths were marked in 2.6.38) and two entries of that kernel's
 * kprobes_blacklist[] ("mcount", "native_get_debugreg"), refused by name and extent.
 */
#include "kimage.h"

int f_die_chain_len;

__kprobes int notify_die(int val, const char *str, long err)
{
	if (!str)
		return 0;
	f_die_chain_len += val;
	return (int)err + val;
}

__kprobes void do_int3(long *regs, long error_code)
{
	if (notify_die(1, "int3", error_code) == 0x8000)
		return;
	regs[16] -= 1;
}

/*
 * With dynamic ftrace every call site of mcount is a nop after boot; mcount itself is
 * just a return.
 */
noinline void mcount(void)
{
}

noinline unsigned long native_get_debugreg(int regno)
{
	unsigned long val = 0;

	switch (regno) {
	case 0:
		asm volatile("mov %%db0, %0" : "=r" (val));
		break;
	case 1:
		asm volatile("mov %%db1, %0" : "=r" (val));
		break;
	case 6:
		asm volatile("mov %%db6, %0" : "=r" (val));
		break;
	case 7:
		asm volatile("mov %%db7, %0" : "=r" (val));
		break;
	default:
		break;
	}
	return val;
}
