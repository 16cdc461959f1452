// SPDX-License-Identifier: GPL-2.0-only
#include "tools/search/search.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool kp_write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t k = write(fd, b, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		b += k;
		n -= (size_t)k;
	}
	return true;
}

static bool set_errno_error(GError **error, const char *what, const char *path)
{
	int e = errno;

	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s %s: %s", what, path,
		    g_strerror(e));
	return false;
}

/* The process's umask, read once: umask() can only be read by setting it. */
static mode_t process_umask(void)
{
	static gsize once;
	static mode_t mask;

	if (g_once_init_enter(&once)) {
		mask = umask(022);
		umask(mask);
		g_once_init_leave(&once, 1);
	}
	return mask;
}

bool kp_write_file(const char *path, const char *text, GError **error)
{
	struct stat st;
	g_autofree char *dir = NULL;
	g_autofree char *base = NULL;
	g_autofree char *tmp = NULL;
	size_t n = strlen(text);
	int fd;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		bool ok;

		fd = open(path, O_WRONLY);
		if (fd < 0)
			return set_errno_error(error, "cannot open", path);
		ok = kp_write_all(fd, text, n);
		if (!ok)
			set_errno_error(error, "cannot write", path);
		close(fd);
		return ok;
	}
	dir = g_path_get_dirname(path);
	base = g_path_get_basename(path);
	tmp = g_strdup_printf("%s/.%s" KP_WRITE_FILE_TMP_INFIX "XXXXXX", dir, base);
	fd = g_mkstemp(tmp);
	if (fd < 0)
		return set_errno_error(error, "cannot create a file in", dir);
	if (fchmod(fd, 0666 & ~process_umask()) < 0 || !kp_write_all(fd, text, n) ||
	    fsync(fd) < 0) {
		set_errno_error(error, "cannot write", tmp);
		close(fd);
		g_unlink(tmp);
		return false;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		set_errno_error(error, "cannot rename to", path);
		g_unlink(tmp);
		return false;
	}
	return true;
}
