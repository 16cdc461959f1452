// SPDX-License-Identifier: GPL-2.0-only
/* `kpsim explore`: many executions of one scenario under an exploring strategy. */
#include "model/ports.h"
#include "tools/cli/commands.h"
#include "tools/search/search.h"

#include <glib.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * Random paths for --estimate, and for the summary of an unfinished dfs: ten batches, so
 * that the line can say how far apart their means are (see kp_explore_estimate).
 */
#define ESTIMATE_PROBES (10 * KP_ESTIMATE_BATCH)

static const char *const strategy_names[] = {
	[KP_STRATEGY_DFS] = "dfs", [KP_STRATEGY_RANDOM] = "random", [KP_STRATEGY_PCT] = "pct",
};

typedef struct {
	double estimate;	/* executions, 0 unknown */
	double sec_per_exec;
	bool printed;
} ProgressState;

static void format_duration(double s, char *buf, size_t size)
{
	if (s < 120)
		g_snprintf(buf, size, "%.0fs", s);
	else if (s < 7200)
		g_snprintf(buf, size, "%.0fm", s / 60);
	else if (s < 172800)
		g_snprintf(buf, size, "%.1fh", s / 3600);
	else
		g_snprintf(buf, size, "%.1fd", s / 86400);
}

static void show_progress(const KpExploreProgress *p, void *user)
{
	ProgressState *ps = user;
	double rate = p->elapsed > 0 ? (double)p->executions / p->elapsed : 0;
	char eta[32] = "";

	if (ps->estimate > 0 && rate > 0) {
		char d[24];
		double left = ps->estimate - (double)p->executions;

		format_duration(left > 0 ? left / rate : 0, d, sizeof(d));
		g_snprintf(eta, sizeof(eta), ", est %.3g, ETA %s", ps->estimate, d);
	}
	fprintf(stderr, "\r\033[K[%.0fs] %" PRIu64 " executions (%.0f/s), %" PRIu64
			" states, %" PRIu64 " failures, %" PRIu64 " pruned%s",
		p->elapsed, p->executions, rate, p->states, p->failures, p->pruned, eta);
	fflush(stderr);
	ps->printed = true;
}

static bool parse_strategy(const char *s, KpStrategyKind *out)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(strategy_names); i++)
		if (!strcmp(s, strategy_names[i])) {
			*out = (KpStrategyKind)i;
			return true;
		}
	return false;
}

/* The configuration: the scenario's explore line, then the options over it. */
typedef struct {
	gchar *strategy;
	gint preemptions;	/* -1: not given */
	gboolean no_reduce;
	gboolean count_traces;
	gint64 runs;		/* -1: not given */
	gint64 seed;		/* -1: not given */
	gdouble time;		/* 0: not given */
	gint depth;		/* 0: not given */
	gint jobs;
	gboolean estimate;
	const KpShard *shard;	/* count 1: not sharded */
} Options;

/*
 * The numeric options as given, NULL when not: read as text so that "not given" is not a
 * value one could also type (`--seed -1` is out of range, not "the default").
 */
typedef struct {
	gchar *preemptions, *runs, *seed, *time, *depth;
} OptionText;

static void option_text_clear(OptionText *t)
{
	g_free(t->preemptions);
	g_free(t->runs);
	g_free(t->seed);
	g_free(t->time);
	g_free(t->depth);
}

static bool parse_int(const char *name, const char *text, gint64 min, gint64 max,
		      gint64 *out)
{
	if (!text)
		return true;
	if (g_ascii_string_to_signed(text, 10, min, max, out, NULL))
		return true;
	fprintf(stderr, "kpsim explore: %s takes a number from %" PRId64 " to %" PRId64
			", not '%s'\n", name, min, max, text);
	return false;
}

static bool parse_time(const char *text, gdouble *out)
{
	char *end;

	if (!text)
		return true;
	*out = g_ascii_strtod(text, &end);
	if (end != text && !*end && isfinite(*out) && *out > 0)
		return true;
	fprintf(stderr, "kpsim explore: --time takes seconds above 0, not '%s'\n", text);
	return false;
}

/* Each option given, range-checked, into o; the others keep their "not given" values. */
static bool parse_numbers(const OptionText *t, Options *o)
{
	gint64 preemptions = o->preemptions, depth = o->depth;
	bool ok = parse_int("--preemptions", t->preemptions, 0, G_MAXINT, &preemptions) &&
		  parse_int("--runs", t->runs, 1, G_MAXINT64, &o->runs) &&
		  parse_int("--seed", t->seed, 0, G_MAXINT64, &o->seed) &&
		  parse_int("--depth", t->depth, 1, 64, &depth) && parse_time(t->time, &o->time);

	o->preemptions = (gint)preemptions;
	o->depth = (gint)depth;
	if (ok && (o->jobs < 1 || o->jobs > KP_CLI_MAX_JOBS)) {
		fprintf(stderr, "kpsim explore: --jobs takes a number from 1 to %d\n",
			KP_CLI_MAX_JOBS);
		ok = false;
	}
	return ok;
}

static bool configure(const KpScenario *sc, const Options *o, KpExploreConfig *cfg)
{
	const KpExplore *x = &sc->explore;
	bool same;

	memset(cfg, 0, sizeof(*cfg));
	if (o->strategy) {
		if (!parse_strategy(o->strategy, &cfg->strategy)) {
			fprintf(stderr, "kpsim explore: unknown strategy '%s' (dfs, random, pct)\n",
				o->strategy);
			return false;
		}
	} else {
		cfg->strategy = x->kind == KP_EXPLORE_RANDOM ? KP_STRATEGY_RANDOM :
				x->kind == KP_EXPLORE_PCT ? KP_STRATEGY_PCT : KP_STRATEGY_DFS;
	}
	same = (cfg->strategy == KP_STRATEGY_DFS && x->kind == KP_EXPLORE_DFS) ||
	       (cfg->strategy == KP_STRATEGY_RANDOM && x->kind == KP_EXPLORE_RANDOM) ||
	       (cfg->strategy == KP_STRATEGY_PCT && x->kind == KP_EXPLORE_PCT);
	cfg->preemptions = o->preemptions >= 0 ? o->preemptions :
			   same ? x->preemptions : -1;
	/* Without a bound, dfs searches bound 0, 1, 2, ... in turn. */
	cfg->iterate = cfg->strategy == KP_STRATEGY_DFS && cfg->preemptions < 0;
	cfg->reduce = !o->no_reduce && !(same && x->no_reduce);
	cfg->count_traces = o->count_traces;
	cfg->runs = o->runs > 0 ? (uint64_t)o->runs :
		    same ? x->runs :
		    cfg->strategy == KP_STRATEGY_DFS ? 0 : KP_EXPLORE_DEFAULT_RUNS;
	cfg->seed = o->seed >= 0 ? (uint64_t)o->seed : x->has_seed ? x->seed : 0;
	cfg->depth = o->depth > 0 ? (unsigned)o->depth :
		     same ? x->depth : KP_EXPLORE_DEFAULT_DEPTH;
	cfg->time = o->time;
	cfg->jobs = (unsigned)o->jobs;
	cfg->shard = o->shard->index;
	cfg->n_shards = o->shard->count;
	/*
	 * Iterating, each shard would stop at the first bound its own share fails in, and
	 * the shards together would not be one search: a bound must be given.
	 */
	if (cfg->iterate && cfg->n_shards > 1) {
		fprintf(stderr, "kpsim explore: --shard with dfs needs --preemptions K (one "
				"bounded search; iterating, each shard would stop at a bound of "
				"its own)\n");
		return false;
	}
	return true;
}

/* ", shard K/N (where auto found it)", when sharded. */
static void print_shard(const KpExploreConfig *cfg, const KpShard *shard)
{
	if (cfg->n_shards <= 1 && !shard->source)
		return;
	printf(", shard %u/%u", cfg->shard, cfg->n_shards);
	if (shard->source)
		printf(" (%s)", shard->source);
}

static void print_header(const KpScenario *sc, const KpExploreConfig *cfg,
			 const KpShard *shard)
{
	printf("explore %s: model %s, strategy %s", sc->path, sc->model_name,
	       strategy_names[cfg->strategy]);
	if (cfg->strategy == KP_STRATEGY_DFS) {
		if (cfg->preemptions >= 0)
			printf(", preemptions %d", cfg->preemptions);
		else if (cfg->iterate)
			printf(", preemptions 0, 1, 2, ... (iterative bounding)");
		else
			printf(", preemptions unbounded");
		printf(", reduction %s", cfg->reduce ? "sleep sets + DPOR" : "off");
		if (cfg->runs)
			printf(", runs %" PRIu64, cfg->runs);
	} else {
		printf(", runs %" PRIu64 ", seed %" PRIu64, cfg->runs, cfg->seed);
	}
	if (cfg->strategy == KP_STRATEGY_PCT) {
		unsigned n = sc->n_cpus + 1;
		double bound = 1.0 / n;

		for (unsigned i = 1; i < cfg->depth; i++)
			bound /= (double)cfg->pct_steps;

		printf(", depth %u, n %u (vCPUs + tick), k %" PRIu64
		       ": a depth-%u bug is found by each run with probability >= "
		       "1/(n*k^(d-1)) = %.3g",
		       cfg->depth, n, cfg->pct_steps, cfg->depth, bound);
	}
	if (cfg->time > 0)
		printf(", time %gs", cfg->time);
	printf(", jobs %u", cfg->jobs);
	print_shard(cfg, shard);
	printf("\n");
	fflush(stdout);
}

/* The groups of failures (allowed or not), each with its first replay command. */
static void print_groups(const KpScenario *sc, const KpExploreResult *r, bool allowed)
{
	for (unsigned i = 0; i < r->failures->len; i++) {
		const KpExploreFailure *f = r->failures->pdata[i];

		if (f->allowed != allowed)
			continue;
		printf("  %s: %" PRIu64 " execution%s\n    %s\n", f->key, f->count,
		       f->count == 1 ? "" : "s", f->message);
		if (f->schedule)
			printf("    replay: kpsim replay %s --schedule %s\n", sc->path, f->schedule);
	}
}

static const char *preemptions_word(int k)
{
	return k == 1 ? "preemption" : "preemptions";
}

/* Iterating dfs: one line after each bound whose search was complete. */
static void show_bound(const KpExploreBound *b, void *user)
{
	ProgressState *ps = user;

	/* Not after a progress line on the same terminal. */
	if (ps->printed && isatty(STDOUT_FILENO))
		fprintf(stderr, "\r\033[K");
	if (b->failing)
		printf("bound %d complete: failures with up to %d %s (%" PRIu64 " executions, %"
		       PRIu64 " failing)\n", b->bound, b->bound, preemptions_word(b->bound),
		       b->executions, b->failing);
	else
		printf("bound %d complete: no failure with up to %d %s (%" PRIu64 " executions)%s\n",
		       b->bound, b->bound, preemptions_word(b->bound), b->executions,
		       b->exhausted ? "; no execution needs more: the search is complete" : "");
	fflush(stdout);
}

/* The last line of a dfs summary. */
static void print_dfs_end(const KpExploreConfig *cfg, const KpExploreResult *r,
			  double estimate)
{
	int k = r->bound_complete;

	if (r->complete) {
		printf("exploration: complete\n");
		return;
	}
	if (cfg->iterate && !r->budget_ended) {
		/* Stopped after the bound that found a failure. */
		printf("exploration: complete up to %d %s (stopped at the first bound with a "
		       "failure)\n", k, preemptions_word(k));
		return;
	}
	printf("exploration: ");
	if (cfg->iterate && k >= 0)
		printf("complete up to %d %s; ", k, preemptions_word(k));
	printf("incomplete: the budget ended ");
	if (cfg->iterate)
		printf(k == r->bound ? "before bound %d " : "during bound %d ",
		       k == r->bound ? k + 1 : r->bound);
	printf("after %" PRIu64 " executions", r->executions);
	if (estimate > 0 && cfg->iterate)
		printf(" (bound %d's unreduced tree: an estimated %.3g)", r->bound, estimate);
	else if (estimate > 0 && (double)r->executions < estimate)
		printf(" of an estimated %.3g (unreduced tree)", estimate);
	else if (estimate > 0)
		/* Knuth's estimate of a lopsided tree is mostly too low (see --estimate). */
		printf("; the unreduced tree was estimated at %.3g, too low: the search has "
		       "passed it", estimate);
	printf("\n");
}

static void print_summary(const KpScenario *sc, const KpExploreConfig *cfg,
			  const KpExploreResult *r, double estimate)
{
	unsigned n_allowed = 0, n_failed;

	if (cfg->n_shards > 1) {
		if (cfg->strategy == KP_STRATEGY_DFS)
			printf("shard %u/%u: the subtrees k with k mod %u = %u of the split tree; "
			       "the counts below are this shard's\n", cfg->shard, cfg->n_shards,
			       cfg->n_shards, cfg->shard);
		else
			printf("shard %u/%u: the runs i with i mod %u = %u of %" PRIu64
			       "; the counts below are this shard's\n", cfg->shard, cfg->n_shards,
			       cfg->n_shards, cfg->shard, cfg->runs);
	}

	for (unsigned i = 0; i < r->failures->len; i++)
		n_allowed += ((KpExploreFailure *)r->failures->pdata[i])->allowed;
	n_failed = r->failures->len - n_allowed;
	printf("executions: %" PRIu64 " in %.2fs (%.0f/s)", r->executions, r->elapsed,
	       r->elapsed > 0 ? (double)r->executions / r->elapsed : 0);
	if (cfg->iterate && r->bound > 0)
		printf(", bounds 0 to %d (each bound runs the executions of the bounds below again)",
		       r->bound);
	printf("\n");
	if (cfg->strategy == KP_STRATEGY_DFS) {
		printf("pruned executions (sleep-set blocked): %" PRIu64 "\n", r->pruned);
		if (r->traces_counted)
			printf("distinct traces: %" PRIu64 "\n", r->traces);
		else
			printf("distinct traces: not counted without the reduction "
			       "(--count-traces)\n");
	}
	printf("distinct final states: %" PRIu64 "\n", r->states);
	printf("failures: %u group%s, %" PRIu64 " failing execution%s\n", n_failed,
	       n_failed == 1 ? "" : "s", r->failing, r->failing == 1 ? "" : "s");
	print_groups(sc, r, false);
	if (n_allowed) {
		printf("allowed: %u group%s\n", n_allowed, n_allowed == 1 ? "" : "s");
		print_groups(sc, r, true);
	}
	kp_print_transitions(&r->transitions, stdout);
	if (cfg->strategy != KP_STRATEGY_DFS)
		printf("exploration: %s\n", r->budget_ended ? "the time budget ended it" :
				"every run done");
	else
		print_dfs_end(cfg, r, estimate);
}

/* What `kpsim explore --help` says after the options. */
static const char explore_help[] =
	"Prints a header line, a progress line on stderr when it is a terminal, and a\n"
	"summary: executions, for dfs the distinct traces among them (happens-before\n"
	"classes: a sound partial-order reduction runs an execution of each trace of\n"
	"the tree; with --no-reduce counted only with --count-traces), distinct final\n"
	"states, failures grouped by invariant and location\n"
	"with the command that replays each, the probe state transitions seen, and how\n"
	"far the exploration went.\n"
	"\n"
	"dfs without --preemptions (and an `explore dfs` line without preemptions)\n"
	"searches bound 0, then 1, 2, ... (iterative bounding), printing `bound K\n"
	"complete: ...` after each bound searched to its end.  It stops after the first\n"
	"bound with a failure, when --runs or --time (over all bounds) ends, or after a\n"
	"bound that left nothing out (the whole tree: `exploration: complete`); the last\n"
	"line names the highest bound completed.  Each bound runs the executions of the\n"
	"bounds below again, and the counts add up all bounds.  --preemptions K is one\n"
	"search with at most K preemptions per execution.\n"
	"\n"
	"--shard K/N explores one part of N, so that N machines together explore what\n"
	"one would: random and pct the runs i < --runs with i mod N = K; dfs (with\n"
	"--preemptions) the subtrees k with k mod N = K of the tree split between\n"
	"workers, which the shard's --jobs share out.  --shard auto takes K and N from\n"
	"the job scheduler (see kpsim fuzz --help).  The union of the shards' final\n"
	"states (--states FILE) and failure groups is the unsharded run's.\n"
	"\n"
	"Exit status: 0 every execution passed, 1 a failure, 2 bad input,\n"
	"3 internal error, 4 the budget ended before a dfs exploration was complete.\n";

/* --states FILE: the distinct final states, one 16-digit hex hash a line, ascending. */
static bool write_states(const char *path, const KpExploreResult *r)
{
	g_autoptr(GString) s = g_string_new(NULL);
	g_autoptr(GError) err = NULL;

	for (unsigned i = 0; i < r->final_states->len; i++)
		g_string_append_printf(s, "%016" PRIx64 "\n",
				       g_array_index(r->final_states, uint64_t, i));
	if (!kp_write_file(path, s->str, &err)) {
		fprintf(stderr, "kpsim explore: %s\n", err->message);
		return false;
	}
	return true;
}

int kp_cmd_explore(int argc, char **argv)
{
	g_autoptr(GError) err = NULL;
	g_auto(KpShard) shard = { .count = 1 };
	Options o = { .preemptions = -1, .runs = -1, .seed = -1, .depth = 0, .jobs = 1,
		      .shard = &shard };
	OptionText t = { 0 };
	g_autofree char *shard_text = NULL;
	g_autofree char *states_path = NULL;
	g_autofree char *model_name = NULL;
	const struct KpModel *model = NULL;
	g_auto(KpCliAllow) allow = { 0 };
	GOptionEntry entries[] = {
		{ "strategy", 0, 0, G_OPTION_ARG_STRING, &o.strategy,
		  "dfs, random or pct (default: the file's explore line, else dfs)", "S" },
		{ "preemptions", 'p', 0, G_OPTION_ARG_STRING, &t.preemptions,
		  "dfs: at most K preemptions per execution (default: 0, 1, 2, ... in turn)",
		  "K" },
		{ "no-reduce", 0, 0, G_OPTION_ARG_NONE, &o.no_reduce,
		  "dfs: no partial-order reduction (sleep sets, DPOR)", NULL },
		{ "count-traces", 0, 0, G_OPTION_ARG_NONE, &o.count_traces,
		  "dfs --no-reduce: count the distinct traces too (10 to 15% slower)", NULL },
		{ "runs", 'n', 0, G_OPTION_ARG_STRING, &t.runs,
		  "random, pct: executions; dfs: stop after N executions", "N" },
		{ "seed", 's', 0, G_OPTION_ARG_STRING, &t.seed,
		  "random, pct: run i uses seed S+i (default: the file's, else 0)", "S" },
		{ "time", 't', 0, G_OPTION_ARG_STRING, &t.time, "stop after T seconds", "T" },
		{ "depth", 'd', 0, G_OPTION_ARG_STRING, &t.depth, "pct: the bug depth d (default 3)",
		  "d" },
		{ "jobs", 'j', 0, G_OPTION_ARG_INT, &o.jobs, "N worker processes", "N" },
		{ "model", 'm', 0, G_OPTION_ARG_STRING, &model_name,
		  "explore on this port instead of the header's (see kpsim models)", "NAME" },
		{ "estimate", 'e', 0, G_OPTION_ARG_NONE, &o.estimate,
		  "dfs: first estimate the executions and the time (Knuth's estimator)", NULL },
		{ "shard", 0, 0, G_OPTION_ARG_STRING, &shard_text,
		  "explore part K of N (auto: from the job scheduler; dfs needs --preemptions)",
		  "K/N|auto" },
		{ "states", 0, 0, G_OPTION_ARG_FILENAME, &states_path,
		  "write the distinct final states' hashes to FILE, one a line", "FILE" },
		KP_CLI_ALLOW_OPTIONS(&allow),
		{ NULL },
	};
	g_autoptr(KpScenario) sc = NULL;
	KpExploreConfig cfg;
	KpExploreResult r;
	double lo, hi;	/* the batch means of an estimate (not printed in the summary) */
	ProgressState ps = { 0 };
	bool ok;
	int rc;

	if (!kp_cli_parse("explore", "FILE - explore the executions of a scenario",
			  explore_help, entries, &argc, &argv) ||
	    !kp_cli_allow_resolve("explore", &allow)) {
		g_free(o.strategy);
		option_text_clear(&t);
		return KP_EXIT_USAGE;
	}
	if (argc != 2) {
		fprintf(stderr, "kpsim explore: give exactly one scenario file\n");
		g_free(o.strategy);
		option_text_clear(&t);
		return KP_EXIT_USAGE;
	}
	ok = parse_numbers(&t, &o);
	option_text_clear(&t);
	if (ok && shard_text) {
		g_auto(GStrv) env = g_get_environ();
		g_autoptr(GError) serr = NULL;

		ok = kp_shard_parse(shard_text, env, &shard, &serr);
		if (!ok)
			fprintf(stderr, "kpsim explore: %s\n", serr->message);
	}
	if (!ok) {
		g_free(o.strategy);
		return KP_EXIT_USAGE;
	}
	if (!kp_cli_model("explore", model_name, &model)) {
		g_free(o.strategy);
		return KP_EXIT_USAGE;
	}
	sc = kp_scenario_load(argv[1], &err);
	if (!sc) {
		fprintf(stderr, "%s\n", err->message);
		g_free(o.strategy);
		return KP_EXIT_USAGE;
	}
	kp_cli_allow_apply(&allow, sc);
	if (!kp_scenario_use_model(sc, model)) {
		fprintf(stderr, "kpsim explore: %s needs model %s\n", argv[1], sc->model_name);
		g_free(o.strategy);
		return KP_EXIT_USAGE;
	}
	if (!configure(sc, &o, &cfg)) {
		g_free(o.strategy);
		return KP_EXIT_USAGE;
	}
	g_free(o.strategy);
	if (cfg.strategy == KP_STRATEGY_PCT)
		cfg.pct_steps = MAX(kp_explore_first_steps(sc), 1);
	print_header(sc, &cfg, &shard);
	if (o.estimate) {
		if (cfg.strategy == KP_STRATEGY_DFS) {
			ps.estimate = kp_explore_estimate(sc, cfg.preemptions, cfg.seed,
							  ESTIMATE_PROBES, &ps.sec_per_exec, &lo, &hi);
			printf("estimate: %.3g executions without reduction (Knuth, %u random "
			       "paths; batches of %u: %.3g to %.3g), about %.3g s at %.3g ms each "
			       "on one job\n",
			       ps.estimate, ESTIMATE_PROBES, KP_ESTIMATE_BATCH, lo, hi,
			       ps.estimate * ps.sec_per_exec, ps.sec_per_exec * 1e3);
		} else {
			ps.estimate = (double)cfg.runs / cfg.n_shards;
			printf("estimate: %.0f executions\n", ps.estimate);
		}
		fflush(stdout);
	}
	/* Random and pct know their total; the ETA follows from the rate. */
	if (cfg.strategy != KP_STRATEGY_DFS)
		ps.estimate = (double)cfg.runs / cfg.n_shards;
	/* A progress line only for a person watching. */
	if (isatty(STDERR_FILENO)) {
		cfg.progress = show_progress;
		cfg.progress_user = &ps;
	}
	cfg.bound_done = show_bound;
	cfg.bound_user = &ps;
	kp_explore(sc, &cfg, &r);
	if (ps.printed)
		fprintf(stderr, "\n");
	if (r.input_error) {
		fprintf(stderr, "%s\n", r.input_error);
		kp_explore_result_clear(&r);
		return KP_EXIT_USAGE;
	}
	if (r.internal_error) {
		fprintf(stderr, "kpsim explore: internal error: %s\n", r.internal_error);
		kp_explore_result_clear(&r);
		return KP_EXIT_INTERNAL;
	}
	if (states_path && !write_states(states_path, &r)) {
		kp_explore_result_clear(&r);
		return KP_EXIT_USAGE;
	}
	/* Iterating, the bound the budget ended in. */
	if (cfg.strategy == KP_STRATEGY_DFS && r.budget_ended && cfg.iterate)
		ps.estimate = kp_explore_estimate(sc, r.bound, cfg.seed, ESTIMATE_PROBES,
						  &ps.sec_per_exec, &lo, &hi);
	else if (cfg.strategy == KP_STRATEGY_DFS && !r.complete && ps.estimate <= 0)
		ps.estimate = kp_explore_estimate(sc, cfg.preemptions, cfg.seed, ESTIMATE_PROBES,
						  &ps.sec_per_exec, &lo, &hi);
	print_summary(sc, &cfg, &r, ps.estimate);
	if (kp_explore_failed(&r))
		rc = KP_EXIT_FAIL;
	else if (cfg.strategy == KP_STRATEGY_DFS && !r.complete)
		rc = KP_EXIT_BUDGET;
	else
		rc = KP_EXIT_PASS;
	kp_explore_result_clear(&r);
	return rc;
}
