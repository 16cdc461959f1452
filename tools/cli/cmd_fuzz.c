// SPDX-License-Identifier: GPL-2.0-only
/* `kpsim fuzz`: generated scenarios explored with a few schedules each (docs/fuzzing.md). */
#include "model/ports.h"
#include "tools/cli/commands.h"
#include "tools/search/search.h"

#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What `kpsim fuzz --help` says after the options. */
static const char fuzz_help[] =
	"Each run draws a scenario from (seed, run index) and explores it with K\n"
	"schedules.  Failures are grouped by signature (violation id and reporting site);\n"
	"the first of each is minimized and written to DIR as SIGNATURE.kps.  Rerunning\n"
	"with the same DIR resumes the campaign.  Give --runs or --time.  Exit status:\n"
	"0 no failure, 1 failures found, 2 bad usage or unusable DIR, 3 internal error.\n";

int kp_cmd_fuzz(int argc, char **argv)
{
	g_autofree char *model = NULL;
	g_autofree char *out_dir = NULL;
	g_autofree char *strategy = NULL;
	g_autofree char *command = NULL;
	gint64 seed = 0, runs = -1;
	gdouble time = 0;
	gint jobs = 1, schedules = 20;
	gint64 show = -1;
	g_auto(KpCliAllow) allow = { 0 };
	GOptionEntry entries[] = {
		{ "model", 'm', 0, G_OPTION_ARG_STRING, &model,
		  "the kernel port (default 6274de4)", "M" },
		{ "seed", 's', 0, G_OPTION_ARG_INT64, &seed, "the campaign's seed (default 0)", "S" },
		{ "runs", 'n', 0, G_OPTION_ARG_INT64, &runs,
		  "generated scenarios in all, counting those of a resumed campaign", "N" },
		{ "time", 't', 0, G_OPTION_ARG_DOUBLE, &time, "stop after T seconds", "T" },
		{ "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "N worker processes", "N" },
		{ "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir,
		  "write findings and the campaign state to DIR (default: write nothing)", "DIR" },
		{ "schedules", 'k', 0, G_OPTION_ARG_INT, &schedules,
		  "executions explored per scenario (default 20)", "K" },
		{ "strategy", 0, 0, G_OPTION_ARG_STRING, &strategy,
		  "random (default) or pct", "S" },
		{ "show", 0, 0, G_OPTION_ARG_INT64, &show,
		  "print the scenario of run I (and its drawn parameters) and exit", "I" },
		KP_CLI_ALLOW_OPTIONS(&allow),
		{ NULL },
	};
	KpFuzzConfig cfg = { 0 };
	KpFuzzResult r;
	int rc;

	command = g_strjoinv(" ", argv);
	if (!kp_cli_parse("fuzz", "- fuzz the model with generated "
			  "scenarios",
			  fuzz_help, entries, &argc, &argv) ||
	    !kp_cli_allow_resolve("fuzz", &allow))
		return KP_EXIT_USAGE;
	if (!kp_cli_no_arguments("fuzz", argc, argv))
		return KP_EXIT_USAGE;
	if (show >= 0 && seed >= 0) {
		KpFuzzCase c;

		kp_fuzz_generate((uint64_t)seed, (uint64_t)show, model ? model : "6274de4", &c);
		printf("# seed %" PRId64 " run %" PRId64 ": %s\n%s", seed, show, c.params, c.text);
		kp_fuzz_case_clear(&c);
		return KP_EXIT_PASS;
	}
	if (runs == -1 && time <= 0) {
		fprintf(stderr, "kpsim fuzz: give --runs N or --time T\n");
		return KP_EXIT_USAGE;
	}
	if (seed < 0 || runs == 0 || runs < -1 || time < 0 || jobs < 1 ||
	    jobs > KP_CLI_MAX_JOBS || schedules < 1 || schedules > 1000000) {
		fprintf(stderr, "kpsim fuzz: out of range: --seed >= 0, --runs >= 1, --time >= 0, "
				"--jobs 1..%d, --schedules 1..1000000\n", KP_CLI_MAX_JOBS);
		return KP_EXIT_USAGE;
	}
	if (strategy && strcmp(strategy, "random") && strcmp(strategy, "pct")) {
		fprintf(stderr, "kpsim fuzz: unknown strategy '%s' (random, pct)\n", strategy);
		return KP_EXIT_USAGE;
	}
	if (!kp_cli_model("fuzz", model, &(const KpModel *){ NULL }))
		return KP_EXIT_USAGE;
	cfg.model = model ? model : "6274de4";
	cfg.seed = (uint64_t)seed;
	cfg.runs = runs > 0 ? (uint64_t)runs : 0;
	cfg.time = time;
	cfg.jobs = (unsigned)jobs;
	cfg.out_dir = out_dir;
	cfg.schedules = (unsigned)schedules;
	cfg.strategy = strategy && !strcmp(strategy, "pct") ? KP_STRATEGY_PCT : KP_STRATEGY_RANDOM;
	cfg.command = command;
	cfg.allow = (const char *const *)allow.ids->pdata;
	cfg.n_allow = allow.ids->len;
	cfg.progress = isatty(STDERR_FILENO);
	printf("fuzz: model %s, seed %" PRIu64 ", ", cfg.model, cfg.seed);
	if (runs > 0)
		printf("runs %" PRIu64, cfg.runs);
	else
		printf("time %gs", cfg.time);
	printf(", %u %s schedules per run, jobs %u%s%s\n", cfg.schedules,
	       cfg.strategy == KP_STRATEGY_PCT ? "pct" : "random", cfg.jobs,
	       out_dir ? ", out " : "", out_dir ? out_dir : "");
	fflush(stdout);
	kp_fuzz(&cfg, stdout, &r);
	if (r.error) {
		fprintf(stderr, "kpsim fuzz: %s%s\n", r.bad_dir ? "" : "internal error: ", r.error);
		rc = r.bad_dir ? KP_EXIT_USAGE : KP_EXIT_INTERNAL;
		kp_fuzz_result_clear(&r);
		return rc;
	}
	printf("runs: %" PRIu64 " (run indices %" PRIu64 "..%" PRIu64 " done)\n", r.runs,
	       r.first_run, r.next_run);
	printf("executions: %" PRIu64 "\nfailing runs: %" PRIu64 "\ndiscarded runs (model limits):"
	       " %" PRIu64 "\nsignatures: %u\n", r.executions, r.failures, r.discarded,
	       r.signatures->len);
	if (cfg.n_allow)
		printf("executions in allowed groups: %" PRIu64 "\n", r.allowed);
	for (unsigned i = 0; i < r.signatures->len; i++)
		printf("  %s: %s\n", (char *)r.signatures->pdata[i], (char *)r.files->pdata[i]);
	rc = r.failures ? KP_EXIT_FAIL : KP_EXIT_PASS;
	kp_fuzz_result_clear(&r);
	return rc;
}
