// SPDX-License-Identifier: GPL-2.0-only
/*
 * The minimizer: greedy one-at-a-time reduction to a fixpoint.  Each pass tries, in
 * order, to remove a whole task, a probe (with the operations and expectations that name
 * it), an operation, an expectation, to move a task to a lower vCPU and drop a vCPU no
 * task uses, and to simplify what is left (one call instead of N, no inline return check,
 * fewer probe handlers).  A candidate is kept when it parses and still fails with the
 * same signature; passes repeat until one keeps nothing.
 *
 * Every candidate is built by editing a parsed scenario, printing it and parsing the
 * print, so what is kept is always a valid file.  Its failing schedule is searched for in
 * an order that prefers simple schedules: the first execution, dfs with 0, 1, then 2
 * preemptions, the previous candidate's schedule, a fixed-seed random search, and last
 * the scenario's own explore directive (each with a small budget).
 *
 * Signatures: a violation is its id and the named site that reported it (never a source
 * line); a failed `expect` line is that line in the original file (candidates are renumbered
 * back to it), so the removal of lines above it does not change the signature.
 */
#include "tools/search/search.h"

#include "sim/strategy.h"
#include "tools/run/run.h"
#include "tools/scenario/scenario.h"

#include <string.h>

/* Budgets of the searches for a candidate's failing schedule. */
#define DFS_RUNS 150
#define RANDOM_RUNS 150
#define RANDOM_SEED 1
#define OWN_EXPLORE_RUNS 1000
/* A bound on candidates, so that a pathological input still ends. */
#define MAX_CANDIDATES 3000

KpScenarioSize kp_scenario_size(const KpScenario *sc)
{
	KpScenarioSize s = {
		.tasks = sc->script.n_tasks, .probes = sc->script.n_probes,
		.cpus = sc->n_cpus, .expects = sc->n_expects,
	};

	for (unsigned t = 0; t < sc->script.n_tasks; t++)
		s.ops += sc->script.tasks[t].n_ops;
	return s;
}

/* ---- finding a failing execution ---- */

/* One execution under `s`: true when it fails with `want` (any failure when NULL). */
static bool try_strategy(const KpScenario *sc, SimStrategy *s, const char *want,
			 char **key, char **schedule, char **error)
{
	KpExec *x = kp_exec_new(sc);
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(kp_failure_free);
	SimEnd end = kp_exec_run(x, s, &err);
	bool found = false;

	if (end == SIM_END_NONE && error && !*error)
		*error = kp_input_error(sc, err->message);
	/* An execution shows every failure it has: `want` may be any of them. */
	if (end != SIM_END_NONE && end != SIM_END_DIVERGED && !kp_exec_judge_all(x, all)) {
		for (unsigned i = 0; i < all->len && !found; i++) {
			const KpFailure *f = all->pdata[i];

			if (f->allowed || (want && strcmp(f->key, want)))
				continue;
			*key = g_strdup(f->key);
			*schedule = kp_exec_schedule(x);
			found = true;
		}
	}
	kp_exec_free(x);
	sim_strategy_free(s);
	return found;
}

/* An exploration: true when it finds `want` (the failure found first when NULL). */
static bool try_explore(const KpScenario *sc, const KpExploreConfig *cfg, const char *want,
			char **key, char **schedule, char **error)
{
	KpExploreResult r;
	const KpExploreFailure *best = NULL;

	kp_explore(sc, cfg, &r);
	if (r.input_error && error && !*error)
		*error = g_strdup(r.input_error);
	for (unsigned i = 0; !r.input_error && i < r.failures->len; i++) {
		const KpExploreFailure *f = r.failures->pdata[i];

		if (!f->schedule || f->allowed || (want && strcmp(f->key, want)))
			continue;
		if (!best || f->order < best->order)
			best = f;
	}
	if (best) {
		*key = g_strdup(best->key);
		*schedule = g_strdup(best->schedule);
	}
	kp_explore_result_clear(&r);
	return best != NULL;
}

static KpExploreConfig own_explore(const KpScenario *sc, uint64_t cap)
{
	const KpExplore *x = &sc->explore;
	KpExploreConfig cfg = {
		.strategy = x->kind == KP_EXPLORE_RANDOM ? KP_STRATEGY_RANDOM :
			    x->kind == KP_EXPLORE_PCT ? KP_STRATEGY_PCT : KP_STRATEGY_DFS,
		.preemptions = x->preemptions, .reduce = !x->no_reduce,
		.runs = x->runs, .seed = x->has_seed ? x->seed : 0, .depth = x->depth,
		.jobs = 1,
	};

	/* As `kpsim run`: a dfs line without a bound searches bound 0, 1, 2, ... */
	cfg.iterate = cfg.strategy == KP_STRATEGY_DFS && cfg.preemptions < 0;
	if (cap && (!cfg.runs || cfg.runs > cap))
		cfg.runs = cap;
	if (cfg.strategy == KP_STRATEGY_PCT)
		cfg.pct_steps = MAX(kp_explore_first_steps(sc), 1);
	return cfg;
}

bool kp_minimize_find_failure(const KpScenario *sc, char **key, char **schedule,
			      char **error)
{
	KpExploreConfig cfg;

	*key = *schedule = *error = NULL;
	if (sc->schedule)
		return try_strategy(sc, sim_strategy_replay_new(sc->schedule, NULL), NULL, key,
				    schedule, error);
	if (sc->explore.kind == KP_EXPLORE_FIRST)
		return try_strategy(sc, sim_strategy_first_new(), NULL, key, schedule, error);
	cfg = own_explore(sc, 0);
	return try_explore(sc, &cfg, NULL, key, schedule, error);
}

/* Does the candidate fail with `want`?  `hint` is the last schedule that did. */
static bool fails_as(const KpScenario *sc, const char *want, const char *hint,
		     char **schedule)
{
	g_autofree char *key = NULL;
	KpExploreConfig dfs = { .strategy = KP_STRATEGY_DFS, .reduce = true, .runs = DFS_RUNS,
				.jobs = 1 };
	KpExploreConfig rnd = { .strategy = KP_STRATEGY_RANDOM, .runs = RANDOM_RUNS,
				.seed = RANDOM_SEED, .jobs = 1 };

	*schedule = NULL;
	if (try_strategy(sc, sim_strategy_first_new(), want, &key, schedule, NULL))
		return true;
	for (int p = 0; p <= 1; p++) {
		dfs.preemptions = p;
		if (try_explore(sc, &dfs, want, &key, schedule, NULL))
			return true;
	}
	if (hint) {
		SimStrategy *s = sim_strategy_replay_new(hint, NULL);

		if (s && try_strategy(sc, s, want, &key, schedule, NULL))
			return true;
	}
	dfs.preemptions = 2;
	if (try_explore(sc, &dfs, want, &key, schedule, NULL) ||
	    try_explore(sc, &rnd, want, &key, schedule, NULL))
		return true;
	if (sc->explore.kind != KP_EXPLORE_FIRST) {
		KpExploreConfig own = own_explore(sc, OWN_EXPLORE_RUNS);

		if (try_explore(sc, &own, want, &key, schedule, NULL))
			return true;
	}
	return false;
}

/* ---- candidates ---- */

/* The current scenario and where each of its expectations came from. */
typedef struct {
	KpScenario *sc;
	int orig_line[KP_SCENARIO_MAX_EXPECTS];
	char *schedule;
} Current;

/*
 * Print `sc` without a schedule and parse it back under the original path, its
 * expectations renumbered to their original lines.  NULL when the print does not parse.
 */
static KpScenario *reparse(const char *path, const KpScenario *sc, const int *orig_line)
{
	g_autofree char *text = kp_scenario_to_text_with_schedule(sc, NULL);
	KpScenario *out;

	out = kp_scenario_parse(path, text, strlen(text), NULL);
	if (out)
		for (unsigned i = 0; i < out->n_expects; i++)
			out->expect_store[i].line = orig_line[i];
	return out;
}

static void sync_task(KpScenario *sc, unsigned t)
{
	sc->tasks[t].ops = (KpOp *)(void *)sc->task_ops[t]->data;
	sc->tasks[t].n_ops = sc->task_ops[t]->len;
}

static void remove_task(KpScenario *sc, unsigned t)
{
	g_array_free(sc->task_ops[t], TRUE);
	for (unsigned i = t; i + 1 < sc->script.n_tasks; i++) {
		sc->tasks[i] = sc->tasks[i + 1];
		sc->task_ops[i] = sc->task_ops[i + 1];
	}
	sc->script.n_tasks--;
	sc->task_ops[sc->script.n_tasks] = NULL;
}

/* Remove one operation, and its task when it was the last; true when the task went. */
static bool remove_op(KpScenario *sc, unsigned t, unsigned i)
{
	g_array_remove_index(sc->task_ops[t], i);
	sync_task(sc, t);
	if (sc->tasks[t].n_ops)
		return false;
	remove_task(sc, t);
	return true;
}

static void remove_expect(KpScenario *sc, int *orig_line, unsigned e)
{
	for (unsigned i = e; i + 1 < sc->n_expects; i++) {
		sc->expect_store[i] = sc->expect_store[i + 1];
		orig_line[i] = orig_line[i + 1];
	}
	sc->n_expects--;
}

/* A probe, with the operations and expectations that name it. */
static void remove_probe(KpScenario *sc, int *orig_line, unsigned p)
{
	for (unsigned t = sc->script.n_tasks; t-- > 0;) {
		for (unsigned i = sc->tasks[t].n_ops; i-- > 0;) {
			KpOp *op = &g_array_index(sc->task_ops[t], KpOp, i);
			/* The list is this scenario's own (its parse made it): edit it in place. */
			unsigned *probes = (unsigned *)op->probes;
			unsigned k = 0;

			for (unsigned j = 0; j < op->n; j++)
				if (probes[j] != p)
					probes[k++] = probes[j] - (probes[j] > p);
			if (op->n && !k) {
				if (remove_op(sc, t, i))
					break;
				continue;
			}
			op->n = k;
		}
	}
	for (unsigned e = sc->n_expects; e-- > 0;) {
		KpExpectation *x = &sc->expect_store[e];

		if (x->cond != KP_COND_PROBE_FIELD)
			continue;
		if (x->probe == p)
			remove_expect(sc, orig_line, e);
		else if (x->probe > p)
			x->probe--;
	}
	for (unsigned i = p; i + 1 < sc->script.n_probes; i++)
		sc->probes[i] = sc->probes[i + 1];
	sc->script.n_probes--;
}

static bool cpu_used(const KpScenario *sc, unsigned c)
{
	for (unsigned t = 0; t < sc->script.n_tasks; t++)
		if (sc->tasks[t].cpu == c)
			return true;
	return false;
}

/* vCPU c, which no task runs on; operations naming it go, higher numbers move down. */
static void remove_cpu(KpScenario *sc, unsigned c)
{
	for (unsigned t = sc->script.n_tasks; t-- > 0;) {
		if (sc->tasks[t].cpu > c)
			sc->tasks[t].cpu--;
		for (unsigned i = sc->tasks[t].n_ops; i-- > 0;) {
			KpOp *op = &g_array_index(sc->task_ops[t], KpOp, i);

			if (op->kind != KP_OP_CPU_UP && op->kind != KP_OP_CPU_DOWN &&
			    op->kind != KP_OP_IRQ)
				continue;
			if ((unsigned long)op->arg == c) {
				if (remove_op(sc, t, i))
					break;
			} else if ((unsigned long)op->arg > c) {
				op->arg--;
			}
		}
	}
	sc->n_cpus--;
}

static unsigned tasks_on(const KpScenario *sc, unsigned c)
{
	unsigned n = 0;

	for (unsigned t = 0; t < sc->script.n_tasks; t++)
		n += sc->tasks[t].cpu == c;
	return n;
}

/* Simplifications of one operation, numbered from 0; false when `which` does not apply. */
static bool simplify_op(KpOp *op, unsigned which)
{
	switch (which) {
	case 0:
		if (op->expect == KP_NO_EXPECT)
			return false;
		op->expect = KP_NO_EXPECT;
		return true;
	case 1:
		if (op->kind != KP_OP_CALL || op->arg == 1)
			return false;
		op->arg = 1;
		return true;
	case 2:
		if (op->kind != KP_OP_SLEEP || op->arg == 1)
			return false;
		op->arg /= 2;
		return true;
	}
	return false;
}

/* Simplifications of one probe's handlers. */
static bool simplify_probe(KpProbeSpec *p, unsigned which)
{
	switch (which) {
	case 0:
		if (!p->post)
			return false;
		p->post = false;
		return true;
	case 1:
		if (!p->fault)
			return false;
		p->fault = false;
		p->fault_ret = 0;
		return true;
	case 2:
		if (!p->brk)
			return false;
		p->brk = false;
		p->break_ret = 0;
		return true;
	case 3:
		if (!p->pre_ret)
			return false;
		p->pre_ret = 0;
		return true;
	}
	return false;
}

typedef enum {
	EDIT_TASK,		/* a: task */
	EDIT_PROBE,		/* a: probe */
	EDIT_OP,		/* a: task, b: op */
	EDIT_EXPECT,		/* a: expectation */
	EDIT_MOVE_TASK,		/* a: task, b: to vCPU */
	EDIT_CPU,		/* a: vCPU */
	EDIT_SIMPLIFY_OP,	/* a: task, b: op, c: which */
	EDIT_SIMPLIFY_PROBE,	/* a: probe, c: which */
	EDIT_COUNT,
} EditKind;

/* Apply one edit; false when it does not apply to this scenario. */
static bool edit(KpScenario *sc, int *orig_line, EditKind kind, unsigned a, unsigned b,
		 unsigned c)
{
	switch (kind) {
	case EDIT_TASK:
		if (a >= sc->script.n_tasks || sc->script.n_tasks == 1)
			return false;
		remove_task(sc, a);
		return true;
	case EDIT_PROBE:
		if (a >= sc->script.n_probes)
			return false;
		remove_probe(sc, orig_line, a);
		return true;
	case EDIT_OP:
		if (a >= sc->script.n_tasks || b >= sc->tasks[a].n_ops)
			return false;
		remove_op(sc, a, b);
		return true;
	case EDIT_EXPECT:
		if (a >= sc->n_expects)
			return false;
		remove_expect(sc, orig_line, a);
		return true;
	case EDIT_MOVE_TASK:
		if (a >= sc->script.n_tasks || b >= sc->tasks[a].cpu ||
		    tasks_on(sc, b) >= KP_SCENARIO_TASKS_PER_CPU)
			return false;
		sc->tasks[a].cpu = b;
		return true;
	case EDIT_CPU:
		if (sc->n_cpus == 1 || a >= sc->n_cpus || cpu_used(sc, a))
			return false;
		remove_cpu(sc, a);
		return true;
	case EDIT_SIMPLIFY_OP:
		if (a >= sc->script.n_tasks || b >= sc->tasks[a].n_ops)
			return false;
		return simplify_op(&g_array_index(sc->task_ops[a], KpOp, b), c);
	case EDIT_SIMPLIFY_PROBE:
		if (a >= sc->script.n_probes)
			return false;
		return simplify_probe(&sc->probes[a], c);
	case EDIT_COUNT:
		break;
	}
	return false;
}

typedef struct {
	const char *path;
	const char *key;
	Current cur;
	KpMinimizeResult *res;
} Minimizer;

/*
 * Try one edit on the current scenario.  Returns 1 when kept, 0 when tried and rejected,
 * -1 when the edit does not apply.
 */
static int try_edit(Minimizer *m, EditKind kind, unsigned a, unsigned b, unsigned c)
{
	int lines[KP_SCENARIO_MAX_EXPECTS];
	KpScenario *work, *cand;
	char *schedule = NULL;

	if (m->res->candidates >= MAX_CANDIDATES)
		return -1;
	memcpy(lines, m->cur.orig_line, sizeof(lines));
	work = reparse(m->path, m->cur.sc, lines);
	if (!work)
		return -1;
	if (!edit(work, lines, kind, a, b, c)) {
		kp_scenario_free(work);
		return -1;
	}
	cand = reparse(m->path, work, lines);
	kp_scenario_free(work);
	m->res->candidates++;
	if (!cand)
		return 0;
	if (!fails_as(cand, m->key, m->cur.schedule, &schedule)) {
		kp_scenario_free(cand);
		return 0;
	}
	kp_scenario_free(m->cur.sc);
	g_free(m->cur.schedule);
	m->cur.sc = cand;
	m->cur.schedule = schedule;
	memcpy(m->cur.orig_line, lines, sizeof(lines));
	m->res->accepted++;
	return 1;
}

/* One pass over every edit; true when something was kept. */
static bool pass(Minimizer *m)
{
	bool kept = false;

	/* Indices count down, so that a removal does not skip the element after it. */
	for (unsigned t = m->cur.sc->script.n_tasks; t-- > 0;)
		kept |= try_edit(m, EDIT_TASK, t, 0, 0) == 1;
	for (unsigned p = m->cur.sc->script.n_probes; p-- > 0;)
		kept |= try_edit(m, EDIT_PROBE, p, 0, 0) == 1;
	for (unsigned t = m->cur.sc->script.n_tasks; t-- > 0;)
		for (unsigned i = t < m->cur.sc->script.n_tasks ? m->cur.sc->tasks[t].n_ops : 0;
		     i-- > 0;)
			kept |= try_edit(m, EDIT_OP, t, i, 0) == 1;
	for (unsigned e = m->cur.sc->n_expects; e-- > 0;)
		kept |= try_edit(m, EDIT_EXPECT, e, 0, 0) == 1;
	for (unsigned t = 0; t < m->cur.sc->script.n_tasks; t++)
		for (unsigned c = 0; t < m->cur.sc->script.n_tasks && c < m->cur.sc->tasks[t].cpu;
		     c++)
			if (try_edit(m, EDIT_MOVE_TASK, t, c, 0) == 1) {
				kept = true;
				break;
			}
	for (unsigned c = m->cur.sc->n_cpus; c-- > 0;)
		kept |= try_edit(m, EDIT_CPU, c, 0, 0) == 1;
	for (unsigned t = 0; t < m->cur.sc->script.n_tasks; t++)
		for (unsigned i = 0; t < m->cur.sc->script.n_tasks && i < m->cur.sc->tasks[t].n_ops;
		     i++)
			for (unsigned w = 0; w < 3; w++)
				kept |= try_edit(m, EDIT_SIMPLIFY_OP, t, i, w) == 1;
	for (unsigned p = 0; p < m->cur.sc->script.n_probes; p++)
		for (unsigned w = 0; w < 4; w++)
			kept |= try_edit(m, EDIT_SIMPLIFY_PROBE, p, 0, w) == 1;
	return kept;
}

/* The result replays: parsed from its own text, its schedule fails with the signature. */
static bool verify(const char *path, const char *text, const int *orig_line, const char *key)
{
	KpScenario *sc = kp_scenario_parse(path, text, strlen(text), NULL);
	g_autofree char *k = NULL;
	g_autofree char *s = NULL;
	bool ok;

	if (!sc || !sc->schedule) {
		kp_scenario_free(sc);
		return false;
	}
	for (unsigned i = 0; i < sc->n_expects; i++)
		sc->expect_store[i].line = orig_line[i];
	ok = try_strategy(sc, sim_strategy_replay_new(sc->schedule, NULL), key, &k, &s, NULL);
	kp_scenario_free(sc);
	return ok;
}

void kp_minimize(const KpScenario *sc, const char *key, const char *schedule,
		 KpMinimizeResult *res)
{
	Minimizer m = { .path = sc->path, .res = res };
	g_autofree char *found_key = NULL;
	g_autofree char *found_schedule = NULL;
	int lines[KP_SCENARIO_MAX_EXPECTS] = { 0 };
	KpScenario *start;

	memset(res, 0, sizeof(*res));
	res->before = kp_scenario_size(sc);
	if (!key) {
		if (!kp_minimize_find_failure(sc, &found_key, &found_schedule, &res->error)) {
			res->status = res->error ? KP_MINIMIZE_BAD_INPUT : KP_MINIMIZE_NO_FAILURE;
			return;
		}
		key = found_key;
		schedule = found_schedule;
	}
	m.key = key;
	for (unsigned i = 0; i < sc->n_expects; i++)
		lines[i] = sc->expects[i].line;
	start = reparse(sc->path, sc, lines);
	if (!start) {
		res->status = KP_MINIMIZE_INTERNAL;
		res->error = g_strdup("the scenario does not print back to itself");
		return;
	}
	m.cur.sc = start;
	memcpy(m.cur.orig_line, lines, sizeof(lines));
	m.cur.schedule = g_strdup(schedule);
	while (pass(&m) && res->candidates < MAX_CANDIDATES)
		;
	/* The simplest schedule for what is left: first, then fewer preemptions. */
	{
		char *simpler = NULL;

		if (fails_as(m.cur.sc, key, NULL, &simpler)) {
			g_free(m.cur.schedule);
			m.cur.schedule = simpler;
		}
	}
	res->text = kp_scenario_to_text_with_schedule(m.cur.sc, m.cur.schedule);
	res->after = kp_scenario_size(m.cur.sc);
	res->key = g_strdup(key);
	res->schedule = g_steal_pointer(&m.cur.schedule);
	if (!res->schedule || !verify(sc->path, res->text, m.cur.orig_line, key)) {
		res->status = KP_MINIMIZE_INTERNAL;
		res->error = g_strdup_printf("the minimized scenario does not fail with %s when "
					     "replayed", key);
	}
	kp_scenario_free(m.cur.sc);
}

void kp_minimize_result_clear(KpMinimizeResult *res)
{
	g_free(res->key);
	g_free(res->schedule);
	g_free(res->text);
	g_free(res->error);
	memset(res, 0, sizeof(*res));
}

char *kp_signature_file_name(const char *key)
{
	GString *out = g_string_new(NULL);
	const char *s = key;

	/* Drop the leading word "violation"; an expectation keeps its own. */
	if (g_str_has_prefix(s, "violation "))
		s += strlen("violation ");
	for (; *s; s++) {
		/* One dash for every run of other characters ("int3 -> disarmed"). */
		if (g_ascii_isalnum(*s) || *s == '.' || *s == '_')
			g_string_append_c(out, *s);
		else if (out->len && out->str[out->len - 1] != '-')
			g_string_append_c(out, '-');
	}
	while (out->len && out->str[out->len - 1] == '-')
		g_string_truncate(out, out->len - 1);
	return g_string_free(out, FALSE);
}
