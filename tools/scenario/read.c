// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading a scenario file with a bound: a path may name /dev/zero, a FIFO or a huge file
 * (hostile or mistaken input), and reading such a thing whole would hang or exhaust
 * memory before the parser could refuse it.
 */
#include "tools/scenario/scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool read_error(GError **error, const char *path, const char *why)
{
	g_set_error(error, KP_SCENARIO_ERROR, KP_SCENARIO_ERROR_READ, "%s: %s", path, why);
	return false;
}

/* Up to KP_SCENARIO_MAX_FILE_BYTES + 1 bytes: one more than allowed tells "too large". */
static bool read_bounded(int fd, GString *buf)
{
	char chunk[65536];

	while (buf->len <= KP_SCENARIO_MAX_FILE_BYTES) {
		ssize_t k = read(fd, chunk, sizeof(chunk));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return false;
		if (k == 0)
			break;
		g_string_append_len(buf, chunk, k);
	}
	return true;
}

bool kp_scenario_read(const char *path, char **text, size_t *len, GError **error)
{
	struct stat st;
	g_autoptr(GString) buf = g_string_new(NULL);
	bool ok;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer before fstat refuses it. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return read_error(error, path, g_strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return read_error(error, path, "not a regular file");
	}
	ok = read_bounded(fd, buf);
	if (!ok)
		read_error(error, path, g_strerror(errno));
	close(fd);
	if (ok && buf->len > KP_SCENARIO_MAX_FILE_BYTES)
		ok = read_error(error, path, "larger than 16 MiB, the most a scenario file may hold");
	if (!ok)
		return false;
	*len = buf->len;
	*text = g_string_free(g_steal_pointer(&buf), FALSE);
	return true;
}
