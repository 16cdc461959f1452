// SPDX-License-Identifier: GPL-2.0-only
/*
 * What every subcommand does with its command line before its own work: parse the
 * options with GOption, report a bad one as `kpsim CMD: why`, and look up a port by the
 * name a --model option gives.
 */
#include "tools/cli/commands.h"

#include "model/ports.h"

#include <stdio.h>

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
