// SPDX-License-Identifier: GPL-2.0-only
/*
 * Contexts, tasks, vCPUs and the scheduler.
 *
 * The scheduler runs on the stack of the task that reaches a decision point: it lists the
 * enabled options, asks the strategy, and switches straight to the chosen task (or simply
 * returns when the same task was chosen).  The thread's own stack is used only to start a
 * run and to end it.
 */
#include "sim/internal.h"
#include "sim/hotplug.h"
#include "sim/rcu.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const reason_names[SIM_Y_REASONS] = {
	[SIM_Y_START] = "start",	[SIM_Y_LOCK] = "lock",
	[SIM_Y_UNLOCK] = "unlock",	[SIM_Y_WAIT] = "wait",
	[SIM_Y_COMPLETE] = "complete",	[SIM_Y_RCU_SYNC] = "synchronize_sched",
	[SIM_Y_STOP_MACHINE] = "stop_machine", [SIM_Y_HOTPLUG] = "hotplug",
	[SIM_Y_TIMER] = "timer",	[SIM_Y_SLEEP] = "sleep",
	[SIM_Y_WORK_START] = "work-start", [SIM_Y_WORK_END] = "work-end",
	[SIM_Y_QS] = "quiescent",	[SIM_Y_ALLOC] = "alloc",
	[SIM_Y_LOAD] = "load",		[SIM_Y_STORE] = "store",
	[SIM_Y_TEXT_POKE] = "text_poke", [SIM_Y_INSN] = "insn",
	[SIM_Y_TRAP] = "trap",		[SIM_Y_IRQ] = "irq",
	[SIM_Y_HANDLER] = "handler",	[SIM_Y_CHOICE] = "choice",
	[SIM_Y_OP] = "op",
};

const char *sim_reason_name(unsigned reason)
{
	return reason < SIM_Y_REASONS && reason_names[reason] ? reason_names[reason] : "?";
}

const char *sim_end_name(SimEnd end)
{
	switch (end) {
	case SIM_END_NONE: return "none";
	case SIM_END_DONE: return "done";
	case SIM_END_VIOLATION: return "violation";
	case SIM_END_DEADLOCK: return "deadlock";
	case SIM_END_STEP_LIMIT: return "step-limit";
	case SIM_END_DIVERGED: return "diverged";
	case SIM_END_STOPPED: return "stopped";
	}
	return "?";
}

/* Set while a run executes on this thread, like the kernel's `current`; the model's shim
 * uses it to find its per-run state without changing kernel function signatures. */
static __thread SimCtx *running_ctx;

SimCtx *sim_running_ctx(void)
{
	return running_ctx;
}

void *sim_running_user(void)
{
	return running_ctx ? running_ctx->user : NULL;
}

void sim_ctx_enter(SimCtx *ctx)
{
	assert(running_ctx == NULL && ctx->cur == NULL);
	running_ctx = ctx;
}

void sim_ctx_leave(SimCtx *ctx)
{
	assert(running_ctx == ctx && ctx->cur == NULL);
	running_ctx = NULL;
}

SimCtx *sim_ctx_new(const SimConfig *cfg)
{
	SimCtx *ctx = g_new0(SimCtx, 1);

	assert(cfg != NULL);
	assert(cfg->n_vcpus >= 1 && cfg->n_vcpus <= SIM_MAX_VCPUS);
	ctx->cfg = *cfg;
	if (!ctx->cfg.max_steps)
		ctx->cfg.max_steps = 10000000;
	if (!ctx->cfg.stack_size)
		ctx->cfg.stack_size = 256 * 1024;
	sim_coro_init_main(&ctx->main);
	ctx->tasks = g_ptr_array_new();
	ctx->choices = g_array_sized_new(FALSE, FALSE, sizeof(SimChoice), 1024);
	ctx->opts_cap = SIM_MAX_VCPUS * 4 + 1;
	ctx->opts = g_new0(SimOption, ctx->opts_cap);
	ctx->mutexes = g_ptr_array_new();
	ctx->allocs = g_hash_table_new(g_direct_hash, g_direct_equal);
	ctx->alloc_order = g_ptr_array_new();
	ctx->violations = g_array_new(FALSE, TRUE, sizeof(SimViolation));
	ctx->events = g_array_sized_new(FALSE, FALSE, sizeof(SimEvent), 256);
	ctx->strings = g_string_chunk_new(4096);
	sim_ctx_reset(ctx);
	return ctx;
}

void sim_ctx_free(SimCtx *ctx)
{
	if (!ctx)
		return;
	assert(running_ctx != ctx);
	sim_alloc_reset(ctx);
	sim_violations_reset(ctx);
	for (unsigned i = 0; i < ctx->tasks->len; i++) {
		SimTask *t = sim_ctx_task(ctx, i);

		sim_coro_free(&t->coro);
		g_free(t);
	}
	g_ptr_array_free(ctx->tasks, TRUE);
	g_array_free(ctx->choices, TRUE);
	g_free(ctx->opts);
	g_ptr_array_free(ctx->mutexes, TRUE);
	g_hash_table_destroy(ctx->allocs);
	g_ptr_array_free(ctx->alloc_order, TRUE);
	g_array_free(ctx->violations, TRUE);
	g_array_free(ctx->events, TRUE);
	g_string_chunk_free(ctx->strings);
	sim_coro_destroy_main(&ctx->main);
	g_free(ctx);
}

void sim_ctx_reset(SimCtx *ctx)
{
	assert(ctx != NULL);
	assert(running_ctx != ctx);
	for (unsigned i = 0; i < ctx->n_tasks; i++)
		sim_ctx_task(ctx, i)->state = SIM_TS_FREE;
	ctx->n_tasks = 0;
	ctx->n_unfinished = 0;
	ctx->cur = NULL;
	ctx->last_ran = NULL;
	for (unsigned i = 0; i < SIM_MAX_VCPUS; i++) {
		SimVcpu *v = &ctx->vcpus[i];

		memset(v, 0, sizeof(*v));
		v->id = (uint16_t)i;
		v->online = i < ctx->cfg.n_vcpus;
	}
	ctx->step = 0;
	g_array_set_size(ctx->choices, 0);
	ctx->jiffies = 0;
	ctx->timer_seq = 0;
	ctx->timers = NULL;
	g_ptr_array_set_size(ctx->mutexes, 0);
	memset(ctx->lock_after, 0, sizeof(ctx->lock_after));
	memset(ctx->lock_cycle_reported, 0, sizeof(ctx->lock_cycle_reported));
	ctx->hotplug_refcount = 0;
	ctx->hotplug_writer = NULL;
	ctx->n_gps = 0;
	ctx->gp_started = 0;
	ctx->gp_completed = 0;
	ctx->stop_owner = NULL;
	ctx->stop_active = false;
	ctx->stop_count = 0;
	ctx->next_obj_id = 1;
	ctx->work_runs = 0;
	sim_alloc_reset(ctx);
	sim_violations_reset(ctx);
	sim_trace_reset(ctx);
	ctx->end = SIM_END_NONE;
	ctx->strategy = NULL;
	ctx->step_hook = NULL;
	ctx->step_hook_user = NULL;
	ctx->user = NULL;
	ctx->head.trace = ctx->cfg.trace;
	/* The engine's own locks are lock classes like any other. */
	sim_mutex_init(ctx, &ctx->stop_cpus_mutex, "stop_cpus_mutex");
	sim_mutex_init(ctx, &ctx->hotplug_lock, "cpu_hotplug.lock");
}

void sim_set_step_hook(SimCtx *ctx, SimStepHook fn, void *user)
{
	ctx->step_hook = fn;
	ctx->step_hook_user = user;
}

void *sim_ctx_user(const SimCtx *ctx)
{
	return ctx->user;
}

void sim_ctx_set_user(SimCtx *ctx, void *user)
{
	ctx->user = user;
}

/* ---- vCPU run queues ---------------------------------------------------------------- */

static unsigned first_online(const SimCtx *ctx)
{
	for (unsigned i = 0; i < ctx->cfg.n_vcpus; i++)
		if (ctx->vcpus[i].online)
			return i;
	assert(!"no online vCPU");
	return 0;
}

void sim_vcpu_enqueue(SimCtx *ctx, SimTask *t)
{
	SimVcpu *v;

	assert(t->state == SIM_TS_NEW || t->state == SIM_TS_RUNNABLE);
	assert(t->rq_next == NULL);
	if (!ctx->vcpus[t->vcpu].online)
		t->vcpu = (uint16_t)first_online(ctx);
	v = &ctx->vcpus[t->vcpu];
	assert(v->cur != t);
	/* The stop_machine caller must be the only task its captured vCPU runs. */
	if (t == ctx->stop_owner) {
		t->rq_next = v->rq_head;
		v->rq_head = t;
		if (!v->rq_tail)
			v->rq_tail = t;
		return;
	}
	if (v->rq_tail)
		v->rq_tail->rq_next = t;
	else
		v->rq_head = t;
	v->rq_tail = t;
}

static SimTask *vcpu_dequeue(SimVcpu *v)
{
	SimTask *t = v->rq_head;

	assert(t != NULL);
	v->rq_head = t->rq_next;
	if (!v->rq_head)
		v->rq_tail = NULL;
	t->rq_next = NULL;
	return t;
}

/* ---- tasks ----------------------------------------------------------------------------- */

static SIM_NORETURN void task_finish(SimCtx *ctx, SimTask *t);
static void schedule(SimCtx *ctx, SimTask *self, bool self_dies);

static void task_entry(void *arg)
{
	SimTask *t = arg;
	SimCtx *ctx = t->ctx;

	sim_coro_entered(&t->coro, &ctx->main);
	assert(ctx->cur == t);
	SIM_TRACE(ctx, SIM_EV_TASK_START, "start", t->name, t->id, 0, 0);
	t->fn(ctx, t->arg);
	task_finish(ctx, t);
}

SimTask *sim_task_create(SimCtx *ctx, const char *name, unsigned vcpu, SimTaskFn fn, void *arg,
			 unsigned flags)
{
	unsigned id = ctx->n_tasks;
	SimTask *t;

	assert(fn != NULL && name != NULL);
	assert(vcpu < ctx->cfg.n_vcpus);
	assert(ctx->end == SIM_END_NONE);
	assert(id < UINT16_MAX);
	if (id == ctx->tasks->len) {
		t = g_new0(SimTask, 1);
		if (!sim_coro_alloc(&t->coro, ctx->cfg.stack_size))
			g_error("kpsim: cannot map a %zu-byte task stack", ctx->cfg.stack_size);
		g_ptr_array_add(ctx->tasks, t);
	}
	t = sim_ctx_task(ctx, id);
	assert(t->state == SIM_TS_FREE || t->state == 0);
	{
		SimCoro coro = t->coro;

		memset(t, 0, sizeof(*t));
		t->coro = coro;
	}
	t->ctx = ctx;
	t->id = (uint16_t)id;
	t->vcpu = (uint16_t)vcpu;
	t->fn = fn;
	t->arg = arg;
	t->flags = (uint8_t)flags;
	g_strlcpy(t->name, name, sizeof(t->name));
	t->state = SIM_TS_NEW;
	t->fp = &sim_fp_none;
	t->reason = SIM_Y_START;
	t->n_alts = 1;
	sim_timer_init(&t->sleep_timer, NULL, t);
	ctx->n_tasks++;
	if (!(flags & SIM_TASK_DAEMON))
		ctx->n_unfinished++;
	sim_coro_start(&t->coro, task_entry, t);
	sim_vcpu_enqueue(ctx, t);
	return t;
}

SimTask *sim_current(const SimCtx *ctx)
{
	return ctx->cur;
}

unsigned sim_task_vcpu(const SimTask *t)
{
	return t->vcpu;
}

unsigned sim_task_id(const SimTask *t)
{
	return t->id;
}

const char *sim_task_name(const SimTask *t)
{
	return t->name;
}

const char *sim_task_set_activity(SimCtx *ctx, const char *activity)
{
	const char *old;

	assert(ctx->cur != NULL && "an activity belongs to a task");
	old = ctx->cur->activity;
	ctx->cur->activity = activity;
	return old;
}

const char *sim_activity(const SimCtx *ctx)
{
	const SimTask *t = ctx->cur ? ctx->cur : ctx->last_ran;

	return t ? t->activity : NULL;
}

SimTask *sim_task_by_id(const SimCtx *ctx, unsigned id)
{
	return id < ctx->n_tasks ? sim_ctx_task(ctx, id) : NULL;
}

unsigned sim_task_count(const SimCtx *ctx)
{
	return ctx->n_tasks;
}

unsigned sim_n_vcpus(const SimCtx *ctx)
{
	return ctx->cfg.n_vcpus;
}

bool sim_vcpu_online(const SimCtx *ctx, unsigned vcpu)
{
	assert(vcpu < SIM_MAX_VCPUS);
	return ctx->vcpus[vcpu].online;
}

bool sim_vcpu_nonquiescent(const SimCtx *ctx, unsigned vcpu)
{
	const SimVcpu *v = &ctx->vcpus[vcpu];

	assert(vcpu < SIM_MAX_VCPUS);
	return v->online && v->cur != NULL && !v->cur->at_qs;
}

uint64_t sim_step(const SimCtx *ctx)
{
	return ctx->step;
}

uint64_t sim_jiffies(const SimCtx *ctx)
{
	return ctx->jiffies;
}

SimEnd sim_run_end(const SimCtx *ctx)
{
	return ctx->end;
}

/* ---- quiescent states and stop_machine capture ---------------------------------------- */

void sim_sched_qs(SimCtx *ctx, unsigned vcpu)
{
	assert(vcpu < SIM_MAX_VCPUS);
	ctx->vcpus[vcpu].qs_count++;
	if (ctx->n_gps)
		sim_rcu_on_qs(ctx, vcpu);
}

static bool capturable(const SimVcpu *v)
{
	return v->cur == NULL || v->cur->at_qs;
}

/* While a stop_machine request waits, capture every vCPU that reached a scheduling point. */
static void stop_machine_capture(SimCtx *ctx)
{
	bool all = true;

	assert(ctx->stop_owner != NULL && !ctx->stop_active);
	for (unsigned i = 0; i < ctx->cfg.n_vcpus; i++) {
		SimVcpu *v = &ctx->vcpus[i];

		if (!v->online || v->captured)
			continue;
		if (capturable(v)) {
			v->captured = true;
			sim_sched_qs(ctx, i);
		} else {
			all = false;
		}
	}
	if (all) {
		ctx->stop_active = true;
		sim_task_wake(ctx, ctx->stop_owner);
	}
}

/* ---- decisions ------------------------------------------------------------------------- */

static size_t add_option(SimCtx *ctx, size_t n, uint8_t kind, unsigned vcpu, unsigned alt,
			 const SimTask *t)
{
	SimOption *o;

	if (n == ctx->opts_cap) {
		ctx->opts_cap *= 2;
		ctx->opts = g_renew(SimOption, ctx->opts, ctx->opts_cap);
	}
	o = &ctx->opts[n];
	o->kind = kind;
	o->alt = (uint8_t)alt;
	o->vcpu = (uint16_t)vcpu;
	if (t) {
		o->task = t->id;
		o->reason = t->reason;
		o->fp = t->fp;
	} else {
		o->task = UINT16_MAX;
		o->reason = SIM_Y_TIMER;
		o->fp = &sim_fp_clock_tick;
	}
	return n + 1;
}

static size_t collect_options(SimCtx *ctx)
{
	size_t n = 0;

	if (ctx->stop_owner && !ctx->stop_active)
		stop_machine_capture(ctx);
	for (unsigned i = 0; i < ctx->cfg.n_vcpus; i++) {
		SimVcpu *v = &ctx->vcpus[i];
		SimTask *t = v->cur;

		if (!v->online)
			continue;
		if (v->captured) {
			/* Only the stop_machine caller runs on a captured vCPU. */
			if (!ctx->stop_active)
				continue;
			if (t != ctx->stop_owner && !(t == NULL && v->rq_head == ctx->stop_owner))
				continue;
		}
		if (t) {
			unsigned alts = t->n_alts;

			/* Spinning changes nothing until the owner lets go (sim/spinlock.c). */
			if (t->spin_on && t->spin_on->owner)
				continue;

			/* A task parked at a scheduling point may give way to a queued one. */
			if (t->at_qs)
				alts = v->rq_head ? 2 : 1;
			for (unsigned a = 0; a < alts; a++)
				n = add_option(ctx, n, SIM_OPT_STEP, i, a, t);
		} else if (v->rq_head) {
			n = add_option(ctx, n, SIM_OPT_STEP, i, 0, v->rq_head);
		}
	}
	if (ctx->timers && !ctx->stop_active)
		n = add_option(ctx, n, SIM_OPT_TICK, 0, 0, NULL);
	return n;
}

static void describe_wait(const SimCtx *ctx, const SimTask *t, GString *out)
{
	g_string_append_printf(out, "  %s (cpu%u) waits for %s", t->name, t->vcpu,
			       t->wait_what ? t->wait_what : "?");
	if (t->wait_kind == SIM_WAIT_MUTEX) {
		const SimMutex *m = t->wait_obj;

		if (m->owner)
			g_string_append_printf(out, " held by %s (cpu%u)", m->owner->name,
					       m->owner->vcpu);
	} else if (t->wait_kind == SIM_WAIT_HOTPLUG) {
		g_string_append_printf(out, " (%d reader reference%s outstanding)",
				       ctx->hotplug_refcount,
				       ctx->hotplug_refcount == 1 ? "" : "s");
	}
	g_string_append_c(out, '\n');
}

/* Follow "waits for a mutex held by" edges from t; print the cycle if there is one. */
static bool find_mutex_cycle(const SimCtx *ctx, const SimTask *start, GString *out)
{
	const SimTask *fast = start;

	for (unsigned i = 0; i <= ctx->n_tasks; i++) {
		const SimMutex *m;

		if (fast->state != SIM_TS_BLOCKED || fast->wait_kind != SIM_WAIT_MUTEX)
			return false;
		m = fast->wait_obj;
		if (!m->owner)
			return false;
		fast = m->owner;
		if (fast == start) {
			const SimTask *t = start;

			g_string_append(out, "wait-for cycle:");
			do {
				const SimMutex *wm = t->wait_obj;

				g_string_append_printf(out, " %s -[%s]->", t->name, wm->name);
				t = wm->owner;
			} while (t != start);
			g_string_append_printf(out, " %s\n", start->name);
			return true;
		}
	}
	return false;
}

static gint by_string(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A deadlock's cause, the same whichever task happened to block last: what each blocked
 * task that holds or waits for a lock was doing and what it waits on, sorted
 * ("optimizing_work on kprobe_mutex, sysctl write on optimizer_comp").
 */
static char *deadlock_cause(const SimCtx *ctx)
{
	GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);
	GString *out = g_string_new(NULL);

	for (unsigned i = 0; i < ctx->n_tasks; i++) {
		const SimTask *t = sim_ctx_task(ctx, i);

		/* Those that hold a lock or wait for one: the others only wait for them. */
		if (sim_task_waits(t) && (t->n_held || t->wait_kind == SIM_WAIT_MUTEX))
			g_ptr_array_add(parts, g_strdup_printf("%s on %s",
							       t->activity ? t->activity : t->name,
							       t->wait_what ? t->wait_what : "?"));
	}
	g_ptr_array_sort(parts, by_string);
	for (unsigned i = 0; i < parts->len; i++)
		if (!i || strcmp(parts->pdata[i], parts->pdata[i - 1]))
			g_string_append_printf(out, "%s%s", out->len ? ", " : "",
					       (char *)parts->pdata[i]);
	g_ptr_array_free(parts, TRUE);
	return g_string_free(out, FALSE);
}

static void report_no_options(SimCtx *ctx)
{
	GString *msg;
	char *cause;
	bool cycle = false;

	if (ctx->n_unfinished == 0) {
		sim_sched_end_run(ctx, SIM_END_DONE);
		return;
	}
	msg = g_string_new("nothing can run, no timer is pending, and tasks are blocked:\n");
	for (unsigned i = 0; i < ctx->n_tasks; i++) {
		const SimTask *t = sim_ctx_task(ctx, i);

		if (sim_task_waits(t))
			describe_wait(ctx, t, msg);
		else if (t->spin_on)
			g_string_append_printf(msg, "  %s (cpu%u) spins on %s held by %s (cpu%u)\n",
					       t->name, t->vcpu, t->spin_on->name,
					       t->spin_on->owner->name, t->spin_on->owner->vcpu);
	}
	for (unsigned i = 0; i < ctx->n_tasks && !cycle; i++)
		cycle = find_mutex_cycle(ctx, sim_ctx_task(ctx, i), msg);
	if (msg->len && msg->str[msg->len - 1] == '\n')
		g_string_truncate(msg, msg->len - 1);
	cause = deadlock_cause(ctx);
	sim_report_cause(ctx, SIM_V_DEADLOCK, true, "deadlock", __func__, cause, "%s", msg->str);
	g_free(cause);
	g_string_free(msg, TRUE);
	sim_sched_end_run(ctx, SIM_END_DEADLOCK);
}

void sim_sched_end_run(SimCtx *ctx, SimEnd end)
{
	assert(end != SIM_END_NONE);
	/* A check made after the last task finished may still fail the run. */
	if (ctx->end == SIM_END_NONE || ctx->end == SIM_END_DONE)
		ctx->end = end;
}

/* Pick the next step; returns the task to run, or NULL when the run has ended. */
static SimTask *decide(SimCtx *ctx)
{
	/* Timers, reports and the strategy run as the engine, not as the yielding task. */
	if (ctx->cur)
		ctx->last_ran = ctx->cur;
	ctx->cur = NULL;
	for (;;) {
		size_t n, k;
		const SimOption *o;
		SimChoice c;
		SimVcpu *v;
		SimTask *t;

		if (ctx->step_hook && ctx->step)
			ctx->step_hook(ctx, ctx->step_hook_user);
		if (ctx->end != SIM_END_NONE)
			return NULL;
		n = collect_options(ctx);
		if (n == 0) {
			report_no_options(ctx);
			return NULL;
		}
		if (ctx->step >= ctx->cfg.max_steps) {
			sim_report(ctx, SIM_V_LIVELOCK, true, "livelock", __func__,
				   "no end after %llu decisions",
				   (unsigned long long)ctx->step);
			sim_sched_end_run(ctx, SIM_END_STEP_LIMIT);
			return NULL;
		}
		k = ctx->strategy->ops->choose(ctx->strategy, ctx, ctx->opts, n);
		if (k == SIM_CHOOSE_STOP) {
			sim_sched_end_run(ctx, SIM_END_STOPPED);
			return NULL;
		}
		if (k == SIM_CHOOSE_DIVERGED) {
			sim_sched_end_run(ctx, SIM_END_DIVERGED);
			return NULL;
		}
		assert(k < n);
		o = &ctx->opts[k];
		c.kind = o->kind;
		c.alt = o->alt;
		c.vcpu = o->vcpu;
		g_array_append_val(ctx->choices, c);
		ctx->step++;
		if (sim_trace_on(ctx))
			sim_trace_emit(ctx, SIM_EV_DECISION, sim_reason_name(o->reason),
				       o->kind == SIM_OPT_TICK ? "tick" : NULL, (int64_t)n,
				       o->alt, o->kind == SIM_OPT_TICK ? -1 : o->vcpu);
		if (o->kind == SIM_OPT_TICK) {
			sim_timers_tick(ctx);
			continue;
		}
		v = &ctx->vcpus[o->vcpu];
		t = v->cur;
		if (!t) {
			t = vcpu_dequeue(v);
			v->cur = t;
			if (t->state == SIM_TS_NEW)
				t->state = SIM_TS_RUNNABLE;
			/* Stamp the event with the task it is about. */
			ctx->cur = t;
			SIM_TRACE(ctx, SIM_EV_SWITCH_IN, "run", t->name, t->id, 0, 0);
			ctx->cur = NULL;
		}
		assert(t->state == SIM_TS_RUNNABLE);
		t->alt = o->alt;
		return t;
	}
}

static void switch_to(SimCtx *ctx, SimTask *self, SimCoro *to, SimTask *next, bool self_dies)
{
	ctx->cur = next;
	sim_coro_switch(self ? &self->coro : &ctx->main, to, self_dies);
	/* Resumed: whoever switched here set ctx->cur to self. */
	assert(ctx->cur == self);
}

/*
 * Decide what runs next and go there.  `self` is the task whose stack this is (NULL: the
 * thread's own stack).  Returns when self is chosen to run again.
 */
static void schedule(SimCtx *ctx, SimTask *self, bool self_dies)
{
	SimTask *next = decide(ctx);

	if (next == self && next != NULL) {
		ctx->cur = self;
		return;
	}
	if (next == NULL) {
		/* The run is over: back to sim_run on the thread's stack. */
		assert(ctx->end != SIM_END_NONE);
		if (self)
			switch_to(ctx, self, &ctx->main, NULL, true);
		return;
	}
	switch_to(ctx, self, &next->coro, next, self_dies);
}

SIM_NORETURN void sim_sched_end_from_task(SimCtx *ctx)
{
	SimTask *self = ctx->cur;

	assert(self != NULL);
	assert(ctx->end != SIM_END_NONE);
	switch_to(ctx, self, &ctx->main, NULL, true);
	abort();	/* an ended run is never resumed */
}

/*
 * The running step leaves its non-quiescent stretch (it reaches a quiescent point, blocks
 * or finishes): it must not have declared SIM_FP_STAYS, which the reduction relies on.
 */
static void leave_stretch(const SimTask *t)
{
	assert(!(t->fp->flags & SIM_FP_STAYS) && "a step declared to stay left its stretch");
}

static SIM_NORETURN void task_finish(SimCtx *ctx, SimTask *t)
{
	SimVcpu *v = &ctx->vcpus[t->vcpu];

	assert(ctx->cur == t && v->cur == t);
	leave_stretch(t);
	if (t->n_held)
		sim_fail(ctx, SIM_V_USAGE, "lock-held-at-exit", __func__,
			 "task %s finished holding %s", t->name, t->held[t->n_held - 1]->name);
	t->state = SIM_TS_DONE;
	if (!(t->flags & SIM_TASK_DAEMON))
		ctx->n_unfinished--;
	v->cur = NULL;
	SIM_TRACE(ctx, SIM_EV_TASK_END, "end", t->name, t->id, 0, 0);
	sim_sched_qs(ctx, t->vcpu);
	schedule(ctx, t, true);
	abort();	/* a finished task is never chosen */
}

void sim_task_declare_start(SimTask *t, const SimFootprint *fp)
{
	assert(t != NULL && fp != NULL && fp->n <= SIM_FP_MAX);
	assert(t->state == SIM_TS_NEW && t->reason == SIM_Y_START);
	t->fp_copy = *fp;
	t->fp = &t->fp_copy;
}

SimEnd sim_run(SimCtx *ctx, SimStrategy *strategy)
{
	assert(strategy != NULL && strategy->ops != NULL);
	assert(ctx->end == SIM_END_NONE);
	assert(running_ctx == NULL);
	ctx->strategy = strategy;
	running_ctx = ctx;
	if (strategy->ops->begin)
		strategy->ops->begin(strategy, ctx);
	schedule(ctx, NULL, false);
	assert(ctx->end != SIM_END_NONE);
	assert(ctx->cur == NULL);
	if (ctx->end == SIM_END_DONE || ctx->end == SIM_END_DEADLOCK ||
	    ctx->end == SIM_END_VIOLATION)
		sim_alloc_check(ctx, ctx->end == SIM_END_DONE && ctx->leak_check);
	if (strategy->ops->end)
		strategy->ops->end(strategy, ctx);
	running_ctx = NULL;
	return ctx->end;
}

/* ---- decision points ------------------------------------------------------------------- */

unsigned sim_yield_alt(SimCtx *ctx, unsigned reason, const SimFootprint *fp, unsigned n_alts)
{
	SimTask *self = ctx->cur;

	assert(self != NULL && "decision points are for tasks");
	assert(self->state == SIM_TS_RUNNABLE);
	assert(fp != NULL && n_alts >= 1 && n_alts <= 255);
	assert(fp->n <= SIM_FP_MAX);
	self->fp_copy.n = fp->n;
	self->fp_copy.flags = fp->flags;
	memcpy(self->fp_copy.acc, fp->acc, fp->n * sizeof(fp->acc[0]));
	self->fp = &self->fp_copy;
	self->reason = (uint16_t)reason;
	self->n_alts = (uint16_t)n_alts;
	schedule(ctx, self, false);
	self->n_alts = 1;
	return self->alt;
}

bool sim_reorders_steps(const SimCtx *ctx)
{
	return ctx->strategy && ctx->strategy->ops->reorders;
}

void sim_yield(SimCtx *ctx, unsigned reason, const SimFootprint *fp)
{
	(void)sim_yield_alt(ctx, reason, fp, 1);
}

unsigned sim_choose(SimCtx *ctx, unsigned n)
{
	assert(n >= 1);
	if (n == 1)
		return 0;
	return sim_yield_alt(ctx, SIM_Y_CHOICE, &sim_fp_none, n);
}

void sim_quiescent_point(SimCtx *ctx)
{
	SimTask *self = ctx->cur;
	SimVcpu *v;
	unsigned alt;

	assert(self != NULL);
	v = &ctx->vcpus[self->vcpu];
	assert(v->cur == self);
	leave_stretch(self);
	sim_sched_qs(ctx, self->vcpu);
	self->at_qs = true;
	alt = sim_yield_alt(ctx, SIM_Y_QS, &sim_fp_none, 1);
	self->at_qs = false;
	if (alt == 1) {
		/* Give the vCPU to the next queued task; continue when it is our turn again. */
		v = &ctx->vcpus[self->vcpu];
		v->cur = NULL;
		self->fp = &sim_fp_none;
		self->reason = SIM_Y_QS;
		sim_vcpu_enqueue(ctx, self);
		SIM_TRACE(ctx, SIM_EV_SWITCH_OUT, "yield", self->name, self->id, 0, 0);
		schedule(ctx, self, false);
	}
}

/* ---- sleeping and waking --------------------------------------------------------------- */

void sim_task_prepare_sleep(SimCtx *ctx, SimWaitKind kind, const void *obj, const char *what)
{
	SimTask *self = ctx->cur;

	assert(self != NULL && self->state == SIM_TS_RUNNABLE);
	self->wait_kind = (uint8_t)kind;
	self->wait_obj = obj;
	self->wait_what = what;
	self->wake_pending = false;
}

void sim_task_sleep(SimCtx *ctx)
{
	SimTask *self = ctx->cur;
	uint64_t blocked_step, blocked_jiffies;
	SimVcpu *v;

	assert(self != NULL && self->state == SIM_TS_RUNNABLE);
	assert(self->wait_kind != SIM_WAIT_NONE);
	if (self->wake_pending) {
		self->wake_pending = false;
		self->wait_kind = SIM_WAIT_NONE;
		return;
	}
	v = &ctx->vcpus[self->vcpu];
	assert(v->cur == self);
	leave_stretch(self);
	self->state = SIM_TS_BLOCKED;
	v->cur = NULL;
	SIM_TRACE(ctx, SIM_EV_SWITCH_OUT, self->wait_what ? self->wait_what : "sleep", self->name,
		  self->id, self->wait_kind, 0);
	blocked_step = ctx->step;
	blocked_jiffies = ctx->jiffies;
	sim_sched_qs(ctx, self->vcpu);
	schedule(ctx, self, false);
	assert(self->state == SIM_TS_RUNNABLE);
	/* Waiting is a cost; sleeping on purpose (msleep, an idle worker) is not. */
	if (self->wait_kind != SIM_WAIT_SLEEP && self->wait_kind != SIM_WAIT_WORK) {
		self->costs.blocked_steps += ctx->step - blocked_step;
		self->costs.blocked_jiffies += ctx->jiffies - blocked_jiffies;
	}
	self->wait_kind = SIM_WAIT_NONE;
	self->wait_obj = NULL;
	self->wait_what = NULL;
}

void sim_task_wake(SimCtx *ctx, SimTask *t)
{
	assert(t != NULL);
	if (t->state == SIM_TS_BLOCKED) {
		t->state = SIM_TS_RUNNABLE;
		sim_vcpu_enqueue(ctx, t);
		SIM_TRACE(ctx, SIM_EV_WAKE, "wake", t->name, t->id, 0, 0);
	} else if (t->state == SIM_TS_RUNNABLE && t->wait_kind != SIM_WAIT_NONE) {
		/* Between prepare_sleep and sleep: the sleep must return at once. */
		t->wake_pending = true;
	}
}

/* ---- vCPU hotplug ----------------------------------------------------------------------- */

bool sim_vcpu_set_online(SimCtx *ctx, unsigned vcpu, bool online)
{
	SimVcpu *v;
	unsigned n_online = 0, to;

	assert(vcpu < ctx->cfg.n_vcpus);
	v = &ctx->vcpus[vcpu];
	if (v->online == online)
		return false;
	if (online) {
		v->online = true;
		v->captured = ctx->stop_active;
		if (v->worker && v->worker->state == SIM_TS_BLOCKED)
			v->worker->vcpu = (uint16_t)vcpu;
		SIM_TRACE(ctx, SIM_EV_CPU_ONLINE, "online", NULL, vcpu, 0, 0);
		return true;
	}
	for (unsigned i = 0; i < ctx->cfg.n_vcpus; i++)
		n_online += ctx->vcpus[i].online;
	if (n_online <= 1)
		return false;
	/* A vCPU goes down only at a scheduling point (the kernel does it under stop_machine
	 * with every CPU captured), never in the middle of a task's non-quiescent section. */
	if (v->cur && !v->cur->at_qs)
		return false;
	v->online = false;
	v->captured = false;
	to = first_online(ctx);
	if (v->cur) {
		SimTask *t = v->cur;

		v->cur = NULL;
		t->vcpu = (uint16_t)to;
		sim_vcpu_enqueue(ctx, t);
	}
	/* Queued and blocked tasks move to the lowest-numbered online vCPU; an idle worker
	 * stays with its pool until the vCPU comes back. */
	while (v->rq_head) {
		SimTask *t = vcpu_dequeue(v);

		t->vcpu = (uint16_t)to;
		sim_vcpu_enqueue(ctx, t);
	}
	for (unsigned i = 0; i < ctx->n_tasks; i++) {
		SimTask *t = sim_ctx_task(ctx, i);

		if (t->vcpu == vcpu && sim_task_waits(t))
			t->vcpu = (uint16_t)to;
	}
	sim_timers_migrate(ctx, vcpu, to);
	sim_work_migrate(ctx, vcpu, to);
	sim_rcu_forget_vcpu(ctx, vcpu);
	SIM_TRACE(ctx, SIM_EV_CPU_OFFLINE, "offline", NULL, vcpu, to, 0);
	return true;
}
