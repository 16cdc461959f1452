// SPDX-License-Identifier: GPL-2.0-only
#include "sim/srcpath.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static const char *const top_dirs[] = { "sim", "arch_x86_emu", "model", "tools", "tests" };

static bool is_top_dir(const char *component, size_t len)
{
	for (size_t i = 0; i < sizeof(top_dirs) / sizeof(top_dirs[0]); i++)
		if (strlen(top_dirs[i]) == len && !memcmp(top_dirs[i], component, len))
			return true;
	return false;
}

const char *sim_source_path(const char *file)
{
	const char *found = file;

	if (!file)
		return "?";
	/* The last matching component wins: the directories above the checkout may have any
	 * name, including one of ours. */
	for (const char *c = file; *c;) {
		const char *slash = strchr(c, '/');

		if (!slash)
			break;
		if (is_top_dir(c, (size_t)(slash - c)))
			found = c;
		c = slash + 1;
	}
	return found;
}
