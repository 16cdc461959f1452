// SPDX-License-Identifier: GPL-2.0-only
/*
 * `kpsim verdicts --model A --model B [--model C ...] FILE|DIR...`: the differential
 * verdict table.  Every scenario runs on every port or variant as `kpsim run` runs it
 * (its own `explore` line, its `allow` lines), and the scenarios whose verdict or whose
 * failure groups (cause-level signatures) are not the same on all of them are listed,
 * with the groups that appear or disappear against the first model.  A scenario that is
 * not applicable to one of the models (`model X only`) is left out of the comparison and
 * counted.  Text for people, JSON for tools, Markdown for documents.
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
	bool loaded;
	char *load_error;
	bool not_applicable;
	KpRunResult res;
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

static void run_cell(gpointer data, gpointer user)
{
	Cell *c = data;
	g_autoptr(GError) err = NULL;
	KpScenario *sc = kp_scenario_load(c->path, &err);

	(void)user;
	if (!sc) {
		c->load_error = g_strdup(err->message);
		return;
	}
	c->loaded = true;
	kp_cli_allow_apply(c->allow, sc);
	if (!kp_scenario_use_model(sc, c->model))
		c->not_applicable = true;
	else
		kp_run_scenario_capped(sc, c->max_executions, &c->res);
	kp_scenario_free(sc);
}

static const char *verdict_name(const Cell *c)
{
	if (!c->loaded)
		return "ERROR";
	if (c->not_applicable)
		return "N/A";
	switch (c->res.verdict) {
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

static unsigned n_groups(const Cell *c)
{
	return c->loaded && !c->not_applicable && c->res.groups ? c->res.groups->len : 0;
}

static const KpExploreFailure *group(const Cell *c, unsigned i)
{
	return g_ptr_array_index(c->res.groups, i);
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
		if (cell(t, file, m)->not_applicable)
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
				t->models[m]->name, verdict_name(c), c->res.executions,
				c->res.executions == 1 ? "" : "s");
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
				c->res.executions);
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
	"Exit status: 0 nothing differs, 1 something differs, 2 usage or input error, 3 a\n"
	"run failed inside the engine.";

int kp_cmd_verdicts(int argc, char **argv)
{
	g_auto(GStrv) model_names = NULL;
	g_autofree char *format = NULL;
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	gint jobs = 1;
	gint64 max_executions = 0;
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
		KP_CLI_ALLOW_OPTIONS(&allow),
		{ NULL },
	};
	KpCliFormat fmt = KP_FMT_TEXT;
	Table t = { 0 };
	unsigned n_differ = 0, n_na = 0;
	bool internal = false, input_error = false;

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
	if (jobs > 1) {
		/* Each run has its own engine context; nothing is shared between them. */
		GThreadPool *pool = g_thread_pool_new(run_cell, NULL, jobs, TRUE, NULL);

		for (unsigned i = 0; i < t.n_files * t.n_models; i++)
			g_thread_pool_push(pool, &t.cells[i], NULL);
		g_thread_pool_free(pool, FALSE, TRUE);
	} else {
		for (unsigned i = 0; i < t.n_files * t.n_models; i++)
			run_cell(&t.cells[i], NULL);
	}
	for (unsigned f = 0; f < t.n_files; f++) {
		n_na += any_not_applicable(&t, f);
		n_differ += differs(&t, f);
		for (unsigned m = 0; m < t.n_models; m++) {
			const Cell *c = cell(&t, f, m);

			/* A file that does not parse fails the same way on every model: once. */
			if ((!c->loaded && m == 0) ||
			    (c->loaded && !c->not_applicable && c->res.verdict == KP_VERDICT_ERROR)) {
				fprintf(stderr, "kpsim verdicts: %s\n",
					c->load_error ? c->load_error : c->res.message);
				input_error = true;
			}
			internal |= c->loaded && !c->not_applicable &&
				    c->res.verdict == KP_VERDICT_INTERNAL;
		}
	}
	if (fmt == KP_FMT_JSON)
		print_json(&t, n_differ, n_na, stdout);
	else if (fmt == KP_FMT_MARKDOWN)
		print_markdown(&t, n_differ, n_na, stdout);
	else
		print_text(&t, n_differ, n_na, stdout);
	for (unsigned i = 0; i < t.n_files * t.n_models; i++) {
		g_free(t.cells[i].load_error);
		kp_run_result_clear(&t.cells[i].res);
	}
	g_free(t.cells);
	kp_cli_allow_clear(&allow);
	if (input_error)
		return KP_EXIT_USAGE;
	if (internal)
		return KP_EXIT_INTERNAL;
	return n_differ ? KP_EXIT_FAIL : KP_EXIT_PASS;
}
