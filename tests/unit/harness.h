/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers shared by the engine's unit tests. */
#ifndef KPSIM_TESTS_HARNESS_H
#define KPSIM_TESTS_HARNESS_H

#include "sim/ctx.h"
#include "sim/schedule.h"
#include "sim/strategy.h"
#include "sim/trace.h"
#include "sim/violation.h"

#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

typedef void (*HarnessSetup)(SimCtx *ctx, void *data);

static inline SimCtx *harness_ctx(unsigned n_vcpus, bool trace)
{
	SimConfig cfg = { .n_vcpus = n_vcpus, .trace = trace, .max_steps = 1000000 };

	return sim_ctx_new(&cfg);
}

/* Reset ctx, let setup create the tasks, run under s, return how it ended. */
static inline SimEnd harness_run(SimCtx *ctx, SimStrategy *s, HarnessSetup setup, void *data)
{
	sim_ctx_reset(ctx);
	setup(ctx, data);
	return sim_run(ctx, s);
}

static inline SimEnd harness_run_first(SimCtx *ctx, HarnessSetup setup, void *data)
{
	SimStrategy *s = sim_strategy_first_new();
	SimEnd end = harness_run(ctx, s, setup, data);

	sim_strategy_free(s);
	return end;
}

static inline SimEnd harness_run_seed(SimCtx *ctx, uint64_t seed, HarnessSetup setup, void *data)
{
	SimStrategy *s = sim_strategy_random_new(seed);
	SimEnd end = harness_run(ctx, s, setup, data);

	sim_strategy_free(s);
	return end;
}

/* The whole text trace of the last run, as a string (g_free it). */
static inline char *harness_trace_text(SimCtx *ctx)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	sim_trace_write_text(ctx, f, 0);
	fclose(f);
	return buf;
}

/* First violation with this id, or NULL. */
static inline const SimViolation *harness_violation(SimCtx *ctx, const char *id)
{
	for (size_t i = 0; i < sim_violation_count(ctx); i++) {
		const SimViolation *v = sim_violation_get(ctx, i);

		if (!strcmp(v->id, id))
			return v;
	}
	return NULL;
}

static inline int harness_main(const struct CMUnitTest *tests, size_t n, const char *name)
{
	return _cmocka_run_group_tests(name, tests, n, NULL, NULL);
}

#endif
