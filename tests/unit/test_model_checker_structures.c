// SPDX-License-Identifier: GPL-2.0-only
/*
 * The checker's structural invariants, S1-S7 and the parent's S9 (docs/invariants.md,
 * "Structures"): the flags, lists and children of the hashed probes, and the agreement
 * of the hash with what the user registered.  Each rule is broken once, in an edited
 * snapshot of a real run or in the user-level record, and the unbroken control is
 * judged clean.
 */
#include "checker_harness.h"

/* A hashed unused aggregate: the seed's S5 (not queued), the parent's S9 (not unhashed). */
#ifdef KP_TEST_PARENT
#define UNUSED_ID "S9"
#define UNUSED_MSG "is still hashed"
#else
#define UNUSED_ID "S5"
#define UNUSED_MSG "hashed but not on unoptimizing_list"
#endif

/* S1 */
static void e_opt_indep(KpSnapshot *s)
{
	eb(s)->flags |= KP_SNAP_OPTIMIZED;
}

static void e_opt_unready(KpSnapshot *s)
{
	ea(s)->optready = false;
}

static void e_opt_gone(KpSnapshot *s)
{
	ea(s)->flags |= KP_SNAP_GONE;
}

/* S2 */
static void e_opt_unopt(KpSnapshot *s)
{
	ea(s)->list = KP_SNAP_LIST_UNOPTIMIZING;
}

static void e_optlist_noopt(KpSnapshot *s)
{
	ea(s)->flags &= ~KP_SNAP_OPTIMIZED;
	ea(s)->list = KP_SNAP_LIST_OPTIMIZING;
}

static void e_unopt_nojump(KpSnapshot *s)
{
	ea(s)->flags &= ~KP_SNAP_OPTIMIZED;
	ea(s)->list = KP_SNAP_LIST_UNOPTIMIZING;
	ea(s)->detour += 0x40;	/* the jump at A is not this op's */
}

/* S3 */
static void e_free_hashed(KpSnapshot *s)
{
	ea(s)->list = KP_SNAP_LIST_FREEING;
}

static void e_free_used(KpSnapshot *s)
{
	KpSnapEntry *e = ea(s);

	e->list = KP_SNAP_LIST_FREEING;
	e->hashed = false;
}

static void e_list_unknown(KpSnapshot *s)
{
	ea(s)->list = KP_SNAP_LIST_UNKNOWN;
}

/* S4 */
static void e_optlist_disabled(KpSnapshot *s)
{
	ea(s)->list = KP_SNAP_LIST_OPTIMIZING;
	ea(s)->flags |= KP_SNAP_DISABLED;
	ea(s)->child_flags[0] |= KP_SNAP_DISABLED;
}

static void e_optlist_disallowed(KpSnapshot *s)
{
	ea(s)->list = KP_SNAP_LIST_OPTIMIZING;
	s->allow_optimization = false;
}

static void e_optlist_disarmed(KpSnapshot *s)
{
	ea(s)->list = KP_SNAP_LIST_OPTIMIZING;
	s->all_disarmed = true;
}

/* S5 (S9 on the parent) */
static void e_unused_unqueued(KpSnapshot *s)
{
	ea(s)->flags = KP_SNAP_DISABLED;
	ea(s)->n_children = 0;
}

/* S6 */
static void e_child_disabled(KpSnapshot *s)
{
	ea(s)->child_flags[0] |= KP_SNAP_DISABLED;
}

static void e_aggr_disabled(KpSnapshot *s)
{
	ea(s)->flags &= ~KP_SNAP_OPTIMIZED;
	ea(s)->flags |= KP_SNAP_DISABLED;
}

/* S7 */
static void e_duplicate(KpSnapshot *s)
{
	s->entries[s->n_entries++] = *eb(s);
}

static void e_child_addr(KpSnapshot *s)
{
	ea(s)->addr += 3;
}

static const CkSnapEdit structure_edits[] = {
	{ "indep-optimized", BASE_AB, false, "S1", "OPTIMIZED but not an aggregate", e_opt_indep },
	{ "unready-optimized", BASE_A, false, "S1", "OPTIMIZED but not optready", e_opt_unready },
	{ "gone-optimized", BASE_A, false, "S1", "OPTIMIZED but GONE", e_opt_gone },
	{ "optimized-unoptlist", BASE_A, false, "S2", "OPTIMIZED but on unoptimizing_list",
	  e_opt_unopt },
	{ "optlist-unoptimized", BASE_A, false, "S2", "on optimizing_list without OPTIMIZED",
	  e_optlist_noopt },
	{ "unoptlist-nojump", BASE_A, false, "S2",
	  "on unoptimizing_list but its jump is not installed", e_unopt_nojump },
	{ "freeing-hashed", BASE_A, false, "S3", "on a free list but still hashed",
	  e_free_hashed },
	{ "freeing-used", BASE_A, false, "S3", "on a free list but not unused", e_free_used },
	{ "unknown-list", BASE_A, false, "S3", "queued on no known list", e_list_unknown },
	{ "optlist-disabled", BASE_A, false, "S4", "on optimizing_list while disabled",
	  e_optlist_disabled },
	{ "optlist-disallowed", BASE_A, false, "S4", "while optimization is not allowed",
	  e_optlist_disallowed },
	{ "optlist-disarmed", BASE_A, false, "S4", "while kprobes are globally disarmed",
	  e_optlist_disarmed },
	{ "unused-unqueued", BASE_A, false, UNUSED_ID, UNUSED_MSG, e_unused_unqueued },
	{ "child-disabled", BASE_A, false, "S6", "is enabled but all of its children",
	  e_child_disabled },
	{ "aggr-disabled", BASE_A, false, "S6", "is disabled but not all of its children",
	  e_aggr_disabled },
	{ "duplicate", BASE_AB, false, "S7", "two hashed entries at f_small+0xc", e_duplicate },
	{ "child-addr", BASE_A, false, "S7", "a child of the aggregate at f_small+0x3",
	  e_child_addr },
};

/* The bases the snapshot edits start from are what they claim: a optimized (jump), b int3. */
static void test_snapshot_bases(void **state)
{
	Ck *k = base_run(BASE_AB);
	KpSnapshot *s = snap_now(k);
	uint64_t a = mh_sym_addr("f_small", A_OFF), b = mh_sym_addr("f_small", B_OFF);

	(void)state;
	assert_true(ea(s)->aggr && ea(s)->optready);
	assert_true(ea(s)->flags & KP_SNAP_OPTIMIZED);
	assert_int_equal(ea(s)->list, KP_SNAP_LIST_NONE);
	assert_int_equal(ea(s)->n_children, 1);
	assert_int_equal(ea(s)->children[0], 0);
	assert_true(text_has_jump(k, a));
	assert_false(eb(s)->aggr);
	assert_int_equal(eb(s)->probe, 1);
	assert_int_equal(text_byte(k, b), INT3);
	g_free(s);
	ck_free(k);

	k = base_run(BASE_NONE);
	s = snap_now(k);
	assert_int_equal(s->n_entries, 0);
	for (unsigned i = 0; i < s->n_slots; i++)
		assert_int_not_equal(s->slots[i].state, KP_SLOT_USED);
	assert_false(text_has_jump(k, a));
	assert_int_not_equal(text_byte(k, a), INT3);
	g_free(s);
	ck_free(k);
}

static void test_structure_snapshot_edits(void **state)
{
	(void)state;
	ck_snap_edits(structure_edits, G_N_ELEMENTS(structure_edits));
}

/* ---- S7 from the user-level record ---- */

static void check_structures(Ck *k)
{
	kp_check_structures(&k->w);
}

/* b is hashed; the record says nobody registered it (unless a call for it is running). */
static void b_unregister_running(Ck *k)
{
	kp_check_structures(&k->w);
	k->w.user[1].registered = false;
	k->w.user[1].in_call = 1;	/* an unregister of b in progress: allowed */
	kp_check_structures(&k->w);
}

static void b_unregistered(Ck *k)
{
	k->w.user[1].registered = false;
	k->w.user[1].in_call = 0;
	kp_check_structures(&k->w);
}

/* b was never registered; the record says it was. */
static void b_registered(Ck *k)
{
	k->w.user[1].registered = true;
	k->w.user[1].enabled = true;
	kp_check_structures(&k->w);
}

/* a is the child of its aggregate; the record says it was unregistered. */
static void a_unregister_running(Ck *k)
{
	k->w.user[0].registered = false;
	k->w.user[0].in_call = 1;	/* its unregister still in progress: allowed */
	kp_check_structures(&k->w);
}

static void a_unregistered(Ck *k)
{
	k->w.user[0].registered = false;
	k->w.user[0].in_call = 0;
	kp_check_structures(&k->w);
}

static const CkCallCase record_cases[] = {
	{ "test_s7_hashed_not_registered", ck_script_ab, b_unregister_running, b_unregistered,
	  "S7", "b is hashed but not registered" },
	{ "test_s7_registered_not_hashed", ck_script_a, check_structures, b_registered,
	  "S7", "b is registered but neither hashed nor a child" },
	{ "test_s7_child_not_registered", ck_script_a, a_unregister_running, a_unregistered,
	  "S7", "a is a child of the aggregate at f_small" },
};

int main(void)
{
	struct CMUnitTest tests[2 + G_N_ELEMENTS(record_cases)] = {
		cmocka_unit_test(test_snapshot_bases),
		cmocka_unit_test(test_structure_snapshot_edits),
	};
	size_t n = 2;

	for (size_t i = 0; i < G_N_ELEMENTS(record_cases); i++)
		tests[n++] = mh_row_test(ck_call_case, record_cases[i].name, &record_cases[i]);
	return harness_main(tests, n, "checker_structures");
}
