// SPDX-License-Identifier: GPL-2.0-only
/*
 * Module "mod_a": plainly optimizable core text, RIP-relative access to the module's own
 * data (the detour buffer must be within +-2 GB of it), an init function that calls into
 * both the module and the kernel, and an exit function in core text.
 */
#include "kimage.h"

unsigned int f_small(unsigned int a, unsigned int b);

struct mod_a_dev {
	uint64_t rx;
	uint64_t tx;
	uint32_t mtu;
	uint32_t irq;
};

static struct mod_a_dev mod_a_devs[4];
uint64_t mod_a_total;
uint32_t mod_a_gen;

noinline uint64_t mod_a_work(struct mod_a_dev *dev, uint64_t n)
{
	dev->rx += n;
	dev->tx += n >> 1;
	dev->mtu = 1500;
	dev->irq = (uint32_t)n ^ 0x20;
	return dev->rx - dev->tx;
}

noinline uint64_t mod_a_stat(uint64_t n)
{
	uint64_t t = mod_a_total + n;

	mod_a_total = t;
	mod_a_gen += 2;
	return t ^ mod_a_devs[1].rx;
}

__init int mod_a_init(void)
{
	uint64_t v = mod_a_work(&mod_a_devs[0], 64);

	mod_a_gen = f_small((unsigned int)v, 9);
	return 0;
}

__exit void mod_a_exit(void)
{
	mod_a_total = 0;
	mod_a_gen = 0;
}
