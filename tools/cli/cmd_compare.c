// SPDX-License-Identifier: GPL-2.0-only
/*
 * `kpsim compare FILE --model A --model B`: one execution of the scenario on each port,
 * side by side: each operation's return value and costs, what each actor cost, how the
 * runs ended, and the final state of every probe and of its text.  Differences are
 * marked.  Text for people, JSON for tools, Markdown for documents.
 */
#include "model/model.h"
#include "model/ports.h"
#include "sim/trace.h"
#include "tools/cli/commands.h"
#include "tools/run/run.h"

#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_A "6274de4^"
#define DEFAULT_B "6274de4"

typedef struct {
	const KpModel *model[2];
	KpExecReport rep[2];
} Compare;

static const char *const cost_names[] = { "stop", "gp", "text", "blk-jif", "blk-step" };

static void cost_values(const SimCosts *c, uint64_t v[5])
{
	v[0] = c->stop_machines;
	v[1] = c->grace_periods;
	v[2] = c->text_bytes;
	v[3] = c->blocked_jiffies;
	v[4] = c->blocked_steps;
}

static bool op_differs(const KpOpReport *a, const KpOpReport *b)
{
	return a->ret != b->ret || !sim_costs_equal(&a->costs, &b->costs);
}

static bool probe_differs(const KpProbeReport *a, const KpProbeReport *b)
{
	return a->flags != b->flags || a->hits != b->hits || a->nmissed != b->nmissed ||
	       a->text_known != b->text_known ||
	       memcmp(a->text, b->text, KP_REPORT_TEXT) != 0;
}

/* The actor named `name` in r, or NULL (the ports may start different workers). */
static const KpActorReport *actor(const KpExecReport *r, const char *name)
{
	for (unsigned i = 0; i < r->actors->len; i++) {
		const KpActorReport *a = &g_array_index(r->actors, KpActorReport, i);

		if (!strcmp(a->name, name))
			return a;
	}
	return NULL;
}

/* Actor names of both runs, each once, in the order they first appear. */
static GPtrArray *actor_names(const Compare *c)
{
	GPtrArray *names = g_ptr_array_new();

	for (int m = 0; m < 2; m++)
		for (unsigned i = 0; i < c->rep[m].actors->len; i++) {
			const char *n = g_array_index(c->rep[m].actors, KpActorReport, i).name;
			bool seen = false;

			for (unsigned j = 0; j < names->len && !seen; j++)
				seen = !strcmp(g_ptr_array_index(names, j), n);
			if (!seen)
				g_ptr_array_add(names, (gpointer)n);
		}
	return names;
}

static void text_hex(const KpProbeReport *p, char *buf, size_t size)
{
	if (!p->text_known) {
		snprintf(buf, size, "(not mapped)");
		return;
	}
	buf[0] = 0;
	for (int i = 0; i < KP_REPORT_TEXT; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%02x", i ? " " : "", p->text[i]);
	if (p->text_original)
		snprintf(buf + strlen(buf), size - strlen(buf), " (original)");
}

/* ---- text ---- */

static void text_costs(const SimCosts *c, FILE *out)
{
	uint64_t v[5];

	cost_values(c, v);
	for (int i = 0; i < 5; i++)
		fprintf(out, " %*" PRIu64, i < 3 ? 5 : 8, v[i]);
}

static void text_cost_header(FILE *out)
{
	for (int i = 0; i < 5; i++)
		fprintf(out, " %*s", i < 3 ? 5 : 8, cost_names[i]);
}

static void print_text(const Compare *c, const char *path, FILE *out)
{
	const KpExecReport *a = &c->rep[0], *b = &c->rep[1];
	g_autoptr(GPtrArray) names = actor_names(c);

	fprintf(out, "compare %s\n", path);
	for (int m = 0; m < 2; m++)
		fprintf(out, "  %c = %s  %.12s  %s\n", 'A' + m, c->model[m]->name,
			c->model[m]->commit, c->model[m]->title);
	fprintf(out, "  one execution on each: the first strategy's (* marks a difference)\n");
	fprintf(out, "\noperations (ret, then costs to the calling task)\n");
	fprintf(out, "  %-18s %-26s   %6s", "", "", "A ret");
	text_cost_header(out);
	fprintf(out, "   %6s", "B ret");
	text_cost_header(out);
	fprintf(out, "\n");
	for (unsigned i = 0; i < a->ops->len; i++) {
		const KpOpReport *x = &g_array_index(a->ops, KpOpReport, i);
		const KpOpReport *y = &g_array_index(b->ops, KpOpReport, i);
		g_autofree char *where = g_strdup_printf("%s:%d", x->task, x->line);
		/* A long batch is cut to its column; JSON and Markdown have it whole. */
		g_autofree char *what = strlen(x->what) > 26 ? g_strdup_printf("%.23s...", x->what)
							     : g_strdup(x->what);

		fprintf(out, "%c %-18s %-26s   %6ld", op_differs(x, y) ? '*' : ' ', where, what,
			x->ret);
		text_costs(&x->costs, out);
		fprintf(out, "   %6ld", y->ret);
		text_costs(&y->costs, out);
		fprintf(out, "\n");
	}
	fprintf(out, "\nactors (all their costs)\n");
	for (unsigned i = 0; i < names->len; i++) {
		const char *n = g_ptr_array_index(names, i);
		const KpActorReport *x = actor(a, n), *y = actor(b, n);
		SimCosts zero = { 0 };
		bool differs = !x || !y || !sim_costs_equal(&x->costs, &y->costs);

		fprintf(out, "%c %-18s %-26s   %6s", differs ? '*' : ' ', n,
			(x ? x->scenario : y->scenario) ? "" : "(kernel)", "");
		text_costs(x ? &x->costs : &zero, out);
		fprintf(out, "   %6s", "");
		text_costs(y ? &y->costs : &zero, out);
		fprintf(out, "\n");
	}
	{
		const SimCosts *ca[2] = { &a->scenario_total, &b->scenario_total };
		const SimCosts *ka[2] = { &a->kernel_total, &b->kernel_total };

		fprintf(out, "%c %-18s %-26s   %6s", sim_costs_equal(ca[0], ca[1]) ? ' ' : '*',
			"callers", "(the scenario's tasks)", "");
		text_costs(ca[0], out);
		fprintf(out, "   %6s", "");
		text_costs(ca[1], out);
		fprintf(out, "\n%c %-18s %-26s   %6s", sim_costs_equal(ka[0], ka[1]) ? ' ' : '*',
			"kernel", "(kworkers: the optimizer)", "");
		text_costs(ka[0], out);
		fprintf(out, "   %6s", "");
		text_costs(ka[1], out);
		fprintf(out, "\n");
	}
	fprintf(out, "\nruns\n");
	fprintf(out, "%c verdict       A: %s\n", strcmp(a->verdict, b->verdict) ? '*' : ' ',
		a->verdict);
	fprintf(out, "                B: %s\n", b->verdict);
	fprintf(out, "%c stop_machine  A: %" PRIu64 "  B: %" PRIu64 "\n",
		a->stop_machines != b->stop_machines ? '*' : ' ', a->stop_machines,
		b->stop_machines);
	fprintf(out, "%c grace periods A: %" PRIu64 "  B: %" PRIu64 "\n",
		a->grace_periods != b->grace_periods ? '*' : ' ', a->grace_periods,
		b->grace_periods);
	fprintf(out, "%c optimization  A: %d  B: %d\n", a->optimization != b->optimization ? '*' : ' ',
		a->optimization, b->optimization);
	fprintf(out, "%c armed         A: %d  B: %d\n", a->armed != b->armed ? '*' : ' ', a->armed,
		b->armed);
	fprintf(out, "%c decisions     A: %" PRIu64 "  B: %" PRIu64 "\n",
		a->steps != b->steps ? '*' : ' ', a->steps, b->steps);
	fprintf(out, "%c jiffies       A: %" PRIu64 "  B: %" PRIu64 "\n",
		a->jiffies != b->jiffies ? '*' : ' ', a->jiffies, b->jiffies);
	fprintf(out, "\nprobes at the end (flags, hits, nmissed, text at the probe)\n");
	for (unsigned i = 0; i < a->probes->len; i++) {
		const KpProbeReport *x = &g_array_index(a->probes, KpProbeReport, i);
		const KpProbeReport *y = &g_array_index(b->probes, KpProbeReport, i);
		char tx[64], ty[64];

		text_hex(x, tx, sizeof(tx));
		text_hex(y, ty, sizeof(ty));
		fprintf(out, "%c %-10s A: flags %u hits %" PRIu64 " nmissed %" PRIu64 "  %s\n",
			probe_differs(x, y) ? '*' : ' ', x->name, x->flags, x->hits, x->nmissed,
			tx);
		fprintf(out, "  %-10s B: flags %u hits %" PRIu64 " nmissed %" PRIu64 "  %s\n", "",
			y->flags, y->hits, y->nmissed, ty);
	}
}

/* ---- JSON ---- */

static void json_costs(const SimCosts *c, FILE *out)
{
	fprintf(out, "{\"stop_machines\": %" PRIu64 ", \"grace_periods\": %" PRIu64
		     ", \"text_bytes\": %" PRIu64 ", \"blocked_jiffies\": %" PRIu64
		     ", \"blocked_steps\": %" PRIu64 "}",
		c->stop_machines, c->grace_periods, c->text_bytes, c->blocked_jiffies,
		c->blocked_steps);
}

static void json_report(const KpModel *m, const KpExecReport *r, FILE *out)
{
	fprintf(out, "    {\"model\": ");
	sim_json_string(out, m->name);
	fprintf(out, ", \"commit\": ");
	sim_json_string(out, m->commit);
	fprintf(out, ", \"title\": ");
	sim_json_string(out, m->title);
	fprintf(out, ",\n     \"verdict\": ");
	sim_json_string(out, r->verdict);
	fprintf(out, ", \"schedule\": ");
	sim_json_string(out, r->schedule);
	fprintf(out, ",\n     \"decisions\": %" PRIu64 ", \"jiffies\": %" PRIu64
		     ", \"stop_machines\": %" PRIu64 ", \"grace_periods\": %" PRIu64
		     ", \"optimization\": %s, \"armed\": %s,\n     \"callers\": ",
		r->steps, r->jiffies, r->stop_machines, r->grace_periods,
		r->optimization ? "true" : "false", r->armed ? "true" : "false");
	json_costs(&r->scenario_total, out);
	fprintf(out, ", \"kernel\": ");
	json_costs(&r->kernel_total, out);
	fprintf(out, ",\n     \"operations\": [");
	for (unsigned i = 0; i < r->ops->len; i++) {
		const KpOpReport *o = &g_array_index(r->ops, KpOpReport, i);

		fprintf(out, "%s\n      {\"task\": ", i ? "," : "");
		sim_json_string(out, o->task);
		fprintf(out, ", \"line\": %d, \"operation\": ", o->line);
		sim_json_string(out, o->what);
		if (o->ret == KP_NO_EXPECT)
			fprintf(out, ", \"ret\": null, \"costs\": ");
		else
			fprintf(out, ", \"ret\": %ld, \"costs\": ", o->ret);
		json_costs(&o->costs, out);
		fprintf(out, "}");
	}
	fprintf(out, "],\n     \"actors\": [");
	for (unsigned i = 0; i < r->actors->len; i++) {
		const KpActorReport *a = &g_array_index(r->actors, KpActorReport, i);

		fprintf(out, "%s\n      {\"name\": ", i ? "," : "");
		sim_json_string(out, a->name);
		fprintf(out, ", \"scenario\": %s, \"costs\": ", a->scenario ? "true" : "false");
		json_costs(&a->costs, out);
		fprintf(out, "}");
	}
	fprintf(out, "],\n     \"probes\": [");
	for (unsigned i = 0; i < r->probes->len; i++) {
		const KpProbeReport *p = &g_array_index(r->probes, KpProbeReport, i);

		fprintf(out, "%s\n      {\"name\": ", i ? "," : "");
		sim_json_string(out, p->name);
		fprintf(out, ", \"flags\": %u, \"hits\": %" PRIu64 ", \"nmissed\": %" PRIu64
			     ", \"text\": ",
			p->flags, p->hits, p->nmissed);
		if (p->text_known) {
			fputc('"', out);
			for (int k = 0; k < KP_REPORT_TEXT; k++)
				fprintf(out, "%s%02x", k ? " " : "", p->text[k]);
			fprintf(out, "\", \"text_original\": %s}", p->text_original ? "true" : "false");
		} else {
			fprintf(out, "null, \"text_original\": null}");
		}
	}
	fprintf(out, "]}");
}

static void print_json(const Compare *c, const char *path, FILE *out)
{
	unsigned n = 0;

	fprintf(out, "{\"scenario\": ");
	sim_json_string(out, path);
	fprintf(out, ",\n  \"runs\": [\n");
	json_report(c->model[0], &c->rep[0], out);
	fprintf(out, ",\n");
	json_report(c->model[1], &c->rep[1], out);
	fprintf(out, "],\n  \"differing_operations\": [");
	for (unsigned i = 0; i < c->rep[0].ops->len; i++)
		if (op_differs(&g_array_index(c->rep[0].ops, KpOpReport, i),
			       &g_array_index(c->rep[1].ops, KpOpReport, i)))
			fprintf(out, "%s%u", n++ ? ", " : "", i);
	fprintf(out, "]}\n");
}

/* ---- Markdown ---- */

static void md_costs(const SimCosts *c, FILE *out)
{
	uint64_t v[5];

	cost_values(c, v);
	for (int i = 0; i < 5; i++)
		fprintf(out, " %" PRIu64 " |", v[i]);
}

static void md_header(const Compare *c, const char *first, FILE *out)
{
	fprintf(out, "| %s |", first);
	for (int m = 0; m < 2; m++) {
		fprintf(out, " %s ret |", c->model[m]->name);
		for (int i = 0; i < 5; i++)
			fprintf(out, " %s %s |", c->model[m]->name, cost_names[i]);
	}
	fprintf(out, "\n|---|");
	for (int i = 0; i < 12; i++)
		fprintf(out, "---:|");
	fprintf(out, "\n");
}

static void print_markdown(const Compare *c, const char *path, FILE *out)
{
	const KpExecReport *a = &c->rep[0], *b = &c->rep[1];
	g_autoptr(GPtrArray) names = actor_names(c);

	fprintf(out, "### `%s`\n\n", path);
	for (int m = 0; m < 2; m++)
		fprintf(out, "- %c: `%s` (%.12s, %s): %s\n", 'A' + m, c->model[m]->name,
			c->model[m]->commit, c->model[m]->title, c->rep[m].verdict);
	fprintf(out, "\nOne execution on each (the first strategy's); **bold**: differs.\n\n");
	md_header(c, "operation", out);
	for (unsigned i = 0; i < a->ops->len; i++) {
		const KpOpReport *x = &g_array_index(a->ops, KpOpReport, i);
		const KpOpReport *y = &g_array_index(b->ops, KpOpReport, i);
		bool d = op_differs(x, y);

		fprintf(out, "| %s`%s:%d %s`%s | %ld |", d ? "**" : "", x->task, x->line, x->what,
			d ? "**" : "", x->ret);
		md_costs(&x->costs, out);
		fprintf(out, " %ld |", y->ret);
		md_costs(&y->costs, out);
		fprintf(out, "\n");
	}
	fprintf(out, "\n");
	md_header(c, "actor", out);
	for (unsigned i = 0; i < names->len; i++) {
		const char *n = g_ptr_array_index(names, i);
		const KpActorReport *x = actor(a, n), *y = actor(b, n);
		SimCosts zero = { 0 };
		bool d = !x || !y || !sim_costs_equal(&x->costs, &y->costs);

		fprintf(out, "| %s%s%s | |", d ? "**" : "", n, d ? "**" : "");
		md_costs(x ? &x->costs : &zero, out);
		fprintf(out, " |");
		md_costs(y ? &y->costs : &zero, out);
		fprintf(out, "\n");
	}
	fprintf(out, "\n| probe | %s | %s |\n|---|---|---|\n", c->model[0]->name,
		c->model[1]->name);
	for (unsigned i = 0; i < a->probes->len; i++) {
		const KpProbeReport *x = &g_array_index(a->probes, KpProbeReport, i);
		const KpProbeReport *y = &g_array_index(b->probes, KpProbeReport, i);
		char tx[64], ty[64];
		bool d = probe_differs(x, y);

		text_hex(x, tx, sizeof(tx));
		text_hex(y, ty, sizeof(ty));
		fprintf(out, "| %s%s%s | flags %u, hits %" PRIu64 ", nmissed %" PRIu64 ", `%s` | "
			     "flags %u, hits %" PRIu64 ", nmissed %" PRIu64 ", `%s` |\n",
			d ? "**" : "", x->name, d ? "**" : "", x->flags, x->hits, x->nmissed, tx,
			y->flags, y->hits, y->nmissed, ty);
	}
}

/* What `kpsim compare --help` says after the options. */
static const char compare_help[] =
	"Runs one execution of FILE on each port (the first strategy's: the same\n"
	"order of operations, whatever schedule the file embeds) and prints both side\n"
	"by side: each operation's return value and what it cost the calling task,\n"
	"each actor's costs (the scenario's tasks, the kernel's kworkers), how the\n"
	"runs ended, and every probe's final flags, hits and text.\n"
	"Costs: stop = stop_machine calls, gp = grace periods waited for, text =\n"
	"kernel/module text bytes written, blk-jif / blk-step = jiffies / decisions\n"
	"spent waiting.  Exit status: 0 compared (the verdicts are in the output),\n"
	"2 bad usage or input.\n";

int kp_cmd_compare(int argc, char **argv)
{
	g_autoptr(GError) err = NULL;
	g_auto(GStrv) models = NULL;
	g_autofree char *format = NULL;
	GOptionEntry entries[] = {
		{ "model", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &models,
		  "a port to run on; give it twice (default: " DEFAULT_A " then " DEFAULT_B ")",
		  "NAME" },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format,
		  "text (default), json or markdown", "FORMAT" },
		{ NULL },
	};
	g_autoptr(KpScenario) sc = NULL;
	const char *names[2] = { DEFAULT_A, DEFAULT_B };
	KpCliFormat fmt = KP_FMT_TEXT;
	Compare c = { 0 };
	int rc = KP_EXIT_PASS;

	if (!kp_cli_parse("compare", "FILE - run a scenario on two ports and compare",
			  compare_help, entries, &argc, &argv))
		return KP_EXIT_USAGE;
	if (argc != 2) {
		fprintf(stderr, "kpsim compare: give exactly one scenario file\n");
		return KP_EXIT_USAGE;
	}
	if (models) {
		if (g_strv_length(models) != 2) {
			fprintf(stderr, "kpsim compare: give --model twice (or not at all)\n");
			return KP_EXIT_USAGE;
		}
		names[0] = models[0];
		names[1] = models[1];
	}
	if (!kp_cli_format("compare", format, &fmt))
		return KP_EXIT_USAGE;
	for (int m = 0; m < 2; m++) {
		if (!kp_cli_model("compare", names[m], &c.model[m]))
			return KP_EXIT_USAGE;
	}
	sc = kp_scenario_load(argv[1], &err);
	if (!sc) {
		fprintf(stderr, "%s\n", err->message);
		return KP_EXIT_USAGE;
	}
	for (int m = 0; m < 2; m++) {
		KpScenario on = *sc;

		/* The same file on another port: its own schedule would not fit. */
		on.schedule = NULL;
		on.script.model = c.model[m];
		if (!kp_exec_report(&on, NULL, &c.rep[m], &err)) {
			fprintf(stderr, "%s: on %s: %s\n", sc->path, c.model[m]->name,
				err ? err->message : "cannot run");
			rc = KP_EXIT_USAGE;
			goto out;
		}
	}
	if (fmt == KP_FMT_JSON)
		print_json(&c, sc->path, stdout);
	else if (fmt == KP_FMT_MARKDOWN)
		print_markdown(&c, sc->path, stdout);
	else
		print_text(&c, sc->path, stdout);
out:
	kp_exec_report_clear(&c.rep[0]);
	kp_exec_report_clear(&c.rep[1]);
	return rc;
}
