// SPDX-License-Identifier: GPL-2.0-only
/*
 * `kpsim verdicts --model A --model B [--model C ...] FILE|DIR...`: the differential
 * verdict table.  Every scenario runs on every port or variant as `kpsim run` runs it
 * (its own `explore` line, its `allow` lines), and the scenarios whose verdict or whose
 * failure groups (cause-level signatures) are not the same on all of them are listed,
 * with the groups that appear or disappear against the first model.  A scenario that is
 * not applicable to one of the models (`model X only`) is left out of the comparison and
 * counted.  Text for people, JSON for tools, Markdown for documents.  A run's results can
 * be saved to a file and a later run's models read from it instead of run again
 * (--save-results, --reuse-results; tools/search/verdict_file.c).
 */
#include "model/ports.h"
#include "sim/trace.h"
#include "tools/cli/commands.h"
#include "tools/search/search.h"

#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define MAX_MODELS 16

/* One scenario on one model. */
typedef struct {
	const char *path;
	const KpModel *model;
	const KpCliAllow *allow;
	uint64_t max_executions;	/* --max-executions: 0, none */
	bool reused;		/* v was read from --reuse-results: not run here */
	KpPortVerdict v;
} Cell;

typedef struct {
	unsigned n_models;
	const KpModel *models[MAX_MODELS];
	unsigned n_files;
	Cell *cells;		/* file i, model m: cells[i * n_models + m] */
} Table;

static Cell *cell(const Table *t, unsigned file, unsigned model)
{
	return &t->cells[file * t->n_models + model];
}

static void table_clear(Table *t)
{
	for (unsigned i = 0; i < t->n_files * t->n_models; i++)
		kp_port_verdict_clear(&t->cells[i].v);
	g_free(t->cells);
	memset(t, 0, sizeof(*t));
}

static void run_cell(gpointer data, gpointer user)
{
	Cell *c = data;
	g_autoptr(GError) err = NULL;
	KpScenario *sc = kp_scenario_load(c->path, &err);

	(void)user;
	if (!sc) {
		c->v.load_error = g_strdup(err->message);
		return;
	}
	kp_cli_allow_apply(c->allow, sc);
	if (!kp_scenario_use_model(sc, c->model))
		c->v.not_applicable = true;
	else
		kp_run_scenario_capped(sc, c->max_executions, &c->v.res);
	kp_scenario_free(sc);
}

static const char *verdict_name(const Cell *c)
{
	if (c->v.load_error)
		return "ERROR";
	if (c->v.not_applicable)
		return "N/A";
	switch (c->v.res.verdict) {
	case KP_VERDICT_PASS:
		return "PASS";
	case KP_VERDICT_FAIL:
		return "FAIL";
	case KP_VERDICT_ERROR:
		return "ERROR";
	case KP_VERDICT_INCOMPLETE:
		return "INCOMPLETE";
	case KP_VERDICT_INTERNAL:
		return "INTERNAL";
	}
	return "?";
}

/* Loaded and applicable to its model: it has a verdict of its own. */
static bool judged(const Cell *c)
{
	return !c->v.load_error && !c->v.not_applicable;
}

static unsigned n_groups(const Cell *c)
{
	return judged(c) && c->v.res.groups ? c->v.res.groups->len : 0;
}

static const KpExploreFailure *group(const Cell *c, unsigned i)
{
	return g_ptr_array_index(c->v.res.groups, i);
}

/* The group of c with f's signature (allowed or not, as f is), or NULL. */
static const KpExploreFailure *find_group(const Cell *c, const KpExploreFailure *f)
{
	for (unsigned i = 0; i < n_groups(c); i++) {
		const KpExploreFailure *g = group(c, i);

		if (g->allowed == f->allowed && !strcmp(g->key, f->key))
			return g;
	}
	return NULL;
}

static bool any_not_applicable(const Table *t, unsigned file)
{
	for (unsigned m = 0; m < t->n_models; m++)
		if (cell(t, file, m)->v.not_applicable)
			return true;
	return false;
}

/* The same verdict and the same set of groups on every model. */
static bool differs(const Table *t, unsigned file)
{
	const Cell *ref = cell(t, file, 0);

	if (any_not_applicable(t, file))
		return false;
	for (unsigned m = 1; m < t->n_models; m++) {
		const Cell *c = cell(t, file, m);

		if (strcmp(verdict_name(c), verdict_name(ref)) || n_groups(c) != n_groups(ref))
			return true;
		for (unsigned i = 0; i < n_groups(c); i++)
			if (!find_group(ref, group(c, i)))
				return true;
	}
	return false;
}

/* "allowed violation A9 (...)" or "violation A9 (...)", as `kpsim run` groups them. */
static char *group_label(const KpExploreFailure *g)
{
	return g_strdup_printf("%s%s", g->allowed ? "allowed " : "", g->key);
}

/* ---- text ---- */

static void text_changes(const Cell *ref, const Cell *c, FILE *out)
{
	for (unsigned i = 0; i < n_groups(c); i++)
		if (!find_group(ref, group(c, i))) {
			g_autofree char *l = group_label(group(c, i));

			fprintf(out, "    + %s: %" PRIu64 " execution%s\n", l, group(c, i)->count,
				group(c, i)->count == 1 ? "" : "s");
		}
	for (unsigned i = 0; i < n_groups(ref); i++)
		if (!find_group(c, group(ref, i))) {
			g_autofree char *l = group_label(group(ref, i));

			fprintf(out, "    - %s\n", l);
		}
}

static void print_text(const Table *t, unsigned n_differ, unsigned n_na, FILE *out)
{
	int width = 0;

	for (unsigned m = 0; m < t->n_models; m++)
		width = MAX(width, (int)strlen(t->models[m]->name));
	for (unsigned f = 0; f < t->n_files; f++) {
		if (!differs(t, f))
			continue;
		fprintf(out, "%s\n", cell(t, f, 0)->path);
		for (unsigned m = 0; m < t->n_models; m++) {
			const Cell *c = cell(t, f, m);

			fprintf(out, "  %-*s  %-10s %" PRIu64 " execution%s\n", width,
				t->models[m]->name, verdict_name(c), c->v.res.executions,
				c->v.res.executions == 1 ? "" : "s");
			if (m)
				text_changes(cell(t, f, 0), c, out);
		}
	}
	fprintf(out, "verdicts: %u of %u scenarios differ between", n_differ,
		t->n_files - n_na);
	for (unsigned m = 0; m < t->n_models; m++)
		fprintf(out, "%s %s", m ? (m + 1 == t->n_models ? " and" : ",") : "",
			t->models[m]->name);
	if (n_na)
		fprintf(out, " (%u more not run on every model: `model X only`)", n_na);
	fprintf(out, "\n");
}

/* ---- JSON ---- */

static void print_json(const Table *t, unsigned n_differ, unsigned n_na, FILE *out)
{
	fprintf(out, "{\"models\": [");
	for (unsigned m = 0; m < t->n_models; m++) {
		const KpModel *md = t->models[m];

		fprintf(out, "%s{\"name\": ", m ? ", " : "");
		sim_json_string(out, md->name);
		fprintf(out, ", \"commit\": ");
		sim_json_string(out, md->commit);
		fprintf(out, ", \"title\": ");
		sim_json_string(out, md->title);
		fprintf(out, ", \"base\": ");
		if (md->base)
			sim_json_string(out, md->base);
		else
			fprintf(out, "null");
		fprintf(out, "}");
	}
	fprintf(out, "],\n \"scenarios\": %u, \"compared\": %u, \"differ\": %u,\n \"results\": [",
		t->n_files, t->n_files - n_na, n_differ);
	for (unsigned f = 0; f < t->n_files; f++) {
		fprintf(out, "%s\n  {\"path\": ", f ? "," : "");
		sim_json_string(out, cell(t, f, 0)->path);
		fprintf(out, ", \"compared\": %s, \"differs\": %s, \"runs\": [",
			any_not_applicable(t, f) ? "false" : "true",
			differs(t, f) ? "true" : "false");
		for (unsigned m = 0; m < t->n_models; m++) {
			const Cell *c = cell(t, f, m);

			fprintf(out, "%s\n    {\"model\": ", m ? "," : "");
			sim_json_string(out, t->models[m]->name);
			fprintf(out, ", \"verdict\": ");
			sim_json_string(out, verdict_name(c));
			fprintf(out, ", \"executions\": %" PRIu64 ", \"groups\": [",
				c->v.res.executions);
			for (unsigned i = 0; i < n_groups(c); i++) {
				fprintf(out, "%s{\"signature\": ", i ? ", " : "");
				sim_json_string(out, group(c, i)->key);
				fprintf(out, ", \"allowed\": %s, \"executions\": %" PRIu64 "}",
					group(c, i)->allowed ? "true" : "false", group(c, i)->count);
			}
			fprintf(out, "]}");
		}
		fprintf(out, "]}");
	}
	fprintf(out, "\n]}\n");
}

/* ---- Markdown ---- */

/* A table cell's text: `|` would end the cell. */
static void md_text(const char *s, FILE *out)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else
			fputc(*s, out);
	}
}

static void md_changes(const Table *t, unsigned f, bool appear, FILE *out)
{
	const Cell *ref = cell(t, f, 0);
	bool first = true;

	for (unsigned m = 1; m < t->n_models; m++) {
		const Cell *c = cell(t, f, m);
		const Cell *from = appear ? c : ref, *to = appear ? ref : c;

		for (unsigned i = 0; i < n_groups(from); i++) {
			g_autofree char *l = NULL;

			if (find_group(to, group(from, i)))
				continue;
			l = group_label(group(from, i));
			fprintf(out, "%s`", first ? "" : "<br>");
			md_text(l, out);
			fprintf(out, "`");
			if (t->n_models > 2)
				fprintf(out, " (%s)", t->models[m]->name);
			first = false;
		}
	}
}

static void print_markdown(const Table *t, unsigned n_differ, unsigned n_na, FILE *out)
{
	fprintf(out, "| scenario |");
	for (unsigned m = 0; m < t->n_models; m++)
		fprintf(out, " %s |", t->models[m]->name);
	fprintf(out, " groups that appear | groups that disappear |\n|---|");
	for (unsigned m = 0; m < t->n_models; m++)
		fprintf(out, "---|");
	fprintf(out, "---|---|\n");
	for (unsigned f = 0; f < t->n_files; f++) {
		if (!differs(t, f))
			continue;
		fprintf(out, "| `%s` |", cell(t, f, 0)->path);
		for (unsigned m = 0; m < t->n_models; m++)
			fprintf(out, " %s |", verdict_name(cell(t, f, m)));
		fprintf(out, " ");
		md_changes(t, f, true, out);
		fprintf(out, " | ");
		md_changes(t, f, false, out);
		fprintf(out, " |\n");
	}
	fprintf(out, "\n%u of %u scenarios differ", n_differ, t->n_files - n_na);
	if (n_na)
		fprintf(out, "; %u more are not run on every model (`model X only`)", n_na);
	fprintf(out, ".\n");
}

/* ---- --save-results, --reuse-results ---- */

static int by_string(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * What this run's verdicts depend on besides the models, as a results file records it:
 * the header a saved file must match and a file to be saved starts from.  Borrows the
 * paths and ids; the digests are its own.
 */
static void describe_run(const GPtrArray *files, const KpCliAllow *allow,
			 uint64_t max_executions, KpVerdictFile *run)
{
	memset(run, 0, sizeof(*run));
	run->max_executions = max_executions;
	/* The same ids given in another order allow the same: sorted, they compare as text. */
	run->allow = g_ptr_array_new();
	for (unsigned i = 0; i < allow->ids->len; i++)
		g_ptr_array_add(run->allow, allow->ids->pdata[i]);
	g_ptr_array_sort(run->allow, by_string);
	run->paths = g_ptr_array_new();
	run->digests = g_ptr_array_new_with_free_func(g_free);
	for (unsigned i = 0; i < files->len; i++) {
		g_ptr_array_add(run->paths, files->pdata[i]);
		g_ptr_array_add(run->digests, kp_verdict_file_digest(files->pdata[i]));
	}
	run->models = g_ptr_array_new();
	run->verdicts = g_ptr_array_new();
}

/*
 * Fill the cells of every model the file has results for from it: those are not run.
 * False, with why printed, for a file that cannot be read, that was judged otherwise
 * than this run judges, or that has none of its models (a mistake, not a cache miss).
 */
static bool reuse_results(Table *t, const char *path, const KpVerdictFile *run)
{
	g_auto(KpVerdictFile) saved = { 0 };
	g_autoptr(GError) err = NULL;
	unsigned reused = 0;

	if (!kp_verdict_file_load(path, &saved, &err)) {
		fprintf(stderr, "kpsim verdicts: --reuse-results: %s\n", err->message);
		return false;
	}
	if (!kp_verdict_file_fits(&saved, run, &err)) {
		fprintf(stderr, "kpsim verdicts: --reuse-results: %s: %s\n", path, err->message);
		return false;
	}
	for (unsigned m = 0; m < t->n_models; m++) {
		int k = kp_verdict_file_model(&saved, t->models[m]->name);

		if (k < 0)
			continue;
		for (unsigned f = 0; f < t->n_files; f++) {
			Cell *c = cell(t, f, m);
			unsigned at = f * saved.models->len + (unsigned)k;

			kp_port_verdict_copy(&c->v, saved.verdicts->pdata[at]);
			c->reused = true;
		}
		reused++;
	}
	if (!reused) {
		fprintf(stderr, "kpsim verdicts: --reuse-results: %s: it has results for", path);
		for (unsigned k = 0; k < saved.models->len; k++)
			fprintf(stderr, "%s %s", k ? "," : "",
				(const char *)saved.models->pdata[k]);
		fprintf(stderr, ", none of this run's models\n");
		return false;
	}
	return true;
}

/* Every model's cells, run here or reused, to `path`.  False, with why printed. */
static bool save_results(const Table *t, const char *path, KpVerdictFile *run)
{
	g_autoptr(GError) err = NULL;

	for (unsigned m = 0; m < t->n_models; m++)
		g_ptr_array_add(run->models, (gpointer)t->models[m]->name);
	for (unsigned i = 0; i < t->n_files * t->n_models; i++)
		g_ptr_array_add(run->verdicts, &t->cells[i].v);
	if (!kp_verdict_file_save(path, run, &err)) {
		fprintf(stderr, "kpsim verdicts: --save-results: %s\n", err->message);
		return false;
	}
	return true;
}

static const char verdicts_help[] =
	"Runs every scenario on each model as `kpsim run` does (its own explore line and\n"
	"allow lines) and lists the scenarios whose verdict or failure groups differ, with\n"
	"the groups (cause-level signatures) that appear (+) or disappear (-) against the\n"
	"first model.  A scenario not applicable to one of the models (`model X only`) is\n"
	"not compared.  Give two or more models; a variant runs its base port's scenarios.\n"
	"\n"
	"--max-executions N stops each dfs search after N executions: a scenario whose\n"
	"tree a patch makes explode is then INCOMPLETE on that model, the same every time.\n"
	"\n"
	"--save-results FILE writes each model's verdicts and failure groups to FILE, with\n"
	"what they depend on: the scenarios (paths and contents), --max-executions and the\n"
	"allowed ids.  --reuse-results FILE takes the models FILE has results for from it\n"
	"instead of running them again, so that tables of several variants against one\n"
	"base judge the base once; a FILE judged with other scenarios, contents, cap or ids,\n"
	"or with none of the models, is refused (status 2).  FILE is for the kpsim that\n"
	"wrote it: a port's code changed since is not seen.\n"
	"\n"
	"Exit status: 0 nothing differs, 1 something differs, 2 usage or input error, 3 a\n"
	"run failed inside the engine.";

int kp_cmd_verdicts(int argc, char **argv)
{
	g_auto(GStrv) model_names = NULL;
	g_autofree char *format = NULL;
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	gint jobs = 1;
	gint64 max_executions = 0;
	g_autofree char *save_path = NULL;
	g_autofree char *reuse_path = NULL;
	KpCliAllow allow = { 0 };
	GOptionEntry entries[] = {
		{ "model", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &model_names,
		  "a port or variant to run on (kpsim models); two or more", "NAME" },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format,
		  "text (default), json or markdown", "FORMAT" },
		{ "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
		  "run N scenarios at a time on worker threads", "N" },
		{ "max-executions", 0, 0, G_OPTION_ARG_INT64, &max_executions,
		  "stop each dfs search after N executions (default: no cap)", "N" },
		{ "save-results", 0, 0, G_OPTION_ARG_FILENAME, &save_path,
		  "write every model's results to FILE, for --reuse-results", "FILE" },
		{ "reuse-results", 0, 0, G_OPTION_ARG_FILENAME, &reuse_path,
		  "read the results of the models FILE has instead of running them", "FILE" },
		KP_CLI_ALLOW_OPTIONS(&allow),
		{ NULL },
	};
	KpCliFormat fmt = KP_FMT_TEXT;
	Table t = { 0 };
	g_auto(KpVerdictFile) run = { 0 };
	unsigned n_differ = 0, n_na = 0;
	bool internal = false, input_error = false, saved = true;

	if (!kp_cli_parse("verdicts", "--model A --model B FILE|DIR... - compare verdicts",
			  verdicts_help, entries, &argc, &argv) ||
	    !kp_cli_allow_resolve("verdicts", &allow)) {
		kp_cli_allow_clear(&allow);
		return KP_EXIT_USAGE;
	}
	if (!kp_cli_format("verdicts", format, &fmt)) {
		kp_cli_allow_clear(&allow);
		return KP_EXIT_USAGE;
	}
	if (jobs < 1 || jobs > KP_CLI_MAX_JOBS || max_executions < 0) {
		fprintf(stderr, "kpsim verdicts: --jobs takes a number from 1 to %d, "
			"and --max-executions a count (0: no cap)\n", KP_CLI_MAX_JOBS);
		kp_cli_allow_clear(&allow);
		return KP_EXIT_USAGE;
	}
	t.n_models = model_names ? g_strv_length(model_names) : 0;
	if (t.n_models < 2 || t.n_models > MAX_MODELS) {
		fprintf(stderr, "kpsim verdicts: give 2 to %d models with --model\n", MAX_MODELS);
		kp_cli_allow_clear(&allow);
		return KP_EXIT_USAGE;
	}
	for (unsigned m = 0; m < t.n_models; m++)
		if (!kp_cli_model("verdicts", model_names[m], &t.models[m])) {
			kp_cli_allow_clear(&allow);
			return KP_EXIT_USAGE;
		}
	if (argc < 2) {
		fprintf(stderr, "kpsim verdicts: no scenario given (see kpsim verdicts --help)\n");
		kp_cli_allow_clear(&allow);
		return KP_EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++)
		if (!kp_cli_collect_scenarios(argv[i], files)) {
			fprintf(stderr, "kpsim verdicts: %s: cannot read the directory\n", argv[i]);
			kp_cli_allow_clear(&allow);
			return KP_EXIT_USAGE;
		}
	t.n_files = files->len;
	t.cells = g_new0(Cell, MAX(1u, t.n_files * t.n_models));
	for (unsigned f = 0; f < t.n_files; f++)
		for (unsigned m = 0; m < t.n_models; m++)
			*cell(&t, f, m) = (Cell){ .path = g_ptr_array_index(files, f),
						  .model = t.models[m], .allow = &allow,
						  .max_executions = (uint64_t)max_executions };
	if (save_path || reuse_path)
		describe_run(files, &allow, (uint64_t)max_executions, &run);
	if (reuse_path && !reuse_results(&t, reuse_path, &run)) {
		table_clear(&t);
		kp_cli_allow_clear(&allow);
		return KP_EXIT_USAGE;
	}
	if (jobs > 1) {
		/* Each run has its own engine context; nothing is shared between them. */
		GThreadPool *pool = g_thread_pool_new(run_cell, NULL, jobs, TRUE, NULL);

		for (unsigned i = 0; i < t.n_files * t.n_models; i++)
			if (!t.cells[i].reused)
				g_thread_pool_push(pool, &t.cells[i], NULL);
		g_thread_pool_free(pool, FALSE, TRUE);
	} else {
		for (unsigned i = 0; i < t.n_files * t.n_models; i++)
			if (!t.cells[i].reused)
				run_cell(&t.cells[i], NULL);
	}
	if (save_path)
		saved = save_results(&t, save_path, &run);
	for (unsigned f = 0; f < t.n_files; f++) {
		n_na += any_not_applicable(&t, f);
		n_differ += differs(&t, f);
		for (unsigned m = 0; m < t.n_models; m++) {
			const Cell *c = cell(&t, f, m);

			/* A file that does not parse fails the same way on every model: once. */
			if ((c->v.load_error && m == 0) ||
			    (judged(c) && c->v.res.verdict == KP_VERDICT_ERROR)) {
				fprintf(stderr, "kpsim verdicts: %s\n",
					c->v.load_error ? c->v.load_error : c->v.res.message);
				input_error = true;
			}
			internal |= judged(c) && c->v.res.verdict == KP_VERDICT_INTERNAL;
		}
	}
	if (fmt == KP_FMT_JSON)
		print_json(&t, n_differ, n_na, stdout);
	else if (fmt == KP_FMT_MARKDOWN)
		print_markdown(&t, n_differ, n_na, stdout);
	else
		print_text(&t, n_differ, n_na, stdout);
	table_clear(&t);
	kp_cli_allow_clear(&allow);
	/* The table is right, but a later --reuse-results run would fail on the file. */
	if (input_error || !saved)
		return KP_EXIT_USAGE;
	if (internal)
		return KP_EXIT_INTERNAL;
	return n_differ ? KP_EXIT_FAIL : KP_EXIT_PASS;
}
