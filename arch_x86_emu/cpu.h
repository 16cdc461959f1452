/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vCPU executor: runs emulated text one instruction per decision point, raises the
 * int3 and debug traps into hooks of the layer above, calls native C functions placed at
 * text addresses, and delivers interrupts where the scheduler chooses.
 *
 * Only control flow is emulated: the instruction pointer, IF, TF, a small stack of
 * return addresses and a stack of interrupted contexts.  There are no general registers
 * and no data memory, so conditional branches follow a policy (never taken, or a
 * scheduler choice), indirect calls are skipped and indirect jumps end the current
 * function.  docs/emulated-hardware.md explains each approximation.
 *
 * Every instruction is one step declared as reading text[ip, ip + 16) and the vCPU's
 * IRQ state, so a vCPU fetching unmodified text commutes with everything but writes to
 * those bytes and IRQs raised on it.  The fetch happens atomically inside that step and
 * is checked (emu_text_fetch); a failed check is a fatal SIM_V_CPU violation:
 *   cpu-wild          the address is not loaded text
 *   cpu-fetch-freed   freed text, a freed slot page, or a dead slot range
 *   cpu-bad-boundary  not an original instruction boundary, or inside a multi-byte write
 *                     still in effect (the rel32 of an installed jump)
 *   cpu-torn          the bytes are neither the original instruction, nor 0xCC, nor E9 rel32
 *   cpu-undecodable   live slot bytes the decoder rejects
 *   cpu-unhandled-int3, cpu-unhandled-debug   a trap no hook claimed
 *
 * One machine belongs to one run, like its text segment.
 */
#ifndef KPSIM_EMU_CPU_H
#define KPSIM_EMU_CPU_H

#include "arch_x86_emu/text.h"
#include "sim/types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Return addresses one vCPU keeps; a call beyond this depth is skipped (not followed). */
#define EMU_CALL_DEPTH 32
/*
 * Each task has its own kernel stack of EMU_STACK_SIZE bytes (THREAD_SIZE on x86_64):
 * task k's is [EMU_STACK_AREA + k * EMU_STACK_SIZE, + EMU_STACK_SIZE), and rsp starts
 * EMU_STACK_ENTRY bytes below its top (what the entry code keeps above the first frame).
 * Calls and returns, pushf/popf and the words a trap handler reads or writes
 * through emu_cpu_stack_mem() live there; pushes of general registers are not modelled
 * (there are no general registers), so they leave rsp alone.
 */
#define EMU_STACK_SIZE 8192u
#define EMU_STACK_ENTRY 64u
#define EMU_STACK_AREA 0xffff880000000000ULL
/*
 * The return address emu_cpu_call and interrupt entry push: the code that called into
 * the emulated function.  A `ret` that pops it ends the context.  No text is there.
 */
#define EMU_CALLER_RETURN 0xffffffffffe01000ULL
/*
 * Where a single-stepped call the vCPU cannot follow (an indirect call, a target outside
 * the image) goes: the callee, unknown, returns at once after the single-step trap.
 */
#define EMU_UNKNOWN_CALLEE 0xffffffffffe00000ULL
/* Nested interrupted contexts (IRQ delivered while an IRQ handler runs with IF set). */
#define EMU_IRQ_DEPTH 4
/* Taken backward branches per top-level call under EMU_BRANCH_CHOICE, by default. */
#define EMU_DEFAULT_BACKWARD_TAKEN 2
/* The ip a debug hook sees after a `ret` that left the outermost function: none. */
#define EMU_IP_RETURNED 0

typedef struct EmuMachine EmuMachine;
typedef struct EmuCpu EmuCpu;

/*
 * int3 trap: called in the step of the 0xCC instruction with ip = its address + 1 (as
 * x86 pushes it), in_trap set and interrupts off.  While it runs, the ip/IF/TF
 * accessors address the trap frame - the context resumed when the hook returns, the
 * kernel's regs->ip and regs->flags.  Return true when handled (the hook has set the
 * frame: ip, IF, TF); false is fatal "cpu-unhandled-int3".  The step's footprint (the
 * fetch's) covers the hook only up to its first decision point: a hook that reads the
 * text at the trap address after one declares that read there itself (the ports'
 * kp_int3_hook does).
 */
typedef bool (*EmuInt3Hook)(EmuMachine *m, EmuCpu *cpu, void *user);
/*
 * Debug (single-step) trap: called after an instruction that started with TF set, with
 * ip at the next instruction and the same frame semantics as int3.  The hook clears TF
 * when the single-step is over.
 */
typedef void (*EmuDebugHook)(EmuMachine *m, EmuCpu *cpu, void *user);
/*
 * A native function: C code standing at a text address.  It runs when a call targets
 * that address or ip reaches it, may yield, and then control returns as if by `ret`.
 */
typedef void (*EmuNativeFn)(EmuMachine *m, EmuCpu *cpu, void *user);

/*
 * Called in the step of every instruction fetched from kernel or module text (not slot
 * memory), after the fetch checks passed and before the instruction takes effect: an
 * observer of which code the CPUs run (a checker counting passes through probed
 * instructions).  It must not yield.
 */
typedef void (*EmuFetchHook)(EmuMachine *m, EmuCpu *cpu, uint64_t ip, void *user);

typedef struct {
	EmuInt3Hook int3;	/* required */
	EmuDebugHook debug;	/* required once anything sets TF */
	void *user;
} EmuHooks;

typedef enum {
	EMU_BRANCH_NOT_TAKEN,	/* conditional branches fall through: every run ends */
	EMU_BRANCH_CHOICE,	/* each one is a scheduler choice (0 = not taken) */
} EmuBranchPolicy;

EmuMachine *emu_machine_new(SimCtx *ctx, EmuText *t);
void emu_machine_free(EmuMachine *m);
SimCtx *emu_machine_ctx(const EmuMachine *m);

void emu_machine_set_hooks(EmuMachine *m, const EmuHooks *hooks);
void emu_machine_set_fetch_hook(EmuMachine *m, EmuFetchHook fn, void *user);
/* max_backward_taken bounds taken backward branches per top-level call (loops end). */
void emu_machine_set_branch_policy(EmuMachine *m, EmuBranchPolicy policy,
				   unsigned max_backward_taken);
/* Register a native at addr (any address; it need not be mapped).  `name` is copied. */
void emu_machine_add_native(EmuMachine *m, uint64_t addr, const char *name, EmuNativeFn fn,
			    void *user);

EmuCpu *emu_machine_cpu(EmuMachine *m, unsigned index);
/* The vCPU of the calling task. */
EmuCpu *emu_machine_current_cpu(EmuMachine *m);

/*
 * Run the function at addr on the calling task's vCPU until it returns (a `ret` with no
 * return address left).  Starts with IF set, TF clear, an empty call stack.  A fatal
 * violation ends the run and never returns here.  The caller decides whether returning
 * is a scheduling point (sim_quiescent_point); this function is one non-quiescent
 * stretch.  Returns 0.
 */
int emu_cpu_call(EmuMachine *m, uint64_t addr);

/*
 * Mark an interrupt pending on vCPU `cpu`, whose handler is the code (or native) at
 * handler.  It is delivered at a later instruction boundary of that vCPU where IF is set
 * and no trap hook runs, as alternative 1 of that instruction's decision, so where it
 * lands is explored like any other choice.  Called from a task, this is a decision
 * point writing the vCPU's IRQ state.  Returns false if one is pending already (the
 * hardware would merge the two).
 */
bool emu_cpu_raise_irq(EmuMachine *m, unsigned cpu, uint64_t handler);
void emu_cpu_cancel_irq(EmuMachine *m, unsigned cpu);
/*
 * Called by a native at a point where the C code it stands for could be interrupted
 * (IF set, no trap running): if an IRQ is pending on this vCPU, delivering it here is an
 * alternative of a decision point.  Does nothing anywhere else.
 */
void emu_cpu_irq_point(EmuMachine *m);

/* ---- per-vCPU state -------------------------------------------------------------------- */

unsigned emu_cpu_index(const EmuCpu *c);
/* True between emu_cpu_call's start and return. */
bool emu_cpu_running(const EmuCpu *c);

/* ip, IF and TF of the running context; in a trap hook, those of the trap frame. */
uint64_t emu_cpu_ip(const EmuCpu *c);
bool emu_cpu_if(const EmuCpu *c);
bool emu_cpu_tf(const EmuCpu *c);
/* Only in a trap hook: where the CPU resumes. */
void emu_cpu_set_ip(EmuCpu *c, uint64_t ip);
/* In a trap hook, or in a native (local_irq_disable/enable, changing TF). */
void emu_cpu_set_if(EmuCpu *c, bool on);
void emu_cpu_set_tf(EmuCpu *c, bool on);

/* Could an interrupt be delivered now?  IF set and no trap hook running. */
bool emu_cpu_irqs_enabled(const EmuCpu *c);
bool emu_cpu_in_trap(const EmuCpu *c);
/* Running a native (C code standing at a text address) of the running task. */
bool emu_cpu_in_native(const EmuCpu *c);
bool emu_cpu_irq_pending(const EmuCpu *c);
/* Interrupt handlers running (nested), and the ip the innermost one returns to. */
unsigned emu_cpu_irq_depth(const EmuCpu *c);
uint64_t emu_cpu_irq_return_ip(const EmuCpu *c);
/* Return addresses and other words on the stack above the outermost return (0: idle). */
unsigned emu_cpu_call_depth(const EmuCpu *c);
/* The stack pointer; in a trap hook, the trap frame's (the kernel's regs->sp). */
uint64_t emu_cpu_rsp(const EmuCpu *c);
/* The lowest address of the running task's stack (current_thread_info() of x86_64). */
uint64_t emu_cpu_stack_base(const EmuCpu *c);
/*
 * The running task's stack memory at [addr, addr + len), for a trap hook or a native to
 * read or write (the stack is the task's own: no other vCPU sees it, so these accesses
 * are no decision points); NULL when the range is not inside the stack.
 */
void *emu_cpu_stack_mem(EmuCpu *c, uint64_t addr, size_t len);
/*
 * In a native reached as the target of a `ret` or jump: push a word, which the return
 * that ends the native pops (a trampoline that computes where to return).
 */
void emu_cpu_push(EmuCpu *c, uint64_t word);
/* In a native: the address of the call (or jump) instruction that reached it, 0 if
 * emu_cpu_call or an interrupt started there. */
uint64_t emu_cpu_native_site(const EmuCpu *c);
/*
 * The step at which this vCPU last fetched an instruction of kernel or module text (not
 * slot memory): for a trap, the trapping instruction; inside a detour buffer, the jump
 * that led there.  Where a probe hit began.
 */
uint64_t emu_cpu_last_text_step(const EmuCpu *c);
/* Instructions executed since the machine was created. */
uint64_t emu_cpu_insn_count(const EmuCpu *c);

#endif
