// SPDX-License-Identifier: GPL-2.0-only
/*
 * The checker's memory invariants, judged at quiescence, the end of a completed run
 * (docs/invariants.md, "Memory"): every used instruction slot belongs to exactly one
 * hashed probe and every optimized_kprobe is hashed (M2); with nothing registered
 * nothing is left queued or in use (M3); and no tracked allocation outlives the run
 * (leak).  Each is broken in an edited snapshot of a real run or by an object
 * allocated behind the kernel's back; the snapshot unedited, and the run without the
 * object, are judged clean.  None is judged while the optimizer is still busy.
 */
#include "checker_harness.h"

/* ---- M2 and M3 on edited snapshots ---- */

static void add_slot(KpSnapshot *s, uint64_t addr, bool optinsn)
{
	s->slots[s->n_slots++] = (KpSnapSlot){ .addr = addr, .state = KP_SLOT_USED,
					       .optinsn = optinsn };
}

static void e_slot_unowned(KpSnapshot *s)
{
	add_slot(s, ea(s)->detour + 0x200, true);
}

static void e_slot_shared(KpSnapshot *s)
{
	eb(s)->ss_slot = ea(s)->ss_slot;
}

static void e_queued_nothing(KpSnapshot *s)
{
	s->n_unoptimizing = 1;
}

static void e_slot_nothing(KpSnapshot *s)
{
	add_slot(s, EMU_TEXT_SLOT_BASE, false);
}

static const CkSnapEdit memory_edits[] = {
	{ "slot-unowned", BASE_A, true, "M2", "used detour slot", e_slot_unowned },
	{ "slot-shared", BASE_AB, true, "M2", "belongs to 2 hashed probes", e_slot_shared },
	{ "queued-nothing", BASE_NONE, true, "M3", "nothing is registered but",
	  e_queued_nothing },
	{ "slot-nothing", BASE_NONE, true, "M3", "nothing is registered but slot",
	  e_slot_nothing },
};

static void test_memory_snapshot_edits(void **state)
{
	(void)state;
	ck_snap_edits(memory_edits, G_N_ELEMENTS(memory_edits));
}

/* The quiescence rules wait for the optimizer: a snapshot showing it busy is not judged. */
static void test_snapshot_busy_optimizer_not_quiescent(void **state)
{
	Ck *k = base_run(BASE_NONE);
	KpSnapshot *s = snap_now(k);

	(void)state;
	e_queued_nothing(s);
	s->work_pending = true;
	judge(k, s, true);
	ck_expect_clean(k);
	s->work_pending = false;
	s->optimizer_running = 1;
	judge(k, s, true);
	ck_expect_clean(k);
	s->optimizer_running = 0;
	judge(k, s, true);
	ck_expect(k, "M3", "nothing is registered");
	g_free(s);
	ck_free(k);
}

/* ---- objects the kernel does not account for ---- */

typedef struct {
	const char *name;
	CkBase base;
	size_t size;		/* of the stray object */
	const char *type;	/* its allocation tag */
	const char *id;
	const char *msg;
} StrayObject;

static const StrayObject strays[] = {
	{ "test_m2_op_not_hashed", BASE_A, 64, "struct optimized_kprobe",
	  "M2", "2 optimized_kprobe objects are allocated but 1 aggregates hashed" },
	{ "test_leak", BASE_NONE, 24, "struct kpsim_test_object",
	  "leak", "struct kpsim_test_object" },
};

/* The base run passes the quiescence check; with one more object allocated it does not. */
static void test_stray_object(void **state)
{
	const StrayObject *c = *state;
	Ck *k = base_run(c->base);
	void *extra;

	ck_enter(k);
	kp_check_quiescence(&k->w);
	ck_leave(k);
	ck_expect_clean(k);
	ck_enter(k);
	extra = sim_kzalloc(k->ctx, c->size, c->type, __FILE__, __LINE__);
	kp_check_quiescence(&k->w);
	ck_leave(k);
	ck_expect(k, c->id, c->msg);
	ck_enter(k);
	sim_kfree(k->ctx, extra, __FILE__, __LINE__);
	ck_leave(k);
	ck_free(k);
}

int main(void)
{
	struct CMUnitTest tests[2 + G_N_ELEMENTS(strays)] = {
		cmocka_unit_test(test_memory_snapshot_edits),
		cmocka_unit_test(test_snapshot_busy_optimizer_not_quiescent),
	};
	size_t n = 2;

	for (size_t i = 0; i < G_N_ELEMENTS(strays); i++)
		tests[n++] = mh_row_test(test_stray_object, strays[i].name, &strays[i]);
	return harness_main(tests, n, "checker_memory");
}
