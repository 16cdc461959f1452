/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fuzzing campaign's output directory (docs/fuzzing.md): the findings, one scenario file
 * per signature with a "# Signature:" header line, and the state file `fuzz-state`, one
 * "KEY next N" line per campaign configuration (KEY names the model, strategy, schedules
 * and seed; N is the next run index to do).
 */
#ifndef KPSIM_TOOLS_FUZZ_DIR_H
#define KPSIM_TOOLS_FUZZ_DIR_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define KP_FUZZ_STATE_FILE "fuzz-state"

/*
 * The next run index recorded for `key` (0 when none); the other configurations' lines
 * are appended to `others` (char *), to be written back unchanged.
 */
uint64_t kp_fuzz_state_read(const char *dir, const char *key, GPtrArray *others);
/* Record `next` for `key`, keeping `others`; written atomically. */
bool kp_fuzz_state_write(const char *dir, const char *key, GPtrArray *others, uint64_t next,
			 GError **error);
/*
 * The findings already in `dir`: each .kps file's name into `files` (a set), and its
 * signature -> file name into `signatures` (keys and values newly allocated).
 */
void kp_fuzz_dir_findings(const char *dir, GHashTable *signatures, GHashTable *files);

#endif
