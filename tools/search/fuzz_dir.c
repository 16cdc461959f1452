// SPDX-License-Identifier: GPL-2.0-only
/*
 * A fuzzing campaign's output directory: the state file that says where each campaign
 * configuration resumes, and the signatures of the findings already written.
 */
#include "tools/search/internal.h"

#include "sim/strategy.h"

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

/*
 * Signatures once named the source line that reported a violation ("violation A5
 * (check.c:64)").  A finding written then is replayed to learn its signature today, so a
 * campaign resumed on an old directory does not write the same failure again under its
 * new name.
 */
static bool is_line_signature(const char *key)
{
	const char *open = strrchr(key, '(');
	const char *colon = open ? strchr(open, ':') : NULL;

	if (!g_str_has_prefix(key, "violation ") || !colon || !g_str_has_suffix(key, ")"))
		return false;
	for (const char *p = colon + 1; *p != ')'; p++)
		if (!g_ascii_isdigit(*p))
			return false;
	return colon > open + 1 && colon[1] != ')';
}

/* The signature the finding's embedded schedule fails with now; NULL if it passes. */
static char *replayed_signature(const char *path, const char *text)
{
	g_autoptr(KpScenario) sc = kp_scenario_parse(path, text, strlen(text), NULL);
	g_autoptr(GString) msg = g_string_new(NULL);
	g_autoptr(GString) key = g_string_new(NULL);
	char *out = NULL;
	KpExec *x;
	SimStrategy *s;
	SimEnd end;

	if (!sc || !sc->schedule || !(s = sim_strategy_replay_new(sc->schedule, NULL)))
		return NULL;
	x = kp_exec_new(sc);
	end = kp_exec_run(x, s, NULL);
	sim_strategy_free(s);
	if (end != SIM_END_NONE && end != SIM_END_DIVERGED && !kp_exec_judge(x, msg, key))
		out = g_strdup(key->str);
	kp_exec_free(x);
	return out;
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
		if (is_line_signature(key)) {
			char *now = replayed_signature(path, text);

			if (now) {
				g_free(key);
				key = now;
			}
		}
		if (g_hash_table_contains(signatures, key))
			g_free(key);
		else
			g_hash_table_insert(signatures, key, g_strdup(name));
	}
}
