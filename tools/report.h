/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One execution of a scenario, summed up for people and for tools: what each operation
 * returned and cost its caller, what each actor (the scenario's tasks, the kernel's
 * workers) cost in all, how the run ended, and the final state of every probe and of
 * the text under it.  `kpsim run --costs` prints it; `kpsim compare` puts two side by
 * side.
 */
#ifndef KPSIM_TOOLS_REPORT_H
#define KPSIM_TOOLS_REPORT_H

#include "sim/costs.h"
#include "tools/scenario.h"

#include <glib.h>
#include <stdio.h>

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
