// SPDX-License-Identifier: GPL-2.0-only
/*
 * Vector clocks over one execution path (see dpor.h).  Everything is indexed by step
 * number and actor id, never by address, so the result is the same on every host.
 */
#include "sim/dpor.h"

#include <assert.h>
#include <string.h>

/* SimHb.actors is a mask of actors. */
G_STATIC_ASSERT(SIM_HB_ACTORS <= 32);

typedef struct {
	unsigned actor;
	uint32_t prev_own;	/* one more than the actor's previous step, 0 none */
	uint32_t own;		/* the actor's steps up to this one, this one included */
	uint32_t clock[SIM_HB_ACTORS];
} HbStep;

static const HbStep *step_at(const SimHb *hb, size_t i)
{
	assert(i < hb->steps->len);
	return &g_array_index(hb->steps, HbStep, i);
}

void sim_hb_init(SimHb *hb)
{
	memset(hb, 0, sizeof(*hb));
	hb->steps = g_array_new(FALSE, FALSE, sizeof(HbStep));
}

void sim_hb_clear(SimHb *hb)
{
	g_array_free(hb->steps, TRUE);
	hb->steps = NULL;
}

size_t sim_hb_len(const SimHb *hb)
{
	return hb->steps->len;
}

void sim_hb_truncate(SimHb *hb, size_t n)
{
	assert(n <= hb->steps->len);
	/* Each actor's last step is found again by walking its own chain back. */
	for (unsigned a = 0; a < SIM_HB_ACTORS; a++) {
		while (hb->last[a] > n)
			hb->last[a] = step_at(hb, hb->last[a] - 1)->prev_own;
		if (!hb->last[a])
			hb->actors &= ~(1u << a);
	}
	g_array_set_size(hb->steps, n);
}

unsigned sim_hb_actor(const SimHb *hb, size_t i)
{
	return step_at(hb, i)->actor;
}

/* The clock of actor a's last step, or NULL when it has none yet. */
static const uint32_t *last_clock(const SimHb *hb, unsigned a)
{
	assert(a < SIM_HB_ACTORS);
	return hb->last[a] ? step_at(hb, hb->last[a] - 1)->clock : NULL;
}

static void join(uint32_t *c, const uint32_t *o)
{
	for (unsigned a = 0; a < SIM_HB_ACTORS; a++)
		if (o[a] > c[a])
			c[a] = o[a];
}

void sim_hb_push(SimHb *hb, unsigned actor, SimHbDep dep, void *arg)
{
	HbStep s = { .actor = actor };
	const uint32_t *own = last_clock(hb, actor);
	size_t n = hb->steps->len;

	if (own)
		join(s.clock, own);
	/*
	 * Each other actor's steps that are not yet ordered before this one, latest first:
	 * the first dependent one orders all of that actor's earlier steps too.
	 */
	for (uint32_t m = hb->actors & ~(1u << actor); m; m &= m - 1) {
		unsigned a = (unsigned)__builtin_ctz(m);

		for (uint32_t j = hb->last[a]; j > s.clock[a]; j = step_at(hb, j - 1)->prev_own)
			if (dep(arg, j - 1)) {
				join(s.clock, step_at(hb, j - 1)->clock);
				break;
			}
	}
	s.prev_own = hb->last[actor];
	s.own = s.prev_own ? step_at(hb, s.prev_own - 1)->own + 1 : 1;
	s.clock[actor] = (uint32_t)n + 1;
	g_array_append_val(hb->steps, s);
	hb->last[actor] = (uint32_t)n + 1;
	hb->actors |= 1u << actor;
}

bool sim_hb_before_actor(const SimHb *hb, size_t i, unsigned actor)
{
	const uint32_t *own = last_clock(hb, actor);
	unsigned a = sim_hb_actor(hb, i);

	return a == actor || (own && own[a] >= i + 1);
}

long sim_hb_last_race(const SimHb *hb, unsigned actor, SimHbDep dep, void *arg)
{
	const uint32_t *own = last_clock(hb, actor);
	long best = -1;

	/* Only the steps of other actors not ordered before the actor, latest first. */
	for (unsigned a = 0; a < SIM_HB_ACTORS; a++) {
		uint32_t floor = own ? own[a] : 0;

		if (a == actor)
			continue;
		for (uint32_t j = hb->last[a]; j > floor && (long)j - 1 > best;
		     j = step_at(hb, j - 1)->prev_own)
			if (dep(arg, j - 1)) {
				best = (long)j - 1;
				break;
			}
	}
	return best;
}

void sim_hb_counts(const SimHb *hb, size_t i, uint32_t counts[SIM_HB_ACTORS])
{
	const HbStep *s = step_at(hb, i);
	const HbStep *steps = (const HbStep *)(const void *)hb->steps->data;

	memset(counts, 0, SIM_HB_ACTORS * sizeof(*counts));
	/* Only actors with a step on the path can have one before step i. */
	for (uint32_t m = hb->actors; m; m &= m - 1) {
		unsigned a = (unsigned)__builtin_ctz(m);

		if (s->clock[a])
			counts[a] = steps[s->clock[a] - 1].own;
	}
}
