// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vCPU executor.
 *
 * Each vCPU runs emulated code on the stack of the task that called emu_cpu_call, so a
 * native or a trap hook that blocks simply blocks that task, and the instruction loop
 * resumes where it was.  An interrupt handler runs as a nested loop on the same stack;
 * its context ends at the `ret` that empties its part of the return-address stack.
 */
#include "arch_x86_emu/cpu.h"

#include "sim/ctx.h"
#include "sim/footprint.h"
#include "sim/trace.h"
#include "sim/violation.h"

#include <assert.h>
#include <string.h>

/* How far one fetch may read: the step's text footprint. */
#define FETCH_WINDOW 16u
#define STACK_WORDS (EMU_STACK_SIZE / 8u)

typedef struct {
	uint64_t addr;
	char *name;
	EmuNativeFn fn;
	void *user;
} Native;

/* What an interrupt saved, restored by its iret. */
typedef struct {
	uint64_t ip;
	uint64_t prev_ip;
	bool if_flag;
	bool tf_flag;
	uint64_t last_text_step;
} IrqFrame;

struct EmuCpu {
	EmuMachine *m;
	unsigned index;
	SimTask *task;		/* the task inside emu_cpu_call, NULL when idle */
	uint64_t ip;
	uint64_t prev_ip;	/* the instruction executed last in this context, 0: none */
	bool if_flag;		/* in a trap hook: the frame's, restored on return */
	bool tf_flag;
	bool resuming;		/* the next fetch resumes an interrupted context */
	uint8_t trap_depth;
	uint8_t in_native;
	bool irq_pending;
	uint64_t irq_handler;
	unsigned irq_depth;
	IrqFrame irq[EMU_IRQ_DEPTH];
	/* The running task's stack: rsp, its top, and its words (the vCPU's memory for
	 * whichever task is inside emu_cpu_call: nothing stays on it between calls). */
	uint64_t rsp;
	uint64_t stack_top;
	uint64_t *stack_mem;
	unsigned back_taken;	/* taken backward branches in this top-level call */
	uint64_t native_site;
	uint64_t insns;
	/* Step of the last instruction fetched from kernel text in the running context: an
	 * interrupt's fetches do not count for the context it interrupted. */
	uint64_t last_text_step;
	/* The pending step's footprint: the engine keeps the pointer until it runs. */
	SimFootprint fp;
};

struct EmuMachine {
	SimCtx *ctx;
	EmuText *text;
	EmuHooks hooks;
	EmuFetchHook fetch_hook;
	void *fetch_user;
	uint8_t policy;		/* EmuBranchPolicy */
	unsigned max_back;
	GArray *natives;	/* Native, sorted by address */
	unsigned n_cpus;
	EmuCpu cpus[SIM_MAX_VCPUS];
};

EmuMachine *emu_machine_new(SimCtx *ctx, EmuText *t)
{
	EmuMachine *m = g_new0(EmuMachine, 1);

	assert(ctx != NULL && t != NULL);
	assert(emu_text_ctx(t) == ctx);
	m->ctx = ctx;
	m->text = t;
	m->policy = EMU_BRANCH_NOT_TAKEN;
	m->max_back = EMU_DEFAULT_BACKWARD_TAKEN;
	m->natives = g_array_new(FALSE, FALSE, sizeof(Native));
	m->n_cpus = sim_n_vcpus(ctx);
	assert(m->n_cpus >= 1 && m->n_cpus <= SIM_MAX_VCPUS);
	for (unsigned i = 0; i < m->n_cpus; i++) {
		m->cpus[i].m = m;
		m->cpus[i].index = i;
		m->cpus[i].if_flag = true;
		m->cpus[i].stack_mem = g_new0(uint64_t, STACK_WORDS);
	}
	return m;
}

void emu_machine_free(EmuMachine *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < m->natives->len; i++)
		g_free(g_array_index(m->natives, Native, i).name);
	for (unsigned i = 0; i < m->n_cpus; i++)
		g_free(m->cpus[i].stack_mem);
	g_array_free(m->natives, TRUE);
	g_free(m);
}

SimCtx *emu_machine_ctx(const EmuMachine *m)
{
	assert(m != NULL);
	return m->ctx;
}

void emu_machine_set_hooks(EmuMachine *m, const EmuHooks *hooks)
{
	assert(m != NULL && hooks != NULL);
	assert(hooks->int3 != NULL && "an int3 hook is required");
	m->hooks = *hooks;
}

void emu_machine_set_fetch_hook(EmuMachine *m, EmuFetchHook fn, void *user)
{
	assert(m != NULL);
	m->fetch_hook = fn;
	m->fetch_user = user;
}

void emu_machine_set_branch_policy(EmuMachine *m, EmuBranchPolicy policy,
				   unsigned max_backward_taken)
{
	assert(m != NULL);
	assert(policy == EMU_BRANCH_NOT_TAKEN || policy == EMU_BRANCH_CHOICE);
	m->policy = (uint8_t)policy;
	m->max_back = max_backward_taken;
}

void emu_machine_add_native(EmuMachine *m, uint64_t addr, const char *name, EmuNativeFn fn,
			    void *user)
{
	Native n = { addr, NULL, fn, user };
	unsigned i;

	assert(m != NULL && fn != NULL);
	assert(addr != 0 && addr != EMU_IP_RETURNED);
	n.name = g_strdup(name ? name : "native");
	i = m->natives->len;
	while (i > 0 && g_array_index(m->natives, Native, i - 1).addr > addr)
		i--;
	assert((i == 0 || g_array_index(m->natives, Native, i - 1).addr != addr) &&
	       "one native per address");
	g_array_insert_val(m->natives, i, n);
}

static const Native *native_at(const EmuMachine *m, uint64_t addr)
{
	unsigned lo = 0, hi = m->natives->len;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const Native *n = &g_array_index(m->natives, Native, mid);

		if (n->addr == addr)
			return n;
		if (n->addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

EmuCpu *emu_machine_cpu(EmuMachine *m, unsigned index)
{
	assert(m != NULL);
	assert(index < m->n_cpus);
	return &m->cpus[index];
}

EmuCpu *emu_machine_current_cpu(EmuMachine *m)
{
	SimTask *self;

	assert(m != NULL);
	self = sim_current(m->ctx);
	assert(self != NULL && "only a task has a current vCPU");
	return emu_machine_cpu(m, sim_task_vcpu(self));
}

/* ---- violations -------------------------------------------------------------------------- */

static const char *fetch_id(EmuFetchStatus st)
{
	switch (st) {
	case EMU_FETCH_WILD: return "cpu-wild";
	case EMU_FETCH_FREED: return "cpu-fetch-freed";
	case EMU_FETCH_BAD_BOUNDARY: return "cpu-bad-boundary";
	case EMU_FETCH_TORN: return "cpu-torn";
	case EMU_FETCH_UNDECODABLE: return "cpu-undecodable";
	case EMU_FETCH_OK: break;
	}
	assert(!"not a fetch failure");
	return "cpu";
}

/* Say what is wrong with the fetch in a way a kernel developer can act on. */
static void fetch_detail(const EmuMachine *m, const EmuCpu *c, const EmuFetch *f, char *buf,
			 size_t size)
{
	EmuTextRegionInfo ri = { 0 };
	char orig[64];
	uint8_t ob[16];

	if (f->region >= 0)
		emu_text_region_info(m->text, (unsigned)f->region, &ri);
	switch (f->status) {
	case EMU_FETCH_WILD:
		if (f->region < 0)
			snprintf(buf, size, "no text there");
		else
			snprintf(buf, size, "%s is not loaded", ri.name);
		break;
	case EMU_FETCH_FREED:
		if (ri.state == EMU_TEXT_FREED)
			snprintf(buf, size, "%s was freed", ri.name);
		else
			snprintf(buf, size, "no live slot code there in %s", ri.name);
		break;
	case EMU_FETCH_BAD_BOUNDARY:
		if (f->write_len)
			snprintf(buf, size, "inside the %u-byte write at 0x%llx", f->write_len,
				 (unsigned long long)f->write_addr);
		else
			snprintf(buf, size, "not an instruction boundary of the original text");
		break;
	case EMU_FETCH_TORN:
		if (f->orig_len && emu_text_read_orig(m->text, c->ip, ob, f->orig_len))
			emu_text_hex(ob, f->orig_len, orig, sizeof(orig));
		else
			snprintf(orig, sizeof(orig), "?");
		snprintf(buf, size, "neither the original instruction (%s), nor int3, nor jmp rel32",
			 orig);
		break;
	case EMU_FETCH_UNDECODABLE:
		snprintf(buf, size, "the bytes in %s do not decode", ri.name);
		break;
	default:
		assert(!"not a fetch failure");
		buf[0] = '\0';
	}
}

static SIM_NORETURN void fetch_fail(EmuMachine *m, EmuCpu *c, const EmuFetch *f)
{
	char where[96], detail[160], hex[64];

	assert(f->status != EMU_FETCH_OK);
	assert(c->task == sim_current(m->ctx));
	emu_text_describe(m->text, c->ip, where, sizeof(where));
	fetch_detail(m, c, f, detail, sizeof(detail));
	emu_text_hex(f->bytes, MIN(f->n_bytes, 8u), hex, sizeof(hex));
	sim_fail(m->ctx, SIM_V_CPU, fetch_id((EmuFetchStatus)f->status), __func__,
		 "cpu%u %s at 0x%llx (%s)%s: %s; bytes [%s]", c->index,
		 c->resuming ? "resumes after an interrupt" : "fetches",
		 (unsigned long long)c->ip, where, c->irq_depth ? " in an interrupt handler" : "",
		 detail, f->n_bytes ? hex : "none");
}

/* ---- traps, natives, interrupts --------------------------------------------------------- */

static void run_context(EmuMachine *m, EmuCpu *c);

static void trap_int3(EmuMachine *m, EmuCpu *c, uint64_t addr)
{
	bool handled;

	assert(c->trap_depth == 0 && "no code runs inside a trap hook");
	assert(c->ip == addr + 1);
	SIM_TRACE(m->ctx, SIM_EV_USER, "int3", NULL, (int64_t)addr, c->if_flag, 0);
	c->trap_depth++;
	handled = m->hooks.int3(m, c, m->hooks.user);
	c->trap_depth--;
	if (!handled) {
		char where[96];

		emu_text_describe(m->text, addr, where, sizeof(where));
		sim_fail(m->ctx, SIM_V_CPU, "cpu-unhandled-int3", __func__,
			 "cpu%u: int3 at 0x%llx (%s) is not a kprobe trap, nobody handled it",
			 c->index, (unsigned long long)addr, where);
	}
}

/* The single-step trap after an instruction that started with TF set. */
static void trap_debug(EmuMachine *m, EmuCpu *c, bool returned)
{
	assert(c->trap_depth == 0);
	if (!m->hooks.debug)
		sim_fail(m->ctx, SIM_V_CPU, "cpu-unhandled-debug", __func__,
			 "cpu%u: single-step trap at 0x%llx with no debug hook", c->index,
			 (unsigned long long)c->ip);
	SIM_TRACE(m->ctx, SIM_EV_USER, "debug-trap", NULL, (int64_t)c->ip, 0, 0);
	c->trap_depth++;
	m->hooks.debug(m, c, m->hooks.user);
	c->trap_depth--;
	/* After a `ret` out of the outermost function there is nowhere to resume. */
	if (returned)
		c->ip = EMU_IP_RETURNED;
}

static void run_native(EmuMachine *m, EmuCpu *c, const Native *n, uint64_t site)
{
	uint64_t saved_site = c->native_site;

	assert(n != NULL && n->fn != NULL);
	assert(c->in_native < UINT8_MAX);
	SIM_TRACE(m->ctx, SIM_EV_USER, "native", sim_trace_intern(m->ctx, n->name),
		  (int64_t)n->addr, (int64_t)site, 0);
	c->native_site = site;
	c->in_native++;
	n->fn(m, c, n->user);
	c->in_native--;
	c->native_site = saved_site;
	assert(c->task == sim_current(m->ctx) && sim_task_vcpu(c->task) == c->index);
}

static bool irq_deliverable(const EmuCpu *c)
{
	return c->irq_pending && c->if_flag && c->trap_depth == 0 && c->irq_depth < EMU_IRQ_DEPTH;
}

/* Interrupt entry, the handler to its end, iret. */
static void deliver_irq(EmuMachine *m, EmuCpu *c)
{
	IrqFrame *fr;

	assert(irq_deliverable(c));
	assert(c->task == sim_current(m->ctx));
	fr = &c->irq[c->irq_depth++];
	fr->ip = c->ip;
	fr->prev_ip = c->prev_ip;
	fr->if_flag = c->if_flag;
	fr->tf_flag = c->tf_flag;
	fr->last_text_step = c->last_text_step;
	c->irq_pending = false;
	SIM_TRACE(m->ctx, SIM_EV_USER, "irq", NULL, (int64_t)c->ip, (int64_t)c->irq_handler,
		  c->irq_depth);
	/* An interrupt gate clears IF and TF; iret restores both. */
	c->if_flag = false;
	c->tf_flag = false;
	c->ip = c->irq_handler;
	c->prev_ip = 0;
	run_context(m, c);
	assert(c->irq_depth > 0 && fr == &c->irq[c->irq_depth - 1]);
	c->ip = fr->ip;
	c->prev_ip = fr->prev_ip;
	c->if_flag = fr->if_flag;
	c->tf_flag = fr->tf_flag;
	c->last_text_step = fr->last_text_step;
	c->irq_depth--;
	/* The return address is fetched again and checked like any other. */
	c->resuming = true;
	SIM_TRACE(m->ctx, SIM_EV_USER, "iret", NULL, (int64_t)c->ip, 0, c->irq_depth);
}

void emu_cpu_irq_point(EmuMachine *m)
{
	SimTask *self = sim_current(m->ctx);
	SimFootprint fp;
	EmuCpu *c;

	assert(m != NULL);
	if (!self)
		return;
	c = &m->cpus[sim_task_vcpu(self)];
	/* Only C code standing in for text (a native) is interruptible between its steps. */
	if (c->task != self || !c->in_native || !irq_deliverable(c))
		return;
	fp = sim_fp1(SIM_RES_VCPU, SIM_ACC_WRITE, c->index);
	if (sim_yield_alt(m->ctx, SIM_Y_IRQ, &fp, 2) == 1 && irq_deliverable(c)) {
		uint64_t ip = c->ip;

		deliver_irq(m, c);
		/* Back in the native, not at an instruction to fetch. */
		c->resuming = false;
		assert(c->ip == ip);
	}
}

/* ---- instructions ----------------------------------------------------------------------------- */

/* ---- the stack ---------------------------------------------------------------------------- */

static uint64_t stack_base(const EmuCpu *c)
{
	return c->stack_top - EMU_STACK_SIZE;
}

static void push(EmuMachine *m, EmuCpu *c, uint64_t word)
{
	assert(c->task != NULL && c->rsp <= c->stack_top && (c->rsp & 7) == 0);
	if (c->rsp - 8 < stack_base(c))
		sim_fail(m->ctx, SIM_V_CPU, "cpu-stack-overflow", __func__,
			 "cpu%u: push at 0x%llx below the %u-byte stack", c->index,
			 (unsigned long long)c->ip, EMU_STACK_SIZE);
	c->rsp -= 8;
	c->stack_mem[(c->rsp - stack_base(c)) / 8] = word;
}

static uint64_t pop(EmuCpu *c)
{
	uint64_t word;

	/* The return address the context pushed first ends it before this can underflow. */
	assert(c->task != NULL && c->rsp < c->stack_top && (c->rsp & 7) == 0);
	word = c->stack_mem[(c->rsp - stack_base(c)) / 8];
	c->rsp += 8;
	return word;
}

/* Words on the stack above the outermost return address. */
static unsigned depth(const EmuCpu *c)
{
	uint64_t start = c->stack_top - EMU_STACK_ENTRY;

	if (!c->task || c->rsp >= start)
		return 0;
	return (unsigned)((start - c->rsp) / 8 - 1);
}

/* `ret` (or what we treat as one): pop; the caller's return address ends the context. */
static bool do_return(EmuCpu *c)
{
	c->ip = pop(c);
	if (c->ip == EMU_CALLER_RETURN) {
		c->ip = EMU_IP_RETURNED;
		return true;
	}
	return false;
}

static bool branch_taken(EmuMachine *m, EmuCpu *c, uint64_t ip, uint64_t target)
{
	bool backward = target <= ip;
	bool taken;

	if (m->policy == EMU_BRANCH_NOT_TAKEN)
		return false;
	assert(m->policy == EMU_BRANCH_CHOICE);
	/* A bound on taken backward branches is what makes every loop end. */
	if (backward && c->back_taken >= m->max_back)
		return false;
	taken = sim_choose(m->ctx, 2) == 1;
	if (taken && backward)
		c->back_taken++;
	return taken;
}

/* Is there text at target that a call could enter?  Freed text counts: entering it is
 * the crash the fetch then reports. */
static bool callable(const EmuMachine *m, uint64_t target)
{
	int ri = emu_text_region_at(m->text, target);
	EmuTextRegionInfo info;

	if (ri < 0)
		return false;
	emu_text_region_info(m->text, (unsigned)ri, &info);
	return info.state != EMU_TEXT_UNMAPPED;
}

/*
 * A call the vCPU does not follow: the callee is taken to return at once.  Single-stepped,
 * the call is made (the return address pushed, the trap taken at the callee, as
 * resume_execution() expects) and the unknown callee returns after the trap.
 */
static void call_unknown(EmuMachine *m, EmuCpu *c, uint64_t next)
{
	if (c->tf_flag) {
		push(m, c, next);
		c->ip = EMU_UNKNOWN_CALLEE;
	} else {
		c->ip = next;
	}
}

static void call_rel(EmuMachine *m, EmuCpu *c, uint64_t site, uint64_t next, uint64_t target)
{
	const Native *n = native_at(m, target);

	if (n) {
		c->ip = next;
		run_native(m, c, n, site);
		return;
	}
	if (depth(c) < EMU_CALL_DEPTH && callable(m, target)) {
		push(m, c, next);
		c->ip = target;
	} else if (c->tf_flag) {
		/*
		 * A single-stepped relative call traps at its target before fetching there:
		 * kprobes steps the call's copy in a slot, whose target is the slot address
		 * plus rel32, and resume_execution() moves ip back by the copy's offset, to
		 * the real callee.  The unknown callee would be moved to a wild address.
		 */
		push(m, c, next);
		c->ip = target;
	} else {
		call_unknown(m, c, next);
	}
}

/* pushf and popf move rsp (resume_execution() fixes the pushed flags); popf changes no flag. */
static void stack_effect(EmuMachine *m, EmuCpu *c, const EmuInsn *insn)
{
	if (insn->opcode_len != 1 || insn->flow != EMU_FLOW_NEXT)
		return;
	if (insn->opcode[0] == 0x9c)
		push(m, c, 0x2u | (c->if_flag ? 0x200u : 0) | (c->tf_flag ? 0x100u : 0));
	else if (insn->opcode[0] == 0x9d)
		(void)pop(c);
}

/* Execute one fetched instruction; true when it ended the context. */
static bool execute(EmuMachine *m, EmuCpu *c, const EmuInsn *insn)
{
	uint64_t ip = c->ip;
	uint64_t next = ip + insn->len;
	bool stepping = c->tf_flag;
	bool ended = false;

	assert(insn->len > 0 && c->trap_depth == 0);
	c->insns++;
	c->prev_ip = ip;
	switch (insn->flow) {
	case EMU_FLOW_NEXT:
		stack_effect(m, c, insn);
		c->ip = next;
		break;
	case EMU_FLOW_JMP_REL:
		c->ip = emu_insn_rel_target(insn, ip);
		break;
	case EMU_FLOW_JCC_REL:
	case EMU_FLOW_LOOP_REL: {
		uint64_t target = emu_insn_rel_target(insn, ip);

		c->ip = branch_taken(m, c, ip, target) ? target : next;
		break;
	}
	case EMU_FLOW_CALL_REL:
		call_rel(m, c, ip, next, emu_insn_rel_target(insn, ip));
		break;
	case EMU_FLOW_CALL_IND:
		/* The target lives in a register we do not have. */
		call_unknown(m, c, next);
		break;
	case EMU_FLOW_JMP_IND:	/* a tail call or a jump table: the target is unknown */
	case EMU_FLOW_RET:
	case EMU_FLOW_TRAP:	/* ud2, hlt, ...: reachable only through our branch guesses */
		ended = do_return(c);
		break;
	case EMU_FLOW_INT3:
		c->ip = next;
		/* The trap is taken instead of a single-step trap for this instruction. */
		stepping = false;
		trap_int3(m, c, ip);
		break;
	default:
		assert(!"unknown control flow");
	}
	if (stepping) {
		trap_debug(m, c, ended);
		/* The unknown callee of a stepped call returns now (see call_unknown). */
		if (!ended && c->ip == EMU_UNKNOWN_CALLEE)
			ended = do_return(c);
	}
	return ended;
}

/*
 * Does the next instruction stay inside the emulated call (sim/footprint.h,
 * SIM_FP_STAYS)?  The call ends only when an instruction pops the return address
 * emu_cpu_call() pushed at the top of the stack; a context nested in it (an interrupt)
 * pushes its own below and returns to this one.  Below that slot nothing can pop it.  At
 * the slot, the instruction there now falls through, jumps or calls (it pops nothing) or
 * it may end the call: a return, an indirect jump (a tail call), a trap, a native.
 * Text that changes before the step runs changes through a step that writes it, which
 * is dependent with this one; sim/sched.c asserts the promise in every step that runs.
 */
static bool stays_in_call(EmuMachine *m, const EmuCpu *c)
{
	uint8_t bytes[FETCH_WINDOW];
	EmuInsn insn;

	if (c->rsp + 8 < c->stack_top - EMU_STACK_ENTRY)
		return true;
	if (m->natives->len && native_at(m, c->ip))
		return false;
	/* Near the end of a region the window does not fit: the step may end the call. */
	if (!emu_text_read(m->text, c->ip, bytes, sizeof(bytes)) ||
	    !emu_decode(bytes, sizeof(bytes), &insn))
		return false;
	switch (insn.flow) {
	case EMU_FLOW_NEXT:
	case EMU_FLOW_JMP_REL:
	case EMU_FLOW_JCC_REL:
	case EMU_FLOW_LOOP_REL:
	case EMU_FLOW_CALL_REL:
		return true;
	default:
		return false;
	}
}

static void set_fetch_fp(EmuMachine *m, EmuCpu *c)
{
	uint64_t lo = c->ip, hi = c->ip + FETCH_WINDOW;

	/* A wild ip near the top of the address space must still give lo < hi. */
	if (hi < lo)
		hi = UINT64_MAX;
	if (lo == hi)
		lo--;
	c->fp.n = 2;
	c->fp.acc[0] = (SimAccess){ SIM_RES_TEXT, SIM_ACC_READ, lo, hi };
	c->fp.acc[1] = (SimAccess){ SIM_RES_VCPU, SIM_ACC_READ, c->index, c->index + 1u };
	c->fp.flags = sim_reorders_steps(m->ctx) && stays_in_call(m, c) ? SIM_FP_STAYS : 0;
}

/* One decision point: an interrupt, or the next instruction.  True when the context ended. */
static bool insn_step(EmuMachine *m, EmuCpu *c)
{
	const Native *n;
	EmuFetch f;
	unsigned alt;

	set_fetch_fp(m, c);
	alt = sim_yield_alt(m->ctx, SIM_Y_INSN, &c->fp, irq_deliverable(c) ? 2 : 1);
	assert(sim_task_vcpu(c->task) == c->index && "a task inside emulated code stays put");
	if (alt == 1) {
		deliver_irq(m, c);
		return false;
	}
	n = m->natives->len ? native_at(m, c->ip) : NULL;
	if (n) {
		c->resuming = false;
		run_native(m, c, n, c->prev_ip);
		return do_return(c);
	}
	if (emu_text_fetch(m->text, c->ip, &f) != EMU_FETCH_OK)
		fetch_fail(m, c, &f);
	if (f.orig_len) {
		c->last_text_step = sim_step(m->ctx);
		if (m->fetch_hook)
			m->fetch_hook(m, c, c->ip, m->fetch_user);
	}
	c->resuming = false;
	SIM_TRACE(m->ctx, SIM_EV_USER, "insn", NULL, (int64_t)c->ip, f.insn.len,
		  (int64_t)f.bytes[0]);
	return execute(m, c, &f.insn);
}

/* Run from c->ip until the `ret` that pops the return address pushed here. */
static void run_context(EmuMachine *m, EmuCpu *c)
{
	uint64_t rsp = c->rsp;

	push(m, c, EMU_CALLER_RETURN);
	while (!insn_step(m, c))
		;
	assert(c->rsp == rsp);
}

int emu_cpu_call(EmuMachine *m, uint64_t addr)
{
	SimTask *self;
	EmuCpu *c;

	assert(m != NULL);
	assert(m->hooks.int3 != NULL && "emu_machine_set_hooks() before executing code");
	self = sim_current(m->ctx);
	assert(self != NULL && "emulated code runs on a task");
	c = emu_machine_cpu(m, sim_task_vcpu(self));
	assert(c->task == NULL && "one emulated call per vCPU at a time");
	c->task = self;
	c->ip = addr;
	c->prev_ip = 0;
	c->if_flag = true;
	c->tf_flag = false;
	c->resuming = false;
	c->trap_depth = 0;
	c->stack_top = EMU_STACK_AREA + ((uint64_t)sim_task_id(self) + 1) * EMU_STACK_SIZE;
	c->rsp = c->stack_top - EMU_STACK_ENTRY;
	c->back_taken = 0;
	c->native_site = 0;
	run_context(m, c);
	assert(c->rsp == c->stack_top - EMU_STACK_ENTRY);
	assert(c->irq_depth == 0 && c->trap_depth == 0);
	c->task = NULL;
	return 0;
}

bool emu_cpu_raise_irq(EmuMachine *m, unsigned cpu, uint64_t handler)
{
	EmuCpu *c;

	assert(m != NULL && cpu < m->n_cpus);
	assert(handler != 0);
	if (sim_current(m->ctx)) {
		/* What the target vCPU may do next changes: a step of its own. */
		SimFootprint fp = sim_fp1(SIM_RES_VCPU, SIM_ACC_WRITE, cpu);

		sim_yield(m->ctx, SIM_Y_IRQ, &fp);
	}
	c = &m->cpus[cpu];
	if (c->irq_pending)
		return false;
	c->irq_pending = true;
	c->irq_handler = handler;
	SIM_TRACE(m->ctx, SIM_EV_USER, "irq-raise", NULL, (int64_t)handler, cpu, 0);
	return true;
}

void emu_cpu_cancel_irq(EmuMachine *m, unsigned cpu)
{
	assert(m != NULL && cpu < m->n_cpus);
	assert(m->cpus[cpu].index == cpu);
	m->cpus[cpu].irq_pending = false;
}

/* ---- accessors ---------------------------------------------------------------------------------- */

unsigned emu_cpu_index(const EmuCpu *c)
{
	assert(c != NULL);
	return c->index;
}

bool emu_cpu_running(const EmuCpu *c)
{
	assert(c != NULL);
	return c->task != NULL;
}

uint64_t emu_cpu_ip(const EmuCpu *c)
{
	assert(c != NULL);
	return c->ip;
}

bool emu_cpu_if(const EmuCpu *c)
{
	assert(c != NULL);
	return c->if_flag;
}

bool emu_cpu_tf(const EmuCpu *c)
{
	assert(c != NULL);
	return c->tf_flag;
}

void emu_cpu_set_ip(EmuCpu *c, uint64_t ip)
{
	assert(c != NULL);
	assert(c->trap_depth > 0 && "ip changes only through a trap frame");
	c->ip = ip;
}

void emu_cpu_set_if(EmuCpu *c, bool on)
{
	assert(c != NULL);
	assert(c->task != NULL && (c->trap_depth > 0 || c->in_native > 0));
	c->if_flag = on;
}

void emu_cpu_set_tf(EmuCpu *c, bool on)
{
	assert(c != NULL);
	assert(c->task != NULL && (c->trap_depth > 0 || c->in_native > 0));
	c->tf_flag = on;
}

bool emu_cpu_irqs_enabled(const EmuCpu *c)
{
	assert(c != NULL);
	return c->if_flag && c->trap_depth == 0;
}

bool emu_cpu_in_trap(const EmuCpu *c)
{
	assert(c != NULL);
	return c->trap_depth > 0;
}

bool emu_cpu_in_native(const EmuCpu *c)
{
	assert(c != NULL);
	return c->task != NULL && c->task == sim_current(c->m->ctx) && c->in_native > 0;
}

bool emu_cpu_irq_pending(const EmuCpu *c)
{
	assert(c != NULL);
	return c->irq_pending;
}

unsigned emu_cpu_irq_depth(const EmuCpu *c)
{
	assert(c != NULL);
	return c->irq_depth;
}

uint64_t emu_cpu_irq_return_ip(const EmuCpu *c)
{
	assert(c != NULL);
	assert(c->irq_depth > 0 && "only inside an interrupt handler");
	return c->irq[c->irq_depth - 1].ip;
}

unsigned emu_cpu_call_depth(const EmuCpu *c)
{
	assert(c != NULL);
	return depth(c);
}

uint64_t emu_cpu_rsp(const EmuCpu *c)
{
	assert(c != NULL && c->task != NULL);
	return c->rsp;
}

uint64_t emu_cpu_stack_base(const EmuCpu *c)
{
	assert(c != NULL && c->task != NULL);
	return stack_base(c);
}

void *emu_cpu_stack_mem(EmuCpu *c, uint64_t addr, size_t len)
{
	assert(c != NULL && c->task != NULL);
	if (addr < stack_base(c) || addr > c->stack_top || len > c->stack_top - addr)
		return NULL;
	return (uint8_t *)c->stack_mem + (addr - stack_base(c));
}

void emu_cpu_push(EmuCpu *c, uint64_t word)
{
	assert(c != NULL && c->in_native > 0 && "only a native pushes");
	push(c->m, c, word);
}

uint64_t emu_cpu_native_site(const EmuCpu *c)
{
	assert(c != NULL);
	assert(c->in_native > 0 && "only inside a native");
	return c->native_site;
}

uint64_t emu_cpu_last_text_step(const EmuCpu *c)
{
	assert(c != NULL);
	return c->last_text_step;
}

uint64_t emu_cpu_insn_count(const EmuCpu *c)
{
	assert(c != NULL);
	return c->insns;
}

