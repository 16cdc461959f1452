// SPDX-License-Identifier: GPL-2.0-only
/* Timers, delayed work and the PENDING bit. */
#include "harness.h"
#include "sim/hotplug.h"
#include "sim/timer.h"
#include "sim/workqueue.h"

typedef struct {
	SimDelayedWork dw;
	int runs;
	bool pending_seen_in_fn;
	bool rekick_result;
	bool first_kick, second_kick;
	uint64_t run_jiffies[4];
	unsigned run_vcpu[4];
	int rekicks;
} Wq;

static Wq *wq_of(SimWork *w)
{
	return (Wq *)(void *)((char *)w - offsetof(Wq, dw) - offsetof(SimDelayedWork, work));
}

static void work_fn(SimCtx *ctx, SimWork *w)
{
	Wq *q = wq_of(w);

	q->run_jiffies[q->runs] = sim_jiffies(ctx);
	q->run_vcpu[q->runs] = sim_task_vcpu(sim_current(ctx));
	q->runs++;
	if (sim_delayed_work_pending(&q->dw))
		q->pending_seen_in_fn = true;
	if (q->rekicks-- > 0)
		q->rekick_result = sim_schedule_delayed_work(ctx, &q->dw, 5);
}

static void kicker(SimCtx *ctx, void *arg)
{
	Wq *q = arg;

	q->first_kick = sim_schedule_delayed_work(ctx, &q->dw, 5);
	q->second_kick = sim_schedule_delayed_work(ctx, &q->dw, 5);
	assert_true(sim_delayed_work_pending(&q->dw));
}

static void setup_wq(SimCtx *ctx, void *data)
{
	Wq *q = data;
	int rekicks = q->rekicks;

	memset(q, 0, sizeof(*q));
	q->rekicks = rekicks;
	sim_delayed_work_init(ctx, &q->dw, "optimizing_work", work_fn);
	sim_task_create(ctx, "kicker", 1, kicker, q, 0);
}

/*
 * PENDING is set from the kick until the function starts, and clear while it runs; a
 * kick during the run schedules a second run 5 jiffies later, on the kicking vCPU.
 */
static void test_pending_cleared_before_run(void **state)
{
	SimCtx *ctx = harness_ctx(2, true);
	Wq q = { .rekicks = 1 };

	(void)state;
	assert_int_equal(harness_run_first(ctx, setup_wq, &q), SIM_END_DONE);
	assert_true(q.first_kick);
	assert_false(q.second_kick);
	assert_int_equal(q.runs, 2);
	assert_false(q.pending_seen_in_fn);
	assert_true(q.rekick_result);
	assert_int_equal(q.run_jiffies[0], 5);
	assert_int_equal(q.run_jiffies[1], 10);
	assert_int_equal(q.run_vcpu[0], 1);
	assert_int_equal(q.run_vcpu[1], 1);
	assert_int_equal(sim_work_runs(ctx), 2);
	assert_false(sim_delayed_work_pending(&q.dw));
	/* Same under random schedules. */
	for (uint64_t seed = 0; seed < 100; seed++) {
		q.rekicks = 1;
		assert_int_equal(harness_run_seed(ctx, seed, setup_wq, &q), SIM_END_DONE);
		assert_int_equal(q.runs, 2);
		assert_false(q.pending_seen_in_fn);
	}
	sim_ctx_free(ctx);
}

typedef struct {
	SimTimer t[4];
	GString *log;
} Timers;

static void timer_fn(SimCtx *ctx, SimTimer *t)
{
	Timers *ts = t->data;

	g_string_append_printf(ts->log, "%d@%llu ", (int)(t - ts->t),
			       (unsigned long long)sim_jiffies(ctx));
}

static void arm_timers(SimCtx *ctx, void *arg)
{
	Timers *ts = arg;
	static const uint64_t delays[4] = { 3, 1, 3, 2 };

	for (int i = 0; i < 4; i++) {
		sim_timer_init(&ts->t[i], timer_fn, ts);
		sim_timer_add(ctx, &ts->t[i], delays[i]);
		assert_true(sim_timer_pending(&ts->t[i]));
	}
}

static void setup_timers(SimCtx *ctx, void *data)
{
	sim_task_create(ctx, "armer", 0, arm_timers, data, 0);
}

/* Timers fire in (expiry, arming order); each tick jumps to the next expiry. */
static void test_timer_order(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	Timers ts = { .log = g_string_new(NULL) };

	(void)state;
	assert_int_equal(harness_run_first(ctx, setup_timers, &ts), SIM_END_DONE);
	assert_string_equal(ts.log->str, "1@1 3@2 0@3 2@3 ");
	for (int i = 0; i < 4; i++)
		assert_false(sim_timer_pending(&ts.t[i]));
	g_string_free(ts.log, TRUE);
	sim_ctx_free(ctx);
}

typedef struct {
	SimDelayedWork dw;
	bool ran_during_op;
	bool in_op;
	int runs;
} Mid;

static void mid_fn(SimCtx *ctx, SimWork *w)
{
	Mid *m = (Mid *)(void *)((char *)w - offsetof(Mid, dw));

	(void)ctx;
	m->runs++;
	if (m->in_op)
		m->ran_during_op = true;
}

static void mid_task(SimCtx *ctx, void *arg)
{
	Mid *m = arg;

	sim_schedule_delayed_work(ctx, &m->dw, 1);
	m->in_op = true;
	for (int i = 0; i < 6; i++)
		sim_yield(ctx, SIM_Y_STORE, &sim_fp_none);
	m->in_op = false;
}

static void setup_mid(SimCtx *ctx, void *data)
{
	Mid *m = data;

	memset(m, 0, sizeof(*m));
	sim_delayed_work_init(ctx, &m->dw, "w", mid_fn);
	sim_task_create(ctx, "op", 0, mid_task, m, 0);
}

/*
 * Time advancing is a scheduler choice: some schedule fires the timer in the middle of an
 * operation, where `first` never does.  The work is queued on the operation's vCPU, so it
 * still runs only once the operation gives that vCPU up (the kernel is not preemptible).
 */
static void test_tick_is_a_choice(void **state)
{
	SimCtx *ctx = harness_ctx(2, true);
	Mid m;
	bool tick_inside = false;

	(void)state;
	assert_int_equal(harness_run_first(ctx, setup_mid, &m), SIM_END_DONE);
	assert_int_equal(m.runs, 1);
	assert_int_equal(sim_jiffies(ctx), 1);
	for (uint64_t seed = 0; seed < 100 && !tick_inside; seed++) {
		assert_int_equal(harness_run_seed(ctx, seed, setup_mid, &m), SIM_END_DONE);
		assert_false(m.ran_during_op);
		assert_int_equal(m.runs, 1);
		for (size_t i = 0; i < sim_trace_count(ctx); i++) {
			const SimEvent *ev = sim_trace_get(ctx, i);

			if (ev->kind == SIM_EV_TICK) {
				/* Inside the op when the op's end comes later. */
				for (size_t j = i; j < sim_trace_count(ctx); j++)
					if (sim_trace_get(ctx, j)->kind == SIM_EV_TASK_END &&
					    !strcmp(sim_trace_get(ctx, j)->obj, "op"))
						tick_inside = true;
				break;
			}
		}
	}
	assert_true(tick_inside);
	sim_ctx_free(ctx);
}

typedef struct {
	SimWork w;
	SimDelayedWork dw;
	int plain_runs, delayed_runs;
	unsigned delayed_vcpu;
	bool requeue_refused;
} Mig;

static void mig_plain(SimCtx *ctx, SimWork *w)
{
	Mig *m = (Mig *)(void *)((char *)w - offsetof(Mig, w));

	(void)ctx;
	m->plain_runs++;
}

static void mig_delayed(SimCtx *ctx, SimWork *w)
{
	Mig *m = (Mig *)(void *)((char *)w - offsetof(Mig, dw) - offsetof(SimDelayedWork, work));

	m->delayed_runs++;
	m->delayed_vcpu = sim_task_vcpu(sim_current(ctx));
}

static void mig_kicker(SimCtx *ctx, void *arg)
{
	Mig *m = arg;

	assert_true(sim_schedule_work(ctx, &m->w));
	m->requeue_refused = !sim_schedule_work(ctx, &m->w);
	assert_true(sim_schedule_delayed_work(ctx, &m->dw, 3));
}

static void mig_offliner(SimCtx *ctx, void *arg)
{
	(void)arg;
	sim_sleep(ctx, 1);
	/* vCPU 1 is idle by now: its timer moves to vCPU 0. */
	assert_true(sim_vcpu_set_online(ctx, 1, false));
}

static void setup_mig(SimCtx *ctx, void *data)
{
	Mig *m = data;

	memset(m, 0, sizeof(*m));
	sim_work_init(ctx, &m->w, "plain", mig_plain);
	sim_delayed_work_init(ctx, &m->dw, "delayed", mig_delayed);
	sim_task_create(ctx, "kicker", 1, mig_kicker, m, 0);
	sim_task_create(ctx, "offliner", 0, mig_offliner, m, 0);
}

/* schedule_work queues at once; a vCPU going offline hands its timers to vCPU 0. */
static void test_work_and_offline_migration(void **state)
{
	SimCtx *ctx = harness_ctx(2, false);
	Mig m;

	(void)state;
	assert_int_equal(harness_run_first(ctx, setup_mig, &m), SIM_END_DONE);
	assert_int_equal(m.plain_runs, 1);
	assert_true(m.requeue_refused);
	assert_int_equal(m.delayed_runs, 1);
	assert_int_equal(m.delayed_vcpu, 0);
	sim_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pending_cleared_before_run),
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_tick_is_a_choice),
		cmocka_unit_test(test_work_and_offline_migration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
