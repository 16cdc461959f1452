// SPDX-License-Identifier: GPL-2.0-only
/* Scheduler, decision points, strategies and schedules. */
#include "harness.h"
#include "sim/footprint.h"
#include "sim/hotplug.h"
#include "sim/mutex.h"
#include "sim/timer.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
	GString *log;
	unsigned steps;
	unsigned alts_seen[4];
	unsigned choice;
} Log;

static void logger(SimCtx *ctx, void *arg)
{
	Log *l = arg;
	SimTask *self = sim_current(ctx);

	for (unsigned i = 0; i < l->steps; i++) {
		g_string_append_printf(l->log, "%s%u ", sim_task_name(self), i);
		sim_yield(ctx, SIM_Y_STORE, &sim_fp_none);
	}
}

static void setup_two_loggers(SimCtx *ctx, void *data)
{
	sim_task_create(ctx, "x", 0, logger, data, 0);
	sim_task_create(ctx, "y", 1, logger, data, 0);
}

/* The first strategy runs vCPU 0 until it cannot go on, then vCPU 1. */
static void test_first_is_sequential(void **state)
{
	SimCtx *ctx = harness_ctx(2, false);
	Log l = { .log = g_string_new(NULL), .steps = 3 };

	(void)state;
	assert_int_equal(harness_run_first(ctx, setup_two_loggers, &l), SIM_END_DONE);
	assert_string_equal(l.log->str, "x0 x1 x2 y0 y1 y2 ");
	g_string_free(l.log, TRUE);
	sim_ctx_free(ctx);
}

/* Random schedules interleave, are reproducible from the seed, and replay exactly. */
static void test_random_seed_and_replay(void **state)
{
	SimCtx *ctx = harness_ctx(2, true);
	Log a = { .log = g_string_new(NULL), .steps = 8 };
	Log b = { .log = g_string_new(NULL), .steps = 8 };
	Log c = { .log = g_string_new(NULL), .steps = 8 };
	g_autofree char *sched_a = NULL, *sched_b = NULL, *trace_a = NULL, *trace_c = NULL;
	SimStrategy *replay;
	bool interleaved = false;

	(void)state;
	for (uint64_t seed = 0; seed < 20 && !interleaved; seed++) {
		g_string_truncate(a.log, 0);
		harness_run_seed(ctx, seed, setup_two_loggers, &a);
		interleaved = strstr(a.log->str, "y0") < strstr(a.log->str, "x7");
	}
	assert_true(interleaved);
	g_string_truncate(a.log, 0);
	assert_int_equal(harness_run_seed(ctx, 99, setup_two_loggers, &a), SIM_END_DONE);
	sched_a = sim_schedule_string(ctx);
	trace_a = harness_trace_text(ctx);
	assert_int_equal(harness_run_seed(ctx, 99, setup_two_loggers, &b), SIM_END_DONE);
	sched_b = sim_schedule_string(ctx);
	assert_string_equal(sched_a, sched_b);
	assert_string_equal(a.log->str, b.log->str);

	replay = sim_strategy_replay_new(sched_a, NULL);
	assert_non_null(replay);
	assert_int_equal(harness_run(ctx, replay, setup_two_loggers, &c), SIM_END_DONE);
	trace_c = harness_trace_text(ctx);
	assert_string_equal(a.log->str, c.log->str);
	assert_string_equal(trace_a, trace_c);
	sim_strategy_free(replay);
	g_string_free(a.log, TRUE);
	g_string_free(b.log, TRUE);
	g_string_free(c.log, TRUE);
	sim_ctx_free(ctx);
}

/* A schedule that asks for a vCPU with nothing to run ends the run as diverged. */
static void test_replay_divergence(void **state)
{
	SimCtx *ctx = harness_ctx(2, false);
	Log l = { .log = g_string_new(NULL), .steps = 1 };
	SimStrategy *replay = sim_strategy_replay_new("S1:c", NULL);

	(void)state;
	assert_non_null(replay);
	assert_int_equal(harness_run(ctx, replay, setup_two_loggers, &l), SIM_END_DIVERGED);
	sim_strategy_free(replay);
	g_string_free(l.log, TRUE);
	sim_ctx_free(ctx);
}

static void test_schedule_codec(void **state)
{
	const SimChoice in[] = {
		{ SIM_OPT_STEP, 0, 0 }, { SIM_OPT_STEP, 0, 0 }, { SIM_OPT_STEP, 0, 0 },
		{ SIM_OPT_STEP, 1, 1 }, { SIM_OPT_TICK, 0, 0 }, { SIM_OPT_TICK, 0, 0 },
		{ SIM_OPT_STEP, 3, 15 }, { SIM_OPT_STEP, 0, 2 },
	};
	g_autofree char *text = sim_schedule_encode(in, G_N_ELEMENTS(in));
	g_autofree SimChoice *out = NULL;
	size_t n = 0, pos = 0;

	(void)state;
	assert_string_equal(text, "S1:a3Bt2p(3)c");
	out = sim_schedule_decode(text, &n, &pos);
	assert_non_null(out);
	assert_int_equal(n, G_N_ELEMENTS(in));
	assert_memory_equal(out, in, sizeof(in));
	assert_null(sim_schedule_decode("S1:a3?", &n, &pos));
	assert_int_equal(pos, 5);
	assert_null(sim_schedule_decode("a3", &n, &pos));
	assert_int_equal(pos, 0);
	assert_null(sim_schedule_decode("S1:a0", &n, &pos));
	assert_null(sim_schedule_decode("S1:a(256)", &n, &pos));
	assert_null(sim_schedule_decode("S1:a999999999999", &n, &pos));
}

static void alt_task(SimCtx *ctx, void *arg)
{
	Log *l = arg;

	l->alts_seen[sim_yield_alt(ctx, SIM_Y_IRQ, &sim_fp_none, 3)]++;
	l->choice = sim_choose(ctx, 4);
}

static void setup_alt(SimCtx *ctx, void *data)
{
	sim_task_create(ctx, "alt", 0, alt_task, data, 0);
}

/* Alternatives are scheduler choices: random covers them all; replay reproduces them. */
static void test_alternatives(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	Log l = { 0 };
	bool choices[4] = { false };
	SimStrategy *replay;

	(void)state;
	assert_int_equal(harness_run_first(ctx, setup_alt, &l), SIM_END_DONE);
	assert_int_equal(l.alts_seen[0], 1);
	assert_int_equal(l.choice, 0);
	for (uint64_t seed = 0; seed < 64; seed++) {
		harness_run_seed(ctx, seed, setup_alt, &l);
		choices[l.choice] = true;
	}
	assert_true(l.alts_seen[1] > 0 && l.alts_seen[2] > 0);
	assert_true(choices[0] && choices[1] && choices[2] && choices[3]);
	replay = sim_strategy_replay_new("S1:aa(2)a(3)", NULL);
	memset(&l, 0, sizeof(l));
	assert_int_equal(harness_run(ctx, replay, setup_alt, &l), SIM_END_DONE);
	assert_int_equal(l.alts_seen[2], 1);
	assert_int_equal(l.choice, 3);
	sim_strategy_free(replay);
	sim_ctx_free(ctx);
}

static void spinner(SimCtx *ctx, void *arg)
{
	(void)arg;
	for (;;)
		sim_yield(ctx, SIM_Y_STORE, &sim_fp_none);
}

static void setup_spinner(SimCtx *ctx, void *data)
{
	(void)data;
	sim_task_create(ctx, "spin", 0, spinner, NULL, 0);
}

/* A run that never ends is cut at the step bound and reported as a livelock. */
static void test_livelock(void **state)
{
	SimConfig cfg = { .n_vcpus = 1, .max_steps = 500 };
	SimCtx *ctx = sim_ctx_new(&cfg);

	(void)state;
	assert_int_equal(harness_run_first(ctx, setup_spinner, NULL), SIM_END_STEP_LIMIT);
	assert_non_null(harness_violation(ctx, "livelock"));
	assert_int_equal(sim_step(ctx), 500);
	sim_ctx_free(ctx);
}

static void failing_task(SimCtx *ctx, void *arg)
{
	int *after = arg;

	sim_yield(ctx, SIM_Y_STORE, &sim_fp_none);
	sim_fail(ctx, SIM_V_BUG, "K1", "failing_task", "value %d", 7);
	(*after)++;
}

static void setup_failing(SimCtx *ctx, void *data)
{
	sim_task_create(ctx, "bad", 0, failing_task, data, 0);
	sim_task_create(ctx, "other", 1, spinner, NULL, 0);
}

/* A fatal violation ends the run cleanly; the context is reusable afterwards. */
static void test_violation_ends_run(void **state)
{
	SimCtx *ctx = harness_ctx(2, true);
	int after = 0;
	const SimViolation *v;

	(void)state;
	for (int round = 0; round < 3; round++) {
		assert_int_equal(harness_run_first(ctx, setup_failing, &after), SIM_END_VIOLATION);
		v = sim_violation_fatal(ctx);
		assert_non_null(v);
		assert_string_equal(v->id, "K1");
		assert_string_equal(v->message, "value 7");
		assert_string_equal(v->site, "failing_task");
		assert_int_equal(v->vcpu, 0);
		assert_int_equal(after, 0);
	}
	sim_ctx_free(ctx);
}

typedef struct {
	SimMutex m;
} Held;

static void exits_holding(SimCtx *ctx, void *arg)
{
	Held *h = arg;

	sim_mutex_lock(ctx, &h->m);
}

static void setup_exits_holding(SimCtx *ctx, void *data)
{
	Held *h = data;

	sim_mutex_init(ctx, &h->m, "m");
	sim_task_create(ctx, "leaky", 0, exits_holding, h, 0);
}

static void test_exit_holding_lock(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	Held h;

	(void)state;
	assert_int_equal(harness_run_first(ctx, setup_exits_holding, &h), SIM_END_VIOLATION);
	assert_non_null(harness_violation(ctx, "lock-held-at-exit"));
	sim_ctx_free(ctx);
}

typedef struct {
	GString *log;
} Qs;

static void qs_busy(SimCtx *ctx, void *arg)
{
	Qs *q = arg;

	for (int i = 0; i < 3; i++) {
		g_string_append_printf(q->log, "b%d ", i);
		sim_quiescent_point(ctx);
	}
}

static void qs_other(SimCtx *ctx, void *arg)
{
	Qs *q = arg;

	g_string_append(q->log, "o ");
}

static void setup_qs(SimCtx *ctx, void *data)
{
	sim_task_create(ctx, "busy", 0, qs_busy, data, 0);
	sim_task_create(ctx, "other", 0, qs_other, data, 0);
}

/* At a scheduling point a queued task of the same vCPU may take over (alternative 1). */
static void test_quiescent_point_handover(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	Qs q = { g_string_new(NULL) };
	bool handed_over = false;

	(void)state;
	assert_int_equal(harness_run_first(ctx, setup_qs, &q), SIM_END_DONE);
	assert_string_equal(q.log->str, "b0 b1 b2 o ");
	for (uint64_t seed = 0; seed < 32; seed++) {
		g_string_truncate(q.log, 0);
		assert_int_equal(harness_run_seed(ctx, seed, setup_qs, &q), SIM_END_DONE);
		handed_over |= strcmp(q.log->str, "b0 o b1 b2 ") == 0;
	}
	assert_true(handed_over);
	g_string_free(q.log, TRUE);
	sim_ctx_free(ctx);
}

typedef struct {
	uint64_t woke_at[2];
	GString *log;
} Sleepers;

static void sleeper(SimCtx *ctx, void *arg)
{
	Sleepers *s = arg;
	unsigned id = sim_task_id(sim_current(ctx));

	sim_sleep(ctx, id == 0 ? 7 : 3);
	s->woke_at[id] = sim_jiffies(ctx);
	g_string_append_printf(s->log, "%u ", id);
}

static void setup_sleepers(SimCtx *ctx, void *data)
{
	sim_task_create(ctx, "s7", 0, sleeper, data, 0);
	sim_task_create(ctx, "s3", 1, sleeper, data, 0);
}

/* Time advances to each expiry in turn; under `first` only when nothing can run. */
static void test_sleep_and_time(void **state)
{
	SimCtx *ctx = harness_ctx(2, false);
	Sleepers s = { .log = g_string_new(NULL) };

	(void)state;
	assert_int_equal(harness_run_first(ctx, setup_sleepers, &s), SIM_END_DONE);
	assert_int_equal(s.woke_at[0], 7);
	assert_int_equal(s.woke_at[1], 3);
	assert_string_equal(s.log->str, "1 0 ");
	assert_int_equal(sim_jiffies(ctx), 7);
	g_string_free(s.log, TRUE);
	sim_ctx_free(ctx);
}

static void test_footprints(void **state)
{
	SimFootprint a = sim_fp1(SIM_RES_LOCK, SIM_ACC_WRITE, 3);
	SimFootprint b = sim_fp1(SIM_RES_LOCK, SIM_ACC_WRITE, 4);
	SimFootprint r1 = sim_fp1(SIM_RES_OBJ, SIM_ACC_READ, 9);
	SimFootprint r2 = sim_fp1(SIM_RES_OBJ, SIM_ACC_READ, 9);
	SimFootprint w = sim_fp1(SIM_RES_OBJ, SIM_ACC_WRITE, 9);
	SimFootprint t1 = { 0 }, t2 = { 0 }, t3 = { 0 };
	char buf[128];

	(void)state;
	assert_false(sim_fp_conflict(&a, &b));
	assert_true(sim_fp_conflict(&a, &a));
	assert_false(sim_fp_conflict(&r1, &r2));
	assert_true(sim_fp_conflict(&r1, &w));
	assert_false(sim_fp_conflict(&a, &w));
	sim_fp_add(&t1, SIM_RES_TEXT, SIM_ACC_READ, 0x1000, 0x1005);
	sim_fp_add(&t2, SIM_RES_TEXT, SIM_ACC_WRITE, 0x1004, 0x1006);
	sim_fp_add(&t3, SIM_RES_TEXT, SIM_ACC_WRITE, 0x1005, 0x1006);
	assert_true(sim_fp_conflict(&t1, &t2));
	assert_false(sim_fp_conflict(&t1, &t3));
	assert_true(sim_fp_conflict(&sim_fp_global, &r1));
	assert_false(sim_fp_conflict(&sim_fp_none, &sim_fp_global) && false);
	assert_false(sim_fp_conflict(&sim_fp_none, &w));
	sim_fp_format(&t2, buf, sizeof(buf));
	assert_string_equal(buf, "W text[0x1004,0x1006)");
	sim_fp_add(&a, SIM_RES_OBJ, SIM_ACC_READ, 9, 10);
	sim_fp_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "W lock#3, R obj#9");
}

typedef struct {
	SimTask *busy;
	bool offline_ok, offline_busy_refused, last_refused;
	unsigned moved_to;
} Offline;

static void offline_ctl(SimCtx *ctx, void *arg)
{
	Offline *o = arg;

	/* vCPU 1 is busy (its task is mid-step): refused; once it parks, accepted. */
	o->offline_busy_refused = !sim_vcpu_set_online(ctx, 1, false);
	sim_sleep(ctx, 1);
	o->offline_ok = sim_vcpu_set_online(ctx, 1, false);
	o->last_refused = !sim_vcpu_set_online(ctx, 0, false);
	sim_sleep(ctx, 1);
	o->moved_to = sim_task_vcpu(o->busy);
	assert_true(sim_vcpu_set_online(ctx, 1, true));
}

static void offline_busy(SimCtx *ctx, void *arg)
{
	sim_yield(ctx, SIM_Y_STORE, &sim_fp_none);
	sim_quiescent_point(ctx);
	sim_yield(ctx, SIM_Y_STORE, &sim_fp_none);
}

static void setup_offline(SimCtx *ctx, void *data)
{
	Offline *o = data;

	sim_task_create(ctx, "ctl", 0, offline_ctl, o, 0);
	o->busy = sim_task_create(ctx, "busy", 1, offline_busy, o, 0);
}

/* Offline only at a scheduling point; tasks move to vCPU 0; the last vCPU stays. */
/* A task that promises its next step stays in its stretch, then breaks the promise. */
static void stays_then_qs(SimCtx *ctx, void *arg)
{
	SimFootprint fp = sim_fp1(SIM_RES_OBJ, SIM_ACC_WRITE, 1);

	fp.flags = *(const bool *)arg ? SIM_FP_STAYS : 0;
	sim_yield(ctx, SIM_Y_STORE, &fp);
	sim_quiescent_point(ctx);
}

static void setup_stays(SimCtx *ctx, void *data)
{
	sim_task_create(ctx, "t", 0, stays_then_qs, data, 0);
}

/* The run, in a child process; returns its wait status. */
static int run_in_child(bool stays)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		SimCtx *ctx = harness_ctx(1, false);

		/* The parent checks the signal; the child's report would only be noise. */
		if (!freopen("/dev/null", "w", stderr))
			_exit(3);
		_exit(harness_run_first(ctx, setup_stays, &stays) == SIM_END_DONE ? 0 : 2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/*
 * SIM_FP_STAYS is a promise the reduction relies on: a step that declared it and then
 * reaches a quiescent point stops the program.  Without the flag the same task runs.
 */
static void test_stays_promise_checked(void **state)
{
	int status;

	(void)state;
	status = run_in_child(false);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	status = run_in_child(true);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

static void test_vcpu_offline(void **state)
{
	SimCtx *ctx = harness_ctx(2, false);
	Offline o = { 0 };
	/* busy to mid-section, ctl tries, busy to its scheduling point, ctl sleeps, tick, ctl. */
	SimStrategy *replay = sim_strategy_replay_new("S1:babata", NULL);

	(void)state;
	assert_non_null(replay);
	assert_int_equal(harness_run(ctx, replay, setup_offline, &o), SIM_END_DONE);
	assert_true(o.offline_busy_refused);
	assert_true(o.offline_ok);
	assert_true(o.last_refused);
	assert_int_equal(o.moved_to, 0);
	assert_true(sim_vcpu_online(ctx, 1));
	sim_strategy_free(replay);
	sim_ctx_free(ctx);
}

typedef struct {
	unsigned calls;
	unsigned fail_at;
} Hook;

static void step_hook(SimCtx *ctx, void *user)
{
	Hook *h = user;

	assert_null(sim_current(ctx));
	if (++h->calls == h->fail_at)
		sim_report(ctx, SIM_V_INVARIANT, true, "X1", "hook", "hook says no");
}

static void setup_hooked(SimCtx *ctx, void *data)
{
	sim_set_step_hook(ctx, step_hook, ((void **)data)[1]);
	setup_two_loggers(ctx, ((void **)data)[0]);
}

/* The step hook runs after every step, in engine context; a fatal report there ends the run. */
static void test_step_hook(void **state)
{
	SimCtx *ctx = harness_ctx(2, false);
	Log l = { .log = g_string_new(NULL), .steps = 3 };
	Hook h = { 0 };
	void *data[2] = { &l, &h };

	(void)state;
	assert_int_equal(harness_run_first(ctx, setup_hooked, data), SIM_END_DONE);
	assert_int_equal(h.calls, sim_step(ctx));
	h = (Hook){ .fail_at = 3 };
	assert_int_equal(harness_run_first(ctx, setup_hooked, data), SIM_END_VIOLATION);
	assert_int_equal(sim_step(ctx), 3);
	assert_string_equal(sim_violation_fatal(ctx)->id, "X1");
	assert_int_equal(sim_violation_fatal(ctx)->task, -1);
	g_string_free(l.log, TRUE);
	sim_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_is_sequential),
		cmocka_unit_test(test_random_seed_and_replay),
		cmocka_unit_test(test_replay_divergence),
		cmocka_unit_test(test_schedule_codec),
		cmocka_unit_test(test_alternatives),
		cmocka_unit_test(test_livelock),
		cmocka_unit_test(test_violation_ends_run),
		cmocka_unit_test(test_exit_holding_lock),
		cmocka_unit_test(test_quiescent_point_handover),
		cmocka_unit_test(test_sleep_and_time),
		cmocka_unit_test(test_footprints),
		cmocka_unit_test(test_stays_promise_checked),
		cmocka_unit_test(test_vcpu_offline),
		cmocka_unit_test(test_step_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
