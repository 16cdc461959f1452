/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A script: probes, and tasks bound to vCPUs that run operations one after the other
 * (register, disable, call a function, unload a module, write the sysctl, ...), each with
 * an optional expected return value.  The scenario language compiles to this; unit tests
 * build scripts directly.  Running a script is one run of the engine: set it up on a
 * reset context, run it under a strategy, then judge the end state.
 */
#ifndef KPSIM_MODEL_SCRIPT_H
#define KPSIM_MODEL_SCRIPT_H

#include "model/api.h"
#include "sim/costs.h"
#include "sim/ctx.h"
#include "sim/strategy.h"

typedef enum {
	KP_OP_REGISTER,		/* probes[0..n): one call, batched if n > 1 */
	KP_OP_UNREGISTER,
	KP_OP_ENABLE,
	KP_OP_DISABLE,
	KP_OP_SYSCTL_WRITE,	/* text */
	KP_OP_SYSCTL_READ,
	KP_OP_DEBUGFS_WRITE,	/* text */
	KP_OP_DEBUGFS_READ,
	KP_OP_MODULE_LOAD,	/* text = module name */
	KP_OP_MODULE_LIVE,
	KP_OP_MODULE_FAIL_INIT,
	KP_OP_MODULE_UNLOAD,
	KP_OP_FREE_INITMEM,
	KP_OP_CPU_UP,		/* arg = cpu */
	KP_OP_CPU_DOWN,
	KP_OP_CALL,		/* text = symbol (or addr), arg = times */
	KP_OP_IRQ,		/* arg = cpu, text = handler symbol */
	KP_OP_SLEEP,		/* arg = jiffies */
	KP_OP_FAIL_NTH,		/* arg = n: the task's n-th allocation from now fails */
	KP_OP_EXIT,		/* the task dies: kprobe_flush_task(); its last operation */
} KpOpKind;

/* A batch can name every probe of the script. */
#define KP_OP_MAX_PROBES KP_MAX_PROBES
#define KP_NO_EXPECT (-100000)

typedef struct {
	KpOpKind kind;
	unsigned n;			/* probes used */
	const unsigned *probes;		/* n indices into the script's probes (its builder's) */
	const char *text;
	unsigned long addr;
	long arg;
	long expect;			/* KP_NO_EXPECT: any */
	int line;			/* where it came from (scenario line), 0 if none */
} KpOp;

typedef struct {
	const char *name;
	unsigned cpu;
	KpOp *ops;
	unsigned n_ops;
} KpScriptTask;

typedef struct {
	const KpModel *model;
	unsigned n_cpus;
	unsigned optimize_delay;	/* 0: the kernel's 5 jiffies */
	bool branch_choice;		/* conditional branches are scheduler choices */
	KpProbeSpec *probes;
	unsigned n_probes;
	KpScriptTask *tasks;
	unsigned n_tasks;
	bool check;			/* install the invariant checker */
	/* Called with the new environment before the port boots (scenario functions). */
	bool (*prepare)(KpEnv *env, void *user, GError **error);
	void *prepare_user;
	bool check_hits;		/* without the checker: still count hits (H2) */
} KpScript;

/* One run of a script: the state it needs while running and afterwards. */
typedef struct {
	const KpScript *script;
	KpEnv *env;
	KpWorld world;
	KpProbe *probes;	/* script->n_probes of them */
	KpProbe **probe_ptrs;
	/* Return values seen, per task and op (for expectations and reports). */
	long *results;
	/* What each op cost its task (zero for ops that did not run). */
	SimCosts *op_costs;
	unsigned *result_base;
	/* The first expectation that failed (also reported as a violation). */
	int failed_task, failed_op;
	void *task_args;
} KpScriptRun;

/*
 * One run: release the previous run's state, reset the context, boot the port, create
 * the probes and tasks, run under `strategy`, and judge a completed run at quiescence.
 * The run's state stays inspectable until the next call or kp_script_release().
 * Returns SIM_END_NONE (with *error) when the script does not fit the image (an unknown
 * symbol, a module that does not exist).  `run` must start zeroed.
 */
SimEnd kp_script_run(SimCtx *ctx, const KpScript *script, SimStrategy *strategy,
		     KpScriptRun *run, GError **error);
void kp_script_release(KpScriptRun *run);

/* The return value op `op` of task `task` produced in the last run (KP_NO_EXPECT if none). */
long kp_script_result(const KpScriptRun *run, unsigned task, unsigned op);
/* What that op cost its task: the engine's counters around the call. */
const SimCosts *kp_script_op_costs(const KpScriptRun *run, unsigned task, unsigned op);

#endif
