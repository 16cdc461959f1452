// SPDX-License-Identifier: GPL-2.0-only
/* The basic strategies: first, random, replay. */
#include "sim/internal.h"
#include "sim/rng.h"

#include <assert.h>

void sim_strategy_free(SimStrategy *s)
{
	if (s)
		s->ops->destroy(s);
}

/* ---- first ---- */

static size_t first_choose(SimStrategy *s, SimCtx *ctx, const SimOption *opts, size_t n)
{
	(void)s;
	(void)ctx;
	(void)opts;
	assert(n > 0);
	return 0;
}

static void plain_destroy(SimStrategy *s)
{
	g_free(s);
}

static const SimStrategyOps first_ops = {
	.name = "first",
	.choose = first_choose,
	.destroy = plain_destroy,
};

SimStrategy *sim_strategy_first_new(void)
{
	SimStrategy *s = g_new0(SimStrategy, 1);

	s->ops = &first_ops;
	return s;
}

/* ---- random ---- */

typedef struct {
	SimStrategy base;
	SimRng rng;
} RandomStrategy;

static size_t random_choose(SimStrategy *s, SimCtx *ctx, const SimOption *opts, size_t n)
{
	RandomStrategy *r = (RandomStrategy *)s;

	(void)ctx;
	(void)opts;
	assert(n > 0);
	return n == 1 ? 0 : (size_t)sim_rng_below(&r->rng, n);
}

static const SimStrategyOps random_ops = {
	.name = "random",
	.choose = random_choose,
	.destroy = plain_destroy,
};

SimStrategy *sim_strategy_random_new(uint64_t seed)
{
	RandomStrategy *r = g_new0(RandomStrategy, 1);

	r->base.ops = &random_ops;
	sim_rng_seed(&r->rng, seed);
	return &r->base;
}

void sim_strategy_random_reseed(SimStrategy *s, uint64_t seed)
{
	assert(s->ops == &random_ops);
	sim_rng_seed(&((RandomStrategy *)s)->rng, seed);
}

/* ---- replay ---- */

typedef struct {
	SimStrategy base;
	SimChoice *choices;
	size_t n;
	size_t pos;
} ReplayStrategy;

static void replay_begin(SimStrategy *s, SimCtx *ctx)
{
	(void)ctx;
	((ReplayStrategy *)s)->pos = 0;
}

static size_t replay_choose(SimStrategy *s, SimCtx *ctx, const SimOption *opts, size_t n)
{
	ReplayStrategy *r = (ReplayStrategy *)s;
	const SimChoice *c;

	(void)ctx;
	assert(n > 0);
	/* Past the recorded end the run goes on as `first` would. */
	if (r->pos >= r->n)
		return 0;
	c = &r->choices[r->pos++];
	for (size_t i = 0; i < n; i++)
		if (sim_choice_matches(c, &opts[i]))
			return i;
	return SIM_CHOOSE_DIVERGED;
}

static void replay_destroy(SimStrategy *s)
{
	g_free(((ReplayStrategy *)s)->choices);
	g_free(s);
}

static const SimStrategyOps replay_ops = {
	.name = "replay",
	.begin = replay_begin,
	.choose = replay_choose,
	.destroy = replay_destroy,
};

SimStrategy *sim_strategy_replay_new(const char *schedule, size_t *error_pos)
{
	ReplayStrategy *r;
	size_t n, err = 0;
	SimChoice *c = sim_schedule_decode(schedule, &n, &err);

	if (!c) {
		if (error_pos)
			*error_pos = err;
		return NULL;
	}
	r = g_new0(ReplayStrategy, 1);
	r->base.ops = &replay_ops;
	r->choices = c;
	r->n = n;
	return &r->base;
}
