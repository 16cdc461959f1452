/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The static globals of kernel/kprobes.c (and, in `arch`, of arch/x86/kernel/kprobes.c)
 * for one run.  The kernel has them as file-scope variables; kpsim has no global mutable
 * state, so they live in one object hung off the run's environment (env->port), and the
 * macros below let the port text keep the kernel's names.
 */
#ifndef KPSIM_MODEL_PORT_STATE_H
#define KPSIM_MODEL_PORT_STATE_H

#include "model/model.h"
#include "kprobes.h"

/* kernel/kprobes.c */
#define KPROBE_HASH_BITS 6
#define KPROBE_TABLE_SIZE (1 << KPROBE_HASH_BITS)

/* The five named entries of kprobe_blacklist[] plus its terminator. */
#define KPROBE_BLACKLIST_SIZE 6

/* Probe objects the descriptor can hand out per run (indexed by KpProbe.id). */
#define KP_PORT_MAX_PROBES 1024	/* in one batch call */

/* kernel/kprobes.c: the cache of executable slots on module_alloc() pages */
struct kprobe_insn_cache {
	struct list_head pages;	/* list of kprobe_insn_page */
	size_t insn_size;	/* size of instruction slot */
	int nr_garbage;
	/* model: which slot area module_alloc_slot_page() takes the pages from */
	int optinsn;
};

/*
 * The port's object behind a KpProbe (port.c): the struct the kernel's caller would own,
 * whose handlers call the scenario's user handlers through `user`.
 */
struct kp_port_probe {
	union {
		struct kprobe kp;	/* KP_PROBE_KPROBE */
		struct jprobe jp;	/* KP_PROBE_JPROBE */
		struct kretprobe rp;	/* KP_PROBE_KRETPROBE */
	};
	KpProbe *user;
};

struct kp_port_state {
	int kprobes_initialized;
	struct hlist_head kprobe_table[KPROBE_TABLE_SIZE];
	struct hlist_head kretprobe_inst_table[KPROBE_TABLE_SIZE];

	/* NOTE: change this value only with kprobe_mutex held */
	bool kprobes_all_disarmed;

	struct {
		spinlock_t lock;	/* ____cacheline_aligned_in_smp */
	} kretprobe_table_locks[KPROBE_TABLE_SIZE];

	/* protects kprobe_table and the optimizer's staging lists */
	struct mutex kprobe_mutex;
	struct kprobe *kprobe_instance[NR_CPUS];	/* DEFINE_PER_CPU */

	struct kprobe_blackpoint kprobe_blacklist[KPROBE_BLACKLIST_SIZE];

	struct mutex kprobe_insn_mutex;		/* protects kprobe_insn_slots */
	struct kprobe_insn_cache kprobe_insn_slots;
	struct mutex kprobe_optinsn_mutex;	/* protects kprobe_optinsn_slots */
	struct kprobe_insn_cache kprobe_optinsn_slots;

	/* NOTE: change this value only with kprobe_mutex held */
	bool kprobes_allow_optimization;

	/* Optimization staging list, protected by kprobe_mutex */
	struct list_head optimizing_list;
	struct delayed_work optimizing_work;

	/* /proc/sys/debug/kprobes-optimization */
	int sysctl_kprobes_optimization;

	/* model: the kprobe_optimizer() runs in progress, for the snapshot */
	unsigned optimizer_running;

	/* arch/x86/kernel/kprobes.c */
	struct kp_arch_state arch;

	/* port.c: the probes' objects, as many as the run has (KpEnv.n_probes) */
	unsigned n_probes;
	struct kp_port_probe probes[];
};

#define KP_STATE ((struct kp_port_state *)kp_env_current()->port)

#define kprobes_initialized (KP_STATE->kprobes_initialized)
#define kprobe_table (KP_STATE->kprobe_table)
#define kretprobe_inst_table (KP_STATE->kretprobe_inst_table)
#define kretprobe_table_locks (KP_STATE->kretprobe_table_locks)
#define kprobes_all_disarmed (KP_STATE->kprobes_all_disarmed)
#define kprobe_mutex (KP_STATE->kprobe_mutex)
#define kprobe_instance (KP_STATE->kprobe_instance)
#define kprobe_blacklist (KP_STATE->kprobe_blacklist)
#define kprobe_insn_mutex (KP_STATE->kprobe_insn_mutex)
#define kprobe_insn_slots (KP_STATE->kprobe_insn_slots)
#define kprobe_optinsn_mutex (KP_STATE->kprobe_optinsn_mutex)
#define kprobe_optinsn_slots (KP_STATE->kprobe_optinsn_slots)
#define kprobes_allow_optimization (KP_STATE->kprobes_allow_optimization)
#define optimizing_list (KP_STATE->optimizing_list)
#define optimizing_work (KP_STATE->optimizing_work)
#define sysctl_kprobes_optimization (KP_STATE->sysctl_kprobes_optimization)

/* include/linux/kprobes.h: kprobe_running() will just return the current_kprobe on this CPU */
static inline struct kprobe *kprobe_running(void)
{
	return __get_cpu_var(current_kprobe);
}

/* include/linux/kprobes.h: reset_current_kprobe() */
static inline void reset_current_kprobe(void)
{
	__get_cpu_var(current_kprobe) = NULL;
}

/* include/linux/kprobes.h: get_kprobe_ctlblk() */
static inline struct kprobe_ctlblk *get_kprobe_ctlblk(void)
{
	return &__get_cpu_var(per_cpu__kprobe_ctlblk);
}

#endif
