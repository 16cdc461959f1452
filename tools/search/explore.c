// SPDX-License-Identifier: GPL-2.0-only
/*
 * The exploration driver.  A worker runs its share of the executions and collects what
 * it saw in an aggregate; with --jobs N the workers are forked processes that send their
 * aggregates to the parent through pipes, otherwise the one worker is this process and
 * fills the result directly.  For random and pct, which executions belong to which worker
 * depends only on the worker's index (run i on worker i mod N); for dfs, every worker
 * numbers the subtrees below the top of the tree in the same order and takes the next
 * one nobody has taken whenever it is free, and a subtree is searched the same way
 * whoever searches it.  So what is found does not depend on how the work was spread.
 * A shard (KpExploreConfig.shard of n_shards) is one more level of the same split, fixed
 * in advance: its runs are those i with i mod n_shards == shard, its subtrees those k
 * with k mod n_shards == shard, and its workers share them out as above.
 *
 * The host clock is read here, between runs, for the progress line and the --time
 * budget; never inside a run.
 */
#include "tools/search/internal.h"

#include "sim/rng.h"
#include "sim/strategy.h"

#include <assert.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * Levels of the top of the dfs tree, which every worker walks, above the subtrees the
 * workers share out (with --jobs > 1; SimDfsConfig.split_level).
 */
#define DFS_SPLIT_LEVEL 8
/* How often a forked worker reports its progress. */
#define FLUSH_SECONDS 0.25

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- a set of trace hashes ---- */

/*
 * Nonzero 64-bit hashes, open addressing with linear probing: there may be millions of
 * traces, so 16 bytes or less each rather than a GHashTable entry and a key block.  The
 * hashes are already mixed (sim_strategy_dfs_trace), so their low bits index the table.
 */
typedef struct {
	uint64_t *slot;		/* 0: empty */
	size_t cap;		/* a power of two, or 0 */
	size_t len;
} HashSet;

static bool hset_add(HashSet *h, uint64_t v);

static void hset_grow(HashSet *h)
{
	HashSet n = { .cap = h->cap ? h->cap * 2 : 1024 };

	n.slot = g_new0(uint64_t, n.cap);
	for (size_t i = 0; i < h->cap; i++)
		if (h->slot[i])
			hset_add(&n, h->slot[i]);
	g_free(h->slot);
	*h = n;
}

/* True when v was not in the set yet. */
static bool hset_add(HashSet *h, uint64_t v)
{
	size_t i;

	assert(v != 0);
	if ((h->len + 1) * 2 > h->cap)
		hset_grow(h);
	for (i = (size_t)v & (h->cap - 1); h->slot[i]; i = (i + 1) & (h->cap - 1))
		if (h->slot[i] == v)
			return false;
	h->slot[i] = v;
	h->len++;
	return true;
}

static void hset_fini(HashSet *h)
{
	g_free(h->slot);
	memset(h, 0, sizeof(*h));
}

/* ---- the aggregate ---- */

typedef struct {
	uint64_t executions, pruned, failing;
	GHashTable *states;	/* uint64_t * -> itself */
	GArray *new_states;	/* uint64_t, not yet sent to the parent */
	HashSet traces;		/* dfs: trace hashes */
	GArray *new_traces;	/* uint64_t, not yet sent to the parent */
	bool bound_cut;		/* dfs: an option was beyond the bound */
	GHashTable *failures;	/* key -> KpExploreFailure * */
	KpTransitions transitions;
	bool *sometimes;
	unsigned n_expects;
	bool complete, budget_ended;
	char *input_error, *internal_error;
} Agg;

void kp_explore_failure_free(gpointer p)
{
	KpExploreFailure *f = p;

	g_free(f->key);
	g_free(f->message);
	g_free(f->schedule);
	g_free(f);
}

static void agg_init(Agg *a, unsigned n_expects)
{
	memset(a, 0, sizeof(*a));
	a->states = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	a->new_states = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	a->new_traces = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	a->failures = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, kp_explore_failure_free);
	a->n_expects = n_expects;
	a->sometimes = g_new0(bool, n_expects ? n_expects : 1);
}

static void agg_fini(Agg *a)
{
	g_hash_table_destroy(a->states);
	g_array_free(a->new_states, TRUE);
	hset_fini(&a->traces);
	g_array_free(a->new_traces, TRUE);
	g_hash_table_destroy(a->failures);
	g_free(a->sometimes);
	g_free(a->input_error);
	g_free(a->internal_error);
}

static void agg_state(Agg *a, uint64_t h, bool track_new)
{
	uint64_t *k;

	if (g_hash_table_contains(a->states, &h))
		return;
	k = g_new(uint64_t, 1);
	*k = h;
	g_hash_table_add(a->states, k);
	if (track_new)
		g_array_append_val(a->new_states, h);
}

static void agg_trace(Agg *a, uint64_t h, bool track_new)
{
	if (hset_add(&a->traces, h) && track_new)
		g_array_append_val(a->new_traces, h);
}

/* Keep the failure of a group that comes first in the search. */
static void agg_failure(Agg *a, const char *key, bool allowed, uint64_t order, uint64_t count,
			const char *message, const char *schedule)
{
	KpExploreFailure *f = g_hash_table_lookup(a->failures, key);

	if (!f) {
		f = g_new0(KpExploreFailure, 1);
		f->key = g_strdup(key);
		f->allowed = allowed;
		f->order = UINT64_MAX;
		g_hash_table_insert(a->failures, f->key, f);
	}
	f->count += count;
	if (order < f->order) {
		f->order = order;
		g_free(f->message);
		g_free(f->schedule);
		f->message = g_strdup(message);
		f->schedule = g_strdup(schedule);
	}
}

/* ---- one worker ---- */

typedef struct {
	const KpScenario *sc;
	const KpExploreConfig *cfg;
	unsigned worker, n_workers;	/* among this shard's workers */
	double start, deadline;		/* deadline 0: none */
	Agg *agg;
	/* Forked: the pipe to the parent; in this process: the progress callback. */
	int fd;
	double last_report;
	/* dfs, forked: the subtrees handed out so far, and the one this worker holds. */
	_Atomic uint64_t *next_subtree;
	uint64_t subtree;
	bool holds;
} Worker;

static void send_progress(Worker *w);

/* Judge and record a whole execution. */
static void record(Worker *w, KpExec *x, uint64_t order)
{
	Agg *a = w->agg;
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(kp_failure_free);
	g_autoptr(GString) keys = g_string_new(NULL);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	g_autofree char *sched = NULL;
	bool pass = kp_exec_judge_all(x, all);

	/* The final state includes every group the execution falls in. */
	for (unsigned i = 0; i < all->len; i++)
		g_string_append_printf(keys, "%s\n", ((KpFailure *)all->pdata[i])->key);
	a->executions++;
	agg_state(a, kp_exec_state_hash(x, pass, keys->len ? keys->str : NULL), w->fd >= 0);
	kp_exec_add_transitions(x, &a->transitions);
	a->failing += !pass;
	/* An execution counts once in each group it falls in, allowed groups too. */
	for (unsigned i = 0; i < all->len; i++) {
		const KpFailure *f = all->pdata[i];
		KpExploreFailure *g = g_hash_table_lookup(a->failures, f->key);

		if (!g_hash_table_add(seen, f->key))
			continue;
		/* The schedule is only worth encoding for a new group's first execution. */
		if ((!g || order < g->order) && !sched)
			sched = kp_exec_schedule(x);
		agg_failure(a, f->key, f->allowed, order, 1, f->message,
			    !g || order < g->order ? sched : NULL);
	}
}

/* Between runs: the time budget and the progress report.  False: stop now. */
static bool tick(Worker *w)
{
	double t;

	t = now_s();
	if (t - w->last_report >= (w->fd >= 0 ? FLUSH_SECONDS : 1.0)) {
		w->last_report = t;
		if (w->fd >= 0) {
			send_progress(w);
		} else if (w->cfg->progress) {
			KpExploreProgress p = {
				.executions = w->agg->executions, .pruned = w->agg->pruned,
				.states = g_hash_table_size(w->agg->states),
				.failures = w->agg->failing, .elapsed = t - w->start,
			};

			w->cfg->progress(&p, w->cfg->progress_user);
		}
	}
	if (w->deadline && t >= w->deadline) {
		w->agg->budget_ended = true;
		return false;
	}
	return true;
}

static bool run_one(Worker *w, KpExec *x, SimStrategy *s, SimEnd *end)
{
	g_autoptr(GError) err = NULL;

	*end = kp_exec_run(x, s, &err);
	if (*end == SIM_END_NONE) {
		w->agg->input_error = g_strdup_printf("%s: %s", w->sc->path, err->message);
		return false;
	}
	if (*end == SIM_END_DIVERGED) {
		w->agg->internal_error = g_strdup(
			"an execution did not repeat when replayed: the engine is not deterministic");
		return false;
	}
	return true;
}

static unsigned n_shards(const KpExploreConfig *cfg)
{
	return cfg->n_shards ? cfg->n_shards : 1;
}

/*
 * The worker's place among every shard's workers: slot shard + worker * n_shards of
 * n_shards * n_workers.  Run i (subtree k, statically split) is slot i mod the count's.
 */
static unsigned slot_of(const Worker *w)
{
	return w->cfg->shard + w->worker * n_shards(w->cfg);
}

static unsigned n_slots(const Worker *w)
{
	return w->n_workers * n_shards(w->cfg);
}

static void work_sampling(Worker *w, KpExec *x)
{
	const KpExploreConfig *cfg = w->cfg;
	SimPctConfig pc = {
		.n_vcpus = w->sc->n_cpus, .depth = cfg->depth,
		.steps = cfg->pct_steps ? cfg->pct_steps : 1,
	};
	SimStrategy *s = cfg->strategy == KP_STRATEGY_PCT ? sim_strategy_pct_new(&pc, cfg->seed)
							 : sim_strategy_random_new(cfg->seed);

	for (uint64_t i = slot_of(w); i < cfg->runs; i += n_slots(w)) {
		SimEnd end;

		if (!tick(w))
			break;
		if (cfg->strategy == KP_STRATEGY_PCT)
			sim_strategy_pct_reseed(s, cfg->seed + i);
		else
			sim_strategy_random_reseed(s, cfg->seed + i);
		if (!run_one(w, x, s, &end))
			break;
		record(w, x, i);
	}
	sim_strategy_free(s);
}

/*
 * The strategy asks about subtrees 0, 1, 2, ... in turn (every worker numbers them the
 * same way).  A worker holds one at a time, the next that no worker has taken: the
 * subtrees it passes while it holds a later one were taken by others, and once it passes
 * the one it holds it takes the next free one, which is never behind it.  In a shard,
 * only its subtrees are handed out, numbered k / n_shards among themselves.
 */
static bool claim_subtree(void *user, uint64_t sub)
{
	Worker *w = user;
	uint64_t k = sub / n_shards(w->cfg);

	if (sub % n_shards(w->cfg) != w->cfg->shard)
		return false;
	if (!w->holds || k > w->subtree) {
		w->subtree = atomic_fetch_add(w->next_subtree, 1);
		w->holds = true;
	}
	assert(w->subtree >= k);
	return w->subtree == k;
}

static void work_dfs(Worker *w, KpExec *x)
{
	const KpExploreConfig *cfg = w->cfg;
	SimDfsConfig dc = {
		.preemptions = cfg->preemptions, .reduce = cfg->reduce,
		.split_level = n_slots(w) > 1 ? DFS_SPLIT_LEVEL : 0,
		.worker = slot_of(w), .n_workers = n_slots(w),
		.traces = cfg->reduce || cfg->count_traces,
		.claim = w->next_subtree ? claim_subtree : NULL, .claim_user = w,
	};
	SimStrategy *s = sim_strategy_dfs_new(&dc);
	uint64_t share = 0;

	if (cfg->runs)
		share = cfg->runs / n_slots(w) + (slot_of(w) < cfg->runs % n_slots(w));
	for (;;) {
		SimEnd end;

		if (cfg->runs && w->agg->executions >= share) {
			w->agg->budget_ended = true;
			break;
		}
		if (!tick(w) || !run_one(w, x, s, &end))
			break;
		switch (sim_strategy_dfs_last(s)) {
		case SIM_DFS_RUN_COUNTS:
			record(w, x, w->agg->executions * n_slots(w) + slot_of(w));
			if (dc.traces)
				agg_trace(w->agg, sim_strategy_dfs_trace(s), w->fd >= 0);
			break;
		case SIM_DFS_RUN_PRUNED:
			w->agg->pruned++;
			break;
		case SIM_DFS_RUN_SKIPPED:
			break;
		}
		if (!sim_strategy_dfs_advance(s)) {
			w->agg->complete = true;
			break;
		}
	}
	w->agg->bound_cut = sim_strategy_dfs_bound_cut(s);
	sim_strategy_free(s);
}

static void work(Worker *w)
{
	KpExec *x = kp_exec_new(w->sc);

	w->start = now_s();
	w->last_report = w->start;
	if (w->cfg->time > 0)
		w->deadline = w->start + w->cfg->time;
	if (w->cfg->strategy == KP_STRATEGY_DFS)
		work_dfs(w, x);
	else
		work_sampling(w, x);
	memcpy(w->agg->sometimes, kp_exec_sometimes(x),
	       w->sc->n_expects * sizeof(bool));
	kp_exec_free(x);
}

/* ---- the pipe between a forked worker and the parent ---- */

enum {
	MSG_PROGRESS = 'P',	/* u64 executions, pruned, failing, n; n u64 new states */
	MSG_TRACES = 'T',	/* u64 n; n u64 new trace hashes */
	MSG_FAILURE = 'F',	/* u64 order, count; key, message, schedule (NUL-ended) */
	MSG_END = 'E',		/* transitions, flags, sometimes, input and internal errors */
};

static void send_msg(Worker *w, char type, GByteArray *body)
{
	uint8_t head[5];
	uint32_t len = body->len;

	head[0] = (uint8_t)type;
	memcpy(head + 1, &len, sizeof(len));
	if (!kp_write_all(w->fd, head, sizeof(head)) ||
	    !kp_write_all(w->fd, body->data, body->len))
		_exit(3);
}

static void put_u64(GByteArray *b, uint64_t v)
{
	g_byte_array_append(b, (const uint8_t *)&v, sizeof(v));
}

static void put_str(GByteArray *b, const char *s)
{
	s = s ? s : "";
	g_byte_array_append(b, (const uint8_t *)s, (guint)strlen(s) + 1);
}

static void send_progress(Worker *w)
{
	Agg *a = w->agg;
	GByteArray *b = g_byte_array_new();

	put_u64(b, a->executions);
	put_u64(b, a->pruned);
	put_u64(b, a->failing);
	put_u64(b, a->new_states->len);
	g_byte_array_append(b, (const uint8_t *)a->new_states->data,
			    a->new_states->len * (guint)sizeof(uint64_t));
	g_array_set_size(a->new_states, 0);
	send_msg(w, MSG_PROGRESS, b);
	if (a->new_traces->len) {
		g_byte_array_set_size(b, 0);
		put_u64(b, a->new_traces->len);
		g_byte_array_append(b, (const uint8_t *)a->new_traces->data,
				    a->new_traces->len * (guint)sizeof(uint64_t));
		g_array_set_size(a->new_traces, 0);
		send_msg(w, MSG_TRACES, b);
	}
	g_byte_array_free(b, TRUE);
}

static void send_end(Worker *w)
{
	Agg *a = w->agg;
	GByteArray *b = g_byte_array_new();
	GHashTableIter it;
	gpointer v;

	send_progress(w);
	g_hash_table_iter_init(&it, a->failures);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const KpExploreFailure *f = v;

		g_byte_array_set_size(b, 0);
		put_u64(b, f->order);
		put_u64(b, f->count);
		put_u64(b, f->allowed);
		put_str(b, f->key);
		put_str(b, f->message);
		put_str(b, f->schedule);
		send_msg(w, MSG_FAILURE, b);
	}
	g_byte_array_set_size(b, 0);
	g_byte_array_append(b, (const uint8_t *)&a->transitions, sizeof(a->transitions));
	put_u64(b, (uint64_t)a->complete | (uint64_t)a->budget_ended << 1 |
			   (uint64_t)(a->input_error != NULL) << 2 |
			   (uint64_t)(a->internal_error != NULL) << 3 | (uint64_t)a->bound_cut << 4);
	for (unsigned i = 0; i < a->n_expects; i++)
		g_byte_array_append(b, (const uint8_t *)&a->sometimes[i], 1);
	put_str(b, a->input_error);
	put_str(b, a->internal_error);
	send_msg(w, MSG_END, b);
	g_byte_array_free(b, TRUE);
}

/* What the parent knows of one forked worker. */
typedef struct {
	pid_t pid;
	KpPipe in;
	uint64_t executions, pruned, failing;
	bool ended;
} Child;

static uint64_t get_u64(const uint8_t **p)
{
	uint64_t v;

	memcpy(&v, *p, sizeof(v));
	*p += sizeof(v);
	return v;
}

static const char *get_str(const uint8_t **p, const uint8_t *end)
{
	const char *s = (const char *)*p;
	size_t n = strnlen(s, (size_t)(end - *p));

	*p += n + 1;
	return s;
}

static void take_msg(Agg *a, Child *c, uint8_t type, const uint8_t *p, const uint8_t *end)
{
	uint64_t order, count, allowed, flags, n;
	const char *key, *msg, *sched, *ierr, *xerr;

	switch (type) {
	case MSG_PROGRESS:
		c->executions = get_u64(&p);
		c->pruned = get_u64(&p);
		c->failing = get_u64(&p);
		n = get_u64(&p);
		for (uint64_t i = 0; i < n && p + 8 <= end; i++)
			agg_state(a, get_u64(&p), false);
		break;
	case MSG_TRACES:
		n = get_u64(&p);
		for (uint64_t i = 0; i < n && p + 8 <= end; i++)
			agg_trace(a, get_u64(&p), false);
		break;
	case MSG_FAILURE:
		order = get_u64(&p);
		count = get_u64(&p);
		allowed = get_u64(&p);
		key = get_str(&p, end);
		msg = get_str(&p, end);
		sched = get_str(&p, end);
		agg_failure(a, key, allowed != 0, order, count, msg, *sched ? sched : NULL);
		break;
	case MSG_END:
		for (unsigned i = 0; i < KP_ST_COUNT; i++)
			for (unsigned j = 0; j < KP_ST_COUNT; j++)
				a->transitions.count[i][j] += get_u64(&p);
		flags = get_u64(&p);
		a->budget_ended |= (flags & 2) != 0;
		a->bound_cut |= (flags & 16) != 0;
		if (!(flags & 1))
			a->complete = false;
		for (unsigned i = 0; i < a->n_expects; i++)
			a->sometimes[i] |= *p++ != 0;
		ierr = get_str(&p, end);
		xerr = get_str(&p, end);
		if ((flags & 4) && !a->input_error)
			a->input_error = g_strdup(ierr);
		if ((flags & 8) && !a->internal_error)
			a->internal_error = g_strdup(xerr);
		c->ended = true;
		break;
	}
}

/* Parse every whole message in the child's buffer. */
static void drain(Agg *a, Child *c)
{
	size_t used = 0;

	while (c->in.buf->len - used >= 5) {
		uint32_t len;
		const uint8_t *m = c->in.buf->data + used;

		memcpy(&len, m + 1, sizeof(len));
		if (c->in.buf->len - used < 5 + (size_t)len)
			break;
		take_msg(a, c, m[0], m + 5, m + 5 + len);
		used += 5 + len;
	}
	g_byte_array_remove_range(c->in.buf, 0, (guint)used);
}

static void parent_progress(const KpExploreConfig *cfg, Agg *a, Child *cs, unsigned n,
			    double start)
{
	KpExploreProgress p = { .states = g_hash_table_size(a->states),
				.elapsed = now_s() - start };

	for (unsigned i = 0; i < n; i++) {
		p.executions += cs[i].executions;
		p.pruned += cs[i].pruned;
		p.failures += cs[i].failing;
	}
	if (cfg->progress)
		cfg->progress(&p, cfg->progress_user);
}

/* The parent's view of its workers while their pipes are read. */
typedef struct {
	Agg *a;
	Child *cs;
	unsigned open;		/* pipes not at end of file yet */
} Parent;

static void parent_event(void *user, unsigned i, bool closed)
{
	Parent *p = user;

	if (closed)
		p->open--;
	else
		drain(p->a, &p->cs[i]);
}

/*
 * dfs: the counter the workers take subtrees from, in memory the forked workers share;
 * NULL if there is none (then worker i searches the subtrees numbered i modulo N: the
 * same tree, less evenly spread).
 */
static _Atomic uint64_t *subtree_counter_new(void)
{
	_Atomic uint64_t *c;
	void *m = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	c = m;
	atomic_init(c, 0);
	/* Shared between processes, it must not rely on a lock of this one. */
	if (!atomic_is_lock_free(c)) {
		munmap(m, sizeof(*c));
		return NULL;
	}
	return c;
}

static void run_forked(const KpScenario *sc, const KpExploreConfig *cfg, Agg *a)
{
	unsigned n = cfg->jobs;
	Child *cs = g_new0(Child, n);
	g_autofree KpPipe **pipes = g_new(KpPipe *, n);
	Parent p = { .a = a, .cs = cs };
	double start = now_s(), last = start;
	_Atomic uint64_t *next_subtree =
		cfg->strategy == KP_STRATEGY_DFS ? subtree_counter_new() : NULL;

	a->complete = cfg->strategy == KP_STRATEGY_DFS;
	fflush(stdout);
	fflush(stderr);
	for (unsigned i = 0; i < n; i++) {
		pipes[i] = &cs[i].in;
		cs[i].in.fd = -1;
	}
	for (unsigned i = 0; i < n; i++) {
		int fds[2];

		if (pipe(fds) < 0)
			break;
		cs[i].pid = fork();
		if (cs[i].pid == 0) {
			Agg mine;
			Worker w = { .sc = sc, .cfg = cfg, .worker = i, .n_workers = n,
				     .agg = &mine, .fd = fds[1], .next_subtree = next_subtree };

			close(fds[0]);
			for (unsigned j = 0; j < i; j++)
				if (cs[j].in.fd >= 0)
					close(cs[j].in.fd);
			agg_init(&mine, sc->n_expects);
			work(&w);
			send_end(&w);
			close(fds[1]);
			_exit(0);
		}
		close(fds[1]);
		if (cs[i].pid < 0) {
			close(fds[0]);
			break;
		}
		cs[i].in.fd = fds[0];
		cs[i].in.buf = g_byte_array_new();
		p.open++;
	}
	while (p.open) {
		double t;

		if (!kp_pipes_read(pipes, n, KP_PIPES_POLL_MS, parent_event, &p))
			break;
		t = now_s();
		if (t - last >= 1.0) {
			last = t;
			parent_progress(cfg, a, cs, n, start);
		}
	}
	for (unsigned i = 0; i < n; i++) {
		int status = 0;

		if (cs[i].pid > 0 && waitpid(cs[i].pid, &status, 0) == cs[i].pid &&
		    (!WIFEXITED(status) || WEXITSTATUS(status) != 0) && !a->internal_error)
			a->internal_error = g_strdup_printf("worker %u ended abnormally", i);
		if (!cs[i].ended && !a->internal_error)
			a->internal_error = g_strdup_printf("worker %u did not report", i);
		a->executions += cs[i].executions;
		a->pruned += cs[i].pruned;
		a->failing += cs[i].failing;
		if (cs[i].in.buf)
			g_byte_array_free(cs[i].in.buf, TRUE);
	}
	if (next_subtree)
		munmap((void *)next_subtree, sizeof(*next_subtree));
	g_free(cs);
}

/* ---- entry points ---- */

static gint cmp_u64(gconstpointer a, gconstpointer b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static gint by_key(gconstpointer a, gconstpointer b)
{
	const KpExploreFailure *x = *(KpExploreFailure *const *)a;
	const KpExploreFailure *y = *(KpExploreFailure *const *)b;

	return strcmp(x->key, y->key);
}

/* One search (one bound of an iterating dfs) into the new aggregate a. */
static void explore_once(const KpScenario *sc, const KpExploreConfig *cfg, Agg *a)
{
	agg_init(a, sc->n_expects);
	if (cfg->jobs == 1) {
		Worker w = { .sc = sc, .cfg = cfg, .worker = 0, .n_workers = 1, .agg = a,
			     .fd = -1 };

		work(&w);
	} else {
		run_forked(sc, cfg, a);
	}
}

/*
 * Add one bound's aggregate b to a: the executions of both, as if they were one search
 * (the failures' places in the search after a's, `order_base` on).  b's errors move to a.
 */
static void agg_merge(Agg *a, Agg *b, uint64_t order_base)
{
	GHashTableIter it;
	gpointer k, v;

	a->executions += b->executions;
	a->pruned += b->pruned;
	a->failing += b->failing;
	g_hash_table_iter_init(&it, b->states);
	while (g_hash_table_iter_next(&it, &k, NULL))
		agg_state(a, *(const uint64_t *)k, false);
	for (size_t i = 0; i < b->traces.cap; i++)
		if (b->traces.slot[i])
			agg_trace(a, b->traces.slot[i], false);
	g_hash_table_iter_init(&it, b->failures);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const KpExploreFailure *f = v;

		agg_failure(a, f->key, f->allowed, order_base + f->order, f->count, f->message,
			    f->schedule);
	}
	for (unsigned i = 0; i < KP_ST_COUNT; i++)
		for (unsigned j = 0; j < KP_ST_COUNT; j++)
			a->transitions.count[i][j] += b->transitions.count[i][j];
	for (unsigned i = 0; i < a->n_expects; i++)
		a->sometimes[i] |= b->sometimes[i];
	a->budget_ended |= b->budget_ended;
	if (!a->input_error)
		a->input_error = g_steal_pointer(&b->input_error);
	if (!a->internal_error)
		a->internal_error = g_steal_pointer(&b->internal_error);
}

/* Iterating: the progress line counts every bound's executions. */
typedef struct {
	const KpExploreConfig *cfg;
	KpExploreProgress base;		/* the bounds before this one */
} IterProgress;

static void iter_progress(const KpExploreProgress *p, void *user)
{
	const IterProgress *ip = user;
	KpExploreProgress sum = {
		.executions = ip->base.executions + p->executions,
		.pruned = ip->base.pruned + p->pruned,
		.states = MAX(ip->base.states, p->states),
		.failures = ip->base.failures + p->failures,
		.elapsed = ip->base.elapsed + p->elapsed,
	};

	ip->cfg->progress(&sum, ip->cfg->progress_user);
}

/*
 * Iterative bounding (docs/explore.md): bound 0, 1, 2, ... into a, each a whole dfs
 * under what is left of the budget.  It stops after a bound that found a failure, when
 * the budget ends, or after a bound whose search left nothing out for the bound (that
 * was the unbounded search: a->complete).
 */
static void explore_iterating(const KpScenario *sc, const KpExploreConfig *cfg, Agg *a,
			      KpExploreResult *res)
{
	KpExploreConfig c = *cfg;
	IterProgress ip = { .cfg = cfg };
	double start = now_s();
	uint64_t order_base = 0;

	if (cfg->progress) {
		c.progress = iter_progress;
		c.progress_user = &ip;
	}
	a->complete = false;
	for (int k = 0; k >= 0; k++) {
		double left = cfg->time > 0 ? cfg->time - (now_s() - start) : 0;
		bool stop;
		Agg b;

		if ((cfg->runs && a->executions >= cfg->runs) || (cfg->time > 0 && left <= 0)) {
			a->budget_ended = true;
			break;
		}
		res->bound = k;
		c.preemptions = k;
		c.runs = cfg->runs ? cfg->runs - a->executions : 0;
		c.time = cfg->time > 0 ? left : 0;
		ip.base = (KpExploreProgress){ .executions = a->executions, .pruned = a->pruned,
					       .states = g_hash_table_size(a->states),
					       .failures = a->failing, .elapsed = now_s() - start };
		explore_once(sc, &c, &b);
		agg_merge(a, &b, order_base);
		order_base += b.executions * cfg->jobs;
		stop = !b.complete || a->input_error || a->internal_error;
		if (!stop) {
			KpExploreBound done = { .bound = k, .executions = b.executions,
						.failing = b.failing, .exhausted = !b.bound_cut };

			res->bound_complete = k;
			a->complete = !b.bound_cut;
			stop = a->complete || b.failing;
			if (cfg->bound_done)
				cfg->bound_done(&done, cfg->bound_user);
		}
		agg_fini(&b);
		if (stop)
			break;
	}
}

void kp_explore(const KpScenario *sc, const KpExploreConfig *cfg, KpExploreResult *res)
{
	Agg a;
	double start = now_s();
	GHashTableIter it;
	gpointer v;

	assert(cfg->jobs >= 1);
	assert(cfg->shard < n_shards(cfg));
	/* Each shard would stop at a bound of its own: kpsim explore refuses it. */
	assert(!(cfg->strategy == KP_STRATEGY_DFS && cfg->iterate && cfg->preemptions < 0 &&
		 n_shards(cfg) > 1));
	assert(cfg->strategy != KP_STRATEGY_PCT || cfg->depth >= 1);
	memset(res, 0, sizeof(*res));
	res->bound = cfg->strategy == KP_STRATEGY_DFS ? cfg->preemptions : -1;
	res->bound_complete = -1;
	if (cfg->strategy == KP_STRATEGY_DFS && cfg->iterate && cfg->preemptions < 0) {
		agg_init(&a, sc->n_expects);
		explore_iterating(sc, cfg, &a, res);
		res->exhausted = a.complete;
	} else {
		explore_once(sc, cfg, &a);
		res->exhausted = cfg->strategy == KP_STRATEGY_DFS && a.complete && !a.bound_cut;
		if (cfg->strategy == KP_STRATEGY_DFS && a.complete && cfg->preemptions >= 0)
			res->bound_complete = cfg->preemptions;
	}
	/* `expect sometimes` is judged over everything explored. */
	for (unsigned i = 0; i < sc->n_expects && !a.input_error && !a.internal_error; i++)
		if (sc->expects[i].kind == KP_EXPECT_SOMETIMES && !a.sometimes[i]) {
			g_autofree char *key = g_strdup_printf("expectation %s:%d", sc->path,
							       sc->expects[i].line);
			g_autofree char *msg = g_strdup_printf(
				"%s:%d: expectation never held in %" G_GUINT64_FORMAT
				" execution%s", sc->path, sc->expects[i].line, a.executions,
				a.executions == 1 ? "" : "s");

			agg_failure(&a, key, false, UINT64_MAX - 1, 1, msg, NULL);
		}
	res->executions = a.executions;
	res->failing = a.failing;
	res->pruned = a.pruned;
	res->states = g_hash_table_size(a.states);
	res->final_states = g_array_sized_new(FALSE, FALSE, sizeof(uint64_t), (guint)res->states);
	g_hash_table_iter_init(&it, a.states);
	while (g_hash_table_iter_next(&it, &v, NULL))
		g_array_append_val(res->final_states, *(const uint64_t *)v);
	g_array_sort(res->final_states, cmp_u64);
	res->traces = a.traces.len;
	res->traces_counted = cfg->strategy == KP_STRATEGY_DFS &&
			      (cfg->reduce || cfg->count_traces);
	res->transitions = a.transitions;
	res->complete = a.complete && !a.input_error && !a.internal_error;
	res->exhausted &= res->complete;
	if (a.input_error || a.internal_error)
		res->bound_complete = -1;
	res->budget_ended = a.budget_ended;
	res->input_error = g_steal_pointer(&a.input_error);
	res->internal_error = g_steal_pointer(&a.internal_error);
	res->failures = g_ptr_array_new_with_free_func(kp_explore_failure_free);
	g_hash_table_iter_init(&it, a.failures);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		g_ptr_array_add(res->failures, v);
		g_hash_table_iter_steal(&it);
	}
	g_ptr_array_sort(res->failures, by_key);
	agg_fini(&a);
	res->elapsed = now_s() - start;
}

bool kp_explore_failed(const KpExploreResult *res)
{
	for (unsigned i = 0; res->failures && i < res->failures->len; i++)
		if (!((const KpExploreFailure *)res->failures->pdata[i])->allowed)
			return true;
	return false;
}

void kp_explore_result_clear(KpExploreResult *res)
{
	if (res->failures)
		g_ptr_array_free(res->failures, TRUE);
	if (res->final_states)
		g_array_free(res->final_states, TRUE);
	g_free(res->input_error);
	g_free(res->internal_error);
	memset(res, 0, sizeof(*res));
}

uint64_t kp_explore_first_steps(const KpScenario *sc)
{
	KpExec *x = kp_exec_new(sc);
	SimStrategy *s = sim_strategy_first_new();
	g_autoptr(GError) err = NULL;
	uint64_t steps = 0;

	if (kp_exec_run(x, s, &err) != SIM_END_NONE)
		steps = kp_exec_steps(x);
	sim_strategy_free(s);
	kp_exec_free(x);
	return steps;
}

double kp_explore_estimate(const KpScenario *sc, int preemptions, uint64_t seed,
			   unsigned probes, double *seconds_per_exec, double *lo, double *hi)
{
	KpExec *x = kp_exec_new(sc);
	SimStrategy *s = sim_strategy_dfs_probe_new(preemptions, seed);
	double sum = 0, batch = 0, t0 = now_s();
	unsigned done = 0;

	assert(probes > 0);
	*lo = *hi = 0;
	for (unsigned i = 0; i < probes; i++) {
		g_autoptr(GError) err = NULL;
		double e;

		sim_strategy_dfs_probe_reseed(s, seed + i);
		if (kp_exec_run(x, s, &err) == SIM_END_NONE)
			break;
		e = sim_strategy_dfs_probe_estimate(s);
		sum += e;
		batch += e;
		done++;
		if (done % KP_ESTIMATE_BATCH == 0) {
			double mean = batch / KP_ESTIMATE_BATCH;

			*lo = done == KP_ESTIMATE_BATCH ? mean : MIN(*lo, mean);
			*hi = MAX(*hi, mean);
			batch = 0;
		}
	}
	*seconds_per_exec = done ? (now_s() - t0) / done : 0;
	sim_strategy_free(s);
	kp_exec_free(x);
	if (done < KP_ESTIMATE_BATCH)
		*lo = *hi = done ? sum / done : 0;
	return done ? sum / done : 0;
}
