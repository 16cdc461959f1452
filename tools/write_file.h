/* SPDX-License-Identifier: GPL-2.0-only */
/* Writing a result file so that a reader never sees half of it. */
#ifndef KPSIM_TOOLS_WRITE_FILE_H
#define KPSIM_TOOLS_WRITE_FILE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Write `text` to `path`.  A regular file (or a new one) is written to a temporary file
 * in the same directory and renamed over `path`, so a stopped writer leaves either the
 * old file or the new one.  Anything else that exists (a device such as /dev/null, a
 * pipe) is opened and written as it is: renaming over it would replace it.
 */
bool kp_write_file(const char *path, const char *text, GError **error);

/* All n bytes to fd, through short writes and EINTR; false on an error (errno says). */
bool kp_write_all(int fd, const void *p, size_t n);

#endif
