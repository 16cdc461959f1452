/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fuzzing campaign (docs/fuzzing.md): generated scenarios, each explored with a few
 * random or PCT schedules, failures grouped by signature, the first of each minimized and
 * written to the output directory.  Runs are done in chunks by forked workers; a chunk's
 * findings are written before the state file records it, so a stopped campaign resumes
 * without losing or repeating findings.
 */
#ifndef KPSIM_TOOLS_FUZZ_H
#define KPSIM_TOOLS_FUZZ_H

#include "tools/explore.h"

#include <stdio.h>

typedef struct {
	const char *model;
	uint64_t seed;
	uint64_t runs;		/* run indices [0, runs) in all; 0: until the time ends */
	double time;		/* seconds, 0: none */
	unsigned jobs;
	const char *out_dir;	/* NULL: write nothing */
	unsigned schedules;	/* executions explored per run */
	KpStrategyKind strategy;	/* random or pct */
	const char *command;	/* the command line, for the findings' headers */
	bool progress;		/* a progress line on stderr */
	/*
	 * Tests only: the worker doing this run index aborts, as if the model had crashed
	 * (UINT64_MAX: none).  Set from KPSIM_FUZZ_CRASH_RUN.
	 */
	uint64_t crash_run;
} KpFuzzConfig;

typedef struct {
	uint64_t first_run, next_run;	/* this invocation did [first_run, next_run) */
	uint64_t runs, executions, failures, discarded;	/* failures include crashes */
	GPtrArray *signatures;	/* char *: every signature known, sorted */
	GPtrArray *files;	/* char *: the file of each ("-" without an output directory) */
	GPtrArray *new_files;	/* char *: files written by this invocation */
	char *error;		/* internal error or bad output directory */
	bool bad_dir;
} KpFuzzResult;

/* Run the campaign; reports failing runs and findings on `out` as they are merged. */
void kp_fuzz(const KpFuzzConfig *cfg, FILE *out, KpFuzzResult *res);
void kp_fuzz_result_clear(KpFuzzResult *res);

#endif
