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

/* The state's names that came with delayed unoptimization (port_glue.c ends the rest). */
#undef unoptimizing_list
#undef optimizer_comp

/* The ops a kprobe_optimizer() run unhashed wait on its local free list. */
static bool port_optimizer_freeing(KpEnv *env)
{
	struct kp_port_state *st = env->port;

	for (unsigned i = 0; i < NR_CPUS; i++)
		if (st->optimizer_free_list[i] && !list_empty(st->optimizer_free_list[i]))
			return true;
	return false;
}

/* unoptimizing_list, or a kprobe_optimizer() run's local free list. */
static uint8_t port_snap_list_other(struct kp_port_state *st, struct optimized_kprobe *op)
{
	unsigned i;

	if (snap_on_list(&st->unoptimizing_list, &op->list))
		return KP_SNAP_LIST_UNOPTIMIZING;
	for (i = 0; i < NR_CPUS; i++)
		if (st->optimizer_free_list[i] &&
		    snap_on_list(st->optimizer_free_list[i], &op->list))
			return KP_SNAP_LIST_FREEING;
	return KP_SNAP_LIST_UNKNOWN;
}

/* The ops a kprobe_optimizer() run has unhashed but not freed yet are on no other list. */
static void port_snap_lists_other(KpEnv *env, struct kp_port_state *st, KpSnapshot *out)
{
	struct optimized_kprobe *op;
	unsigned i;

	for (i = 0; i < NR_CPUS; i++) {
		if (!st->optimizer_free_list[i])
			continue;
		list_for_each_entry(op, struct optimized_kprobe, st->optimizer_free_list[i], list) {
			KpSnapEntry *e;

			out->n_freeing++;
			if (out->n_entries == KP_SNAP_MAX_ENTRIES)
				continue;
			e = kp_snapshot_add_entry(out);
			snap_entry(env, st, &op->kp, false, e);
			e->list = KP_SNAP_LIST_FREEING;
		}
	}
	list_for_each_entry(op, struct optimized_kprobe, &st->unoptimizing_list, list)
		out->n_unoptimizing++;
}

/* A variant (model/variants/) built on this port gives its own descriptor instead. */
#ifndef KP_VARIANT
const KpModel kp_model_6274de4 = {
	.name = "6274de4",
	.commit = "6274de4984a630b45c6934b3ee62e5692c745328",
	.title = "kprobes: Support delayed unoptimizing",
	KP_PORT_ENTRY_POINTS
};
#endif

