/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A read-only, version-independent picture of a port's state: what the checker judges.
 * Each port fills it from its own structures (KpModel.snapshot); nothing here points into
 * the port, so a snapshot stays valid while the port changes.
 */
#ifndef KPSIM_MODEL_SNAPSHOT_H
#define KPSIM_MODEL_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Room for one aggregate per probe of a full run, and its slots. */
#define KP_SNAP_MAX_ENTRIES 2048
#define KP_SNAP_MAX_CHILDREN 16
#define KP_SNAP_MAX_SLOTS 4096

/* struct kprobe flags (include/linux/kprobes.h; the same in every port so far). */
#define KP_SNAP_GONE 1u
#define KP_SNAP_DISABLED 2u
#define KP_SNAP_OPTIMIZED 4u

typedef enum {
	KP_SNAP_LIST_NONE,		/* op->list empty: not queued */
	KP_SNAP_LIST_OPTIMIZING,
	KP_SNAP_LIST_UNOPTIMIZING,
	KP_SNAP_LIST_FREEING,		/* an optimizer's local free list */
	KP_SNAP_LIST_UNKNOWN,		/* non-empty but on none of the above */
} KpSnapList;

typedef struct {
	uint64_t addr;
	bool hashed;		/* false only for FREEING entries */
	bool aggr;		/* kprobe_aggrprobe() */
	bool optready;		/* aggregate with optinsn.size != 0 */
	uint32_t flags;		/* KP_SNAP_* */
	uint8_t list;		/* KpSnapList (aggregates) */
	bool post_handler;	/* pointer set on this entry */
	bool break_handler;
	uint32_t opt_size;	/* optinsn.size */
	uint64_t detour;	/* optinsn.insn, 0 if none */
	uint64_t ss_slot;	/* ainsn.insn, 0 if none */
	int boostable;
	uint8_t copied_insn[4];
	uint64_t alloc_id;	/* of the aggregate (0: the user's own struct) */
	int probe;		/* KpProbe id of an independent probe, -1 for an aggregate */
	unsigned n_children;
	int children[KP_SNAP_MAX_CHILDREN];	/* KpProbe ids in list order (-1: unknown) */
	uint32_t child_flags[KP_SNAP_MAX_CHILDREN];
	bool child_post[KP_SNAP_MAX_CHILDREN];
	bool child_break[KP_SNAP_MAX_CHILDREN];
} KpSnapEntry;

typedef enum {
	KP_SLOT_CLEAN,
	KP_SLOT_DIRTY,
	KP_SLOT_USED,
} KpSlotState;

typedef struct {
	uint64_t addr;
	uint8_t state;		/* KpSlotState */
	bool optinsn;		/* a detour slot (else a single-step slot) */
} KpSnapSlot;

/* Only the first n_entries entries and n_slots slots are meaningful. */
typedef struct {
	unsigned n_entries;
	unsigned n_optimizing, n_unoptimizing, n_freeing;
	bool kprobe_mutex_held;		/* by anyone */
	bool all_disarmed;		/* kprobes_all_disarmed */
	bool allow_optimization;	/* kprobes_allow_optimization */
	bool work_pending;		/* delayed_work_pending(&optimizing_work) */
	unsigned optimizer_running;	/* kprobe_optimizer instances inside the function */
	unsigned n_slots;
	uint64_t current_kprobe[16];	/* per vCPU: the running probe's address, 0 if none */
	unsigned n_rp_free;		/* kretprobe instances on their kretprobes' free lists */
	unsigned n_rp_in_flight;	/* ... and in kretprobe_inst_table */
	/* The arrays last: a snapshot is taken often, and only their used part is written. */
	KpSnapSlot slots[KP_SNAP_MAX_SLOTS];
	KpSnapEntry entries[KP_SNAP_MAX_ENTRIES];	/* hashed (bucket order), then freeing */
} KpSnapshot;

/* Empty: the counts and flags zeroed, the arrays left as they are (nothing used). */
static inline void kp_snapshot_reset(KpSnapshot *s)
{
	memset(s, 0, offsetof(KpSnapshot, slots));
}

/* The next entry, zeroed (the caller checked there is room). */
static inline KpSnapEntry *kp_snapshot_add_entry(KpSnapshot *s)
{
	KpSnapEntry *e = &s->entries[s->n_entries++];

	memset(e, 0, sizeof(*e));
	return e;
}

#endif
