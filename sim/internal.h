/* SPDX-License-Identifier: GPL-2.0-only */
/* The engine's private structures, shared by the files of sim/ only. */
#ifndef KPSIM_SIM_INTERNAL_H
#define KPSIM_SIM_INTERNAL_H

#include "sim/alloc.h"
#include "sim/completion.h"
#include "sim/coro.h"
#include "sim/costs.h"
#include "sim/ctx.h"
#include "sim/mutex.h"
#include "sim/schedule.h"
#include "sim/spinlock.h"
#include "sim/strategy.h"
#include "sim/timer.h"
#include "sim/trace.h"
#include "sim/violation.h"
#include "sim/workqueue.h"

#include <glib.h>

typedef enum {
	SIM_TS_FREE,		/* in the pool */
	SIM_TS_NEW,		/* created, queued, never ran */
	SIM_TS_RUNNABLE,	/* queued on its vCPU, or its vCPU's current task */
	SIM_TS_BLOCKED,
	SIM_TS_DONE,
} SimTaskState;

struct SimTask {
	SimCtx *ctx;
	SimCoro coro;
	SimTaskFn fn;
	void *arg;
	char name[32];
	uint16_t id;
	uint16_t vcpu;
	uint8_t state;		/* SimTaskState */
	uint8_t flags;		/* SIM_TASK_* */
	bool wake_pending;	/* woken between prepare_sleep and sleep */
	bool at_qs;		/* parked at a quiescent point: capturable, quiescent */
	/* The pending step.  The footprint is copied: a task that blocks after its last
	 * decision point keeps declaring it while it waits, after that frame is gone. */
	const SimFootprint *fp;
	SimFootprint fp_copy;
	uint16_t reason;
	uint16_t n_alts;
	uint16_t alt;		/* the alternative chosen for the step now running */
	/*
	 * What the task is doing, for a violation's cause: the operation a scenario task is
	 * in, or the work function a worker runs (a static string, NULL: nothing named).
	 */
	const char *activity;
	/* Run queue and wait queue links. */
	SimTask *rq_next;
	SimTask *wait_next;
	bool on_wait_list;
	/* What it is blocked on, for deadlock reports. */
	uint8_t wait_kind;
	const void *wait_obj;
	const char *wait_what;
	/* Locks held, outermost first. */
	uint8_t n_held;
	SimMutex *held[SIM_MAX_HELD];
	/* Hotplug read references held. */
	int hotplug_refs;
	/* The spinlock it spins on (sim/spinlock.c): not offered while that is taken. */
	const struct SimSpinlock *spin_on;
	/* Fault injection: the fail_nth-th injectable call from now fails (0: none). */
	unsigned fail_nth;
	SimCosts costs;
	SimTimer sleep_timer;
};

struct SimVcpu {
	uint16_t id;
	bool online;
	bool captured;		/* by stop_machine */
	SimTask *cur;		/* the task that owns the vCPU (not blocked), or NULL: idle */
	SimTask *rq_head;	/* runnable tasks waiting for the vCPU */
	SimTask *rq_tail;
	SimTask *worker;	/* the workqueue worker bound here (created on first use) */
	SimWork *work_head;	/* the worker's list */
	SimWork *work_tail;
	uint64_t qs_count;
};

typedef struct {
	uint32_t mask;		/* vCPUs that still owe a quiescent state */
	SimTask *waiter;
	uint64_t number;
} SimGracePeriod;

#define SIM_MAX_GPS 32

struct SimCtx {
	SimCtxHead head;	/* must stay first: sim_trace_on reads it */
	SimConfig cfg;
	SimCoro main;
	SimEnd end;
	SimStrategy *strategy;
	void *user;
	SimStepHook step_hook;
	void *step_hook_user;

	/* Tasks: slots reused across runs with their stacks. */
	GPtrArray *tasks;	/* SimTask *, index = id */
	unsigned n_tasks;	/* live this run */
	unsigned n_unfinished;	/* non-daemon tasks not done */
	SimTask *cur;		/* executing task, NULL in engine context */
	SimTask *last_ran;	/* the task that took the last step, NULL: none yet */

	SimVcpu vcpus[SIM_MAX_VCPUS];

	/* Decisions. */
	uint64_t step;
	SimOption *opts;
	size_t opts_cap;
	GArray *choices;	/* SimChoice */

	/* Time. */
	uint64_t jiffies;
	uint64_t timer_seq;
	SimTimer *timers;	/* sorted by (expires, seq) */

	/* Locks. */
	GPtrArray *mutexes;	/* SimMutex *, index = class id */
	uint64_t lock_after[SIM_MAX_LOCK_CLASSES];	/* edge i -> j: bit j of [i] */
	uint64_t lock_cycle_reported[SIM_MAX_LOCK_CLASSES];
	SimMutex stop_cpus_mutex;
	SimMutex hotplug_lock;
	int hotplug_refcount;
	SimTask *hotplug_writer;

	/* RCU-sched. */
	SimGracePeriod gps[SIM_MAX_GPS];
	unsigned n_gps;
	uint64_t gp_started;
	uint64_t gp_completed;

	/* stop_machine. */
	SimTask *stop_owner;	/* non-NULL while a request is active */
	bool stop_active;	/* every vCPU captured; fn running */
	uint64_t stop_count;

	/* Completions and work ids. */
	uint32_t next_obj_id;
	uint64_t work_runs;

	/* Allocator. */
	GHashTable *allocs;	/* payload pointer -> SimAllocHdr * (live and quarantined) */
	GPtrArray *alloc_order;	/* SimAllocHdr *, allocation order */
	uint64_t alloc_seq;
	bool leak_check;

	/* Violations and trace. */
	GArray *violations;	/* SimViolation */
	GArray *events;		/* SimEvent */
	GStringChunk *strings;	/* interned subjects, messages */
};

/* sched.c */
void sim_sched_qs(SimCtx *ctx, unsigned vcpu);
void sim_vcpu_enqueue(SimCtx *ctx, SimTask *t);
SIM_NORETURN void sim_sched_end_from_task(SimCtx *ctx);
void sim_sched_end_run(SimCtx *ctx, SimEnd end);

/* rcu.c */
void sim_rcu_on_qs(SimCtx *ctx, unsigned vcpu);
void sim_rcu_forget_vcpu(SimCtx *ctx, unsigned vcpu);

/* timer.c */
void sim_timers_tick(SimCtx *ctx);
void sim_timers_migrate(SimCtx *ctx, unsigned from, unsigned to);

/* workqueue.c */
void sim_work_migrate(SimCtx *ctx, unsigned from, unsigned to);

/* lockdep.c */
void sim_lockdep_acquire(SimCtx *ctx, SimTask *t, SimMutex *m);
void sim_mutex_lock_no_lockdep(SimCtx *ctx, SimMutex *m);

/* alloc.c */
void sim_alloc_reset(SimCtx *ctx);

/* violation.c */
void sim_violations_reset(SimCtx *ctx);

/* trace.c */
void sim_trace_reset(SimCtx *ctx);

static inline SimTask *sim_ctx_task(const SimCtx *ctx, unsigned id)
{
	return g_ptr_array_index(ctx->tasks, id);
}

/* Blocked on something: an idle worker waiting for work is not, it is only parked. */
static inline bool sim_task_waits(const SimTask *t)
{
	return t->state == SIM_TS_BLOCKED &&
	       !((t->flags & SIM_TASK_DAEMON) && t->wait_kind == SIM_WAIT_WORK);
}

#endif
