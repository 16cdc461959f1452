/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * struct pt_regs (arch/x86/include/asm/ptrace.h, x86_64) and its mapping onto a vCPU.
 *
 * The emulated CPU has ip, IF, TF and a stack (arch_x86_emu/cpu.h), so a trap frame
 * built from it carries ip, flags (IF, TF and the always-one bit 1) and the stack
 * pointer; the general registers are there for the kernel code that names them and
 * stay 0.  The words at sp (the return address at a function's entry, the flags a
 * single-stepped pushf pushed, the jprobe argument area) are the task's stack memory,
 * which kp_stack() maps for the ported code to read and write through.  Version
 * independent.
 */
#ifndef KPSIM_MODEL_KERNEL_PTRACE_H
#define KPSIM_MODEL_KERNEL_PTRACE_H

#include "arch_x86_emu/cpu.h"

#include <stdbool.h>

/* arch/x86/include/asm/processor-flags.h */
#define X86_EFLAGS_FIXED	0x00000002UL	/* bit 1 always reads as one */
#define X86_EFLAGS_TF		0x00000100UL	/* trap flag */
#define X86_EFLAGS_IF		0x00000200UL	/* interrupt flag */

/* arch/x86/include/asm/segment.h (x86_64) */
#define __KERNEL_CS		0x10

struct pt_regs {
	unsigned long r15;
	unsigned long r14;
	unsigned long r13;
	unsigned long r12;
	unsigned long bp;
	unsigned long bx;
	unsigned long r11;
	unsigned long r10;
	unsigned long r9;
	unsigned long r8;
	unsigned long ax;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
	unsigned long ip;
	unsigned long cs;
	unsigned long flags;
	unsigned long sp;
	unsigned long ss;
};

/* Kernel mode is the only mode the vCPUs run in. */
static inline int user_mode_vm(struct pt_regs *regs)
{
	(void)regs;
	return 0;
}

static inline unsigned long kernel_stack_pointer(struct pt_regs *regs)
{
	return regs->sp;
}

/* A trap frame (or a detour's saved frame) from the vCPU's current context. */
static inline void kp_regs_from_cpu(struct pt_regs *regs, const EmuCpu *cpu)
{
	*regs = (struct pt_regs){ 0 };
	regs->ip = emu_cpu_ip(cpu);
	regs->cs = __KERNEL_CS;
	regs->flags = X86_EFLAGS_FIXED;
	if (emu_cpu_if(cpu))
		regs->flags |= X86_EFLAGS_IF;
	if (emu_cpu_tf(cpu))
		regs->flags |= X86_EFLAGS_TF;
	regs->sp = emu_cpu_rsp(cpu);
	regs->orig_ax = ~0UL;
}

/* Resume the trap frame as the handler left it: ip, IF and TF (only in a trap hook). */
static inline void kp_regs_to_cpu(const struct pt_regs *regs, EmuCpu *cpu)
{
	emu_cpu_set_ip(cpu, regs->ip);
	emu_cpu_set_if(cpu, (regs->flags & X86_EFLAGS_IF) != 0);
	emu_cpu_set_tf(cpu, (regs->flags & X86_EFLAGS_TF) != 0);
}

/*
 * The running task's stack memory at addr, len bytes, where the kernel dereferences a
 * stack address (stack_addr(regs), the jprobe argument area); NULL outside the stack.
 */
static inline void *kp_stack_mem(EmuCpu *cpu, unsigned long addr, size_t len)
{
	return emu_cpu_stack_mem(cpu, addr, len);
}

#endif
