/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The per-run context: vCPUs, tasks, the scheduler and its decision points.
 *
 * A run is one execution of a set of tasks under one strategy.  A context is created once
 * and reset between runs; resetting keeps the task stacks and buffers, which is what makes
 * a run cheap.  Everything a run can change lives in its context: no engine function keeps
 * state anywhere else.
 */
#ifndef KPSIM_SIM_CTX_H
#define KPSIM_SIM_CTX_H

#include "sim/footprint.h"
#include "sim/types.h"

typedef struct {
	unsigned n_vcpus;	/* 1 .. SIM_MAX_VCPUS */
	uint64_t max_steps;	/* decisions before the run is reported as a livelock; 0 = 1e7 */
	size_t stack_size;	/* per task; 0 = 256 KiB */
	bool trace;		/* record the structured event log */
} SimConfig;

/* Why a decision point was reached; names are in sim_reason_name(). */
typedef enum {
	SIM_Y_START,		/* a task's first step */
	SIM_Y_LOCK,
	SIM_Y_UNLOCK,
	SIM_Y_WAIT,		/* completion wait */
	SIM_Y_COMPLETE,
	SIM_Y_RCU_SYNC,
	SIM_Y_STOP_MACHINE,
	SIM_Y_HOTPLUG,
	SIM_Y_TIMER,		/* arming a timer or delayed work */
	SIM_Y_SLEEP,
	SIM_Y_WORK_START,	/* a worker about to clear PENDING and call the function */
	SIM_Y_WORK_END,
	SIM_Y_QS,		/* a quiescent point (cond_resched, return to user) */
	SIM_Y_ALLOC,
	SIM_Y_LOAD,		/* a read of state lock-free readers share */
	SIM_Y_STORE,		/* a store lock-free readers observe */
	SIM_Y_TEXT_POKE,
	SIM_Y_INSN,		/* one emulated instruction */
	SIM_Y_TRAP,
	SIM_Y_IRQ,
	SIM_Y_HANDLER,		/* a call into a user handler */
	SIM_Y_CHOICE,		/* a data choice (sim_choose) */
	SIM_Y_OP,		/* a scripted operation boundary */
	SIM_Y_REASONS
} SimReason;

const char *sim_reason_name(unsigned reason);

/* How a run ended. */
typedef enum {
	SIM_END_NONE = 0,	/* still running or never started */
	SIM_END_DONE,		/* every non-daemon task finished */
	SIM_END_VIOLATION,	/* a fatal violation ended it */
	SIM_END_DEADLOCK,
	SIM_END_STEP_LIMIT,	/* livelock: max_steps decisions */
	SIM_END_DIVERGED,	/* a replayed schedule asked for an option that does not exist */
	SIM_END_STOPPED,	/* the strategy asked to stop (budget, --until) */
} SimEnd;

const char *sim_end_name(SimEnd end);

enum {
	SIM_TASK_DAEMON = 1 << 0,	/* waiting for work is idleness, not blocking */
};

SimCtx *sim_ctx_new(const SimConfig *cfg);
void sim_ctx_free(SimCtx *ctx);
/* Forget the last run (tasks, time, trace, violations, allocations); keep stacks. */
void sim_ctx_reset(SimCtx *ctx);

/* Create a task bound to `vcpu`; runnable at once (it is queued on its vCPU). */
SimTask *sim_task_create(SimCtx *ctx, const char *name, unsigned vcpu, SimTaskFn fn, void *arg,
			 unsigned flags);
/*
 * What the new task's first step touches: it becomes current on its vCPU (which stops
 * being quiescent) and runs up to its first decision point.  A task that declares nothing
 * has a first step dependent with every other step.
 */
void sim_task_declare_start(SimTask *t, const SimFootprint *fp);

/* Run until every non-daemon task has finished or the run ends otherwise. */
SimEnd sim_run(SimCtx *ctx, SimStrategy *strategy);
SimEnd sim_run_end(const SimCtx *ctx);

/*
 * Decision point: the calling task announces its next step (what it may touch) and lets
 * the strategy choose which vCPU steps next.  Returns when this task is chosen again.
 */
void sim_yield(SimCtx *ctx, unsigned reason, const SimFootprint *fp);
/*
 * Decision point with alternatives: the strategy also chooses one of `n_alts` ways for this
 * task's next step (an IRQ arriving, a branch taken).  Returns the chosen alternative.
 */
unsigned sim_yield_alt(SimCtx *ctx, unsigned reason, const SimFootprint *fp, unsigned n_alts);
/*
 * Does the running strategy reorder independent steps?  A footprint detail that costs
 * time to work out and only narrows the dependence (SIM_FP_STAYS) is declared only then;
 * leaving it out is always sound.
 */
bool sim_reorders_steps(const SimCtx *ctx);
/* A data choice of the running task: returns 0 .. n-1 (first strategy: 0). */
unsigned sim_choose(SimCtx *ctx, unsigned n);
/*
 * A scheduling point (cond_resched, return to user space): a quiescent state for
 * RCU-sched, where stop_machine may capture this vCPU and where another task queued on the
 * same vCPU may take over.
 */
void sim_quiescent_point(SimCtx *ctx);

/* The task executing now, or NULL when the engine itself runs (timer expiry, reports). */
SimTask *sim_current(const SimCtx *ctx);
/* The run the calling host thread is executing, or NULL outside sim_run. */
SimCtx *sim_running_ctx(void);
/*
 * Setting up a run (creating its objects, "booting" the model) happens outside sim_run
 * but must see the run as current; bracket it with these.  No decision point may be
 * reached in between (there is no task to yield).
 */
void sim_ctx_enter(SimCtx *ctx);
void sim_ctx_leave(SimCtx *ctx);

unsigned sim_task_vcpu(const SimTask *t);
unsigned sim_task_id(const SimTask *t);
const char *sim_task_name(const SimTask *t);
SimTask *sim_task_by_id(const SimCtx *ctx, unsigned id);
unsigned sim_task_count(const SimCtx *ctx);
/*
 * What the current task is doing, named for a violation's cause (a static string: the
 * scenario operation it is in, the work function a worker runs; NULL: nothing named).
 * Returns the previous value so that a caller can put it back.
 */
const char *sim_task_set_activity(SimCtx *ctx, const char *activity);
/*
 * The activity a violation found now is attributed to: the current task's, or in engine
 * context (a step hook, a timer) that of the task that took the last step.  NULL: none.
 */
const char *sim_activity(const SimCtx *ctx);

unsigned sim_n_vcpus(const SimCtx *ctx);
bool sim_vcpu_online(const SimCtx *ctx, unsigned vcpu);
/* True when the vCPU's running task is inside a read-side (non-quiescent) section. */
bool sim_vcpu_nonquiescent(const SimCtx *ctx, unsigned vcpu);

uint64_t sim_step(const SimCtx *ctx);
uint64_t sim_jiffies(const SimCtx *ctx);

/*
 * Low-level blocking, for primitives built on the engine: mark the current task blocked
 * on `what` (shown in deadlock reports) and switch away until sim_task_wake.  A wake that
 * arrives before the sleep (between deciding to sleep and sleeping) is not lost.
 */
typedef enum {
	SIM_WAIT_NONE,
	SIM_WAIT_MUTEX,
	SIM_WAIT_COMPLETION,
	SIM_WAIT_GP,
	SIM_WAIT_STOP_MACHINE,
	SIM_WAIT_HOTPLUG,
	SIM_WAIT_SLEEP,
	SIM_WAIT_WORK,		/* a daemon worker waiting for work */
	SIM_WAIT_OTHER,
} SimWaitKind;

void sim_task_prepare_sleep(SimCtx *ctx, SimWaitKind kind, const void *obj, const char *what);
void sim_task_sleep(SimCtx *ctx);
void sim_task_wake(SimCtx *ctx, SimTask *t);

/*
 * Called by the engine after every step, before the next decision (never from a task):
 * where a checker evaluates cheap invariants.  A fatal report there ends the run.
 */
typedef void (*SimStepHook)(SimCtx *ctx, void *user);
void sim_set_step_hook(SimCtx *ctx, SimStepHook fn, void *user);

/* Per-run user pointer for higher layers (the model's state). */
void *sim_ctx_user(const SimCtx *ctx);
void sim_ctx_set_user(SimCtx *ctx, void *user);
/*
 * sim_ctx_user(sim_running_ctx()) in one call, NULL outside a run: the model asks for
 * its environment on nearly every access to the port's state.
 */
void *sim_running_user(void);

#endif
