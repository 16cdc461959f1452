// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scenario language parser (docs/scenario-language.md): each statement lands in the
 * right place of KpScenario and its KpScript, and each malformed input is reported as
 * file:line:col: message, including every file of tests/data/scenarios-bad/.
 */
#include "tools/scenario/scenario.h"

#include "model/invariants.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <glib/gstdio.h>

/*
 * Parse text that must be valid.  The scenario is kept in the test's state and freed by
 * the next call or the teardown, so a failing assertion does not leak it.
 */
static KpScenario *parse_ok(void **state, const char *text)
{
	g_autoptr(GError) error = NULL;
	KpScenario *sc;

	kp_scenario_free(*state);
	*state = NULL;
	sc = kp_scenario_parse("t.kps", text, strlen(text), &error);
	if (!sc)
		fail_msg("unexpected error: %s", error->message);
	*state = sc;
	return sc;
}

static void expect_error_len(const char *text, size_t len, const char *message)
{
	g_autoptr(GError) error = NULL;
	KpScenario *sc = kp_scenario_parse("t.kps", text, len, &error);

	if (sc) {
		kp_scenario_free(sc);
		fail_msg("parsed, expected: %s", message);
	}
	assert_non_null(error);
	assert_true(g_error_matches(error, KP_SCENARIO_ERROR, KP_SCENARIO_ERROR_PARSE));
	assert_string_equal(error->message, message);
}

static void expect_error(const char *text, const char *message)
{
	expect_error_len(text, strlen(text), message);
}

static int teardown(void **state)
{
	kp_scenario_free(*state);
	*state = NULL;
	return 0;
}

#define TASK "task t on cpu0:\n    sleep 1\n"
/*
 * A function of the scenario's own for the probes of a test: every symbol named must
 * exist, and a function may be defined below its first use, so it goes last and the
 * line numbers of the statements above stay what the tests say.
 */
#define FUNCTION_F "function f c3\n"

static const KpOp *op_of(const KpScenario *sc, unsigned task, unsigned op)
{
	assert_true(task < sc->script.n_tasks);
	assert_true(op < sc->script.tasks[task].n_ops);
	return &sc->script.tasks[task].ops[op];
}

/* ---- statements ---- */

static void test_defaults(void **state)
{
	KpScenario *sc = parse_ok(state, TASK);

	assert_string_equal(sc->path, "t.kps");
	assert_string_equal(sc->model_name, "6274de4");
	assert_ptr_equal(sc->script.model, &kp_model_6274de4);
	assert_int_equal(sc->n_cpus, 2);
	assert_int_equal(sc->script.n_cpus, 2);
	assert_int_equal(sc->optimize_delay, 5);
	assert_int_equal(sc->script.optimize_delay, 5);
	assert_false(sc->branch_choice);
	assert_false(sc->script.branch_choice);
	assert_int_equal(sc->max_steps, 0);
	assert_true(sc->script.check);
	assert_int_equal(sc->script.n_probes, 0);
	assert_int_equal(sc->n_functions, 0);
	assert_int_equal(sc->n_expects, 0);
	assert_int_equal(sc->explore.kind, KP_EXPLORE_FIRST);
	assert_int_equal(sc->explore.line, 0);
	assert_null(sc->schedule);
	assert_int_equal(sc->script.n_tasks, 1);
	assert_string_equal(sc->script.tasks[0].name, "t");
	assert_int_equal(sc->script.tasks[0].cpu, 0);
	assert_int_equal(op_of(sc, 0, 0)->kind, KP_OP_SLEEP);
	assert_int_equal(op_of(sc, 0, 0)->arg, 1);
	assert_int_equal(op_of(sc, 0, 0)->expect, KP_NO_EXPECT);
	assert_int_equal(op_of(sc, 0, 0)->line, 2);
}

/*
 * `model NAME only`: the port and the flag; kp_scenario_use_model() moves a scenario to
 * another port unless it is marked for its own alone.
 */
static void test_model_only(void **state)
{
	KpScenario *sc = parse_ok(state, "model 6274de4^ only\n" TASK);

	assert_ptr_equal(sc->script.model, &kp_model_6274de4_parent);
	assert_string_equal(sc->model_name, "6274de4^");
	assert_true(sc->model_only);
	assert_false(kp_scenario_use_model(sc, &kp_model_6274de4));
	assert_ptr_equal(sc->script.model, &kp_model_6274de4_parent);
	assert_true(kp_scenario_use_model(sc, &kp_model_6274de4_parent));
	assert_true(kp_scenario_use_model(sc, NULL));
	assert_ptr_equal(sc->script.model, &kp_model_6274de4_parent);

	sc = parse_ok(state, "model 6274de4^\n" TASK);
	assert_false(sc->model_only);
	assert_true(kp_scenario_use_model(sc, &kp_model_6274de4));
	assert_ptr_equal(sc->script.model, &kp_model_6274de4);
	assert_string_equal(sc->model_name, "6274de4");
}

static void test_header(void **state)
{
	KpScenario *sc = parse_ok(state, "# a comment first\n"
				  "model 6274de4\ncpus 16\noptimize-delay 0x10\n"
				  "branches choice\nmax-steps 123456789012\n" TASK);

	assert_ptr_equal(sc->script.model, &kp_model_6274de4);
	assert_int_equal(sc->n_cpus, 16);
	assert_int_equal(sc->script.n_cpus, 16);
	assert_int_equal(sc->optimize_delay, 16);
	assert_int_equal(sc->script.optimize_delay, 16);
	assert_true(sc->branch_choice);
	assert_true(sc->script.branch_choice);
	assert_int_equal(sc->max_steps, 123456789012ULL);
	assert_false(sc->model_only);

	sc = parse_ok(state, "branches not-taken\ncpus 1\n" TASK);
	assert_false(sc->script.branch_choice);
	assert_int_equal(sc->script.n_cpus, 1);
}

static void test_probe_locations(void **state)
{
	KpScenario *sc = parse_ok(state, "probe a at f_small\nprobe b at f_small+3\n"
				  "probe c.x at mod_a_init+0x10\nprobe d at 0xffffffff81000000\n"
				  "probe e at 4096\n" TASK);
	const KpProbeSpec *p = sc->script.probes;

	assert_int_equal(sc->script.n_probes, 5);
	assert_ptr_equal(sc->script.probes, sc->probes);
	assert_string_equal(p[0].name, "a");
	assert_string_equal(p[0].symbol, "f_small");
	assert_int_equal(p[0].offset, 0);
	assert_int_equal(p[0].addr, 0);
	assert_string_equal(p[1].symbol, "f_small");
	assert_int_equal(p[1].offset, 3);
	assert_string_equal(p[2].name, "c.x");
	assert_string_equal(p[2].symbol, "mod_a_init");
	assert_int_equal(p[2].offset, 16);
	assert_null(p[3].symbol);
	assert_int_equal(p[3].addr, 0xffffffff81000000UL);
	assert_int_equal(p[3].offset, 0);
	assert_null(p[4].symbol);
	assert_int_equal(p[4].addr, 4096);
	/* Symbols are interned per scenario. */
	assert_ptr_equal(p[0].symbol, p[1].symbol);
}

static void test_probe_options(void **state)
{
	KpScenario *sc = parse_ok(state, "probe a at f\n"
				  "probe b at f post fault break disabled pre-returns 1 "
				  "fault-returns -1 break-returns 0x7fffffff\n"
				  "probe c at f no-pre\n"
				  "probe d at f post pre-faults post-faults step-faults 1000\n" TASK
				  FUNCTION_F);
	const KpProbeSpec *p = sc->script.probes;

	assert_int_equal(p[0].kind, KP_PROBE_KPROBE);
	assert_true(p[0].pre);
	assert_false(p[0].post || p[0].fault || p[0].brk || p[0].disabled);
	assert_int_equal(p[0].pre_ret, 0);
	assert_true(p[1].pre && p[1].post && p[1].fault && p[1].brk && p[1].disabled);
	assert_int_equal(p[1].pre_ret, 1);
	assert_int_equal(p[1].fault_ret, -1);
	assert_int_equal(p[1].break_ret, 0x7fffffff);
	assert_false(p[2].pre);
	assert_int_equal(p[2].kind, KP_PROBE_KPROBE);
	assert_false(p[0].pre_faults || p[0].post_faults || p[0].step_faults);
	assert_true(p[3].pre_faults && p[3].post_faults);
	assert_int_equal(p[3].step_faults, 1000);
}

static void test_probe_kinds(void **state)
{
	KpScenario *sc = parse_ok(state, "probe j at f jprobe disabled\n"
				  "probe r at f kretprobe pre-returns 1\n"
				  "probe s at f kretprobe no-pre\n" TASK FUNCTION_F);
	const KpProbeSpec *p = sc->script.probes;

	assert_int_equal(p[0].kind, KP_PROBE_JPROBE);
	assert_false(p[0].pre);
	assert_true(p[0].disabled);
	assert_int_equal(p[1].kind, KP_PROBE_KRETPROBE);
	assert_true(p[1].pre);
	assert_int_equal(p[1].pre_ret, 1);
	assert_int_equal(p[2].kind, KP_PROBE_KRETPROBE);
	assert_false(p[2].pre);
}

static void test_function(void **state)
{
	static const uint8_t f[] = { 0x55, 0x48, 0x89, 0xe5, 0x5d, 0xc3 };
	KpScenario *sc = parse_ok(state, "function f 55 48 89 e5 5d C3\nfunction g.x 90\n" TASK);

	assert_int_equal(sc->n_functions, 2);
	assert_string_equal(sc->functions[0].name, "f");
	assert_int_equal(sc->functions[0].n_bytes, sizeof(f));
	assert_memory_equal(sc->functions[0].bytes, f, sizeof(f));
	assert_int_equal(sc->functions[0].line, 1);
	assert_int_equal(sc->functions[0].col, 10);
	assert_string_equal(sc->functions[1].name, "g.x");
	assert_int_equal(sc->functions[1].n_bytes, 1);
	assert_int_equal(sc->functions[1].bytes[0], 0x90);
	assert_int_equal(sc->functions[1].line, 2);
}

static void test_tasks(void **state)
{
	KpScenario *sc = parse_ok(state, "cpus 3\n"
				  "task a on cpu0:\n    sleep 1\n\n# comment\n    sleep 2\n"
				  "task b on cpu 2 :\n\tsleep 3\n"
				  "task c on cpu1 :\n sleep 4\n"
				  "task d on cpu 1:\n  sleep 5\n"
				  "task e on cpu0:\n  sleep 6\n  sleep 7\n  sleep 8\n");

	assert_int_equal(sc->script.n_tasks, 5);
	assert_ptr_equal(sc->script.tasks, sc->tasks);
	assert_string_equal(sc->script.tasks[0].name, "a");
	/* Blank and comment lines do not end a task. */
	assert_int_equal(sc->script.tasks[0].n_ops, 2);
	assert_int_equal(op_of(sc, 0, 1)->arg, 2);
	assert_int_equal(op_of(sc, 0, 1)->line, 6);
	assert_int_equal(sc->script.tasks[1].cpu, 2);
	assert_int_equal(sc->script.tasks[2].cpu, 1);
	assert_int_equal(sc->script.tasks[3].cpu, 1);
	assert_int_equal(sc->script.tasks[4].cpu, 0);
	assert_int_equal(sc->script.tasks[4].n_ops, 3);
	assert_int_equal(op_of(sc, 4, 2)->arg, 8);
	assert_int_equal(op_of(sc, 4, 2)->line, 16);
}

static void test_op_probes(void **state)
{
	KpScenario *sc = parse_ok(state, "probe a at f_small\nprobe b at f_medium\n"
				  "probe c at f_large\n"
				  "task t on cpu1:\n"
				  "    register a -> 0\n"
				  "    register a b c -> -EEXIST\n"
				  "    unregister c\n"
				  "    unregister a b\n"
				  "    enable a -> -EINVAL\n"
				  "    disable b -> 0x0\n");
	const KpOp *o;

	o = op_of(sc, 0, 0);
	assert_int_equal(o->kind, KP_OP_REGISTER);
	assert_int_equal(o->n, 1);
	assert_int_equal(o->probes[0], 0);
	assert_int_equal(o->expect, 0);
	o = op_of(sc, 0, 1);
	assert_int_equal(o->kind, KP_OP_REGISTER);
	assert_int_equal(o->n, 3);
	assert_int_equal(o->probes[1], 1);
	assert_int_equal(o->probes[2], 2);
	assert_int_equal(o->expect, -EEXIST);
	o = op_of(sc, 0, 2);
	assert_int_equal(o->kind, KP_OP_UNREGISTER);
	assert_int_equal(o->n, 1);
	assert_int_equal(o->probes[0], 2);
	assert_int_equal(o->expect, KP_NO_EXPECT);
	o = op_of(sc, 0, 3);
	assert_int_equal(o->kind, KP_OP_UNREGISTER);
	assert_int_equal(o->n, 2);
	o = op_of(sc, 0, 4);
	assert_int_equal(o->kind, KP_OP_ENABLE);
	assert_int_equal(o->n, 1);
	assert_int_equal(o->expect, -EINVAL);
	o = op_of(sc, 0, 5);
	assert_int_equal(o->kind, KP_OP_DISABLE);
	assert_int_equal(o->probes[0], 1);
	assert_int_equal(o->expect, 0);
	assert_int_equal(o->line, 10);
}

static void test_op_files(void **state)
{
	KpScenario *sc = parse_ok(state, "task t on cpu0:\n"
				  "    sysctl write \"1\\n\" -> 2\n"
				  "    sysctl read -> 1\n"
				  "    debugfs write \"a\\tb\\\\c\\\"d\\x7f\\xFF# no comment\"# comment\n"
				  "    debugfs read\n"
				  "    sysctl write \"\"\n");

	assert_int_equal(op_of(sc, 0, 0)->kind, KP_OP_SYSCTL_WRITE);
	assert_string_equal(op_of(sc, 0, 0)->text, "1\n");
	assert_int_equal(op_of(sc, 0, 0)->expect, 2);
	assert_int_equal(op_of(sc, 0, 1)->kind, KP_OP_SYSCTL_READ);
	assert_int_equal(op_of(sc, 0, 1)->expect, 1);
	assert_int_equal(op_of(sc, 0, 2)->kind, KP_OP_DEBUGFS_WRITE);
	assert_string_equal(op_of(sc, 0, 2)->text, "a\tb\\c\"d\x7f\xff# no comment");
	assert_int_equal(op_of(sc, 0, 3)->kind, KP_OP_DEBUGFS_READ);
	assert_string_equal(op_of(sc, 0, 4)->text, "");
}

static void test_op_system(void **state)
{
	KpScenario *sc = parse_ok(state, "cpus 4\ntask t on cpu0:\n"
				  "    module load mod_a -> 0\n"
				  "    module live mod_a\n"
				  "    module unload mod_a -> -EBUSY\n"
				  "    module fail-init mod_b\n"
				  "    free-initmem\n"
				  "    cpu down 3 -> 0\n"
				  "    cpu up 3\n"
				  "    sleep 100000\n"
				  "    fail-nth 7\n");
	static const KpOpKind kinds[] = { KP_OP_MODULE_LOAD, KP_OP_MODULE_LIVE,
					  KP_OP_MODULE_UNLOAD, KP_OP_MODULE_FAIL_INIT,
					  KP_OP_FREE_INITMEM, KP_OP_CPU_DOWN, KP_OP_CPU_UP,
					  KP_OP_SLEEP, KP_OP_FAIL_NTH };

	assert_int_equal(sc->script.tasks[0].n_ops, G_N_ELEMENTS(kinds));
	for (unsigned i = 0; i < G_N_ELEMENTS(kinds); i++)
		assert_int_equal(op_of(sc, 0, i)->kind, kinds[i]);
	assert_string_equal(op_of(sc, 0, 0)->text, "mod_a");
	assert_ptr_equal(op_of(sc, 0, 0)->text, op_of(sc, 0, 2)->text);
	assert_int_equal(op_of(sc, 0, 2)->expect, -EBUSY);
	assert_string_equal(op_of(sc, 0, 3)->text, "mod_b");
	assert_int_equal(op_of(sc, 0, 5)->arg, 3);
	assert_int_equal(op_of(sc, 0, 5)->expect, 0);
	assert_int_equal(op_of(sc, 0, 6)->arg, 3);
	assert_int_equal(op_of(sc, 0, 7)->arg, 100000);
	assert_int_equal(op_of(sc, 0, 8)->arg, 7);
}

static void test_op_code(void **state)
{
	KpScenario *sc = parse_ok(state, "task t on cpu1:\n"
				  "    call f_small\n"
				  "    call f_small+2 times 1000\n"
				  "    call 0x1000 times 3\n"
				  "    irq cpu 0 h_irq -> -EBUSY\n"
				  "    irq cpu1 0x2000\n"
				  "function h_irq c3\n");
	const KpOp *o;

	o = op_of(sc, 0, 0);
	assert_int_equal(o->kind, KP_OP_CALL);
	assert_string_equal(o->text, "f_small");
	assert_int_equal(o->addr, 0);
	assert_int_equal(o->arg, 1);
	o = op_of(sc, 0, 1);
	assert_int_equal(o->addr, 2);
	assert_int_equal(o->arg, 1000);
	o = op_of(sc, 0, 2);
	assert_null(o->text);
	assert_int_equal(o->addr, 0x1000);
	assert_int_equal(o->arg, 3);
	o = op_of(sc, 0, 3);
	assert_int_equal(o->kind, KP_OP_IRQ);
	assert_int_equal(o->arg, 0);
	assert_string_equal(o->text, "h_irq");
	assert_int_equal(o->expect, -EBUSY);
	o = op_of(sc, 0, 4);
	assert_int_equal(o->arg, 1);
	assert_null(o->text);
	assert_int_equal(o->addr, 0x2000);
}

static void test_return_names(void **state)
{
	static const struct {
		const char *name;
		long value;
	} names[] = {
		{ "-EINVAL", -EINVAL }, { "-EBUSY", -EBUSY },	{ "-EEXIST", -EEXIST },
		{ "-ENOMEM", -ENOMEM }, { "-EILSEQ", -EILSEQ }, { "-ERANGE", -ERANGE },
		{ "-EFAULT", -EFAULT }, { "-4095", -4095 },	{ "2147483647", 2147483647 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *text =
			g_strdup_printf("task t on cpu0:\n    sysctl read -> %s\n", names[i].name);

		assert_int_equal(op_of(parse_ok(state, text), 0, 0)->expect, names[i].value);
	}
}

static void test_expect_simple(void **state)
{
	KpScenario *sc = parse_ok(state, "probe a at f_small\n" TASK
				  "expect always no-violation\n"
				  "expect sometimes violation H1\n"
				  "expect end violation expect\n"
				  "expect always violation lock-order\n"
				  "expect end optimization == 1\n"
				  "expect end armed == 0\n"
				  "expect end stop-machines <= 3\n"
				  "expect sometimes grace-periods > 0x10\n");
	const KpExpectation *e = sc->expects;

	assert_int_equal(sc->n_expects, 8);
	assert_int_equal(e[0].kind, KP_EXPECT_ALWAYS);
	assert_int_equal(e[0].cond, KP_COND_NO_VIOLATION);
	assert_int_equal(e[0].line, 4);
	assert_int_equal(e[1].kind, KP_EXPECT_SOMETIMES);
	assert_int_equal(e[1].cond, KP_COND_VIOLATION);
	assert_string_equal(e[1].id, "H1");
	assert_int_equal(e[2].kind, KP_EXPECT_END);
	assert_string_equal(e[2].id, "expect");
	assert_string_equal(e[3].id, "lock-order");
	assert_int_equal(e[4].cond, KP_COND_OPTIMIZATION);
	assert_int_equal(e[4].cmp, KP_CMP_EQ);
	assert_int_equal(e[4].value, 1);
	assert_int_equal(e[5].cond, KP_COND_ARMED);
	assert_int_equal(e[5].value, 0);
	assert_int_equal(e[6].cond, KP_COND_STOP_MACHINES);
	assert_int_equal(e[6].cmp, KP_CMP_LE);
	assert_int_equal(e[6].value, 3);
	assert_int_equal(e[7].cond, KP_COND_GRACE_PERIODS);
	assert_int_equal(e[7].cmp, KP_CMP_GT);
	assert_int_equal(e[7].value, 16);
	assert_int_equal(e[7].line, 11);
}

static void test_expect_fields(void **state)
{
	static const struct {
		const char *field, *cmp;
		KpProbeField f;
		KpCmp c;
	} cases[] = {
		{ "hits", "==", KP_FIELD_HITS, KP_CMP_EQ },
		{ "post-hits", "!=", KP_FIELD_POST_HITS, KP_CMP_NE },
		{ "fault-hits", "<", KP_FIELD_FAULT_HITS, KP_CMP_LT },
		{ "break-hits", "<=", KP_FIELD_BREAK_HITS, KP_CMP_LE },
		{ "return-hits", "==", KP_FIELD_RETURN_HITS, KP_CMP_EQ },
		{ "nmissed", ">", KP_FIELD_NMISSED, KP_CMP_GT },
		{ "flags", ">=", KP_FIELD_FLAGS, KP_CMP_GE },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *text = g_strdup_printf("probe a at f_small\n"
							"probe b.c at f_small\n" TASK
							"expect end b.c.%s %s %zu\n",
							cases[i].field, cases[i].cmp, i + 7);
		KpScenario *sc = parse_ok(state, text);

		assert_int_equal(sc->n_expects, 1);
		assert_int_equal(sc->expects[0].cond, KP_COND_PROBE_FIELD);
		assert_int_equal(sc->expects[0].probe, 1);
		assert_int_equal(sc->expects[0].field, cases[i].f);
		assert_int_equal(sc->expects[0].cmp, cases[i].c);
		assert_int_equal(sc->expects[0].value, i + 7);
	}
}

static void test_expect_text(void **state)
{
	static const uint8_t bytes[] = { 0xcc, 0x48, 0x89 };
	KpScenario *sc = parse_ok(state, TASK "expect end text f_small == original\n"
				  "expect always text f_small+3 != original\n"
				  "expect end text 0x1000 == cc 48 89\n");
	const KpExpectation *e = sc->expects;

	assert_int_equal(e[0].cond, KP_COND_TEXT_ORIGINAL);
	assert_int_equal(e[0].cmp, KP_CMP_EQ);
	assert_string_equal(e[0].loc.symbol, "f_small");
	assert_int_equal(e[0].loc.offset, 0);
	assert_int_equal(e[1].cond, KP_COND_TEXT_ORIGINAL);
	assert_int_equal(e[1].kind, KP_EXPECT_ALWAYS);
	assert_int_equal(e[1].cmp, KP_CMP_NE);
	assert_int_equal(e[1].loc.offset, 3);
	assert_int_equal(e[2].cond, KP_COND_TEXT_BYTES);
	assert_int_equal(e[2].cmp, KP_CMP_EQ);
	assert_null(e[2].loc.symbol);
	assert_int_equal(e[2].loc.offset, 0x1000);
	assert_int_equal(e[2].n_bytes, sizeof(bytes));
	assert_memory_equal(e[2].bytes, bytes, sizeof(bytes));
}

static void test_explore(void **state)
{
	KpScenario *sc = parse_ok(state, TASK "explore first\n");

	assert_int_equal(sc->explore.kind, KP_EXPLORE_FIRST);
	assert_int_equal(sc->explore.line, 3);
	sc = parse_ok(state, TASK "explore random 100\n");
	assert_int_equal(sc->explore.kind, KP_EXPLORE_RANDOM);
	assert_int_equal(sc->explore.runs, 100);
	assert_false(sc->explore.has_seed);
	sc = parse_ok(state, TASK "explore random 1 seed 18446744073709551615\n");
	assert_int_equal(sc->explore.runs, 1);
	assert_true(sc->explore.has_seed);
	assert_true(sc->explore.seed == UINT64_MAX);
	sc = parse_ok(state, TASK "explore dfs\n");
	assert_int_equal(sc->explore.kind, KP_EXPLORE_DFS);
	assert_int_equal(sc->explore.preemptions, -1);
	assert_false(sc->explore.no_reduce);
	assert_int_equal(sc->explore.runs, 0);
	sc = parse_ok(state, TASK "explore dfs preemptions 2 no-reduce\n");
	assert_int_equal(sc->explore.preemptions, 2);
	assert_true(sc->explore.no_reduce);
	sc = parse_ok(state, TASK "explore pct runs 10000 depth 3 seed 7\n");
	assert_int_equal(sc->explore.kind, KP_EXPLORE_PCT);
	assert_int_equal(sc->explore.runs, 10000);
	assert_int_equal(sc->explore.depth, 3);
	assert_true(sc->explore.has_seed && sc->explore.seed == 7);
	sc = parse_ok(state, TASK "explore random runs 40 seed 2\n");
	assert_int_equal(sc->explore.kind, KP_EXPLORE_RANDOM);
	assert_int_equal(sc->explore.runs, 40);
	assert_true(sc->explore.has_seed && sc->explore.seed == 2);
}

static void test_schedule(void **state)
{
	KpScenario *sc = parse_ok(state, "cpus 3\n" TASK "schedule S1:a12bBt3a(2)c(255)7C\n");

	assert_string_equal(sc->schedule, "S1:a12bBt3a(2)c(255)7C");
	assert_int_equal(sc->schedule_line, 4);
	assert_int_equal(sc->schedule_col, 10);
	sc = parse_ok(state, TASK "schedule  S1:\n");
	assert_int_equal(sc->schedule_col, 11);
	assert_string_equal(sc->schedule, "S1:");
}

/* The example of docs/scenario-language.md, with CRLF line ends and tabs. */
static void test_doc_example(void **state)
{
	KpScenario *sc = parse_ok(state, 
		"# Disable an optimized probe while another CPU runs through it.\r\n"
		"model   6274de4\r\n"
		"cpus\t2\r\n"
		"probe   a  at f_small+0\r\n"
		"probe   b  at f_small+3  post\r\n"
		"\r\n"
		"task t0 on cpu0:\r\n"
		"    register a -> 0\r\n"
		"    sleep 6\r\n"
		"    disable a -> 0\r\n"
		"    unregister a\r\n"
		"task t1 on cpu1:\r\n"
		"\tcall f_small times 3\r\n"
		"\r\n"
		"expect always no-violation\r\n"
		"expect end a.hits >= 1\r\n"
		"expect end text f_small == original\r\n"
		"explore random 100 seed 1");

	assert_int_equal(sc->script.n_probes, 2);
	assert_true(sc->script.probes[1].post);
	assert_int_equal(sc->script.n_tasks, 2);
	assert_int_equal(sc->script.tasks[0].n_ops, 4);
	assert_int_equal(op_of(sc, 0, 1)->arg, 6);
	assert_int_equal(op_of(sc, 0, 3)->line, 11);
	assert_int_equal(sc->script.tasks[1].cpu, 1);
	assert_int_equal(op_of(sc, 1, 0)->arg, 3);
	assert_int_equal(sc->n_expects, 3);
	assert_int_equal(sc->expects[1].field, KP_FIELD_HITS);
	assert_int_equal(sc->expects[1].cmp, KP_CMP_GE);
	assert_int_equal(sc->explore.runs, 100);
	assert_int_equal(sc->explore.seed, 1);
	assert_int_equal(sc->explore.line, 18);
}

static void test_comments_utf8(void **state)
{
	KpScenario *sc = parse_ok(state, "# caf\xc3\xa9 \xe2\x80\x94 comments may be UTF-8\n"
				  "task t on cpu0: # trailing\n    sleep 1#x\n");

	assert_int_equal(op_of(sc, 0, 0)->arg, 1);
}

/*
 * `allow ID ...`: header lines that add up, in file order; the ids are the catalogue's
 * own strings, and `expect` (the inline-return id) is one too.
 */
static void test_allow(void **state)
{
	KpScenario *sc = parse_ok(state, "cpus 1\nallow A5 lock-order\n"
				  "allow\texpect  K1 # the rest\n" TASK);

	assert_int_equal(sc->n_allow, 4);
	assert_string_equal(sc->allow[0], "A5");
	assert_ptr_equal(sc->allow[0], kp_invariant("A5")->id);
	assert_ptr_equal(sc->allow[1], kp_invariant("lock-order")->id);
	assert_string_equal(sc->allow[2], "expect");
	assert_ptr_equal(sc->allow[3], kp_invariant("K1")->id);

	sc = parse_ok(state, TASK);
	assert_int_equal(sc->n_allow, 0);
}

/*
 * Every name a statement gives is checked against what a run can resolve: the image's
 * kernel and module symbols and the scenario's own functions, wherever in the file they
 * are defined.
 */
static void test_names(void **state)
{
	KpScenario *sc = parse_ok(state, "probe a at f_small+1\n"
				  "probe b at mod_a_work kretprobe\n"
				  "probe c at mine+0\n"
				  "task t on cpu0:\n"
				  "    module load mod_a\n"
				  "    call mod_b_init\n"
				  "    irq cpu1 f_init_table\n"
				  "expect end text mine == original\n"
				  "function mine 55 5d c3\n");

	assert_int_equal(sc->script.n_probes, 3);
	assert_string_equal(sc->probes[2].symbol, "mine");
	assert_int_equal(sc->functions[0].line, 9);
}

/* ---- errors ---- */

static void test_errors(void **state)
{
	static const struct {
		const char *text, *message;
	} cases[] = {
		{ "", "t.kps:1:1: no task" },
		{ "cpus 2\n", "t.kps:2:1: no task" },
		{ "cpus 2", "t.kps:1:7: no task" },
		{ "frobnicate\n", "t.kps:1:1: unknown statement 'frobnicate'" },
		{ "model 1234567\n" TASK, "t.kps:1:7: unknown model '1234567'" },
		{ "model\n" TASK, "t.kps:1:6: missing model name" },
		{ "model 6274de4 soon\n" TASK, "t.kps:1:15: expected 'only' or the end of the line "
						"after the model name, found 'soon'" },
		{ "model 6274de4 only only\n" TASK, "t.kps:1:20: unexpected 'only'" },
		{ "model 6274de4^ \"only\"\n" TASK, "t.kps:1:16: unexpected string" },
		{ "cpus 0\n" TASK, "t.kps:1:6: cpus must be 1..16" },
		{ "cpus 17\n" TASK, "t.kps:1:6: cpus must be 1..16" },
		{ "cpus 99999999999999999999999\n" TASK, "t.kps:1:6: cpus must be 1..16" },
		{ "cpus two\n" TASK, "t.kps:1:6: invalid integer 'two'" },
		{ "cpus 2 3\n" TASK, "t.kps:1:8: unexpected '3'" },
		{ "cpus 2\ncpus 2\n" TASK, "t.kps:2:1: duplicate 'cpus' (first on line 1)" },
		{ TASK "cpus 2\n", "t.kps:3:1: 'cpus' must come before other statements" },
		{ "optimize-delay 0\n" TASK, "t.kps:1:16: optimize-delay must be 1..100000" },
		{ "branches sometimes\n" TASK,
		  "t.kps:1:10: expected 'not-taken' or 'choice', found 'sometimes'" },
		{ "max-steps 0\n" TASK, "t.kps:1:11: max-steps must be 1..1000000000000" },
		{ "probe a\n", "t.kps:1:8: missing 'at'" },
		{ "probe a on f\n", "t.kps:1:9: expected 'at', found 'on'" },
		{ "probe 1a at f\n", "t.kps:1:7: invalid probe name '1a'" },
		{ "probe a at f\nprobe a at g\n", "t.kps:2:7: duplicate probe 'a'" },
		{ "probe a at f+\n", "t.kps:1:14: invalid offset ''" },
		{ "probe a at f+x\n", "t.kps:1:14: invalid offset 'x'" },
		{ "probe a at f+0x100000000\n", "t.kps:1:14: offset must be 0..4294967295" },
		{ "probe a at -1\n", "t.kps:1:12: address must be 0..18446744073709551615" },
		{ "probe a at 12z\n", "t.kps:1:12: invalid location '12z'" },
		{ "probe a at f-1\n", "t.kps:1:12: invalid location 'f-1'" },
		{ "probe a at f post post\n", "t.kps:1:19: duplicate option 'post'" },
		{ "probe a at f speedy\n", "t.kps:1:14: unknown probe option 'speedy'" },
		{ "probe a at f pre-returns\n", "t.kps:1:25: missing handler return value" },
		{ "probe a at f pre-returns 2147483648\n",
		  "t.kps:1:26: pre-returns must be -2147483648..2147483647" },
		{ "probe a at f jprobe post\n", "t.kps:1:21: 'post' does not apply to a jprobe" },
		{ "probe a at f fault kretprobe\n",
		  "t.kps:1:14: 'fault' does not apply to a kretprobe" },
		{ "probe a at f kretprobe jprobe\n",
		  "t.kps:1:24: a probe is either a jprobe or a kretprobe" },
		{ "probe a at f no-pre pre-returns 1\n",
		  "t.kps:1:21: 'pre-returns' without a pre handler" },
		{ "probe a at f fault-returns 1\n", "t.kps:1:14: 'fault-returns' without 'fault'" },
		{ "probe a at f break-returns 1\n", "t.kps:1:14: 'break-returns' without 'break'" },
		{ "probe a at \"f\"\n", "t.kps:1:12: expected location, found a string" },
		{ "function f\n", "t.kps:1:11: missing hex bytes" },
		{ "function f 5\n", "t.kps:1:12: invalid hex byte '5'" },
		{ "function f 0x55\n", "t.kps:1:12: invalid hex byte '0x55'" },
		{ "function f gg\n", "t.kps:1:12: invalid hex byte 'gg'" },
		{ "function f 90\nfunction f 90\n", "t.kps:2:10: duplicate function 'f'" },
		{ "task t on cpu0:\n", "t.kps:1:6: task 't' has no operations" },
		{ "task t on cpu0:\ntask u on cpu1:\n    sleep 1\n",
		  "t.kps:1:6: task 't' has no operations" },
		{ "task t on cpu2:\n    sleep 1\n", "t.kps:1:14: cpu 2 does not exist (cpus 2)" },
		{ "task t on cpu 5:\n    sleep 1\n", "t.kps:1:15: cpu 5 does not exist (cpus 2)" },
		{ "task t on cpu0\n    sleep 1\n", "t.kps:1:15: missing ':'" },
		{ "task t on cpux:\n    sleep 1\n", "t.kps:1:11: expected 'cpu', found 'cpux:'" },
		{ "task t on cpu0::\n    sleep 1\n", "t.kps:1:14: invalid cpu number '0:'" },
		{ "task t at cpu0:\n    sleep 1\n", "t.kps:1:8: expected 'on', found 'at'" },
		{ TASK "task t on cpu1:\n    sleep 1\n", "t.kps:3:6: duplicate task 't'" },
		{ "    sleep 1\n" TASK, "t.kps:1:5: operation outside a task" },
		{ "sleep 1\n" TASK, "t.kps:1:1: operation outside a task" },
		{ TASK "sleep 1\n", "t.kps:3:1: operation outside a task" },
		{ "  cpus 2\n" TASK, "t.kps:1:3: unexpected indentation" },
		{ "task t on cpu0:\n    jump 1\n", "t.kps:2:5: unknown operation 'jump'" },
		{ "task t on cpu0:\n    register x\n", "t.kps:2:14: undefined probe 'x'" },
		{ "task t on cpu0:\n    register\n", "t.kps:2:13: missing probe name" },
		{ "task t on cpu0:\n    register a\nprobe a at f\n", "t.kps:2:14: undefined probe 'a'" },
		{ "probe a at f\nprobe j at f jprobe\ntask t on cpu0:\n    register a j\n",
		  "t.kps:4:16: probes of different kinds in one call" },
		{ "probe a at f\ntask t on cpu0:\n    enable a a\n", "t.kps:3:14: unexpected 'a'" },
		{ "probe a at f\ntask t on cpu0:\n    register a ->\n",
		  "t.kps:3:18: missing return value" },
		{ "probe a at f\ntask t on cpu0:\n    register a -> -EWHAT\n",
		  "t.kps:3:19: unknown error name '-EWHAT'" },
		{ "probe a at f\ntask t on cpu0:\n    register a -> -4096\n",
		  "t.kps:3:19: return value must be -4095..2147483647" },
		{ "probe a at f\ntask t on cpu0:\n    register a -> 0 1\n",
		  "t.kps:3:21: unexpected '1'" },
		{ "task t on cpu0:\n    sysctl write 1\n", "t.kps:2:18: expected a string, found '1'" },
		{ "task t on cpu0:\n    sysctl poke\n",
		  "t.kps:2:12: expected 'write' or 'read', found 'poke'" },
		{ "task t on cpu0:\n    debugfs write\n", "t.kps:2:18: missing string" },
		{ "task t on cpu0:\n    sysctl write \"1\n", "t.kps:2:18: unterminated string" },
		{ "task t on cpu0:\n    sysctl write \"1\\\n", "t.kps:2:18: unterminated string" },
		{ "task t on cpu0:\n    sysctl write \"\\q\"\n", "t.kps:2:19: invalid escape '\\q'" },
		{ "task t on cpu0:\n    sysctl write \"\\x4\"\n",
		  "t.kps:2:19: \\x needs two hex digits" },
		{ "task t on cpu0:\n    sysctl write \"\\x00\"\n",
		  "t.kps:2:19: \\x00 is not allowed in a string" },
		{ "task t on cpu0:\n    sysctl write \"\xc3\xa9\"\n",
		  "t.kps:2:19: non-ASCII byte 0xc3 (write it as \\xHH)" },
		{ "task t on cpu0:\n    sysctl write \"1\"x\n", "t.kps:2:21: missing blank after string" },
		{ "task t on cpu0:\n    sysctl write\"1\"\n", "t.kps:2:17: missing blank before string" },
		{ "task t on cpu0:\n    module remove m\n",
		  "t.kps:2:12: expected 'load', 'live', 'unload' or 'fail-init', found 'remove'" },
		{ "task t on cpu0:\n    module load 9m\n", "t.kps:2:17: invalid module name '9m'" },
		{ "task t on cpu0:\n    free-initmem now\n", "t.kps:2:18: unexpected 'now'" },
		{ "task t on cpu0:\n    cpu up 2\n", "t.kps:2:12: cpu 2 does not exist (cpus 2)" },
		{ "task t on cpu0:\n    cpu sideways 1\n",
		  "t.kps:2:9: expected 'up' or 'down', found 'sideways'" },
		{ "task t on cpu0:\n    call f times 0\n", "t.kps:2:18: times must be 1..1000" },
		{ "task t on cpu0:\n    call f times 1001\n", "t.kps:2:18: times must be 1..1000" },
		{ "task t on cpu0:\n    call f twice\n", "t.kps:2:12: unexpected 'twice'" },
		{ "task t on cpu0:\n    call\n", "t.kps:2:9: missing location" },
		{ "task t on cpu0:\n    irq cpu 9 f\n", "t.kps:2:13: cpu 9 does not exist (cpus 2)" },
		{ "task t on cpu0:\n    irq f\n", "t.kps:2:9: expected 'cpu', found 'f'" },
		{ "task t on cpu0:\n    irq cpu1\n", "t.kps:2:13: missing handler location" },
		{ "task t on cpu0:\n    sleep 0\n", "t.kps:2:11: sleep must be 1..100000" },
		{ "task t on cpu0:\n    sleep 100001\n", "t.kps:2:11: sleep must be 1..100000" },
		{ "task t on cpu0:\n    sleep -1\n", "t.kps:2:11: sleep must be 1..100000" },
		{ "task t on cpu0:\n    sleep 1.5\n", "t.kps:2:11: invalid integer '1.5'" },
		{ "task t on cpu0:\n    \"sleep\"\n", "t.kps:2:5: expected a statement, found a string" },
		{ TASK "expect\n", "t.kps:3:7: missing 'always', 'sometimes' or 'end'" },
		{ TASK "expect never no-violation\n",
		  "t.kps:3:8: expected 'always', 'sometimes' or 'end', found 'never'" },
		{ TASK "expect end\n", "t.kps:3:11: missing condition" },
		{ TASK "expect end happy\n", "t.kps:3:12: unknown condition 'happy'" },
		{ TASK "expect end violation Z9\n", "t.kps:3:22: unknown invariant 'Z9'" },
		{ TASK "expect end a.hits == 1\n", "t.kps:3:12: undefined probe 'a'" },
		{ "probe a at f\n" TASK "expect end a.speed == 1\n", "t.kps:4:14: unknown field 'speed'" },
		{ "probe a at f\n" TASK "expect end a.hits =< 1\n",
		  "t.kps:4:19: invalid comparison '=<'" },
		{ "probe a at f\n" TASK "expect end a.hits == -1\n",
		  "t.kps:4:22: value must be 0..9223372036854775807" },
		{ "probe a at f\n" TASK "expect end a.hits ==\n", "t.kps:4:21: missing value" },
		{ TASK "expect end text f < original\n",
		  "t.kps:3:19: text compares with '==' or '!='" },
		{ TASK "expect end text f != cc\n",
		  "t.kps:3:19: '!=' compares with 'original' only" },
		{ TASK "expect end text f == cc xyz\n", "t.kps:3:25: invalid hex byte 'xyz'" },
		{ TASK "expect end optimization != 1\n", "t.kps:3:25: expected '==', found '!='" },
		{ TASK "expect end armed == 2\n", "t.kps:3:21: expected 0 or 1, found '2'" },
		{ TASK "expect end stop-machines\n", "t.kps:3:25: missing comparison" },
		{ TASK "expect always no-violation please\n", "t.kps:3:28: unexpected 'please'" },
		{ TASK "explore\n", "t.kps:3:8: missing 'first', 'random', 'dfs' or 'pct'" },
		{ TASK "explore all\n", "t.kps:3:9: expected 'first', 'random', 'dfs' or 'pct', found 'all'" },
		{ TASK "explore first 3\n", "t.kps:3:15: unexpected '3' (explore first takes nothing more)" },
		{ TASK "explore random runs\n", "t.kps:3:20: missing number of runs" },
		{ TASK "explore random 0\n", "t.kps:3:16: runs must be 1..1000000000" },
		{ TASK "explore random 5 seed\n", "t.kps:3:22: missing seed" },
		{ TASK "explore random 5 seed -1\n", "t.kps:3:23: seed must be 0..18446744073709551615" },
		{ TASK "explore random 5 sed 1\n", "t.kps:3:18: unexpected 'sed' (explore random takes runs, seed)" },
		{ TASK "explore dfs preemptions 2 seed 3\n",
		  "t.kps:3:27: unexpected 'seed' (explore dfs takes preemptions, runs, no-reduce)" },
		{ TASK "explore pct depth 0\n", "t.kps:3:19: depth must be 1..64" },
		{ TASK "explore pct runs 5 runs 6\n", "t.kps:3:20: duplicate 'runs'" },
		{ TASK "explore dfs preemptions\n", "t.kps:3:24: missing preemption bound" },
		{ TASK "explore random 5 runs 6\n", "t.kps:3:18: duplicate 'runs'" },
		{ TASK "explore first\nexplore first\n",
		  "t.kps:4:1: duplicate 'explore' (first on line 3)" },
		{ TASK "schedule a1\n", "t.kps:3:10: a schedule starts with 'S1:'" },
		{ TASK "schedule S1:ax\n", "t.kps:3:14: invalid schedule step 'x'" },
		{ TASK "schedule S1:c\n", "t.kps:3:13: schedule step on vCPU 2 (cpus 2)" },
		{ TASK "schedule S1:a0\n", "t.kps:3:14: invalid repeat count" },
		{ TASK "schedule S1:a(256)\n", "t.kps:3:14: invalid alternative in schedule" },
		{ TASK "schedule S1:a(1\n", "t.kps:3:14: invalid alternative in schedule" },
		{ TASK "schedule S1:a100000000b\n", "t.kps:3:23: schedule longer than 100000000 steps" },
		{ TASK "schedule S1:a\nschedule S1:b\n",
		  "t.kps:4:1: duplicate 'schedule' (first on line 3)" },
		{ "task t on cpu0:\n    sleep 1\x7f\n", "t.kps:2:12: control character 0x7f" },
		{ "task t on cpu0:\r    sleep 1\n", "t.kps:1:16: control character 0x0d" },
		{ "task t on cpu0:\n    sl\xffp 1\n", "t.kps:2:7: non-ASCII byte 0xff" },
		{ "# bad \xff comment\n" TASK, "t.kps:1:7: invalid UTF-8 in comment" },
		/* Names a run could not resolve. */
		{ "probe a at f_nope+0\n" TASK,
		  "t.kps:1:12: no symbol 'f_nope' in the image or the scenario" },
		{ "probe a at mod_a.init+0x10\n" TASK,
		  "t.kps:1:12: no symbol 'mod_a.init' in the image or the scenario" },
		{ "task t on cpu0:\n    call f_nope times 2\n",
		  "t.kps:2:10: no symbol 'f_nope' in the image or the scenario" },
		{ "task t on cpu0:\n    irq cpu1 f_nope+4\n",
		  "t.kps:2:14: no symbol 'f_nope' in the image or the scenario" },
		{ TASK "expect end text f_nope == original\n",
		  "t.kps:3:17: no symbol 'f_nope' in the image or the scenario" },
		{ "task t on cpu0:\n    module load mod_zzz\n",
		  "t.kps:2:17: unknown module 'mod_zzz'" },
		{ "task t on cpu0:\n    module unload f_small\n",
		  "t.kps:2:19: unknown module 'f_small'" },
		/* The first unknown name in the file, wherever the others are. */
		{ "probe a at f_one\ntask t on cpu0:\n    call f_two\n",
		  "t.kps:1:12: no symbol 'f_one' in the image or the scenario" },
		/* A function a run could not add to the text. */
		{ "function f_small c3\n" TASK,
		  "t.kps:1:10: the image already has a symbol 'f_small'" },
		{ "function mod_b_get c3\n" TASK,
		  "t.kps:1:10: the image already has a symbol 'mod_b_get'" },
		{ "function f 90 0f ff c3\n" TASK,
		  "t.kps:1:15: function 'f': no instruction decodes at offset 0x1 (unsupported, or "
		  "cut short by the end of the function)" },
		{ "function f 90 e8 00\n" TASK,
		  "t.kps:1:15: function 'f': no instruction decodes at offset 0x1 (unsupported, or "
		  "cut short by the end of the function)" },
		/* allow */
		{ "allow\n" TASK, "t.kps:1:6: missing invariant id" },
		{ "allow A5 Z9\n" TASK, "t.kps:1:10: unknown invariant 'Z9'" },
		{ "allow \"A5\"\n" TASK, "t.kps:1:7: expected invariant id, found a string" },
		{ "allow A5\nallow T2 A5\n" TASK, "t.kps:2:10: 'A5' is already allowed (line 1)" },
		{ "allow expect expect\n" TASK, "t.kps:1:14: 'expect' is already allowed (line 1)" },
		{ TASK "allow A5\n", "t.kps:3:1: 'allow' must come before other statements" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		expect_error(cases[i].text, cases[i].message);
}

static void test_nul_byte(void **state)
{
	static const char text[] = "task t on cpu0:\n    sleep\0 1\n";

	expect_error_len(text, sizeof(text) - 1, "t.kps:2:10: NUL byte");
	/* With no NUL terminator after the given length, nothing past it is read. */
	expect_error_len("task t on cpu0:\n    sleep 1", 25, "t.kps:2:10: missing jiffies");
}

/* ---- limits ---- */

static void test_limits(void **state)
{
	GString *s = g_string_new(NULL);
	g_autofree char *msg = NULL;
	unsigned i;

	/* KP_MAX_PROBES probes parse, one more does not. */
	for (i = 0; i < KP_MAX_PROBES; i++)
		g_string_append_printf(s, "probe p%u at f_small\n", i);
	g_string_append(s, "task t on cpu0:\n    register");
	for (i = 0; i < KP_OP_MAX_PROBES; i++)
		g_string_append_printf(s, " p%u", i);
	g_string_append(s, "\n");
	assert_int_equal(parse_ok(state, s->str)->script.n_probes, KP_MAX_PROBES);
	assert_int_equal(op_of(*state, 0, 0)->n, KP_OP_MAX_PROBES);
	g_string_append(s, "probe q at f_small\n");
	msg = g_strdup_printf("t.kps:%u:1: more than %d probes", KP_MAX_PROBES + 3, KP_MAX_PROBES);
	expect_error(s->str, msg);
	g_clear_pointer(&msg, g_free);

	/* A batch of KP_OP_MAX_PROBES + 1. */
	g_string_assign(s, "probe a at f\ntask t on cpu0:\n    register");
	for (i = 0; i <= KP_OP_MAX_PROBES; i++)
		g_string_append(s, " a");
	g_string_append(s, "\n");
	msg = g_strdup_printf("t.kps:3:%d: more than %d probes in one call",
			      14 + 2 * KP_OP_MAX_PROBES, KP_OP_MAX_PROBES);
	expect_error(s->str, msg);
	g_clear_pointer(&msg, g_free);

	/* Four tasks per CPU. */
	g_string_truncate(s, 0);
	for (i = 0; i < KP_SCENARIO_TASKS_PER_CPU; i++)
		g_string_append_printf(s, "task t%u on cpu1:\n    sleep 1\n", i);
	assert_int_equal(parse_ok(state, s->str)->script.n_tasks, KP_SCENARIO_TASKS_PER_CPU);
	g_string_append(s, "task t9 on cpu1:\n    sleep 1\n");
	expect_error(s->str, "t.kps:9:12: cpu1 already has 4 tasks");

	/* KP_SCENARIO_MAX_OPS operations per task. */
	g_string_assign(s, "task t on cpu0:\n");
	for (i = 0; i < KP_SCENARIO_MAX_OPS; i++)
		g_string_append(s, "    sleep 1\n");
	assert_int_equal(parse_ok(state, s->str)->script.tasks[0].n_ops, KP_SCENARIO_MAX_OPS);
	g_string_append(s, "    sleep 1\n");
	msg = g_strdup_printf("t.kps:%d:5: task 't' has more than %d operations",
			      KP_SCENARIO_MAX_OPS + 2, KP_SCENARIO_MAX_OPS);
	expect_error(s->str, msg);
	g_clear_pointer(&msg, g_free);

	/* 64 expectations. */
	g_string_assign(s, TASK);
	for (i = 0; i < KP_SCENARIO_MAX_EXPECTS; i++)
		g_string_append(s, "expect always no-violation\n");
	assert_int_equal(parse_ok(state, s->str)->n_expects, KP_SCENARIO_MAX_EXPECTS);
	g_string_append(s, "expect always no-violation\n");
	expect_error(s->str, "t.kps:67:1: more than 64 expectations");

	/* Strings, function bytes and text bytes. */
	g_string_assign(s, "task t on cpu0:\n    sysctl write \"");
	for (i = 0; i < KP_SCENARIO_MAX_STRING; i++)
		g_string_append_c(s, 'x');
	g_string_append(s, "\"\n");
	assert_int_equal(strlen(op_of(parse_ok(state, s->str), 0, 0)->text), KP_SCENARIO_MAX_STRING);
	g_string_insert(s, 35, "\\x41");
	expect_error(s->str, "t.kps:2:18: string longer than 1024 bytes");

	g_string_assign(s, "function f");
	for (i = 0; i < KP_SCENARIO_MAX_FUNCTION_BYTES; i++)
		g_string_append(s, " 90");
	g_string_append(s, "\n" TASK);
	assert_int_equal(parse_ok(state, s->str)->functions[0].n_bytes, KP_SCENARIO_MAX_FUNCTION_BYTES);
	g_string_insert(s, 10, " c3");
	expect_error(s->str, "t.kps:1:12300: more than 4096 bytes");

	g_string_assign(s, TASK "expect end text f ==");
	for (i = 0; i <= KP_SCENARIO_MAX_TEXT_BYTES; i++)
		g_string_append(s, " cc");
	expect_error(s->str, "t.kps:3:214: more than 64 bytes");

	/* KP_SCENARIO_MAX_FUNCTIONS functions. */
	g_string_truncate(s, 0);
	for (i = 0; i <= KP_SCENARIO_MAX_FUNCTIONS; i++)
		g_string_append_printf(s, "function f%u c3\n", i);
	msg = g_strdup_printf("t.kps:%d:1: more than %d functions", KP_SCENARIO_MAX_FUNCTIONS + 1,
			      KP_SCENARIO_MAX_FUNCTIONS);
	expect_error(s->str, msg);
	g_string_free(s, TRUE);
}

static void test_error_argument(void **state)
{
	/* A caller that does not want the message still gets NULL. */
	assert_null(kp_scenario_parse("t.kps", "cpus 0\n", 7, NULL));
	assert_null(kp_scenario_parse(NULL, "", 0, NULL));
}

static void test_load(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("kpsim-scenario-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "ok.kps", NULL);
	g_autofree char *missing = g_build_filename(dir, "missing.kps", NULL);
	KpScenario *sc;

	assert_non_null(dir);
	assert_true(g_file_set_contents(path, TASK, -1, NULL));
	sc = kp_scenario_load(path, &error);
	assert_non_null(sc);
	assert_string_equal(sc->path, path);
	assert_int_equal(sc->script.n_tasks, 1);
	kp_scenario_free(sc);
	assert_null(kp_scenario_load(missing, &error));
	assert_true(g_error_matches(error, KP_SCENARIO_ERROR, KP_SCENARIO_ERROR_READ));
	assert_non_null(strstr(error->message, "missing.kps"));
	g_remove(path);
	g_rmdir(dir);
}

/* ---- the malformed files ---- */

/* The expected message of one bad file: its "# error: " line or its EXPECTED entry. */
static char *bad_file_expectation(const char *name, const char *text, GHashTable *listed)
{
	const char *tag = "# error: ";
	const char *nl;

	if (g_hash_table_contains(listed, name))
		return g_strdup(g_hash_table_lookup(listed, name));
	if (strncmp(text, tag, strlen(tag)))
		return NULL;
	nl = strchr(text, '\n');
	if (!nl)
		return NULL;
	if (nl > text && nl[-1] == '\r')
		nl--;
	return g_strndup(text + strlen(tag), (size_t)(nl - text) - strlen(tag));
}

static GHashTable *read_expected_list(const char *dir)
{
	GHashTable *listed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autofree char *path = g_build_filename(dir, "EXPECTED", NULL);
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;

	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		char *colon = strstr(*l, ": ");

		if (!**l || **l == '#')
			continue;
		assert_non_null(colon);
		g_hash_table_insert(listed, g_strndup(*l, (size_t)(colon - *l)),
				    g_strdup(colon + 2));
	}
	return listed;
}

/* The functions together fill the scenario text exactly; one byte more is refused. */
static void test_function_text_limit(void **state)
{
	g_autoptr(GString) t = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *want = NULL;
	KpScenario *sc;
	unsigned n = KP_SCENARIO_MAX_FUNCTION_TEXT / KP_SCENARIO_MAX_FUNCTION_BYTES;

	(void)state;
	/* More functions of the largest size than fit: the two limits alone allowed it. */
	assert_true(n < KP_SCENARIO_MAX_FUNCTIONS);
	for (unsigned i = 0; i < n; i++) {
		g_string_append_printf(t, "function f%03u", i);
		for (unsigned b = 0; b < KP_SCENARIO_MAX_FUNCTION_BYTES; b++)
			g_string_append(t, " 90");
		g_string_append_c(t, '\n');
	}
	g_string_append(t, "task t on cpu0:\n    sleep 1\n");
	sc = kp_scenario_parse("t.kps", t->str, t->len, &error);
	assert_null(error);
	assert_non_null(sc);
	kp_scenario_free(sc);
	g_string_append(t, "function g c3\n");
	sc = kp_scenario_parse("t.kps", t->str, t->len, &error);
	assert_null(sc);
	assert_non_null(error);
	want = g_strdup_printf("t.kps:%u:10: function 'g' does not fit: the functions take more "
			       "than %u bytes of scenario text", n + 3,
			       KP_SCENARIO_MAX_FUNCTION_TEXT);
	assert_string_equal(error->message, want);
}

static void test_bad_files(void **state)
{
	const char *root = g_getenv("KPSIM_SOURCE_ROOT");
	g_autofree char *dir = NULL;
	g_autoptr(GHashTable) listed = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	GDir *d;
	const char *name;
	unsigned checked = 0, from_list = 0;

	assert_non_null(root);
	dir = g_build_filename(root, "tests", "data", "scenarios-bad", NULL);
	listed = read_expected_list(dir);
	d = g_dir_open(dir, 0, NULL);
	assert_non_null(d);
	while ((name = g_dir_read_name(d)))
		if (g_str_has_suffix(name, ".kps"))
			g_ptr_array_add(names, g_strdup(name));
	g_dir_close(d);
	g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
	for (unsigned i = 0; i < names->len; i++) {
		const char *n = names->pdata[i];
		g_autofree char *path = g_build_filename(dir, n, NULL);
		g_autofree char *text = NULL;
		g_autofree char *want = NULL;
		g_autofree char *full = NULL;
		g_autoptr(GError) error = NULL;
		KpScenario *sc;

		assert_true(g_file_get_contents(path, &text, NULL, NULL));
		want = bad_file_expectation(n, text, listed);
		if (!want)
			fail_msg("%s: no '# error:' line and no EXPECTED entry", n);
		from_list += g_hash_table_contains(listed, n);
		full = g_strdup_printf("%s:%s", path, want);
		sc = kp_scenario_load(path, &error);
		if (sc) {
			kp_scenario_free(sc);
			fail_msg("%s parsed, expected %s", n, want);
		}
		if (strcmp(error->message, full))
			fail_msg("%s:\n  got      %s\n  expected %s", n, error->message, full);
		checked++;
	}
	/* Every EXPECTED entry names a file that exists. */
	assert_int_equal(from_list, g_hash_table_size(listed));
	assert_true(checked >= 40);
	print_message("# %u malformed scenarios rejected as expected\n", checked);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_defaults, teardown),
		cmocka_unit_test_teardown(test_header, teardown),
		cmocka_unit_test_teardown(test_model_only, teardown),
		cmocka_unit_test_teardown(test_probe_locations, teardown),
		cmocka_unit_test_teardown(test_probe_options, teardown),
		cmocka_unit_test_teardown(test_probe_kinds, teardown),
		cmocka_unit_test_teardown(test_function, teardown),
		cmocka_unit_test_teardown(test_tasks, teardown),
		cmocka_unit_test_teardown(test_op_probes, teardown),
		cmocka_unit_test_teardown(test_op_files, teardown),
		cmocka_unit_test_teardown(test_op_system, teardown),
		cmocka_unit_test_teardown(test_op_code, teardown),
		cmocka_unit_test_teardown(test_return_names, teardown),
		cmocka_unit_test_teardown(test_expect_simple, teardown),
		cmocka_unit_test_teardown(test_expect_fields, teardown),
		cmocka_unit_test_teardown(test_expect_text, teardown),
		cmocka_unit_test_teardown(test_explore, teardown),
		cmocka_unit_test_teardown(test_schedule, teardown),
		cmocka_unit_test_teardown(test_doc_example, teardown),
		cmocka_unit_test_teardown(test_comments_utf8, teardown),
		cmocka_unit_test_teardown(test_allow, teardown),
		cmocka_unit_test_teardown(test_names, teardown),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test_teardown(test_limits, teardown),
		cmocka_unit_test(test_error_argument),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_function_text_limit),
		cmocka_unit_test(test_bad_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
