// SPDX-License-Identifier: GPL-2.0-only
#include "sim/internal.h"

#include <assert.h>
#include <stdio.h>

static const char *const worker_names[SIM_MAX_VCPUS] = {
	"kworker/0", "kworker/1", "kworker/2",	"kworker/3",  "kworker/4",  "kworker/5",
	"kworker/6", "kworker/7", "kworker/8",	"kworker/9",  "kworker/10", "kworker/11",
	"kworker/12", "kworker/13", "kworker/14", "kworker/15",
};

void sim_work_init(SimCtx *ctx, SimWork *w, const char *name, SimWorkFn fn)
{
	assert(w != NULL && name != NULL && fn != NULL);
	w->name = name;
	w->id = ctx->next_obj_id++;
	w->fn = fn;
	w->pending = false;
	w->linked = false;
	w->next = NULL;
}

static SimFootprint work_fp(const SimWork *w)
{
	return sim_fp1(SIM_RES_WORK, SIM_ACC_WRITE, w->id);
}

/* The worker of one vCPU's pool: run queued items in order, clear PENDING first. */
static void worker_fn(SimCtx *ctx, void *arg)
{
	unsigned pool = (unsigned)(uintptr_t)arg;

	for (;;) {
		SimVcpu *v = &ctx->vcpus[pool];
		SimWork *w;
		SimFootprint fp;

		while (!v->work_head) {
			sim_task_prepare_sleep(ctx, SIM_WAIT_WORK, NULL, "work");
			sim_task_sleep(ctx);
		}
		w = v->work_head;
		fp = work_fp(w);
		sim_yield(ctx, SIM_Y_WORK_START, &fp);
		/* Another step may have run between; the list is ours alone, so w is still
		 * the head. */
		assert(v->work_head == w);
		v->work_head = w->next;
		if (!v->work_head)
			v->work_tail = NULL;
		w->next = NULL;
		w->linked = false;
		w->pending = false;
		ctx->work_runs++;
		SIM_TRACE(ctx, SIM_EV_WORK_START, "work", w->name, (int64_t)ctx->work_runs, 0, 0);
		/* Kept after the work returns: the steps up to the next item still belong to it. */
		sim_task_set_activity(ctx, w->name);
		w->fn(ctx, w);
		SIM_TRACE(ctx, SIM_EV_WORK_END, "work", w->name, (int64_t)ctx->work_runs, 0, 0);
		/* process_one_work ends with cond_resched(). */
		sim_quiescent_point(ctx);
	}
}

static void queue_on(SimCtx *ctx, SimWork *w, unsigned vcpu)
{
	SimVcpu *v = &ctx->vcpus[vcpu];

	if (w->linked) {
		sim_report(ctx, SIM_V_BUG, true, "K9", __func__,
			   "work %s queued while already linked", w->name);
		return;
	}
	w->linked = true;
	w->next = NULL;
	if (v->work_tail)
		v->work_tail->next = w;
	else
		v->work_head = w;
	v->work_tail = w;
	SIM_TRACE(ctx, SIM_EV_WORK_QUEUE, "queue", w->name, vcpu, 0, 0);
	if (!v->worker) {
		v->worker = sim_task_create(ctx, worker_names[vcpu], vcpu, worker_fn,
					    (void *)(uintptr_t)vcpu, SIM_TASK_DAEMON);
		return;
	}
	sim_task_wake(ctx, v->worker);
}

static void delayed_work_timer_fn(SimCtx *ctx, SimTimer *t)
{
	SimDelayedWork *dw = t->data;

	queue_on(ctx, &dw->work, ctx->vcpus[t->vcpu].online ? t->vcpu : 0);
}

void sim_delayed_work_init(SimCtx *ctx, SimDelayedWork *dw, const char *name, SimWorkFn fn)
{
	sim_work_init(ctx, &dw->work, name, fn);
	sim_timer_init(&dw->timer, delayed_work_timer_fn, dw);
}

bool sim_schedule_delayed_work(SimCtx *ctx, SimDelayedWork *dw, uint64_t delay)
{
	SimFootprint fp = work_fp(&dw->work);

	assert(ctx->cur != NULL);
	sim_fp_add(&fp, SIM_RES_CLOCK, SIM_ACC_WRITE, 0, 1);
	sim_yield(ctx, SIM_Y_TIMER, &fp);
	if (dw->work.pending)
		return false;
	dw->work.pending = true;
	if (!delay) {
		queue_on(ctx, &dw->work, ctx->cur->vcpu);
		return true;
	}
	if (dw->timer.pending || dw->work.linked) {
		sim_report(ctx, SIM_V_BUG, true, "K9", __func__,
			   "delayed work %s: timer pending or work linked while PENDING was clear",
			   dw->work.name);
		return true;
	}
	sim_timer_add(ctx, &dw->timer, delay);
	return true;
}

bool sim_schedule_work(SimCtx *ctx, SimWork *w)
{
	SimFootprint fp = work_fp(w);

	assert(ctx->cur != NULL);
	sim_yield(ctx, SIM_Y_TIMER, &fp);
	if (w->pending)
		return false;
	w->pending = true;
	queue_on(ctx, w, ctx->cur->vcpu);
	return true;
}

bool sim_delayed_work_pending(const SimDelayedWork *dw)
{
	return dw->work.pending;
}

uint64_t sim_work_runs(const SimCtx *ctx)
{
	return ctx->work_runs;
}

void sim_work_migrate(SimCtx *ctx, unsigned from, unsigned to)
{
	SimVcpu *src = &ctx->vcpus[from];

	while (src->work_head) {
		SimWork *w = src->work_head;

		src->work_head = w->next;
		w->linked = false;
		queue_on(ctx, w, to);
	}
	src->work_tail = NULL;
}
