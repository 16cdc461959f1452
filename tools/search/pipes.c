// SPDX-License-Identifier: GPL-2.0-only
#include "tools/search/internal.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>

bool kp_pipes_read(KpPipe *const *pipes, unsigned n, int timeout_ms,
		   void (*event)(void *user, unsigned i, bool closed), void *user)
{
	g_autofree struct pollfd *pfd = g_new0(struct pollfd, MAX(n, 1u));
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		if (pipes[i]->fd >= 0)
			pfd[k++] = (struct pollfd){ .fd = pipes[i]->fd, .events = POLLIN };
	if (poll(pfd, k, timeout_ms) < 0 && errno != EINTR)
		return false;
	for (unsigned i = 0, j = 0; i < n; i++) {
		uint8_t chunk[65536];
		ssize_t got;

		if (pipes[i]->fd < 0)
			continue;
		if (!(pfd[j++].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		got = read(pipes[i]->fd, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			close(pipes[i]->fd);
			pipes[i]->fd = -1;
			event(user, i, true);
			continue;
		}
		g_byte_array_append(pipes[i]->buf, chunk, (guint)got);
		event(user, i, false);
	}
	return true;
}
