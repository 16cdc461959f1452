// SPDX-License-Identifier: GPL-2.0-only
/*
 * The strategy of the coverage-guided engines (tools/fuzzing): decisions read from the
 * fuzzer's input, one byte per decision that has a choice, so that a byte changed changes
 * one decision and the bytes before it keep their meaning.
 */
#include "sim/internal.h"

#include <assert.h>

typedef struct {
	SimStrategy base;
	const uint8_t *bytes;
	size_t n, pos;
	SimChoice *prefix;
	size_t n_prefix;
	size_t decision;	/* decisions so far in this run */
	bool off_prefix;	/* a choice of the prefix did not fit: bytes from here on */
	uint64_t max_steps;
} BytesStrategy;

static void bytes_begin(SimStrategy *s, SimCtx *ctx)
{
	BytesStrategy *b = (BytesStrategy *)s;

	(void)ctx;
	b->pos = 0;
	b->decision = 0;
	b->off_prefix = false;
}

static size_t bytes_choose(SimStrategy *s, SimCtx *ctx, const SimOption *opts, size_t n)
{
	BytesStrategy *b = (BytesStrategy *)s;
	size_t d = b->decision++;

	(void)ctx;
	assert(n > 0);
	/* A bound of its own, far below the engine's: every input ends quickly. */
	if (d >= b->max_steps)
		return SIM_CHOOSE_STOP;
	if (!b->off_prefix && d < b->n_prefix) {
		for (size_t i = 0; i < n; i++)
			if (sim_choice_matches(&b->prefix[d], &opts[i]))
				return i;
		b->off_prefix = true;
	}
	if (n == 1 || b->pos >= b->n)
		return 0;
	return b->bytes[b->pos++] % n;
}

static void bytes_destroy(SimStrategy *s)
{
	g_free(((BytesStrategy *)s)->prefix);
	g_free(s);
}

static const SimStrategyOps bytes_ops = {
	.name = "bytes",
	.begin = bytes_begin,
	.choose = bytes_choose,
	.destroy = bytes_destroy,
};

SimStrategy *sim_strategy_bytes_new(const uint8_t *bytes, size_t n, const char *prefix,
				    uint64_t max_steps)
{
	BytesStrategy *b;
	SimChoice *c = NULL;
	size_t n_c = 0, err;

	if (prefix && !(c = sim_schedule_decode(prefix, &n_c, &err)))
		return NULL;
	b = g_new0(BytesStrategy, 1);
	b->base.ops = &bytes_ops;
	b->bytes = bytes;
	b->n = n;
	b->prefix = c;
	b->n_prefix = n_c;
	b->max_steps = max_steps;
	return &b->base;
}
