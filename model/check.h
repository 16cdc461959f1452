/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The invariant checker (catalogue: invariants.c).  It judges the running port through
 * its snapshot, the emulated text, and the user-level record the API layer keeps:
 *   - after every step, the text-write and structural rules, when nobody holds
 *     kprobe_mutex or text_mutex ("outside the locks") and something changed;
 *   - when an API call returns, that call's contract (A1-A8);
 *   - at quiescence (the end of a completed run), progress and memory (P3, M2, M3).
 * A violation is fatal: the run ends with it.
 */
#ifndef KPSIM_MODEL_CHECK_H
#define KPSIM_MODEL_CHECK_H

#include "model/api.h"

/* Install the per-step, per-write and per-fetch checks for this run. */
void kp_check_install(KpWorld *w);
/* Release the checker's state of a run (kp_world_fini does). */
void kp_check_free(KpWorld *w);
/* H2's pass accounting alone (hits.c); kp_check_install includes it. */
void kp_hits_install(KpWorld *w);
/* H1 at a pre handler call (hits.c). */
void kp_hits_check_handler(KpWorld *w, KpProbe *p);
/* A handler fault that kprobes took (and counted as missed) on the running vCPU. */
void kp_hits_note_fault(KpWorld *w);
/* Run every "outside the locks" check now (asserts nobody holds the locks). */
void kp_check_structures(KpWorld *w);
/* The end of a completed run: everything settled. */
void kp_check_quiescence(KpWorld *w);

void kp_check_after_register(KpWorld *w, KpProbe **ps, int n, int ret);
void kp_check_after_unregister(KpWorld *w, KpProbe **ps, int n);
void kp_check_after_enable(KpWorld *w, KpProbe *p, int ret, bool enable);
void kp_check_after_sysctl_write(KpWorld *w, int ret, bool before);
void kp_check_after_sysctl_read(KpWorld *w, int value);
void kp_check_after_debugfs(KpWorld *w);
void kp_check_after_debugfs_read(KpWorld *w, int value, const char *buf);

#endif
