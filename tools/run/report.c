// SPDX-License-Identifier: GPL-2.0-only
#include "tools/run/run.h"

#include "sim/rcu.h"
#include "sim/schedule.h"
#include "sim/stop_machine.h"
#include "tools/scenario/scenario.h"

#include <inttypes.h>
#include <string.h>

static char *operation_text(const KpScenario *sc, const KpOp *op)
{
	GString *s = g_string_new(NULL);

	kp_scenario_print_operation(sc, op, s);
	return g_string_free(s, FALSE);
}

static void report_probe(const KpScriptRun *run, unsigned i, KpProbeReport *out)
{
	const KpProbe *p = &run->probes[i];
	const KpModel *m = run->env->model;
	uint8_t orig[KP_REPORT_TEXT];

	*out = (KpProbeReport){
		.name = p->spec.name,
		.addr = p->spec.addr,
		.flags = m->probe_flags(p),
		.hits = p->pre_calls,
		.nmissed = m->probe_nmissed(p),
	};
	if (p->spec.symbol) {
		EmuTextSymbol sym;

		out->addr = emu_text_symbol_by_name(run->env->text, p->spec.symbol, &sym)
				    ? sym.addr + p->spec.offset : 0;
	}
	if (out->addr && emu_text_read(run->env->text, out->addr, out->text, KP_REPORT_TEXT) &&
	    emu_text_read_orig(run->env->text, out->addr, orig, KP_REPORT_TEXT)) {
		out->text_known = true;
		out->text_original = !memcmp(out->text, orig, KP_REPORT_TEXT);
	}
}

bool kp_exec_report(const KpScenario *sc, const char *schedule, KpExecReport *out,
		    GError **error)
{
	g_autoptr(GString) why = g_string_new(NULL);
	const char *sched = schedule ? schedule : sc->schedule;
	SimStrategy *strategy = sched ? sim_strategy_replay_new(sched, NULL)
				      : sim_strategy_first_new();
	const KpScriptRun *run;
	KpSnapshot *snap;
	SimCtx *ctx;
	KpExec *x;

	memset(out, 0, sizeof(*out));
	out->model = sc->script.model->name;
	if (!strategy) {
		g_set_error(error, KP_SCENARIO_ERROR, KP_SCENARIO_ERROR_PARSE,
			    "not a schedule: %s", sched);
		return false;
	}
	x = kp_exec_new(sc);
	out->end = kp_exec_run(x, strategy, error);
	sim_strategy_free(strategy);
	if (out->end == SIM_END_NONE || out->end == SIM_END_DIVERGED) {
		if (out->end == SIM_END_DIVERGED) {
			g_autofree char *misfit = kp_schedule_misfit(sc, schedule);

			g_set_error(error, KP_SCENARIO_ERROR, KP_SCENARIO_ERROR_PARSE, "%s", misfit);
		}
		kp_exec_free(x);
		return false;
	}
	if (out->end == SIM_END_STOPPED)
		out->verdict = g_strdup("stopped");
	else if (kp_exec_judge(x, why, NULL))
		out->verdict = g_strdup("pass");
	else
		out->verdict = g_strdup_printf("FAIL %s", why->str);
	ctx = kp_exec_ctx(x);
	run = kp_exec_script_run(x);
	out->schedule = sim_schedule_string(ctx);
	out->steps = sim_step(ctx);
	out->jiffies = sim_jiffies(ctx);
	out->stop_machines = sim_stop_machine_count(ctx);
	out->grace_periods = sim_rcu_completed(ctx);
	snap = g_malloc(sizeof(KpSnapshot));	/* the port resets what it fills */
	sim_ctx_enter(ctx);
	run->env->model->snapshot(run->env, snap);
	sim_ctx_leave(ctx);
	out->optimization = snap->allow_optimization;
	out->armed = !snap->all_disarmed;
	g_free(snap);

	out->ops = g_array_new(FALSE, TRUE, sizeof(KpOpReport));
	for (unsigned t = 0; t < sc->script.n_tasks; t++) {
		const KpScriptTask *st = &sc->script.tasks[t];

		for (unsigned i = 0; i < st->n_ops; i++) {
			KpOpReport r = {
				.task = st->name,
				.op = i,
				.line = st->ops[i].line,
				.what = operation_text(sc, &st->ops[i]),
				.ret = kp_script_result(run, t, i),
				.costs = *kp_script_op_costs(run, t, i),
			};

			g_array_append_val(out->ops, r);
		}
	}
	out->actors = g_array_new(FALSE, TRUE, sizeof(KpActorReport));
	for (unsigned id = 0; id < sim_task_count(ctx); id++) {
		const SimTask *t = sim_task_by_id(ctx, id);
		KpActorReport a = {
			.name = g_strdup(sim_task_name(t)),
			.costs = *sim_task_costs(t),
		};

		for (unsigned s = 0; s < sc->script.n_tasks; s++)
			a.scenario |= !strcmp(sc->script.tasks[s].name, a.name);
		sim_costs_add(a.scenario ? &out->scenario_total : &out->kernel_total, &a.costs);
		g_array_append_val(out->actors, a);
	}
	out->probes = g_array_new(FALSE, TRUE, sizeof(KpProbeReport));
	g_array_set_size(out->probes, sc->script.n_probes);
	for (unsigned i = 0; i < sc->script.n_probes; i++)
		report_probe(run, i, &g_array_index(out->probes, KpProbeReport, i));
	kp_exec_free(x);
	return true;
}

void kp_exec_report_clear(KpExecReport *r)
{
	if (r->ops)
		for (unsigned i = 0; i < r->ops->len; i++)
			g_free(g_array_index(r->ops, KpOpReport, i).what);
	if (r->actors)
		for (unsigned i = 0; i < r->actors->len; i++)
			g_free(g_array_index(r->actors, KpActorReport, i).name);
	if (r->ops)
		g_array_free(r->ops, TRUE);
	if (r->actors)
		g_array_free(r->actors, TRUE);
	if (r->probes)
		g_array_free(r->probes, TRUE);
	g_free(r->verdict);
	g_free(r->schedule);
	memset(r, 0, sizeof(*r));
}

static void print_cost_cells(const SimCosts *c, FILE *out)
{
	fprintf(out, " %5" PRIu64 " %5" PRIu64 " %6" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n",
		c->stop_machines, c->grace_periods, c->text_bytes, c->blocked_jiffies,
		c->blocked_steps);
}

void kp_exec_report_print_costs(const KpExecReport *r, FILE *out)
{
	fprintf(out, "  costs (model %s, one execution: %s)\n", r->model, r->schedule);
	fprintf(out, "  %-10s %5s  %-28s %6s %5s %5s %6s %8s %8s\n", "task", "line", "operation",
		"ret", "stop", "gp", "text", "blk-jif", "blk-step");
	for (unsigned i = 0; i < r->ops->len; i++) {
		const KpOpReport *o = &g_array_index(r->ops, KpOpReport, i);

		fprintf(out, "  %-10s %5d  %-28s ", o->task, o->line, o->what);
		if (o->ret == KP_NO_EXPECT)
			fprintf(out, "%6s", "-");
		else
			fprintf(out, "%6ld", o->ret);
		print_cost_cells(&o->costs, out);
	}
	fprintf(out, "  %-10s %5s  %-28s %6s", "actor", "", "", "");
	fprintf(out, " %5s %5s %6s %8s %8s\n", "stop", "gp", "text", "blk-jif", "blk-step");
	for (unsigned i = 0; i < r->actors->len; i++) {
		const KpActorReport *a = &g_array_index(r->actors, KpActorReport, i);

		fprintf(out, "  %-10s %5s  %-28s %6s", a->name, "", a->scenario ? "" : "(kernel)",
			"");
		print_cost_cells(&a->costs, out);
	}
	fprintf(out, "  %-10s %5s  %-28s %6s", "total", "", "", "");
	{
		SimCosts all = r->scenario_total;

		sim_costs_add(&all, &r->kernel_total);
		print_cost_cells(&all, out);
	}
}

void kp_print_transitions(const KpTransitions *tr, FILE *out)
{
	unsigned missing = 0, expected = 0;

	fprintf(out, "probe state transitions (rows: from, columns: to; * = a transition of "
		     "docs/states.md never seen):\n%-13s", "");
	for (unsigned b = 0; b < KP_ST_COUNT; b++)
		fprintf(out, " %12s", kp_state_name(b));
	fprintf(out, "\n");
	for (unsigned a = 0; a < KP_ST_COUNT; a++) {
		fprintf(out, "%-13s", kp_state_name(a));
		for (unsigned b = 0; b < KP_ST_COUNT; b++) {
			bool want = kp_transition_expected(a, b);

			if (tr->count[a][b])
				fprintf(out, " %12llu", (unsigned long long)tr->count[a][b]);
			else if (kp_transition_after_violation(a, b))
				fprintf(out, " %12s", "v");
			else
				fprintf(out, " %12s", want ? "*" : (a == b ? "-" : "."));
			expected += want;
			missing += want && !tr->count[a][b];
		}
		fprintf(out, "\n");
	}
	fprintf(out, "state-machine transitions seen: %u of %u (docs/states.md; v: one more, "
		     "reachable only after a violation)\n", expected - missing, expected);
	for (unsigned a = 0; a < KP_ST_COUNT; a++)
		for (unsigned b = 0; b < KP_ST_COUNT; b++)
			if (tr->count[a][b] && !kp_transition_expected(a, b) &&
			    !kp_transition_after_violation(a, b) && a != b)
				fprintf(out, "also seen, %s: %s -> %s (%llu)\n",
					kp_transition_parent(a, b)
						? "of 6274de4^ (the jump removed at once)"
						: "not in docs/states.md",
					kp_state_name(a), kp_state_name(b),
					(unsigned long long)tr->count[a][b]);
}
