/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * include/linux/kprobes.h at the commit that names this folder, for CONFIG_KPROBES,
 * CONFIG_KRETPROBES and CONFIG_OPTPROBES on x86_64.
 *
 * Text addresses (the probe point, instruction slots, a jprobe's entry) are emulated
 * addresses held in unsigned long, never host pointers: the kernel's kprobe_opcode_t *
 * becomes unsigned long and NULL becomes 0.
 *
 * The whole port is one translation unit (port.c), so the kernel's extern API is
 * declared static here.  The arch functions are defined by arch_kprobes.c, which port.c
 * includes after kprobes.c.
 */
#ifndef KPSIM_MODEL_PORT_KPROBES_H
#define KPSIM_MODEL_PORT_KPROBES_H

#include "model/kernel/kernel.h"

/*
 * Defined ahead of asm_kprobes.h: x86's kretprobe_blacklist[] is per-run state (init_kprobes
 * resolves its addresses), so the arch state that holds it needs the complete type.
 */
struct kretprobe_blackpoint {
	const char *name;
	unsigned long addr;
};

#include "asm_kprobes.h"

/* kprobe_status settings */
#define KPROBE_HIT_ACTIVE	0x00000001
#define KPROBE_HIT_SS		0x00000002
#define KPROBE_REENTER		0x00000004
#define KPROBE_HIT_SSDONE	0x00000008

struct kprobe;
struct pt_regs;
struct kretprobe;
struct kretprobe_instance;
typedef int (*kprobe_pre_handler_t) (struct kprobe *, struct pt_regs *);
typedef int (*kprobe_break_handler_t) (struct kprobe *, struct pt_regs *);
typedef void (*kprobe_post_handler_t) (struct kprobe *, struct pt_regs *,
				       unsigned long flags);
typedef int (*kprobe_fault_handler_t) (struct kprobe *, struct pt_regs *,
				       int trapnr);
typedef int (*kretprobe_handler_t) (struct kretprobe_instance *,
				    struct pt_regs *);

struct kprobe {
	/* node in a kprobe_table bucket (only the probe that is in the hash) */
	struct hlist_node hlist;

	/* an aggregate's child list head, or a child's node in it */
	struct list_head list;

	/* hits whose handlers were skipped because another kprobe was running */
	unsigned long nmissed;

	/* the probe point (emulated text address) */
	unsigned long addr;

	/* the user may give the probe point as a symbol name ... */
	const char *symbol_name;

	/* ... plus an offset into it */
	unsigned int offset;

	/* runs before the instruction at addr */
	kprobe_pre_handler_t pre_handler;

	/* runs after the instruction at addr was single-stepped */
	kprobe_post_handler_t post_handler;

	/*
	 * Runs when the single-stepped instruction or a handler faults; returns 1 if it
	 * handled the fault.
	 */
	kprobe_fault_handler_t fault_handler;

	/*
	 * Runs when a breakpoint trap happens inside a probe handler (the jprobe return);
	 * returns 1 if it handled it.
	 */
	kprobe_break_handler_t break_handler;

	/* the original first byte, which the breakpoint replaced */
	kprobe_opcode_t opcode;

	/* the copy of the probed instruction */
	struct arch_specific_insn ainsn;

	/* KPROBE_FLAG_*; changed only under kprobe_mutex once registered */
	u32 flags;
};

/* Kprobe status flags */
#define KPROBE_FLAG_GONE	1 /* the probed text has been freed */
#define KPROBE_FLAG_DISABLED	2 /* the probe is temporarily disabled */
#define KPROBE_FLAG_OPTIMIZED	4 /*
				   * the probe runs through the jump; meaningful only on
				   * an optimized_kprobe
				   */

/* kprobe_gone */
static inline int kprobe_gone(struct kprobe *p)
{
	return p->flags & KPROBE_FLAG_GONE;
}

/* kprobe_disabled: a gone probe counts as disabled */
static inline int kprobe_disabled(struct kprobe *p)
{
	return p->flags & (KPROBE_FLAG_DISABLED | KPROBE_FLAG_GONE);
}

/* kprobe_optimized */
static inline int kprobe_optimized(struct kprobe *p)
{
	return p->flags & KPROBE_FLAG_OPTIMIZED;
}

/*
 * A jprobe: its pre handler diverts execution to `entry`, code with the probed
 * function's prototype, which returns through jprobe_return()'s breakpoint.
 */
struct jprobe {
	struct kprobe kp;
	unsigned long entry;	/* emulated address of the handler code */
};

/*
 * A function-return probe: `handler` runs when the probed function returns, through
 * the return address its entry probe replaced.  `maxactive` instances (calls in flight
 * at once) are allocated at registration; a hit with none free counts in `nmissed`.
 */
struct kretprobe {
	struct kprobe kp;
	kretprobe_handler_t handler;
	kretprobe_handler_t entry_handler;
	int maxactive;
	int nmissed;
	size_t data_size;
	struct hlist_head free_instances;
	spinlock_t lock;
};

struct kretprobe_instance {
	struct hlist_node hlist;
	struct kretprobe *rp;
	unsigned long ret_addr;	/* kprobe_opcode_t *: an emulated text address */
	struct task_struct *task;
	char data[];
};

/* kretprobe_assert */
static inline void kretprobe_assert(struct kretprobe_instance *ri,
	unsigned long orig_ret_address, unsigned long trampoline_address)
{
	if (!orig_ret_address || (orig_ret_address == trampoline_address)) {
		/* model: ri may be NULL here (no instance of this task); the kernel's
		 * printk dereferences it, the model does not */
		printk("kretprobe BUG!: Processing kretprobe %p @ %#lx\n",
		       ri ? (void *)ri->rp : NULL, ri && ri->rp ? ri->rp->kp.addr : 0);
		BUG();
	}
}

struct kprobe_blackpoint {
	const char *name;
	unsigned long start_addr;
	unsigned long range;
};

/*
 * kprobe_running(), reset_current_kprobe() and get_kprobe_ctlblk() read the x86 per-CPU
 * variables, which live in the port's state: they are defined in state.h.
 */

/* arch/x86/kernel/kprobes.c (arch_kprobes.c), used by kernel/kprobes.c */
static int arch_trampoline_kprobe(struct kprobe *p);
static int arch_prepare_kprobe(struct kprobe *p);
static void arch_arm_kprobe(struct kprobe *p);
static void arch_disarm_kprobe(struct kprobe *p);
static int arch_init_kprobes(void);
static int setjmp_pre_handler(struct kprobe *, struct pt_regs *);
static int longjmp_break_handler(struct kprobe *, struct pt_regs *);

/* kernel/kprobes.c, used by arch/x86/kernel/kprobes.c */
static unsigned long get_insn_slot(void);
static void free_insn_slot(unsigned long slot, int dirty);
static void kprobes_inc_nmissed_count(struct kprobe *p);
static void recycle_rp_inst(struct kretprobe_instance *ri, struct hlist_head *head);
static void kretprobe_hash_lock(struct task_struct *tsk,
				struct hlist_head **head, unsigned long *flags);
static void kretprobe_hash_unlock(struct task_struct *tsk, unsigned long *flags);
static void kprobe_flush_task(struct task_struct *tk);

/*
 * Internal structure for direct jump optimized probe: every aggregate is one
 * (CONFIG_OPTPROBES), whether or not its detour buffer could be prepared.
 */
struct optimized_kprobe {
	struct kprobe kp;
	struct list_head list;	/* node on one of the staging lists (kernel/kprobes.c) */
	struct arch_optimized_insn optinsn;
};

/* Architecture dependent functions for direct jump optimization */
static int arch_check_optimized_kprobe(struct optimized_kprobe *op);
static int arch_prepare_optimized_kprobe(struct optimized_kprobe *op);
static void arch_remove_optimized_kprobe(struct optimized_kprobe *op);
static int arch_optimize_kprobe(struct optimized_kprobe *op);
static void arch_unoptimize_kprobe(struct optimized_kprobe *op);
static unsigned long get_optinsn_slot(void);
static void free_optinsn_slot(unsigned long slot, int dirty);
static int arch_within_optimized_kprobe(struct optimized_kprobe *op,
					unsigned long addr);

static void opt_pre_handler(struct kprobe *p, struct pt_regs *regs);

/* Get the kprobe at this addr (if any) - called with preemption disabled */
static struct kprobe *get_kprobe(unsigned long addr);

static int register_kprobe(struct kprobe *p);
static void unregister_kprobe(struct kprobe *p);
static int register_kprobes(struct kprobe **kps, int num);
static void unregister_kprobes(struct kprobe **kps, int num);
static int register_jprobe(struct jprobe *p);
static void unregister_jprobe(struct jprobe *p);
static int register_jprobes(struct jprobe **jps, int num);
static void unregister_jprobes(struct jprobe **jps, int num);
static unsigned long arch_deref_entry_point(unsigned long entry);

static int register_kretprobe(struct kretprobe *rp);
static void unregister_kretprobe(struct kretprobe *rp);
static int register_kretprobes(struct kretprobe **rps, int num);
static void unregister_kretprobes(struct kretprobe **rps, int num);

static int disable_kprobe(struct kprobe *kp);
static int enable_kprobe(struct kprobe *kp);

static void dump_kprobe(struct kprobe *kp);

static inline int disable_kretprobe(struct kretprobe *rp)
{
	return disable_kprobe(&rp->kp);
}
static inline int enable_kretprobe(struct kretprobe *rp)
{
	return enable_kprobe(&rp->kp);
}
static inline int disable_jprobe(struct jprobe *jp)
{
	return disable_kprobe(&jp->kp);
}
static inline int enable_jprobe(struct jprobe *jp)
{
	return enable_kprobe(&jp->kp);
}

#endif
