// SPDX-License-Identifier: GPL-2.0-only
/* `kpsim invariants` and `kpsim models`: what kpsim checks, and which ports it has. */
#include "model/invariants.h"
#include "model/model.h"
#include "model/ports.h"
#include "tools/cli/commands.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

int kp_cmd_invariants(int argc, char **argv)
{
	size_t n;
	const KpInvariant *inv = kp_invariants(&n);

	if (!kp_cli_parse("invariants", "- list every invariant kpsim checks", NULL, NULL, &argc,
			  &argv) ||
	    !kp_cli_no_arguments("invariants", argc, argv))
		return KP_EXIT_USAGE;
	for (size_t i = 0; i < n; i++)
		printf("%-26s %-9s %-10s %-28s %-9s %s\n", inv[i].id, inv[i].by, inv[i].family,
		       inv[i].where, inv[i].model ? inv[i].model : "all", inv[i].statement);
	return KP_EXIT_PASS;
}

int kp_cmd_models(int argc, char **argv)
{
	size_t n;
	const KpModel *const *models = kp_models(&n);

	if (!kp_cli_parse("models", "- list the kernel ports and their variants", NULL, NULL, &argc, &argv) ||
	    !kp_cli_no_arguments("models", argc, argv))
		return KP_EXIT_USAGE;
	int width = 0;

	for (size_t i = 0; i < n; i++)
		width = MAX(width, (int)strlen(models[i]->name));
	for (size_t i = 0; i < n; i++) {
		const KpModel *m = models[i];

		printf("%-*s %-40s %s", width, m->name, m->commit, m->title);
		if (m->base)
			printf("  [variant of %s, %s]", m->base, m->date);
		printf("\n");
	}
	return KP_EXIT_PASS;
}
