/* SPDX-License-Identifier: GPL-2.0-only */
/* The parent's side of forked workers' result pipes: read as data arrives. */
#ifndef KPSIM_TOOLS_PIPES_H
#define KPSIM_TOOLS_PIPES_H

#include <glib.h>
#include <stdbool.h>

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

#endif
