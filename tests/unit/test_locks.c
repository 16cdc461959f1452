// SPDX-License-Identifier: GPL-2.0-only
/* Mutexes, the lock-order graph, deadlock reports, completions, the hotplug lock. */
#include "harness.h"
#include "sim/completion.h"
#include "sim/hotplug.h"
#include "sim/mutex.h"
#include "sim/timer.h"

#include <limits.h>

typedef struct {
	SimMutex a, b;
	GString *log;
	bool got;
} Locks;

static void init_locks(SimCtx *ctx, Locks *l)
{
	sim_mutex_init(ctx, &l->a, "A");
	sim_mutex_init(ctx, &l->b, "B");
	if (l->log)
		g_string_truncate(l->log, 0);
}

static void fifo_holder(SimCtx *ctx, void *arg)
{
	Locks *l = arg;

	sim_mutex_lock(ctx, &l->a);
	sim_sleep(ctx, 1);	/* everyone else queues up meanwhile */
	sim_mutex_unlock(ctx, &l->a);
}

static void fifo_waiter(SimCtx *ctx, void *arg)
{
	Locks *l = arg;

	sim_mutex_lock(ctx, &l->a);
	g_string_append_printf(l->log, "%s ", sim_task_name(sim_current(ctx)));
	sim_mutex_unlock(ctx, &l->a);
}

static void setup_fifo(SimCtx *ctx, void *data)
{
	Locks *l = data;

	init_locks(ctx, l);
	sim_task_create(ctx, "h", 0, fifo_holder, l, 0);
	sim_task_create(ctx, "w1", 1, fifo_waiter, l, 0);
	sim_task_create(ctx, "w2", 2, fifo_waiter, l, 0);
	sim_task_create(ctx, "w3", 3, fifo_waiter, l, 0);
}

/* Waiters get the mutex in the order they queued; the owner is tracked. */
static void test_mutex_fifo(void **state)
{
	SimCtx *ctx = harness_ctx(4, false);
	Locks l = { .log = g_string_new(NULL) };

	(void)state;
	assert_int_equal(harness_run_first(ctx, setup_fifo, &l), SIM_END_DONE);
	assert_string_equal(l.log->str, "w1 w2 w3 ");
	/* Reverse queueing order: vCPU 3 first. */
	{
		SimStrategy *r = sim_strategy_replay_new("S1:a2d2c2b2", NULL);

		assert_int_equal(harness_run(ctx, r, setup_fifo, &l), SIM_END_DONE);
		assert_string_equal(l.log->str, "w3 w2 w1 ");
		sim_strategy_free(r);
	}
	g_string_free(l.log, TRUE);
	sim_ctx_free(ctx);
}

static void try_holder(SimCtx *ctx, void *arg)
{
	Locks *l = arg;

	assert_true(sim_mutex_trylock(ctx, &l->a));
	assert_true(sim_mutex_held_by_current(ctx, &l->a));
	sim_sleep(ctx, 1);
	sim_mutex_unlock(ctx, &l->a);
}

static void try_other(SimCtx *ctx, void *arg)
{
	Locks *l = arg;

	l->got = sim_mutex_trylock(ctx, &l->a);
	assert_false(sim_mutex_held_by_current(ctx, &l->a));
	assert_true(sim_mutex_is_locked(&l->a));
}

static void setup_try(SimCtx *ctx, void *data)
{
	Locks *l = data;

	init_locks(ctx, l);
	sim_task_create(ctx, "h", 0, try_holder, l, 0);
	sim_task_create(ctx, "o", 1, try_other, l, 0);
}

static void test_trylock(void **state)
{
	SimCtx *ctx = harness_ctx(2, false);
	Locks l = { 0 };

	(void)state;
	l.got = true;
	assert_int_equal(harness_run_first(ctx, setup_try, &l), SIM_END_DONE);
	assert_false(l.got);
	sim_ctx_free(ctx);
}

static void ab_task(SimCtx *ctx, void *arg)
{
	Locks *l = arg;

	sim_mutex_lock(ctx, &l->a);
	sim_mutex_lock(ctx, &l->b);
	sim_mutex_unlock(ctx, &l->b);
	sim_mutex_unlock(ctx, &l->a);
}

static void ba_task(SimCtx *ctx, void *arg)
{
	Locks *l = arg;

	sim_mutex_lock(ctx, &l->b);
	sim_mutex_lock(ctx, &l->a);
	sim_mutex_unlock(ctx, &l->a);
	sim_mutex_unlock(ctx, &l->b);
}

static void setup_abba(SimCtx *ctx, void *data)
{
	Locks *l = data;

	init_locks(ctx, l);
	sim_task_create(ctx, "t_ab", 0, ab_task, l, 0);
	sim_task_create(ctx, "t_ba", 1, ba_task, l, 0);
}

/* The ABBA interleaving deadlocks; the report names both tasks and both locks. */
static void test_abba_deadlock(void **state)
{
	SimCtx *ctx = harness_ctx(2, false);
	Locks l = { 0 };
	/* t_ab takes A, t_ba takes B, then each blocks on the other's lock. */
	SimStrategy *r = sim_strategy_replay_new("S1:a2b2ab", NULL);
	const SimViolation *v;

	(void)state;
	assert_int_equal(harness_run(ctx, r, setup_abba, &l), SIM_END_DEADLOCK);
	v = harness_violation(ctx, "deadlock");
	assert_non_null(v);
	assert_true(v->fatal);
	assert_non_null(strstr(v->message, "t_ab (cpu0) waits for B held by t_ba (cpu1)"));
	assert_non_null(strstr(v->message, "t_ba (cpu1) waits for A held by t_ab (cpu0)"));
	assert_non_null(strstr(v->message, "wait-for cycle:"));
	/* The order inversion itself was seen too. */
	assert_non_null(harness_violation(ctx, "lock-order"));
	sim_strategy_free(r);
	sim_ctx_free(ctx);
}

/* A-then-B and B-then-A on a schedule that does not deadlock: still a lock-order report. */
static void test_lock_order_cycle_without_deadlock(void **state)
{
	SimCtx *ctx = harness_ctx(2, false);
	Locks l = { 0 };
	const SimViolation *v;

	(void)state;
	assert_int_equal(harness_run_first(ctx, setup_abba, &l), SIM_END_DONE);
	v = harness_violation(ctx, "lock-order");
	assert_non_null(v);
	assert_false(v->fatal);
	assert_string_equal(v->message, "t_ba takes A while holding B, but earlier A -> B");
	assert_true(sim_lockdep_edge(ctx, l.a.id, l.b.id));
	assert_true(sim_lockdep_edge(ctx, l.b.id, l.a.id));
	assert_null(harness_violation(ctx, "deadlock"));
	sim_ctx_free(ctx);
}

static void relock_task(SimCtx *ctx, void *arg)
{
	Locks *l = arg;

	sim_mutex_lock(ctx, &l->a);
	sim_mutex_lock(ctx, &l->a);
}

static void setup_relock(SimCtx *ctx, void *data)
{
	init_locks(ctx, data);
	sim_task_create(ctx, "self", 0, relock_task, data, 0);
}

static void bad_unlock_task(SimCtx *ctx, void *arg)
{
	Locks *l = arg;

	sim_mutex_unlock(ctx, &l->b);
}

static void setup_bad_unlock(SimCtx *ctx, void *data)
{
	init_locks(ctx, data);
	sim_task_create(ctx, "bad", 0, bad_unlock_task, data, 0);
}

static void test_mutex_misuse(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	Locks l = { 0 };

	(void)state;
	assert_int_equal(harness_run_first(ctx, setup_relock, &l), SIM_END_DEADLOCK);
	assert_non_null(strstr(harness_violation(ctx, "deadlock")->message, "already holds"));
	assert_int_equal(harness_run_first(ctx, setup_bad_unlock, &l), SIM_END_VIOLATION);
	assert_non_null(harness_violation(ctx, "bad-unlock"));
	sim_ctx_free(ctx);
}

typedef struct {
	SimCompletion c;
	int waits_done;
	unsigned done_after;
} Comp;

static void comp_completer(SimCtx *ctx, void *arg)
{
	Comp *c = arg;

	sim_complete_all(ctx, &c->c);
}

static void comp_late_waiter(SimCtx *ctx, void *arg)
{
	Comp *c = arg;

	sim_sleep(ctx, 5);	/* long after complete_all */
	for (int i = 0; i < 3; i++) {
		sim_wait_for_completion(ctx, &c->c);
		c->waits_done++;
	}
	c->done_after = c->c.done;
}

static void setup_comp(SimCtx *ctx, void *data)
{
	Comp *c = data;

	sim_completion_init(ctx, &c->c, "comp");
	c->waits_done = 0;
	sim_task_create(ctx, "completer", 0, comp_completer, c, 0);
	sim_task_create(ctx, "waiter", 1, comp_late_waiter, c, 0);
}

/* After one complete_all, no later wait ever blocks: the counter is never reset. */
static void test_complete_all_never_blocks_later(void **state)
{
	SimCtx *ctx = harness_ctx(2, false);
	Comp c;

	(void)state;
	for (uint64_t seed = 0; seed < 50; seed++) {
		assert_int_equal(harness_run_seed(ctx, seed, setup_comp, &c), SIM_END_DONE);
		assert_int_equal(c.waits_done, 3);
		assert_int_equal(c.done_after, UINT_MAX / 2 - 3);
	}
	sim_ctx_free(ctx);
}

static void comp_waiter_first(SimCtx *ctx, void *arg)
{
	Comp *c = arg;

	sim_wait_for_completion(ctx, &c->c);
	c->waits_done++;
}

static void comp_one(SimCtx *ctx, void *arg)
{
	Comp *c = arg;

	sim_sleep(ctx, 1);
	sim_complete(ctx, &c->c);
}

static void setup_complete_one(SimCtx *ctx, void *data)
{
	Comp *c = data;

	sim_completion_init(ctx, &c->c, "comp");
	c->waits_done = 0;
	sim_task_create(ctx, "w1", 0, comp_waiter_first, c, 0);
	sim_task_create(ctx, "w2", 1, comp_waiter_first, c, 0);
	sim_task_create(ctx, "one", 2, comp_one, c, 0);
}

/* complete() releases exactly one waiter; the other stays blocked: a deadlock. */
static void test_complete_one(void **state)
{
	SimCtx *ctx = harness_ctx(3, false);
	Comp c;

	(void)state;
	assert_int_equal(harness_run_first(ctx, setup_complete_one, &c), SIM_END_DEADLOCK);
	assert_int_equal(c.waits_done, 1);
	assert_non_null(strstr(harness_violation(ctx, "deadlock")->message,
			       "w2 (cpu1) waits for comp"));
	sim_ctx_free(ctx);
}

typedef struct {
	SimMutex text_mutex;
	bool reader_in;
	bool writer_in;
	bool overlap;
	int writer_passes;
} Hp;

static void hp_reader(SimCtx *ctx, void *arg)
{
	Hp *h = arg;

	for (int i = 0; i < 2; i++) {
		sim_get_online_cpus(ctx);
		sim_get_online_cpus(ctx);	/* nested */
		h->reader_in = true;
		if (h->writer_in)
			h->overlap = true;
		sim_yield(ctx, SIM_Y_STORE, &sim_fp_none);
		h->reader_in = false;
		sim_put_online_cpus(ctx);
		sim_put_online_cpus(ctx);
	}
}

static void hp_writer(SimCtx *ctx, void *arg)
{
	Hp *h = arg;

	sim_cpu_hotplug_begin(ctx);
	h->writer_in = true;
	if (h->reader_in || sim_hotplug_refcount(ctx))
		h->overlap = true;
	/* The writer passes through the reader calls. */
	sim_get_online_cpus(ctx);
	assert_true(sim_hotplug_read_held(ctx));
	sim_put_online_cpus(ctx);
	sim_yield(ctx, SIM_Y_STORE, &sim_fp_none);
	h->writer_in = false;
	h->writer_passes++;
	sim_cpu_hotplug_done(ctx);
}

static void setup_hp(SimCtx *ctx, void *data)
{
	Hp *h = data;

	memset(h, 0, sizeof(*h));
	sim_task_create(ctx, "reader", 0, hp_reader, h, 0);
	sim_task_create(ctx, "writer", 1, hp_writer, h, 0);
	sim_task_create(ctx, "reader2", 2, hp_reader, h, 0);
}

/* Readers and the writer exclude each other under every schedule tried. */
static void test_hotplug_exclusion(void **state)
{
	SimCtx *ctx = harness_ctx(3, false);
	Hp h;

	(void)state;
	for (uint64_t seed = 0; seed < 300; seed++) {
		assert_int_equal(harness_run_seed(ctx, seed, setup_hp, &h), SIM_END_DONE);
		assert_false(h.overlap);
		assert_int_equal(h.writer_passes, 1);
		assert_int_equal(sim_hotplug_refcount(ctx), 0);
	}
	sim_ctx_free(ctx);
}

static void hp_text_reader(SimCtx *ctx, void *arg)
{
	Hp *h = arg;

	sim_mutex_lock(ctx, &h->text_mutex);
	sim_get_online_cpus(ctx);
	sim_put_online_cpus(ctx);
	sim_mutex_unlock(ctx, &h->text_mutex);
}

static void hp_text_writer(SimCtx *ctx, void *arg)
{
	Hp *h = arg;

	sim_cpu_hotplug_begin(ctx);
	sim_mutex_lock(ctx, &h->text_mutex);
	sim_mutex_unlock(ctx, &h->text_mutex);
	sim_cpu_hotplug_done(ctx);
}

static void setup_hp_text(SimCtx *ctx, void *data)
{
	Hp *h = data;

	memset(h, 0, sizeof(*h));
	sim_mutex_init(ctx, &h->text_mutex, "text_mutex");
	sim_task_create(ctx, "enable", 0, hp_text_reader, h, 0);
	sim_task_create(ctx, "cpu_up", 1, hp_text_writer, h, 0);
}

/*
 * text_mutex -> get_online_cpus on one path and hotplug writer -> text_mutex on another:
 * the order is reported on every schedule, and some schedule really deadlocks.
 */
static void test_hotplug_lock_order(void **state)
{
	SimCtx *ctx = harness_ctx(2, false);
	Hp h;
	bool deadlocked = false;

	(void)state;
	assert_int_equal(harness_run_first(ctx, setup_hp_text, &h), SIM_END_DONE);
	assert_non_null(harness_violation(ctx, "lock-order"));
	for (uint64_t seed = 0; seed < 200 && !deadlocked; seed++)
		deadlocked = harness_run_seed(ctx, seed, setup_hp_text, &h) == SIM_END_DEADLOCK;
	assert_true(deadlocked);
	assert_non_null(strstr(harness_violation(ctx, "deadlock")->message, "cpu_hotplug.lock"));
	sim_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutex_fifo),
		cmocka_unit_test(test_trylock),
		cmocka_unit_test(test_abba_deadlock),
		cmocka_unit_test(test_lock_order_cycle_without_deadlock),
		cmocka_unit_test(test_mutex_misuse),
		cmocka_unit_test(test_complete_all_never_blocks_later),
		cmocka_unit_test(test_complete_one),
		cmocka_unit_test(test_hotplug_exclusion),
		cmocka_unit_test(test_hotplug_lock_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
