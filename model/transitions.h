/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The probe state machine of docs/states.md, observed: each hashed probe address is classified
 * into a state whenever the structures are consistent (nobody holds kprobe_mutex or
 * text_mutex), ops on an optimizer's free list whenever they are seen, and every change
 * of state is counted.  `kpsim run --coverage` prints the counts and the transitions
 * the state machine has that no execution showed.
 */
#ifndef KPSIM_MODEL_TRANSITIONS_H
#define KPSIM_MODEL_TRANSITIONS_H

#include "model/snapshot.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum {
	KP_ST_NONE,		/* no probe at the address */
	KP_ST_DISARMED,		/* S0 */
	KP_ST_INT3,		/* S1 */
	KP_ST_OPTIMIZING,	/* S2 */
	KP_ST_OPTIMIZED,	/* S3 */
	KP_ST_UNOPTIMIZING,	/* S4 */
	KP_ST_UNUSED,		/* S5 */
	KP_ST_FREEING,		/* S6 */
	KP_ST_GONE,
	KP_ST_COUNT
} KpProbeState;

const char *kp_state_name(unsigned state);

typedef struct {
	uint64_t count[KP_ST_COUNT][KP_ST_COUNT];
} KpTransitions;

/* The state of one snapshot entry (all_disarmed is the snapshot's G). */
KpProbeState kp_state_of(const KpSnapEntry *e, bool all_disarmed);
/* Is from -> to a transition of the state machine (or of registering/unregistering)? */
bool kp_transition_expected(unsigned from, unsigned to);
/* A transition of the machine that only executions which already broke an invariant show. */
bool kp_transition_after_violation(unsigned from, unsigned to);
/*
 * A transition of the parent port (6274de4^) that the seed's machine does not have:
 * the jump removed in the caller's path (optimized -> disarmed, optimized -> none).
 */
bool kp_transition_parent(unsigned from, unsigned to);

#define KP_TRACK_MAX KP_SNAP_MAX_ENTRIES

/*
 * Last state seen per address, and the change that led to it: the state before, the
 * activity it was seen in (sim_activity(): the operation or work function that made it)
 * and when, in the order changes were seen.  A violation judged long after the change
 * that caused it (P3 at quiescence) names that change as its cause.
 */
typedef struct {
	uint64_t addr[KP_TRACK_MAX];
	uint8_t state[KP_TRACK_MAX];
	uint8_t from[KP_TRACK_MAX];
	const char *by[KP_TRACK_MAX];
	uint64_t when[KP_TRACK_MAX];
	uint64_t seq;		/* changes seen so far */
	const char *activity;	/* set by the caller before each kp_track_*() */
	unsigned n;
} KpStateTrack;

/* A consistent snapshot: every address's state, and NONE for addresses that left. */
void kp_track_consistent(KpStateTrack *t, KpTransitions *tr, const KpSnapshot *s);
/* Any snapshot: only ops on a free list (they are never seen outside the locks). */
void kp_track_freeing(KpStateTrack *t, KpTransitions *tr, const KpSnapshot *s);

#endif
