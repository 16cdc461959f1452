/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fuzzer's scenario generator (docs/fuzzing.md): run i of a campaign with seed S draws,
 * from a generator seeded by (S, i) only, swarm parameters (vCPUs, probes and where they
 * sit in the default image, handler kinds, which operations are enabled and how often,
 * the optimizer delay) and then tasks of a few operations each, as scenario text.
 */
#ifndef KPSIM_TOOLS_FUZZ_GEN_H
#define KPSIM_TOOLS_FUZZ_GEN_H

#include <glib.h>
#include <stdint.h>

typedef enum {
	KP_FUZZ_REGISTER,
	KP_FUZZ_REGISTER_BATCH,
	KP_FUZZ_UNREGISTER,
	KP_FUZZ_UNREGISTER_BATCH,
	KP_FUZZ_ENABLE,
	KP_FUZZ_DISABLE,
	KP_FUZZ_SYSCTL,
	KP_FUZZ_DEBUGFS,
	KP_FUZZ_MODULE,
	KP_FUZZ_CPU,
	KP_FUZZ_CALL,
	KP_FUZZ_IRQ,
	KP_FUZZ_SLEEP,
	KP_FUZZ_OP_COUNT,
} KpFuzzOp;

typedef struct {
	unsigned cpus;		/* 1..4 */
	unsigned probes;	/* 1..6 */
	unsigned tasks;
	unsigned optimize_delay;
	unsigned weight[KP_FUZZ_OP_COUNT];	/* 0: the operation is not generated */
	char *params;		/* the drawn parameters, one line */
	char *text;		/* the scenario */
} KpFuzzCase;

/*
 * Draw run `index` of campaign `seed`.  The text always parses (the generator checks it
 * and aborts the process when it does not: that is a bug in the generator).
 */
void kp_fuzz_generate(uint64_t seed, uint64_t index, const char *model, KpFuzzCase *out);
void kp_fuzz_case_clear(KpFuzzCase *c);

#endif
