// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe hits racing with everything else, over random schedules: calls through a probed
 * function on one CPU while another registers, disables, enables and unregisters
 * probes, flips the global switches, or calls through the same probe.  Every run
 * completes without an invariant failing (H2 and H3 of docs/invariants.md judge each
 * pass and each handler call), and no call makes more handler calls than the hit
 * semantics of docs/states.md allow.
 */
#include "model_harness.h"

/* One operation of the task that changes state while the other one calls. */
typedef struct {
	KpOpKind kind;
	int probe;		/* the probe it takes, or -1 */
	const char *text;	/* what it writes, or NULL */
	long expect;
} RaceOp;

#define PROBE_OP(kind, probe, expect) { (kind), (probe), NULL, (expect) }
#define WRITE_OP(kind, text, expect) { (kind), -1, (text), (expect) }
#define READ_OP(kind, expect) { (kind), -1, NULL, (expect) }

typedef struct {
	const char *name;
	unsigned seeds;		/* runs, with seeds 1..seeds */
	unsigned n_probes;	/* kprobes at f_medium with pre and post handlers */
	const RaceOp *ops;	/* t0's, on cpu0 */
	size_t n_ops;
	long calls;		/* t1's calls of f_medium, on cpu1 */
	bool some_hit;		/* some schedule must hit a probe */
} RaceCase;

/* An int3 probe registered, disabled, enabled and unregistered. */
static const RaceOp state_changes[] = {
	PROBE_OP(KP_OP_REGISTER, 0, 0),
	PROBE_OP(KP_OP_DISABLE, 0, 0),
	PROBE_OP(KP_OP_ENABLE, 0, 0),
	PROBE_OP(KP_OP_UNREGISTER, 0, KP_NO_EXPECT),
};

/* The global switches: debugfs disarm/arm, sysctl reads and a write that changes nothing. */
static const RaceOp global_switches[] = {
	PROBE_OP(KP_OP_REGISTER, 0, 0),
	WRITE_OP(KP_OP_DEBUGFS_WRITE, "0", KP_NO_EXPECT),
	READ_OP(KP_OP_SYSCTL_READ, 1),
	WRITE_OP(KP_OP_DEBUGFS_WRITE, "1", KP_NO_EXPECT),
	WRITE_OP(KP_OP_SYSCTL_WRITE, "1", 0),
	READ_OP(KP_OP_DEBUGFS_READ, 1),
};

/*
 * A second probe at the same address joining and leaving the aggregate while the first
 * is disabled and enabled.
 */
static const RaceOp aggregate_changes[] = {
	PROBE_OP(KP_OP_REGISTER, 0, 0),
	PROBE_OP(KP_OP_REGISTER, 1, 0),
	PROBE_OP(KP_OP_DISABLE, 0, 0),
	PROBE_OP(KP_OP_UNREGISTER, 1, KP_NO_EXPECT),
	PROBE_OP(KP_OP_ENABLE, 0, 0),
	PROBE_OP(KP_OP_UNREGISTER, 0, KP_NO_EXPECT),
};

static const RaceCase races[] = {
	{ "test_calls_race_state_changes", 40, 1, state_changes, G_N_ELEMENTS(state_changes),
	  3, true },
	{ "test_calls_race_global_switches", 30, 1, global_switches,
	  G_N_ELEMENTS(global_switches), 4, false },
	{ "test_calls_race_aggregate_changes", 40, 2, aggregate_changes,
	  G_N_ELEMENTS(aggregate_changes), 5, true },
};

/*
 * Each of t1's calls makes at most one pre and one post handler call per probe.  The
 * post handler calls are bounded alone, not tied to the pre handler calls:
 * aggr_post_handler() checks the child's flags again, so a disable or enable between
 * the two handlers makes the counts differ.
 */
static void test_calls_race(void **state)
{
	const RaceCase *c = *state;
	static const char *const names[] = { "a", "b" };
	uint64_t total = 0;

	assert_true(c->n_probes <= G_N_ELEMENTS(names));
	for (uint64_t seed = 1; seed <= c->seeds; seed++) {
		Mh *m = mh_new(2);
		unsigned t0, t1;

		for (unsigned i = 0; i < c->n_probes; i++)
			mh_probe(m, names[i], "f_medium", 0, true);
		t0 = mh_task(m, "t0", 0);
		t1 = mh_task(m, "t1", 1);
		for (size_t i = 0; i < c->n_ops; i++) {
			const RaceOp *op = &c->ops[i];

			if (op->probe >= 0)
				mh_probe_op(m, t0, op->kind, (unsigned)op->probe, op->expect);
			else if (op->text)
				mh_text_op(m, t0, op->kind, op->text, op->expect);
			else
				mh_op(m, t0, op->kind, op->expect);
		}
		mh_call(m, t1, "f_medium", c->calls);
		mh_expect_done(m, mh_run_seed(m, seed));
		assert_null(sim_violation_fatal(m->ctx));
		for (unsigned i = 0; i < c->n_probes; i++) {
			assert_true(mh_p(m, i)->pre_calls <= (unsigned long)c->calls);
			assert_true(mh_p(m, i)->post_calls <= (unsigned long)c->calls);
			total += mh_p(m, i)->pre_calls;
		}
		mh_free(m);
	}
	if (c->some_hit)
		assert_true(total > 0);
}

/*
 * Two CPUs through one probe at once, under random schedules (time may advance while a
 * task still registers, so t1's calls can come before, during or after registration, and
 * passes can overlap on the int3 or the jump).  t0's three calls start after register
 * returned, so each of them calls the pre handler or counts a miss (H2); t1's add at most
 * three more.  The checker reports no violation.
 */
static void test_two_cpus_one_probe(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 30; seed++) {
		Mh *m = mh_new(2);
		unsigned a = mh_probe(m, "a", "f_small", 0, false);
		unsigned t0 = mh_task(m, "t0", 0);
		unsigned t1 = mh_task(m, "t1", 1);

		mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
		mh_sleep(m, t0, 6);
		mh_call(m, t0, "f_small", 3);
		mh_sleep(m, t1, 6);
		mh_call(m, t1, "f_small", 3);
		mh_expect_done(m, mh_run_seed(m, seed));
		assert_true(mh_p(m, a)->pre_calls + mh_nmissed(m, a) >= 3);
		assert_true(mh_p(m, a)->pre_calls + mh_nmissed(m, a) <= 6);
		mh_free(m);
	}
}

int main(void)
{
	struct CMUnitTest tests[G_N_ELEMENTS(races) + 1];
	size_t n = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(races); i++)
		tests[n++] = mh_row_test(test_calls_race, races[i].name, &races[i]);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_two_cpus_one_probe);
	return harness_main(tests, n, "model_hit_races");
}
