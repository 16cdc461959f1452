// SPDX-License-Identifier: GPL-2.0-only
#include "tools/fuzz_dir.h"

#include "tools/write_file.h"

#include <inttypes.h>
#include <string.h>

#define SIGNATURE_LINE "# Signature: "

uint64_t kp_fuzz_state_read(const char *dir, const char *key, GPtrArray *others)
{
	g_autofree char *path = g_build_filename(dir, KP_FUZZ_STATE_FILE, NULL);
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	size_t kl = strlen(key);
	uint64_t next = 0;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		if (!**l || (*l)[0] == '#')
			continue;
		/* "seed 1" must not take the line of "seed 10": the key ends at " next ". */
		if (!strncmp(*l, key, kl) && g_str_has_prefix(*l + kl, " next "))
			next = g_ascii_strtoull(*l + kl + strlen(" next "), NULL, 10);
		else
			g_ptr_array_add(others, g_strdup(*l));
	}
	return next;
}

bool kp_fuzz_state_write(const char *dir, const char *key, GPtrArray *others, uint64_t next,
			 GError **error)
{
	g_autofree char *path = g_build_filename(dir, KP_FUZZ_STATE_FILE, NULL);
	g_autoptr(GString) s = g_string_new("# kpsim fuzz: the next run index of each campaign\n");

	for (unsigned i = 0; i < others->len; i++)
		g_string_append_printf(s, "%s\n", (char *)others->pdata[i]);
	g_string_append_printf(s, "%s next %" PRIu64 "\n", key, next);
	return kp_write_file(path, s->str, error);
}

void kp_fuzz_dir_findings(const char *dir, GHashTable *signatures, GHashTable *files)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	if (!d)
		return;
	while ((name = g_dir_read_name(d))) {
		g_autofree char *path = NULL;
		g_autofree char *text = NULL;
		const char *sig, *end;
		char *key;

		/* Dot files are the temporary files of writes that did not finish. */
		if (!g_str_has_suffix(name, ".kps") || name[0] == '.')
			continue;
		g_hash_table_add(files, g_strdup(name));
		path = g_build_filename(dir, name, NULL);
		if (!g_file_get_contents(path, &text, NULL, NULL))
			continue;
		sig = strstr(text, SIGNATURE_LINE);
		if (!sig)
			continue;
		sig += strlen(SIGNATURE_LINE);
		end = strchr(sig, '\n');
		key = g_strndup(sig, end ? (size_t)(end - sig) : strlen(sig));
		if (g_hash_table_contains(signatures, key))
			g_free(key);
		else
			g_hash_table_insert(signatures, key, g_strdup(name));
	}
}
