// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scenario printer.  It writes what the parser reads back to the same KpScenario:
 * each statement in its canonical form (header values only when they differ from the
 * defaults, strings with escapes for every byte that is not printable ASCII, return
 * values as plain integers).
 */
#include "tools/scenario/scenario.h"

#include <inttypes.h>

static const char *const cmp_names[] = { "==", "!=", "<", "<=", ">", ">=" };

static const char *const field_names[] = {
	[KP_FIELD_HITS] = "hits",		[KP_FIELD_POST_HITS] = "post-hits",
	[KP_FIELD_FAULT_HITS] = "fault-hits",	[KP_FIELD_BREAK_HITS] = "break-hits",
	[KP_FIELD_RETURN_HITS] = "return-hits",
	[KP_FIELD_NMISSED] = "nmissed",		[KP_FIELD_FLAGS] = "flags",
};

static void print_location(GString *out, const char *symbol, unsigned long offset)
{
	if (!symbol)
		g_string_append_printf(out, "0x%lx", offset);
	else if (offset)
		g_string_append_printf(out, "%s+0x%lx", symbol, offset);
	else
		g_string_append(out, symbol);
}

static void print_hex(GString *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(out, " %02x", b[i]);
}

/* A string token: printable ASCII as itself, the rest escaped. */
static void print_string(GString *out, const char *s)
{
	g_string_append_c(out, '"');
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			g_string_append_printf(out, "\\%c", *c);
		else if (*c == '\n')
			g_string_append(out, "\\n");
		else if (*c == '\t')
			g_string_append(out, "\\t");
		else if (*c < 0x20 || *c >= 0x7f)
			g_string_append_printf(out, "\\x%02x", *c);
		else
			g_string_append_c(out, (char)*c);
	}
	g_string_append_c(out, '"');
}

static void print_probe(GString *out, const KpProbeSpec *p)
{
	g_string_append_printf(out, "probe %s at ", p->name);
	print_location(out, p->symbol, p->symbol ? p->offset : p->addr);
	if (p->kind == KP_PROBE_JPROBE)
		g_string_append(out, " jprobe");
	if (p->kind == KP_PROBE_KRETPROBE)
		g_string_append(out, " kretprobe");
	if (p->kind != KP_PROBE_JPROBE && !p->pre)
		g_string_append(out, " no-pre");
	if (p->post)
		g_string_append(out, " post");
	if (p->fault)
		g_string_append(out, " fault");
	if (p->brk)
		g_string_append(out, " break");
	if (p->pre_ret)
		g_string_append_printf(out, " pre-returns %d", p->pre_ret);
	if (p->fault_ret)
		g_string_append_printf(out, " fault-returns %d", p->fault_ret);
	if (p->break_ret)
		g_string_append_printf(out, " break-returns %d", p->break_ret);
	if (p->disabled)
		g_string_append(out, " disabled");
	if (p->pre_faults)
		g_string_append(out, " pre-faults");
	if (p->ret)
		g_string_append(out, " ret");
	if (p->ret_ret)
		g_string_append_printf(out, " ret-returns %d", p->ret_ret);
	if (p->clobbers_args)
		g_string_append(out, " clobbers-args");
	if (p->post_faults)
		g_string_append(out, " post-faults");
	if (p->step_faults)
		g_string_append_printf(out, " step-faults %u", p->step_faults);
	g_string_append_c(out, '\n');
}

void kp_scenario_print_operation(const KpScenario *sc, const KpOp *op, GString *out)
{
	static const char *const modules[] = {
		[KP_OP_MODULE_LOAD] = "load", [KP_OP_MODULE_LIVE] = "live",
		[KP_OP_MODULE_FAIL_INIT] = "fail-init", [KP_OP_MODULE_UNLOAD] = "unload",
	};

	switch (op->kind) {
	case KP_OP_REGISTER:
	case KP_OP_UNREGISTER:
	case KP_OP_ENABLE:
	case KP_OP_DISABLE:
		g_string_append(out, op->kind == KP_OP_REGISTER ? "register" :
				     op->kind == KP_OP_UNREGISTER ? "unregister" :
				     op->kind == KP_OP_ENABLE ? "enable" : "disable");
		for (unsigned i = 0; i < op->n; i++)
			g_string_append_printf(out, " %s", sc->script.probes[op->probes[i]].name);
		break;
	case KP_OP_SYSCTL_WRITE:
	case KP_OP_DEBUGFS_WRITE:
		g_string_append(out, op->kind == KP_OP_SYSCTL_WRITE ? "sysctl write " :
								      "debugfs write ");
		print_string(out, op->text);
		break;
	case KP_OP_SYSCTL_READ:
		g_string_append(out, "sysctl read");
		break;
	case KP_OP_DEBUGFS_READ:
		g_string_append(out, "debugfs read");
		break;
	case KP_OP_MODULE_LOAD:
	case KP_OP_MODULE_LIVE:
	case KP_OP_MODULE_FAIL_INIT:
	case KP_OP_MODULE_UNLOAD:
		g_string_append_printf(out, "module %s %s", modules[op->kind], op->text);
		break;
	case KP_OP_FREE_INITMEM:
		g_string_append(out, "free-initmem");
		break;
	case KP_OP_CPU_UP:
	case KP_OP_CPU_DOWN:
		g_string_append_printf(out, "cpu %s %ld", op->kind == KP_OP_CPU_UP ? "up" : "down",
				       op->arg);
		break;
	case KP_OP_CALL:
		g_string_append(out, "call ");
		print_location(out, op->text, op->addr);
		if (op->arg != 1)
			g_string_append_printf(out, " times %ld", op->arg);
		break;
	case KP_OP_IRQ:
		g_string_append_printf(out, "irq cpu%ld ", op->arg);
		print_location(out, op->text, op->addr);
		break;
	case KP_OP_SLEEP:
		g_string_append_printf(out, "sleep %ld", op->arg);
		break;
	case KP_OP_FAIL_NTH:
		g_string_append_printf(out, "fail-nth %ld", op->arg);
		break;
	case KP_OP_EXIT:
		g_string_append(out, "exit");
		break;
	}
}

static void print_op(GString *out, const KpScenario *sc, const KpOp *op)
{
	g_string_append(out, "    ");
	kp_scenario_print_operation(sc, op, out);
	if (op->expect != KP_NO_EXPECT)
		g_string_append_printf(out, " -> %ld", op->expect);
	g_string_append_c(out, '\n');
}

static void print_expect(GString *out, const KpScenario *sc, const KpExpectation *e)
{
	static const char *const kinds[] = { "always", "sometimes", "end" };

	g_string_append_printf(out, "expect %s ", kinds[e->kind]);
	switch (e->cond) {
	case KP_COND_NO_VIOLATION:
		g_string_append(out, "no-violation");
		break;
	case KP_COND_VIOLATION:
		g_string_append_printf(out, "violation %s", e->id);
		break;
	case KP_COND_PROBE_FIELD:
		g_string_append_printf(out, "%s.%s %s %" PRIu64, sc->script.probes[e->probe].name,
				       field_names[e->field], cmp_names[e->cmp], e->value);
		break;
	case KP_COND_TEXT_ORIGINAL:
		g_string_append(out, "text ");
		print_location(out, e->loc.symbol, e->loc.offset);
		g_string_append_printf(out, " %s original", cmp_names[e->cmp]);
		break;
	case KP_COND_TEXT_BYTES:
		g_string_append(out, "text ");
		print_location(out, e->loc.symbol, e->loc.offset);
		g_string_append(out, " ==");
		print_hex(out, e->bytes, e->n_bytes);
		break;
	case KP_COND_OPTIMIZATION:
	case KP_COND_ARMED:
		g_string_append_printf(out, "%s == %" PRIu64,
				       e->cond == KP_COND_OPTIMIZATION ? "optimization" : "armed",
				       e->value);
		break;
	case KP_COND_STOP_MACHINES:
	case KP_COND_GRACE_PERIODS:
		g_string_append_printf(out, "%s %s %" PRIu64,
				       e->cond == KP_COND_STOP_MACHINES ? "stop-machines" :
									  "grace-periods",
				       cmp_names[e->cmp], e->value);
		break;
	}
	g_string_append_c(out, '\n');
}

static void print_explore(GString *out, const KpExplore *x)
{
	switch (x->kind) {
	case KP_EXPLORE_FIRST:
		g_string_append(out, "explore first");
		break;
	case KP_EXPLORE_RANDOM:
		g_string_append_printf(out, "explore random runs %" PRIu64, x->runs);
		if (x->has_seed)
			g_string_append_printf(out, " seed %" PRIu64, x->seed);
		break;
	case KP_EXPLORE_DFS:
		g_string_append(out, "explore dfs");
		if (x->preemptions >= 0)
			g_string_append_printf(out, " preemptions %d", x->preemptions);
		if (x->runs)
			g_string_append_printf(out, " runs %" PRIu64, x->runs);
		if (x->no_reduce)
			g_string_append(out, " no-reduce");
		break;
	case KP_EXPLORE_PCT:
		g_string_append_printf(out, "explore pct runs %" PRIu64 " depth %u", x->runs,
				       x->depth);
		if (x->has_seed)
			g_string_append_printf(out, " seed %" PRIu64, x->seed);
		break;
	}
	g_string_append_c(out, '\n');
}

static void print_with_schedule(const KpScenario *sc, const char *schedule, GString *out)
{
	const KpScript *s = &sc->script;

	g_string_append_printf(out, "model %s%s\ncpus %u\n", sc->model_name,
			       sc->model_only ? " only" : "", sc->n_cpus);
	if (sc->optimize_delay != 5)
		g_string_append_printf(out, "optimize-delay %u\n", sc->optimize_delay);
	if (sc->branch_choice)
		g_string_append(out, "branches choice\n");
	if (sc->max_steps)
		g_string_append_printf(out, "max-steps %" PRIu64 "\n", sc->max_steps);
	if (sc->no_checker)
		g_string_append(out, "checker off\n");
	/* One line for the list, whatever lines gave it: parsing it gives the same order. */
	if (sc->n_allow) {
		g_string_append(out, "allow");
		for (unsigned i = 0; i < sc->n_allow; i++)
			g_string_append_printf(out, " %s", sc->allow[i]);
		g_string_append_c(out, '\n');
	}
	for (unsigned i = 0; i < sc->n_functions; i++) {
		g_string_append_printf(out, "function %s", sc->functions[i].name);
		print_hex(out, sc->functions[i].bytes, sc->functions[i].n_bytes);
		g_string_append_c(out, '\n');
	}
	for (unsigned i = 0; i < s->n_probes; i++)
		print_probe(out, &s->probes[i]);
	for (unsigned t = 0; t < s->n_tasks; t++) {
		g_string_append_printf(out, "task %s on cpu%u:\n", s->tasks[t].name,
				       s->tasks[t].cpu);
		for (unsigned i = 0; i < s->tasks[t].n_ops; i++)
			print_op(out, sc, &s->tasks[t].ops[i]);
	}
	for (unsigned i = 0; i < sc->n_expects; i++)
		print_expect(out, sc, &sc->expects[i]);
	if (sc->explore.line)
		print_explore(out, &sc->explore);
	if (schedule)
		g_string_append_printf(out, "schedule %s\n", schedule);
}

char *kp_scenario_to_text(const KpScenario *sc)
{
	return kp_scenario_to_text_with_schedule(sc, sc->schedule);
}

char *kp_scenario_to_text_with_schedule(const KpScenario *sc, const char *schedule)
{
	GString *out = g_string_new(NULL);

	print_with_schedule(sc, schedule, out);
	return g_string_free(out, FALSE);
}
