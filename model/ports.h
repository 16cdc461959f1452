/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel ports kpsim has, and how a command line or a scenario names one: by the
 * port's name ("6274de4", "6274de4^") or by its kernel commit id, at least 7 hex digits
 * of it ("61f4e13", "6274de4984a6").
 */
#ifndef KPSIM_MODEL_PORTS_H
#define KPSIM_MODEL_PORTS_H

#include "model/model.h"

#include <stdbool.h>
#include <stddef.h>

/* Every port, the seed's first; *n is set to how many there are. */
const KpModel *const *kp_models(size_t *n);

/*
 * The port named name, else the one whose commit id starts with name (7 to 40 hex
 * digits, either case); NULL when no port, or more than one, answers to it.
 */
const KpModel *kp_model_find(const char *name);

/* m is ancestor, or a variant built on it (directly or through other variants). */
bool kp_model_descends(const KpModel *m, const KpModel *ancestor);

/*
 * The port of its own folder that m is built on: m itself for a port, its base's root
 * for a variant.  What a port's lineage shares (the invariants that apply, for one) is
 * decided by the root.
 */
const KpModel *kp_model_root(const KpModel *m);

#endif
