/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running a parsed scenario: its executions under its explore directive (or its embedded
 * schedule), judged against its expectations.  The result says how the scenario did and,
 * for a failure, which execution failed and how to replay it.
 */
#ifndef KPSIM_TOOLS_RUNNER_H
#define KPSIM_TOOLS_RUNNER_H

#include "tools/scenario.h"

#include <stdio.h>

typedef enum {
	KP_VERDICT_PASS,
	KP_VERDICT_FAIL,	/* a violation or an expectation failed */
	KP_VERDICT_ERROR,	/* the scenario does not fit the image (input error) */
	KP_VERDICT_INCOMPLETE,	/* passed so far, but an `explore dfs ... runs N` budget ended */
	KP_VERDICT_INTERNAL,	/* the engine failed (an execution did not repeat) */
} KpVerdict;

typedef struct {
	KpVerdict verdict;
	uint64_t executions;
	char *message;		/* why it failed, or the input error */
	char *schedule;		/* the failing execution's schedule (S1:...) */
	uint64_t seed;		/* its seed, when random */
	bool has_seed;
	KpTransitions transitions;	/* §6 state changes over all executions */
} KpRunResult;

/* Print the state-transition matrix and the §6 transitions never seen. */
void kp_print_transitions(const KpTransitions *tr, FILE *out);

/* Run every execution the scenario asks for. */
void kp_runner_run(const KpScenario *sc, KpRunResult *res);
void kp_run_result_clear(KpRunResult *res);

typedef enum {
	KP_TRACE_TEXT,
	KP_TRACE_JSON,
	KP_TRACE_PERFETTO,
} KpTraceFormat;

/*
 * One execution with the trace on: the schedule given (or the scenario's own, or the
 * first strategy's), stopping before decision `until` when it is non-zero.  Writes the
 * trace to `out`, a summary to `summary`.  Returns the process exit status.
 */
int kp_runner_replay(const KpScenario *sc, const char *schedule, uint64_t until,
		     KpTraceFormat format, FILE *out, FILE *summary);

/* The last `n` trace lines of the failing execution, replayed with the trace on. */
void kp_runner_print_tail(const KpScenario *sc, const char *schedule, size_t n, FILE *out);

/*
 * Single executions of a scenario, for the explorer: one engine context reused run after
 * run.  kp_exec_run returns SIM_END_NONE (with *error) when the scenario does not fit
 * the image.  Only a whole execution (not one a strategy stopped) is judged.
 */
typedef struct KpExec KpExec;

KpExec *kp_exec_new(const KpScenario *sc);
void kp_exec_free(KpExec *x);
SimEnd kp_exec_run(KpExec *x, SimStrategy *s, GError **error);
/* Judge the last execution: on failure *msg says why and *key names its group. */
bool kp_exec_judge(KpExec *x, GString *msg, GString *key);
/* Which `expect sometimes` lines have held in any execution so far. */
const bool *kp_exec_sometimes(const KpExec *x);
char *kp_exec_schedule(const KpExec *x);
uint64_t kp_exec_steps(const KpExec *x);
/* The last execution's engine context and run, for reports (valid until the next run). */
SimCtx *kp_exec_ctx(const KpExec *x);
const KpScriptRun *kp_exec_script_run(const KpExec *x);
void kp_exec_add_transitions(const KpExec *x, KpTransitions *into);
/*
 * The final state of the last execution (docs/explore.md, "distinct final states"): how
 * it ended and its verdict (pass, failure group, violation ids), each probe's handler
 * counts, every operation's return value, the model snapshot (allocation ids left out),
 * the text regions' states and the bytes of every function a probe is placed in.
 */
uint64_t kp_exec_state_hash(KpExec *x, bool pass, const char *key);

#endif
