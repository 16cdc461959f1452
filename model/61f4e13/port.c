// SPDX-License-Identifier: GPL-2.0-only
/*
 * A kernel port as one translation unit: the generic kprobes code, the x86 part, the
 * glue every port shares (model/port_glue.c), and what is this port's own: the hooks for
 * its staging lists and its descriptor.  The descriptor is the only symbol visible
 * outside this object, so that several ports link into one binary.
 */
#include "kprobes.c"
#include "arch_kprobes.c"
#include "model/port_glue.c"

/* The optimizer frees nothing through a local list. */
static bool port_optimizer_freeing(KpEnv *env)
{
	return false;
}

/* optimizing_list is the only staging list. */
static uint8_t port_snap_list_other(struct kp_port_state *st, struct optimized_kprobe *op)
{
	return KP_SNAP_LIST_UNKNOWN;
}

/* No unoptimizing list and no optimizer free list: n_unoptimizing, n_freeing stay 0. */
static void port_snap_lists_other(KpEnv *env, struct kp_port_state *st, KpSnapshot *out)
{
}

/* A variant (model/variants/) built on this port gives its own descriptor instead. */
#ifndef KP_VARIANT
const KpModel kp_model_6274de4_parent = {
	.name = "6274de4^",
	.commit = "61f4e13ffd85c037a942c5b7fd13f2b0c3162862",
	.title = "kprobes: Separate kprobe optimizing code from optimizer",
	KP_PORT_ENTRY_POINTS
};
#endif

