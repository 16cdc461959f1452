// SPDX-License-Identifier: GPL-2.0-only
#include "model/script.h"

#include "model/check.h"
#include "model/kernel/kernel.h"
#include "sim/timer.h"

#include <assert.h>
#include <stdio.h>

#define KP_SCRIPT_ERROR (g_quark_from_static_string("kp-script-error"))

typedef struct {
	KpScriptRun *run;
	unsigned task;
} TaskArg;

static unsigned long resolve(KpScriptRun *run, const KpOp *op)
{
	EmuTextSymbol sym;

	if (!op->text)
		return op->addr;
	if (!emu_text_symbol_by_name(run->env->text, op->text, &sym))
		return 0;
	return sym.addr + op->addr;
}

static long run_op(KpScriptRun *run, const KpOp *op)
{
	KpWorld *w = &run->world;
	KpProbe *ps[KP_OP_MAX_PROBES];

	for (unsigned i = 0; i < op->n; i++)
		ps[i] = &run->probes[op->probes[i]];
	switch (op->kind) {
	case KP_OP_REGISTER:
		return kp_api_register(w, ps, (int)op->n);
	case KP_OP_UNREGISTER:
		kp_api_unregister(w, ps, (int)op->n);
		return 0;
	case KP_OP_ENABLE:
		return kp_api_enable(w, ps[0]);
	case KP_OP_DISABLE:
		return kp_api_disable(w, ps[0]);
	case KP_OP_SYSCTL_WRITE:
		return kp_api_sysctl_write(w, op->text);
	case KP_OP_SYSCTL_READ:
		return kp_api_sysctl_read(w);
	case KP_OP_DEBUGFS_WRITE:
		return kp_api_debugfs_write(w, op->text);
	case KP_OP_DEBUGFS_READ:
		return kp_api_debugfs_read(w);
	case KP_OP_MODULE_LOAD:
		return kp_api_module_load(w, op->text);
	case KP_OP_MODULE_LIVE:
		return kp_api_module_live(w, op->text);
	case KP_OP_MODULE_FAIL_INIT:
		return kp_api_module_fail_init(w, op->text);
	case KP_OP_MODULE_UNLOAD:
		return kp_api_module_unload(w, op->text);
	case KP_OP_FREE_INITMEM:
		kp_api_free_initmem(w);
		return 0;
	case KP_OP_CPU_UP:
		return kp_api_cpu_up(w, (unsigned)op->arg);
	case KP_OP_CPU_DOWN:
		return kp_api_cpu_down(w, (unsigned)op->arg);
	case KP_OP_CALL:
		kp_api_call(w, resolve(run, op), (unsigned)op->arg);
		return 0;
	case KP_OP_IRQ:
		return emu_cpu_raise_irq(run->env->machine, (unsigned)op->arg, resolve(run, op))
			       ? 0 : -EBUSY;
	case KP_OP_SLEEP:
		sim_sleep(run->env->ctx, (uint64_t)op->arg);
		return 0;
	case KP_OP_FAIL_NTH:
		sim_fail_nth_set(run->env->ctx, (unsigned)op->arg);
		return 0;
	case KP_OP_EXIT:
		run->env->model->task_exit(run->env);
		return 0;
	}
	assert(!"unknown op");
	return 0;
}

static const char *const op_names[] = {
	[KP_OP_REGISTER] = "register",	[KP_OP_UNREGISTER] = "unregister",
	[KP_OP_ENABLE] = "enable",	[KP_OP_DISABLE] = "disable",
	[KP_OP_SYSCTL_WRITE] = "sysctl write", [KP_OP_SYSCTL_READ] = "sysctl read",
	[KP_OP_DEBUGFS_WRITE] = "debugfs write", [KP_OP_DEBUGFS_READ] = "debugfs read",
	[KP_OP_MODULE_LOAD] = "module load", [KP_OP_MODULE_LIVE] = "module live",
	[KP_OP_MODULE_FAIL_INIT] = "module fail-init", [KP_OP_MODULE_UNLOAD] = "module unload",
	[KP_OP_FREE_INITMEM] = "free-initmem", [KP_OP_CPU_UP] = "cpu up",
	[KP_OP_CPU_DOWN] = "cpu down",	[KP_OP_CALL] = "call",
	[KP_OP_IRQ] = "irq",		[KP_OP_SLEEP] = "sleep",
	[KP_OP_FAIL_NTH] = "fail-nth",	[KP_OP_EXIT] = "exit",
};

/*
 * What the stretch after an operation boundary touches, up to the operation's first
 * decision point: for a call, a sleep, an IRQ raised, fail-nth and a task's exit, only
 * the task's own state and its vCPU's (the emulated call sets its vCPU up and stops at
 * the first instruction; sleep, the IRQ and the exit's first lock each begin with a
 * decision point of their own; fail-nth sets a field of the task).  Those boundaries
 * declare a write of the vCPU.  The other operations keep the empty footprint, which
 * makes the boundary dependent with everything: the checker's bookkeeping of an API call
 * (docs/explore.md, Dependence) is read by steps of other tasks that do not declare it.
 */
static const SimFootprint *op_footprint(SimCtx *ctx, const KpOp *op, SimFootprint *buf)
{
	switch (op->kind) {
	case KP_OP_CALL:
	case KP_OP_SLEEP:
	case KP_OP_IRQ:
	case KP_OP_FAIL_NTH:
	case KP_OP_EXIT:
		*buf = sim_fp1(SIM_RES_VCPU, SIM_ACC_WRITE, sim_task_vcpu(sim_current(ctx)));
		return buf;
	default:
		return &sim_fp_none;
	}
}

static void script_task(SimCtx *ctx, void *arg)
{
	TaskArg *ta = arg;
	KpScriptRun *run = ta->run;
	const KpScriptTask *st = &run->script->tasks[ta->task];

	for (unsigned i = 0; i < st->n_ops; i++) {
		const KpOp *op = &st->ops[i];
		long ret;

		SimCosts before;
		SimFootprint fp;

		/* A new operation starts from user space. */
		sim_yield(ctx, SIM_Y_OP, op_footprint(ctx, op, &fp));
		before = *sim_task_costs(sim_current(ctx));
		/* A violation found while this operation runs names it as its cause. */
		sim_task_set_activity(ctx, op_names[op->kind]);
		ret = run_op(run, op);
		run->results[run->result_base[ta->task] + i] = ret;
		run->op_costs[run->result_base[ta->task] + i] =
			sim_costs_sub(sim_task_costs(sim_current(ctx)), &before);
		if (op->expect != KP_NO_EXPECT && ret != op->expect) {
			run->failed_task = (int)ta->task;
			run->failed_op = (int)i;
			sim_fail(ctx, SIM_V_INVARIANT, "expect", op_names[op->kind],
				 "task %s: %s returned %ld, expected %ld", st->name,
				 op_names[op->kind], ret, op->expect);
		}
		sim_quiescent_point(ctx);
	}
}

static bool setup(KpScriptRun *run, SimCtx *ctx, const KpScript *script, EmuText *text,
		  GError **error)
{
	unsigned total = 0;
	TaskArg *args;

	run->script = script;
	run->failed_task = -1;
	run->failed_op = -1;
	sim_ctx_enter(ctx);
	run->env = kp_env_new_on(ctx, emu_default_image(), script->model, text);
	run->env->optimize_delay = script->optimize_delay;
	if (script->prepare && !script->prepare(run->env, script->prepare_user, error)) {
		sim_ctx_leave(ctx);
		return false;
	}
	if (script->branch_choice)
		emu_machine_set_branch_policy(run->env->machine, EMU_BRANCH_CHOICE,
					      EMU_DEFAULT_BACKWARD_TAKEN);
	run->env->n_probes = script->n_probes;
	script->model->init(run->env);
	run->probes = g_new0(KpProbe, script->n_probes ? script->n_probes : 1);
	run->probe_ptrs = g_new0(KpProbe *, script->n_probes ? script->n_probes : 1);
	for (unsigned i = 0; i < script->n_probes; i++) {
		run->probes[i] = (KpProbe){
			.spec = script->probes[i],
			.id = i,
			.step_faults_left = script->probes[i].step_faults,
		};
		run->probe_ptrs[i] = &run->probes[i];
		if (script->probes[i].symbol) {
			EmuTextSymbol sym;

			if (!emu_text_symbol_by_name(run->env->text, script->probes[i].symbol,
						     &sym)) {
				g_set_error(error, KP_SCRIPT_ERROR, 1, "probe %s: no symbol %s",
					    script->probes[i].name, script->probes[i].symbol);
				sim_ctx_leave(ctx);
				return false;
			}
		}
	}
	for (unsigned t = 0; t < script->n_tasks; t++) {
		for (unsigned i = 0; i < script->tasks[t].n_ops; i++) {
			const KpOp *op = &script->tasks[t].ops[i];
			EmuTextSymbol sym;

			if ((op->kind != KP_OP_CALL && op->kind != KP_OP_IRQ) || !op->text)
				continue;
			/*
			 * The scenario parser refuses an unknown name at its line and column;
			 * what reaches this check is a script built directly, with no file to
			 * point into: the message names the task and the operation (counted
			 * from 1), as the probe's above names the probe.
			 */
			if (!emu_text_symbol_by_name(run->env->text, op->text, &sym)) {
				g_set_error(error, KP_SCRIPT_ERROR, 1,
					    "task %s, operation %u (%s): no symbol %s",
					    script->tasks[t].name, i + 1, op_names[op->kind],
					    op->text);
				sim_ctx_leave(ctx);
				return false;
			}
		}
	}
	kp_world_init(&run->world, run->env, run->probe_ptrs, script->n_probes);
	/*
	 * Leaks are the checker's to judge: it knows what the kernel keeps on purpose (the
	 * last slot page, the objects of probes still registered).  The engine cannot.
	 */
	sim_alloc_set_leak_check(ctx, false);
	if (script->check) {
		kp_check_install(&run->world);
	} else if (script->check_hits) {
		kp_hits_install(&run->world);
	}
	for (unsigned t = 0; t < script->n_tasks; t++)
		total += script->tasks[t].n_ops;
	run->results = g_new(long, total ? total : 1);
	run->op_costs = g_new0(SimCosts, total ? total : 1);
	run->result_base = g_new0(unsigned, script->n_tasks ? script->n_tasks : 1);
	args = g_new0(TaskArg, script->n_tasks ? script->n_tasks : 1);
	total = 0;
	for (unsigned t = 0; t < script->n_tasks; t++) {
		SimFootprint start;
		SimTask *task;

		run->result_base[t] = total;
		for (unsigned i = 0; i < script->tasks[t].n_ops; i++)
			run->results[total + i] = KP_NO_EXPECT;
		total += script->tasks[t].n_ops;
		args[t] = (TaskArg){ run, t };
		task = sim_task_create(ctx, script->tasks[t].name, script->tasks[t].cpu,
				       script_task, &args[t], 0);
		/* Up to its first operation boundary it runs only its own code (script_task). */
		start = sim_fp1(SIM_RES_VCPU, SIM_ACC_WRITE, script->tasks[t].cpu);
		sim_task_declare_start(task, &start);
	}
	run->task_args = args;
	sim_ctx_leave(ctx);
	return true;
}

/* Release the run; its text segment goes to *keep when given, else with the run. */
static void release(KpScriptRun *run, EmuText **keep)
{
	EmuText *text;

	if (!run->env)
		return;
	kp_world_fini(&run->world);
	text = kp_env_free_keep_text(run->env);
	if (keep)
		*keep = text;
	else
		emu_text_free(text);
	g_free(run->probes);
	g_free(run->probe_ptrs);
	g_free(run->results);
	g_free(run->op_costs);
	g_free(run->result_base);
	g_free(run->task_args);
	memset(run, 0, sizeof(*run));
}

void kp_script_release(KpScriptRun *run)
{
	release(run, NULL);
}

SimEnd kp_script_run(SimCtx *ctx, const KpScript *script, SimStrategy *strategy,
		     KpScriptRun *run, GError **error)
{
	EmuText *text = NULL;
	SimEnd end;

	assert(script->n_cpus == sim_n_vcpus(ctx));
	assert(script->n_probes <= KP_MAX_PROBES);
	/* The last run's text segment is reset rather than built again from the image. */
	release(run, &text);
	sim_ctx_reset(ctx);
	if (!setup(run, ctx, script, text, error))
		return SIM_END_NONE;
	end = sim_run(ctx, strategy);
	if (end == SIM_END_DONE && script->check) {
		sim_ctx_enter(ctx);
		kp_check_quiescence(&run->world);
		sim_ctx_leave(ctx);
		end = sim_run_end(ctx);
	}
	return end;
}

long kp_script_result(const KpScriptRun *run, unsigned task, unsigned op)
{
	assert(task < run->script->n_tasks && op < run->script->tasks[task].n_ops);
	return run->results[run->result_base[task] + op];
}

const SimCosts *kp_script_op_costs(const KpScriptRun *run, unsigned task, unsigned op)
{
	assert(task < run->script->n_tasks && op < run->script->tasks[task].n_ops);
	return &run->op_costs[run->result_base[task] + op];
}
