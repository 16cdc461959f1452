// SPDX-License-Identifier: GPL-2.0-only
/*
 * The minimizer: finding a scenario's failure the way `kpsim run` does, shrinking a
 * failing scenario while it fails with the same signature (and the result replaying with
 * it), its statuses for scenarios that pass or do not fit the image, the scenario size
 * it counts, and signatures turned into file names.
 */
#include "tools/search/search.h"

#include "sim/strategy.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tools_harness.h"

/*
 * The same failure padded with what does not matter to it: handlers on the probe, two
 * more probes, two more tasks, calls, an IRQ on another vCPU, reads, and an expectation.
 */
static const char PADDED_TEXT[] =
	"cpus 3\n"
	"probe q at f_medium+0 post\n"
	"probe p0 at f_loop+0x1b fault fault-returns 1 pre-returns 1\n"
	"probe r at f_small+0\n"
	"task t0 on cpu0:\n"
	"    register p0\n"
	"    call f_small times 3\n"
	"    sleep 6\n"
	"    debugfs write \"0\"\n"
	"task t1 on cpu2:\n"
	"    register q -> 0\n"
	"    call f_medium times 2\n"
	"    irq cpu1 f_small\n"
	"task t2 on cpu2:\n"
	"    sysctl read -> 1\n"
	"    sleep 2\n"
	"expect always no-violation\n";

/* Three hits where none are expected: one call, without handlers, fails as well. */
static const char HITS_TEXT[] =
	"cpus 2\n"
	"probe a at f_small+0 post break\n"
	"task t0 on cpu0:\n"
	"    register a -> 0\n"
	"    sleep 4\n"
	"    call f_small times 3\n"
	"task t1 on cpu1:\n"
	"    call f_medium\n"
	"expect end a.hits == 0\n";

/* A failed end condition on line 12, below lines the minimizer removes. */
static const char EXPECT_TEXT[] =
	"cpus 2\n"
	"probe q at f_medium+0 post\n"
	"probe a at f_small+0 post\n"
	"task t0 on cpu0:\n"
	"    register a -> 0\n"
	"    call f_small times 2\n"
	"task t1 on cpu1:\n"
	"    register q -> 0\n"
	"    call f_medium\n"
	"    sleep 2\n"
	"expect always no-violation\n"
	"expect end a.hits == 5\n";

/*
 * The key of one execution of `sc` under `schedule`, "" when it passes.  `lines` (when
 * not NULL) renumbers the expectations first, as the minimizer does.
 */
static char *key_of(KpScenario *sc, const char *schedule, const int *lines)
{
	SimStrategy *s = sim_strategy_replay_new(schedule, NULL);
	Outcome o;
	char *key;

	assert_non_null(s);
	for (unsigned i = 0; lines && i < sc->n_expects; i++)
		sc->expect_store[i].line = lines[i];
	run_once(sc, s, &o);
	assert_true(o.end != SIM_END_NONE && o.end != SIM_END_DIVERGED);
	key = g_steal_pointer(&o.key);
	outcome_clear(&o);
	return key;
}

static unsigned size_sum(KpScenarioSize s)
{
	return s.ops + s.tasks + s.probes + s.cpus + s.expects;
}

/* PADDED_TEXT minimized, made once for the tests that look at it from several sides. */
static KpMinimizeResult padded;
static bool padded_made;

static const KpMinimizeResult *padded_minimized(void)
{
	if (!padded_made) {
		g_autoptr(KpScenario) sc = parse(PADDED_TEXT);

		kp_minimize(sc, NULL, NULL, &padded);
		padded_made = true;
	}
	return &padded;
}

static int clear_padded(void **state)
{
	(void)state;
	kp_minimize_result_clear(&padded);
	padded_made = false;
	return 0;
}

/* ---- sizes ---- */

static void test_scenario_size_counts_everything(void **state)
{
	g_autoptr(KpScenario) sc = parse(PADDED_TEXT);
	KpScenarioSize s = kp_scenario_size(sc);

	(void)state;
	assert_int_equal(s.ops, 9);
	assert_int_equal(s.tasks, 3);
	assert_int_equal(s.probes, 3);
	assert_int_equal(s.cpus, 3);
	assert_int_equal(s.expects, 1);
}

/* ---- finding the failure ---- */

static void test_find_failure_in_first_execution(void **state)
{
	g_autoptr(KpScenario) sc = parse(A5_TEXT);
	g_autofree char *key = NULL, *schedule = NULL, *error = NULL, *again = NULL;

	(void)state;
	assert_true(kp_minimize_find_failure(sc, &key, &schedule, &error));
	assert_null(error);
	assert_string_equal(key, "violation A5 (checker) [debugfs write: the address holds a jump]");
	assert_true(g_str_has_prefix(schedule, "S1:"));
	again = key_of(sc, schedule, NULL);
	assert_string_equal(again, key);
}

static void test_find_failure_of_passing_scenario_finds_none(void **state)
{
	g_autoptr(KpScenario) sc = parse(PASS_TEXT);
	char *key = (char *)"x", *schedule = (char *)"x", *error = (char *)"x";

	(void)state;
	assert_false(kp_minimize_find_failure(sc, &key, &schedule, &error));
	assert_null(key);
	assert_null(schedule);
	assert_null(error);
}

static void test_find_failure_reports_input_error(void **state)
{
	g_autoptr(KpScenario) sc = parse_missing("");
	g_autofree char *key = NULL, *schedule = NULL, *error = NULL;

	(void)state;
	assert_false(kp_minimize_find_failure(sc, &key, &schedule, &error));
	assert_string_equal(error, "t.kps: probe a: no symbol no_such_function");
	assert_null(key);
}

/*
 * The scenario's own schedule, else its explore line, decides which failure is found:
 * the first execution of RACE_TEXT deadlocks, an explored one may show A5 first.
 */
static void test_find_failure_follows_schedule_and_explore_line(void **state)
{
	g_autoptr(KpScenario) plain = parse(RACE_TEXT);
	g_autofree char *dfs_text = g_strconcat(RACE_TEXT, "explore dfs preemptions 1\n", NULL);
	g_autoptr(KpScenario) dfs = parse(dfs_text);
	KpExploreConfig cfg = { .strategy = KP_STRATEGY_DFS, .preemptions = 1, .reduce = true,
				.jobs = 1 };
	const KpExploreFailure *first = NULL, *a5 = NULL;
	KpExploreResult r;

	(void)state;
	{
		g_autofree char *key = NULL, *schedule = NULL, *error = NULL;

		assert_true(kp_minimize_find_failure(plain, &key, &schedule, &error));
		assert_string_equal(key, "violation deadlock (report_no_options) [optimizing_work on "
					"kprobe_mutex, sysctl write on optimizer_comp]");
	}
	kp_explore(dfs, &cfg, &r);
	for (unsigned i = 0; i < r.failures->len; i++) {
		const KpExploreFailure *f = r.failures->pdata[i];

		if (!first || f->order < first->order)
			first = f;
		if (!strcmp(f->key, "violation A5 (checker) [debugfs write: the address holds a jump]"))
			a5 = f;
	}
	assert_non_null(first);
	assert_non_null(a5);
	{
		g_autofree char *key = NULL, *schedule = NULL, *error = NULL;

		assert_true(kp_minimize_find_failure(dfs, &key, &schedule, &error));
		assert_string_equal(key, first->key);
		assert_string_equal(schedule, first->schedule);
	}
	{
		g_autofree char *text = g_strdup_printf("%sschedule %s\n", RACE_TEXT, a5->schedule);
		g_autoptr(KpScenario) sc = parse(text);
		g_autofree char *key = NULL, *schedule = NULL, *error = NULL;

		assert_true(kp_minimize_find_failure(sc, &key, &schedule, &error));
		assert_string_equal(key, "violation A5 (checker) [debugfs write: the address holds a jump]");
		assert_string_equal(schedule, a5->schedule);
	}
	kp_explore_result_clear(&r);
}

/* ---- minimizing ---- */

static void test_minimize_shrinks_padded_failure_keeping_its_key(void **state)
{
	const KpMinimizeResult *res = padded_minimized();
	g_autoptr(KpScenario) out = NULL;
	g_autoptr(GError) err = NULL;
	g_autofree char *replayed = NULL;

	(void)state;
	assert_int_equal(res->status, KP_MINIMIZE_OK);
	assert_null(res->error);
	assert_string_equal(res->key, "violation A5 (checker) [debugfs write: the address holds a jump]");
	assert_int_equal(res->before.ops, 9);
	assert_int_equal(res->before.tasks, 3);
	assert_true(size_sum(res->after) < size_sum(res->before));
	/* Only the registration and the write matter, on one vCPU. */
	assert_int_equal(res->after.tasks, 1);
	assert_int_equal(res->after.probes, 1);
	assert_int_equal(res->after.cpus, 1);
	assert_int_equal(res->after.expects, 0);
	assert_true(res->after.ops <= 3);
	assert_true(res->accepted >= 1 && res->accepted <= res->candidates);

	/* The text is a scenario whose embedded schedule fails the same way. */
	out = kp_scenario_parse("t.kps", res->text, strlen(res->text), &err);
	assert_non_null(out);
	assert_non_null(out->schedule);
	assert_string_equal(out->schedule, res->schedule);
	assert_int_equal(kp_scenario_size(out).ops, res->after.ops);
	assert_int_equal(out->script.n_probes, 1);
	assert_string_equal(out->script.probes[0].symbol, "f_loop");
	assert_int_equal(out->script.probes[0].offset, 0x1b);
	/* The handlers' options did not matter either. */
	assert_false(out->script.probes[0].fault);
	assert_int_equal(out->script.probes[0].pre_ret, 0);
	replayed = key_of(out, out->schedule, NULL);
	assert_string_equal(replayed, res->key);
}

/* Given the key and schedule (as the fuzzer does) it reaches the same scenario. */
static void test_minimize_with_given_key_and_schedule(void **state)
{
	g_autoptr(KpScenario) sc = parse(PADDED_TEXT);
	g_autofree char *key = NULL, *schedule = NULL, *error = NULL;
	const KpMinimizeResult *found = padded_minimized();
	KpMinimizeResult given;

	(void)state;
	assert_true(kp_minimize_find_failure(sc, &key, &schedule, &error));
	kp_minimize(sc, key, schedule, &given);
	assert_int_equal(given.status, KP_MINIMIZE_OK);
	assert_string_equal(given.key, found->key);
	assert_string_equal(given.text, found->text);
	assert_int_equal(given.candidates, found->candidates);
	kp_minimize_result_clear(&given);
	/* Cleared, a result holds nothing. */
	assert_null(given.text);
	assert_null(given.key);
}

/* A minimized scenario is a fixpoint: nothing more can go. */
static void test_minimize_of_minimized_scenario_keeps_it(void **state)
{
	const KpMinimizeResult *first = padded_minimized();
	g_autoptr(KpScenario) again = NULL;
	KpMinimizeResult second;

	(void)state;
	assert_int_equal(first->status, KP_MINIMIZE_OK);
	again = parse(first->text);
	kp_minimize(again, NULL, NULL, &second);
	assert_int_equal(second.status, KP_MINIMIZE_OK);
	assert_string_equal(second.key, first->key);
	assert_int_equal(second.accepted, 0);
	assert_true(second.candidates > 0);
	assert_memory_equal(&second.before, &second.after, sizeof(second.after));
	assert_string_equal(second.text, first->text);
	kp_minimize_result_clear(&second);
}

/*
 * A failed expectation keeps its signature, the line in the original file, although the
 * lines above it go: the minimized file has it on another line.
 */
static void test_minimize_keeps_expectation_signature_line(void **state)
{
	g_autoptr(KpScenario) sc = parse(EXPECT_TEXT);
	g_autoptr(KpScenario) out = NULL;
	g_autofree char *own = NULL, *renumbered = NULL, *own_key = NULL;
	KpMinimizeResult res;
	int lines[1] = { 12 };

	(void)state;
	kp_minimize(sc, NULL, NULL, &res);
	assert_int_equal(res.status, KP_MINIMIZE_OK);
	assert_string_equal(res.key, "expectation t.kps:12");
	assert_int_equal(res.after.tasks, 1);
	assert_int_equal(res.after.probes, 1);
	assert_int_equal(res.after.expects, 1);
	assert_true(size_sum(res.after) < size_sum(res.before));
	assert_non_null(strstr(res.text, "\nexpect end a.hits == 5\n"));
	out = parse(res.text);
	assert_int_equal(out->n_expects, 1);
	assert_true(out->expects[0].line < 12);
	own_key = g_strdup_printf("expectation t.kps:%d", out->expects[0].line);
	own = key_of(out, out->schedule, NULL);
	assert_string_equal(own, own_key);
	renumbered = key_of(out, out->schedule, lines);
	assert_string_equal(renumbered, res.key);
	kp_minimize_result_clear(&res);
}

/* What is left is made simpler: one call instead of three, no handlers but pre. */
static void test_minimize_simplifies_calls_and_handlers(void **state)
{
	g_autoptr(KpScenario) sc = parse(HITS_TEXT);
	g_autoptr(KpScenario) out = NULL;
	KpMinimizeResult res;
	const KpOp *call;

	(void)state;
	kp_minimize(sc, NULL, NULL, &res);
	assert_int_equal(res.status, KP_MINIMIZE_OK);
	assert_string_equal(res.key, "expectation t.kps:9");
	out = parse(res.text);
	assert_int_equal(out->n_cpus, 1);
	assert_int_equal(out->script.n_tasks, 1);
	assert_false(out->script.probes[0].post);
	assert_false(out->script.probes[0].brk);
	/* register and one call: the sleep went, the call was cut to one. */
	assert_int_equal(out->script.tasks[0].n_ops, 2);
	assert_int_equal(out->script.tasks[0].ops[0].kind, KP_OP_REGISTER);
	assert_int_equal(out->script.tasks[0].ops[0].expect, KP_NO_EXPECT);
	call = &out->script.tasks[0].ops[1];
	assert_int_equal(call->kind, KP_OP_CALL);
	assert_int_equal(call->arg, 1);
	kp_minimize_result_clear(&res);
}

static void test_minimize_of_passing_scenario_is_no_failure(void **state)
{
	g_autoptr(KpScenario) sc = parse(PASS_TEXT);
	KpMinimizeResult res;

	(void)state;
	kp_minimize(sc, NULL, NULL, &res);
	assert_int_equal(res.status, KP_MINIMIZE_NO_FAILURE);
	assert_null(res.error);
	assert_null(res.text);
	assert_null(res.key);
	assert_int_equal(res.before.ops, 2);
	assert_int_equal(res.candidates, 0);
	kp_minimize_result_clear(&res);
}

static void test_minimize_of_input_error_is_bad_input(void **state)
{
	g_autoptr(KpScenario) sc = parse_missing("");
	KpMinimizeResult res;

	(void)state;
	kp_minimize(sc, NULL, NULL, &res);
	assert_int_equal(res.status, KP_MINIMIZE_BAD_INPUT);
	assert_string_equal(res.error, "t.kps: probe a: no symbol no_such_function");
	assert_null(res.text);
	kp_minimize_result_clear(&res);
}

/* ---- file names ---- */

static void test_signature_file_names(void **state)
{
	static const char *const cases[][2] = {
		{ "violation A5 (checker)", "A5-checker" },
		{ "violation A5 (checker) [debugfs write]", "A5-checker-debugfs-write" },
		{ "violation P3 (checker) [disable: a neighbour int3 -> disarmed]",
		  "P3-checker-disable-a-neighbour-int3-disarmed" },
		{ "violation deadlock (report_no_options)", "deadlock-report_no_options" },
		{ "violation expect (register)", "expect-register" },
		{ "violation leak (sizeof(struct optimized_kprobe))",
		  "leak-sizeof-struct-optimized_kprobe" },
		{ "violation A5 (check.c:50)", "A5-check.c-50" },
		/* Only `violation` is dropped (docs/fuzzing.md). */
		{ "expectation t.kps:7", "expectation-t.kps-7" },
		{ "crash (signal 6)", "crash-signal-6" },
		{ "", "" },
		{ "violation ", "" },
	};

	(void)state;
	for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *name = kp_signature_file_name(cases[i][0]);

		assert_string_equal(name, cases[i][1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenario_size_counts_everything),
		cmocka_unit_test(test_find_failure_in_first_execution),
		cmocka_unit_test(test_find_failure_of_passing_scenario_finds_none),
		cmocka_unit_test(test_find_failure_reports_input_error),
		cmocka_unit_test(test_find_failure_follows_schedule_and_explore_line),
		cmocka_unit_test(test_minimize_shrinks_padded_failure_keeping_its_key),
		cmocka_unit_test(test_minimize_with_given_key_and_schedule),
		cmocka_unit_test(test_minimize_of_minimized_scenario_keeps_it),
		cmocka_unit_test(test_minimize_keeps_expectation_signature_line),
		cmocka_unit_test(test_minimize_simplifies_calls_and_handlers),
		cmocka_unit_test(test_minimize_of_passing_scenario_is_no_failure),
		cmocka_unit_test(test_minimize_of_input_error_is_bad_input),
		cmocka_unit_test(test_signature_file_names),
	};

	return cmocka_run_group_tests(tests, NULL, clear_padded);
}
