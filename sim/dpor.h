/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Happens-before along one execution path, for dynamic partial-order reduction.
 *
 * The steps of the path are numbered 0, 1, ...; each belongs to an actor (a vCPU, or the
 * tick).  Step i happens before step j when i < j and a chain of dependent steps (or of
 * steps of one actor) leads from i to j.  Vector clocks record that: clock(j)[a] is one
 * more than the last step of actor a that happens before j or is j, 0 for none.
 *
 * Dependence is the caller's (the dfs strategy asks the engine's conservative relation);
 * this module only orders steps and finds races: the latest step that is dependent with
 * an actor's pending option and not already ordered before that actor.
 */
#ifndef KPSIM_SIM_DPOR_H
#define KPSIM_SIM_DPOR_H

#include "sim/types.h"

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* vCPUs, then the tick. */
#define SIM_HB_ACTORS (SIM_MAX_VCPUS + 1)
#define SIM_HB_TICK SIM_MAX_VCPUS

typedef struct {
	GArray *steps;			/* HbStep, private to dpor.c */
	uint32_t last[SIM_HB_ACTORS];	/* one more than each actor's last step, 0 none */
	uint32_t actors;		/* bit a: actor a has a step */
} SimHb;

/* Is step i (< the step or option asked about) dependent with it? */
typedef bool (*SimHbDep)(void *arg, size_t i);

void sim_hb_init(SimHb *hb);
void sim_hb_clear(SimHb *hb);
size_t sim_hb_len(const SimHb *hb);
/* Drop the steps from n on (the path was cut back to n steps). */
void sim_hb_truncate(SimHb *hb, size_t n);
/* Append the next step, taken by `actor`; dep(arg, i) tells its dependence on step i. */
void sim_hb_push(SimHb *hb, unsigned actor, SimHbDep dep, void *arg);
unsigned sim_hb_actor(const SimHb *hb, size_t i);
/* Does step i happen before the next step of `actor` (through actor's own steps)? */
bool sim_hb_before_actor(const SimHb *hb, size_t i, unsigned actor);
/*
 * The race of a pending option of `actor` after the whole path: the latest step of
 * another actor that is dependent with it (dep) and does not happen before the actor's
 * next step.  Returns its index, or -1 when there is none.
 */
long sim_hb_last_race(const SimHb *hb, unsigned actor, SimHbDep dep, void *arg);
/*
 * Step i as the partial order sees it, independently of the order the path took:
 * counts[a] is the number of actor a's steps that happen before step i or are step i
 * (for i's own actor, i's place among its steps, from 1).  The steps of a path with their
 * labels and these counts determine its happens-before order (its trace).
 */
void sim_hb_counts(const SimHb *hb, size_t i, uint32_t counts[SIM_HB_ACTORS]);
#endif
