// SPDX-License-Identifier: GPL-2.0-only
/*
 * What every subcommand does with its command line before its own work: parse the
 * options with GOption, report a bad one as `kpsim CMD: why`, and look up a port by the
 * name a --model option gives.
 */
#include "tools/cli/commands.h"

#include "model/ports.h"

#include <stdio.h>
#include <string.h>

bool kp_cli_parse(const char *cmd, const char *params, const char *description,
		  const GOptionEntry *entries, int *argc, char ***argv)
{
	g_autoptr(GOptionContext) oc = g_option_context_new(params);
	g_autoptr(GError) err = NULL;

	if (entries)
		g_option_context_add_main_entries(oc, entries, NULL);
	if (description)
		g_option_context_set_description(oc, description);
	if (!g_option_context_parse(oc, argc, argv, &err)) {
		fprintf(stderr, "kpsim %s: %s\n", cmd, err->message);
		return false;
	}
	return true;
}

bool kp_cli_no_arguments(const char *cmd, int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "kpsim %s: unexpected argument '%s'\n", cmd, argv[1]);
		return false;
	}
	return true;
}

bool kp_cli_format(const char *cmd, const char *name, KpCliFormat *fmt)
{
	if (!name || !strcmp(name, "text"))
		*fmt = KP_FMT_TEXT;
	else if (!strcmp(name, "json"))
		*fmt = KP_FMT_JSON;
	else if (!strcmp(name, "markdown"))
		*fmt = KP_FMT_MARKDOWN;
	else {
		fprintf(stderr, "kpsim %s: unknown format '%s' (text, json, markdown)\n", cmd,
			name);
		return false;
	}
	return true;
}

bool kp_cli_model(const char *cmd, const char *name, const KpModel **model)
{
	const KpModel *m;

	if (!name)
		return true;
	m = kp_model_find(name);
	if (!m) {
		fprintf(stderr, "kpsim %s: unknown model '%s' (kpsim models lists them)\n", cmd,
			name);
		return false;
	}
	*model = m;
	return true;
}

char *kp_cli_one_line(const char *s)
{
	GString *out = g_string_new(NULL);

	for (; s && *s; s++) {
		if (*s == '\n')
			g_string_append(out, "\\n");
		else if (*s == '\r')
			g_string_append(out, "\\r");
		else
			g_string_append_c(out, *s);
	}
	return g_string_free(out, FALSE);
}

/* Add one id; false (printed) when the catalogue has no such id. */
static bool allow_one(const char *cmd, KpCliAllow *a, const char *id, const char *where)
{
	const char *known = kp_scenario_allow_id(id);

	if (!known) {
		fprintf(stderr, "kpsim %s: %s'%s' is not an invariant id (kpsim invariants lists "
			"them)\n", cmd, where, id);
		return false;
	}
	for (unsigned i = 0; i < a->ids->len; i++)
		if (a->ids->pdata[i] == known)
			return true;
	g_ptr_array_add(a->ids, (gpointer)known);
	return true;
}

static bool allow_file(const char *cmd, KpCliAllow *a, const char *path)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) err = NULL;
	g_auto(GStrv) lines = NULL;
	size_t len;

	/* Bounded, regular files only, as scenario files are read. */
	if (!kp_scenario_read(path, &text, &len, &err)) {
		fprintf(stderr, "kpsim %s: %s\n", cmd, err->message);
		return false;
	}
	lines = g_strsplit(text, "\n", -1);
	for (unsigned n = 0; lines[n]; n++) {
		char *hash = strchr(lines[n], '#');
		const char *p = lines[n];

		if (hash)
			*hash = '\0';
		while (*p) {
			size_t skip = strspn(p, " \t\r,"), word;
			g_autofree char *id = NULL;
			g_autofree char *where = NULL;

			p += skip;
			word = strcspn(p, " \t\r,");
			if (!word)
				break;
			id = g_strndup(p, word);
			where = g_strdup_printf("%s:%u:%u: ", path, n + 1,
						(unsigned)(p - lines[n]) + 1);
			if (!allow_one(cmd, a, id, where))
				return false;
			p += word;
		}
	}
	return true;
}

bool kp_cli_allow_resolve(const char *cmd, KpCliAllow *a)
{
	a->ids = g_ptr_array_new();
	for (unsigned i = 0; a->opt && a->opt[i]; i++) {
		g_auto(GStrv) ids = g_strsplit(a->opt[i], ",", -1);

		for (unsigned k = 0; ids[k]; k++)
			if (*g_strstrip(ids[k]) && !allow_one(cmd, a, ids[k], "--allow: "))
				return false;
	}
	for (unsigned i = 0; a->files && a->files[i]; i++)
		if (!allow_file(cmd, a, a->files[i]))
			return false;
	return true;
}

void kp_cli_allow_apply(const KpCliAllow *a, KpScenario *sc)
{
	for (unsigned i = 0; a->ids && i < a->ids->len; i++)
		kp_scenario_add_allow(sc, a->ids->pdata[i]);
}

void kp_cli_allow_clear(KpCliAllow *a)
{
	g_strfreev(a->opt);
	g_strfreev(a->files);
	if (a->ids)
		g_ptr_array_free(a->ids, TRUE);
	memset(a, 0, sizeof(*a));
}
