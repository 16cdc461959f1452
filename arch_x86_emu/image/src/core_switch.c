// SPDX-License-Identifier: GPL-2.0-only
/*
 * Indirect jumps.  This file is the one compiled with -fjump-tables, so the switch becomes
 * "jmp *table(,%reg,8)" (FF /4); the tail call through a function pointer is "jmp *%reg".
 * can_optimize() refuses every probe in a function that contains an indirect jump, since
 * it cannot know where such a jump lands.
 */
#include "kimage.h"

noinline long f_switch(unsigned int op, long a, long b)
{
	switch (op) {
	case 0:
		return a + b;
	case 1:
		return a - b;
	case 2:
		return a * b;
	case 3:
		return a & ~b;
	case 4:
		return a | (b << 3);
	case 5:
		return a ^ b;
	case 6:
		return (a << 1) - b;
	case 7:
		return -a;
	default:
		return -22;
	}
}

struct f_ops {
	long (*handler)(long arg);
	long bias;
};

/* ops->handler(arg + ops->bias) as a tail call: "jmp *%rax". */
noinline long f_tail_ptr(const struct f_ops *ops, long arg)
{
	return ops->handler(arg + ops->bias);
}
