// SPDX-License-Identifier: GPL-2.0-only
/*
 * The run library (tools/run/run.h): one execution of a scenario under a strategy, its
 * verdict and failure key, its schedule and final-state hash, `expect sometimes`
 * bookkeeping, the traced replay with its exit statuses, the report of one execution
 * and the printed transition matrix.
 */
#include "tools/run/run.h"

#include "model/transitions.h"
#include "sim/strategy.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools_harness.h"

static void run_first(const char *text, Outcome *o)
{
	g_autoptr(KpScenario) sc = parse(text);

	run_once(sc, sim_strategy_first_new(), o);
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A traced replay of `sc`: its exit status, the trace and the summary it printed. */
static int replay(const KpScenario *sc, const char *schedule, uint64_t until,
		  KpTraceFormat format, char **trace, char **summary)
{
	Stream t, s;
	int status;

	open_stream(&t);
	open_stream(&s);
	status = kp_runner_replay(sc, schedule, until, format, t.f, s.f);
	*trace = take_stream(&t);
	*summary = take_stream(&s);
	return status;
}

/* ---- judging one execution ---- */

static void test_passing_execution_judged_pass_with_empty_message(void **state)
{
	Outcome o;

	(void)state;
	run_first(PASS_TEXT, &o);
	assert_int_equal(o.end, SIM_END_DONE);
	assert_true(o.pass);
	assert_string_equal(o.msg, "");
	assert_string_equal(o.key, "");
	assert_true(g_str_has_prefix(o.schedule, "S1:a"));
	outcome_clear(&o);
}

/*
 * A checker violation is keyed by its id, its site and its cause (the operation that was
 * running), and does not end the run.
 */
static void test_checker_violation_keyed_by_id_site_and_cause(void **state)
{
	Outcome o;

	(void)state;
	run_first(A5_TEXT, &o);
	assert_int_equal(o.end, SIM_END_DONE);
	assert_false(o.pass);
	assert_string_equal(o.key, "violation A5 (checker) [debugfs write: the address holds a jump]");
	assert_true(g_str_has_prefix(o.msg, "violation A5: "));
	assert_non_null(strstr(o.msg, "f_loop+0x1b"));
	outcome_clear(&o);
}

/* An `expect always no-violation` line changes neither the key nor the message. */
static void test_no_violation_line_keeps_violation_key(void **state)
{
	g_autofree char *text = g_strconcat(A5_TEXT, "expect always no-violation\n", NULL);
	Outcome o;

	(void)state;
	run_first(text, &o);
	assert_false(o.pass);
	assert_string_equal(o.key, "violation A5 (checker) [debugfs write: the address holds a jump]");
	assert_true(g_str_has_prefix(o.msg, "violation A5: "));
	outcome_clear(&o);
}

/*
 * The run goes on past A5: the optimizer later removes the jump and leaves an int3 while
 * kprobes are disarmed (T2, T4), and every failure is reported in order.
 */
static void test_run_goes_on_past_a_violation(void **state)
{
	Outcome o;

	(void)state;
	run_first(A5_TEXT, &o);
	assert_int_equal(o.end, SIM_END_DONE);
	assert_string_equal(o.keys, "violation A5 (checker) [debugfs write: the address holds a jump]\n"
				    "violation T2 (checker) [optimizing_work]\n"
				    "violation T4 (checker) [optimizing_work]\n");
	outcome_clear(&o);
}

/* An allowed violation neither fails nor stops the run; the next one is reported. */
static void test_allowed_violation_is_reported_not_failing(void **state)
{
	g_autofree char *text = g_strconcat("allow A5\n", A5_TEXT, NULL);
	g_autoptr(KpScenario) sc = parse(A5_TEXT);
	Outcome o;

	(void)state;
	run_first(text, &o);
	assert_false(o.pass);
	assert_string_equal(o.key, "violation T2 (checker) [optimizing_work]");
	assert_string_equal(o.keys, "allowed violation A5 (checker) [debugfs write: the address holds a jump]\n"
				    "violation T2 (checker) [optimizing_work]\n"
				    "violation T4 (checker) [optimizing_work]\n");
	outcome_clear(&o);
	/* --allow does the same through kp_scenario_add_allow(). */
	assert_true(kp_scenario_add_allow(sc, "A5"));
	assert_true(kp_scenario_add_allow(sc, "T2"));
	assert_true(kp_scenario_add_allow(sc, "T4"));
	assert_false(kp_scenario_add_allow(sc, "no-such-id"));
	run_once(sc, sim_strategy_first_new(), &o);
	assert_true(o.pass);
	assert_string_equal(o.key, "");
	assert_string_equal(o.keys, "allowed violation A5 (checker) [debugfs write: the address holds a jump]\n"
				    "allowed violation T2 (checker) [optimizing_work]\n"
				    "allowed violation T4 (checker) [optimizing_work]\n");
	outcome_clear(&o);
}

/*
 * An expected violation is not a failure, and only the ids the lines name are expected:
 * the T2 and T4 behind A5 still fail the run until they are named too.
 */
static void test_expected_violation_passes(void **state)
{
	g_autofree char *one = g_strconcat(A5_TEXT, "expect always violation A5\n", NULL);
	g_autofree char *all = g_strconcat(one, "expect always violation T2\n"
					   "expect sometimes violation T4\n", NULL);
	Outcome o;

	(void)state;
	run_first(one, &o);
	assert_int_equal(o.end, SIM_END_DONE);
	assert_false(o.pass);
	assert_string_equal(o.key, "violation T2 (checker) [optimizing_work]");
	outcome_clear(&o);
	run_first(all, &o);
	assert_true(o.pass);
	assert_string_equal(o.key, "");
	assert_string_equal(o.keys, "");
	outcome_clear(&o);
}

static void test_inline_return_check_keyed_by_operation(void **state)
{
	Outcome o;

	(void)state;
	run_first("cpus 1\n"
		  "probe a at f_small+0 post\n"
		  "task t0 on cpu0:\n"
		  "    register a -> -EINVAL\n"
		  "    call f_small\n", &o);
	assert_false(o.pass);
	assert_string_equal(o.key, "violation expect (register)");
	assert_string_equal(o.msg,
			    "violation expect: task t0: register returned 0, expected -22");
	outcome_clear(&o);
}

static void test_failed_expect_line_keyed_by_path_and_line(void **state)
{
	Outcome o;

	(void)state;
	run_first("cpus 1\n"
		  "probe a at f_small+0 post\n"
		  "task t0 on cpu0:\n"
		  "    register a -> 0\n"
		  "    call f_small times 2\n"
		  "expect always no-violation\n"
		  "expect end a.hits == 5\n", &o);
	assert_int_equal(o.end, SIM_END_DONE);
	assert_false(o.pass);
	assert_string_equal(o.key, "expectation t.kps:7");
	assert_string_equal(o.msg, "t.kps:7: expectation failed: it is 2");
	outcome_clear(&o);
}

/*
 * A failed end condition of a run that a fatal violation ended says both; the violation
 * is a failure of its own, reported first.
 */
static void test_failed_expect_line_names_the_fatal_violation(void **state)
{
	g_autofree char *msg = NULL;
	KpExec *x;
	Outcome o;
	g_autoptr(KpScenario) sc = parse("cpus 1\n"
					 "probe a at f_small+0 post\n"
					 "task t0 on cpu0:\n"
					 "    register a -> -EINVAL\n"
					 "    call f_small\n"
					 "expect end a.hits == 1\n");
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(kp_failure_free);

	(void)state;
	x = kp_exec_new(sc);
	run_with(x, sim_strategy_first_new(), &o);
	assert_int_equal(o.end, SIM_END_VIOLATION);
	assert_string_equal(o.keys, "violation expect (register)\nexpectation t.kps:6\n");
	assert_false(kp_exec_judge_all(x, all));
	assert_int_equal(all->len, 2);
	msg = ((KpFailure *)all->pdata[1])->message;
	assert_string_equal(msg, "t.kps:6: expectation failed: it is 0 (the run ended with "
				 "expect: task t0: register returned 0, expected -22)");
	msg = NULL;
	kp_exec_free(x);
	outcome_clear(&o);
}

/* The text conditions: an int3 at the probe, original text elsewhere. */
static void test_text_conditions(void **state)
{
	Outcome o;

	(void)state;
	run_first("cpus 1\n"
		  "probe a at f_small+0 post\n"
		  "task t0 on cpu0:\n"
		  "    register a -> 0\n"
		  "expect end text f_small != original\n"
		  "expect end text f_small+0 == cc\n"
		  "expect end text f_medium == original\n"
		  "expect end armed == 1\n"
		  "expect end optimization == 1\n"
		  "expect end stop-machines == 0\n", &o);
	assert_true(o.pass);
	outcome_clear(&o);
	run_first("cpus 1\n"
		  "probe a at f_small+0 post\n"
		  "task t0 on cpu0:\n"
		  "    register a -> 0\n"
		  "expect end text f_small == original\n", &o);
	assert_false(o.pass);
	assert_string_equal(o.key, "expectation t.kps:5");
	assert_true(g_str_has_prefix(o.msg, "t.kps:5: expectation failed: the text is cc"));
	outcome_clear(&o);
}

/* Every comparison and every probe field, on values the first execution makes known. */
static void test_comparisons_and_probe_fields(void **state)
{
	Outcome o;

	(void)state;
	run_first("cpus 1\n"
		  "probe a at f_small+0 post fault break\n"
		  "task t0 on cpu0:\n"
		  "    register a -> 0\n"
		  "    call f_small times 2\n"
		  "    unregister a\n"
		  "expect end a.hits == 2\n"
		  "expect end a.hits != 3\n"
		  "expect end a.hits < 3\n"
		  "expect end a.hits <= 2\n"
		  "expect end a.hits > 1\n"
		  "expect end a.hits >= 2\n"
		  "expect end a.post-hits == 2\n"
		  "expect end a.fault-hits == 0\n"
		  "expect end a.break-hits == 0\n"
		  "expect end a.nmissed == 0\n"
		  "expect end grace-periods >= 1\n"
		  "expect end text f_small == original\n", &o);
	assert_true(o.pass);
	outcome_clear(&o);
	/* Each comparison fails the other way round, at its own line. */
	run_first("cpus 1\n"
		  "probe a at f_small+0 post\n"
		  "task t0 on cpu0:\n"
		  "    register a -> 0\n"
		  "    call f_small times 2\n"
		  "expect end a.post-hits > 2\n", &o);
	assert_false(o.pass);
	assert_string_equal(o.msg, "t.kps:6: expectation failed: it is 2");
	outcome_clear(&o);
}

/*
 * A violation fails the run even when every end condition holds: only an expectation
 * naming its id makes it expected.
 */
static void test_fatal_violation_fails_despite_held_conditions(void **state)
{
	g_autofree char *text = g_strconcat(A5_TEXT, "expect end p0.hits == 0\n", NULL);
	Outcome o;

	(void)state;
	run_first(text, &o);
	assert_false(o.pass);
	assert_string_equal(o.key, "violation A5 (checker) [debugfs write: the address holds a jump]");
	assert_true(g_str_has_prefix(o.msg, "violation A5: "));
	outcome_clear(&o);
}

/* An address outside every region cannot be read: the condition fails and says so. */
static void test_text_condition_on_unmapped_address_fails(void **state)
{
	Outcome o;

	(void)state;
	run_first("cpus 1\n"
		  "task t0 on cpu0:\n"
		  "    sleep 1\n"
		  "expect end text 0x10 == original\n", &o);
	assert_false(o.pass);
	assert_string_equal(o.key, "expectation t.kps:4");
	assert_string_equal(o.msg, "t.kps:4: expectation failed: the text is not mapped");
	outcome_clear(&o);
}

/* ---- schedules and final states ---- */

static void test_schedule_replays_to_same_verdict_and_state_hash(void **state)
{
	const char *texts[] = { PASS_TEXT, A5_TEXT };

	(void)state;
	for (unsigned i = 0; i < G_N_ELEMENTS(texts); i++) {
		g_autoptr(KpScenario) sc = parse(texts[i]);
		KpExec *x = kp_exec_new(sc);
		KpExec *y = kp_exec_new(sc);
		SimStrategy *replay;
		Outcome a, b, c;

		run_with(x, sim_strategy_first_new(), &a);
		replay = sim_strategy_replay_new(a.schedule, NULL);
		assert_non_null(replay);
		/* A fresh context, and the used one again: neither keeps state across runs. */
		run_with(y, replay, &b);
		run_with(x, sim_strategy_replay_new(a.schedule, NULL), &c);
		assert_int_equal(b.end, a.end);
		assert_int_equal(b.pass, a.pass);
		assert_string_equal(b.key, a.key);
		assert_string_equal(b.msg, a.msg);
		assert_string_equal(b.schedule, a.schedule);
		assert_true(b.hash == a.hash);
		assert_true(c.hash == a.hash);
		assert_int_equal(kp_exec_steps(x), kp_exec_steps(y));
		outcome_clear(&a);
		outcome_clear(&b);
		outcome_clear(&c);
		kp_exec_free(x);
		kp_exec_free(y);
	}
}

/* The hash tells apart what the final state holds: verdict, key, hits. */
static void test_state_hash_distinguishes_final_states(void **state)
{
	g_autoptr(KpScenario) sc = parse(PASS_TEXT);
	g_autoptr(KpScenario) once = parse("cpus 1\n"
					   "probe a at f_small+0 post\n"
					   "task t0 on cpu0:\n"
					   "    register a -> 0\n"
					   "    call f_small times 1\n");
	KpExec *x = kp_exec_new(sc);
	KpExec *y = kp_exec_new(once);
	Outcome a, b;
	uint64_t as_fail, as_other_key;

	(void)state;
	run_with(x, sim_strategy_first_new(), &a);
	run_with(y, sim_strategy_first_new(), &b);
	as_fail = kp_exec_state_hash(x, false, "expectation t.kps:6");
	as_other_key = kp_exec_state_hash(x, false, "expectation t.kps:7");
	assert_true(a.hash == kp_exec_state_hash(x, true, NULL));
	assert_true(a.hash != as_fail);
	assert_true(as_fail != as_other_key);
	assert_true(a.hash != b.hash);	/* two hits against one */
	outcome_clear(&a);
	outcome_clear(&b);
	kp_exec_free(x);
	kp_exec_free(y);
}

static void test_schedule_that_does_not_fit_diverges(void **state)
{
	g_autoptr(KpScenario) sc = parse(PASS_TEXT);
	g_autoptr(GError) err = NULL;
	KpExec *x = kp_exec_new(sc);
	/* vCPU 1 does not exist in a one-vCPU scenario. */
	SimStrategy *s = sim_strategy_replay_new("S1:b", NULL);

	(void)state;
	assert_non_null(s);
	assert_int_equal(kp_exec_run(x, s, &err), SIM_END_DIVERGED);
	sim_strategy_free(s);
	kp_exec_free(x);
}

/* ---- input errors ---- */

/*
 * The first execution of `text` is an input error whose message holds `want` (is it,
 * when `whole`): nothing runs.
 */
static void assert_input_error(KpScenario *sc, const char *want, bool whole)
{
	g_autoptr(GError) err = NULL;
	KpExec *x = kp_exec_new(sc);
	SimStrategy *s = sim_strategy_first_new();

	assert_int_equal(kp_exec_run(x, s, &err), SIM_END_NONE);
	assert_non_null(err);
	if (whole)
		assert_string_equal(err->message, want);
	else
		assert_non_null(strstr(err->message, want));
	sim_strategy_free(s);
	kp_exec_free(x);
}

/*
 * The parser refuses unknown names (tests/unit/test_scenario_parse.c); a scenario built
 * another way still gets an input error from the run, never an execution.
 */
static void test_probe_on_unknown_symbol_is_input_error(void **state)
{
	g_autoptr(KpScenario) sc = parse_missing("");

	(void)state;
	assert_input_error(sc, "probe a: no symbol no_such_function", true);
}

static void test_call_of_unknown_symbol_is_input_error(void **state)
{
	g_autoptr(KpScenario) sc = parse("cpus 1\n"
					 "task t0 on cpu0:\n"
					 "    call f_small\n");

	(void)state;
	sc->tasks[0].ops[0].text = "nowhere";
	assert_input_error(sc, "task t0, operation 1 (call): no symbol nowhere", false);
}

/* ---- `expect sometimes` ---- */

static void test_sometimes_collects_over_executions(void **state)
{
	g_autoptr(KpScenario) sc = parse(ENABLE_TEXT);
	KpExec *x = kp_exec_new(sc);
	const bool *st = kp_exec_sometimes(x);
	Outcome o;

	(void)state;
	assert_false(st[0] || st[1] || st[2]);
	/* The first strategy runs vCPU 0 to the end first: the call hits. */
	run_with(x, sim_strategy_first_new(), &o);
	assert_true(o.pass);
	outcome_clear(&o);
	st = kp_exec_sometimes(x);
	assert_false(st[0]);	/* an `always` line is never recorded here */
	assert_true(st[1]);
	assert_false(st[2]);
	/* vCPU 1 first, its ten steps: the call runs before the registration. */
	run_with(x, sim_strategy_replay_new("S1:b10", NULL), &o);
	assert_int_equal(o.end, SIM_END_DONE);
	assert_true(o.pass);
	outcome_clear(&o);
	st = kp_exec_sometimes(x);
	assert_false(st[0]);
	assert_true(st[1]);	/* what held once stays held */
	assert_true(st[2]);
	kp_exec_free(x);
}

/* ---- the traced replay ---- */

static void test_replay_of_passing_scenario_writes_trace_and_passes(void **state)
{
	g_autoptr(KpScenario) sc = parse(PASS_TEXT);
	g_autofree char *trace = NULL;
	g_autofree char *summary = NULL;
	Outcome o;

	(void)state;
	run_first(PASS_TEXT, &o);
	assert_int_equal(replay(sc, NULL, 0, KP_TRACE_TEXT, &trace, &summary), KP_EXIT_PASS);
	assert_true(count_lines(trace) > 10);
	assert_non_null(strstr(trace, "decide cpu0"));
	assert_true(g_str_has_prefix(summary, "t.kps: done after "));
	{
		g_autofree char *line = g_strdup_printf("\nschedule: %s\n", o.schedule);

		/* The replay's schedule is the first strategy's, the one KpExec ran. */
		assert_non_null(strstr(summary, line));
	}
	assert_null(strstr(summary, "FAIL"));
	outcome_clear(&o);
}

static void test_replay_of_failing_scenario_reports_fail(void **state)
{
	g_autoptr(KpScenario) sc = parse(A5_TEXT);
	g_autofree char *trace = NULL;
	g_autofree char *summary = NULL;

	(void)state;
	assert_int_equal(replay(sc, NULL, 0, KP_TRACE_TEXT, &trace, &summary), KP_EXIT_FAIL);
	assert_non_null(strstr(trace, "violation A5: "));
	assert_non_null(strstr(summary, "\nFAIL violation A5: "));
}

/* The scenario's own `schedule` line is what a replay without --schedule follows. */
static void test_replay_follows_embedded_schedule(void **state)
{
	Outcome o;
	g_autofree char *text = NULL;
	g_autofree char *summary = NULL;
	g_autofree char *trace = NULL;
	g_autoptr(KpScenario) sc = NULL;

	(void)state;
	run_first(A5_TEXT, &o);
	text = g_strdup_printf("%sschedule %s\n", A5_TEXT, o.schedule);
	sc = parse(text);
	assert_string_equal(sc->schedule, o.schedule);
	assert_int_equal(replay(sc, NULL, 0, KP_TRACE_TEXT, &trace, &summary), KP_EXIT_FAIL);
	assert_non_null(strstr(summary, o.schedule));
	outcome_clear(&o);
}

static void test_replay_of_bad_schedule_is_usage_error(void **state)
{
	g_autoptr(KpScenario) sc = parse(PASS_TEXT);
	g_autofree char *trace = NULL;
	g_autofree char *summary = NULL;

	(void)state;
	assert_int_equal(replay(sc, "not a schedule", 0, KP_TRACE_TEXT, &trace, &summary), KP_EXIT_USAGE);
	assert_string_equal(trace, "");
	assert_string_equal(summary, "--schedule: not a schedule\n");

	/* It parses, but asks for a vCPU the scenario does not have. */
	g_free(trace);
	g_free(summary);
	assert_int_equal(replay(sc, "S1:c", 0, KP_TRACE_TEXT, &trace, &summary), KP_EXIT_USAGE);
	assert_string_equal(trace, "");
	assert_string_equal(summary, "--schedule: the schedule does not fit this scenario\n");
}

static void test_replay_of_input_error_is_usage_error(void **state)
{
	g_autoptr(KpScenario) sc = parse_missing("");
	g_autofree char *trace = NULL;
	g_autofree char *summary = NULL;

	(void)state;
	assert_int_equal(replay(sc, NULL, 0, KP_TRACE_TEXT, &trace, &summary), KP_EXIT_USAGE);
	assert_non_null(strstr(summary, "no symbol no_such_function"));
}

/* `until` stops the failing run before its violation: stopped, not judged. */
static void test_replay_until_stops_before_decision(void **state)
{
	g_autoptr(KpScenario) sc = parse(A5_TEXT);
	g_autofree char *trace = NULL;
	g_autofree char *summary = NULL;

	(void)state;
	assert_int_equal(replay(sc, NULL, 5, KP_TRACE_TEXT, &trace, &summary), KP_EXIT_PASS);
	assert_true(g_str_has_prefix(summary, "t.kps: stopped after 4 decisions"));
	assert_null(strstr(summary, "FAIL"));
	assert_null(strstr(trace, "violation"));
}

static void test_replay_json_trace_is_one_object_a_line(void **state)
{
	g_autoptr(KpScenario) sc = parse(PASS_TEXT);
	g_autofree char *trace = NULL;
	g_autofree char *summary = NULL;
	g_auto(GStrv) lines = NULL;

	(void)state;
	assert_int_equal(replay(sc, NULL, 0, KP_TRACE_JSON, &trace, &summary), KP_EXIT_PASS);
	lines = g_strsplit(trace, "\n", -1);
	assert_true(g_strv_length(lines) > 10);
	for (char **l = lines; *l && **l; l++)
		assert_true(**l == '{' && (*l)[strlen(*l) - 1] == '}');
}

static void test_replay_perfetto_trace_is_one_json_object(void **state)
{
	g_autoptr(KpScenario) sc = parse(PASS_TEXT);
	g_autofree char *trace = NULL;
	g_autofree char *summary = NULL;

	(void)state;
	assert_int_equal(replay(sc, NULL, 0, KP_TRACE_PERFETTO, &trace, &summary), KP_EXIT_PASS);
	assert_true(g_str_has_prefix(trace, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":["));
	assert_non_null(strstr(trace, "\"name\":\"t0\""));
	g_strchomp(trace);
	assert_true(g_str_has_suffix(trace, "}"));
}

static void test_print_tail_prints_last_lines(void **state)
{
	g_autoptr(KpScenario) sc = parse(A5_TEXT);
	g_autofree char *tail = NULL;
	g_auto(GStrv) lines = NULL;
	Stream t;

	(void)state;
	open_stream(&t);
	kp_runner_print_tail(sc, NULL, 3, t.f);
	tail = take_stream(&t);
	assert_int_equal(count_lines(tail), 3);
	lines = g_strsplit(tail, "\n", -1);
	/* The tail ends at the violation reported (the run itself goes on past it). */
	assert_non_null(strstr(lines[2], "violation A5: "));
}

/* ---- the report of one execution ---- */

static void test_report_sums_up_one_probe_execution(void **state)
{
	g_autoptr(KpScenario) sc = parse(PASS_TEXT);
	g_autoptr(GError) err = NULL;
	g_autofree char *costs = NULL;
	KpExecReport r;
	const KpOpReport *op;
	const KpProbeReport *p;
	bool t0_seen = false;
	Outcome o;
	Stream s;

	(void)state;
	run_first(PASS_TEXT, &o);
	assert_true(kp_exec_report(sc, NULL, &r, &err));
	assert_null(err);
	assert_string_equal(r.model, "6274de4");
	assert_int_equal(r.end, SIM_END_DONE);
	assert_string_equal(r.verdict, "pass");
	assert_string_equal(r.schedule, o.schedule);
	assert_true(r.steps > 0);
	assert_int_equal(r.stop_machines, 0);
	assert_true(r.optimization);
	assert_true(r.armed);

	assert_int_equal(r.ops->len, 2);
	op = &g_array_index(r.ops, KpOpReport, 0);
	assert_string_equal(op->task, "t0");
	assert_int_equal(op->op, 0);
	assert_int_equal(op->line, 4);
	assert_string_equal(op->what, "register a");
	assert_int_equal(op->ret, 0);
	op = &g_array_index(r.ops, KpOpReport, 1);
	assert_int_equal(op->op, 1);
	assert_int_equal(op->line, 5);
	assert_string_equal(op->what, "call f_small times 2");

	assert_int_equal(r.probes->len, 1);
	p = &g_array_index(r.probes, KpProbeReport, 0);
	assert_string_equal(p->name, "a");
	assert_true(p->addr != 0);
	assert_int_equal(p->hits, 2);
	assert_int_equal(p->nmissed, 0);
	/* A post handler keeps it from being optimized: an int3 on the original text. */
	assert_true(p->text_known);
	assert_false(p->text_original);
	assert_int_equal(p->text[0], 0xcc);

	for (unsigned i = 0; i < r.actors->len; i++) {
		const KpActorReport *a = &g_array_index(r.actors, KpActorReport, i);

		if (!strcmp(a->name, "t0")) {
			assert_true(a->scenario);
			t0_seen = true;
		} else {
			assert_false(a->scenario);
		}
	}
	assert_true(t0_seen);

	open_stream(&s);
	kp_exec_report_print_costs(&r, s.f);
	costs = take_stream(&s);
	assert_non_null(strstr(costs, "costs (model 6274de4, one execution: S1:"));
	assert_non_null(strstr(costs, "register a"));
	assert_non_null(strstr(costs, "call f_small times 2"));
	assert_non_null(strstr(costs, "\n  total "));
	kp_exec_report_clear(&r);
	assert_null(r.ops);
	outcome_clear(&o);
}

/* After the unregistration the text is the original again, and hits stop counting. */
static void test_report_after_unregister_shows_original_text(void **state)
{
	g_autoptr(KpScenario) sc = parse("cpus 1\n"
					 "probe a at f_small+0 post\n"
					 "task t0 on cpu0:\n"
					 "    register a -> 0\n"
					 "    call f_small\n"
					 "    unregister a\n"
					 "    call f_small\n");
	g_autoptr(GError) err = NULL;
	KpExecReport r;
	const KpProbeReport *p;
	const KpOpReport *op;

	(void)state;
	assert_true(kp_exec_report(sc, NULL, &r, &err));
	p = &g_array_index(r.probes, KpProbeReport, 0);
	assert_int_equal(p->hits, 1);
	assert_true(p->text_known);
	assert_true(p->text_original);
	assert_true(p->text[0] != 0xcc);
	op = &g_array_index(r.ops, KpOpReport, 2);
	assert_string_equal(op->what, "unregister a");
	assert_int_equal(op->ret, 0);
	/* Unregistering waits for a grace period and puts back the int3's byte. */
	assert_int_equal(op->costs.grace_periods, 1);
	assert_int_equal(op->costs.text_bytes, 1);
	assert_int_equal(r.grace_periods, 1);
	kp_exec_report_clear(&r);
}

static void test_report_of_failing_execution_says_why(void **state)
{
	g_autoptr(KpScenario) sc = parse(A5_TEXT);
	g_autoptr(GError) err = NULL;
	g_autofree char *costs = NULL;
	KpExecReport r;
	Stream s;

	(void)state;
	assert_true(kp_exec_report(sc, NULL, &r, &err));
	/* A5 is reported and the run goes on: the write returns. */
	assert_int_equal(r.end, SIM_END_DONE);
	assert_true(g_str_has_prefix(r.verdict, "FAIL violation A5: "));
	assert_false(r.armed);	/* debugfs wrote 0 */
	assert_int_equal(r.ops->len, 3);
	assert_int_equal(g_array_index(r.ops, KpOpReport, 0).ret, 0);
	assert_int_equal(g_array_index(r.ops, KpOpReport, 2).ret, 1);
	open_stream(&s);
	kp_exec_report_print_costs(&r, s.f);
	costs = take_stream(&s);
	{
		/* The ret column, 6 wide after the 28 of the operation. */
		g_autofree char *cell = g_strdup_printf("%-28s %6s ", "debugfs write \"0\"", "1");

		assert_non_null(strstr(costs, cell));
	}
	kp_exec_report_clear(&r);
}

/* A fatal violation ends the run: the operations after it never ran, their ret is "-". */
static void test_report_of_ended_execution_marks_ops_not_run(void **state)
{
	g_autoptr(KpScenario) sc = parse("cpus 1\n"
					 "probe a at f_small+0 post\n"
					 "task t0 on cpu0:\n"
					 "    register a -> -EINVAL\n"
					 "    call f_small\n");
	g_autoptr(GError) err = NULL;
	g_autofree char *costs = NULL;
	g_autofree char *cell = g_strdup_printf("%-28s %6s ", "call f_small", "-");
	KpExecReport r;
	Stream s;

	(void)state;
	assert_true(kp_exec_report(sc, NULL, &r, &err));
	assert_int_equal(r.end, SIM_END_VIOLATION);
	assert_int_equal(g_array_index(r.ops, KpOpReport, 1).ret, KP_NO_EXPECT);
	open_stream(&s);
	kp_exec_report_print_costs(&r, s.f);
	costs = take_stream(&s);
	assert_non_null(strstr(costs, cell));
	kp_exec_report_clear(&r);
}

static void test_report_rejects_bad_schedules(void **state)
{
	g_autoptr(KpScenario) sc = parse(PASS_TEXT);
	KpExecReport r;

	(void)state;
	{
		g_autoptr(GError) err = NULL;

		assert_false(kp_exec_report(sc, "xyz", &r, &err));
		assert_non_null(err);
		assert_string_equal(err->message, "not a schedule: xyz");
		kp_exec_report_clear(&r);
	}
	{
		g_autoptr(GError) err = NULL;

		assert_false(kp_exec_report(sc, "S1:c", &r, &err));
		assert_non_null(err);
		assert_string_equal(err->message,
				    "--schedule: the schedule does not fit this scenario");
		kp_exec_report_clear(&r);
	}
}

/* ---- the transition matrix ---- */

/* The transitions the state machine has (the denominator of "seen: X of Y"). */
static unsigned expected_transitions(void)
{
	unsigned n = 0;

	for (unsigned a = 0; a < KP_ST_COUNT; a++)
		for (unsigned b = 0; b < KP_ST_COUNT; b++)
			n += kp_transition_expected(a, b);
	return n;
}

/* The cell of row `from`, column `to` of the printed matrix (g_free it). */
static char *matrix_cell(const char *out, unsigned from, unsigned to)
{
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
	g_auto(GStrv) cells = NULL;

	/* A header line (the title), the column names, then a row per state. */
	assert_true(g_strv_length(lines) > 2 + KP_ST_COUNT);
	cells = g_strsplit_set(lines[2 + from], " ", -1);
	{
		g_autoptr(GPtrArray) words = g_ptr_array_new();

		for (char **c = cells; *c; c++)
			if (**c)
				g_ptr_array_add(words, *c);
		assert_int_equal(words->len, 1 + KP_ST_COUNT);
		assert_string_equal(words->pdata[0], kp_state_name(from));
		return g_strdup(words->pdata[1 + to]);
	}
}

static void assert_cell(const char *out, unsigned from, unsigned to, const char *want)
{
	g_autofree char *cell = matrix_cell(out, from, to);

	assert_string_equal(cell, want);
}

static void test_print_transitions_of_one_execution(void **state)
{
	g_autoptr(KpScenario) sc = parse(PASS_TEXT);
	KpExec *x = kp_exec_new(sc);
	KpTransitions tr = { 0 };
	g_autofree char *out = NULL, *seen = NULL;
	Outcome o;
	Stream s;

	(void)state;
	/* Before any run there is nothing to add. */
	kp_exec_add_transitions(x, &tr);
	for (unsigned a = 0; a < KP_ST_COUNT; a++)
		for (unsigned b = 0; b < KP_ST_COUNT; b++)
			assert_true(tr.count[a][b] == 0);
	run_with(x, sim_strategy_first_new(), &o);
	kp_exec_add_transitions(x, &tr);
	kp_exec_add_transitions(x, &tr);	/* adds up */
	/* Registered and armed with an int3 (a post handler is never optimized), no more. */
	for (unsigned a = 0; a < KP_ST_COUNT; a++)
		for (unsigned b = 0; b < KP_ST_COUNT; b++)
			assert_true(tr.count[a][b] == (a == KP_ST_NONE && b == KP_ST_INT3 ? 2 : 0));
	open_stream(&s);
	kp_print_transitions(&tr, s.f);
	out = take_stream(&s);
	assert_cell(out, KP_ST_NONE, KP_ST_INT3, "2");
	assert_cell(out, KP_ST_NONE, KP_ST_DISARMED, "*");	/* expected, never seen */
	assert_cell(out, KP_ST_NONE, KP_ST_NONE, "-");
	assert_cell(out, KP_ST_NONE, KP_ST_OPTIMIZED, ".");	/* not a transition */
	assert_cell(out, KP_ST_UNOPTIMIZING, KP_ST_OPTIMIZED, "v");
	seen = g_strdup_printf(" seen: 1 of %u ", expected_transitions());
	assert_non_null(strstr(out, seen));
	assert_null(strstr(out, "also seen"));
	assert_int_equal(count_lines(out), 2 + KP_ST_COUNT + 1);
	outcome_clear(&o);
	kp_exec_free(x);
}

static void test_print_transitions_lists_unexpected_ones(void **state)
{
	KpTransitions tr = { 0 };
	g_autofree char *out = NULL, *seen = NULL;
	g_auto(GStrv) lines = NULL;
	Stream s;

	(void)state;
	tr.count[KP_ST_NONE][KP_ST_OPTIMIZED] = 3;	/* never a transition */
	tr.count[KP_ST_OPTIMIZED][KP_ST_DISARMED] = 2;	/* the parent port's */
	tr.count[KP_ST_UNOPTIMIZING][KP_ST_OPTIMIZED] = 1;	/* only after a violation */
	tr.count[KP_ST_INT3][KP_ST_INT3] = 4;	/* no change: never listed */
	open_stream(&s);
	kp_print_transitions(&tr, s.f);
	out = take_stream(&s);
	assert_cell(out, KP_ST_NONE, KP_ST_OPTIMIZED, "3");
	assert_cell(out, KP_ST_UNOPTIMIZING, KP_ST_OPTIMIZED, "1");
	/* None of them is a transition of the state machine. */
	seen = g_strdup_printf(" seen: 0 of %u ", expected_transitions());
	assert_non_null(strstr(out, seen));
	/* Exactly two are listed, the parent port's named as such. */
	lines = g_strsplit(out, "\n", -1);
	assert_int_equal(g_strv_length(lines), 2 + KP_ST_COUNT + 1 + 2 + 1);
	assert_true(g_str_has_prefix(lines[3 + KP_ST_COUNT], "also seen, "));
	assert_true(g_str_has_suffix(lines[3 + KP_ST_COUNT], ": none -> optimized (3)"));
	assert_null(strstr(lines[3 + KP_ST_COUNT], "6274de4^"));
	assert_true(g_str_has_prefix(lines[4 + KP_ST_COUNT], "also seen, of 6274de4^"));
	assert_true(g_str_has_suffix(lines[4 + KP_ST_COUNT], ": optimized -> disarmed (2)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passing_execution_judged_pass_with_empty_message),
		cmocka_unit_test(test_checker_violation_keyed_by_id_site_and_cause),
		cmocka_unit_test(test_run_goes_on_past_a_violation),
		cmocka_unit_test(test_allowed_violation_is_reported_not_failing),
		cmocka_unit_test(test_no_violation_line_keeps_violation_key),
		cmocka_unit_test(test_expected_violation_passes),
		cmocka_unit_test(test_inline_return_check_keyed_by_operation),
		cmocka_unit_test(test_failed_expect_line_keyed_by_path_and_line),
		cmocka_unit_test(test_failed_expect_line_names_the_fatal_violation),
		cmocka_unit_test(test_text_conditions),
		cmocka_unit_test(test_comparisons_and_probe_fields),
		cmocka_unit_test(test_fatal_violation_fails_despite_held_conditions),
		cmocka_unit_test(test_text_condition_on_unmapped_address_fails),
		cmocka_unit_test(test_schedule_replays_to_same_verdict_and_state_hash),
		cmocka_unit_test(test_state_hash_distinguishes_final_states),
		cmocka_unit_test(test_schedule_that_does_not_fit_diverges),
		cmocka_unit_test(test_probe_on_unknown_symbol_is_input_error),
		cmocka_unit_test(test_call_of_unknown_symbol_is_input_error),
		cmocka_unit_test(test_sometimes_collects_over_executions),
		cmocka_unit_test(test_replay_of_passing_scenario_writes_trace_and_passes),
		cmocka_unit_test(test_replay_of_failing_scenario_reports_fail),
		cmocka_unit_test(test_replay_follows_embedded_schedule),
		cmocka_unit_test(test_replay_of_bad_schedule_is_usage_error),
		cmocka_unit_test(test_replay_of_input_error_is_usage_error),
		cmocka_unit_test(test_replay_until_stops_before_decision),
		cmocka_unit_test(test_replay_json_trace_is_one_object_a_line),
		cmocka_unit_test(test_replay_perfetto_trace_is_one_json_object),
		cmocka_unit_test(test_print_tail_prints_last_lines),
		cmocka_unit_test(test_report_sums_up_one_probe_execution),
		cmocka_unit_test(test_report_after_unregister_shows_original_text),
		cmocka_unit_test(test_report_of_failing_execution_says_why),
		cmocka_unit_test(test_report_of_ended_execution_marks_ops_not_run),
		cmocka_unit_test(test_report_rejects_bad_schedules),
		cmocka_unit_test(test_print_transitions_of_one_execution),
		cmocka_unit_test(test_print_transitions_lists_unexpected_ones),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
