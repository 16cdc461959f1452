/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Schedules: the sequence of choices a run made, in a compact printable form and as a
 * readable list.  Replaying a schedule reproduces the run exactly.
 *
 * Compact form: "S1:" then zero or more tokens, one per choice, each optionally followed
 * by a decimal repeat count (past the last choice a replay takes the first option):
 *   a .. p     vCPU 0 .. 15 takes its next step (alternative 0)
 *   A .. P     the same vCPU takes alternative 1 (for an instruction step: the IRQ)
 *   a(k)       vCPU 0 takes alternative k
 *   t          jiffies advance to the next timer expiry
 * Example: "S1:a12bBt3a" = vCPU 0 twelve times, vCPU 1, vCPU 1 alternative 1, three ticks,
 * vCPU 0.
 */
#ifndef KPSIM_SIM_SCHEDULE_H
#define KPSIM_SIM_SCHEDULE_H

#include "sim/strategy.h"

#include <glib.h>

typedef struct {
	uint8_t kind;	/* SimOptKind */
	uint8_t alt;
	uint16_t vcpu;
} SimChoice;

/* Encode n choices (compact form) into a newly allocated string. */
char *sim_schedule_encode(const SimChoice *choices, size_t n);
/*
 * Parse the compact form.  Returns the choices (free with g_free) and their count in *n
 * (never NULL on success: "S1:" alone is zero choices, which replays as `first`),
 * or NULL with *error_pos set to the offending character offset.
 */
SimChoice *sim_schedule_decode(const char *text, size_t *n, size_t *error_pos);

/* The choices the last run of ctx made, and the same as compact text. */
const SimChoice *sim_schedule_choices(const SimCtx *ctx, size_t *n);
char *sim_schedule_string(const SimCtx *ctx);

/* True when option `o` is the option chosen by `c`. */
bool sim_choice_matches(const SimChoice *c, const SimOption *o);

#endif
