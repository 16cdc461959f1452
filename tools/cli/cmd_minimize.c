// SPDX-License-Identifier: GPL-2.0-only
/* `kpsim minimize`: a failing scenario made smaller, with its failing schedule embedded. */
#include "model/ports.h"
#include "tools/cli/commands.h"
#include "tools/search/search.h"

#include <glib.h>
#include <stdio.h>

static void print_size(GString *out, const KpScenarioSize *s)
{
	g_string_append_printf(out, "%u operation%s, %u task%s, %u probe%s, %u vCPU%s, "
			       "%u expectation%s", s->ops, s->ops == 1 ? "" : "s", s->tasks,
			       s->tasks == 1 ? "" : "s", s->probes, s->probes == 1 ? "" : "s",
			       s->cpus, s->cpus == 1 ? "" : "s", s->expects,
			       s->expects == 1 ? "" : "s");
}

/* What `kpsim minimize --help` says after the options. */
static const char minimize_help[] =
	"FILE must fail: its schedule, its explore directive or its first execution\n"
	"ends with a violation or a failed expectation.  Operations, tasks, probes,\n"
	"expectations and vCPUs are removed one at a time while it still fails with the\n"
	"same signature (docs/fuzzing.md).  Exit status: 0 minimized, 1 FILE does not\n"
	"fail, 2 bad input, 3 internal error.\n";

/* The header comment: the paths and names in it on one line each, whatever they hold. */
static void print_header(GString *text, const char *path, const KpMinimizeResult *r,
			 const char *model, const char *out_path)
{
	g_autofree char *in = kp_cli_one_line(path);
	g_autofree char *key = kp_cli_one_line(r->key);
	g_autofree char *port = kp_cli_one_line(model);
	g_autofree char *out = kp_cli_one_line(out_path);

	g_string_append_printf(text, "# Minimized from %s: %s.\n# Command: kpsim minimize %s%s%s"
			       "%s%s\n# Before: ", in, key, in, model ? " --model " : "", port,
			       out_path ? " --out " : "", out);
}

int kp_cmd_minimize(int argc, char **argv)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *out_path = NULL;
	g_autofree char *model = NULL;
	g_auto(KpCliAllow) allow = { 0 };
	GOptionEntry entries[] = {
		{ "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_path,
		  "write the minimized scenario to FILE2 (default: standard output)", "FILE2" },
		{ "model", 'm', 0, G_OPTION_ARG_STRING, &model,
		  "run it under this kernel port (default: the file's)", "M" },
		KP_CLI_ALLOW_OPTIONS(&allow),
		{ NULL },
	};
	g_autoptr(KpScenario) sc = NULL;
	g_autoptr(GString) text = g_string_new(NULL);
	const KpModel *port = NULL;
	KpMinimizeResult r;
	int rc = KP_EXIT_PASS;

	if (!kp_cli_parse("minimize", "FILE - make a failing scenario smaller",
			  minimize_help, entries, &argc, &argv) ||
	    !kp_cli_allow_resolve("minimize", &allow))
		return KP_EXIT_USAGE;
	if (argc != 2) {
		fprintf(stderr, "kpsim minimize: give exactly one scenario file\n");
		return KP_EXIT_USAGE;
	}
	if (!kp_cli_model("minimize", model, &port))
		return KP_EXIT_USAGE;
	sc = kp_scenario_load(argv[1], &err);
	if (!sc) {
		fprintf(stderr, "%s\n", err->message);
		return KP_EXIT_USAGE;
	}
	/* Allowed ids join the scenario's own, and the smaller file keeps them. */
	kp_cli_allow_apply(&allow, sc);
	/* Even a scenario marked `model X only`: the user asked for this port. */
	if (port) {
		sc->script.model = port;
		sc->model_name = port->name;
	}
	kp_minimize(sc, NULL, NULL, &r);
	switch (r.status) {
	case KP_MINIMIZE_NO_FAILURE:
		fprintf(stderr, "kpsim minimize: %s does not fail\n", argv[1]);
		kp_minimize_result_clear(&r);
		return KP_EXIT_FAIL;
	case KP_MINIMIZE_BAD_INPUT:
		fprintf(stderr, "%s\n", r.error);
		kp_minimize_result_clear(&r);
		return KP_EXIT_USAGE;
	case KP_MINIMIZE_INTERNAL:
		fprintf(stderr, "kpsim minimize: internal error: %s\n", r.error);
		kp_minimize_result_clear(&r);
		return KP_EXIT_INTERNAL;
	case KP_MINIMIZE_OK:
		break;
	}
	print_header(text, argv[1], &r, model, out_path);
	print_size(text, &r.before);
	g_string_append(text, ".\n# After: ");
	print_size(text, &r.after);
	g_string_append_printf(text, " (%u candidates tried, %u kept).\n", r.candidates,
			       r.accepted);
	g_string_append(text, r.text);
	if (!out_path) {
		fputs(text->str, stdout);
	} else if (!kp_write_file(out_path, text->str, &err)) {
		fprintf(stderr, "kpsim minimize: %s\n", err->message);
		rc = KP_EXIT_USAGE;
	} else {
		g_autoptr(GString) line = g_string_new(NULL);

		print_size(line, &r.after);
		printf("minimized %s -> %s: %s\n  %s\n  replay: kpsim replay %s\n", argv[1],
		       out_path, r.key, line->str, out_path);
	}
	kp_minimize_result_clear(&r);
	return rc;
}
