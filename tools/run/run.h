/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running and judging one execution of a parsed scenario: the engine context set up for
 * it, the execution under a strategy, the verdict against the scenario's expectations
 * (with the failure's signature), the execution replayed with its trace on, and its
 * report for people and tools (what each operation returned and cost its caller, what
 * each actor cost, the final state of every probe and of the text under it).  Searching
 * over many executions is tools/search/search.h.
 */
#ifndef KPSIM_TOOLS_RUN_RUN_H
#define KPSIM_TOOLS_RUN_RUN_H

#include "sim/costs.h"
#include "tools/scenario/scenario.h"

#include <glib.h>
#include <stdio.h>

/* kpsim's exit statuses (kpsim --help); the replay below returns one. */
enum {
	KP_EXIT_PASS = 0,
	KP_EXIT_FAIL = 1,	/* a violation or failed expectation */
	KP_EXIT_USAGE = 2,	/* bad usage or bad input */
	KP_EXIT_INTERNAL = 3,
	KP_EXIT_BUDGET = 4,	/* the budget ended before the exploration did */
};

typedef enum {
	KP_TRACE_TEXT,
	KP_TRACE_JSON,
	KP_TRACE_PERFETTO,
} KpTraceFormat;

/*
 * An input error found when a scenario runs, as `file:...: message`: `message` as it is
 * when it names the file or an option ("--schedule: ...") already, else after "file: ".
 */
char *kp_input_error(const KpScenario *sc, const char *message);
/*
 * A schedule that does not fit the scenario: `file:line:col: ...` at the scenario's own
 * schedule line, or "--schedule: ..." for one given on the command line (not NULL and
 * not the scenario's).
 */
char *kp_schedule_misfit(const KpScenario *sc, const char *schedule);

/*
 * One execution with the trace on: the schedule given (or the scenario's own, or the
 * first strategy's), stopping before decision `until` when it is non-zero.  Writes the
 * trace to `out`, a summary to `summary`.  Returns the process exit status.
 */
int kp_runner_replay(const KpScenario *sc, const char *schedule, uint64_t until,
		     KpTraceFormat format, FILE *out, FILE *summary);

/*
 * The last `n` trace lines of the failing execution, replayed with the trace on, up to
 * the first violation that fails it (the whole trace when none does).
 */
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
/*
 * One failure of an execution: a violation that no `expect ... violation` line names, or
 * an expectation that did not hold.  An allowed violation (the scenario's `allow` list)
 * is a failure that does not fail the execution: it is reported, counted and grouped.
 */
typedef struct {
	char *key;		/* its group, the signature: "violation ID (site) [cause]" or
				 * "expectation FILE:LINE" */
	char *message;
	bool allowed;
} KpFailure;

void kp_failure_free(gpointer f);
/* Is violation id allowed by the scenario (its `allow` lines and --allow)? */
bool kp_scenario_allows(const KpScenario *sc, const char *id);
/*
 * Allow violation `id` in this scenario (--allow): false when the catalogue has no such id
 * (or the list is full).
 */
bool kp_scenario_add_allow(KpScenario *sc, const char *id);

/*
 * Judge the last execution: every failure into `failures` (KpFailure *, which the caller
 * frees with kp_failure_free), violations in the order found, then expectations.  True
 * when none fails (allowed ones do not).
 */
bool kp_exec_judge_all(KpExec *x, GPtrArray *failures);
/* The same, reporting only the first failure that is not allowed: *msg and *key. */
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

/* Print the state-transition matrix and the transitions of docs/states.md never seen. */
void kp_print_transitions(const KpTransitions *tr, FILE *out);

/* ---- the report of one execution (`kpsim run --costs`, `kpsim compare`) ---- */

#define KP_REPORT_TEXT 5	/* bytes of text shown per probe: what a jump covers */

typedef struct {
	const char *task;	/* the scenario's task name */
	unsigned op;		/* index in its task */
	int line;		/* scenario line */
	char *what;		/* "register a b", as the scenario spells it */
	long ret;		/* KP_NO_EXPECT when it never ran */
	SimCosts costs;		/* what it cost its task */
} KpOpReport;

typedef struct {
	char *name;		/* "t0", "kworker/1" */
	bool scenario;		/* one of the scenario's tasks (else the kernel's) */
	SimCosts costs;
} KpActorReport;

typedef struct {
	const char *name;
	unsigned long addr;	/* where it sits (0: its symbol is not in the image) */
	unsigned flags;		/* struct kprobe flags at the end */
	uint64_t hits, nmissed;
	bool text_known;	/* the text at addr could be read (mapped, live) */
	uint8_t text[KP_REPORT_TEXT];
	bool text_original;
} KpProbeReport;

typedef struct {
	const char *model;
	SimEnd end;
	char *verdict;		/* "pass", or "FAIL " and why */
	char *schedule;
	uint64_t steps, jiffies, stop_machines, grace_periods;
	bool optimization, armed;
	GArray *ops;		/* KpOpReport, task by task in scenario order */
	GArray *actors;		/* KpActorReport, by task id */
	GArray *probes;		/* KpProbeReport, in scenario order */
	SimCosts scenario_total, kernel_total;
} KpExecReport;

/*
 * Run one execution (the schedule given, else the scenario's own, else the first
 * strategy's) and sum it up.  False with *error for input errors.
 */
bool kp_exec_report(const KpScenario *sc, const char *schedule, KpExecReport *out,
		    GError **error);
void kp_exec_report_clear(KpExecReport *r);

/* The costs table of `kpsim run --costs`. */
void kp_exec_report_print_costs(const KpExecReport *r, FILE *out);

#endif
