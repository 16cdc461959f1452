/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the search library's files share and nobody else needs: the parent's side of the
 * forked workers' result pipes, and a fuzzing campaign's output directory.
 */
#ifndef KPSIM_TOOLS_SEARCH_INTERNAL_H
#define KPSIM_TOOLS_SEARCH_INTERNAL_H

#include "tools/search/search.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- worker pipes ---- */

/*
 * How long the parent waits for its workers' pipes before it looks at the clock again:
 * often enough for a progress line a second and a --time budget, rarely enough to cost
 * nothing.
 */
#define KP_PIPES_POLL_MS 250

typedef struct {
	int fd;			/* the read end; -1 once closed */
	GByteArray *buf;	/* bytes read and not consumed yet */
} KpPipe;

/*
 * Waits up to timeout_ms for the open ones of pipes[0..n) and reads what is ready into
 * their buffers, calling event(user, i, false) after bytes were appended to pipe i and
 * event(user, i, true) when it reached end of file (it is closed and its fd set to -1).
 * Returns false if poll() failed.
 */
bool kp_pipes_read(KpPipe *const *pipes, unsigned n, int timeout_ms,
		   void (*event)(void *user, unsigned i, bool closed), void *user);

/*
 * ---- the findings directory ----
 * One scenario file per signature with a "# Signature:" header line, and the state file
 * `fuzz-state`, one "KEY next N" line per campaign configuration (KEY names the model,
 * strategy, schedules and seed; N is the next run index to do).
 */

#define KP_FUZZ_STATE_FILE "fuzz-state"
/* The file a campaign holds flock()ed while it uses the directory; holds the pid. */
#define KP_FUZZ_LOCK_FILE ".lock"

/*
 * Takes the directory's lock without waiting: returns the descriptor that holds it (close
 * it to release), or -1 with *error set ("DIR is in use by another kpsim fuzz (pid N)"
 * when another process holds it).
 */
int kp_fuzz_dir_lock(const char *dir, GError **error);
/* Removes the temporary files of interrupted writes; call it holding the lock. */
void kp_fuzz_dir_remove_temporaries(const char *dir);

/*
 * *next: the next run index recorded for `key` (0 when none); the other configurations'
 * lines are appended to `others` (char *), to be written back unchanged.  False, with
 * *error naming the file (and line), when it cannot be read or a line is not "KEY next N".
 */
bool kp_fuzz_state_read(const char *dir, const char *key, GPtrArray *others, uint64_t *next,
			GError **error);
/* Record `next` for `key`, keeping `others`; written atomically. */
bool kp_fuzz_state_write(const char *dir, const char *key, GPtrArray *others, uint64_t next,
			 GError **error);

/* One line of a state file. */
typedef struct {
	char *line;		/* as written */
	char *key;		/* what comes before " next " */
	uint64_t next;
} KpFuzzStateLine;

void kp_fuzz_state_line_free(gpointer p);
/*
 * Every line of dir's state file (KpFuzzStateLine *, in file order) appended to `lines`;
 * none when there is no state file.  False, as kp_fuzz_state_read, for a line that is
 * not "KEY next N" or a file that cannot be read.
 */
bool kp_fuzz_state_parse(const char *dir, GPtrArray *lines, GError **error);
/* Write the state file: its header comment, then `lines` (char *); atomically. */
bool kp_fuzz_state_write_lines(const char *dir, GPtrArray *lines, GError **error);

/*
 * The signature of a finding file (path, its text): its "# Signature:" line, or for a
 * line written before signatures named a cause or dropped source lines, the signature
 * its embedded schedule fails with today (docs/fuzzing.md).  NULL without such a line.
 */
char *kp_fuzz_finding_signature(const char *path, const char *text);
/*
 * The findings already in `dir`: each .kps file's name into `files` (a set), and its
 * signature -> file name into `signatures` (keys and values newly allocated).
 */
void kp_fuzz_dir_findings(const char *dir, GHashTable *signatures, GHashTable *files);

#endif
