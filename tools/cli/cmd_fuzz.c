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
	"with the same DIR resumes the campaign.  Give --runs or --time.\n"
	"\n"
	"--shard K/N does only the run indices i < --runs with i mod N = K, so that N\n"
	"machines together do the runs of one campaign; each writes a DIR of its own,\n"
	"and `kpsim fuzz merge OUT DIR...` merges them.  --shard auto takes K and N from\n"
	"a Slurm job array (SLURM_ARRAY_TASK_ID, _MIN, _COUNT), a Kubernetes Indexed Job\n"
	"(JOB_COMPLETION_INDEX, and KPSIM_SHARD_COUNT set in the manifest) or GNU\n"
	"parallel (PARALLEL_SEQ, and KPSIM_SHARD_COUNT set to the number of jobs).\n"
	"\n"
	"--generator 2 lets every task of a generated scenario plug CPUs and load or\n"
	"unload modules; version 1, the default, keeps each in one task and draws what\n"
	"recorded campaigns drew.  A campaign of version 2 resumes only with --generator 2.\n"
	"\n"
	"--decode INPUT turns an input of the coverage-guided engines (kpsim-fuzz, built\n"
	"with -Dfuzzing=libfuzzer or -Dfuzzing=afl: docs/fuzzing.md) into the scenario it\n"
	"runs with its schedule line, written to --out FILE (default: standard output),\n"
	"which kpsim replay, run and minimize accept.  --model is the port a binary input\n"
	"is generated for, --allow and --allow-file the ids its run allowed.  Exit status\n"
	"1 when the execution fails (its signature on standard error), 0 when not.\n"
	"\n"
	"Exit status: 0 no failure, 1 failures found, 2 bad usage or unusable DIR,\n"
	"3 internal error.\n";

static const char merge_help[] =
	"Merges the findings directories DIR... into OUT (created if need be; findings\n"
	"already in OUT are merged too): one file per signature, the smallest reproducer\n"
	"of all (fewest operations, then tasks, probes, vCPUs, expectations, then the\n"
	"shortest text).  A signature OUT holds keeps its file name; a new one gets the\n"
	"name kpsim fuzz gives it.  The campaigns' state lines are merged as well: once\n"
	"shards 0..N-1 of a campaign are all merged, OUT's state resumes the whole\n"
	"campaign (kpsim fuzz --out OUT without --shard).  Files are written one at a time,\n"
	"atomically, the state last: a merge that was stopped and is run again gives\n"
	"the same OUT.  Exit status: 0 merged, 2 bad usage, a DIR that cannot be read,\n"
	"an OUT in use by a campaign or that cannot be written.\n";

/* `kpsim fuzz --decode INPUT [--out FILE]` */
static int cmd_decode(const char *input, const char *out, const char *model,
		      const KpCliAllow *allow)
{
	g_autofree char *data = NULL;
	g_autofree char *text = NULL;
	g_autofree char *origin = NULL;
	g_autoptr(GError) err = NULL;
	KpFuzzInputConfig cfg = { .model = model,
				  .allow = (const char *const *)allow->ids->pdata,
				  .n_allow = allow->ids->len };
	KpFuzzInputResult r;
	size_t len;
	int rc;

	if (!g_file_get_contents(input, &data, &len, &err)) {
		fprintf(stderr, "kpsim fuzz: %s\n", err->message);
		return KP_EXIT_USAGE;
	}
	kp_fuzz_input_run((const uint8_t *)data, len, &cfg, &r);
	if (r.status == KP_FUZZ_INPUT_INVALID) {
		fprintf(stderr, "kpsim fuzz: %s: not a scenario: %s\n", input, r.message);
		kp_fuzz_input_clear(&r);
		return KP_EXIT_USAGE;
	}
	origin = g_strdup_printf("Decoded by kpsim fuzz --decode from %s.", input);
	text = kp_fuzz_input_kps(&r, &cfg, origin);
	rc = r.status == KP_FUZZ_INPUT_FAIL ? KP_EXIT_FAIL : KP_EXIT_PASS;
	if (r.status == KP_FUZZ_INPUT_FAIL)
		fprintf(stderr, "signature: %s\n", r.key);
	kp_fuzz_input_clear(&r);
	if (!out) {
		fputs(text, stdout);
	} else if (!kp_write_file(out, text, &err)) {
		fprintf(stderr, "kpsim fuzz: %s\n", err->message);
		return KP_EXIT_USAGE;
	}
	return rc;
}

/* `kpsim fuzz merge OUT DIR...` */
static int cmd_merge(int argc, char **argv)
{
	KpFuzzMergeResult r;

	if (!kp_cli_parse("fuzz merge", "OUT DIR... - merge findings directories into OUT",
			  merge_help, NULL, &argc, &argv))
		return KP_EXIT_USAGE;
	if (argc < 3) {
		fprintf(stderr, "kpsim fuzz merge: give the output directory and at least one "
				"findings directory\n");
		return KP_EXIT_USAGE;
	}
	kp_fuzz_merge(argv[1], (const char *const *)argv + 2, (unsigned)argc - 2, stdout, &r);
	if (r.error) {
		fprintf(stderr, "kpsim fuzz merge: %s\n", r.error);
		kp_fuzz_merge_result_clear(&r);
		return KP_EXIT_USAGE;
	}
	printf("signatures: %u (%u new, %u replaced by a smaller reproducer, %u kept)\n",
	       r.signatures, r.added, r.replaced, r.kept);
	if (r.skipped)
		printf("skipped: %u files without a signature\n", r.skipped);
	printf("campaigns in %s/fuzz-state: %u\n", argv[1], r.campaigns);
	kp_fuzz_merge_result_clear(&r);
	return KP_EXIT_PASS;
}

int kp_cmd_fuzz(int argc, char **argv)
{
	g_autofree char *model = NULL;
	g_autofree char *out_dir = NULL;
	g_autofree char *strategy = NULL;
	g_autofree char *command = NULL;
	gint64 seed = 0, runs = -1;
	gdouble time = 0;
	gint jobs = 1, schedules = 20, generator = 1;
	gint64 show = -1;
	g_autofree char *shard_text = NULL;
	g_autofree char *decode = NULL;
	g_auto(KpShard) shard = { .count = 1 };
	g_autoptr(GError) err = NULL;
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
		  "write findings and the campaign state to DIR (default: write nothing); "
		  "with --decode, the file", "DIR" },
		{ "schedules", 'k', 0, G_OPTION_ARG_INT, &schedules,
		  "executions explored per scenario (default 20)", "K" },
		{ "strategy", 0, 0, G_OPTION_ARG_STRING, &strategy,
		  "random (default) or pct", "S" },
		{ "generator", 0, 0, G_OPTION_ARG_INT, &generator,
		  "the scenario generator's version: 1 (default; CPU hotplug and modules each in "
		  "one task) or 2 (in any task)", "V" },
		{ "show", 0, 0, G_OPTION_ARG_INT64, &show,
		  "print the scenario of run I (and its drawn parameters) and exit", "I" },
		{ "shard", 0, 0, G_OPTION_ARG_STRING, &shard_text,
		  "do only the run indices i with i mod N = K (auto: from the job scheduler)",
		  "K/N|auto" },
		{ "decode", 0, 0, G_OPTION_ARG_FILENAME, &decode,
		  "write the scenario and schedule of a kpsim-fuzz input (to --out FILE) and exit",
		  "INPUT" },
		KP_CLI_ALLOW_OPTIONS(&allow),
		{ NULL },
	};
	KpFuzzConfig cfg = { 0 };
	KpFuzzResult r;
	int rc;

	if (argc > 1 && !strcmp(argv[1], "merge"))
		return cmd_merge(argc - 1, argv + 1);
	command = g_strjoinv(" ", argv);
	if (!kp_cli_parse("fuzz", "- fuzz the model with generated "
			  "scenarios (kpsim fuzz merge OUT DIR...: merge findings)",
			  fuzz_help, entries, &argc, &argv) ||
	    !kp_cli_allow_resolve("fuzz", &allow))
		return KP_EXIT_USAGE;
	if (!kp_cli_no_arguments("fuzz", argc, argv))
		return KP_EXIT_USAGE;
	if (decode) {
		if (!kp_cli_model("fuzz", model, &(const KpModel *){ NULL }))
			return KP_EXIT_USAGE;
		return cmd_decode(decode, out_dir, model, &allow);
	}
	if (generator < 1 || generator > KP_FUZZ_GENERATORS) {
		fprintf(stderr, "kpsim fuzz: --generator %d: the versions are 1 to %d\n", generator,
			KP_FUZZ_GENERATORS);
		return KP_EXIT_USAGE;
	}
	if (show >= 0 && seed >= 0) {
		KpFuzzCase c;

		kp_fuzz_generate_version((uint64_t)seed, (uint64_t)show, (unsigned)generator,
					 model ? model : "6274de4", &c);
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
	if (shard_text) {
		g_auto(GStrv) env = g_get_environ();

		if (!kp_shard_parse(shard_text, env, &shard, &err)) {
			fprintf(stderr, "kpsim fuzz: %s\n", err->message);
			return KP_EXIT_USAGE;
		}
	}
	cfg.model = model ? model : "6274de4";
	cfg.seed = (uint64_t)seed;
	cfg.runs = runs > 0 ? (uint64_t)runs : 0;
	cfg.time = time;
	cfg.jobs = (unsigned)jobs;
	cfg.out_dir = out_dir;
	cfg.schedules = (unsigned)schedules;
	cfg.generator = (unsigned)generator;
	cfg.strategy = strategy && !strcmp(strategy, "pct") ? KP_STRATEGY_PCT : KP_STRATEGY_RANDOM;
	cfg.command = command;
	cfg.shard = shard.index;
	cfg.n_shards = shard.count;
	cfg.allow = (const char *const *)allow.ids->pdata;
	cfg.n_allow = allow.ids->len;
	cfg.progress = isatty(STDERR_FILENO);
	printf("fuzz: model %s, seed %" PRIu64 ", ", cfg.model, cfg.seed);
	if (runs > 0)
		printf("runs %" PRIu64, cfg.runs);
	else
		printf("time %gs", cfg.time);
	if (shard.count > 1 || shard.source)
		printf(", shard %u/%u%s%s%s", shard.index, shard.count,
		       shard.source ? " (" : "", shard.source ? shard.source : "",
		       shard.source ? ")" : "");
	printf("%s, %u %s schedules per run, jobs %u%s%s\n",
	       cfg.generator == 2 ? ", generator 2" : "", cfg.schedules,
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
	if (cfg.n_shards > 1)
		printf("runs: %" PRIu64 " (shard %u/%u: the run indices i with i mod %u = %u of %"
		       PRIu64 "..%" PRIu64 " done)\n", r.runs, cfg.shard, cfg.n_shards,
		       cfg.n_shards, cfg.shard, r.first_run, r.next_run);
	else
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
