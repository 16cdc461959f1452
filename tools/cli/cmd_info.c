// SPDX-License-Identifier: GPL-2.0-only
/* `kpsim invariants` and `kpsim models`: what kpsim checks, and which ports it has. */
#include "model/invariants.h"
#include "model/model.h"
#include "tools/commands.h"

#include <glib.h>
#include <stdio.h>

static const KpModel *const models[] = {
	&kp_model_6274de4,
	&kp_model_6274de4_parent,
};

const KpModel *kp_find_model(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(models); i++)
		if (!g_strcmp0(models[i]->name, name))
			return models[i];
	return NULL;
}

static bool no_arguments(const char *cmd, const char *summary, int argc, char **argv)
{
	g_autoptr(GOptionContext) oc = g_option_context_new(summary);
	g_autoptr(GError) err = NULL;

	if (!g_option_context_parse(oc, &argc, &argv, &err)) {
		fprintf(stderr, "kpsim %s: %s\n", cmd, err->message);
		return false;
	}
	if (argc > 1) {
		fprintf(stderr, "kpsim %s: unexpected argument '%s'\n", cmd, argv[1]);
		return false;
	}
	return true;
}

int kp_cmd_invariants(int argc, char **argv)
{
	size_t n;
	const KpInvariant *inv = kp_invariants(&n);

	if (!no_arguments("invariants", "- list every invariant kpsim checks", argc, argv))
		return KP_EXIT_USAGE;
	for (size_t i = 0; i < n; i++)
		printf("%-26s %-9s %-10s %-28s %-9s %s\n", inv[i].id, inv[i].by, inv[i].family,
		       inv[i].where, inv[i].model ? inv[i].model : "all", inv[i].statement);
	return KP_EXIT_PASS;
}

int kp_cmd_models(int argc, char **argv)
{
	if (!no_arguments("models", "- list the kernel ports", argc, argv))
		return KP_EXIT_USAGE;
	for (size_t i = 0; i < G_N_ELEMENTS(models); i++)
		printf("%-10s %s %s\n", models[i]->name, models[i]->commit, models[i]->title);
	return KP_EXIT_PASS;
}
