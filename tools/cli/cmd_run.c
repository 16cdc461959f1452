// SPDX-License-Identifier: GPL-2.0-only
/* `kpsim run` and `kpsim replay`. */
#include "model/ports.h"
#include "sim/schedule.h"
#include "tools/cli/commands.h"
#include "tools/search/search.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Reports only: never read inside a run. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * A copy of the scenario that replays the failing execution: its schedule embedded, and,
 * when it ran on another port (--model), that port in its header.
 */
static void write_failing_copy(const char *dest, const char *path, const KpRunResult *res,
			       const KpModel *model, FILE *err)
{
	g_autofree char *text = NULL;
	g_autofree char *dir = g_path_get_dirname(dest);
	g_autofree char *message = kp_cli_one_line(res->message);
	g_autoptr(GString) copy = g_string_new(NULL);
	g_auto(GStrv) lines = NULL;
	g_autoptr(GError) error = NULL;
	size_t len;

	if (!kp_scenario_read(path, &text, &len, &error)) {
		fprintf(err, "kpsim run: %s\n", error->message);
		return;
	}
	lines = g_strsplit(text, "\n", -1);
	for (unsigned i = 0; lines[i]; i++) {
		const char *l = lines[i] + strspn(lines[i], " \t");

		if (g_str_has_prefix(l, "schedule ") || g_str_has_prefix(l, "schedule\t"))
			continue;
		if (model && (g_str_has_prefix(l, "model ") || g_str_has_prefix(l, "model\t")))
			continue;
		if (model && l == lines[i] && *l && *l != '#' && *l != '\r') {
			/* the header's first statement: the port it ran on goes before it */
			g_string_append_printf(copy, "model %s\n", model->name);
			model = NULL;
		}
		g_string_append(copy, lines[i]);
		if (lines[i + 1])
			g_string_append_c(copy, '\n');
	}
	if (copy->len && copy->str[copy->len - 1] != '\n')
		g_string_append_c(copy, '\n');
	g_string_append_printf(copy, "# The failing execution (%s), replayed exactly:\nschedule %s\n",
			       message, res->schedule);
	g_mkdir_with_parents(dir, 0755);
	if (!kp_write_file(dest, copy->str, &error))
		fprintf(err, "kpsim run: %s\n", error->message);
	else
		fprintf(err, "  failing copy: %s\n", dest);
}

/*
 * Where the failing copy of `path` goes: DIR/BASE, or DIR/STEM-2.kps, -3, ... when an
 * earlier argument of this run took that name (a/x.kps and b/x.kps both fail).
 */
static char *copy_name(const char *out_dir, const char *path, GHashTable *taken)
{
	g_autofree char *base = g_path_get_basename(path);
	size_t stem = g_str_has_suffix(base, ".kps") ? strlen(base) - 4 : strlen(base);
	char *name = g_strdup(base);

	for (unsigned n = 2; g_hash_table_contains(taken, name); n++) {
		g_free(name);
		name = g_strdup_printf("%.*s-%u%s", (int)stem, base, n, base + stem);
	}
	g_hash_table_add(taken, name);
	return g_build_filename(out_dir, name, NULL);
}

/* One scenario of a `kpsim run`: loaded and run (perhaps on a worker thread), then reported
 * in command-line order. */
typedef struct {
	const char *path;
	const KpModel *model;	/* --model: the port to run on instead of the header's */
	const KpCliAllow *allow;	/* --allow, --allow-file */
	KpScenario *sc;
	GError *perr;
	bool not_applicable;	/* `model X only` and --model names another port */
	KpRunResult res;
	double seconds;
	bool want_costs;
	bool has_costs;
	KpExecReport costs;
} Job;

static void run_job(Job *job)
{
	double t0 = now_s();

	job->sc = kp_scenario_load(job->path, &job->perr);
	if (job->sc)
		kp_cli_allow_apply(job->allow, job->sc);
	if (job->sc && !kp_scenario_use_model(job->sc, job->model))
		job->not_applicable = true;
	else if (job->sc)
		kp_run_scenario(job->sc, &job->res);
	job->seconds = now_s() - t0;
	/* The costs of the failing execution, else of the scenario's first (or own) one. */
	if (job->sc && !job->not_applicable && job->want_costs &&
	    job->res.verdict != KP_VERDICT_ERROR)
		job->has_costs = kp_exec_report(job->sc, job->res.schedule, &job->costs, NULL);
}

static void pool_worker(gpointer data, gpointer user)
{
	(void)user;
	run_job(data);
}

typedef struct {
	bool tap;
	const char *out_dir;
	GHashTable *copies;	/* the names of the failing copies written so far */
	const KpModel *model;
	unsigned passed, failed, errors, not_applicable, incomplete, internal;
	unsigned allowed;	/* scenarios that showed allowed violations */
	KpTransitions total;
} Report;

/*
 * The failure groups of a scenario (or the allowed ones), as `kpsim explore` lists them:
 * signature, executions, message and first replay command.
 */
static void print_groups(const Report *r, const char *path, const KpRunResult *res,
			 bool allowed, FILE *out)
{
	const char *pre = r->tap ? "# " : "  ";
	unsigned n = 0;

	for (unsigned k = 0; res->groups && k < res->groups->len; k++)
		n += ((const KpExploreFailure *)res->groups->pdata[k])->allowed == allowed;
	if (!n)
		return;
	fprintf(out, "%s%s: %u group%s\n", pre, allowed ? "allowed" : "failures", n,
		n == 1 ? "" : "s");
	for (unsigned k = 0; k < res->groups->len; k++) {
		const KpExploreFailure *f = res->groups->pdata[k];
		g_autofree char *message = kp_cli_one_line(f->message);

		if (f->allowed != allowed)
			continue;
		fprintf(out, "%s  %s: %llu execution%s\n%s    %s\n", pre, f->key,
			(unsigned long long)f->count, f->count == 1 ? "" : "s", pre, message);
		if (f->schedule)
			fprintf(out, "%s    replay: kpsim replay %s%s%s --schedule %s\n", pre, path,
				r->model ? " --model " : "", r->model ? r->model->name : "",
				f->schedule);
	}
}

static void report_job(Report *r, Job *job, unsigned i)
{
	const char *path = job->path;
	KpRunResult *res = &job->res;

	if (!job->sc) {
		r->errors++;
		fprintf(stderr, "%s\n", job->perr->message);
		if (r->tap)
			printf("not ok %u - %s # input error\n", i + 1, path);
		else
			printf("ERROR %s\n", path);
		return;
	}
	if (job->not_applicable) {
		r->not_applicable++;
		if (r->tap)
			printf("ok %u - %s # SKIP needs model %s\n", i + 1, path,
			       job->sc->model_name);
		else
			printf("N/A  %s  (needs model %s)\n", path, job->sc->model_name);
		fflush(stdout);
		return;
	}
	for (unsigned a = 0; a < KP_ST_COUNT; a++)
		for (unsigned b = 0; b < KP_ST_COUNT; b++)
			r->total.count[a][b] += res->transitions.count[a][b];
	for (unsigned k = 0; res->groups && k < res->groups->len; k++)
		if (((const KpExploreFailure *)res->groups->pdata[k])->allowed) {
			r->allowed++;
			break;
		}
	if (res->verdict == KP_VERDICT_PASS) {
		r->passed++;
		if (r->tap)
			printf("ok %u - %s # %llu execution%s\n", i + 1, path,
			       (unsigned long long)res->executions,
			       res->executions == 1 ? "" : "s");
		else
			printf("PASS %s (%llu execution%s, %.2f s)\n", path,
			       (unsigned long long)res->executions,
			       res->executions == 1 ? "" : "s", job->seconds);
		print_groups(r, path, res, true, r->tap ? stdout : stderr);
		if (job->has_costs)
			kp_exec_report_print_costs(&job->costs, stdout);
	} else if (res->verdict == KP_VERDICT_INCOMPLETE || res->verdict == KP_VERDICT_INTERNAL) {
		bool budget = res->verdict == KP_VERDICT_INCOMPLETE;

		if (budget)
			r->incomplete++;
		else
			r->internal++;
		fprintf(stderr, "%s\n", res->message);
		if (r->tap)
			printf("not ok %u - %s # %s\n", i + 1, path,
			       budget ? "budget ended" : "internal error");
		else
			printf("%s %s (%llu execution%s)\n", budget ? "INCOMPLETE" : "INTERNAL",
			       path, (unsigned long long)res->executions,
			       res->executions == 1 ? "" : "s");
	} else if (res->verdict == KP_VERDICT_ERROR) {
		r->errors++;
		fprintf(stderr, "%s\n", res->message);
		if (r->tap)
			printf("not ok %u - %s # input error\n", i + 1, path);
		else
			printf("ERROR %s\n", path);
	} else {
		FILE *diag = r->tap ? stdout : stderr;

		r->failed++;
		if (r->tap)
			printf("not ok %u - %s\n", i + 1, path);
		else
			printf("FAIL %s (%llu execution%s)\n", path,
			       (unsigned long long)res->executions,
			       res->executions == 1 ? "" : "s");
		fprintf(diag, "%s%s\n", r->tap ? "# " : "  ", res->message);
		if (res->schedule) {
			fprintf(diag, "%slast events:\n", r->tap ? "# " : "  ");
			if (!r->tap)
				kp_runner_print_tail(job->sc, res->schedule, 15, diag);
			fprintf(diag, "%sreplay: kpsim replay %s%s%s --schedule %s\n",
				r->tap ? "# " : "  ", path, r->model ? " --model " : "",
				r->model ? r->model->name : "", res->schedule);
			if (r->out_dir) {
				g_autofree char *dest = copy_name(r->out_dir, path, r->copies);

				write_failing_copy(dest, path, res, r->model, diag);
			}
		}
		print_groups(r, path, res, false, diag);
		print_groups(r, path, res, true, diag);
		if (job->has_costs)
			kp_exec_report_print_costs(&job->costs, stdout);
	}
	fflush(stdout);
}

static void job_clear(Job *job)
{
	kp_run_result_clear(&job->res);
	kp_exec_report_clear(&job->costs);
	kp_scenario_free(job->sc);
	g_clear_error(&job->perr);
}

/* What `kpsim run --help` says after the options. */
static const char run_help[] =
	"Runs each scenario under its own explore directive (or its embedded schedule)\n"
	"and judges it against its expectations.  Directories are searched for .kps\n"
	"files (a link back to a directory being searched is not followed); files must\n"
	"be regular, at most 16 MiB.  --out names a copy x-2.kps, x-3.kps, ... when an\n"
	"earlier argument's copy took x.kps.  With --model, a scenario whose header\n"
	"says `model X only` is not run on another port: it is reported as N/A (TAP:\n"
	"SKIP) and counted apart.\n"
	"An execution goes on past the violations the checker judges: a failing\n"
	"scenario lists every failure group it showed (signature: invariant, site and\n"
	"cause; executions; first replay command).  --allow and --allow-file name\n"
	"violations that are reported as allowed instead of failing (as a scenario's\n"
	"`allow` line does); scenarios/known-defects-6274de4.allow lists the seed's.\n"
	"Exit status: 0 all passed, 1 a scenario failed, 2 an input error,\n"
	"3 an internal error, 4 an `explore dfs ... runs N` budget ended first.\n"
	"\n"
	"--costs columns, per operation (what it cost the task that called it) and\n"
	"per actor (the scenario's tasks, the kernel's kworkers): stop = stop_machine\n"
	"calls made, gp = grace periods waited for, text = kernel/module text bytes\n"
	"written, blk-jif / blk-step = jiffies / scheduling decisions spent blocked.\n";

int kp_cmd_run(int argc, char **argv)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *out_dir = NULL;
	g_autofree char *model_name = NULL;
	gboolean tap = FALSE, coverage = FALSE, costs = FALSE;
	gint jobs = 1;
	KpCliAllow allow = { 0 };
	GOptionEntry entries[] = {
		{ "coverage", 'c', 0, G_OPTION_ARG_NONE, &coverage,
		  "print the matrix of probe state transitions seen, and those never seen", NULL },
		{ "tap", 0, 0, G_OPTION_ARG_NONE, &tap, "print TAP instead of one line per scenario",
		  NULL },
		{ "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir,
		  "write a copy of each failing scenario, with its failing schedule, into DIR",
		  "DIR" },
		{ "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
		  "run N scenarios at a time on worker threads (reports stay in order)", "N" },
		{ "costs", 0, 0, G_OPTION_ARG_NONE, &costs,
		  "after each scenario, what each operation and actor cost in one execution "
		  "(the failing one, else the first)", NULL },
		{ "model", 'm', 0, G_OPTION_ARG_STRING, &model_name,
		  "run every scenario on this port instead of its header's (see kpsim models)",
		  "NAME" },
		KP_CLI_ALLOW_OPTIONS(&allow),
		{ NULL },
	};
	Report r = { 0 };
	Job *all;
	int rc;

	if (!kp_cli_parse("run", "FILE|DIR... - run scenarios", run_help, entries, &argc, &argv) ||
	    !kp_cli_allow_resolve("run", &allow)) {
		kp_cli_allow_clear(&allow);
		return KP_EXIT_USAGE;
	}
	if (argc < 2) {
		fprintf(stderr, "kpsim run: no scenario given (see kpsim run --help)\n");
		return KP_EXIT_USAGE;
	}
	if (costs && tap) {
		fprintf(stderr, "kpsim run: --costs prints tables, not TAP: use one or the other\n");
		return KP_EXIT_USAGE;
	}
	if (jobs < 1 || jobs > KP_CLI_MAX_JOBS) {
		fprintf(stderr, "kpsim run: --jobs takes a number from 1 to %d\n", KP_CLI_MAX_JOBS);
		return KP_EXIT_USAGE;
	}
	if (!kp_cli_model("run", model_name, &r.model))
		return KP_EXIT_USAGE;
	for (int i = 1; i < argc; i++)
		if (!kp_cli_collect_scenarios(argv[i], files)) {
			fprintf(stderr, "kpsim run: %s: cannot read the directory\n", argv[i]);
			return KP_EXIT_USAGE;
		}
	if (!files->len) {
		fprintf(stderr, "kpsim run: no scenarios (.kps files) in the arguments\n");
		return KP_EXIT_USAGE;
	}
	r.tap = tap;
	r.out_dir = out_dir;
	r.copies = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (tap)
		printf("1..%u\n", files->len);
	all = g_new0(Job, files->len ? files->len : 1);
	for (unsigned i = 0; i < files->len; i++) {
		all[i].path = g_ptr_array_index(files, i);
		all[i].want_costs = costs;
		all[i].model = r.model;
		all[i].allow = &allow;
	}
	if (jobs > 1) {
		/* Each run has its own engine context; nothing is shared between them. */
		GThreadPool *pool = g_thread_pool_new(pool_worker, NULL, jobs, TRUE, NULL);

		for (unsigned i = 0; i < files->len; i++)
			g_thread_pool_push(pool, &all[i], NULL);
		g_thread_pool_free(pool, FALSE, TRUE);
	}
	for (unsigned i = 0; i < files->len; i++) {
		if (jobs == 1)
			run_job(&all[i]);
		report_job(&r, &all[i], i);
		job_clear(&all[i]);
	}
	g_free(all);
	g_hash_table_destroy(r.copies);
	if (coverage)
		kp_print_transitions(&r.total, stdout);
	printf("scenarios: %u passed, %u failed", r.passed,
	       r.failed + r.errors + r.incomplete + r.internal);
	if (r.errors)
		printf(" (%u input error%s)", r.errors, r.errors == 1 ? "" : "s");
	if (r.model)
		printf(", %u not applicable to model %s", r.not_applicable, r.model->name);
	if (r.incomplete)
		printf(" (%u incomplete)", r.incomplete);
	if (r.internal)
		printf(" (%u internal error%s)", r.internal, r.internal == 1 ? "" : "s");
	if (r.allowed)
		printf(", %u with allowed violations", r.allowed);
	printf("\n");
	kp_cli_allow_clear(&allow);
	if (r.errors)
		rc = KP_EXIT_USAGE;
	else if (r.internal)
		rc = KP_EXIT_INTERNAL;
	else if (r.failed)
		rc = KP_EXIT_FAIL;
	else
		rc = r.incomplete ? KP_EXIT_BUDGET : KP_EXIT_PASS;
	return rc;
}

int kp_cmd_replay(int argc, char **argv)
{
	g_autoptr(GOptionContext) oc =
		g_option_context_new("FILE - run one execution of a scenario and print its trace");
	g_autoptr(GError) err = NULL;
	g_autofree char *schedule = NULL;
	g_autofree char *trace = NULL;
	g_autofree char *model_name = NULL;
	const KpModel *model = NULL;
	g_autofree char *until_text = NULL;
	guint64 until = 0;	/* 0: run to the end */
	GOptionEntry entries[] = {
		{ "schedule", 's', 0, G_OPTION_ARG_STRING, &schedule,
		  "the schedule to follow (default: the file's own, else the first strategy)",
		  "S1:..." },
		{ "trace", 't', 0, G_OPTION_ARG_STRING, &trace,
		  "trace format: text (default), json (JSON lines), perfetto (ui.perfetto.dev)",
		  "FORMAT" },
		{ "until", 'u', 0, G_OPTION_ARG_STRING, &until_text,
		  "stop before decision STEP, 1 or more (1: before the first)", "STEP" },
		{ "model", 'm', 0, G_OPTION_ARG_STRING, &model_name,
		  "run on this port instead of the header's (see kpsim models)", "NAME" },
		{ NULL },
	};
	g_autoptr(KpScenario) sc = NULL;
	KpTraceFormat format = KP_TRACE_TEXT;

	g_option_context_add_main_entries(oc, entries, NULL);
	g_option_context_set_description(
		oc, "Writes the full trace on stdout and a summary (how the execution ended, its\n"
		    "schedule) on stderr.  Exit status: 0 the execution passed its expectations,\n"
		    "1 it failed, 2 an input error.\n");
	if (!g_option_context_parse(oc, &argc, &argv, &err)) {
		fprintf(stderr, "kpsim replay: %s\n", err->message);
		return KP_EXIT_USAGE;
	}
	if (argc != 2) {
		fprintf(stderr, "kpsim replay: give exactly one scenario file\n");
		return KP_EXIT_USAGE;
	}
	if (trace && !strcmp(trace, "json"))
		format = KP_TRACE_JSON;
	else if (trace && !strcmp(trace, "perfetto"))
		format = KP_TRACE_PERFETTO;
	else if (trace && strcmp(trace, "text")) {
		fprintf(stderr, "kpsim replay: unknown trace format '%s' (text, json, perfetto)\n",
			trace);
		return KP_EXIT_USAGE;
	}
	/*
	 * Read as text: 0 is no decision's number, and as a number it could not be told from
	 * the option not given.
	 */
	if (until_text &&
	    !g_ascii_string_to_unsigned(until_text, 10, 1, G_MAXINT64, &until, NULL)) {
		fprintf(stderr, "kpsim replay: --until takes a decision number from 1 to %"
				G_GINT64_FORMAT ", not '%s'\n", G_MAXINT64, until_text);
		return KP_EXIT_USAGE;
	}
	if (!kp_cli_model("replay", model_name, &model))
		return KP_EXIT_USAGE;
	if (schedule) {
		size_t n, pos = 0;
		g_autofree SimChoice *c = sim_schedule_decode(schedule, &n, &pos);

		if (!c) {
			fprintf(stderr, "kpsim replay: --schedule:%zu: not a schedule\n", pos + 1);
			return KP_EXIT_USAGE;
		}
	}
	sc = kp_scenario_load(argv[1], &err);
	if (!sc) {
		fprintf(stderr, "%s\n", err->message);
		return KP_EXIT_USAGE;
	}
	if (!kp_scenario_use_model(sc, model)) {
		fprintf(stderr, "kpsim replay: %s needs model %s\n", argv[1], sc->model_name);
		return KP_EXIT_USAGE;
	}
	return kp_runner_replay(sc, schedule, until, format, stdout, stderr);
}
