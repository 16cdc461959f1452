// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte,
 * ASPLOS 2010).  Threads are the vCPUs plus the tick (advancing time is a thread that
 * competes like the others).  Each run gives them distinct random priorities d .. d+n-1
 * and picks d-1 change points among the first k steps; the highest-priority thread with
 * an option runs, and at the i-th change point the running thread drops to priority d-i.
 * A bug of depth d is then found with probability at least 1/(n * k^(d-1)) per run.
 * Alternatives of the chosen vCPU (an IRQ, a data choice) are drawn uniformly.
 */
#include "sim/strategy.h"
#include "sim/rng.h"

#include <assert.h>
#include <glib.h>

#define PCT_MAX_THREADS (SIM_MAX_VCPUS + 1)
#define PCT_MAX_DEPTH 64

typedef struct {
	SimStrategy base;
	SimPctConfig cfg;
	SimRng rng;
	unsigned n;			/* threads: vCPUs, then the tick */
	uint64_t prio[PCT_MAX_THREADS];
	uint64_t change[PCT_MAX_DEPTH];	/* step numbers (1-based) of the change points */
	uint64_t step;
} PctStrategy;

static void pct_begin(SimStrategy *s, SimCtx *ctx)
{
	PctStrategy *p = (PctStrategy *)s;
	unsigned perm[PCT_MAX_THREADS];

	(void)ctx;
	assert(p->n >= 2 && p->n <= PCT_MAX_THREADS);
	/* Fisher-Yates: a uniformly random permutation of the initial priorities. */
	for (unsigned i = 0; i < p->n; i++)
		perm[i] = i;
	for (unsigned i = p->n - 1; i > 0; i--) {
		unsigned j = (unsigned)sim_rng_below(&p->rng, i + 1);
		unsigned t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (unsigned i = 0; i < p->n; i++)
		p->prio[i] = p->cfg.depth + perm[i];
	for (unsigned i = 0; i + 1 < p->cfg.depth; i++)
		p->change[i] = 1 + sim_rng_below(&p->rng, p->cfg.steps);
	p->step = 0;
}

static unsigned thread_of(const PctStrategy *p, const SimOption *o)
{
	return o->kind == SIM_OPT_TICK ? p->n - 1 : o->vcpu;
}

static unsigned highest(const PctStrategy *p, const SimOption *opts, size_t n)
{
	unsigned best = UINT32_MAX;

	for (size_t i = 0; i < n; i++) {
		unsigned t = thread_of(p, &opts[i]);

		assert(t < p->n);
		if (best == UINT32_MAX || p->prio[t] > p->prio[best])
			best = t;
	}
	return best;
}

static size_t pct_choose(SimStrategy *s, SimCtx *ctx, const SimOption *opts, size_t n)
{
	PctStrategy *p = (PctStrategy *)s;
	size_t first = n, count = 0;
	unsigned t;

	(void)ctx;
	assert(n > 0);
	p->step++;
	t = highest(p, opts, n);
	for (unsigned i = 0; i + 1 < p->cfg.depth; i++)
		if (p->change[i] == p->step) {
			p->prio[t] = p->cfg.depth - 1 - i;
			t = highest(p, opts, n);
		}
	for (size_t i = 0; i < n; i++)
		if (thread_of(p, &opts[i]) == t) {
			if (first == n)
				first = i;
			count++;
		}
	assert(count > 0);
	return first + (count > 1 ? (size_t)sim_rng_below(&p->rng, count) : 0);
}

static void pct_destroy(SimStrategy *s)
{
	g_free(s);
}

static const SimStrategyOps pct_ops = {
	.name = "pct",
	.begin = pct_begin,
	.choose = pct_choose,
	.destroy = pct_destroy,
};

SimStrategy *sim_strategy_pct_new(const SimPctConfig *cfg, uint64_t seed)
{
	PctStrategy *p = g_new0(PctStrategy, 1);

	assert(cfg != NULL);
	assert(cfg->n_vcpus >= 1 && cfg->n_vcpus <= SIM_MAX_VCPUS);
	assert(cfg->depth >= 1 && cfg->depth <= PCT_MAX_DEPTH);
	assert(cfg->steps >= 1);
	p->base.ops = &pct_ops;
	p->cfg = *cfg;
	p->n = cfg->n_vcpus + 1;
	sim_rng_seed(&p->rng, seed);
	return &p->base;
}

void sim_strategy_pct_reseed(SimStrategy *s, uint64_t seed)
{
	assert(s->ops == &pct_ops);
	sim_rng_seed(&((PctStrategy *)s)->rng, seed);
}
