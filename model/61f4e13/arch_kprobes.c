// SPDX-License-Identifier: GPL-2.0-only
/*
 * arch/x86/kernel/kprobes.c at the commit that names this folder (x86_64,
 * CONFIG_OPTPROBES, !CONFIG_PREEMPT), ported to the kpsim shim.  Function names,
 * order and logic are the kernel's.
 *
 * Included by port.c after kprobes.c, never compiled on its own: everything is static.
 *
 * How the x86 machinery maps onto the emulated hardware:
 *  - Text is never dereferenced.  Reads of text or slots (*addr, memcpy from text, the
 *    decoder's input) copy the bytes into a local buffer first (kp_read_text), writes
 *    into slots go through kp_slot_write, and a slot range is marked live once it holds
 *    code a CPU may run.  Marking it dead again is the slot cache's business: a slot
 *    freed dirty may still be executed until the grace period of its collection.
 *  - The int3 and debug exceptions are the vCPU's trap hooks (arch_init_kprobes installs
 *    them): the hook builds a pt_regs from the trap frame, goes through
 *    kprobe_exceptions_notify() as do_int3()/do_debug() would, and resumes the frame as
 *    the handler left it (ip, IF, TF).
 *  - The detour buffer calls optimized_callback(), which stands at a fixed address as a
 *    native function.  The first argument the template loads is the op's allocation
 *    number (a host pointer in emulated text would make runs differ); the native reads
 *    it back from the buffer that called it.
 *  - The stack is the task's emulated stack (arch_x86_emu/cpu.h): where the kernel
 *    dereferences stack_addr(regs) or copies the jprobe argument area, the port goes
 *    through kp_stack() to the same words.
 *  - jprobes: the jprobe's handler is the scenario's C handler, so the entry runs inside
 *    the trap that diverted to it (kp_int3_trap).  The protocol is kept: the pre handler
 *    saves the frame and the argument area and returns 1 leaving the probe running, and
 *    jprobe_return()'s int3 reaches longjmp_break_handler() through kprobe_handler(),
 *    which restores both and single-steps.
 *  - kretprobe_trampoline is a native function at a fixed address: a return address
 *    arch_prepare_kretprobe() replaced leads there, it calls trampoline_handler() and
 *    returns to the address that gives, as the kernel's assembly does.
 *  - Not ported: the 32-bit variants.
 */
#include "state.h"
#include "model/kernel/insn.h"
#include "model/kernel/ptrace.h"

#include <stdlib.h>

/* ---- model: the kernel interfaces this file uses that the shim does not provide ---- */

#ifndef __maybe_unused
#define __maybe_unused __attribute__((unused))
#endif

/* include/linux/notifier.h */
#ifndef NOTIFY_DONE
#define NOTIFY_DONE		0x0000
#endif
#define NOTIFY_OK		0x0001
#define NOTIFY_STOP_MASK	0x8000
#define NOTIFY_STOP		(NOTIFY_OK | NOTIFY_STOP_MASK)

/* arch/x86/include/asm/kdebug.h, include/linux/kdebug.h */
enum die_val {
	DIE_OOPS = 1,
	DIE_INT3,
	DIE_DEBUG,
	DIE_PANIC,
	DIE_NMI,
	DIE_DIE,
	DIE_NMIWATCHDOG,
	DIE_KERNELDEBUG,
	DIE_TRAP,
	DIE_GPF,
	DIE_CALL,
	DIE_NMI_IPI,
	DIE_PAGE_FAULT,
	DIE_NMIUNKNOWN,
};

struct die_args {
	struct pt_regs *regs;
	const char *str;
	long err;
	int trapnr;
	int signr;
};

/* Trap numbers and signals do_int3() and do_debug() pass along. */
#define KP_TRAP_DEBUG	1
#define KP_TRAP_BP	3
#define KP_TRAP_PF	14
#define KP_SIGTRAP	5

/* Without CONFIG_PREEMPT the kernel is never preemptible. */
#define preemptible()	0

/* Lockdep's irq tracing is not modelled. */
#define trace_hardirqs_off() do { } while (0)

/*
 * arch/x86/mm/extable.c: fixup_exception().  The image's exception table has no fixup
 * code, and faults are not modelled: no fault is ever fixed up.
 */
static int fixup_exception(struct pt_regs *regs)
{
	return 0;
}

/*
 * Copy len bytes of text (or slot memory) at addr into buf, as the kernel's loads from
 * text do.  Bytes that are not mapped read as 0: the kernel's decoder reads up to
 * MAX_INSN_SIZE bytes even near the end of a region, and the model's decoder never needs
 * bytes past the instruction.  The int3 of jprobe_return() is model code, not emulated
 * text, and reads as the breakpoint it is.
 */
static void kp_read_text(void *buf, unsigned long addr, size_t len)
{
	u8 *b = buf;

	if (kp_text_read(addr, b, len))
		return;
	for (size_t i = 0; i < len; i++) {
		if (addr + i == KP_JPROBE_RETURN_INT3)
			b[i] = BREAKPOINT_INSTRUCTION;
		else if (!kp_text_read(addr + i, &b[i], 1))
			b[i] = 0;
	}
}

static kprobe_opcode_t kp_text_byte(unsigned long addr)
{
	kprobe_opcode_t c;

	kp_read_text(&c, addr, 1);
	return c;
}

static void kp_put_le32(u8 *p, u32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (u8)(v >> (8 * i));
}

static void kp_put_le64(u8 *p, u64 v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (u8)(v >> (8 * i));
}

/* include/asm-generic/bitops: test_bit() over the u32 words of a bitmap */
static inline int test_bit(unsigned int nr, const u32 *addr)
{
	return (addr[nr / 32] >> (nr % 32)) & 1;
}

/* ---- arch/x86/kernel/kprobes.c ---- */

/* DEFINE_PER_CPU current_kprobe and kprobe_ctlblk: in the state (asm_kprobes.h). */

/*
 * stack_addr(regs) is the stack address regs->sp (the kernel's is a pointer to it);
 * model: kp_stack() maps a stack address to the task's stack memory there.
 */
#define stack_addr(regs) kernel_stack_pointer(regs)

static EmuCpu *kp_cur_cpu(void)
{
	return emu_machine_current_cpu(kp_env_current()->machine);
}

static void *kp_stack_range(unsigned long addr, size_t len)
{
	void *mem = kp_stack_mem(kp_cur_cpu(), addr, len);

	if (!mem)
		sim_fail(kp_ctx(), SIM_V_USAGE, "model-stack-range", __func__,
			 "%zu bytes at %#lx are outside the running task's stack", len, addr);
	return mem;
}

static unsigned long *kp_stack(unsigned long addr)
{
	return kp_stack_range(addr, sizeof(unsigned long));
}

/* current_thread_info(): the bottom of the running task's stack, as on x86_64. */
static unsigned long kp_current_thread_info(void)
{
	return emu_cpu_stack_base(kp_cur_cpu());
}

/*
 * Which 0F xx opcodes can be boosted.  Undefined and reserved opcodes, conditional jumps,
 * opcode extension groups and some special opcodes cannot.  Row r holds the bits of
 * opcodes r..r+0xf; two rows make one 32-bit word.
 */
#define BOOST_ROW(row, b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, ba, bb, bc, bd, be, bf) \
	((u32)((b0 << 0x0) | (b1 << 0x1) | (b2 << 0x2) | (b3 << 0x3) |                  \
	       (b4 << 0x4) | (b5 << 0x5) | (b6 << 0x6) | (b7 << 0x7) |                  \
	       (b8 << 0x8) | (b9 << 0x9) | (ba << 0xa) | (bb << 0xb) |                  \
	       (bc << 0xc) | (bd << 0xd) | (be << 0xe) | (bf << 0xf)) << ((row) % 32))

static const u32 twobyte_is_boostable[256 / 32] = {
	/*             0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f */
	BOOST_ROW(0x00, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0) |
	BOOST_ROW(0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
	BOOST_ROW(0x20, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) |
	BOOST_ROW(0x30, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
	BOOST_ROW(0x40, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1) |
	BOOST_ROW(0x50, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
	BOOST_ROW(0x60, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1) |
	BOOST_ROW(0x70, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1),
	BOOST_ROW(0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) |
	BOOST_ROW(0x90, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
	BOOST_ROW(0xa0, 1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1) |
	BOOST_ROW(0xb0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1),
	BOOST_ROW(0xc0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1) |
	BOOST_ROW(0xd0, 0, 1, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1),
	BOOST_ROW(0xe0, 0, 1, 1, 0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1) |
	BOOST_ROW(0xf0, 0, 1, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0),
};
#undef BOOST_ROW

/*
 * kretprobe_blacklist[]: __switch_to switches only the current task, not the kernel
 * stack.  The kernel initialises the table statically; the model's lives in the run's
 * state and gets its names on first use.
 */
static struct kretprobe_blackpoint *kp_kretprobe_blacklist(void)
{
	struct kretprobe_blackpoint *bl = KP_STATE->arch.kretprobe_blackpoints;

	if (!bl[0].name) {
		bl[0].name = "__switch_to";
		bl[1].name = NULL;	/* Terminator */
	}
	return bl;
}

/* arch/x86/kernel/kprobes.c: __synthesize_relative_insn() */
static void __synthesize_relative_insn(unsigned long from, unsigned long to, u8 op)
{
	u8 insn[RELATIVEJUMP_SIZE];

	insn[0] = op;
	kp_put_le32(&insn[1], (u32)(s32)((long)to - ((long)from + 5)));
	kp_slot_write(from, insn, sizeof(insn));
}

/* arch/x86/kernel/kprobes.c: synthesize_reljump() */
/* Insert a jump instruction at address 'from', which jumps to address 'to'. */
static void synthesize_reljump(unsigned long from, unsigned long to)
{
	__synthesize_relative_insn(from, to, RELATIVEJUMP_OPCODE);
}

/* arch/x86/kernel/kprobes.c: skip_prefixes() */
/* The legacy prefixes and the REX prefix of the instruction are skipped. */
static const kprobe_opcode_t *skip_prefixes(const kprobe_opcode_t *insn)
{
	insn_attr_t attr;

	attr = inat_get_opcode_attribute((insn_byte_t)*insn);
	while (inat_is_legacy_prefix(attr)) {
		insn++;
		attr = inat_get_opcode_attribute((insn_byte_t)*insn);
	}
	if (inat_is_rex_prefix(attr))
		insn++;
	return insn;
}

/* arch/x86/kernel/kprobes.c: can_boost() */
/*
 * Non-zero if the instruction at opcodes can run out of line followed by a jump back
 * (RIP-relative operands are fixed when the instruction is copied).
 */
static int can_boost(unsigned long opcodes)
{
	kprobe_opcode_t buf[MAX_INSN_SIZE];
	const kprobe_opcode_t *p = buf;
	kprobe_opcode_t opcode;

	if (search_exception_tables(opcodes))
		return 0;	/* Page fault may occur on this address. */

	kp_read_text(buf, opcodes, sizeof(buf));
retry:
	if (p - buf > MAX_INSN_SIZE - 1)
		return 0;
	opcode = *(p++);

	/* 2nd-byte opcode */
	if (opcode == 0x0f) {
		if (p - buf > MAX_INSN_SIZE - 1)
			return 0;
		return test_bit(*p, twobyte_is_boostable);
	}

	switch (opcode & 0xf0) {
	case 0x40:
		goto retry;	/* REX prefix is boostable */
	case 0x60:
		if (0x63 < opcode && opcode < 0x67)
			goto retry;	/* prefixes */
		/* can't boost Address-size override and bound */
		return (opcode != 0x62 && opcode != 0x67);
	case 0x70:
		return 0;	/* can't boost conditional jump */
	case 0xc0:
		/* can't boost software-interruptions */
		return (0xc1 < opcode && opcode < 0xcc) || opcode == 0xcf;
	case 0xd0:
		/* can boost AA* and XLAT */
		return (opcode == 0xd4 || opcode == 0xd5 || opcode == 0xd7);
	case 0xe0:
		/* can boost in/out and absolute jmps */
		return ((opcode & 0x04) || opcode == 0xea);
	case 0xf0:
		if ((opcode & 0x0c) == 0 && opcode != 0xf1)
			goto retry;	/* lock/rep(ne) prefix */
		/* clear and set flags are boostable */
		return (opcode == 0xf5 || (0xf7 < opcode && opcode < 0xfe));
	default:
		/* segment override prefixes are boostable */
		if (opcode == 0x26 || opcode == 0x36 || opcode == 0x3e)
			goto retry;	/* prefixes */
		/* CS override prefix and call are not boostable */
		return (opcode != 0x2e && opcode != 0x9a);
	}
}

/* arch/x86/kernel/kprobes.c: recover_probed_instruction() */
/*
 * The original instruction at addr, for analysis: only its first byte can have been
 * replaced (by the int3), and the probe saved that byte in opcode.  The copy in
 * ainsn.insn will not do, its RIP-relative displacement may have been adjusted.
 */
static int recover_probed_instruction(kprobe_opcode_t *buf, unsigned long addr)
{
	struct kprobe *kp;

	kp = get_kprobe(addr);
	if (!kp)
		return -EINVAL;

	kp_read_text(buf, kp->addr, MAX_INSN_SIZE * sizeof(kprobe_opcode_t));
	buf[0] = kp->opcode;
	return 0;
}

/* arch/x86/kernel/kprobes.c: can_probe() */
/* Check if paddr is at an instruction boundary */
static int can_probe(unsigned long paddr)
{
	int ret;
	unsigned long addr, offset = 0;
	struct insn insn;
	kprobe_opcode_t buf[MAX_INSN_SIZE];
	kprobe_opcode_t text[MAX_INSN_SIZE];

	if (!kallsyms_lookup_size_offset(paddr, NULL, &offset))
		return 0;

	/* Decode instructions */
	addr = paddr - offset;
	while (addr < paddr) {
		kp_read_text(text, addr, sizeof(text));
		kernel_insn_init(&insn, text);
		insn_get_opcode(&insn);

		/*
		 * An instruction another kprobe modified: decode the original from our
		 * buffer instead of the breakpoint.
		 */
		if (insn.opcode.bytes[0] == BREAKPOINT_INSTRUCTION) {
			ret = recover_probed_instruction(buf, addr);
			if (ret)
				/*
				 * Another debugging subsystem may have put this breakpoint
				 * there; it cannot be recovered.
				 */
				return 0;
			kernel_insn_init(&insn, buf);
		}
		insn_get_length(&insn);
		/* model: undecodable bytes (length 0; docs/model.md) cannot be walked over */
		if (!insn.length)
			return 0;
		addr += insn.length;
	}

	return (addr == paddr);
}

/* arch/x86/kernel/kprobes.c: is_IF_modifier() */
/* Non-zero if the instruction modifies the interrupt flag. */
static int is_IF_modifier(unsigned long insn_addr)
{
	/* room for a run of prefixes up to the end of the buffer */
	kprobe_opcode_t buf[MAX_INSN_SIZE + 2] = { 0 };
	const kprobe_opcode_t *insn;

	kp_read_text(buf, insn_addr, MAX_INSN_SIZE);
	/* Skip prefixes */
	insn = skip_prefixes(buf);

	switch (*insn) {
	case 0xfa:		/* cli */
	case 0xfb:		/* sti */
	case 0xcf:		/* iret/iretd */
	case 0x9d:		/* popf/popfd */
		return 1;
	}

	return 0;
}

/* arch/x86/kernel/kprobes.c: __copy_instruction() */
/*
 * Copy the instruction at src to dest; a %rip-relative displacement is adjusted so the
 * copy reaches the same target.  Returns the length copied, 0 on failure.
 */
static int __copy_instruction(unsigned long dest, unsigned long src, int recover)
{
	struct insn insn;
	int ret;
	kprobe_opcode_t buf[MAX_INSN_SIZE];
	kprobe_opcode_t text[MAX_INSN_SIZE];
	/* model: dest's new bytes, fixed up here and written into the slot in one go */
	kprobe_opcode_t copy[MAX_INSN_SIZE] = { 0 };

	kp_read_text(text, src, sizeof(text));
	kernel_insn_init(&insn, text);
	if (recover) {
		insn_get_opcode(&insn);
		if (insn.opcode.bytes[0] == BREAKPOINT_INSTRUCTION) {
			ret = recover_probed_instruction(buf, src);
			if (ret)
				return 0;
			kernel_insn_init(&insn, buf);
		}
	}
	insn_get_length(&insn);
	/* model: undecodable bytes (length 0; docs/model.md) cannot be copied */
	if (!insn.length)
		return 0;
	memcpy(copy, insn.buf, insn.length);

	if (insn_rip_relative(&insn)) {
		s64 newdisp;
		u8 *disp;

		kernel_insn_init(&insn, copy);
		insn_get_displacement(&insn);
		/*
		 * The displacement is relative to the next instruction, so the copy needs
		 * the difference between the original's and the copy's locations added.
		 * The signed 32-bit result must, sign-extended, give the same 64-bit
		 * target the original displacement gave.
		 */
		newdisp = (s64)src + (s64)insn.displacement.value - (s64)dest;
		BUG_ON((s64)(s32)newdisp != newdisp); /* Sanity check.  */
		disp = copy + insn_offset_displacement(&insn);
		kp_put_le32(disp, (u32)(s32)newdisp);
	}
	kp_slot_write(dest, copy, insn.length);
	return insn.length;
}

/* arch/x86/kernel/kprobes.c: arch_copy_kprobe() */
static void arch_copy_kprobe(struct kprobe *p)
{
	int len;

	/*
	 * Copy an instruction without recovering int3, because it will be put by
	 * another subsystem.
	 */
	len = __copy_instruction(p->ainsn.insn, p->addr, 0);
	/* model: the copy is code a CPU may single-step or run boosted */
	if (len)
		kp_slot_set_live(p->ainsn.insn, len, true);

	if (can_boost(p->addr))
		p->ainsn.boostable = 0;
	else
		p->ainsn.boostable = -1;

	p->opcode = kp_text_byte(p->addr);
}

/* arch/x86/kernel/kprobes.c: arch_prepare_kprobe() */
static int arch_prepare_kprobe(struct kprobe *p)
{
	if (alternatives_text_reserved(p->addr, p->addr))
		return -EINVAL;

	if (!can_probe(p->addr))
		return -EILSEQ;
	/* insn: must be on special executable page on x86. */
	p->ainsn.insn = get_insn_slot();
	if (!p->ainsn.insn)
		return -ENOMEM;
	arch_copy_kprobe(p);
	return 0;
}

/* arch/x86/kernel/kprobes.c: arch_arm_kprobe() */
static void arch_arm_kprobe(struct kprobe *p)
{
	text_poke(p->addr, ((unsigned char[]){ BREAKPOINT_INSTRUCTION }), 1);
}

/* arch/x86/kernel/kprobes.c: arch_disarm_kprobe() */
static void arch_disarm_kprobe(struct kprobe *p)
{
	text_poke(p->addr, &p->opcode, 1);
}

/* arch/x86/kernel/kprobes.c: arch_remove_kprobe() */
static void arch_remove_kprobe(struct kprobe *p)
{
	if (p->ainsn.insn) {
		free_insn_slot(p->ainsn.insn, (p->ainsn.boostable == 1));
		p->ainsn.insn = 0;
	}
}

/* arch/x86/kernel/kprobes.c: save_previous_kprobe() */
static void save_previous_kprobe(struct kprobe_ctlblk *kcb)
{
	kcb->prev_kprobe.kp = kprobe_running();
	kcb->prev_kprobe.status = kcb->kprobe_status;
	kcb->prev_kprobe.old_flags = kcb->kprobe_old_flags;
	kcb->prev_kprobe.saved_flags = kcb->kprobe_saved_flags;
}

/* arch/x86/kernel/kprobes.c: restore_previous_kprobe() */
static void restore_previous_kprobe(struct kprobe_ctlblk *kcb)
{
	__get_cpu_var(current_kprobe) = kcb->prev_kprobe.kp;
	kcb->kprobe_status = kcb->prev_kprobe.status;
	kcb->kprobe_old_flags = kcb->prev_kprobe.old_flags;
	kcb->kprobe_saved_flags = kcb->prev_kprobe.saved_flags;
}

/* arch/x86/kernel/kprobes.c: set_current_kprobe() */
static void set_current_kprobe(struct kprobe *p, struct pt_regs *regs,
			       struct kprobe_ctlblk *kcb)
{
	__get_cpu_var(current_kprobe) = p;
	kcb->kprobe_saved_flags = kcb->kprobe_old_flags
		= (regs->flags & (X86_EFLAGS_TF | X86_EFLAGS_IF));
	if (is_IF_modifier(p->ainsn.insn))
		kcb->kprobe_saved_flags &= ~X86_EFLAGS_IF;
}

/* arch/x86/kernel/kprobes.c: clear_btf() */
/* Block stepping (TIF_BLOCKSTEP, DEBUGCTL.BTF) is not modelled: nothing to clear. */
static void clear_btf(void)
{
}

/* arch/x86/kernel/kprobes.c: restore_btf() */
static void restore_btf(void)
{
}

/* arch/x86/kernel/kprobes.c: arch_prepare_kretprobe() */
static void arch_prepare_kretprobe(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	unsigned long *sara = kp_stack(stack_addr(regs));

	ri->ret_addr = *sara;

	/* Replace the return addr with trampoline addr */
	*sara = KP_KRETPROBE_TRAMPOLINE_ADDR;
	/* model: the checker follows the hijacked return (R2) */
	kp_check_ret_hijacked(kp_env_current(), stack_addr(regs), ri->ret_addr,
			      KP_KRETPROBE_TRAMPOLINE_ADDR);
}

static int setup_detour_execution(struct kprobe *p, struct pt_regs *regs, int reenter);

/* arch/x86/kernel/kprobes.c: setup_singlestep() */
static void setup_singlestep(struct kprobe *p, struct pt_regs *regs,
			     struct kprobe_ctlblk *kcb, int reenter)
{
	if (setup_detour_execution(p, regs, reenter))
		return;

	/* !CONFIG_PREEMPT */
	if (p->ainsn.boostable == 1 && !p->post_handler) {
		/* Boost up -- we can execute copied instructions directly */
		if (!reenter)
			reset_current_kprobe();
		/*
		 * Reentering boosted probe doesn't reset current_kprobe, nor set
		 * current_kprobe, because it doesn't use single stepping.
		 */
		regs->ip = p->ainsn.insn;
		preempt_enable_no_resched();
		return;
	}
	if (reenter) {
		save_previous_kprobe(kcb);
		set_current_kprobe(p, regs, kcb);
		kcb->kprobe_status = KPROBE_REENTER;
	} else
		kcb->kprobe_status = KPROBE_HIT_SS;
	/* Prepare real single stepping */
	clear_btf();
	regs->flags |= X86_EFLAGS_TF;
	regs->flags &= ~X86_EFLAGS_IF;
	/* single step inline if the instruction is an int3 */
	if (p->opcode == BREAKPOINT_INSTRUCTION)
		regs->ip = p->addr;
	else
		regs->ip = p->ainsn.insn;
}

/* arch/x86/kernel/kprobes.c: reenter_kprobe() */
/*
 * A probe hit while within the handler of another: save the running probe's state and
 * single-step the new probe's instruction without calling any user handler.
 */
static int reenter_kprobe(struct kprobe *p, struct pt_regs *regs,
			  struct kprobe_ctlblk *kcb)
{
	switch (kcb->kprobe_status) {
	case KPROBE_HIT_SSDONE:
	case KPROBE_HIT_ACTIVE:
		kprobes_inc_nmissed_count(p);
		setup_singlestep(p, regs, kcb, 1);
		break;
	case KPROBE_HIT_SS:
		/*
		 * A probe hit on the path leading up to, or just after, single-stepping
		 * a probed instruction.  That path belongs in .kprobes.text; going on
		 * would reenter without end until the stack overflows.
		 */
		printk(KERN_WARNING "Unrecoverable kprobe detected at %#lx.\n",
		       p->addr);
		dump_kprobe(p);
		BUG();
	default:
		/* impossible cases */
		WARN_ON(1);
		return 0;
	}

	return 1;
}

/* arch/x86/kernel/kprobes.c: kprobe_handler() */
/*
 * Interrupts are disabled on entry as trap3 is an interrupt gate and they remain
 * disabled throughout this function.
 */
static int kprobe_handler(struct pt_regs *regs)
{
	unsigned long addr;
	struct kprobe *p;
	struct kprobe_ctlblk *kcb;

	addr = regs->ip - sizeof(kprobe_opcode_t);
	/*
	 * No preemption for the whole of kprobe processing: it is re-enabled at the end
	 * of this function, in reenter_kprobe() or in setup_singlestep().
	 */
	preempt_disable();

	kcb = get_kprobe_ctlblk();
	p = get_kprobe(addr);

	if (p) {
		if (kprobe_running()) {
			if (reenter_kprobe(p, regs, kcb))
				return 1;
		} else {
			set_current_kprobe(p, regs, kcb);
			kcb->kprobe_status = KPROBE_HIT_ACTIVE;

			/*
			 * With no pre handler, or one that returned 0, processing goes
			 * on normally.  A non-zero return means the pre handler prepared
			 * for the break handler to be called on re-entry (jprobes): do
			 * nothing more here.
			 */
			if (!p->pre_handler || !p->pre_handler(p, regs))
				setup_singlestep(p, regs, kcb, 0);
			return 1;
		}
	} else if (kp_text_byte(addr) != BREAKPOINT_INSTRUCTION) {
		/*
		 * The breakpoint was removed right after we hit it: another CPU removed
		 * a probe point (or a debugger breakpoint) here.  Nothing more to do but
		 * back up over the missing int3 and run the original instruction.
		 */
		regs->ip = addr;
		preempt_enable_no_resched();
		return 1;
	} else if (kprobe_running()) {
		p = __get_cpu_var(current_kprobe);
		if (p->break_handler && p->break_handler(p, regs)) {
			setup_singlestep(p, regs, kcb, 0);
			return 1;
		}
	} /* else: not a kprobe fault; let the kernel handle it */

	preempt_enable_no_resched();
	return 0;
}

/* arch/x86/kernel/kprobes.c: kretprobe_trampoline_holder() */
/*
 * kretprobe_trampoline: a hijacked return lands here.  The kernel's assembly saves a
 * pt_regs (its sp slot first), calls trampoline_handler(), writes the address that
 * returns into the saved sp slot and returns through it.  Here it is a native function
 * (registered by arch_init_kprobes()): the frame is the CPU's, and the address
 * trampoline_handler() gives is pushed for the native's own return to pop.
 */
static void *trampoline_handler(struct pt_regs *regs);

static void kretprobe_trampoline_holder(EmuMachine *m, EmuCpu *cpu, void *user)
{
	struct pt_regs regs;
	unsigned long ret;

	kp_regs_from_cpu(&regs, cpu);
	ret = (unsigned long)trampoline_handler(&regs);
	/* movq %rax, 152(%rsp); ...; ret */
	emu_cpu_push(cpu, ret);
	/* model: the checker follows the hijacked return (R2); the ret that came here
	 * popped the word below the frame's sp */
	kp_check_ret_resumed(kp_env_current(), regs.sp - sizeof(unsigned long), ret);
}

/* arch/x86/kernel/kprobes.c: trampoline_handler() */
/* Called from kretprobe_trampoline */
static void *trampoline_handler(struct pt_regs *regs)
{
	struct kretprobe_instance *ri = NULL;
	struct hlist_head *head, empty_rp;
	struct hlist_node *node, *tmp;
	unsigned long flags, orig_ret_address = 0;
	unsigned long trampoline_address = KP_KRETPROBE_TRAMPOLINE_ADDR;
	unsigned long correct_ret_addr = 0;

	INIT_HLIST_HEAD(&empty_rp);
	kretprobe_hash_lock(current, &head, &flags);
	/* fixup registers */
	regs->cs = __KERNEL_CS;
	regs->ip = trampoline_address;
	regs->orig_ax = ~0UL;

	/*
	 * A task may have several instances in flight (return probes on several functions
	 * of its call path, or several on one function).  Instances are always added at
	 * the head, and of several on one function only the first one's ret_addr is the
	 * real return address: the others hold the trampoline.
	 */
	hlist_for_each_entry_safe(ri, node, tmp, struct kretprobe_instance, head, hlist) {
		if (ri->task != current)
			/* another task is sharing our hash bucket */
			continue;

		orig_ret_address = (unsigned long)ri->ret_addr;

		if (orig_ret_address != trampoline_address)
			/*
			 * The real return address: the other instances of this task are
			 * for calls deeper on the call stack.
			 */
			break;
	}

	kretprobe_assert(ri, orig_ret_address, trampoline_address);

	correct_ret_addr = ri->ret_addr;
	hlist_for_each_entry_safe(ri, node, tmp, struct kretprobe_instance, head, hlist) {
		if (ri->task != current)
			/* another task is sharing our hash bucket */
			continue;

		orig_ret_address = (unsigned long)ri->ret_addr;
		if (ri->rp && ri->rp->handler) {
			__get_cpu_var(current_kprobe) = &ri->rp->kp;
			get_kprobe_ctlblk()->kprobe_status = KPROBE_HIT_ACTIVE;
			ri->ret_addr = correct_ret_addr;
			ri->rp->handler(ri, regs);
			__get_cpu_var(current_kprobe) = NULL;
		}

		recycle_rp_inst(ri, &empty_rp);

		if (orig_ret_address != trampoline_address)
			/*
			 * The real return address: the other instances of this task are
			 * for calls deeper on the call stack.
			 */
			break;
	}

	kretprobe_hash_unlock(current, &flags);

	hlist_for_each_entry_safe(ri, node, tmp, struct kretprobe_instance, &empty_rp,
				  hlist) {
		hlist_del(&ri->hlist);
		kfree(ri);
	}
	return (void *)orig_ret_address;
}

/* arch/x86/kernel/kprobes.c: resume_execution() */
/*
 * After single-stepping the copy at ainsn.insn of the instruction at addr, prepare the
 * return from the debug trap:
 * 0) The new ip is relative to the copy; make it relative to the original, except after
 *    absolute or indirect jumps and calls.
 * 1) After pushf, TF and IF in the pushed flags may need clearing.
 * 2) After a call, the return address on the stack follows the copy; make it follow the
 *    original.
 * The first time a boostable instruction is single-stepped here, boost it: append a jump
 * back to the instruction after the original.
 */
static void resume_execution(struct kprobe *p, struct pt_regs *regs,
			     struct kprobe_ctlblk *kcb)
{
	unsigned long *tos = kp_stack(stack_addr(regs));
	unsigned long copy_ip = p->ainsn.insn;
	unsigned long orig_ip = p->addr;
	/* room for a run of prefixes up to the end of the buffer, and insn[1] */
	kprobe_opcode_t buf[MAX_INSN_SIZE + 2] = { 0 };
	const kprobe_opcode_t *insn = buf;

	kp_read_text(buf, p->ainsn.insn, MAX_INSN_SIZE);
	/* Skip prefixes */
	insn = skip_prefixes(insn);

	regs->flags &= ~X86_EFLAGS_TF;
	switch (*insn) {
	case 0x9c:	/* pushfl */
		*tos &= ~(X86_EFLAGS_TF | X86_EFLAGS_IF);
		*tos |= kcb->kprobe_old_flags;
		break;
	case 0xc2:	/* iret/ret/lret */
	case 0xc3:
	case 0xca:
	case 0xcb:
	case 0xcf:
	case 0xea:	/* jmp absolute -- ip is correct */
		/* ip is already adjusted, no more changes required */
		p->ainsn.boostable = 1;
		goto no_change;
	case 0xe8:	/* call relative - Fix return addr */
		*tos = orig_ip + (*tos - copy_ip);
		break;
	case 0xff:
		if ((insn[1] & 0x30) == 0x10) {
			/*
			 * call absolute, indirect
			 * Fix return addr; ip is correct.
			 * But this is not boostable
			 */
			*tos = orig_ip + (*tos - copy_ip);
			goto no_change;
		} else if (((insn[1] & 0x31) == 0x20) ||
			   ((insn[1] & 0x31) == 0x21)) {
			/*
			 * jmp near and far, absolute indirect
			 * ip is correct. And this is boostable
			 */
			p->ainsn.boostable = 1;
			goto no_change;
		}
		/* fall through */
	default:
		break;
	}

	if (p->ainsn.boostable == 0) {
		if ((regs->ip > copy_ip) &&
		    (regs->ip - copy_ip) + 5 < MAX_INSN_SIZE) {
			/*
			 * These instructions can be executed directly if it jumps back to
			 * correct address.
			 */
			synthesize_reljump(regs->ip, orig_ip + (regs->ip - copy_ip));
			/* model: the copy and its jump back are code a CPU may run */
			kp_slot_set_live(copy_ip, (regs->ip - copy_ip) + RELATIVEJUMP_SIZE, true);
			p->ainsn.boostable = 1;
		} else {
			p->ainsn.boostable = -1;
		}
	}

	regs->ip += orig_ip - copy_ip;

no_change:
	restore_btf();
}

/* arch/x86/kernel/kprobes.c: post_kprobe_handler() */
/*
 * Interrupts are disabled on entry as trap1 is an interrupt gate and they remain
 * disabled throughout this function.
 */
static int post_kprobe_handler(struct pt_regs *regs)
{
	struct kprobe *cur = kprobe_running();
	struct kprobe_ctlblk *kcb = get_kprobe_ctlblk();

	if (!cur)
		return 0;

	resume_execution(cur, regs, kcb);
	regs->flags |= kcb->kprobe_saved_flags;

	if ((kcb->kprobe_status != KPROBE_REENTER) && cur->post_handler) {
		kcb->kprobe_status = KPROBE_HIT_SSDONE;
		cur->post_handler(cur, regs, 0);
	}

	/* Restore back the original saved kprobes variables and continue. */
	if (kcb->kprobe_status == KPROBE_REENTER) {
		restore_previous_kprobe(kcb);
		goto out;
	}
	reset_current_kprobe();
out:
	preempt_enable_no_resched();

	/*
	 * If somebody else is single-stepping across a probe point, flags have TF set:
	 * the rest of do_debug() runs as if this were not a probe hit.
	 */
	if (regs->flags & X86_EFLAGS_TF)
		return 0;

	return 1;
}

/* arch/x86/kernel/kprobes.c: kprobe_fault_handler() */
static int kprobe_fault_handler(struct pt_regs *regs, int trapnr)
{
	struct kprobe *cur = kprobe_running();
	struct kprobe_ctlblk *kcb = get_kprobe_ctlblk();

	switch (kcb->kprobe_status) {
	case KPROBE_HIT_SS:
	case KPROBE_REENTER:
		/*
		 * The instruction being single-stepped faulted.  Reset the current
		 * kprobe, point ip back at the probe address and let the fault handler
		 * go on as for a normal fault.
		 */
		regs->ip = cur->addr;
		regs->flags |= kcb->kprobe_old_flags;
		if (kcb->kprobe_status == KPROBE_REENTER)
			restore_previous_kprobe(kcb);
		else
			reset_current_kprobe();
		preempt_enable_no_resched();
		break;
	case KPROBE_HIT_ACTIVE:
	case KPROBE_HIT_SSDONE:
		/*
		 * A pre or post handler faulted (e.g. accessing user memory): count it
		 * as missed and let the user's fault handler try to fix it first.
		 */
		kprobes_inc_nmissed_count(cur);

		if (cur->fault_handler && cur->fault_handler(cur, regs, trapnr))
			return 1;

		/* The user's fault handler returned zero: try the exception fixup. */
		if (fixup_exception(regs))
			return 1;

		/* Neither could handle it: leave it to do_page_fault(). */
		break;
	default:
		break;
	}
	return 0;
}

/* arch/x86/kernel/kprobes.c: kprobe_exceptions_notify() */
/* Wrapper routine for handling exceptions. */
static int kprobe_exceptions_notify(struct notifier_block *self, unsigned long val,
				    void *data)
{
	struct die_args *args = data;
	int ret = NOTIFY_DONE;

	if (args->regs && user_mode_vm(args->regs))
		return ret;

	switch (val) {
	case DIE_INT3:
		if (kprobe_handler(args->regs))
			ret = NOTIFY_STOP;
		break;
	case DIE_DEBUG:
		if (post_kprobe_handler(args->regs)) {
			/*
			 * The kernel resets DR_STEP in DR6 here to denote completion; the
			 * debug registers are not emulated.
			 */
			ret = NOTIFY_STOP;
		}
		break;
	case DIE_GPF:
		/*
		 * Handling a kprobe fault, and trusting kprobe_running(), needs a
		 * non-preemptible context.
		 */
		if (!preemptible() && kprobe_running() &&
		    kprobe_fault_handler(args->regs, args->trapnr))
			ret = NOTIFY_STOP;
		break;
	default:
		break;
	}
	return ret;
}

/* arch/x86/kernel/kprobes.c: setjmp_pre_handler() */
static int setjmp_pre_handler(struct kprobe *p, struct pt_regs *regs)
{
	struct jprobe *jp = container_of(p, struct jprobe, kp);
	unsigned long addr;
	struct kprobe_ctlblk *kcb = get_kprobe_ctlblk();

	kcb->jprobe_saved_regs = *regs;
	kcb->jprobe_saved_sp = stack_addr(regs);
	addr = (unsigned long)(kcb->jprobe_saved_sp);

	/*
	 * The callee owns its argument area and may overwrite it (gcc's tail calls do),
	 * so the bytes above the stack pointer that may hold arguments are saved too.
	 */
	memcpy(kcb->jprobes_stack, kp_stack_range(addr, MIN_STACK_SIZE(addr)),
	       MIN_STACK_SIZE(addr));
	regs->flags &= ~X86_EFLAGS_IF;
	trace_hardirqs_off();
	regs->ip = jp->entry;
	/* model: the trap glue runs the entry once this trap is handled */
	kcb->jprobe_entry = jp;
	return 1;
}

static bool kp_int3_trap(struct pt_regs *regs);

/* arch/x86/kernel/kprobes.c: jprobe_return() */
/*
 * The kernel switches back to the stack saved at the jprobe hit (xchg %rbx,%rsp) and
 * executes an int3 that longjmp_break_handler() recognises by its address.  Here the
 * entry's frame is passed in, and that int3 is taken on it.  Returns whether the trap
 * was handled.
 */
static bool jprobe_return(struct pt_regs *regs)
{
	struct kprobe_ctlblk *kcb = get_kprobe_ctlblk();

	regs->sp = kcb->jprobe_saved_sp;
	regs->ip = KP_JPROBE_RETURN_INT3 + sizeof(kprobe_opcode_t);
	return kp_int3_trap(regs);
}

/* arch/x86/kernel/kprobes.c: longjmp_break_handler() */
static int longjmp_break_handler(struct kprobe *p, struct pt_regs *regs)
{
	struct kprobe_ctlblk *kcb = get_kprobe_ctlblk();
	unsigned long addr = regs->ip - 1;
	struct jprobe *jp = container_of(p, struct jprobe, kp);

	if ((addr > KP_JPROBE_RETURN_ADDR) && (addr < KP_JPROBE_RETURN_END)) {
		if (stack_addr(regs) != kcb->jprobe_saved_sp) {
			printk(KERN_ERR "current sp %#lx does not match saved sp %#lx\n",
			       stack_addr(regs), kcb->jprobe_saved_sp);
			printk(KERN_ERR "Saved registers for jprobe at %#lx\n", jp->kp.addr);
			BUG();
		}
		*regs = kcb->jprobe_saved_regs;
		memcpy(kp_stack_range(kcb->jprobe_saved_sp,
				      MIN_STACK_SIZE(kcb->jprobe_saved_sp)),
		       kcb->jprobes_stack,
		       MIN_STACK_SIZE(kcb->jprobe_saved_sp));
		preempt_enable_no_resched();
		return 1;
	}
	return 0;
}

/* CONFIG_OPTPROBES */

/* arch/x86/kernel/kprobes.c: synthesize_relcall() */
/* Insert a call instruction at address 'from', which calls address 'to'. */
static void synthesize_relcall(unsigned long from, unsigned long to)
{
	__synthesize_relative_insn(from, to, RELATIVECALL_OPCODE);
}

/* arch/x86/kernel/kprobes.c: synthesize_set_arg1() */
/* Insert a move instruction which sets the first argument (rdi) to val. */
static void synthesize_set_arg1(unsigned long addr, unsigned long val)
{
	u8 insn[2 + sizeof(u64)];

	insn[0] = 0x48;
	insn[1] = 0xbf;
	kp_put_le64(&insn[2], val);
	kp_slot_write(addr, insn, sizeof(insn));
}

/*
 * arch/x86/kernel/kprobes.c: kprobes_optinsn_template_holder()
 *
 * The detour template.  The kernel's saves a whole pt_regs (push %rsp, pushfq, a
 * 24-byte gap, fifteen general registers) and restores it after the call.  The
 * emulated CPU has no registers, and every template instruction is a scheduling step
 * where an interrupt may land, so the model's template keeps the shape with fewer
 * instructions: flags saved first and restored last, a frame pointer passed as the
 * second argument, the first argument loaded at TMPL_MOVE_IDX and the call at
 * TMPL_CALL_IDX (both 5-byte NOPs until arch_prepare_optimized_kprobe patches them, as
 * in the kernel).
 */
static const kprobe_opcode_t optprobe_template_entry[] = {
	0x9c,				/* pushfq */
	0x57,				/* push %rdi */
	0x56,				/* push %rsi */
	0x48, 0x89, 0xe6,		/* mov %rsp,%rsi */
	/* optprobe_template_val: room for movabs $op,%rdi */
	0x0f, 0x1f, 0x44, 0x00, 0x00,	/* nopl 0x0(%rax,%rax,1) */
	0x0f, 0x1f, 0x44, 0x00, 0x00,	/* nopl 0x0(%rax,%rax,1) */
	/* optprobe_template_call: room for call optimized_callback */
	0x0f, 0x1f, 0x44, 0x00, 0x00,	/* nopl 0x0(%rax,%rax,1) */
	0x5e,				/* pop %rsi */
	0x5f,				/* pop %rdi */
	0x9d,				/* popfq */
	/* optprobe_template_end */
};

#define TMPL_MOVE_IDX	6
#define TMPL_CALL_IDX	16
#define TMPL_END_IDX	((long)sizeof(optprobe_template_entry))

_Static_assert(sizeof(optprobe_template_entry) == OPTPROBE_TEMPLATE_SIZE,
	       "MAX_OPTINSN_SIZE must cover the template");

#define INT3_SIZE sizeof(kprobe_opcode_t)

/*
 * model: the value synthesize_set_arg1() gives a detour buffer for op: its allocation
 * number, remembered so that kp_optprobe_from_site() can map it back.  An entry whose
 * op has been freed is reused.
 */
static unsigned long kp_optprobe_arg1(struct optimized_kprobe *op)
{
	struct kp_arch_state *arch = &KP_STATE->arch;
	u64 id = sim_alloc_id(kp_ctx(), op);
	struct kp_optprobe_id *slot = NULL;

	if (!id)
		sim_fail(kp_ctx(), SIM_V_USAGE, "optprobe-untracked", __func__,
			 "optimized_kprobe for %#lx not allocated with kzalloc", op->kp.addr);
	for (size_t i = 0; i < arch->n_optprobe_ids; i++) {
		struct kp_optprobe_id *e = &arch->optprobe_ids[i];

		if (e->id == id) {
			e->op = op;
			return id;
		}
		if (!slot && !sim_alloc_is_live(kp_ctx(), e->op))
			slot = e;
	}
	if (!slot && arch->n_optprobe_ids < ARRAY_SIZE(arch->optprobe_ids))
		slot = &arch->optprobe_ids[arch->n_optprobe_ids++];
	if (!slot)
		sim_fail(kp_ctx(), SIM_V_USAGE, "optprobe-table-full", __func__,
			 "more than %d live optimized_kprobes", KP_ARCH_MAX_OPTPROBES);
	slot->id = id;
	slot->op = op;
	return id;
}

/*
 * model: the op whose detour buffer called optimized_callback() from `site`: the
 * template's movabs before the call holds its allocation number.  A buffer whose op is
 * gone is a use after free the kernel would not notice until it crashed.
 */
static struct optimized_kprobe *kp_optprobe_from_site(unsigned long site)
{
	struct kp_arch_state *arch = &KP_STATE->arch;
	unsigned long mov = site - TMPL_CALL_IDX + TMPL_MOVE_IDX;
	u8 insn[2 + sizeof(u64)];
	u64 id = 0;

	if (!site || !kp_text_read(mov, insn, sizeof(insn)) || insn[0] != 0x48 ||
	    insn[1] != 0xbf)
		sim_fail(kp_ctx(), SIM_V_CPU, "optimized-callback-site", __func__,
			 "optimized_callback reached from %#lx, not from a detour buffer",
			 site);
	for (int i = 7; i >= 0; i--)
		id = (id << 8) | insn[2 + i];
	for (size_t i = 0; i < arch->n_optprobe_ids; i++) {
		struct kp_optprobe_id *e = &arch->optprobe_ids[i];

		if (e->id != id)
			continue;
		if (!sim_alloc_is_live(kp_ctx(), e->op))
			break;
		return e->op;
	}
	sim_fail(kp_ctx(), SIM_V_MEMORY, "optimized-callback-freed-op", __func__,
		 "detour buffer at %#lx calls optimized_callback for freed op #%llu",
		 site - TMPL_CALL_IDX, (unsigned long long)id);
}

/* arch/x86/kernel/kprobes.c: optimized_callback() */
/* Optimized kprobe call back function: called from optinsn */
static void optimized_callback(struct optimized_kprobe *op, struct pt_regs *regs)
{
	struct kprobe_ctlblk *kcb = get_kprobe_ctlblk();

	preempt_disable();
	if (kprobe_running()) {
		kprobes_inc_nmissed_count(&op->kp);
	} else {
		/* Save skipped registers */
		regs->cs = __KERNEL_CS;
		regs->ip = op->kp.addr + INT3_SIZE;
		regs->orig_ax = ~0UL;

		__get_cpu_var(current_kprobe) = &op->kp;
		kcb->kprobe_status = KPROBE_HIT_ACTIVE;
		opt_pre_handler(&op->kp, regs);
		__get_cpu_var(current_kprobe) = NULL;
	}
	preempt_enable_no_resched();
}

/*
 * model: optimized_callback() as the native function the detour buffer's call reaches.
 * The frame is what the template saved; the template restores the CPU from its own
 * copy, so nothing the handlers change in it goes back.
 */
static void kp_optimized_callback_native(EmuMachine *m, EmuCpu *cpu, void *user)
{
	struct optimized_kprobe *op;
	struct pt_regs regs;

	KP_OBSERVE("optimized_callback");
	op = kp_optprobe_from_site(emu_cpu_native_site(cpu));
	kp_regs_from_cpu(&regs, cpu);
	/*
	 * The kernel's template pushes %rsp first, so the frame's sp is the stack pointer
	 * at the jump; the model's pushed the flags (one word) before the call.
	 */
	regs.sp += sizeof(unsigned long);
	optimized_callback(op, &regs);
}

/* arch/x86/kernel/kprobes.c: copy_optimized_instructions() */
static int copy_optimized_instructions(unsigned long dest, unsigned long src)
{
	int len = 0, ret;

	while (len < RELATIVEJUMP_SIZE) {
		ret = __copy_instruction(dest + len, src + len, 1);
		if (!ret || !can_boost(dest + len))
			return -EINVAL;
		len += ret;
	}
	/* Check whether the address range is reserved */
	if (ftrace_text_reserved(src, src + len - 1) ||
	    alternatives_text_reserved(src, src + len - 1) ||
	    jump_label_text_reserved(src, src + len - 1))
		return -EBUSY;

	return len;
}

/* arch/x86/kernel/kprobes.c: insn_is_indirect_jump() */
/* Check whether insn is indirect jump */
static int insn_is_indirect_jump(struct insn *insn)
{
	return ((insn->opcode.bytes[0] == 0xff &&
		(X86_MODRM_REG(insn->modrm.value) & 6) == 4) || /* Jump */
		insn->opcode.bytes[0] == 0xea);	/* Segment based jump */
}

/* arch/x86/kernel/kprobes.c: insn_jump_into_range() */
/* Check whether insn jumps into specified address range */
static int insn_jump_into_range(struct insn *insn, unsigned long start, int len)
{
	unsigned long target = 0;

	switch (insn->opcode.bytes[0]) {
	case 0xe0:	/* loopne */
	case 0xe1:	/* loope */
	case 0xe2:	/* loop */
	case 0xe3:	/* jcxz */
	case 0xe9:	/* near relative jump */
	case 0xeb:	/* short relative jump */
		break;
	case 0x0f:
		if ((insn->opcode.bytes[1] & 0xf0) == 0x80) /* jcc near */
			break;
		return 0;
	default:
		if ((insn->opcode.bytes[0] & 0xf0) == 0x70) /* jcc short */
			break;
		return 0;
	}
	target = insn->next_byte + insn->immediate.value;

	return (start <= target && target <= start + len);
}

/* arch/x86/kernel/kprobes.c: can_optimize() */
/* Decode whole function to ensure any instructions don't jump into target */
static int can_optimize(unsigned long paddr)
{
	int ret;
	unsigned long addr, size = 0, offset = 0;
	struct insn insn;
	kprobe_opcode_t buf[MAX_INSN_SIZE];
	kprobe_opcode_t text[MAX_INSN_SIZE];

	/* Lookup symbol including addr */
	if (!kallsyms_lookup_size_offset(paddr, &size, &offset))
		return 0;

	/* Check there is enough space for a relative jump. */
	if (size - offset < RELATIVEJUMP_SIZE)
		return 0;

	/* Decode instructions */
	addr = paddr - offset;
	while (addr < paddr - offset + size) { /* Decode until function end */
		if (search_exception_tables(addr))
			/*
			 * Fixup code jumps into this function: a probe here cannot
			 * be optimized.
			 */
			return 0;
		kp_read_text(text, addr, sizeof(text));
		kernel_insn_init(&insn, text);
		insn_get_opcode(&insn);
		if (insn.opcode.bytes[0] == BREAKPOINT_INSTRUCTION) {
			ret = recover_probed_instruction(buf, addr);
			if (ret)
				return 0;
			kernel_insn_init(&insn, buf);
		}
		insn_get_length(&insn);
		/* model: undecodable bytes (length 0; docs/model.md) cannot be checked */
		if (!insn.length)
			return 0;
		/* Recover address */
		insn.kaddr = addr;
		insn.next_byte = addr + insn.length;
		/* Check any instructions don't jump into target */
		if (insn_is_indirect_jump(&insn) ||
		    insn_jump_into_range(&insn, paddr + INT3_SIZE,
					 RELATIVE_ADDR_SIZE))
			return 0;
		addr += insn.length;
	}

	return 1;
}

/* arch/x86/kernel/kprobes.c: arch_check_optimized_kprobe() */
/* Check optimized_kprobe can actually be optimized. */
static int arch_check_optimized_kprobe(struct optimized_kprobe *op)
{
	int i;
	struct kprobe *p;

	for (i = 1; i < (int)op->optinsn.size; i++) {
		p = get_kprobe(op->kp.addr + i);
		if (p && !kprobe_disabled(p))
			return -EEXIST;
	}

	return 0;
}

/* arch/x86/kernel/kprobes.c: arch_within_optimized_kprobe() */
/* Check the addr is within the optimized instructions. */
static int arch_within_optimized_kprobe(struct optimized_kprobe *op, unsigned long addr)
{
	return (op->kp.addr <= addr &&
		op->kp.addr + op->optinsn.size > addr);
}

/* arch/x86/kernel/kprobes.c: __arch_remove_optimized_kprobe() */
/* Free optimized instruction slot */
static void __arch_remove_optimized_kprobe(struct optimized_kprobe *op, int dirty)
{
	if (op->optinsn.insn) {
		free_optinsn_slot(op->optinsn.insn, dirty);
		op->optinsn.insn = 0;
		op->optinsn.size = 0;
	}
}

/* arch/x86/kernel/kprobes.c: arch_remove_optimized_kprobe() */
static void arch_remove_optimized_kprobe(struct optimized_kprobe *op)
{
	__arch_remove_optimized_kprobe(op, 1);
}

/* arch/x86/kernel/kprobes.c: arch_prepare_optimized_kprobe() */
/*
 * Copy replacing target instructions
 * Target instructions MUST be relocatable (checked inside)
 */
static int arch_prepare_optimized_kprobe(struct optimized_kprobe *op)
{
	unsigned long buf;
	int ret;
	long rel;

	if (!can_optimize(op->kp.addr))
		return -EILSEQ;

	op->optinsn.insn = get_optinsn_slot();
	if (!op->optinsn.insn)
		return -ENOMEM;

	/*
	 * Verify if the address gap is in 2GB range, because this uses a relative
	 * jump.
	 */
	rel = (long)op->optinsn.insn - (long)op->kp.addr + RELATIVEJUMP_SIZE;
	if (labs(rel) > 0x7fffffff)
		return -ERANGE;

	buf = op->optinsn.insn;

	/* Copy instructions into the out-of-line buffer */
	ret = copy_optimized_instructions(buf + TMPL_END_IDX, op->kp.addr);
	if (ret < 0) {
		__arch_remove_optimized_kprobe(op, 0);
		return ret;
	}
	op->optinsn.size = ret;

	/* Copy arch-dep-instance from template */
	kp_slot_write(buf, optprobe_template_entry, TMPL_END_IDX);

	/* Set probe information */
	synthesize_set_arg1(buf + TMPL_MOVE_IDX, kp_optprobe_arg1(op));

	/* Set probe function call */
	synthesize_relcall(buf + TMPL_CALL_IDX, KP_OPTIMIZED_CALLBACK_ADDR);

	/* Set returning jmp instruction at the tail of out-of-line buffer */
	synthesize_reljump(buf + TMPL_END_IDX + op->optinsn.size,
			   op->kp.addr + op->optinsn.size);

	/* flush_icache_range(); model: the buffer is code a CPU may run from now on */
	kp_slot_set_live(buf, TMPL_END_IDX + op->optinsn.size + RELATIVEJUMP_SIZE, true);
	return 0;
}

/* arch/x86/kernel/kprobes.c: arch_optimize_kprobe() */
/* Replace a breakpoint (int3) with a relative jump.  */
static int arch_optimize_kprobe(struct optimized_kprobe *op)
{
	unsigned char jmp_code[RELATIVEJUMP_SIZE];
	s32 rel = (s32)((long)op->optinsn.insn -
			((long)op->kp.addr + RELATIVEJUMP_SIZE));

	/* Backup instructions which will be replaced by jump address */
	kp_read_text(op->optinsn.copied_insn, op->kp.addr + INT3_SIZE,
		     RELATIVE_ADDR_SIZE);

	jmp_code[0] = RELATIVEJUMP_OPCODE;
	kp_put_le32(&jmp_code[1], (u32)rel);

	/*
	 * text_poke_smp doesn't support NMI/MCE code modifying.  However, since kprobes
	 * itself also doesn't support NMI/MCE code probing, it's not a problem.
	 */
	text_poke_smp(op->kp.addr, jmp_code, RELATIVEJUMP_SIZE);
	return 0;
}

/* arch/x86/kernel/kprobes.c: arch_unoptimize_kprobe() */
/* Replace a relative jump with a breakpoint (int3).  */
static void arch_unoptimize_kprobe(struct optimized_kprobe *op)
{
	u8 buf[RELATIVEJUMP_SIZE];

	/* Set int3 to first byte for kprobes */
	buf[0] = BREAKPOINT_INSTRUCTION;
	memcpy(buf + 1, op->optinsn.copied_insn, RELATIVE_ADDR_SIZE);
	text_poke_smp(op->kp.addr, buf, RELATIVEJUMP_SIZE);
}

/* arch/x86/kernel/kprobes.c: setup_detour_execution() */
static int setup_detour_execution(struct kprobe *p, struct pt_regs *regs, int reenter)
{
	struct optimized_kprobe *op;

	if (p->flags & KPROBE_FLAG_OPTIMIZED) {
		/* This kprobe is really able to run optimized path. */
		op = container_of(p, struct optimized_kprobe, kp);
		/* Detour through copied instructions */
		regs->ip = op->optinsn.insn + TMPL_END_IDX;
		if (!reenter)
			reset_current_kprobe();
		preempt_enable_no_resched();
		return 1;
	}
	return 0;
}

/* ---- model: the exceptions, as the vCPU's trap hooks ---- */

/*
 * The int3 trap on a frame: do_int3() -> notify_die(DIE_INT3) -> here.  When a jprobe's
 * pre handler diverted the CPU to its entry, the entry runs now (see below).
 */
static bool kp_int3_trap(struct pt_regs *regs)
{
	struct die_args args = {
		.regs = regs, .str = "int3", .trapnr = KP_TRAP_BP, .signr = KP_SIGTRAP,
	};
	struct kprobe_ctlblk *kcb = get_kprobe_ctlblk();
	struct jprobe *jp;

	/*
	 * Only this trap's setjmp_pre_handler() counts: one called from the jump path's
	 * opt_pre_handler() (a jprobe added to an aggregate whose jump is still live)
	 * diverts nothing, the template restores the CPU from its own frame.
	 */
	kcb->jprobe_entry = NULL;
	if (kprobe_exceptions_notify(NULL, DIE_INT3, &args) != NOTIFY_STOP)
		return false;
	if (!kcb->jprobe_entry)
		return true;
	/*
	 * The jprobe's entry is the scenario's handler: C code that cannot stand at
	 * jp->entry in emulated text.  It runs here, where the CPU would have started
	 * it (the probe still current, IF clear, preemption off), and ends as a jprobe
	 * handler must, in jprobe_return().
	 */
	jp = kcb->jprobe_entry;
	kcb->jprobe_entry = NULL;
	{
		unsigned long sp = kcb->jprobe_saved_sp;
		size_t len = MIN_STACK_SIZE(sp);
		KpProbe *user = container_of(jp, struct kp_port_probe, jp)->user;
		bool handled;

		/* model: the checker copies the argument area the entry may overwrite (R4) */
		kp_check_jprobe_entry(kp_env_current(), sp, kp_stack_range(sp, len), len);
		kp_user_pre_handler(user);
		kp_user_jprobe_entry(user, kp_stack_range(sp, len), len);
		handled = jprobe_return(regs);
		if (handled)
			kp_check_jprobe_resumed(kp_env_current(), kp_stack_range(sp, len));
		return handled;
	}
}

static bool kp_int3_hook(EmuMachine *m, EmuCpu *cpu, void *user)
{
	struct pt_regs regs;
	/* kprobe_handler()'s addr: the int3 the frame's ip is one past */
	unsigned long addr = emu_cpu_ip(cpu) - sizeof(kprobe_opcode_t);
	SimFootprint fp = sim_fp1(SIM_RES_OBJ, SIM_ACC_READ, KP_RES_KPROBES);

	/*
	 * The handler's lock-free reads start here: the probe structures, and the byte at
	 * addr, which kprobe_handler() reads again when no probe is hashed there.  This is
	 * KP_OBSERVE() with that byte added to the footprint, so that the step is dependent
	 * with every write of it (an arm, a disarm, a jump going in or out).
	 */
	sim_fp_add(&fp, SIM_RES_TEXT, SIM_ACC_READ, addr, addr + 1);
	sim_yield(kp_ctx(), SIM_Y_LOAD, &fp);
	kp_regs_from_cpu(&regs, cpu);
	if (!kp_int3_trap(&regs))
		return false;
	kp_regs_to_cpu(&regs, cpu);
	return true;
}

/*
 * arch/x86/mm/fault.c: notify_page_fault(), as do_page_fault() asks it first about a
 * fault in kernel mode.  Non-zero: kprobes took the fault and the faulting code goes on.
 */
static int kp_notify_page_fault(struct pt_regs *regs)
{
	int ret = 0;

	if (!user_mode_vm(regs)) {
		preempt_disable();
		if (kprobe_running() && kprobe_fault_handler(regs, KP_TRAP_PF))
			ret = 1;
		preempt_enable();
	}
	return ret;
}

/* A probe handler touched memory that is not there, on the running vCPU. */
static int kp_page_fault(void)
{
	struct pt_regs regs;

	kp_regs_from_cpu(&regs, emu_machine_current_cpu(kp_env_current()->machine));
	return kp_notify_page_fault(&regs);
}

/*
 * The copy of cur's instruction, single-stepped in its slot, page-faulted instead of
 * completing (a probe's `step-faults`): the fault's frame has ip at the copy and the
 * flags of the single-step.  do_page_fault() asks kprobes (kprobe_fault_handler(),
 * HIT_SS, points ip back at the probe address), then resolves the fault as for any
 * missing page and returns to the frame as kprobes left it.  Only straight-line
 * instructions are made to fault: the vCPU has already run the copy, and for those
 * that changed nothing but ip.
 */
static bool kp_step_fault(struct kprobe *cur, struct pt_regs *regs)
{
	kprobe_opcode_t copy[MAX_INSN_SIZE];
	struct insn insn;

	if (!kp_user_step_fault(cur->addr))
		return false;
	kp_read_text(copy, cur->ainsn.insn, sizeof(copy));
	kernel_insn_init(&insn, copy);
	insn_get_length(&insn);
	if (regs->ip != cur->ainsn.insn + insn.length)
		sim_fail(kp_ctx(), SIM_V_USAGE, "model-step-fault-flow", __func__,
			 "step-faults on the instruction at %#lx, which changes control flow, "
			 "is not modelled", cur->addr);
	regs->ip = cur->ainsn.insn;
	kp_notify_page_fault(regs);
	return true;
}

/* do_debug() -> notify_die(DIE_DEBUG) -> here, after one single-stepped instruction. */
static void kp_debug_hook(EmuMachine *m, EmuCpu *cpu, void *user)
{
	struct pt_regs regs;
	struct die_args args = {
		.regs = &regs, .str = "debug", .trapnr = KP_TRAP_DEBUG, .signr = KP_SIGTRAP,
	};
	struct kprobe *cur;

	KP_OBSERVE("debug");
	kp_regs_from_cpu(&regs, cpu);
	cur = kprobe_running();
	if (cur && kp_step_fault(cur, &regs)) {
		kp_regs_to_cpu(&regs, cpu);
		return;
	}
	if (kprobe_exceptions_notify(NULL, DIE_DEBUG, &args) != NOTIFY_STOP)
		/*
		 * do_debug() goes on as for any single-step trap in kernel mode: it clears
		 * TF and sets TIF_SINGLESTEP, so the task is single-stepped, and gets a
		 * SIGTRAP, once it is back in user space.
		 */
		sim_fail(kp_ctx(), SIM_V_CPU, "cpu-unhandled-debug", __func__,
			 "single-step trap at %#lx that kprobes did not take (%s): do_debug() "
			 "marks the task TIF_SINGLESTEP, a stray SIGTRAP in user space",
			 regs.ip, cur ? "TF was set before the probe hit" : "no kprobe running");
	kp_regs_to_cpu(&regs, cpu);
}


/* arch/x86/kernel/kprobes.c: arch_init_kprobes() */
/*
 * The kernel has nothing to do here (the die notifier is registered by the generic
 * code).  The model installs what stands for the exception entry code: the int3 and
 * debug trap hooks, and optimized_callback() where the detour buffers call it.
 */
static int arch_init_kprobes(void)
{
	EmuMachine *m = kp_env_current()->machine;
	const EmuHooks hooks = {
		.int3 = kp_int3_hook,
		.debug = kp_debug_hook,
		.user = NULL,
	};

	emu_machine_set_hooks(m, &hooks);
	emu_machine_add_native(m, KP_OPTIMIZED_CALLBACK_ADDR, "optimized_callback",
			       kp_optimized_callback_native, NULL);
	emu_machine_add_native(m, KP_KRETPROBE_TRAMPOLINE_ADDR, "kretprobe_trampoline",
			       kretprobe_trampoline_holder, NULL);
	return 0;
}

/* arch/x86/kernel/kprobes.c: arch_trampoline_kprobe() */
static int arch_trampoline_kprobe(struct kprobe *p)
{
	return 0;
}
