// SPDX-License-Identifier: GPL-2.0-only
/* `kpsim demo`: the engine alone, running tools/demo_workload.c, with its trace. */
#include "sim/ctx.h"
#include "sim/rcu.h"
#include "sim/schedule.h"
#include "sim/stop_machine.h"
#include "sim/strategy.h"
#include "sim/trace.h"
#include "sim/violation.h"
#include "tools/cli/commands.h"
#include "tools/cli/demo_workload.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

/* What `kpsim demo --help` says after the options. */
static const char demo_help[] =
	"Prints the structured trace of one run, then its schedule; replaying the\n"
	"schedule with --schedule reproduces the run exactly.\n";

int kp_cmd_demo(int argc, char **argv)
{
	g_autofree char *trace = NULL;
	g_autofree char *schedule = NULL;
	gint64 seed = -1;
	GOptionEntry entries[] = {
		{ "seed", 's', 0, G_OPTION_ARG_INT64, &seed,
		  "random schedule from this seed (default: the first strategy)", "S" },
		{ "schedule", 0, 0, G_OPTION_ARG_STRING, &schedule,
		  "replay this schedule (as printed at the end of a run)", "S1:..." },
		{ "trace", 't', 0, G_OPTION_ARG_STRING, &trace,
		  "trace format: text (default), json (JSON lines), perfetto", "FORMAT" },
		{ NULL },
	};
	SimConfig cfg = { .n_vcpus = 2, .trace = true };
	SimStrategy *strategy;
	SimCtx *ctx;
	KpDemo demo;
	SimEnd end;
	g_autofree char *sched_str = NULL;
	int rc = KP_EXIT_PASS;

	if (!kp_cli_parse("demo", "- run the engine demo workload",
			  demo_help, entries, &argc, &argv))
		return KP_EXIT_USAGE;
	if (!kp_cli_no_arguments("demo", argc, argv))
		return KP_EXIT_USAGE;
	if (trace && strcmp(trace, "text") && strcmp(trace, "json") && strcmp(trace, "perfetto")) {
		fprintf(stderr, "kpsim demo: unknown trace format '%s' (text, json, perfetto)\n",
			trace);
		return KP_EXIT_USAGE;
	}
	if (schedule) {
		size_t pos = 0;

		strategy = sim_strategy_replay_new(schedule, &pos);
		if (!strategy) {
			fprintf(stderr, "kpsim demo: --schedule:%zu: not a schedule\n", pos + 1);
			return KP_EXIT_USAGE;
		}
	} else if (seed >= 0) {
		strategy = sim_strategy_random_new((uint64_t)seed);
	} else {
		strategy = sim_strategy_first_new();
	}
	ctx = sim_ctx_new(&cfg);
	kp_demo_setup(ctx, &demo);
	end = sim_run(ctx, strategy);
	if (!trace || !strcmp(trace, "text"))
		sim_trace_write_text(ctx, stdout, 0);
	else if (!strcmp(trace, "json"))
		sim_trace_write_jsonl(ctx, stdout);
	else
		sim_trace_write_perfetto(ctx, stdout);
	sched_str = sim_schedule_string(ctx);
	fprintf(stderr, "demo: %s after %llu decisions, jiffies %llu, %llu stop_machine, "
			"%llu grace periods, %d patch\nschedule: %s\n",
		sim_end_name(end), (unsigned long long)sim_step(ctx),
		(unsigned long long)sim_jiffies(ctx),
		(unsigned long long)sim_stop_machine_count(ctx),
		(unsigned long long)sim_rcu_completed(ctx), demo.patched, sched_str);
	for (size_t i = 0; i < sim_violation_count(ctx); i++) {
		const SimViolation *v = sim_violation_get(ctx, i);

		fprintf(stderr, "violation %s [%s] at step %llu: %s\n", v->id,
			sim_violation_kind_name(v->kind), (unsigned long long)v->step, v->message);
		rc = KP_EXIT_FAIL;
	}
	if (end == SIM_END_DIVERGED) {
		fprintf(stderr, "kpsim demo: the schedule does not fit this workload\n");
		rc = KP_EXIT_USAGE;
	} else if (end != SIM_END_DONE) {
		rc = KP_EXIT_FAIL;
	}
	sim_ctx_free(ctx);
	sim_strategy_free(strategy);
	return rc;
}
