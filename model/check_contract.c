// SPDX-License-Identifier: GPL-2.0-only
/*
 * Two contracts judged against the emulated image rather than against the port's own
 * view (docs/invariants.md, A9 and P3).  What a probe address allows is decided here from
 * the original bytes, decoded from the start of the function, from the image's
 * reservation tables and from the state of the text and its module; the port is never
 * asked whether it agrees, so a port that refuses for a reason of its own state (a
 * neighbour's jump in the bytes it decodes) is caught instead of excused.
 *
 *   A9, when a registration returns: at an original instruction boundary of probe-able,
 *       live text, with no probe registered at that address, register_*() succeeds.
 *   P3, at quiescence: an enabled kprobe whose window the image says can be relocated,
 *       and that no enabled neighbour blocks, sits behind an installed jump.
 */
#include "model/check.h"

#include "sim/violation.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#define INSN_JMP 0xe9
#define JUMP_SIZE 5
/* The longest window that can cover an address: four 1-byte instructions and a 15-byte one. */
#define MAX_WINDOW (JUMP_SIZE - 1 + EMU_MAX_INSN_SIZE)

static bool ended(KpWorld *w)
{
	return sim_violation_fatal(w->env->ctx) != NULL;
}

/* ---- the image: original instructions, walked from the function's start ---- */

/* A walk over the original bytes of one function's kallsyms extent. */
typedef struct {
	const EmuText *t;
	uint64_t at, end;
	EmuInsn insn;
} Walk;

/* The visible function whose extent holds addr; false when kallsyms knows none. */
static bool function_at(const EmuText *t, uint64_t addr, EmuTextSymbol *sym)
{
	uint64_t off;

	return emu_text_symbol_at(t, addr, sym, &off) && sym->visible;
}

static void walk_begin(Walk *wk, const EmuText *t, const EmuTextSymbol *sym)
{
	wk->t = t;
	wk->at = sym->addr;
	wk->end = sym->addr + sym->size;
}

/*
 * Decode the instruction at wk->at into wk->insn.  False at the end of the extent, or
 * where the decoder rejects the bytes or an instruction would run past the extent:
 * nothing past that point is known to be code.
 */
static bool walk_decode(Walk *wk)
{
	uint8_t buf[EMU_MAX_INSN_SIZE];
	size_t n = MIN((uint64_t)sizeof(buf), wk->end - wk->at);

	if (wk->at >= wk->end || !emu_text_read_orig(wk->t, wk->at, buf, n))
		return false;
	return emu_decode(buf, n, &wk->insn) != 0;
}

bool kp_contract_boundary(const EmuText *t, uint64_t addr)
{
	EmuTextSymbol sym;
	Walk wk;

	if (!function_at(t, addr, &sym))
		return false;
	walk_begin(&wk, t, &sym);
	while (wk.at < addr && walk_decode(&wk))
		wk.at += wk.insn.len;
	return wk.at == addr && walk_decode(&wk);
}

/*
 * The two-byte (0F xx) opcodes that can run from a detour buffer: the integer
 * instructions that compilers emit in straight-line code.  The kernel accepts a few more
 * (system and MMX opcodes); leaving them out only makes fewer windows count.
 */
static bool relocatable_0f(uint8_t op2)
{
	if ((op2 >= 0x40 && op2 <= 0x4f) ||	/* cmovcc */
	    (op2 >= 0x90 && op2 <= 0x9f) ||	/* setcc */
	    (op2 >= 0xc8 && op2 <= 0xcf))	/* bswap */
		return true;
	switch (op2) {
	case 0x31:				/* rdtsc */
	case 0xa3: case 0xab: case 0xb3: case 0xbb:	/* bt, bts, btr, btc */
	case 0xa4: case 0xa5: case 0xac: case 0xad:	/* shld, shrd */
	case 0xaf:				/* imul */
	case 0xb0: case 0xb1: case 0xc0: case 0xc1:	/* cmpxchg, xadd */
	case 0xb6: case 0xb7: case 0xbe: case 0xbf:	/* movzx, movsx */
	case 0xbc: case 0xbd:			/* bsf, bsr */
		return true;
	default:
		return false;
	}
}

/*
 * Can the instruction run from a detour buffer, followed by a jump back?  The kernel
 * decides this from the opcode alone (can_boost() on the copy); this is the same
 * judgement made here, a little stricter in places (far returns, iret, the rarer 0F
 * opcodes are refused), which only makes fewer windows count as relocatable.
 */
static bool relocatable(const EmuInsn *in, const uint8_t *bytes)
{
	uint8_t op = in->opcode[0];

	/* Neither a CS override (a branch hint in 64-bit code) nor an address-size override. */
	for (unsigned i = 0; i < in->n_prefixes; i++)
		if (bytes[i] == 0x2e || bytes[i] == 0x67)
			return false;
	if (in->opcode_len == 2)
		return relocatable_0f(in->opcode[1]);
	if (in->opcode_len != 1)
		return false;
	if (op <= 0x3f || (op >= 0x50 && op <= 0x5f))
		return true;	/* arithmetic and logic on r/m, push and pop of registers */
	if (op >= 0x80 && op <= 0xbf)
		return op != 0x9a;	/* moves, test, xchg, lea, string ops; not a far call */
	switch (op) {
	case 0x63:		/* movsxd */
	case 0x68: case 0x69: case 0x6a: case 0x6b:	/* push imm, imul imm */
	case 0x6c: case 0x6d: case 0x6e: case 0x6f:	/* ins, outs */
	case 0xc2: case 0xc3:	/* near ret: returns the same from anywhere */
	case 0xc6: case 0xc7:	/* mov imm to r/m */
	case 0xc8: case 0xc9:	/* enter, leave */
	case 0xd7:		/* xlat */
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:	/* in, out with an immediate port */
	case 0xec: case 0xed: case 0xee: case 0xef:	/* in, out through %dx */
	case 0xf5:		/* cmc */
	case 0xf8: case 0xf9: case 0xfa: case 0xfb: case 0xfc: case 0xfd: /* flag bits */
		return true;
	default:
		/*
		 * Relative and indirect branches, calls, traps, and the opcode groups the
		 * kernel does not look into: shifts (C0, C1, D0-D3), F6/F7, FE/FF.
		 */
		return false;
	}
}

/* A relative jump (not a call) and where it lands. */
static bool relative_jump(const EmuInsn *in, uint64_t at, uint64_t *target)
{
	if (in->flow != EMU_FLOW_JMP_REL && in->flow != EMU_FLOW_JCC_REL &&
	    in->flow != EMU_FLOW_LOOP_REL)
		return false;
	*target = emu_insn_rel_target(in, at);
	return true;
}

bool kp_contract_window(const EmuText *t, uint64_t addr, unsigned *window, const char **why)
{
	EmuTextSymbol sym;
	Walk wk;
	unsigned len = 0;
	uint64_t end;

	*window = 0;
	*why = "no function";
	if (!function_at(t, addr, &sym))
		return false;
	*why = "too short";
	if (sym.addr + sym.size - addr < JUMP_SIZE)
		return false;
	/* The window: whole original instructions from addr, at least a jump's worth. */
	walk_begin(&wk, t, &sym);
	wk.at = addr;
	while (len < JUMP_SIZE) {
		uint8_t buf[EMU_MAX_INSN_SIZE];

		*why = "not relocatable";
		if (!walk_decode(&wk) || !emu_text_read_orig(t, wk.at, buf, wk.insn.len) ||
		    !relocatable(&wk.insn, buf))
			return false;
		len += wk.insn.len;
		wk.at += wk.insn.len;
	}
	*why = "reserved";
	if (emu_text_ftrace_reserved(t, addr, addr + len - 1) ||
	    emu_text_alternatives_reserved(t, addr, addr + len - 1) ||
	    emu_text_jump_label_reserved(t, addr, addr + len - 1))
		return false;
	/*
	 * The whole function: no exception fixup may resume in it, no indirect jump may
	 * land anywhere in it, and no jump may land inside the window.  The kernel looks at
	 * targets A+1 .. A+5 (even when the window is longer, and even when A+5 ends it);
	 * both ranges are refused here.
	 */
	end = addr + MAX(len, (unsigned)JUMP_SIZE + 1);
	walk_begin(&wk, t, &sym);
	while (wk.at < wk.end) {
		uint64_t target;

		*why = "undecodable function";
		if (!walk_decode(&wk))
			return false;
		*why = "exception fixup in the function";
		if (emu_text_in_extable(t, wk.at))
			return false;
		*why = "indirect jump in the function";
		if (wk.insn.flow == EMU_FLOW_JMP_IND)
			return false;
		*why = "jump into the window";
		if (relative_jump(&wk.insn, wk.at, &target) && target > addr && target < end)
			return false;
		wk.at += wk.insn.len;
	}
	*why = NULL;
	*window = len;
	return true;
}

/* ---- the environment: is the text there, and may it be probed ---- */

/*
 * Live kernel, module or scenario text that kernel_text_address() would accept, in a
 * module that is neither going away nor (for its init text) already running.
 */
static bool live_text(KpWorld *w, uint64_t addr)
{
	EmuText *t = w->env->text;
	int r = emu_text_region_at(t, addr);
	EmuTextRegionInfo ri;
	struct module *mod;

	if (r < 0)
		return false;
	emu_text_region_info(t, (unsigned)r, &ri);
	if (ri.state != EMU_TEXT_LIVE)
		return false;
	switch (ri.kind) {
	case EMU_TEXT_CORE:
	case EMU_TEXT_INIT:
	case EMU_TEXT_SCENARIO:
		return true;
	case EMU_TEXT_MODULE_CORE:
	case EMU_TEXT_MODULE_INIT:
		mod = ri.module ? kp_env_module(w->env, ri.module) : NULL;
		if (!mod || !mod->loaded || mod->state == MODULE_STATE_GOING)
			return false;
		return ri.kind == EMU_TEXT_MODULE_CORE || mod->state == MODULE_STATE_COMING;
	default:
		return false;	/* slot pages */
	}
}

/* Not in .kprobes.text or the blacklist, nor on a site another subsystem patches. */
static bool unreserved(const EmuText *t, uint64_t addr)
{
	return !emu_text_in_kprobes_text(t, addr) && !emu_text_ftrace_reserved(t, addr, addr) &&
	       !emu_text_jump_label_reserved(t, addr, addr) &&
	       !emu_text_alternatives_reserved(t, addr, addr);
}

uint64_t kp_contract_spec_addr(const EmuText *t, const KpProbeSpec *sp)
{
	EmuTextSymbol sym;

	if (!sp->symbol)
		return sp->addr ? sp->addr + sp->offset : 0;
	if (sp->addr || !emu_text_symbol_by_name(t, sp->symbol, &sym) || !sym.visible)
		return 0;
	return sym.addr + sp->offset;
}

/*
 * Is probe id registered at addr, by its spec or by the address its struct carries, or
 * was it in a register or unregister call there at any time since step `since`?  (A
 * batch of another task that registered it and rolled it back again while this call ran
 * may have made this one fail: -EEXIST from two break handlers.)
 */
static bool registered_at(KpWorld *w, unsigned id, uint64_t addr, uint64_t since)
{
	const KpUserProbe *u = &w->user[id];

	if (!u->registered && !u->in_call && !u->in_lifecycle &&
	    !(u->call_start && u->call_end >= since))
		return false;
	return kp_contract_spec_addr(w->env->text, &w->probes[id]->spec) == addr ||
	       w->env->model->probe_addr(w->probes[id]) == addr;
}

static const char *errno_name(int ret, char *buf, size_t size)
{
	static const struct {
		int value;
		const char *name;
	} names[] = {
		{ -EINVAL, "-EINVAL" }, { -EBUSY, "-EBUSY" },	{ -EEXIST, "-EEXIST" },
		{ -ENOMEM, "-ENOMEM" }, { -EILSEQ, "-EILSEQ" }, { -ERANGE, "-ERANGE" },
		{ -ENOENT, "-ENOENT" }, { -EFAULT, "-EFAULT" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (names[i].value == ret)
			return names[i].name;
	snprintf(buf, size, "%d", ret);
	return buf;
}

/* ---- A9: a registration the image allows succeeds ---- */

/*
 * Does the contract bind this probe's registration, which returned ret?  *addr gets the
 * address its spec names.  Everything that lets the kernel refuse is excluded here.
 */
static bool contract_binds(KpWorld *w, KpProbe *p, int ret, uint64_t *addr)
{
	EmuText *t = w->env->text;
	const KpProbeSpec *sp = &p->spec;
	EmuTextSymbol sym;
	uint64_t off;

	/* Another call on the same struct may overlap this one (as calm() says). */
	if (w->user[p->id].in_call)
		return false;
	/*
	 * register_kprobe() writes the resolved address into the caller's struct, and
	 * kprobe_addr() refuses a struct with both a symbol and an address (-EINVAL), as it
	 * adds the offset to an address again: only a struct given by a bare address is
	 * the same at every call.  The record does not say whether a struct was passed to
	 * an earlier call, so -EINVAL is judged for those alone.
	 */
	if (sp->symbol ? ret == -EINVAL : sp->offset != 0)
		return false;
	*addr = kp_contract_spec_addr(t, sp);
	if (!*addr || !live_text(w, *addr) || !unreserved(t, *addr) ||
	    !kp_contract_boundary(t, *addr))
		return false;
	/* A jprobe's entry must start a function (register_jprobes()). */
	if (sp->kind == KP_PROBE_JPROBE) {
		uint64_t entry = sp->symbol ? *addr - sp->offset : sp->addr;

		if (!emu_text_symbol_at(t, entry, &sym, &off) || !sym.visible || off != 0)
			return false;
	}
	/* kretprobe_blacklist[]: __switch_to. */
	if (sp->kind == KP_PROBE_KRETPROBE && emu_text_symbol_by_name(t, "__switch_to", &sym) &&
	    sym.addr == *addr)
		return false;
	/* No probe registered, or being registered or unregistered, at that address. */
	for (unsigned id = 0; id < w->n_probes; id++) {
		/* The probe's own call is this one: only its being registered counts. */
		uint64_t since = id == p->id ? UINT64_MAX : w->user[p->id].call_start;

		if (registered_at(w, id, *addr, since))
			return false;
	}
	return true;
}

static const char *register_call(const KpProbe *p, int n)
{
	switch (p->spec.kind) {
	case KP_PROBE_JPROBE:
		return n == 1 ? "register_jprobe" : "register_jprobes";
	case KP_PROBE_KRETPROBE:
		return n == 1 ? "register_kretprobe" : "register_kretprobes";
	case KP_PROBE_KPROBE:
	default:
		return n == 1 ? "register_kprobe" : "register_kprobes";
	}
}

void kp_check_register_contract(KpWorld *w, KpProbe **ps, int n, int ret)
{
	uint64_t *addrs;
	char at[96], cause[48], num[16];
	const char *err;
	bool binds = true;

	/*
	 * An allocation may fail (fault injection: fail-nth), and a global call (sysctl,
	 * debugfs) overlapping this one is not ordered with it.
	 */
	if (ret == 0 || ret == -ENOMEM || n <= 0 || ended(w) || w->global_calls)
		return;
	addrs = g_new(uint64_t, (size_t)n);
	for (int i = 0; i < n && binds; i++) {
		binds = contract_binds(w, ps[i], ret, &addrs[i]);
		/* Two probes of one batch at one address: two jprobes clash (-EEXIST). */
		for (int j = 0; j < i && binds; j++)
			binds = addrs[j] != addrs[i];
	}
	if (binds) {
		err = errno_name(ret, num, sizeof(num));
		snprintf(cause, sizeof(cause), "register: %s", err);
		emu_text_describe(w->env->text, addrs[0], at, sizeof(at));
		if (n == 1)
			kp_check_report(w, "A9", cause,
					"%s(%s) at %s failed with %s, at an original instruction "
					"boundary of probe-able text where no probe is registered",
					register_call(ps[0], n), ps[0]->spec.name, at, err);
		else
			kp_check_report(w, "A9", cause,
					"%s(%s, ... %d probes) failed with %s, each at an original "
					"instruction boundary of probe-able text where no probe is "
					"registered (the first at %s)",
					register_call(ps[0], n), ps[0]->spec.name, n, err, at);
	}
	g_free(addrs);
}

/* ---- P3: what the image says can be optimized ends optimized ---- */

/* E9 rel32 at a, not the image's own bytes, into a live detour buffer. */
static bool detour_jump_at(const EmuText *t, uint64_t a)
{
	uint8_t now[JUMP_SIZE], orig[JUMP_SIZE];
	EmuTextRegionInfo ri;
	int32_t rel;
	uint64_t to;
	int r;

	if (!emu_text_read(t, a, now, JUMP_SIZE) || now[0] != INSN_JMP)
		return false;
	if (emu_text_read_orig(t, a, orig, JUMP_SIZE) && !memcmp(now, orig, JUMP_SIZE))
		return false;
	memcpy(&rel, &now[1], sizeof(rel));
	to = a + JUMP_SIZE + (uint64_t)(int64_t)rel;
	r = emu_text_region_at(t, to);
	if (r < 0)
		return false;
	emu_text_region_info(t, (unsigned)r, &ri);
	return ri.kind == EMU_TEXT_SLOT_OPT && ri.state == EMU_TEXT_LIVE &&
	       emu_text_slot_is_live(t, to, 1);
}

static const KpSnapEntry *hashed_at(const KpSnapshot *s, uint64_t addr)
{
	for (unsigned i = 0; i < s->n_entries; i++)
		if (s->entries[i].hashed && s->entries[i].addr == addr)
			return &s->entries[i];
	return NULL;
}

/* A registered probe the kernel never optimizes: a jprobe, or a post or break handler. */
static bool unoptimizable_kind(const KpProbeSpec *sp)
{
	return sp->kind == KP_PROBE_JPROBE ||
	       (sp->kind == KP_PROBE_KPROBE && (sp->post || sp->brk));
}

/* Enabled as far as the user's calls go, and its text not gone. */
static bool user_enabled(KpWorld *w, const KpSnapshot *s, unsigned id, uint64_t addr)
{
	const KpSnapEntry *h;

	if (!w->user[id].registered || !w->user[id].enabled || !addr)
		return false;
	h = hashed_at(s, addr);
	return !h || !(h->flags & KP_SNAP_GONE);
}

/*
 * Is the probe at addr (window bytes) rightly left without a jump?  A probe at the same
 * address that keeps the aggregate on its int3 (a jprobe, a post or break handler), an
 * enabled probe inside the window (arch_check_optimized_kprobe()), or an installed jump
 * whose window covers addr (the kernel forces it out when a probe there is armed; that
 * it did not is another invariant's matter).
 */
static bool blocked(KpWorld *w, const KpSnapshot *s, const uint64_t *addrs, uint64_t addr,
		    unsigned window)
{
	const EmuText *t = w->env->text;

	for (unsigned id = 0; id < w->n_probes; id++) {
		if (!addrs[id])
			continue;
		if (addrs[id] == addr && w->user[id].registered &&
		    unoptimizable_kind(&w->probes[id]->spec))
			return true;
		if (addrs[id] > addr && addrs[id] < addr + window &&
		    user_enabled(w, s, id, addrs[id]))
			return true;
	}
	for (uint64_t b = addr > MAX_WINDOW ? addr - MAX_WINDOW : 0; b < addr; b++) {
		unsigned len;
		const char *why;

		if (!detour_jump_at(t, b))
			continue;
		if (!kp_contract_window(t, b, &len, &why))
			len = JUMP_SIZE;
		if (b + len > addr)
			return true;
	}
	return false;
}

/* What the text at addr holds instead of an installed jump, for the message. */
static const char *holds(const EmuText *t, uint64_t addr, const KpSnapEntry *h)
{
	uint8_t now, orig;

	if (detour_jump_at(t, addr))
		return h->list == KP_SNAP_LIST_OPTIMIZING ? "its jump, still on optimizing_list"
							   : "its jump, still queued";
	if (!emu_text_read(t, addr, &now, 1) || !emu_text_read_orig(t, addr, &orig, 1))
		return "no text";
	if (now == 0xcc)
		return h->list == KP_SNAP_LIST_OPTIMIZING ? "an int3, queued but never optimized"
							   : "an int3";
	return now == orig ? "its original bytes" : "bytes that are neither an int3 nor a jump";
}

void kp_check_optimized(KpWorld *w, const KpSnapshot *s)
{
	const EmuText *t = w->env->text;
	uint64_t *addrs;

	if (ended(w) || !s->allow_optimization || s->all_disarmed || !w->armed || !w->optimize ||
	    s->work_pending || s->optimizer_running)
		return;
	addrs = g_new0(uint64_t, w->n_probes ? w->n_probes : 1);
	for (unsigned id = 0; id < w->n_probes; id++)
		if (w->user[id].registered)
			addrs[id] = kp_contract_spec_addr(t, &w->probes[id]->spec);
	for (unsigned id = 0; id < w->n_probes && !ended(w); id++) {
		const KpProbeSpec *sp = &w->probes[id]->spec;
		uint64_t addr = addrs[id];
		const KpSnapEntry *h;
		KpSnapEntry window;
		const char *why;
		char at[96], cause[128];
		unsigned len;
		bool first = true;

		if (!user_enabled(w, s, id, addr) || w->user[id].in_call || unoptimizable_kind(sp))
			continue;
		/* One verdict per address: its probes share one aggregate. */
		for (unsigned o = 0; o < id && first; o++)
			first = addrs[o] != addr || !user_enabled(w, s, o, addr) ||
				unoptimizable_kind(&w->probes[o]->spec);
		if (!first)
			continue;
		/* Unhashed (S7) or gone (freed text): nothing to optimize. */
		h = hashed_at(s, addr);
		if (!h || (h->flags & KP_SNAP_GONE) || !live_text(w, addr))
			continue;
		if (!kp_contract_window(t, addr, &len, &why) || blocked(w, s, addrs, addr, len))
			continue;
		if (detour_jump_at(t, addr) && h->list == KP_SNAP_LIST_NONE)
			continue;
		memset(&window, 0, sizeof(window));
		window.addr = addr;
		window.opt_size = len;
		emu_text_describe(t, addr, at, sizeof(at));
		kp_check_report(w, "P3", kp_progress_cause(w, &window, cause, sizeof(cause)),
				"%s could be optimized (a %u-byte window the image allows, no "
				"enabled probe blocking it) but holds %s at quiescence",
				at, len, holds(t, addr, h));
	}
	g_free(addrs);
}
