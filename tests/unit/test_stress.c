// SPDX-License-Identifier: GPL-2.0-only
/*
 * One million runs of a tiny scenario on one reused context.  Memory must not grow (the
 * sanitizer build's LeakSanitizer then checks nothing leaked at exit) and the context's
 * buffers must stay the size they reached early: that is what "no slowdown over time"
 * means here, since timing is for benchmarks, not tests.
 */
#include "harness.h"
#include "sim/alloc.h"
#include "sim/mutex.h"

#include <stdlib.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
/*
 * AddressSanitizer keeps freed blocks in a quarantine of up to 256 MiB, which would look
 * like growth here; a small one keeps the measurement about this program.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=4";
}
#endif

static long rss_pages(void)
{
	long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld %ld", &size, &resident), 2);
	fclose(f);
	return resident;
}

typedef struct {
	SimMutex m;
} Tiny;

static void tiny_task(SimCtx *ctx, void *arg)
{
	Tiny *t = arg;
	void *p;

	sim_mutex_lock(ctx, &t->m);
	p = sim_kzalloc(ctx, 16, "obj", __FILE__, __LINE__);
	sim_mutex_unlock(ctx, &t->m);
	sim_kfree(ctx, p, __FILE__, __LINE__);
}

static void setup_tiny(SimCtx *ctx, void *data)
{
	Tiny *t = data;

	sim_mutex_init(ctx, &t->m, "m");
	sim_task_create(ctx, "t0", 0, tiny_task, t, 0);
	sim_task_create(ctx, "t1", 1, tiny_task, t, 0);
}

static void test_million_runs(void **state)
{
	const char *env = getenv("KPSIM_STRESS_RUNS");
	unsigned long runs = env ? strtoul(env, NULL, 10) : 1000000;
	SimCtx *ctx = harness_ctx(2, false);
	SimStrategy *s = sim_strategy_random_new(0);
	Tiny t;
	long rss_early = 0, rss_late;
	unsigned long decisions = 0;

	(void)state;
	for (unsigned long i = 0; i < runs; i++) {
		sim_strategy_random_reseed(s, i);
		assert_int_equal(harness_run(ctx, s, setup_tiny, &t), SIM_END_DONE);
		decisions += sim_step(ctx);
		if (i == runs / 10)
			rss_early = rss_pages();
	}
	rss_late = rss_pages();
	print_message("# %lu runs, %lu decisions, resident pages %ld -> %ld\n", runs, decisions,
		      rss_early, rss_late);
	/* A leak of even 8 bytes per run would add about 2000 pages over 900k runs. */
	assert_true(rss_late - rss_early < 64);
	assert_true(decisions >= runs * 6);
	sim_strategy_free(s);
	sim_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_million_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
