// SPDX-License-Identifier: GPL-2.0-only
/*
 * The probe state machine as `kpsim run --coverage` observes it (model/transitions.c):
 * the classification of a snapshot entry into a state of docs/states.md, the state
 * names, which transitions the state machine has, and the tracking that counts each
 * change of state of an address from one snapshot to the next.
 */
#include "model_harness.h"

#include "model/transitions.h"

static KpSnapEntry entry(uint64_t addr, bool aggr, uint32_t flags, uint8_t list,
			 unsigned children)
{
	return (KpSnapEntry){ .addr = addr, .hashed = list != KP_SNAP_LIST_FREEING,
			      .aggr = aggr, .optready = aggr, .flags = flags, .list = list,
			      .probe = aggr ? -1 : 0, .n_children = children };
}

typedef struct {
	const char *what;
	bool aggr;
	uint32_t flags;
	uint8_t list;
	unsigned children;
	bool all_disarmed;	/* G */
	KpProbeState state;
} StateRow;

static const StateRow state_rows[] = {
	{ "armed aggregate", true, 0, KP_SNAP_LIST_NONE, 1, false, KP_ST_INT3 },
	{ "globally disarmed (G = 1)", true, 0, KP_SNAP_LIST_NONE, 1, true, KP_ST_DISARMED },
	{ "disabled", true, KP_SNAP_DISABLED, KP_SNAP_LIST_NONE, 1, false, KP_ST_DISARMED },
	{ "queued to optimize", true, KP_SNAP_OPTIMIZED, KP_SNAP_LIST_OPTIMIZING, 1, false,
	  KP_ST_OPTIMIZING },
	{ "optimized", true, KP_SNAP_OPTIMIZED, KP_SNAP_LIST_NONE, 1, false,
	  KP_ST_OPTIMIZED },
	/* unoptimizing with D = 0 and with D = 1 (a disabled child remains) */
	{ "unoptimizing, enabled", true, 0, KP_SNAP_LIST_UNOPTIMIZING, 1, false,
	  KP_ST_UNOPTIMIZING },
	{ "unoptimizing, disabled", true, KP_SNAP_DISABLED, KP_SNAP_LIST_UNOPTIMIZING, 1, false,
	  KP_ST_UNOPTIMIZING },
	/* unused: disabled, no children, still on unoptimizing_list */
	{ "unused", true, KP_SNAP_DISABLED, KP_SNAP_LIST_UNOPTIMIZING, 0, false, KP_ST_UNUSED },
	/* an enabled aggregate without children is not "unused" */
	{ "enabled, no children", true, 0, KP_SNAP_LIST_UNOPTIMIZING, 0, false,
	  KP_ST_UNOPTIMIZING },
	/* freeing wins over everything, GONE over the rest */
	{ "freeing and gone", true, KP_SNAP_GONE | KP_SNAP_DISABLED, KP_SNAP_LIST_FREEING, 0,
	  false, KP_ST_FREEING },
	{ "gone", true, KP_SNAP_GONE | KP_SNAP_OPTIMIZED, KP_SNAP_LIST_UNOPTIMIZING, 1, false,
	  KP_ST_GONE },
	/* an independent probe is only disarmed or int3, whatever its list field says */
	{ "independent, unoptimizing list", false, KP_SNAP_OPTIMIZED,
	  KP_SNAP_LIST_UNOPTIMIZING, 0, false, KP_ST_INT3 },
	{ "independent, optimizing list, G = 1", false, KP_SNAP_OPTIMIZED,
	  KP_SNAP_LIST_OPTIMIZING, 0, true, KP_ST_DISARMED },
};

/* Each state from its D (disabled), O (OPTIMIZED), Q (the list) and G. */
static void test_state_of_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(state_rows); i++) {
		const StateRow *r = &state_rows[i];
		KpSnapEntry e = entry(1, r->aggr, r->flags, r->list, r->children);

		print_message("# %s: %s\n", r->what, kp_state_name(r->state));
		assert_int_equal(kp_state_of(&e, r->all_disarmed), r->state);
	}
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(kp_state_name(KP_ST_NONE), "none");
	assert_string_equal(kp_state_name(KP_ST_UNOPTIMIZING), "unoptimizing");
	assert_string_equal(kp_state_name(KP_ST_GONE), "gone");
	assert_string_equal(kp_state_name(KP_ST_COUNT), "?");
	assert_string_equal(kp_state_name(1000), "?");
}

/* The transitions of docs/states.md, and some that the state machine does not have. */
static void test_transition_table(void **state)
{
	unsigned n = 0;

	(void)state;
	assert_true(kp_transition_expected(KP_ST_INT3, KP_ST_OPTIMIZING));
	assert_true(kp_transition_expected(KP_ST_OPTIMIZING, KP_ST_OPTIMIZED));
	assert_true(kp_transition_expected(KP_ST_OPTIMIZED, KP_ST_UNOPTIMIZING));
	/*
	 * unoptimizing -> optimized is in the state machine but only shows after a broken
	 * contract (A5, A7, T3)
	 */
	assert_false(kp_transition_expected(KP_ST_UNOPTIMIZING, KP_ST_OPTIMIZED));
	assert_true(kp_transition_after_violation(KP_ST_UNOPTIMIZING, KP_ST_OPTIMIZED));
	assert_false(kp_transition_after_violation(KP_ST_OPTIMIZED, KP_ST_UNOPTIMIZING));
	assert_true(kp_transition_expected(KP_ST_UNUSED, KP_ST_FREEING));
	assert_true(kp_transition_expected(KP_ST_FREEING, KP_ST_NONE));
	/* any (hashed) state -> gone: kill_kprobe; gone leaves only by unregister */
	for (unsigned s = KP_ST_DISARMED; s <= KP_ST_UNUSED; s++)
		assert_true(kp_transition_expected(s, KP_ST_GONE));
	assert_true(kp_transition_expected(KP_ST_GONE, KP_ST_NONE));
	for (unsigned s = KP_ST_NONE; s < KP_ST_COUNT; s++)
		if (s != KP_ST_NONE)
			assert_false(kp_transition_expected(KP_ST_GONE, s));
	/* a freeing op is unhashed: kill_kprobe cannot reach it */
	assert_false(kp_transition_expected(KP_ST_FREEING, KP_ST_GONE));
	/* an unused aggregate is not freed without being unhashed first */
	assert_false(kp_transition_expected(KP_ST_UNUSED, KP_ST_NONE));
	/* a jump is never installed without passing through optimizing_list */
	assert_false(kp_transition_expected(KP_ST_INT3, KP_ST_OPTIMIZED));
	assert_false(kp_transition_expected(KP_ST_NONE, KP_ST_OPTIMIZED));
	for (unsigned a = 0; a < KP_ST_COUNT; a++) {
		assert_false(kp_transition_expected(a, a));
		for (unsigned b = 0; b < KP_ST_COUNT; b++)
			n += kp_transition_expected(a, b);
	}
	assert_int_equal(n, 28);
}

/* Tracking an address through snapshots: one count per change of state. */
static void test_track_sequence(void **state)
{
	g_autofree KpSnapshot *s = g_new0(KpSnapshot, 1);
	g_autofree KpStateTrack *t = g_new0(KpStateTrack, 1);
	g_autofree KpTransitions *tr = g_new0(KpTransitions, 1);

	(void)state;
	s->n_entries = 1;
	s->entries[0] = entry(0x100, true, KP_SNAP_OPTIMIZED, KP_SNAP_LIST_OPTIMIZING, 1);
	kp_track_consistent(t, tr, s);
	kp_track_consistent(t, tr, s);		/* no change: no count */
	assert_int_equal(tr->count[KP_ST_NONE][KP_ST_OPTIMIZING], 1);
	s->entries[0].list = KP_SNAP_LIST_NONE;
	kp_track_consistent(t, tr, s);
	assert_int_equal(tr->count[KP_ST_OPTIMIZING][KP_ST_OPTIMIZED], 1);
	s->entries[0] = entry(0x100, true, KP_SNAP_DISABLED, KP_SNAP_LIST_UNOPTIMIZING, 0);
	kp_track_consistent(t, tr, s);
	assert_int_equal(tr->count[KP_ST_OPTIMIZED][KP_ST_UNUSED], 1);
	/* optimizer step 1 moves it to its local free list, unhashed */
	s->entries[0] = entry(0x100, true, KP_SNAP_DISABLED, KP_SNAP_LIST_FREEING, 0);
	kp_track_freeing(t, tr, s);
	assert_int_equal(tr->count[KP_ST_UNUSED][KP_ST_FREEING], 1);
	/* still on the free list: an unhashed entry is not "none" yet */
	kp_track_consistent(t, tr, s);
	assert_int_equal(t->state[0], KP_ST_FREEING);
	assert_int_equal(tr->count[KP_ST_FREEING][KP_ST_NONE], 0);
	/* step 4 freed it */
	s->n_entries = 0;
	kp_track_consistent(t, tr, s);
	assert_int_equal(tr->count[KP_ST_FREEING][KP_ST_NONE], 1);
	assert_int_equal(t->state[0], KP_ST_NONE);
	assert_int_equal(t->n, 1);
}

/* More addresses than the tracker holds: the extra ones are ignored, not miscounted. */
static void test_track_full(void **state)
{
	g_autofree KpSnapshot *s = g_new0(KpSnapshot, 1);
	g_autofree KpStateTrack *t = g_new0(KpStateTrack, 1);
	g_autofree KpTransitions *tr = g_new0(KpTransitions, 1);

	(void)state;
	s->n_entries = KP_TRACK_MAX;
	for (unsigned i = 0; i < KP_TRACK_MAX; i++)
		s->entries[i] = entry(0x1000 + i, false, 0, KP_SNAP_LIST_NONE, 0);
	kp_track_consistent(t, tr, s);
	assert_int_equal(t->n, KP_TRACK_MAX);
	assert_int_equal(tr->count[KP_ST_NONE][KP_ST_INT3], KP_TRACK_MAX);
	/* a new address while the table is full */
	s->entries[0] = entry(0x9000, true, KP_SNAP_OPTIMIZED, KP_SNAP_LIST_NONE, 1);
	kp_track_consistent(t, tr, s);
	assert_int_equal(t->n, KP_TRACK_MAX);
	assert_int_equal(tr->count[KP_ST_NONE][KP_ST_OPTIMIZED], 0);
	assert_int_equal(tr->count[KP_ST_INT3][KP_ST_NONE], 1);	/* 0x1000 went */
	s->entries[0].list = KP_SNAP_LIST_FREEING;
	s->entries[0].hashed = false;
	kp_track_freeing(t, tr, s);
	assert_int_equal(tr->count[KP_ST_NONE][KP_ST_FREEING], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_of_rows),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_transition_table),
		cmocka_unit_test(test_track_sequence),
		cmocka_unit_test(test_track_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
