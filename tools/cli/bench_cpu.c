// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU executor benchmark.  Wall-clock time is read here (and only in benchmarks): the
 * figure is a property of the host, not of any simulated run.
 */
#include "tools/cli/bench_cpu.h"

#include <assert.h>
#include <stdint.h>
#include <time.h>

#include "arch_x86_emu/cpu.h"
#include "arch_x86_emu/image.h"
#include "arch_x86_emu/text.h"
#include "sim/ctx.h"
#include "sim/strategy.h"

/* Calls per run: long enough that creating the run does not count, short enough that a
 * run stays far below the step limit. */
#define CALLS_PER_RUN 20000u
/* Measure for at least this long so that timer resolution and warm-up do not matter. */
#define BENCH_MIN_NS 300000000ll

typedef struct {
	EmuMachine *m;
	uint64_t fn;
} BenchRun;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* The function has no int3 in it; any trap would be a broken image. */
static bool no_int3(EmuMachine *m, EmuCpu *cpu, void *user)
{
	(void)m;
	(void)cpu;
	(void)user;
	return false;
}

static void caller(SimCtx *ctx, void *arg)
{
	BenchRun *b = arg;

	(void)ctx;
	for (unsigned i = 0; i < CALLS_PER_RUN; i++)
		emu_cpu_call(b->m, b->fn);
}

/* One run; returns the instructions it executed. */
static uint64_t bench_run(SimCtx *ctx, SimStrategy *s, uint64_t seed)
{
	EmuHooks hooks = { .int3 = no_int3 };
	const EmuSymbol *sym = emu_image_symbol_by_name(emu_default_image(), "f_large");
	BenchRun b;
	EmuText *t;
	SimEnd end;
	uint64_t insns;

	assert(sym != NULL);
	sim_ctx_reset(ctx);
	sim_strategy_random_reseed(s, seed);
	t = emu_text_new(ctx, emu_default_image());
	b.m = emu_machine_new(ctx, t);
	b.fn = sym->addr;
	emu_machine_set_hooks(b.m, &hooks);
	sim_task_create(ctx, "bench", 0, caller, &b, 0);
	end = sim_run(ctx, s);
	assert(end == SIM_END_DONE);
	(void)end;
	insns = emu_cpu_insn_count(emu_machine_cpu(b.m, 0));
	emu_machine_free(b.m);
	emu_text_free(t);
	return insns;
}

double kp_bench_vcpu_steps_per_s(void)
{
	SimConfig cfg = { .n_vcpus = 1, .trace = false, .max_steps = 100000000 };
	SimCtx *ctx = sim_ctx_new(&cfg);
	SimStrategy *s = sim_strategy_random_new(1);
	uint64_t insns = 0, seed = 1;
	int64_t start, elapsed;

	(void)bench_run(ctx, s, seed++);	/* warm-up: stacks mapped, caches filled */
	start = now_ns();
	do {
		insns += bench_run(ctx, s, seed++);
		elapsed = now_ns() - start;
	} while (elapsed < BENCH_MIN_NS);
	sim_strategy_free(s);
	sim_ctx_free(ctx);
	return (double)insns * 1e9 / (double)elapsed;
}
