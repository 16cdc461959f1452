// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scenario printer: for every file of the corpus (scenarios/) and of the explore
 * references, parse(print(parse(x))) is the same scenario as parse(x), field by field
 * (line numbers aside).
 */
#include "tools/scenario/scenario.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void assert_same_op(const KpOp *a, const KpOp *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->n, b->n);
	assert_memory_equal(a->probes, b->probes, a->n * sizeof(a->probes[0]));
	assert_true(same_str(a->text, b->text));
	assert_int_equal(a->addr, b->addr);
	assert_int_equal(a->arg, b->arg);
	assert_int_equal(a->expect, b->expect);
}

static void assert_same_probe(const KpProbeSpec *a, const KpProbeSpec *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->kind, b->kind);
	assert_true(same_str(a->symbol, b->symbol));
	assert_int_equal(a->offset, b->offset);
	assert_int_equal(a->addr, b->addr);
	assert_int_equal(a->pre, b->pre);
	assert_int_equal(a->post, b->post);
	assert_int_equal(a->fault, b->fault);
	assert_int_equal(a->brk, b->brk);
	assert_int_equal(a->pre_ret, b->pre_ret);
	assert_int_equal(a->fault_ret, b->fault_ret);
	assert_int_equal(a->break_ret, b->break_ret);
	assert_int_equal(a->disabled, b->disabled);
}

static void assert_same_expect(const KpExpectation *a, const KpExpectation *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->cond, b->cond);
	assert_int_equal(a->cmp, b->cmp);
	assert_true(same_str(a->id, b->id));
	if (a->cond == KP_COND_PROBE_FIELD) {
		assert_int_equal(a->probe, b->probe);
		assert_int_equal(a->field, b->field);
	}
	assert_true(same_str(a->loc.symbol, b->loc.symbol));
	assert_int_equal(a->loc.offset, b->loc.offset);
	assert_int_equal(a->n_bytes, b->n_bytes);
	if (a->n_bytes)
		assert_memory_equal(a->bytes, b->bytes, a->n_bytes);
	assert_int_equal(a->value, b->value);
}

/* Everything that gives a scenario its meaning; line numbers and the path do not. */
static void assert_same_scenario(const KpScenario *a, const KpScenario *b)
{
	assert_string_equal(a->model_name, b->model_name);
	assert_int_equal(a->n_cpus, b->n_cpus);
	assert_int_equal(a->optimize_delay, b->optimize_delay);
	assert_int_equal(a->branch_choice, b->branch_choice);
	assert_int_equal(a->max_steps, b->max_steps);
	assert_int_equal(a->n_allow, b->n_allow);
	for (unsigned i = 0; i < a->n_allow; i++)
		assert_string_equal(a->allow[i], b->allow[i]);
	assert_int_equal(a->n_functions, b->n_functions);
	for (unsigned i = 0; i < a->n_functions; i++) {
		assert_string_equal(a->functions[i].name, b->functions[i].name);
		assert_int_equal(a->functions[i].n_bytes, b->functions[i].n_bytes);
		assert_memory_equal(a->functions[i].bytes, b->functions[i].bytes,
				    a->functions[i].n_bytes);
	}
	assert_int_equal(a->script.n_probes, b->script.n_probes);
	for (unsigned i = 0; i < a->script.n_probes; i++)
		assert_same_probe(&a->script.probes[i], &b->script.probes[i]);
	assert_int_equal(a->script.n_tasks, b->script.n_tasks);
	for (unsigned t = 0; t < a->script.n_tasks; t++) {
		assert_string_equal(a->script.tasks[t].name, b->script.tasks[t].name);
		assert_int_equal(a->script.tasks[t].cpu, b->script.tasks[t].cpu);
		assert_int_equal(a->script.tasks[t].n_ops, b->script.tasks[t].n_ops);
		for (unsigned i = 0; i < a->script.tasks[t].n_ops; i++)
			assert_same_op(&a->script.tasks[t].ops[i], &b->script.tasks[t].ops[i]);
	}
	assert_int_equal(a->n_expects, b->n_expects);
	for (unsigned i = 0; i < a->n_expects; i++)
		assert_same_expect(&a->expects[i], &b->expects[i]);
	assert_int_equal(a->explore.line != 0, b->explore.line != 0);
	assert_int_equal(a->explore.kind, b->explore.kind);
	if (a->explore.line) {
		assert_int_equal(a->explore.runs, b->explore.runs);
		assert_int_equal(a->explore.has_seed, b->explore.has_seed);
		assert_int_equal(a->explore.seed, b->explore.seed);
		assert_int_equal(a->explore.preemptions, b->explore.preemptions);
		assert_int_equal(a->explore.no_reduce, b->explore.no_reduce);
		assert_int_equal(a->explore.depth, b->explore.depth);
	}
	assert_true(same_str(a->schedule, b->schedule));
}

static void round_trip(const char *path)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(KpScenario) a = kp_scenario_load(path, &err);
	g_autofree char *text = NULL;
	g_autoptr(KpScenario) b = NULL;
	g_autofree char *again = NULL;

	if (!a)
		fail_msg("%s", err->message);
	text = kp_scenario_to_text(a);
	b = kp_scenario_parse(path, text, strlen(text), &err);
	if (!b)
		fail_msg("printed %s does not parse: %s\n%s", path, err->message, text);
	assert_same_scenario(a, b);
	/* Printing is a function of the scenario: the second print is the first. */
	again = kp_scenario_to_text(b);
	assert_string_equal(text, again);
}

static unsigned round_trip_tree(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;
	unsigned n = 0;

	if (!d)
		return 0;
	while ((name = g_dir_read_name(d))) {
		g_autofree char *path = g_build_filename(dir, name, NULL);

		if (g_file_test(path, G_FILE_TEST_IS_DIR))
			n += round_trip_tree(path);
		else if (g_str_has_suffix(name, ".kps")) {
			round_trip(path);
			n++;
		}
	}
	return n;
}

static void test_corpus_round_trip(void **state)
{
	const char *root = g_getenv("KPSIM_SOURCE_ROOT");
	g_autofree char *corpus = NULL;
	g_autofree char *explore = NULL;
	unsigned n;

	(void)state;
	assert_non_null(root);
	corpus = g_build_filename(root, "scenarios", NULL);
	explore = g_build_filename(root, "tests", "data", "explore", NULL);
	n = round_trip_tree(corpus);
	/* The corpus has dozens of files; a wrong root would find none. */
	assert_true(n >= 50);
	round_trip_tree(explore);
}

/* Every statement and option the printer has a case for, in one file. */
static void test_every_form(void **state)
{
	static const char text[] =
		"model 6274de4\ncpus 3\noptimize-delay 2\nbranches choice\nmax-steps 5000\n"
		"allow A5 expect\nallow lock-order\n"
		"function f_mine 55 48 89 e5 5d c3\n"
		"probe a at f_small+3 post fault break pre-returns 1 fault-returns 1 "
		"break-returns 2 disabled\n"
		"probe b at 0xffffffff81000020 no-pre\n"
		"probe j at f_medium jprobe disabled\n"
		"probe r at mod_a_work kretprobe no-pre\n"
		"probe r2 at f_large kretprobe pre-returns 1\n"
		"task t0 on cpu0:\n"
		"    register a b -> 0\n    unregister a b\n    enable a -> -EINVAL\n"
		"    disable a\n    sysctl write \"1\\n\\t\\\"\\\\\\x01\\xff\" -> 0\n"
		"    sysctl read -> 1\n    debugfs write \"n\"\n    debugfs read\n"
		"    module load mod_a\n    module live mod_a\n    module unload mod_a\n"
		"    module fail-init mod_b\n    free-initmem\n    cpu down 2 -> 0\n"
		"    cpu up 2\n    call f_small times 3\n    call 0xffffffff81000010\n"
		"    irq cpu1 f_medium+4\n    sleep 6\n    register j\n    register r r2\n"
		"task t1 on cpu2:\n    call f_mine\n"
		"expect always no-violation\nexpect sometimes violation A5\n"
		"expect end a.nmissed >= 1\nexpect end text f_small == original\n"
		"expect end text f_small+3 != original\nexpect end text f_small == cc 48\n"
		"expect end optimization == 0\nexpect end armed == 1\n"
		"expect end stop-machines < 2\nexpect end grace-periods > 0\n"
		"explore pct runs 10 depth 2 seed 7\n"
		"schedule S1:a3b2t\n";
	g_autoptr(GError) err = NULL;
	g_autoptr(KpScenario) a = kp_scenario_parse("t.kps", text, strlen(text), &err);
	g_autofree char *printed = NULL;
	g_autoptr(KpScenario) b = NULL;

	(void)state;
	if (!a)
		fail_msg("%s", err->message);
	printed = kp_scenario_to_text(a);
	b = kp_scenario_parse("t.kps", printed, strlen(printed), &err);
	if (!b)
		fail_msg("%s\n%s", err->message, printed);
	assert_same_scenario(a, b);
	assert_non_null(strstr(printed, "sysctl write \"1\\n\\t\\\"\\\\\\x01\\xff\" -> 0\n"));
	assert_non_null(strstr(printed, "enable a -> -22\n"));
	/* The allow lines, as one, in their order. */
	assert_non_null(strstr(printed, "\nallow A5 expect lock-order\n"));
}

/* Each explore form, printed and read back. */
static void test_explore_forms(void **state)
{
	static const char *const forms[] = {
		"explore first", "explore random 5 seed 3", "explore random runs 9",
		"explore dfs", "explore dfs preemptions 2 runs 100 no-reduce",
		"explore pct", "explore pct depth 4",
	};

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
		g_autofree char *text = g_strdup_printf("task t on cpu0:\n    sleep 1\n%s\n",
							forms[i]);
		g_autoptr(GError) err = NULL;
		g_autoptr(KpScenario) a = kp_scenario_parse("t.kps", text, strlen(text), &err);
		g_autofree char *printed = NULL;
		g_autoptr(KpScenario) b = NULL;

		assert_non_null(a);
		printed = kp_scenario_to_text(a);
		/* No allow list, no allow line. */
		assert_null(strstr(printed, "allow"));
		b = kp_scenario_parse("t.kps", printed, strlen(printed), &err);
		if (!b)
			fail_msg("%s\n%s", err->message, printed);
		assert_same_scenario(a, b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_form),
		cmocka_unit_test(test_explore_forms),
		cmocka_unit_test(test_corpus_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
