// SPDX-License-Identifier: GPL-2.0-only
/*
 * `kpsim demo`: a small workload shaped like the kprobes optimizer, run on the engine
 * alone.  An API task queues delayed work under a mutex and waits for it; the worker takes
 * two mutexes, waits for a grace period and patches under stop_machine; a third task runs
 * "kernel code" on another vCPU between scheduling points.
 */
#include "sim/completion.h"
#include "sim/ctx.h"
#include "sim/hotplug.h"
#include "sim/mutex.h"
#include "sim/rcu.h"
#include "sim/schedule.h"
#include "sim/stop_machine.h"
#include "sim/strategy.h"
#include "sim/timer.h"
#include "sim/trace.h"
#include "sim/violation.h"
#include "sim/workqueue.h"
#include "tools/commands.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

typedef struct {
	SimMutex module_mutex;
	SimMutex kprobe_mutex;
	SimMutex text_mutex;
	SimDelayedWork optimizing_work;
	SimCompletion optimizer_comp;
	int patched;
	int calls;
} Demo;

static Demo *demo_of(SimCtx *ctx)
{
	return sim_ctx_user(ctx);
}

static int patch_fn(SimCtx *ctx, void *data)
{
	Demo *d = data;

	SIM_TRACE(ctx, SIM_EV_USER, "text_poke", "demo_fn", 0xffffffff81000000ll, 5, 0);
	d->patched++;
	return 0;
}

static void optimizer(SimCtx *ctx, SimWork *w)
{
	Demo *d = demo_of(ctx);

	(void)w;
	sim_mutex_lock(ctx, &d->module_mutex);
	sim_mutex_lock(ctx, &d->kprobe_mutex);
	sim_synchronize_sched(ctx);
	sim_get_online_cpus(ctx);
	sim_mutex_lock(ctx, &d->text_mutex);
	sim_stop_machine(ctx, patch_fn, d);
	sim_mutex_unlock(ctx, &d->text_mutex);
	sim_put_online_cpus(ctx);
	sim_mutex_unlock(ctx, &d->kprobe_mutex);
	sim_mutex_unlock(ctx, &d->module_mutex);
	sim_complete_all(ctx, &d->optimizer_comp);
}

static void api_task(SimCtx *ctx, void *arg)
{
	Demo *d = demo_of(ctx);

	(void)arg;
	sim_mutex_lock(ctx, &d->kprobe_mutex);
	sim_schedule_delayed_work(ctx, &d->optimizing_work, 5);
	sim_mutex_unlock(ctx, &d->kprobe_mutex);
	sim_quiescent_point(ctx);
	if (sim_delayed_work_pending(&d->optimizing_work))
		sim_wait_for_completion(ctx, &d->optimizer_comp);
}

static void caller_task(SimCtx *ctx, void *arg)
{
	Demo *d = demo_of(ctx);
	SimFootprint fp = sim_fp1(SIM_RES_OBJ, SIM_ACC_READ, 1);

	(void)arg;
	for (int i = 0; i < 3; i++) {
		/* A "call": two steps of kernel code, then a return to user space. */
		sim_yield(ctx, SIM_Y_OP, &fp);
		d->calls++;
		sim_yield(ctx, SIM_Y_OP, &fp);
		sim_quiescent_point(ctx);
	}
}

static void demo_setup(SimCtx *ctx, Demo *d)
{
	memset(d, 0, sizeof(*d));
	sim_ctx_set_user(ctx, d);
	sim_mutex_init(ctx, &d->module_mutex, "module_mutex");
	sim_mutex_init(ctx, &d->kprobe_mutex, "kprobe_mutex");
	sim_mutex_init(ctx, &d->text_mutex, "text_mutex");
	sim_delayed_work_init(ctx, &d->optimizing_work, "optimizing_work", optimizer);
	sim_completion_init(ctx, &d->optimizer_comp, "optimizer_comp");
	sim_task_create(ctx, "api", 0, api_task, NULL, 0);
	sim_task_create(ctx, "caller", 1, caller_task, NULL, 0);
}

int kp_cmd_demo(int argc, char **argv)
{
	g_autoptr(GOptionContext) oc = g_option_context_new("- run the engine demo workload");
	g_autoptr(GError) err = NULL;
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
	Demo demo;
	SimEnd end;
	g_autofree char *sched_str = NULL;
	int rc = KP_EXIT_PASS;

	g_option_context_add_main_entries(oc, entries, NULL);
	g_option_context_set_description(
		oc, "Prints the structured trace of one run, then its schedule; replaying the\n"
		    "schedule with --schedule reproduces the run exactly.\n");
	if (!g_option_context_parse(oc, &argc, &argv, &err)) {
		fprintf(stderr, "kpsim demo: %s\n", err->message);
		return KP_EXIT_USAGE;
	}
	if (argc > 1) {
		fprintf(stderr, "kpsim demo: unexpected argument '%s'\n", argv[1]);
		return KP_EXIT_USAGE;
	}
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
	demo_setup(ctx, &demo);
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
