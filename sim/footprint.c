// SPDX-License-Identifier: GPL-2.0-only
#include "sim/footprint.h"

#include <assert.h>
#include <stdio.h>

const SimFootprint sim_fp_none = { .n = 0 };
const SimFootprint sim_fp_clock_tick = {
	.n = 1, .acc = { { SIM_RES_CLOCK, SIM_ACC_WRITE, 0, 1 } },
};
const SimFootprint sim_fp_global = {
	.n = 1, .acc = { { SIM_RES_GLOBAL, SIM_ACC_WRITE, 0, 1 } },
};

void sim_fp_add(SimFootprint *fp, SimResClass cls, int mode, uint64_t lo, uint64_t hi)
{
	assert(fp->n < SIM_FP_MAX);
	assert(cls > 0 && cls < SIM_RES_CLASSES);
	assert(mode == SIM_ACC_READ || mode == SIM_ACC_WRITE);
	assert(lo < hi);
	fp->acc[fp->n++] = (SimAccess){ (uint8_t)cls, (uint8_t)mode, lo, hi };
}

static bool access_conflict(const SimAccess *x, const SimAccess *y)
{
	if (x->cls == SIM_RES_GLOBAL || y->cls == SIM_RES_GLOBAL)
		return true;
	if (x->cls != y->cls)
		return false;
	if (x->mode == SIM_ACC_READ && y->mode == SIM_ACC_READ)
		return false;
	return x->lo < y->hi && y->lo < x->hi;
}

bool sim_fp_conflict(const SimFootprint *a, const SimFootprint *b)
{
	assert(a->n <= SIM_FP_MAX && b->n <= SIM_FP_MAX);
	for (unsigned i = 0; i < a->n; i++)
		for (unsigned j = 0; j < b->n; j++)
			if (access_conflict(&a->acc[i], &b->acc[j]))
				return true;
	return false;
}

static const char *const class_names[SIM_RES_CLASSES] = {
	[SIM_RES_LOCK] = "lock",
	[SIM_RES_OBJ] = "obj",
	[SIM_RES_TEXT] = "text",
	[SIM_RES_CLOCK] = "clock",
	[SIM_RES_RCU] = "rcu",
	[SIM_RES_WORK] = "work",
	[SIM_RES_COMPLETION] = "completion",
	[SIM_RES_VCPU] = "vcpu",
	[SIM_RES_GLOBAL] = "global",
};

void sim_fp_format(const SimFootprint *fp, char *buf, size_t size)
{
	size_t used = 0;

	assert(size > 0);
	buf[0] = '\0';
	for (unsigned i = 0; i < fp->n && used < size; i++) {
		const SimAccess *a = &fp->acc[i];
		const char *sep = i ? ", " : "";
		char m = a->mode == SIM_ACC_WRITE ? 'W' : 'R';
		int w;

		if (a->cls == SIM_RES_TEXT)
			w = snprintf(buf + used, size - used, "%s%c text[0x%llx,0x%llx)", sep, m,
				     (unsigned long long)a->lo, (unsigned long long)a->hi);
		else if (a->hi == a->lo + 1)
			w = snprintf(buf + used, size - used, "%s%c %s#%llu", sep, m,
				     class_names[a->cls], (unsigned long long)a->lo);
		else
			w = snprintf(buf + used, size - used, "%s%c %s#%llu..%llu", sep, m,
				     class_names[a->cls], (unsigned long long)a->lo,
				     (unsigned long long)(a->hi - 1));
		if (w < 0)
			break;
		used += (size_t)w;
	}
}
