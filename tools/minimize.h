/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Scenario minimization (docs/fuzzing.md): a failing scenario made smaller, one removal at
 * a time, keeping only the candidates that still fail with the same signature.  The
 * result is scenario text with the failing schedule embedded.
 */
#ifndef KPSIM_TOOLS_MINIMIZE_H
#define KPSIM_TOOLS_MINIMIZE_H

#include "tools/scenario.h"

typedef enum {
	KP_MINIMIZE_OK,		/* minimized (possibly nothing could be removed) */
	KP_MINIMIZE_NO_FAILURE,	/* the scenario does not fail in any one execution */
	KP_MINIMIZE_BAD_INPUT,	/* the scenario does not fit the image */
	KP_MINIMIZE_INTERNAL,	/* the result did not replay the same way */
} KpMinimizeStatus;

/* The size of a scenario, as the minimizer counts it. */
typedef struct {
	unsigned ops, tasks, probes, cpus, expects;
} KpScenarioSize;

typedef struct {
	KpMinimizeStatus status;
	char *key;		/* the failure's signature: "violation ID (file:line)", ... */
	char *schedule;		/* the minimized scenario's failing schedule */
	char *text;		/* the minimized scenario, schedule embedded */
	char *error;		/* why, for BAD_INPUT and INTERNAL */
	KpScenarioSize before, after;
	unsigned candidates;	/* candidate scenarios tried */
	unsigned accepted;	/* of which failed the same way */
} KpMinimizeResult;

KpScenarioSize kp_scenario_size(const KpScenario *sc);

/*
 * Find a failing execution of `sc` the way `kpsim run` does (its schedule, else its
 * explore directive, else the first execution).  Returns false when none fails; *key and
 * *schedule are newly allocated.  *error is set (and false returned) for an input error.
 */
bool kp_minimize_find_failure(const KpScenario *sc, char **key, char **schedule,
			      char **error);

/*
 * Minimize `sc`, which fails with signature `key` under `schedule` (both NULL: find them
 * with kp_minimize_find_failure).
 */
void kp_minimize(const KpScenario *sc, const char *key, const char *schedule,
		 KpMinimizeResult *res);
void kp_minimize_result_clear(KpMinimizeResult *res);

/* A signature as a file name: "violation A5 (check.c:50)" -> "A5-check.c-50". */
char *kp_signature_file_name(const char *key);

#endif
