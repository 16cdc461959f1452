// SPDX-License-Identifier: GPL-2.0-only
/*
 * The lock-order graph.  Every acquisition attempt of lock class B while a task holds
 * class A adds the edge A -> B.  An edge that closes a cycle is reported (once per pair),
 * whether or not this run deadlocks: another interleaving of the same code can.  A hotplug
 * read reference counts as holding cpu_hotplug.lock, since a writer holding that mutex
 * waits for every reference to be dropped.
 */
#include "sim/internal.h"

#include <string.h>

#include <assert.h>

static bool reaches(const SimCtx *ctx, unsigned from, unsigned to)
{
	uint64_t seen = 1ull << from, frontier = seen;

	while (frontier) {
		uint64_t next = 0;

		/* Only the frontier's classes: every new edge of a run asks, and few are set. */
		for (uint64_t f = frontier; f; f &= f - 1)
			next |= ctx->lock_after[__builtin_ctzll(f)];
		next &= ~seen;
		if (next & (1ull << to))
			return true;
		seen |= next;
		frontier = next;
	}
	return false;
}

/* A path from `from` to `to` in the graph, as "a -> b -> c", for the report. */
static void describe_path(const SimCtx *ctx, unsigned from, unsigned to, GString *out)
{
	int prev[SIM_MAX_LOCK_CLASSES];
	unsigned queue[SIM_MAX_LOCK_CLASSES], head = 0, tail = 0;
	unsigned path[SIM_MAX_LOCK_CLASSES], n = 0;

	for (unsigned i = 0; i < SIM_MAX_LOCK_CLASSES; i++)
		prev[i] = -2;
	prev[from] = -1;
	queue[tail++] = from;
	while (head < tail && prev[to] == -2) {
		unsigned c = queue[head++];

		for (unsigned j = 0; j < SIM_MAX_LOCK_CLASSES; j++)
			if ((ctx->lock_after[c] & (1ull << j)) && prev[j] == -2) {
				prev[j] = (int)c;
				queue[tail++] = j;
			}
	}
	assert(prev[to] != -2);
	for (int c = (int)to; c >= 0; c = prev[c])
		path[n++] = (unsigned)c;
	while (n-- > 0) {
		const SimMutex *m = sim_mutex_by_id(ctx, path[n]);

		g_string_append(out, m ? m->name : "?");
		if (n)
			g_string_append(out, " -> ");
	}
}

static void add_edge(SimCtx *ctx, SimTask *t, unsigned from, unsigned to)
{
	if (from == to || (ctx->lock_after[from] & (1ull << to)))
		return;
	if (reaches(ctx, to, from) && !(ctx->lock_cycle_reported[from] & (1ull << to))) {
		GString *path = g_string_new(NULL);
		const SimMutex *a = sim_mutex_by_id(ctx, from), *b = sim_mutex_by_id(ctx, to);

		describe_path(ctx, to, from, path);
		ctx->lock_cycle_reported[from] |= 1ull << to;
		/* The pair of locks is the cause, whichever side closed the cycle. */
		char *cause = strcmp(a->name, b->name) < 0
				      ? g_strdup_printf("%s / %s", a->name, b->name)
				      : g_strdup_printf("%s / %s", b->name, a->name);

		sim_report_cause(ctx, SIM_V_LOCK_ORDER, false, "lock-order", __func__, cause,
				 "%s takes %s while holding %s, but earlier %s", t->name, b->name,
				 a->name, path->str);
		g_free(cause);
		g_string_free(path, TRUE);
	}
	ctx->lock_after[from] |= 1ull << to;
}

void sim_lockdep_acquire(SimCtx *ctx, SimTask *t, SimMutex *m)
{
	assert(m->id < SIM_MAX_LOCK_CLASSES);
	for (unsigned i = 0; i < t->n_held; i++)
		add_edge(ctx, t, t->held[i]->id, m->id);
	if (t->hotplug_refs > 0)
		add_edge(ctx, t, ctx->hotplug_lock.id, m->id);
}

bool sim_lockdep_edge(const SimCtx *ctx, unsigned from_class, unsigned to_class)
{
	assert(from_class < SIM_MAX_LOCK_CLASSES && to_class < SIM_MAX_LOCK_CLASSES);
	return (ctx->lock_after[from_class] >> to_class) & 1;
}
