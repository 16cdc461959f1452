/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * arch/x86/include/asm/kprobes.h at the commit that names this folder (x86_64), plus
 * the x86 per-CPU variables of arch/x86/kernel/kprobes.c, which live in the port's
 * state.
 *
 * Text addresses are emulated addresses held in unsigned long (kprobe_opcode_t * in the
 * kernel).  The functions are static: the whole port is one translation unit.
 */
#ifndef KPSIM_MODEL_PORT_ASM_KPROBES_H
#define KPSIM_MODEL_PORT_ASM_KPROBES_H

#include "model/kernel/insn.h"
#include "model/kernel/kernel.h"
#include "model/kernel/ptrace.h"

#include <stddef.h>
#include <stdint.h>

struct pt_regs;
struct kprobe;
struct jprobe;
struct optimized_kprobe;
struct kretprobe_instance;
struct notifier_block;

typedef u8 kprobe_opcode_t;
#define BREAKPOINT_INSTRUCTION	0xcc
#define RELATIVEJUMP_OPCODE 0xe9
#define RELATIVEJUMP_SIZE 5
#define RELATIVECALL_OPCODE 0xe8
#define RELATIVE_ADDR_SIZE 4

#define flush_insn_slot(p)	do { } while (0)

/*
 * The detour template's length (optprobe_template_end - optprobe_template_entry); the
 * template itself is in arch_kprobes.c, which checks this against it.
 */
#define OPTPROBE_TEMPLATE_SIZE 24
#define MAX_OPTIMIZED_LENGTH (MAX_INSN_SIZE + RELATIVE_ADDR_SIZE)
#define MAX_OPTINSN_SIZE \
	(OPTPROBE_TEMPLATE_SIZE + MAX_OPTIMIZED_LENGTH + RELATIVEJUMP_SIZE)

/*
 * Model code placed in kernel text space, outside every text region: optimized_callback()
 * as a native function the detour buffers call, the int3 inside jprobe_return()
 * (jprobe_return itself is not emulated code; see arch_kprobes.c), and
 * kretprobe_trampoline, a native function a hijacked return reaches.
 */
#define KP_OPTIMIZED_CALLBACK_ADDR	0xffffffff81e00000UL
#define KP_KRETPROBE_TRAMPOLINE_ADDR	0xffffffff81e00080UL
#define KP_JPROBE_RETURN_ADDR		0xffffffff81e00040UL
/* jprobe_return: xchg %rbx,%rsp (3 bytes), int3, then jprobe_return_end */
#define KP_JPROBE_RETURN_INT3		(KP_JPROBE_RETURN_ADDR + 3)
#define KP_JPROBE_RETURN_END		(KP_JPROBE_RETURN_INT3 + 1)

static void arch_remove_kprobe(struct kprobe *p);
static void arch_prepare_kretprobe(struct kretprobe_instance *ri, struct pt_regs *regs);

/* Architecture specific copy of original instruction */
struct arch_specific_insn {
	/* slot address of the copy of the original instruction */
	unsigned long insn;
	/*
	 * boostable = -1: This instruction type is not boostable.
	 * boostable = 0: This instruction type is boostable.
	 * boostable = 1: This instruction has been boosted: a relative jump follows the
	 * copy in insn, so no single-step and fixup are needed (unless there is a post
	 * handler or a break handler).
	 */
	int boostable;
};

struct arch_optimized_insn {
	/* the original bytes the jump's displacement replaces */
	kprobe_opcode_t copied_insn[RELATIVE_ADDR_SIZE];
	/* slot address of the detour buffer */
	unsigned long insn;
	/* the size of instructions copied to detour code buffer */
	size_t size;
};

/* Return true (!0) if optinsn is prepared for optimization. */
static inline int arch_prepared_optinsn(struct arch_optimized_insn *optinsn)
{
	return optinsn->size != 0;
}

struct prev_kprobe {
	struct kprobe *kp;
	unsigned long status;
	unsigned long old_flags;
	unsigned long saved_flags;
};

/*
 * The jprobe argument area: at most MAX_STACK_SIZE bytes above the stack pointer, not
 * past the top of the task's stack (THREAD_SIZE above current_thread_info()).
 */
#define MAX_STACK_SIZE 64
#define THREAD_SIZE EMU_STACK_SIZE
#define current_thread_info() kp_current_thread_info()
#define MIN_STACK_SIZE(ADDR)					       \
	(((MAX_STACK_SIZE) < (((unsigned long)current_thread_info()) + \
			      THREAD_SIZE - (unsigned long)(ADDR)))    \
	 ? (MAX_STACK_SIZE)					       \
	 : (((unsigned long)current_thread_info()) +		       \
	    THREAD_SIZE - (unsigned long)(ADDR)))

/* per-cpu kprobe control block */
struct kprobe_ctlblk {
	unsigned long kprobe_status;
	unsigned long kprobe_old_flags;
	unsigned long kprobe_saved_flags;
	unsigned long jprobe_saved_sp;
	struct pt_regs jprobe_saved_regs;
	kprobe_opcode_t jprobes_stack[MAX_STACK_SIZE];
	struct prev_kprobe prev_kprobe;
	/* model: the jprobe whose entry setjmp_pre_handler sent this CPU to */
	struct jprobe *jprobe_entry;
};

static int kprobe_fault_handler(struct pt_regs *regs, int trapnr);
static int kprobe_exceptions_notify(struct notifier_block *self, unsigned long val,
				    void *data);

/* How many prepared optimized_kprobes a run can have alive at once. */
#define KP_ARCH_MAX_OPTPROBES 2048

/*
 * The value the detour template loads into its first argument register stands for an
 * optimized_kprobe.  Emulated text must not hold host pointers (runs would differ), so
 * it holds the op's allocation number, and this table maps it back.
 */
struct kp_optprobe_id {
	u64 id;				/* sim_alloc_id(op); 0: free entry */
	struct optimized_kprobe *op;
};

/*
 * kretprobe_blacklist[]: functions a kretprobe must not probe.  init_kprobes() resolves
 * their addresses, so the table is per-run state (struct kretprobe_blackpoint comes
 * from kprobes.h, which defines it before including this file).
 */
#define KRETPROBE_BLACKLIST_SIZE 2
#define kretprobe_blacklist_size KRETPROBE_BLACKLIST_SIZE
static struct kretprobe_blackpoint *kp_kretprobe_blacklist(void);

/* The per-CPU variables and other state of arch/x86/kernel/kprobes.c for one run. */
struct kp_arch_state {
	struct kprobe *current_kprobe[NR_CPUS];		/* DEFINE_PER_CPU */
	struct kprobe_ctlblk kprobe_ctlblk[NR_CPUS];	/* DEFINE_PER_CPU */
	struct kretprobe_blackpoint kretprobe_blackpoints[KRETPROBE_BLACKLIST_SIZE];
	unsigned n_optprobe_ids;	/* entries ever used: the scans stop there */
	struct kp_optprobe_id optprobe_ids[KP_ARCH_MAX_OPTPROBES];
};

/*
 * The kernel's names for the per-CPU variables.  The control block's variable shares
 * its name with its struct tag, which an object-like macro would rename too, so it goes
 * by the name 2.6.3x gave the per-CPU symbol itself: __get_cpu_var(per_cpu__kprobe_ctlblk).
 */
#define current_kprobe (KP_STATE->arch.current_kprobe)
#define per_cpu__kprobe_ctlblk (KP_STATE->arch.kprobe_ctlblk)
#define kretprobe_blacklist (kp_kretprobe_blacklist())

#endif
