// SPDX-License-Identifier: GPL-2.0-only
/* The scenario files a command is given: FILE as it is, DIR as every .kps file below it. */
#include "tools/cli/commands.h"

#include <glib.h>
#include <sys/stat.h>

static gint compare_paths(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory on the path being walked: its identity, to recognise a link back to it. */
typedef struct {
	dev_t dev;
	ino_t ino;
} DirId;

static bool on_walk(const GArray *walk, const struct stat *st)
{
	for (unsigned i = 0; i < walk->len; i++) {
		const DirId *d = &g_array_index(walk, DirId, i);

		if (d->dev == st->st_dev && d->ino == st->st_ino)
			return true;
	}
	return false;
}

static GPtrArray *sorted_entries(const char *path)
{
	GDir *dir = g_dir_open(path, 0, NULL);
	GPtrArray *here;
	const char *name;

	if (!dir)
		return NULL;
	here = g_ptr_array_new_with_free_func(g_free);
	while ((name = g_dir_read_name(dir)))
		g_ptr_array_add(here, g_build_filename(path, name, NULL));
	g_dir_close(dir);
	g_ptr_array_sort(here, compare_paths);
	return here;
}

/*
 * Every .kps file below the directory `path` (identity `st`), in path order.  Links are
 * followed, except one to a directory already on the walk's path (`self -> .`), which
 * would otherwise run its files again and again, or never end.
 */
static bool walk_dir(const char *path, const struct stat *st, GArray *walk, GPtrArray *out)
{
	DirId id = { st->st_dev, st->st_ino };
	GPtrArray *here = sorted_entries(path);

	if (!here)
		return false;
	g_array_append_val(walk, id);
	for (unsigned i = 0; i < here->len; i++) {
		const char *p = g_ptr_array_index(here, i);
		struct stat sub;

		if (stat(p, &sub) == 0 && S_ISDIR(sub.st_mode)) {
			if (!on_walk(walk, &sub))
				walk_dir(p, &sub, walk, out);
		} else if (g_str_has_suffix(p, ".kps")) {
			g_ptr_array_add(out, g_strdup(p));
		}
	}
	g_array_set_size(walk, walk->len - 1);
	g_ptr_array_free(here, TRUE);
	return true;
}

/* FILE as given; DIR: every .kps file below it, in path order (commands.h). */
bool kp_cli_collect_scenarios(const char *path, GPtrArray *out)
{
	struct stat st;
	g_autoptr(GArray) walk = g_array_new(FALSE, FALSE, sizeof(DirId));

	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		g_ptr_array_add(out, g_strdup(path));
		return true;
	}
	return walk_dir(path, &st, walk, out);
}

