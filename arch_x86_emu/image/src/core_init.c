// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel __init text: kept at its own address range and freed once boot is over, which
 * kills every probe placed here.
 */
#include "kimage.h"

unsigned int f_small(unsigned int a, unsigned int b);

unsigned int f_boot_param;
unsigned long f_boot_table[8];

/* Straight-line setup code: optimizable windows in init text. */
__init void f_init_table(unsigned long base)
{
	f_boot_table[0] = base;
	f_boot_table[1] = base + 0x1000;
	f_boot_table[2] = base ^ 0x5a5a;
	f_boot_table[3] = base >> 12;
	f_boot_param = (unsigned int)base | 1;
}

/* Calls into core text. */
__init int f_init_setup(unsigned int param)
{
	unsigned int v = f_small(param, 3);

	f_init_table(v);
	return (int)(v & 0xff);
}
