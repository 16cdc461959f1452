// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bounded exhaustive depth-first search over schedules, with sleep sets.
 *
 * Stateless: every execution starts from the beginning and replays the path to the
 * deepest node that still has an untried option, then tries it and continues with the
 * first allowed option at every new node.  The path lives here between runs; runs only
 * append to it.
 *
 * Sleep sets (Godefroid): after the subtree of option a has been searched at a node,
 * a sleeps in the subtrees of a's later siblings for as long as only options independent
 * of a are taken, because every execution there that takes a later is equivalent to one
 * that takes a first.  Three rules keep this sound here:
 *  - An option whose search was not cut short by the preemption bound (nor by the split
 *    between workers) sleeps firmly: every execution it stands for was run.
 *  - An option whose search was cut sleeps only while moving it to the front of the path
 *    taken since would stay within the bound, so that the equivalent execution was among
 *    those its search ran (reorder_within_bound).  Above the split between workers every
 *    option sleeps that way, searched here or by another worker, so that the sleep sets
 *    a subtree starts with do not depend on who searched what.
 *  - A sleeping option matches an option of a later state only if everything that
 *    identifies it is equal: vCPU, alternative, task, reason and footprint.
 *
 * Dynamic partial-order reduction (Flanagan and Godefroid) decides which options a node
 * searches at all: at first only those of one actor (a vCPU with its alternatives, or
 * the tick); whenever a later option races with the step taken at a node (dependent,
 * another actor, not ordered after it by happens-before, see dpor.h), the racing actor
 * is added there, and at every context switch before it so that the reordering can be
 * reached within the preemption bound.  Without reduction, and above the split between
 * workers, a node searches every option.
 */
#include "sim/dpor.h"
#include "sim/strategy.h"
#include "sim/internal.h"
#include "sim/rng.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#define MAX_OPTS 64	/* options at one decision; 2 * SIM_MAX_VCPUS + 1 in practice */
#define NO_VCPU UINT16_MAX	/* hprev before any vCPU has run */

typedef struct {
	uint8_t kind;
	uint8_t alt;
	uint16_t vcpu;
	uint16_t task;
	uint16_t reason;
	SimFootprint fp;
	/*
	 * Sleep-set entries only.  Firm: the search below the entry's own node was not cut,
	 * so every execution it stands for was run.  Otherwise (see reorder_within_bound)
	 * `base` is the preemption count before the node where it was searched, `hyp` an
	 * upper bound on the preemptions of the path from there with this option moved to
	 * its front, and `hprev` the vCPU that would run last on that path.
	 */
	bool firm;
	/*
	 * A quiescent point of a script task where it keeps its vCPU: the step after it
	 * runs only the task's own code up to its next decision point, and resets its own
	 * vCPU's execution state (so it is taken to write that vCPU).
	 */
	bool local_qs;
	/*
	 * A local quiescent point on a vCPU that is home to a task blocked in a grace period:
	 * a step that reports a quiescent state may end it and queue that task there, which
	 * gives the quiescent point a second alternative (see qs_independent).
	 */
	bool gp_wake;
	uint16_t base;
	uint16_t hyp;
	uint16_t hprev;
} DfsOpt;

typedef struct {
	uint32_t opt0;		/* this node's options: opts[opt0 .. opt0 + n) */
	uint32_t sleep0;	/* its sleep set: sleep[sleep0 .. sleep0 + n_sleep) */
	uint32_t n_sleep;
	uint8_t n;
	uint8_t chosen;
	bool unsafe;		/* wake-ups here could race (see state_unsafe) */
	bool branching;		/* two or more candidates when it was reached */
	bool top;		/* above the split: every option searched, by some worker */
	bool level_up;		/* counts as a split level for the nodes below */
	bool starts_sub;	/* the chosen option begins a subtree of the split */
	/*
	 * Options to search here (dynamic partial-order reduction): first those of the
	 * actor chosen first, then what the races found below add; every option without
	 * reduction and above the split level.
	 */
	uint64_t backtrack;
	uint64_t done;		/* options whose subtree has been searched */
	uint64_t eligible;	/* ... without a cut: may sleep for later siblings */
	uint64_t eligible_cut;	/* ... with a cut: may sleep while reordering stays in bound */
	uint64_t asleep;	/* options in the sleep set */
	uint64_t excluded;	/* beyond the preemption bound */
	uint32_t actors;	/* the actors with an option here (bit SIM_HB_TICK: the tick) */
	/* One more than the latest node before this one where each actor had no option. */
	uint32_t off_before[SIM_HB_ACTORS];
	uint32_t switch_before;	/* one more than the latest context switch before, 0 none */
	int prev;		/* the vCPU that took the last step before this node, -1 none */
	unsigned preemptions;	/* used before this node */
	unsigned level;		/* split levels above this one (level_up nodes) */
	bool cut_below;		/* the chosen option's subtree was cut */
	bool cut_any;		/* a cut here or in any searched subtree */
	/*
	 * With cfg.traces, once the chosen step is in hb: the sum of the event hashes of
	 * the steps chosen at nodes 0 .. this one (see trace_event).
	 */
	uint64_t trace;
} DfsNode;

typedef struct {
	SimStrategy base;
	SimDfsConfig cfg;
	GArray *nodes;		/* DfsNode: the path */
	GArray *opts;		/* DfsOpt */
	GArray *sleep;		/* DfsOpt */
	SimHb hb;		/* happens-before over the steps chosen at nodes[0 .. len-1) */
	bool hb_on;		/* hb is kept: for the reduction, or for the traces */
	bool bound_cut;		/* an option was beyond the bound somewhere */
	uint64_t trace;		/* the last counted run's trace hash */
	size_t depth;		/* decisions made in the current run */
	uint64_t next_sub;	/* the next subtree number for the split */
	SimDfsRunKind last;
	bool stopped_skip;	/* this run was stopped at a subtree of another worker */
	bool stopped_pruned;
} DfsStrategy;

/* ---- shared definitions ---- */

bool sim_is_preemption(const SimOption *opts, size_t n, size_t i, int prev)
{
	bool prev_enabled = false;

	assert(i < n);
	if (prev < 0)
		return false;
	if (opts[i].kind == SIM_OPT_STEP && opts[i].vcpu == (unsigned)prev)
		return false;
	for (size_t j = 0; j < n && !prev_enabled; j++)
		prev_enabled = opts[j].kind == SIM_OPT_STEP && opts[j].vcpu == (unsigned)prev;
	return prev_enabled;
}

/*
 * Steps whose effect reaches past their footprint: a task's first step that declares no
 * footprint (sim_task_declare_start), a quiescent point (it may let another task onto the
 * vCPU), stop_machine and hotplug (they change which vCPUs may run), a data choice, a
 * worker starting or ending a work function (the function's first stretch runs in that
 * step), and an operation boundary that declares no footprint (script code, and a
 * kernel call up to its first decision point, with the checker's bookkeeping of the
 * call).  A first step or an operation boundary that declares a footprint (a script
 * task's first step and its local operations, model/script.c) is taken at its word: a
 * first step makes its vCPU non-quiescent, which only synchronize_sched reads, and
 * sync_independent() keeps the two dependent (the first step never stays).
 */
static bool reaches_past(const SimOption *o)
{
	switch (o->reason) {
	case SIM_Y_OP:
	case SIM_Y_START:
		return o->fp->n == 0;
	case SIM_Y_QS:
	case SIM_Y_STOP_MACHINE:
	case SIM_Y_HOTPLUG:
	case SIM_Y_CHOICE:
	case SIM_Y_WORK_START:
	case SIM_Y_WORK_END:
		return true;
	default:
		return false;
	}
}

/*
 * May the step wake a task?  A release or a completion may; so may synchronize_sched,
 * whose own quiescent state as it blocks can end another grace period.
 */
static bool may_wake(unsigned reason)
{
	return reason == SIM_Y_UNLOCK || reason == SIM_Y_COMPLETE || reason == SIM_Y_RCU_SYNC;
}

/* Both steps may wake a task: the woken tasks could queue on one vCPU in either order. */
static bool both_wake(unsigned a, unsigned b)
{
	return may_wake(a) && may_wake(b);
}

/*
 * synchronize_sched starts a grace period: it reads which other vCPUs are inside a
 * non-quiescent stretch (they must pass a quiescent state before it ends), writes the
 * grace-period state, and blocks its caller, whose own quiescent state may end another
 * grace period and wake its waiter.  A step of another vCPU commutes with it when that
 * step stays inside its stretch (SIM_FP_STAYS: the vCPU is non-quiescent before and
 * after it, and it reports nothing), touches no grace-period state and wakes nobody.
 * Steps that queue or pick a task do not stay: a woken task only queues, and the step
 * that puts it on its vCPU is its own.
 */
static bool sync_independent(const SimOption *sync, const SimOption *b)
{
	assert(sync->reason == SIM_Y_RCU_SYNC);
	return (b->fp->flags & SIM_FP_STAYS) && !may_wake(b->reason);
}

/*
 * The tick advances jiffies and fires the timers due: it writes the clock and the timer
 * list, queues work (waking a worker) and wakes sleepers, on any vCPU.  A step commutes
 * with it when it touches none of that: no clock, work item or global access in its
 * footprint, no wake-up of its own (the two wake-ups could queue tasks in either order),
 * and no effect beyond its footprint.  The tick cannot change a step it commutes with:
 * it wakes only blocked tasks, and a woken task queues behind the running one.
 */
static bool tick_independent(const SimOption *s)
{
	if (s->kind == SIM_OPT_TICK || reaches_past(s) || may_wake(s->reason))
		return false;
	for (unsigned i = 0; i < s->fp->n; i++) {
		unsigned cls = s->fp->acc[i].cls;

		if (cls == SIM_RES_CLOCK || cls == SIM_RES_WORK || cls == SIM_RES_GLOBAL)
			return false;
	}
	return true;
}

bool sim_opts_independent(const SimOption *a, const SimOption *b)
{
	assert(a != NULL && b != NULL);
	assert(a->fp != NULL && b->fp != NULL);
	if (a->kind == SIM_OPT_TICK)
		return tick_independent(b);
	if (b->kind == SIM_OPT_TICK)
		return tick_independent(a);
	if (a->vcpu == b->vcpu)
		return false;
	if (reaches_past(a) || reaches_past(b))
		return false;
	if (both_wake(a->reason, b->reason))
		return false;
	if (a->reason == SIM_Y_RCU_SYNC && !sync_independent(a, b))
		return false;
	if (b->reason == SIM_Y_RCU_SYNC && !sync_independent(b, a))
		return false;
	return !sim_fp_conflict(a->fp, b->fp);
}

/* ---- option identities ---- */

static void opt_copy(DfsOpt *d, const SimCtx *ctx, const SimOption *o)
{
	const SimTask *t;

	memset(d, 0, sizeof(*d));
	if (o->kind == SIM_OPT_STEP && o->reason == SIM_Y_QS && o->alt == 0) {
		t = sim_task_by_id(ctx, o->task);
		assert(t != NULL);
		d->local_qs = !(t->flags & SIM_TASK_DAEMON);
		for (unsigned i = 0; d->local_qs && i < ctx->n_tasks && !d->gp_wake; i++) {
			const SimTask *w = sim_ctx_task(ctx, i);

			d->gp_wake = w->state == SIM_TS_BLOCKED && w->wait_kind == SIM_WAIT_GP &&
				     w->vcpu == o->vcpu;
		}
	}
	d->kind = o->kind;
	d->alt = o->alt;
	d->vcpu = o->vcpu;
	d->task = o->task;
	d->reason = o->reason;
	d->fp.n = o->fp->n;
	d->fp.flags = o->fp->flags;
	for (unsigned i = 0; i < o->fp->n; i++)
		d->fp.acc[i] = o->fp->acc[i];
}

static SimOption opt_view(const DfsOpt *d)
{
	SimOption o = {
		.kind = d->kind, .alt = d->alt, .vcpu = d->vcpu, .task = d->task,
		.reason = d->reason, .fp = &d->fp,
	};
	return o;
}

static bool fp_equal(const SimFootprint *a, const SimFootprint *b)
{
	if (a->n != b->n || a->flags != b->flags)
		return false;
	for (unsigned i = 0; i < a->n; i++)
		if (a->acc[i].cls != b->acc[i].cls || a->acc[i].mode != b->acc[i].mode ||
		    a->acc[i].lo != b->acc[i].lo || a->acc[i].hi != b->acc[i].hi)
			return false;
	return true;
}

static bool opt_same(const DfsOpt *d, const SimOption *o)
{
	return d->kind == o->kind && d->alt == o->alt && d->vcpu == o->vcpu &&
	       d->task == o->task && d->reason == o->reason && fp_equal(&d->fp, o->fp);
}

/*
 * States where the footprints do not tell the whole story: two tasks blocked on one
 * vCPU (two wake-ups in different steps would queue them in either order), several
 * grace periods in flight, a stop_machine request capturing vCPUs.  Nothing is
 * independent there.
 */
static bool state_unsafe(const SimCtx *ctx)
{
	unsigned blocked[SIM_MAX_VCPUS] = { 0 };

	if (ctx->stop_owner || ctx->n_gps >= 2)
		return true;
	for (unsigned i = 0; i < ctx->n_tasks; i++) {
		const SimTask *t = sim_ctx_task(ctx, i);

		if (!sim_task_waits(t))
			continue;
		assert(t->vcpu < SIM_MAX_VCPUS);
		if (++blocked[t->vcpu] >= 2)
			return true;
	}
	return false;
}

/*
 * A local quiescent point offers one alternative, keeping the vCPU, while no other task
 * is queued there.  A step that queues one there gives the decision a second, handing the
 * vCPU over, which it did not have: the two are not independent, though the first
 * alternative commutes with it.  The tick wakes sleepers and workers, a release, a
 * completion or synchronize_sched may wake a task, and while a task with this vCPU for
 * home waits for a grace period, every step that may report a quiescent state (one that
 * does not stay inside its stretch) may end it.
 */
static bool qs_independent(const DfsOpt *qs, const DfsOpt *o)
{
	assert(qs->local_qs);
	if (o->kind == SIM_OPT_TICK || may_wake(o->reason))
		return false;
	return !qs->gp_wake || (o->fp.flags & SIM_FP_STAYS);
}

/* Independence of two recorded options: as sim_opts_independent, with local_qs. */
static bool dfs_independent(const DfsOpt *a, const DfsOpt *b)
{
	SimOption av = opt_view(a), bv = opt_view(b);
	SimFootprint afp, bfp;

	if ((a->local_qs && !qs_independent(a, b)) || (b->local_qs && !qs_independent(b, a)))
		return false;

	if (a->local_qs) {
		afp = sim_fp1(SIM_RES_VCPU, SIM_ACC_WRITE, a->vcpu);
		av.fp = &afp;
		av.reason = SIM_Y_LOAD;
	}
	if (b->local_qs) {
		bfp = sim_fp1(SIM_RES_VCPU, SIM_ACC_WRITE, b->vcpu);
		bv.fp = &bfp;
		bv.reason = SIM_Y_LOAD;
	}
	return sim_opts_independent(&av, &bv);
}

/* ---- the path ---- */

static DfsNode *node_at(DfsStrategy *d, size_t i)
{
	assert(i < d->nodes->len);
	return &g_array_index(d->nodes, DfsNode, i);
}

static DfsOpt *node_opt(DfsStrategy *d, const DfsNode *nd, unsigned i)
{
	assert(i < nd->n);
	return &g_array_index(d->opts, DfsOpt, nd->opt0 + i);
}

static bool preempts(DfsStrategy *d, const DfsNode *nd, unsigned i)
{
	SimOption view[MAX_OPTS];

	for (unsigned j = 0; j < nd->n; j++)
		view[j] = opt_view(node_opt(d, nd, j));
	return sim_is_preemption(view, nd->n, i, nd->prev);
}

static uint64_t candidates(const DfsNode *nd)
{
	uint64_t all = nd->n == 64 ? ~0ull : (1ull << nd->n) - 1;

	return all & nd->backtrack & ~nd->done & ~nd->asleep & ~nd->excluded;
}

/* The next option to try: the running vCPU's steps before the others, in order. */
static int pick(DfsStrategy *d, const DfsNode *nd)
{
	uint64_t c = candidates(nd);

	if (!c)
		return -1;
	for (unsigned i = 0; i < nd->n; i++)
		if ((c >> i & 1) && !preempts(d, nd, i))
			return (int)i;
	for (unsigned i = 0; i < nd->n; i++)
		if (c >> i & 1)
			return (int)i;
	return -1;
}

/* Account for `c` taken after the path an unfirm sleep entry stands in front of. */
static void extend(DfsOpt *e, const DfsOpt *c)
{
	if (e->firm)
		return;
	/* Every switch is counted as a preemption: its vCPU may well be enabled there. */
	if (c->kind == SIM_OPT_TICK || c->vcpu != e->hprev)
		e->hyp++;
	if (c->kind == SIM_OPT_STEP)
		e->hprev = c->vcpu;
}

/* The sleep set a child of `parent` (which chose parent->chosen) starts with. */
static void child_sleep(DfsStrategy *d, DfsNode *parent)
{
	const DfsOpt *chosen = node_opt(d, parent, parent->chosen);

	if (!d->cfg.reduce || parent->unsafe)
		return;
	for (uint32_t i = 0; i < parent->n_sleep; i++) {
		DfsOpt s = g_array_index(d->sleep, DfsOpt, parent->sleep0 + i);

		if (!dfs_independent(&s, chosen))
			continue;
		extend(&s, chosen);
		g_array_append_val(d->sleep, s);
	}
	for (unsigned i = 0; i < parent->n; i++) {
		DfsOpt s;

		if (!((parent->eligible | parent->eligible_cut) >> i & 1))
			continue;
		s = *node_opt(d, parent, i);
		if (!dfs_independent(&s, chosen))
			continue;
		s.firm = parent->eligible >> i & 1;
		s.base = (uint16_t)parent->preemptions;
		s.hyp = preempts(d, parent, i) ? 1 : 0;
		/* The tick does not change which vCPU runs. */
		s.hprev = s.kind == SIM_OPT_STEP ? s.vcpu :
			  parent->prev >= 0 ? (uint16_t)parent->prev : NO_VCPU;
		extend(&s, chosen);
		g_array_append_val(d->sleep, s);
	}
}

/*
 * May the unfirm sleep entry e keep option i of node nd asleep?  An execution that takes
 * it here, path . x . w from e's node, is equivalent to x . path . w, which the search
 * below x covered if it is within the bound: its preemptions are at most e->hyp for
 * x . path, plus those of w, which differ from w's after path . x only in w's first step
 * and only when the vCPU running last differs (x's vCPU, or the path's last).  So it
 * suffices that hyp + [they differ] <= preemptions of path + [x preempts here].
 */
static bool reorder_within_bound(DfsStrategy *d, const DfsNode *nd, const DfsOpt *e, unsigned i)
{
	unsigned lhs, rhs;

	if (e->firm)
		return true;
	assert(nd->preemptions >= e->base);
	/* After the tick the running vCPU is the path's last either way. */
	lhs = e->hyp + (e->kind == SIM_OPT_STEP && nd->prev != (int)e->vcpu ? 1u : 0u);
	rhs = nd->preemptions - e->base + (preempts(d, nd, i) ? 1u : 0u);
	return lhs <= rhs;
}

/* ---- dynamic partial-order reduction ---- */

/* The actor an option belongs to: its vCPU, or the tick. */
static unsigned actor_of(const DfsOpt *o)
{
	if (o->kind == SIM_OPT_TICK)
		return SIM_HB_TICK;
	assert(o->vcpu < SIM_MAX_VCPUS);
	return o->vcpu;
}

/*
 * The options of one actor at a node.  A vCPU's alternatives (an IRQ, a data choice) are
 * choices of one actor and dependent with each other: they are searched together.
 */
static uint64_t actor_mask(DfsStrategy *d, const DfsNode *nd, unsigned actor)
{
	uint64_t m = 0;

	if (!(nd->actors >> actor & 1))
		return 0;
	for (unsigned i = 0; i < nd->n; i++)
		if (actor_of(node_opt(d, nd, i)) == actor)
			m |= 1ull << i;
	assert(m != 0);
	return m;
}

static uint64_t all_mask(const DfsNode *nd)
{
	return nd->n == 64 ? ~0ull : (1ull << nd->n) - 1;
}

/*
 * Dependence of the step chosen at node i with a later step or option o.  A step taken
 * in, or an option of, a state where nothing is independent (state_unsafe) is dependent
 * with everything, and so is the step that made o's actor enabled (`enabler`): the
 * engine's relation speaks only of steps enabled together.  Otherwise the relation
 * the sleep sets use.
 */
typedef struct {
	DfsStrategy *d;
	const DfsOpt *o;
	bool o_unsafe;
	size_t enabler;		/* SIZE_MAX: o's actor was enabled from the start */
} DepArg;

static bool dep_with(void *arg, size_t i)
{
	DepArg *a = arg;
	const DfsNode *nd = node_at(a->d, i);

	return a->o_unsafe || nd->unsafe || i == a->enabler ||
	       !dfs_independent(node_opt(a->d, nd, nd->chosen), a->o);
}

/* The step of the latest node before k where `actor` had no option, SIZE_MAX none. */
static size_t enabler_of(DfsStrategy *d, size_t k, unsigned actor)
{
	uint32_t m = node_at(d, k)->off_before[actor];

	return m ? m - 1 : SIZE_MAX;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* Cheap per word (each step is a bijection of h for a given v); mixed once at the end. */
static uint64_t hash_word(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ull;
	return h ^ h >> 32;
}

/*
 * The hash of step k (in hb) as an event of the partial order: what the step is (actor,
 * alternative, task, reason, footprint) and, for every actor, how many of its steps
 * happen before it (sim_hb_counts), which includes the step's own place among its
 * actor's steps.  The multiset of these events is the same for every linearization of
 * one trace and determines the trace; its hash is the sum of theirs.
 */
static uint64_t trace_event(DfsStrategy *d, size_t k, const DfsOpt *c)
{
	uint32_t counts[SIM_HB_ACTORS];
	uint64_t h = 0;

	sim_hb_counts(&d->hb, k, counts);
	h = hash_word(h, (uint64_t)c->kind | (uint64_t)c->alt << 8 |
				 (uint64_t)c->vcpu << 16 | (uint64_t)c->task << 32 |
				 (uint64_t)c->reason << 48);
	h = hash_word(h, (uint64_t)c->local_qs | (uint64_t)c->fp.n << 8);
	for (unsigned i = 0; i < c->fp.n; i++) {
		const SimAccess *acc = &c->fp.acc[i];

		h = hash_word(h, (uint64_t)acc->cls | (uint64_t)acc->mode << 8);
		h = hash_word(h, acc->lo);
		h = hash_word(h, acc->hi);
	}
	for (uint32_t m = d->hb.actors; m; m &= m - 1) {
		unsigned a = (unsigned)__builtin_ctz(m);

		if (counts[a])
			h = hash_word(h, (uint64_t)a << 32 | counts[a]);
	}
	return mix64(h);
}

/* Record the step chosen at node k, the parent of the node being created. */
static void hb_push_node(DfsStrategy *d, size_t k)
{
	DfsNode *nd = node_at(d, k);
	const DfsOpt *c = node_opt(d, nd, nd->chosen);
	DepArg a = { d, c, nd->unsafe, enabler_of(d, k, actor_of(c)) };

	/* Steps of nodes k and beyond are stale: the path was cut back and chose anew. */
	if (sim_hb_len(&d->hb) > k)
		sim_hb_truncate(&d->hb, k);
	assert(sim_hb_len(&d->hb) == k);
	sim_hb_push(&d->hb, actor_of(c), dep_with, &a);
	if (d->cfg.traces)
		nd->trace = (k ? node_at(d, k - 1)->trace : 0) + trace_event(d, k, c);
}

/* Is node c a context switch: its step not taken by the vCPU that ran before it? */
static bool is_switch(DfsStrategy *d, const DfsNode *nd)
{
	const DfsOpt *c = node_opt(d, nd, nd->chosen);

	return nd->prev < 0 || c->kind == SIM_OPT_TICK || c->vcpu != (unsigned)nd->prev;
}

/*
 * Add to node i what reverses a race of its step with a later option of `actor`
 * (Flanagan and Godefroid, POPL 2005): that actor's options if it had any there; else,
 * when `via`, the options of an actor whose later step happens before the option (it
 * must run first); else every option.
 */
static void add_backtrack(DfsStrategy *d, size_t i, unsigned actor, bool via)
{
	DfsNode *nd = node_at(d, i);
	uint64_t m = actor_mask(d, nd, actor);

	for (size_t k = i + 1; !m && via && k < sim_hb_len(&d->hb); k++)
		if (sim_hb_before_actor(&d->hb, k, actor))
			m = actor_mask(d, nd, sim_hb_actor(&d->hb, k));
	nd->backtrack |= m ? m : all_mask(nd);
}

/*
 * Races of every option of the new node k with the steps before it.  For each, the
 * reversal is added at the racing step's node i and, for the preemption bound, at every
 * context switch before i.  The reversal at i may need preemptions the bound does not
 * allow, while moving the option to a point where the schedule switched anyway costs no
 * more than that switch (Coons, Musuvathi, McKinley, OOPSLA 2013, add only the latest
 * such point; that alone lost final states here, see docs/explore.md).
 */
/*
 * Was option o of node k already offered, unchanged, at its parent, which another actor's
 * step left?  Then its races with the steps before the parent were found there.
 */
static bool offered_before(DfsStrategy *d, size_t k, const DfsOpt *o)
{
	const DfsNode *me = node_at(d, k), *parent;
	SimOption ov = opt_view(o);

	if (k == 0)
		return false;
	parent = node_at(d, k - 1);
	if (parent->top || parent->unsafe != me->unsafe ||
	    actor_of(node_opt(d, parent, parent->chosen)) == actor_of(o))
		return false;
	for (unsigned j = 0; j < parent->n; j++) {
		const DfsOpt *po = node_opt(d, parent, j);

		if (po->local_qs == o->local_qs && opt_same(po, &ov))
			return true;
	}
	return false;
}

/*
 * Reverse a race of the step at node i with a later option of `actor`: at i and, for the
 * preemption bound, at every context switch before i.
 */
static void reverse_race(DfsStrategy *d, size_t i, unsigned actor)
{
	add_backtrack(d, i, actor, true);
	for (uint32_t c = node_at(d, i)->switch_before; c; c = node_at(d, c - 1)->switch_before) {
		assert(c - 1 < i && is_switch(d, node_at(d, c - 1)));
		add_backtrack(d, c - 1, actor, false);
	}
}

/*
 * The step chosen at node i took away the options of the other actors that have none in
 * `after` (the actors offered at the next node; 0 when the run ended there).  A step that
 * disables an option is dependent with it, and since the option is not offered after it,
 * no later node shows that race: reverse it here.  Inside a run that is a stop_machine
 * request capturing an idle vCPU, say (docs/explore.md, Disabling steps); at the end of
 * one, every other actor's options (end_races).
 */
static void reverse_taken_away(DfsStrategy *d, size_t i, uint32_t after)
{
	const DfsNode *nd = node_at(d, i);
	unsigned ran;

	if (nd->top)
		return;
	ran = actor_of(node_opt(d, nd, nd->chosen));
	for (uint32_t gone = nd->actors & ~after & ~(1u << ran); gone; gone &= gone - 1)
		reverse_race(d, i, (unsigned)__builtin_ctz(gone));
}

static void find_races(DfsStrategy *d, size_t k)
{
	DfsNode *me = node_at(d, k);

	if (k)
		reverse_taken_away(d, k - 1, me->actors);

	assert(sim_hb_len(&d->hb) == k);
	for (unsigned oi = 0; oi < me->n; oi++) {
		const DfsOpt *o = node_opt(d, me, oi);
		unsigned actor = actor_of(o);
		DepArg a = { d, o, me->unsafe, enabler_of(d, k, actor) };
		long i;

		if (offered_before(d, k, o))
			/* Only the parent's step is new. */
			i = !sim_hb_before_actor(&d->hb, k - 1, actor) && dep_with(&a, k - 1) ?
				    (long)k - 1 : -1;
		else
			i = sim_hb_last_race(&d->hb, actor, dep_with, &a);

		if (i >= 0)
			reverse_race(d, (size_t)i, actor);
	}
}

/*
 * The races of a run's last step.  Those of a step with the options offered beside it
 * are found at the next node, and no node follows the last step: the run ended (done, a
 * deadlock, a fatal violation, the step limit), so that step disabled every option of
 * another actor offered with it, and a step that disables an option is dependent with
 * it.  A fatal violation in particular ends the run where another actor's option taken
 * first leads to other final states (scenarios/errors/shared-struct-two-callers.kps).
 */
static void end_races(DfsStrategy *d)
{
	reverse_taken_away(d, d->nodes->len - 1, 0);
}

/* Number the next subtree of the split; false: another worker's. */
static bool own_next(DfsStrategy *d)
{
	uint64_t sub = d->next_sub++;

	if (d->cfg.claim)
		return d->cfg.claim(d->cfg.claim_user, sub);
	return sub % d->cfg.n_workers == d->cfg.worker;
}

/*
 * Does the option chosen at this node begin a subtree of the split, below the top?  It
 * does at a top node when it preempts (under a bound, only nodes reached without a
 * preemption are top) or when its child is L levels down.  Then the subtree is numbered;
 * false: it is another worker's.
 */
static bool claim(DfsStrategy *d, DfsNode *nd)
{
	nd->starts_sub = nd->top &&
			 ((d->cfg.preemptions >= 0 && preempts(d, nd, nd->chosen)) ||
			  (nd->level_up && nd->level + 1 >= d->cfg.split_level));
	return !nd->starts_sub || own_next(d);
}

static void new_node(DfsStrategy *d, SimCtx *ctx, const SimOption *opts, size_t n)
{
	DfsNode nd = { 0 };
	DfsNode *parent = d->nodes->len ? node_at(d, d->nodes->len - 1) : NULL;
	uint64_t cand;

	assert(n > 0 && n <= MAX_OPTS);
	nd.sleep0 = d->sleep->len;
	if (parent) {
		const DfsOpt *pc = node_opt(d, parent, parent->chosen);

		child_sleep(d, parent);
		if (d->hb_on) {
			uint32_t pi = d->nodes->len - 1;

			hb_push_node(d, pi);
			for (unsigned a = 0; a < SIM_HB_ACTORS; a++)
				nd.off_before[a] = parent->actors >> a & 1 ? parent->off_before[a] : pi + 1;
			nd.switch_before = is_switch(d, parent) ? pi + 1 : parent->switch_before;
		}
		nd.prev = pc->kind == SIM_OPT_STEP ? pc->vcpu : parent->prev;
		nd.preemptions = parent->preemptions + (preempts(d, parent, parent->chosen) ? 1 : 0);
		nd.level = parent->level + (parent->level_up ? 1u : 0u);
	} else {
		nd.prev = -1;
	}
	nd.n_sleep = d->sleep->len - nd.sleep0;
	nd.opt0 = d->opts->len;
	nd.n = (uint8_t)n;
	nd.unsafe = state_unsafe(ctx);
	for (size_t i = 0; i < n; i++) {
		DfsOpt o;

		opt_copy(&o, ctx, &opts[i]);
		g_array_append_val(d->opts, o);
		nd.actors |= 1u << actor_of(&o);
	}
	g_array_append_val(d->nodes, nd);
	{
		DfsNode *me = node_at(d, d->nodes->len - 1);
		uint32_t kept = 0;

		/* Entries that no longer hold are dropped here and for the whole subtree. */
		for (uint32_t s = 0; s < me->n_sleep; s++) {
			DfsOpt e = g_array_index(d->sleep, DfsOpt, me->sleep0 + s);
			bool keep = false;

			for (size_t i = 0; i < n && !keep; i++)
				if (opt_same(&e, &opts[i]) && reorder_within_bound(d, me, &e, (unsigned)i)) {
					me->asleep |= 1ull << i;
					keep = true;
				}
			if (keep)
				g_array_index(d->sleep, DfsOpt, me->sleep0 + kept++) = e;
		}
		/* This node's entries are the last in the pool. */
		assert(me->sleep0 + me->n_sleep == d->sleep->len);
		g_array_set_size(d->sleep, me->sleep0 + kept);
		me->n_sleep = kept;

		if (d->cfg.preemptions >= 0)
			for (unsigned i = 0; i < me->n; i++)
				if (!(me->asleep >> i & 1) &&
				    me->preemptions + (preempts(d, me, i) ? 1u : 0u) >
					    (unsigned)d->cfg.preemptions)
					me->excluded |= 1ull << i;
		d->bound_cut |= me->excluded != 0;
		/* Branching is judged on every allowed option, so that the split levels do
		 * not depend on what races found below add. */
		me->backtrack = ~0ull;
		cand = candidates(me);
		me->cut_any = me->excluded != 0;
		me->branching = (cand & (cand - 1)) != 0;
		if (d->cfg.split_level) {
			bool bounded = d->cfg.preemptions >= 0;
			uint64_t free = cand;

			/*
			 * Under a bound the top is the part reached without a preemption, and a
			 * level is a choice among options that do not preempt: a subtree begins at
			 * the first preemption, or L such choices down.  Levels counted at every
			 * branching node would leave most of the tree below the spine of options
			 * that do not preempt in one subtree.
			 */
			for (unsigned i = 0; bounded && i < me->n; i++)
				if ((free >> i & 1) && preempts(d, me, i))
					free &= ~(1ull << i);
			me->level_up = bounded ? (free & (free - 1)) != 0 : me->branching;
			me->top = me->branching && me->level < d->cfg.split_level &&
				  (!bounded || me->preemptions == 0);
		}
		/*
		 * Above the split every option is searched, so that the subtrees the workers
		 * share out are the same whatever each finds below.
		 */
		if (d->cfg.reduce && !me->top) {
			int first = pick(d, me);

			me->backtrack = first < 0 ? 0 :
				actor_mask(d, me, actor_of(node_opt(d, me, (unsigned)first)));
			find_races(d, d->nodes->len - 1);
		}
	}
}

static void dfs_begin(SimStrategy *s, SimCtx *ctx)
{
	DfsStrategy *d = (DfsStrategy *)s;

	(void)ctx;
	d->depth = 0;
	d->last = SIM_DFS_RUN_COUNTS;
	d->stopped_skip = false;
	d->stopped_pruned = false;
}

/*
 * Option i of a top node has been searched, here or by other workers.  Whether the bound
 * cut that search anywhere depends on who searched what, so under a bound it sleeps for
 * the later siblings as if it had been cut (conditionally); without one nothing is cut.
 */
static void top_searched(DfsStrategy *d, DfsNode *nd, unsigned i)
{
	if (!d->cfg.reduce)
		return;
	if (d->cfg.preemptions >= 0)
		nd->eligible_cut |= 1ull << i;
	else
		nd->eligible |= 1ull << i;
}

/* Try options at the deepest node until one belongs to this worker; -1 if none is left. */
static int choose_here(DfsStrategy *d, DfsNode *nd)
{
	for (;;) {
		int i = pick(d, nd);

		if (i < 0)
			return -1;
		nd->chosen = (uint8_t)i;
		nd->cut_below = false;
		if (claim(d, nd))
			return i;
		/* Another worker's subtree, searched there in full: it sleeps as if here. */
		nd->done |= 1ull << i;
		nd->cut_any = true;
		top_searched(d, nd, (unsigned)i);
	}
}

static size_t dfs_choose(SimStrategy *s, SimCtx *ctx, const SimOption *opts, size_t n)
{
	DfsStrategy *d = (DfsStrategy *)s;
	DfsNode *nd;
	uint64_t open;
	int i;

	assert(n > 0 && n <= MAX_OPTS);
	if (d->depth < d->nodes->len) {
		/* Replaying the path: the run must offer exactly what it offered before. */
		nd = node_at(d, d->depth);
		if (nd->n != n)
			return SIM_CHOOSE_DIVERGED;
		for (unsigned k = 0; k < n; k++)
			if (!opt_same(node_opt(d, nd, k), &opts[k]))
				return SIM_CHOOSE_DIVERGED;
		d->depth++;
		return nd->chosen;
	}
	new_node(d, ctx, opts, n);
	nd = node_at(d, d->nodes->len - 1);
	open = candidates(nd);
	i = choose_here(d, nd);
	if (i < 0) {
		/* Pruned only if nothing was left to search, here or by another worker. */
		if (!open && nd->asleep)
			d->stopped_pruned = true;
		else
			d->stopped_skip = true;
		return SIM_CHOOSE_STOP;
	}
	d->depth++;
	return (size_t)i;
}

/* Is this run inside a subtree of the split (not in the top)? */
static bool in_subtree(DfsStrategy *d)
{
	for (size_t i = 0; i < d->nodes->len; i++)
		if (node_at(d, i)->starts_sub)
			return true;
	return false;
}

static void dfs_end(SimStrategy *s, SimCtx *ctx)
{
	DfsStrategy *d = (DfsStrategy *)s;

	if (d->stopped_pruned) {
		/* Pruned in the top: a subtree of its own, counted by one worker. */
		d->last = d->cfg.split_level && !in_subtree(d) && !own_next(d) ?
				  SIM_DFS_RUN_SKIPPED : SIM_DFS_RUN_PRUNED;
		return;
	}
	if (d->stopped_skip || sim_run_end(ctx) == SIM_END_DIVERGED) {
		d->last = SIM_DFS_RUN_SKIPPED;
		return;
	}
	/* A run that ended cannot end before the path it replayed. */
	assert(d->depth == d->nodes->len);
	if (d->cfg.reduce && d->nodes->len)
		end_races(d);
	d->last = SIM_DFS_RUN_COUNTS;
	/* An execution that ended in the top is a subtree of its own. */
	if (d->cfg.split_level && !in_subtree(d) && !own_next(d))
		d->last = SIM_DFS_RUN_SKIPPED;
	if (d->last == SIM_DFS_RUN_COUNTS && d->cfg.traces) {
		/* The last node's step joins hb now; the next run's pushes replace it. */
		if (d->nodes->len)
			hb_push_node(d, d->nodes->len - 1);
		d->trace = d->nodes->len ? node_at(d, d->nodes->len - 1)->trace : 0;
		if (!d->trace)
			d->trace = 1;
	}
}

SimDfsRunKind sim_strategy_dfs_last(const SimStrategy *s)
{
	return ((const DfsStrategy *)s)->last;
}

uint64_t sim_strategy_dfs_trace(const SimStrategy *s)
{
	const DfsStrategy *d = (const DfsStrategy *)s;

	assert(s->ops->choose == dfs_choose && d->cfg.traces && d->last == SIM_DFS_RUN_COUNTS);
	return d->trace;
}

bool sim_strategy_dfs_bound_cut(const SimStrategy *s)
{
	assert(s->ops->choose == dfs_choose);
	return ((const DfsStrategy *)s)->bound_cut;
}

static void pop(DfsStrategy *d)
{
	DfsNode *nd = node_at(d, d->nodes->len - 1);
	bool cut = nd->cut_any;

	g_array_set_size(d->opts, nd->opt0);
	g_array_set_size(d->sleep, nd->sleep0);
	g_array_set_size(d->nodes, d->nodes->len - 1);
	if (d->nodes->len)
		node_at(d, d->nodes->len - 1)->cut_below |= cut;
}

bool sim_strategy_dfs_advance(SimStrategy *s)
{
	DfsStrategy *d = (DfsStrategy *)s;

	assert(s->ops->choose == dfs_choose);
	/* A run stopped at a new node made no choice there. */
	if ((d->stopped_pruned || d->stopped_skip) && d->depth < d->nodes->len)
		pop(d);
	while (d->nodes->len) {
		DfsNode *nd = node_at(d, d->nodes->len - 1);

		nd->done |= 1ull << nd->chosen;
		nd->cut_any |= nd->cut_below;
		if (nd->top) {
			top_searched(d, nd, nd->chosen);
		} else if (d->cfg.reduce) {
			if (nd->cut_below)
				nd->eligible_cut |= 1ull << nd->chosen;
			else
				nd->eligible |= 1ull << nd->chosen;
		}
		if (choose_here(d, nd) >= 0)
			return true;
		pop(d);
	}
	return false;
}

static void dfs_destroy(SimStrategy *s)
{
	DfsStrategy *d = (DfsStrategy *)s;

	g_array_free(d->nodes, TRUE);
	g_array_free(d->opts, TRUE);
	g_array_free(d->sleep, TRUE);
	sim_hb_clear(&d->hb);
	g_free(d);
}

static const SimStrategyOps dfs_ops = {
	.name = "dfs",
	.begin = dfs_begin,
	.choose = dfs_choose,
	.end = dfs_end,
	.destroy = dfs_destroy,
	.reorders = true,
};

SimStrategy *sim_strategy_dfs_new(const SimDfsConfig *cfg)
{
	DfsStrategy *d = g_new0(DfsStrategy, 1);

	assert(cfg != NULL);
	assert(cfg->preemptions >= -1);
	assert(!cfg->split_level || (cfg->n_workers >= 1 && cfg->worker < cfg->n_workers));
	d->base.ops = &dfs_ops;
	d->cfg = *cfg;
	if (!d->cfg.n_workers)
		d->cfg.n_workers = 1;
	d->hb_on = cfg->reduce || cfg->traces;
	d->nodes = g_array_new(FALSE, FALSE, sizeof(DfsNode));
	d->opts = g_array_new(FALSE, FALSE, sizeof(DfsOpt));
	d->sleep = g_array_new(FALSE, FALSE, sizeof(DfsOpt));
	sim_hb_init(&d->hb);
	return &d->base;
}

/* ---- Knuth's estimator: a random path, weighted by the branching along it ---- */

typedef struct {
	SimStrategy base;
	SimRng rng;
	int bound;
	int prev;
	unsigned preemptions;
	double estimate;
} ProbeStrategy;

static void probe_begin(SimStrategy *s, SimCtx *ctx)
{
	ProbeStrategy *p = (ProbeStrategy *)s;

	(void)ctx;
	p->prev = -1;
	p->preemptions = 0;
	p->estimate = 1;
}

static size_t probe_choose(SimStrategy *s, SimCtx *ctx, const SimOption *opts, size_t n)
{
	ProbeStrategy *p = (ProbeStrategy *)s;
	size_t allowed[MAX_OPTS], m = 0, k;

	(void)ctx;
	assert(n > 0 && n <= MAX_OPTS);
	for (size_t i = 0; i < n; i++)
		if (p->bound < 0 || p->preemptions + sim_is_preemption(opts, n, i, p->prev) <=
					    (unsigned)p->bound)
			allowed[m++] = i;
	assert(m > 0);	/* the running vCPU's own step never preempts */
	p->estimate *= (double)m;
	k = allowed[m == 1 ? 0 : sim_rng_below(&p->rng, m)];
	p->preemptions += sim_is_preemption(opts, n, k, p->prev);
	if (opts[k].kind == SIM_OPT_STEP)
		p->prev = opts[k].vcpu;
	return k;
}

static void probe_destroy(SimStrategy *s)
{
	g_free(s);
}

static const SimStrategyOps probe_ops = {
	.name = "dfs-estimate",
	.begin = probe_begin,
	.choose = probe_choose,
	.destroy = probe_destroy,
};

SimStrategy *sim_strategy_dfs_probe_new(int preemptions, uint64_t seed)
{
	ProbeStrategy *p = g_new0(ProbeStrategy, 1);

	assert(preemptions >= -1);
	p->base.ops = &probe_ops;
	p->bound = preemptions;
	sim_rng_seed(&p->rng, seed);
	return &p->base;
}

void sim_strategy_dfs_probe_reseed(SimStrategy *s, uint64_t seed)
{
	assert(s->ops == &probe_ops);
	sim_rng_seed(&((ProbeStrategy *)s)->rng, seed);
}

double sim_strategy_dfs_probe_estimate(const SimStrategy *s)
{
	assert(s->ops == &probe_ops);
	return ((const ProbeStrategy *)s)->estimate;
}
