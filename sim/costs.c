// SPDX-License-Identifier: GPL-2.0-only
#include "sim/costs.h"

#include "sim/internal.h"

#include <assert.h>

const SimCosts *sim_task_costs(const SimTask *t)
{
	assert(t != NULL);
	return &t->costs;
}

void sim_costs_text_written(SimCtx *ctx, uint64_t bytes)
{
	SimTask *t = sim_current(ctx);

	if (t)
		t->costs.text_bytes += bytes;
}

SimCosts sim_costs_sub(const SimCosts *a, const SimCosts *b)
{
	assert(a->stop_machines >= b->stop_machines && a->grace_periods >= b->grace_periods &&
	       a->text_bytes >= b->text_bytes && a->blocked_jiffies >= b->blocked_jiffies &&
	       a->blocked_steps >= b->blocked_steps);
	return (SimCosts){
		.stop_machines = a->stop_machines - b->stop_machines,
		.grace_periods = a->grace_periods - b->grace_periods,
		.text_bytes = a->text_bytes - b->text_bytes,
		.blocked_jiffies = a->blocked_jiffies - b->blocked_jiffies,
		.blocked_steps = a->blocked_steps - b->blocked_steps,
	};
}

void sim_costs_add(SimCosts *a, const SimCosts *b)
{
	a->stop_machines += b->stop_machines;
	a->grace_periods += b->grace_periods;
	a->text_bytes += b->text_bytes;
	a->blocked_jiffies += b->blocked_jiffies;
	a->blocked_steps += b->blocked_steps;
}

bool sim_costs_equal(const SimCosts *a, const SimCosts *b)
{
	return a->stop_machines == b->stop_machines && a->grace_periods == b->grace_periods &&
	       a->text_bytes == b->text_bytes && a->blocked_jiffies == b->blocked_jiffies &&
	       a->blocked_steps == b->blocked_steps;
}
