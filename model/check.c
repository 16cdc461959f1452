// SPDX-License-Identifier: GPL-2.0-only
/*
 * The invariant checker.  It never looks inside a port: it judges the port's snapshot,
 * the emulated text (current and original bytes) and the user-level record.
 */
#include "model/check_test.h"

#include "model/invariants.h"
#include "model/ports.h"
#include "sim/alloc.h"
#include "sim/srcpath.h"
#include "sim/stop_machine.h"
#include "sim/violation.h"

#include <assert.h>
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct KpCheckState {
	/*
	 * Not zeroed: it is large (room for every probe of a run) and the port resets what
	 * it fills, so clearing it for every run would cost more than the run.
	 */
	KpSnapshot *snap;
	/* The live objects M2 and the leak check look at; grown as needed, kept for the run. */
	SimAllocInfo *live;
	size_t live_cap;
	uint64_t checked_gen;	/* env->gen at the last full check */
	bool checked_valid;
	/* Installed jumps the checker has seen written: T3 judges writes against them. */
	uint64_t jump_addr[KP_SNAP_MAX_ENTRIES];
	uint8_t jump_bytes[KP_SNAP_MAX_ENTRIES][5];
	unsigned n_jumps;
} KpCheckState;

/* The cause of what is judged only once everything settled, with no change behind it. */
#define QUIESCENCE "quiescence"

#define INSN_JMP 0xe9
#define INSN_INT3 0xcc

/*
 * A new state for a run.  Not zeroed either: the jump table (26 KiB) is read only below
 * n_jumps.
 */
static KpCheckState *state_new(void)
{
	KpCheckState *cs = g_new(KpCheckState, 1);

	cs->snap = g_malloc(sizeof(KpSnapshot));
	kp_snapshot_reset(cs->snap);
	cs->live = NULL;
	cs->live_cap = 0;
	cs->checked_gen = 0;
	cs->checked_valid = false;
	cs->n_jumps = 0;
	return cs;
}

static KpCheckState *state_of(KpWorld *w)
{
	if (!w->check)
		w->check = state_new();
	return w->check;
}

static void vreport(KpWorld *w, const char *id, const char *cause, const char *fmt,
		    va_list ap)
{
	char msg[512];

	assert(kp_invariant(id) != NULL);
	/*
	 * An invariant of another port's machinery says nothing about this one; a variant
	 * has its root port's machinery.
	 */
	if (!kp_invariant_applies(kp_invariant(id), kp_model_root(w->env->model)->name))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Not fatal: the simulated machine is still sound, and what follows may fail too. */
	sim_report_cause(w->env->ctx, SIM_V_INVARIANT, false, kp_invariant(id)->id, "checker",
			 cause, "%s", msg);
}

void kp_check_report(KpWorld *w, const char *id, const char *cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(w, id, cause, fmt, ap);
	va_end(ap);
}

static __attribute__((format(printf, 3, 4))) void fail(KpWorld *w, const char *id,
							  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(w, id, NULL, fmt, ap);
	va_end(ap);
}

/* Did a fatal violation (an oops, a BUG, ...) already end this run?  Then stop checking. */
static bool ended(KpWorld *w)
{
	return sim_violation_fatal(w->env->ctx) != NULL;
}

static const KpSnapshot *take_snapshot(KpWorld *w)
{
	KpCheckState *cs = state_of(w);

	/* The port resets what it fills; the rest of the arrays is never read. */
	w->env->model->snapshot(w->env, cs->snap);
	return cs->snap;
}

static const char *where(KpWorld *w, uint64_t addr, char *buf, size_t size)
{
	emu_text_describe(w->env->text, addr, buf, size);
	return buf;
}

/* ---- reading the text ---- */

static bool read_now(KpWorld *w, uint64_t addr, uint8_t *buf, size_t len)
{
	return emu_text_read(w->env->text, addr, buf, len);
}

static bool read_orig(KpWorld *w, uint64_t addr, uint8_t *buf, size_t len)
{
	return emu_text_read_orig(w->env->text, addr, buf, len);
}

static void jump_bytes(const KpSnapEntry *e, uint8_t out[5])
{
	int32_t rel = (int32_t)(e->detour - (e->addr + 5));

	out[0] = INSN_JMP;
	memcpy(&out[1], &rel, 4);
}

/* The five bytes at the entry's address are its installed jump to its detour buffer. */
static bool has_jump(KpWorld *w, const KpSnapEntry *e)
{
	uint8_t now[5], want[5];

	if (!e->detour || !read_now(w, e->addr, now, 5))
		return false;
	jump_bytes(e, want);
	return memcmp(now, want, 5) == 0;
}

/* An E9 at addr: a jump is written there (for GONE probes the detour may be gone). */
static bool starts_jump(KpWorld *w, uint64_t addr)
{
	uint8_t b;

	return read_now(w, addr, &b, 1) && b == INSN_JMP;
}

static bool disabled(uint32_t flags)
{
	return flags & (KP_SNAP_DISABLED | KP_SNAP_GONE);
}

/* The hashed entry that holds probe id (itself or as a child), or NULL. */
static const KpSnapEntry *holder_of(const KpSnapshot *s, int id, int *child)
{
	for (unsigned i = 0; i < s->n_entries; i++) {
		const KpSnapEntry *e = &s->entries[i];

		if (!e->hashed)
			continue;
		if (!e->aggr && e->probe == id) {
			*child = -1;
			return e;
		}
		for (unsigned c = 0; c < e->n_children; c++)
			if (e->children[c] == id) {
				*child = (int)c;
				return e;
			}
	}
	return NULL;
}

static bool outside_locks(KpWorld *w, const KpSnapshot *s)
{
	return !s->kprobe_mutex_held && !sim_mutex_is_locked(&w->env->text_mutex);
}

/* ---- S: structures ---- */

static bool unused(const KpSnapEntry *e)
{
	return e->aggr && disabled(e->flags) && e->n_children == 0;
}

/*
 * The entry's place, for a message: formatted only when one is written, as the checks
 * run at every judged step and almost never fail.
 */
#define AT where(w, e->addr, at, sizeof(at))

static void check_entry_structure(KpWorld *w, const KpSnapshot *s, const KpSnapEntry *e)
{
	char at[96];
	bool opt = e->flags & KP_SNAP_OPTIMIZED;

	if (e->list == KP_SNAP_LIST_FREEING) {
		if (e->hashed || !unused(e))
			fail(w, "S3", "op at %s is on a free list but %s", AT,
			     e->hashed ? "still hashed" : "not unused");
		return;
	}
	if (opt && (!e->aggr || !e->optready || (e->flags & KP_SNAP_GONE)))
		fail(w, "S1", "%s is OPTIMIZED but %s", AT,
		     !e->aggr ? "not an aggregate" : !e->optready ? "not optready" : "GONE");
	if (e->list == KP_SNAP_LIST_UNKNOWN)
		fail(w, "S3", "op at %s is queued on no known list", AT);
	if (opt && e->list == KP_SNAP_LIST_UNOPTIMIZING)
		fail(w, "S2", "%s is OPTIMIZED but on unoptimizing_list", AT);
	if (!opt && e->list == KP_SNAP_LIST_OPTIMIZING)
		fail(w, "S2", "%s is on optimizing_list without OPTIMIZED", AT);
	if (e->list == KP_SNAP_LIST_UNOPTIMIZING && !has_jump(w, e))
		fail(w, "S2", "%s is on unoptimizing_list but its jump is not installed", AT);
	if (e->list == KP_SNAP_LIST_OPTIMIZING &&
	    (disabled(e->flags) || !s->allow_optimization || s->all_disarmed))
		fail(w, "S4", "%s is on optimizing_list while %s", AT,
		     disabled(e->flags) ? "disabled"
		     : !s->allow_optimization ? "optimization is not allowed"
					      : "kprobes are globally disarmed");
	/*
	 * The seed keeps an unused aggregate hashed until the optimizer has removed its
	 * jump (S5); the parent unhashes it when its last child goes (S9).
	 */
	if (unused(e) && e->list != KP_SNAP_LIST_UNOPTIMIZING)
		fail(w, "S5", "unused aggregate at %s is hashed but not on unoptimizing_list", AT);
	if (unused(e))
		fail(w, "S9", "unused aggregate at %s is still hashed", AT);
	if (e->aggr) {
		bool all = true;

		for (unsigned c = 0; c < e->n_children; c++)
			all &= disabled(e->child_flags[c]) != 0;
		if (!!disabled(e->flags) != all)
			fail(w, "S6", "aggregate at %s is %s but %s of its children are disabled",
			     AT, disabled(e->flags) ? "disabled" : "enabled",
			     all ? "all" : "not all");
		for (unsigned c = 0; c < e->n_children; c++)
			if ((e->child_post[c] || e->child_break[c]) && (opt || has_jump(w, e)))
				fail(w, "H4", "aggregate at %s has a %s handler child but is %s", AT,
				     e->child_post[c] ? "post" : "break",
				     opt ? "OPTIMIZED" : "reached through a jump");
	}
}

static void check_registry(KpWorld *w, const KpSnapshot *s)
{
	char at[96];

	for (unsigned i = 0; i < s->n_entries; i++)
		for (unsigned j = i + 1; j < s->n_entries; j++)
			if (s->entries[i].hashed && s->entries[j].hashed &&
			    s->entries[i].addr == s->entries[j].addr)
				fail(w, "S7", "two hashed entries at %s",
				     where(w, s->entries[i].addr, at, sizeof(at)));
	for (unsigned i = 0; i < s->n_entries; i++) {
		const KpSnapEntry *e = &s->entries[i];

		/* An aggregate's children are registered probes (or being registered). */
		for (unsigned c = 0; e->hashed && e->aggr && c < e->n_children; c++) {
			int id = e->children[c];

			if (id >= 0 && (unsigned)id < w->n_probes && !w->user[id].registered &&
			    !w->user[id].in_call)
				fail(w, "S7", "%s is a child of the aggregate at %s but not registered",
				     w->probes[id]->spec.name, where(w, e->addr, at, sizeof(at)));
		}
		if (!e->hashed || e->aggr)
			continue;
		if (e->probe < 0 || (unsigned)e->probe >= w->n_probes)
			continue;
		if (!w->user[e->probe].registered && !w->user[e->probe].in_call)
			fail(w, "S7", "%s is hashed but not registered",
			     w->probes[e->probe]->spec.name);
	}
	for (unsigned id = 0; id < w->n_probes; id++) {
		const KpSnapEntry *h;
		int child;

		if (!w->user[id].registered || w->user[id].in_call)
			continue;
		h = holder_of(s, (int)id, &child);
		if (!h) {
			fail(w, "S7", "%s is registered but neither hashed nor a child",
			     w->probes[id]->spec.name);
			continue;
		}
		if (h->addr != w->env->model->probe_addr(w->probes[id]))
			fail(w, "S7", "%s is a child of the aggregate at %s but its address differs",
			     w->probes[id]->spec.name, where(w, h->addr, at, sizeof(at)));
	}
}

/* ---- T: text against state ---- */

typedef enum { EXPECT_ORIG, EXPECT_INT3, EXPECT_JUMP, EXPECT_NONE } Expect;

/* What the entry's text must be (docs/states.md), or EXPECT_NONE for a combination no
 * state has. */
static Expect expected_text(const KpSnapshot *s, const KpSnapEntry *e)
{
	bool d = disabled(e->flags), o = e->flags & KP_SNAP_OPTIMIZED, g = s->all_disarmed;
	uint8_t q = e->list;

	if (!e->aggr || !e->optready)
		return d || g ? EXPECT_ORIG : EXPECT_INT3;
	if (!o && q == KP_SNAP_LIST_NONE)
		return d || g ? EXPECT_ORIG : EXPECT_INT3;
	if (o && q == KP_SNAP_LIST_OPTIMIZING && !d)
		return EXPECT_INT3;
	if (o && q == KP_SNAP_LIST_NONE && !d)
		return EXPECT_JUMP;
	if (!o && q == KP_SNAP_LIST_UNOPTIMIZING)
		return EXPECT_JUMP;
	return EXPECT_NONE;
}

static void check_entry_text(KpWorld *w, const KpSnapshot *s, const KpSnapEntry *e)
{
	static const char *const names[] = { "the original bytes", "an int3", "its jump" };
	uint8_t now[5], orig[5];
	char at[96];
	Expect x;

	if (!e->hashed || (e->flags & KP_SNAP_GONE))
		return;
	x = expected_text(s, e);
	if (x == EXPECT_NONE) {
		fail(w, "T2", "%s: flags 0x%x with list %u match no state", AT, e->flags, e->list);
		return;
	}
	if (!read_now(w, e->addr, now, 1) || !read_orig(w, e->addr, orig, 1))
		return;
	/* T2: bytes A+1..A+4 of an installed jump are judged by the jump's owner. */
	for (unsigned i = 0; i < s->n_entries; i++) {
		const KpSnapEntry *o = &s->entries[i];

		if (o != e && o->hashed && e->addr > o->addr && e->addr < o->addr + 5 &&
		    starts_jump(w, o->addr))
			return;
	}
	if (x == EXPECT_JUMP ? !has_jump(w, e)
			     : now[0] != (x == EXPECT_INT3 ? INSN_INT3 : orig[0]))
		fail(w, "T2", "%s should hold %s but holds %02x", AT, names[x], now[0]);
	/*
	 * Against the original bytes: an original jmp rel32 is not an installed jump, while
	 * an installed jump T2 accepts (optimized, nothing queued) is what T4 forbids here.
	 */
	if (s->all_disarmed && !s->work_pending && !s->optimizer_running && !s->n_optimizing &&
	    !s->n_unoptimizing && (now[0] != orig[0] || has_jump(w, e)))
		fail(w, "T4", "%s holds %02x while kprobes are globally disarmed", AT, now[0]);
}

#undef AT

/* Does a hashed probe own the byte at a: its int3, or a byte of its installed jump? */
static bool owned(KpWorld *w, const KpSnapshot *s, uint64_t a)
{
	for (unsigned i = 0; i < s->n_entries; i++) {
		const KpSnapEntry *e = &s->entries[i];

		if (e->hashed && (e->addr == a || (a > e->addr && a < e->addr + 5 &&
						   starts_jump(w, e->addr))))
			return true;
	}
	return false;
}

/*
 * Bytes differ from the original only where a hashed probe owns them (T1).  A run of
 * unowned changed bytes is one report: the run goes on after it, and one stray write is
 * one defect.
 */
static void check_text_ownership(KpWorld *w, const KpSnapshot *s)
{
	const EmuTextRange *ranges;
	size_t n = emu_text_touched(w->env->text, &ranges);

	/* Kernel, module and scenario text (not slot pages): only written bytes can differ. */
	for (size_t r = 0; r < n; r++) {
		uint64_t end = ranges[r].addr + ranges[r].len, first = 0;
		uint8_t now0 = 0, orig0 = 0;
		unsigned run = 0;
		char at[96], more[48];

		for (uint64_t a = ranges[r].addr; a <= end; a++) {
			uint8_t now, orig;
			bool stray = a < end && read_now(w, a, &now, 1) && read_orig(w, a, &orig, 1) &&
				     now != orig && !owned(w, s, a);

			if (stray && !run++) {
				first = a;
				now0 = now;
				orig0 = orig;
			}
			if (stray || !run)
				continue;
			if (run > 1)
				snprintf(more, sizeof(more), ", and the %u bytes after it", run - 1);
			else
				more[0] = '\0';
			fail(w, "T1", "%s was changed (%02x, originally %02x%s) but no probe owns it",
			     where(w, first, at, sizeof(at)), now0, orig0, more);
			run = 0;
		}
	}
}

static void check_all(KpWorld *w, const KpSnapshot *s)
{
	if (ended(w))
		return;
	for (unsigned i = 0; i < s->n_entries && !ended(w); i++)
		check_entry_structure(w, s, &s->entries[i]);
	if (!ended(w))
		check_registry(w, s);
	for (unsigned i = 0; i < s->n_entries && !ended(w); i++)
		check_entry_text(w, s, &s->entries[i]);
	if (!ended(w))
		check_text_ownership(w, s);
}

void kp_check_structures(KpWorld *w)
{
	const KpSnapshot *s;

	if (ended(w))
		return;
	s = take_snapshot(w);
	assert(outside_locks(w, s));
	check_all(w, s);
}

void kp_check_snapshot_for_tests(KpWorld *w, const KpSnapshot *s)
{
	check_all(w, s);
}

/* ---- per step and per write ---- */

static void step_hook(SimCtx *ctx, void *user)
{
	KpWorld *w = user;
	KpCheckState *cs = state_of(w);
	const KpSnapshot *s;

	if (!ended(w))
		kp_hits_step(w);
	if (ended(w) || (cs->checked_valid && cs->checked_gen == w->env->gen))
		return;
	/* Inside the locks with no op being freed, a snapshot has nothing to give. */
	if ((sim_mutex_is_locked(&w->env->text_mutex) ||
	     w->env->model->kprobe_mutex_locked(w->env)) &&
	    !w->env->model->optimizer_freeing(w->env)) {
		/* What changed under the locks is judged once they are released. */
		cs->checked_valid = false;
		return;
	}
	s = take_snapshot(w);
	w->track.activity = sim_activity(ctx);
	kp_track_freeing(&w->track, &w->transitions, s);
	if (!outside_locks(w, s))
		return;
	cs->checked_gen = w->env->gen;
	cs->checked_valid = true;
	kp_track_consistent(&w->track, &w->transitions, s);
	check_all(w, s);
}

/* T3: judged on every write as it happens. */
static void write_hook(EmuText *t, const EmuTextWrite *wr, void *user)
{
	KpWorld *w = user;
	KpCheckState *cs = state_of(w);
	char at[96], jat[96];

	(void)t;
	w->env->gen++;
	if (wr->kind == EMU_WRITE_SLOT || ended(w))
		return;
	if (!sim_mutex_is_locked(&w->env->text_mutex))
		return;	/* reported by the text segment as text-poke-unlocked */
	/* T6: every text write here is kprobes' (nothing else patches text in this model). */
	if (!w->env->model->kprobe_mutex_held(w->env)) {
		fail(w, "T6", "a %zu-byte text write at %s without kprobe_mutex held", wr->len,
		     where(w, wr->addr, at, sizeof(at)));
		return;
	}
	/* T5: the text of a GONE probe is never written (it may be freed or reused). */
	{
		const KpSnapshot *s = take_snapshot(w);

		for (unsigned i = 0; i < s->n_entries; i++) {
			const KpSnapEntry *e = &s->entries[i];

			if (e->hashed && (e->flags & KP_SNAP_GONE) && wr->addr <= e->addr &&
			    e->addr < wr->addr + wr->len) {
				fail(w, "T5", "a %zu-byte write at %s targets a GONE probe", wr->len,
				     where(w, wr->addr, at, sizeof(at)));
				return;
			}
		}
	}
	for (unsigned i = 0; i < cs->n_jumps; i++) {
		uint64_t ja = cs->jump_addr[i];
		bool changes = false, stale = false;

		/* Only a write that changes a byte of the jump breaks it (T3: "changes"). */
		for (uint64_t a = MAX(wr->addr, ja); a < MIN(wr->addr + wr->len, ja + 5); a++) {
			changes |= wr->old_bytes[a - wr->addr] != wr->new_bytes[a - wr->addr];
			stale |= wr->old_bytes[a - wr->addr] != cs->jump_bytes[i][a - ja];
		}
		/*
		 * Every text write passes here, so a jump whose bytes are no longer there went
		 * with its text (a module unloaded, then loaded again at the same address).
		 */
		if (stale) {
			cs->jump_addr[i] = cs->jump_addr[--cs->n_jumps];
			memcpy(cs->jump_bytes[i], cs->jump_bytes[cs->n_jumps], 5);
			i--;
			continue;
		}
		if (!changes)
			continue;
		/* The op's own unoptimize write replaces all five bytes at once. */
		if (wr->addr == ja && wr->len == 5 && wr->new_bytes[0] == INSN_INT3) {
			cs->jump_addr[i] = cs->jump_addr[--cs->n_jumps];
			memcpy(cs->jump_bytes[i], cs->jump_bytes[cs->n_jumps], 5);
			break;
		}
		fail(w, "T3", "a %zu-byte write at %s changes the installed jump at %s", wr->len,
		     where(w, wr->addr, at, sizeof(at)), where(w, ja, jat, sizeof(jat)));
		return;
	}
	for (unsigned i = 0; i < cs->n_jumps; i++)
		if (cs->jump_addr[i] == wr->addr)
			return;	/* the same jump written again: already recorded */
	if (wr->len == 5 && wr->new_bytes[0] == INSN_JMP && cs->n_jumps < KP_SNAP_MAX_ENTRIES) {
		cs->jump_addr[cs->n_jumps] = wr->addr;
		memcpy(cs->jump_bytes[cs->n_jumps], wr->new_bytes, 5);
		cs->n_jumps++;
	}
}

void kp_check_free(KpWorld *w)
{
	if (!w->check)
		return;
	g_free(w->check->snap);
	g_free(w->check->live);
	g_free(w->check);
	w->check = NULL;
}

void kp_check_install(KpWorld *w)
{
	/* A fresh state for the run (state_of() makes it). */
	kp_check_free(w);
	state_of(w);
	sim_set_step_hook(w->env->ctx, step_hook, w);
	emu_text_set_write_hook(w->env->text, write_hook, w);
	kp_hits_install(w);
}

/* ---- API contracts ---- */

static bool calm(KpWorld *w, KpProbe *p)
{
	/*
	 * Another call changing the same probe, or a global one, may overlap this return;
	 * a global call's own verdict also needs no other global call inside it.
	 */
	return !ended(w) && !w->global_calls && (p ? !w->user[p->id].in_call : !w->global_overlap);
}

/* A user-active probe's address holds an int3 or its aggregate's installed jump. */
static bool armed_text(KpWorld *w, const KpSnapEntry *h)
{
	uint8_t b;

	return read_now(w, h->addr, &b, 1) && (b == INSN_INT3 || has_jump(w, h));
}

/*
 * A2: with the optimizer idle, -EBUSY from a registration at an address where no probe
 * is registered is an address made unusable by leftovers ("Busy to die" for good).
 */
static void check_busy(KpWorld *w, KpProbe *p)
{
	const KpSnapshot *s = take_snapshot(w);
	unsigned long addr = w->env->model->probe_addr(p);
	char at[96];

	/* A failed registration may leave the struct's address unset: its spec names it. */
	if (!addr)
		addr = kp_contract_spec_addr(w->env->text, &p->spec);

	if (s->work_pending || s->optimizer_running)
		return;
	for (unsigned id = 0; id < w->n_probes; id++)
		if (id != p->id && w->user[id].registered &&
		    w->env->model->probe_addr(w->probes[id]) == addr)
			return;
	fail(w, "A2", "register_kprobe(%s) at %s failed with -EBUSY with no probe registered "
	     "there and the optimizer idle", p->spec.name, where(w, addr, at, sizeof(at)));
}

void kp_check_after_register(KpWorld *w, KpProbe **ps, int n, int ret)
{
	const KpSnapshot *s;

	kp_check_register_contract(w, ps, n, ret);
	if (ret == -EBUSY && n == 1 && calm(w, ps[0]))
		check_busy(w, ps[0]);
	if (ret != 0)
		return;
	s = take_snapshot(w);
	for (int i = 0; i < n && !ended(w); i++) {
		KpProbe *p = ps[i];
		const KpSnapEntry *h;
		int child;

		if (!calm(w, p))
			continue;
		h = holder_of(s, (int)p->id, &child);
		if (!h) {
			fail(w, "A1", "register_kprobe(%s) returned 0 but it is neither hashed nor a child",
			     p->spec.name);
			continue;
		}
		if (w->user[p->id].enabled && !s->all_disarmed && !armed_text(w, h))
			fail(w, "A1", "register_kprobe(%s) returned 0 but its address is not armed",
			     p->spec.name);
	}
}

void kp_check_after_unregister(KpWorld *w, KpProbe **ps, int n)
{
	const KpSnapshot *s = take_snapshot(w);

	for (int i = 0; i < n && !ended(w); i++) {
		int child;

		if (!calm(w, ps[i]))
			continue;
		if (holder_of(s, (int)ps[i]->id, &child))
			fail(w, "A4", "unregister(%s) returned but it is still %s", ps[i]->spec.name,
			     child < 0 ? "hashed" : "a child of an aggregate");
	}
}

void kp_check_after_enable(KpWorld *w, KpProbe *p, int ret, bool enable)
{
	const KpSnapshot *s;
	const KpSnapEntry *h;
	unsigned flags;
	int child;

	if (ret != 0 || !calm(w, p))
		return;
	s = take_snapshot(w);
	flags = w->env->model->probe_flags(p);
	if (!enable) {
		/* A GONE probe (its text was freed) counts as disabled, as kprobe_disabled()
		 * says: __disable_kprobe leaves its flags alone and nothing can hit it. */
		if (!(flags & (KP_SNAP_DISABLED | KP_SNAP_GONE)))
			fail(w, "A3", "disable_kprobe(%s) returned 0 but DISABLED is clear",
			     p->spec.name);
		return;
	}
	if (flags & KP_SNAP_DISABLED)
		fail(w, "A3", "enable_kprobe(%s) returned 0 but DISABLED is set", p->spec.name);
	h = holder_of(s, (int)p->id, &child);
	if (!ended(w) && h && !s->all_disarmed && !armed_text(w, h))
		fail(w, "A3", "enable_kprobe(%s) returned 0 but its address is not armed",
		     p->spec.name);
}

static bool any_jump(KpWorld *w, const KpSnapshot *s, uint64_t *at)
{
	for (unsigned i = 0; i < s->n_entries; i++)
		if (s->entries[i].hashed && !(s->entries[i].flags & KP_SNAP_GONE) &&
		    has_jump(w, &s->entries[i])) {
			*at = s->entries[i].addr;
			return true;
		}
	return false;
}

void kp_check_after_sysctl_write(KpWorld *w, int ret, bool before)
{
	const KpSnapshot *s;
	uint64_t at;
	char buf[96];

	if (!calm(w, NULL))
		return;
	s = take_snapshot(w);
	if (ret != 0) {
		if (s->allow_optimization != before)
			fail(w, "A7", "a failed sysctl write (%d) changed the optimization setting",
			     ret);
		return;
	}
	w->optimize = s->allow_optimization;
	if (!s->allow_optimization && any_jump(w, s, &at))
		fail(w, "A7", "optimization was turned off but %s still holds an installed jump",
		     where(w, at, buf, sizeof(buf)));
}

void kp_check_after_sysctl_read(KpWorld *w, int value)
{
	const KpSnapshot *s;

	if (!calm(w, NULL) || value < 0)
		return;
	s = take_snapshot(w);
	if (value != (s->allow_optimization ? 1 : 0))
		fail(w, "A8", "the sysctl reads %d but optimization is %s", value,
		     s->allow_optimization ? "allowed" : "not allowed");
}

void kp_check_after_debugfs(KpWorld *w)
{
	const KpSnapshot *s;
	char buf[96];

	if (!calm(w, NULL))
		return;
	s = take_snapshot(w);
	for (unsigned i = 0; i < s->n_entries && !ended(w); i++) {
		const KpSnapEntry *e = &s->entries[i];
		uint8_t b;

		if (!e->hashed || (e->flags & KP_SNAP_GONE) || !read_now(w, e->addr, &b, 1))
			continue;
		/*
		 * What the address holds is part of the cause: a jump left live is cause 1 of
		 * docs/findings.md, an int3 the optimizer put back is cause 3, and a fix of one
		 * must not look like a fix of the other.
		 */
		if (!w->armed && (b == INSN_INT3 || has_jump(w, e)))
			kp_check_report(w, "A5",
					b == INSN_INT3 ? "debugfs write: the address holds an int3"
						       : "debugfs write: the address holds a jump",
					"kprobes were disarmed but %s holds %s",
					where(w, e->addr, buf, sizeof(buf)),
					b == INSN_INT3 ? "an int3" : "an installed jump");
	}
	if (w->armed && !ended(w)) {
		if (s->all_disarmed)
			fail(w, "A6", "arm_all_kprobes returned but kprobes_all_disarmed is set");
		for (unsigned id = 0; id < w->n_probes && !ended(w); id++) {
			const KpSnapEntry *h;
			int child;

			if (!w->user[id].registered || !w->user[id].enabled || w->user[id].in_call)
				continue;
			h = holder_of(s, (int)id, &child);
			if (h && !(h->flags & KP_SNAP_GONE) && !armed_text(w, h))
				fail(w, "A6", "arm_all_kprobes returned but %s is not armed",
				     w->probes[id]->spec.name);
		}
	}
}

void kp_check_after_debugfs_read(KpWorld *w, int value, const char *buf)
{
	const KpSnapshot *s;

	if (!calm(w, NULL) || value < 0)
		return;
	s = take_snapshot(w);
	if (strcmp(buf, s->all_disarmed ? "0\n" : "1\n"))
		fail(w, "A8", "debugfs enabled reads \"%.2s\" while kprobes are %s", buf,
		     s->all_disarmed ? "disarmed" : "armed");
}

/* ---- quiescence ---- */

/*
 * The cause of a liveness failure, found long after it: the last state change seen at the
 * probe's address or inside its window (a neighbour), with the operation or work
 * function that made it, as "disable: neighbour int3 -> disarmed".  Writes into buf.
 */
const char *kp_progress_cause(KpWorld *w, const KpSnapEntry *e, char *buf, size_t size)
{
	const KpStateTrack *t = &w->track;
	uint64_t end = e->addr + MAX(e->opt_size, 5u);
	unsigned best = t->n;

	for (unsigned i = 0; i < t->n; i++)
		if (t->addr[i] >= e->addr && t->addr[i] < end && t->when[i] &&
		    (best == t->n || t->when[i] > t->when[best]))
			best = i;
	if (best == t->n)
		return QUIESCENCE;
	snprintf(buf, size, "%s: %s %s -> %s", t->by[best] ? t->by[best] : "setup",
		 t->addr[best] == e->addr ? "the probe" : "a neighbour",
		 kp_state_name(t->from[best]), kp_state_name(t->state[best]));
	return buf;
}

/*
 * R1: at the end every kretprobe instance is on its kretprobe's free list or freed; one
 * in kretprobe_inst_table is a call that never returned, one on neither list is lost.
 */
static void check_rp_instances(KpWorld *w, const KpSnapshot *s, const SimAllocInfo *live,
			       size_t n_live)
{
	unsigned n = 0;

	for (size_t i = 0; i < n_live; i++)
		n += strstr(live[i].type, "kretprobe_instance") != NULL;
	if (s->n_rp_in_flight)
		kp_check_report(w, "R1", "an instance in flight at the end",
				"%u kretprobe instances are still in kretprobe_inst_table at the "
				"end", s->n_rp_in_flight);
	if (n > s->n_rp_free + s->n_rp_in_flight)
		kp_check_report(w, "R1", "an instance on no list",
				"%u kretprobe instances are allocated but %u are on free lists "
				"and %u in flight", n, s->n_rp_free, s->n_rp_in_flight);
}

static void check_memory(KpWorld *w, const KpSnapshot *s)
{
	KpCheckState *cs = state_of(w);
	size_t n_live = sim_alloc_live_count(w->env->ctx);
	SimAllocInfo *live;
	unsigned ops = 0, hashed_aggr = 0;
	bool any_registered = false, kretprobes = false;
	char at[96];

	if (n_live > cs->live_cap) {
		cs->live_cap = n_live * 2;
		cs->live = g_renew(SimAllocInfo, cs->live, cs->live_cap);
	}
	live = cs->live;
	n_live = sim_alloc_live(w->env->ctx, live, n_live);
	for (unsigned id = 0; id < w->n_probes; id++)
		kretprobes |= w->user[id].registered &&
			      w->probes[id]->spec.kind == KP_PROBE_KRETPROBE;
	check_rp_instances(w, s, live, n_live);
	for (size_t i = 0; i < n_live; i++) {
		if (strstr(live[i].type, "optimized_kprobe")) {
			ops++;
		} else if (strstr(live[i].type, "KPROBE_INSN_PAGE_SIZE")) {
			/* slot-page bookkeeping: the kernel keeps the last page on purpose */
		} else if (strstr(live[i].type, "kretprobe_instance") && kretprobes) {
			/* instances of a registered kretprobe */
		} else {
			/* Its cause is what leaked, not whichever task happened to run last. */
			kp_check_report(w, "leak", live[i].type,
					"%s #%llu (%zu bytes, allocated at %s:%d) is still live",
					live[i].type, (unsigned long long)live[i].id, live[i].size,
					sim_source_path(live[i].file), live[i].line);
			return;
		}
	}
	/*
	 * With nothing registered, anything outstanding is M3 (checked first: every used
	 * slot would otherwise be reported as having no owner, M2, and M3 could not fire).
	 */
	for (unsigned id = 0; id < w->n_probes; id++)
		any_registered |= w->user[id].registered;
	if (!any_registered) {
		bool m3 = false;

		if (s->n_entries || s->n_optimizing || s->n_unoptimizing) {
			kp_check_report(w, "M3", QUIESCENCE, "nothing is registered but %u entries "
					"are hashed and %u ops queued", s->n_entries,
					s->n_optimizing + s->n_unoptimizing);
			m3 = true;
		}
		for (unsigned k = 0; k < s->n_slots && !m3; k++)
			if (s->slots[k].state == KP_SLOT_USED) {
				kp_check_report(w, "M3", QUIESCENCE,
						"nothing is registered but slot %s is used",
						where(w, s->slots[k].addr, at, sizeof(at)));
				m3 = true;
			}
		if (m3)
			return;
	}
	for (unsigned i = 0; i < s->n_entries; i++)
		hashed_aggr += s->entries[i].hashed && s->entries[i].aggr;
	if (ops != hashed_aggr)
		kp_check_report(w, "M2", QUIESCENCE, "%u optimized_kprobe objects are allocated "
				"but %u aggregates hashed", ops, hashed_aggr);
	for (unsigned k = 0; k < s->n_slots && !ended(w); k++) {
		const KpSnapSlot *slot = &s->slots[k];
		unsigned owners = 0;

		if (slot->state != KP_SLOT_USED)
			continue;
		for (unsigned i = 0; i < s->n_entries; i++) {
			const KpSnapEntry *e = &s->entries[i];

			if (!e->hashed)
				continue;
			owners += slot->optinsn ? e->detour == slot->addr : e->ss_slot == slot->addr;
		}
		if (owners != 1)
			kp_check_report(w, "M2", QUIESCENCE, "used %s slot %s belongs to %u hashed probes",
			     slot->optinsn ? "detour" : "single-step",
			     where(w, slot->addr, at, sizeof(at)), owners);
	}
}

static void check_quiescent(KpWorld *w, const KpSnapshot *s)
{
	if (ended(w) || s->work_pending || s->optimizer_running)
		return;	/* not quiescent: the optimizer still has work */
	check_all(w, s);
	if (!ended(w))
		kp_check_optimized(w, s);
	if (!ended(w))
		check_memory(w, s);
}

void kp_check_quiescence(KpWorld *w)
{
	if (ended(w))
		return;
	check_quiescent(w, take_snapshot(w));
}

void kp_check_quiescence_for_tests(KpWorld *w, const KpSnapshot *s)
{
	check_quiescent(w, s);
}
