// SPDX-License-Identifier: GPL-2.0-only
/* The trace: replay gives byte-identical output in every sink. */
#include "harness.h"
#include "tools/cli/demo_workload.h"

static char *sink(SimCtx *ctx, int which)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (which == 0)
		sim_trace_write_text(ctx, f, 0);
	else if (which == 1)
		sim_trace_write_jsonl(ctx, f);
	else
		sim_trace_write_perfetto(ctx, f);
	fclose(f);
	return buf;
}

static void test_replay_is_byte_identical(void **state)
{
	SimCtx *ctx = harness_ctx(2, true);
	KpDemo w;

	(void)state;
	for (uint64_t seed = 0; seed < 40; seed++) {
		g_autofree char *sched = NULL;
		char *first[3], *again[3];
		SimStrategy *replay;

		assert_int_equal(harness_run_seed(ctx, seed, kp_demo_setup, &w), SIM_END_DONE);
		assert_int_equal(w.patched, 1);
		assert_int_equal(sim_violation_count(ctx), 0);
		sched = sim_schedule_string(ctx);
		for (int i = 0; i < 3; i++)
			first[i] = sink(ctx, i);
		replay = sim_strategy_replay_new(sched, NULL);
		assert_int_equal(harness_run(ctx, replay, kp_demo_setup, &w), SIM_END_DONE);
		for (int i = 0; i < 3; i++) {
			again[i] = sink(ctx, i);
			assert_string_equal(first[i], again[i]);
			free(first[i]);
			free(again[i]);
		}
		sim_strategy_free(replay);
	}
	sim_ctx_free(ctx);
}

/* The text sink names what happened, in order, with step, jiffies, vCPU and task. */
static void test_text_trace_content(void **state)
{
	SimCtx *ctx = harness_ctx(2, true);
	KpDemo w;
	char *text;

	(void)state;
	assert_int_equal(harness_run_first(ctx, kp_demo_setup, &w), SIM_END_DONE);
	text = sink(ctx, 0);
	assert_non_null(strstr(text, "cpu0  api          lock kprobe_mutex"));
	assert_non_null(strstr(text, "engine       tick 5"));
	assert_non_null(strstr(text, "kworker/0    work-start optimizing_work"));
	assert_non_null(strstr(text, "stop-machine-begin #1"));
	assert_non_null(strstr(text, "event text_poke demo_fn 0x1000 5 0"));
	assert_true(strstr(text, "gp-start") < strstr(text, "stop-machine-begin"));
	free(text);
	/* The api task waited for the optimizer: the completion was signalled after the patch. */
	assert_int_equal(sim_jiffies(ctx), 5);
	sim_ctx_free(ctx);
}

/* With tracing off nothing is recorded. */
static void test_trace_off(void **state)
{
	SimCtx *ctx = harness_ctx(2, false);
	KpDemo w;

	(void)state;
	assert_int_equal(harness_run_first(ctx, kp_demo_setup, &w), SIM_END_DONE);
	assert_int_equal(sim_trace_count(ctx), 0);
	assert_true(sim_step(ctx) > 10);
	sim_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_is_byte_identical),
		cmocka_unit_test(test_text_trace_content),
		cmocka_unit_test(test_trace_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
