// SPDX-License-Identifier: GPL-2.0-only
#include "model/transitions.h"

#include <assert.h>
#include <stddef.h>

static const char *const names[KP_ST_COUNT] = {
	[KP_ST_NONE] = "none",		[KP_ST_DISARMED] = "disarmed",
	[KP_ST_INT3] = "int3",		[KP_ST_OPTIMIZING] = "optimizing",
	[KP_ST_OPTIMIZED] = "optimized", [KP_ST_UNOPTIMIZING] = "unoptimizing",
	[KP_ST_UNUSED] = "unused",	[KP_ST_FREEING] = "freeing",
	[KP_ST_GONE] = "gone",
};

const char *kp_state_name(unsigned state)
{
	return state < KP_ST_COUNT ? names[state] : "?";
}

KpProbeState kp_state_of(const KpSnapEntry *e, bool all_disarmed)
{
	bool d = e->flags & (KP_SNAP_DISABLED | KP_SNAP_GONE);

	if (e->list == KP_SNAP_LIST_FREEING)
		return KP_ST_FREEING;
	if (e->flags & KP_SNAP_GONE)
		return KP_ST_GONE;
	if (e->aggr && e->list == KP_SNAP_LIST_UNOPTIMIZING)
		return d && e->n_children == 0 ? KP_ST_UNUSED : KP_ST_UNOPTIMIZING;
	if (e->aggr && e->list == KP_SNAP_LIST_OPTIMIZING)
		return KP_ST_OPTIMIZING;
	if (e->aggr && (e->flags & KP_SNAP_OPTIMIZED))
		return KP_ST_OPTIMIZED;
	return d || all_disarmed ? KP_ST_DISARMED : KP_ST_INT3;
}

/* The transitions of docs/states.md, registration (from none) and removal (to none)
 * included. */
bool kp_transition_expected(unsigned from, unsigned to)
{
	static const uint8_t edges[][2] = {
		{ KP_ST_NONE, KP_ST_DISARMED },		/* register disabled or disarmed */
		{ KP_ST_NONE, KP_ST_INT3 },		/* register, not optimizable */
		{ KP_ST_NONE, KP_ST_OPTIMIZING },	/* register, optimizable */
		{ KP_ST_DISARMED, KP_ST_INT3 },		/* arm */
		{ KP_ST_DISARMED, KP_ST_OPTIMIZING },	/* enable, optimizable */
		{ KP_ST_INT3, KP_ST_DISARMED },		/* disarm */
		{ KP_ST_INT3, KP_ST_OPTIMIZING },	/* optimize_kprobe */
		{ KP_ST_OPTIMIZING, KP_ST_OPTIMIZED },	/* optimizer step 3 */
		{ KP_ST_OPTIMIZING, KP_ST_INT3 },	/* unoptimize: dequeue */
		{ KP_ST_OPTIMIZING, KP_ST_DISARMED },	/* __disarm_kprobe */
		{ KP_ST_OPTIMIZED, KP_ST_UNOPTIMIZING },	/* delayed unoptimization */
		{ KP_ST_OPTIMIZED, KP_ST_INT3 },	/* forced unoptimization */
		{ KP_ST_OPTIMIZED, KP_ST_UNUSED },	/* last child unregistered */
		{ KP_ST_UNOPTIMIZING, KP_ST_INT3 },	/* optimizer step 1, enabled */
		{ KP_ST_UNOPTIMIZING, KP_ST_DISARMED },	/* optimizer step 1, disabled */
		{ KP_ST_UNOPTIMIZING, KP_ST_UNUSED },	/* last child unregistered */
		{ KP_ST_UNUSED, KP_ST_FREEING },	/* optimizer step 1 unhashes it */
		{ KP_ST_FREEING, KP_ST_NONE },		/* optimizer step 4 frees it */
		{ KP_ST_DISARMED, KP_ST_NONE },		/* unregister */
		{ KP_ST_INT3, KP_ST_NONE },		/* unregister: disarm and unhash */
		{ KP_ST_OPTIMIZING, KP_ST_NONE },	/* unregister: dequeue too */
		/* any -> gone: kill_kprobe */
		{ KP_ST_DISARMED, KP_ST_GONE },
		{ KP_ST_INT3, KP_ST_GONE },
		{ KP_ST_OPTIMIZING, KP_ST_GONE },
		{ KP_ST_OPTIMIZED, KP_ST_GONE },
		{ KP_ST_UNOPTIMIZING, KP_ST_GONE },
		{ KP_ST_UNUSED, KP_ST_GONE },
		{ KP_ST_GONE, KP_ST_NONE },		/* unregister of a gone probe */
	};

	assert(from < KP_ST_COUNT && to < KP_ST_COUNT);
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		if (edges[i][0] == from && edges[i][1] == to)
			return true;
	return false;
}

/*
 * optimize_kprobe() cancelling a pending unoptimization (S4 -> S3) happens only on paths
 * where the kernel has already broken a contract: the sysctl write of 0 or a disarm-all
 * returned with the jump live (A7, A5), or an enable wrote int3 over it (T3).  It is in
 * the state machine, but no execution that passes its checks shows it.
 */
bool kp_transition_after_violation(unsigned from, unsigned to)
{
	return from == KP_ST_UNOPTIMIZING && to == KP_ST_OPTIMIZED;
}

/*
 * Without delayed unoptimization, disable_kprobe() and disarm-all take an optimized probe
 * straight to disarmed, and unregister takes it straight out of the hash.
 */
bool kp_transition_parent(unsigned from, unsigned to)
{
	return from == KP_ST_OPTIMIZED && (to == KP_ST_DISARMED || to == KP_ST_NONE);
}

static unsigned slot_of(KpStateTrack *t, uint64_t addr)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->addr[i] == addr)
			return i;
	if (t->n == KP_TRACK_MAX)
		return KP_TRACK_MAX;
	t->addr[t->n] = addr;
	t->state[t->n] = KP_ST_NONE;
	t->from[t->n] = KP_ST_NONE;
	t->by[t->n] = NULL;
	t->when[t->n] = 0;
	return t->n++;
}

static void move(KpStateTrack *t, KpTransitions *tr, unsigned i, KpProbeState to)
{
	if (i >= t->n || t->state[i] == to)
		return;
	tr->count[t->state[i]][to]++;
	t->from[i] = t->state[i];
	t->by[i] = t->activity;
	t->when[i] = ++t->seq;
	t->state[i] = to;
}

void kp_track_consistent(KpStateTrack *t, KpTransitions *tr, const KpSnapshot *s)
{
	bool seen[KP_TRACK_MAX] = { false };

	for (unsigned e = 0; e < s->n_entries; e++) {
		const KpSnapEntry *en = &s->entries[e];
		unsigned i;

		if (!en->hashed)
			continue;
		i = slot_of(t, en->addr);
		if (i == KP_TRACK_MAX)
			continue;
		seen[i] = true;
		move(t, tr, i, kp_state_of(en, s->all_disarmed));
	}
	for (unsigned i = 0; i < t->n; i++)
		if (!seen[i] && t->state[i] != KP_ST_FREEING)
			move(t, tr, i, KP_ST_NONE);
	/* An op seen freeing that is gone from every list now has been freed. */
	for (unsigned i = 0; i < t->n; i++) {
		bool still = false;

		if (t->state[i] != KP_ST_FREEING)
			continue;
		for (unsigned e = 0; e < s->n_entries; e++)
			still |= s->entries[e].addr == t->addr[i] &&
				 s->entries[e].list == KP_SNAP_LIST_FREEING;
		if (!still && !seen[i])
			move(t, tr, i, KP_ST_NONE);
	}
}

void kp_track_freeing(KpStateTrack *t, KpTransitions *tr, const KpSnapshot *s)
{
	for (unsigned e = 0; e < s->n_entries; e++) {
		const KpSnapEntry *en = &s->entries[e];

		if (en->list == KP_SNAP_LIST_FREEING)
			move(t, tr, slot_of(t, en->addr), KP_ST_FREEING);
	}
}
