/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entry points for the checker's own tests, kept out of model/check.h so that nothing
 * else calls them: they judge states the port never reached, to show that each check
 * fires on exactly the states it should.
 */
#ifndef KPSIM_MODEL_CHECK_TEST_H
#define KPSIM_MODEL_CHECK_TEST_H

#include "model/check.h"

/*
 * Judge a given snapshot instead of the port's, with the same code as
 * kp_check_structures (the "outside the locks" checks) and as kp_check_quiescence
 * (those, then progress and memory; nothing if the snapshot shows the optimizer busy).
 * The text and the user-level record are the world's own.
 */
void kp_check_snapshot_for_tests(KpWorld *w, const KpSnapshot *s);
void kp_check_quiescence_for_tests(KpWorld *w, const KpSnapshot *s);
/* The vCPU's current pass began with a kprobe running (for H1). */
void kp_hits_begin_nested_for_tests(KpWorld *w);

#endif
