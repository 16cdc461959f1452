// SPDX-License-Identifier: GPL-2.0-only
/* The tracked allocator: poison, quarantine, double free, use after free, leaks. */
#include "harness.h"
#include "sim/alloc.h"
#include "sim/srcpath.h"

typedef enum { A_CLEAN, A_LEAK, A_DOUBLE, A_UAF, A_BAD, A_OVERFLOW } AllocCase;

typedef struct {
	AllocCase what;
	unsigned char seen_after_free;
	bool live_before, live_after;
	uint64_t id;
} Alloc;

static void alloc_task(SimCtx *ctx, void *arg)
{
	Alloc *a = arg;
	unsigned char *p = sim_kzalloc(ctx, 24, "optimized_kprobe", "kprobes.c", 720);
	unsigned char *q = sim_kzalloc(ctx, 8, "slot", "kprobes.c", 200);
	int local;

	for (int i = 0; i < 24; i++)
		assert_int_equal(p[i], 0);
	a->id = sim_alloc_id(ctx, p);
	a->live_before = sim_alloc_is_live(ctx, p);
	sim_kfree(ctx, q, "kprobes.c", 210);
	switch (a->what) {
	case A_CLEAN:
		sim_kfree(ctx, p, "kprobes.c", 400);
		break;
	case A_LEAK:
		break;
	case A_DOUBLE:
		sim_kfree(ctx, p, "kprobes.c", 400);
		sim_kfree(ctx, p, "kprobes.c", 401);
		break;
	case A_UAF:
		sim_kfree(ctx, p, "kprobes.c", 400);
		a->seen_after_free = p[3];
		p[5] = 1;
		break;
	case A_BAD:
		sim_kfree(ctx, &local, "kprobes.c", 402);
		break;
	case A_OVERFLOW:
		p[24] = 0;
		sim_kfree(ctx, p, "kprobes.c", 400);
		break;
	}
	a->live_after = sim_alloc_is_live(ctx, p);
}

static void setup_alloc(SimCtx *ctx, void *data)
{
	sim_task_create(ctx, "a", 0, alloc_task, data, 0);
}

static void test_allocator(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	Alloc a = { A_CLEAN };
	const SimViolation *v;

	(void)state;
	assert_int_equal(harness_run_first(ctx, setup_alloc, &a), SIM_END_DONE);
	assert_int_equal(sim_violation_count(ctx), 0);
	assert_int_equal(a.id, 1);
	assert_true(a.live_before);
	assert_false(a.live_after);
	assert_int_equal(sim_alloc_live_count(ctx), 0);

	a.what = A_LEAK;
	assert_int_equal(harness_run_first(ctx, setup_alloc, &a), SIM_END_DONE);
	v = harness_violation(ctx, "leak");
	assert_non_null(v);
	assert_false(v->fatal);
	assert_string_equal(v->message,
			    "optimized_kprobe #1 (24 bytes, allocated at step 1) was never freed");
	assert_string_equal(v->site, "optimized_kprobe");

	/* A layer that judges leaks itself can switch the engine's report off for a run. */
	sim_ctx_reset(ctx);
	sim_alloc_set_leak_check(ctx, false);
	setup_alloc(ctx, &a);
	{
		SimStrategy *s = sim_strategy_first_new();

		assert_int_equal(sim_run(ctx, s), SIM_END_DONE);
		sim_strategy_free(s);
	}
	assert_null(harness_violation(ctx, "leak"));
	assert_int_equal(sim_alloc_live_count(ctx), 1);

	a.what = A_DOUBLE;
	assert_int_equal(harness_run_first(ctx, setup_alloc, &a), SIM_END_VIOLATION);
	v = harness_violation(ctx, "double-free");
	assert_non_null(v);
	assert_string_equal(v->site, "optimized_kprobe");
	assert_non_null(strstr(v->message, "freed at kprobes.c:400"));

	a.what = A_UAF;
	assert_int_equal(harness_run_first(ctx, setup_alloc, &a), SIM_END_DONE);
	assert_int_equal(a.seen_after_free, SIM_POISON_FREE);
	v = harness_violation(ctx, "use-after-free");
	assert_non_null(v);
	assert_non_null(strstr(v->message, "offset 5"));

	a.what = A_BAD;
	assert_int_equal(harness_run_first(ctx, setup_alloc, &a), SIM_END_VIOLATION);
	assert_non_null(harness_violation(ctx, "bad-free"));

	a.what = A_OVERFLOW;
	assert_int_equal(harness_run_first(ctx, setup_alloc, &a), SIM_END_VIOLATION);
	assert_non_null(harness_violation(ctx, "overflow"));
	sim_ctx_free(ctx);
}

/* Which of 6 calls fail after fail-nth n, per task: bit i set = call i failed. */
typedef struct {
	unsigned n[2];
	unsigned failed[2];
} FailNth;

static void fail_nth_task(SimCtx *ctx, void *arg)
{
	FailNth *f = arg;
	unsigned me = sim_task_id(sim_current(ctx));

	sim_fail_nth_set(ctx, f->n[me]);
	for (unsigned i = 0; i < 6; i++) {
		sim_yield(ctx, SIM_Y_OP, &sim_fp_none);
		if (sim_fail_nth_should_fail(ctx, "test"))
			f->failed[me] |= 1u << i;
	}
}

static void setup_fail_nth(SimCtx *ctx, void *data)
{
	sim_task_create(ctx, "a", 0, fail_nth_task, data, 0);
	sim_task_create(ctx, "b", 0, fail_nth_task, data, 0);
}

static void test_fail_nth(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	FailNth f = { .n = { 3, 0 } };

	(void)state;
	/* Outside a task nothing is injected. */
	assert_false(sim_fail_nth_should_fail(ctx, "boot"));
	/* The third call of task a fails, once; task b's calls, interleaved, do not count. */
	assert_int_equal(harness_run_first(ctx, setup_fail_nth, &f), SIM_END_DONE);
	assert_int_equal(f.failed[0], 1u << 2);
	assert_int_equal(f.failed[1], 0);

	f = (FailNth){ .n = { 1, 6 } };
	assert_int_equal(harness_run_first(ctx, setup_fail_nth, &f), SIM_END_DONE);
	assert_int_equal(f.failed[0], 1u << 0);
	assert_int_equal(f.failed[1], 1u << 5);

	/* A count past the calls made never fires. */
	f = (FailNth){ .n = { 7, 0 } };
	assert_int_equal(harness_run_first(ctx, setup_fail_nth, &f), SIM_END_DONE);
	assert_int_equal(f.failed[0] | f.failed[1], 0);
	sim_ctx_free(ctx);
}

/* Allocation sites in messages read the same whatever directory the tree sits in. */
static void test_source_path(void **state)
{
	(void)state;
	assert_string_equal(sim_source_path("../model/6274de4/kprobes.c"),
			    "model/6274de4/kprobes.c");
	assert_string_equal(sim_source_path("../../a/main/model/61f4e13/kprobes.c"),
			    "model/61f4e13/kprobes.c");
	/* A directory above the checkout with one of our names does not win. */
	assert_string_equal(sim_source_path("/x/tools/kpsim/sim/alloc.c"), "sim/alloc.c");
	assert_string_equal(sim_source_path("alloc.c"), "alloc.c");
	assert_string_equal(sim_source_path("/home/u/src/x.c"), "/home/u/src/x.c");
	assert_string_equal(sim_source_path(NULL), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allocator),
		cmocka_unit_test(test_fail_nth),
		cmocka_unit_test(test_source_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
