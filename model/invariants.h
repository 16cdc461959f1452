/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The catalogue of what kpsim checks: every invariant with a stable id, its family and a
 * one-line statement (listed by `kpsim invariants`; docs/invariants.md describes each).
 * The engine's and the hardware's own checks are listed too, since a run can fail on
 * them.
 */
#ifndef KPSIM_MODEL_INVARIANTS_H
#define KPSIM_MODEL_INVARIANTS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	const char *id;
	const char *by;		/* who checks it: "port", "checker", "engine", "hardware",
				 * or "not yet" for a catalogue entry without a check */
	const char *family;	/* "kernel", "text", "structure", "handlers", "progress",
				 * "memory", "api", "engine", "cpu" */
	const char *where;	/* when it is evaluated */
	const char *statement;
	/*
	 * The port it applies to ("6274de4"), or NULL for every port: an invariant about
	 * machinery only one kernel version has (the seed's unoptimizing list, for one) is
	 * neither checked nor reported on the others.
	 */
	const char *model;
} KpInvariant;

const KpInvariant *kp_invariants(size_t *n);
const KpInvariant *kp_invariant(const char *id);
/* Does inv judge the port named `model`? */
bool kp_invariant_applies(const KpInvariant *inv, const char *model);

#endif
