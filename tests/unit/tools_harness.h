/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the tests of the tools (run, explore, minimize, fuzz) share: the scenarios more
 * than one of them runs, parsing a scenario text or failing the test with the parser's
 * message, one judged execution under a strategy, output caught in a string, and
 * temporary directories.  Include it after <cmocka.h>.
 */
#ifndef KP_TESTS_TOOLS_HARNESS_H
#define KP_TESTS_TOOLS_HARNESS_H

#include "tools/run/run.h"

#include "sim/strategy.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* One probe hit twice through its int3; passes. */
static const char PASS_TEXT[] =
	"cpus 1\n"
	"probe a at f_small+0 post\n"
	"task t0 on cpu0:\n"
	"    register a -> 0\n"
	"    call f_small times 2\n"
	"expect end a.hits == 2\n";

/*
 * Kprobes disarmed through debugfs once the probe is optimized: on 6274de4 the jump
 * stays, which the checker reports as A5 in the very first execution.
 */
static const char A5_TEXT[] =
	"cpus 1\n"
	"probe p0 at f_loop+0x1b\n"
	"task t0 on cpu0:\n"
	"    register p0\n"
	"    sleep 6\n"
	"    debugfs write \"0\"\n";

/*
 * Two tasks on one vCPU: the debugfs write races the optimizer (A5 when it runs after
 * the jump went in, A7 and T2 in other orders) and the sysctl write of 0 can deadlock
 * with the optimizer's first run.  Under a bound of one preemption dfs finds A5 and the
 * deadlock in a few dozen executions; the first execution deadlocks.
 */
static const char RACE_TEXT[] =
	"cpus 1\n"
	"optimize-delay 4\n"
	"probe p0 at f_loop+0x1b\n"
	"task t0 on cpu0:\n"
	"    register p0\n"
	"    debugfs write \"0\"\n"
	"task t1 on cpu0:\n"
	"    sleep 3\n"
	"    sysctl write \"0\\n\"\n";

/*
 * A disabled probe enabled while the other vCPU calls through it; always passes.
 * Whether the call runs before or after the enable decides the hit.
 */
static const char ENABLE_TEXT[] =
	"cpus 2\n"
	"probe a at f_small+0 post disabled\n"
	"task t0 on cpu0:\n"
	"    register a -> 0\n"
	"    enable a -> 0\n"
	"task t1 on cpu1:\n"
	"    call f_small\n"
	"expect always no-violation\n"
	"expect sometimes a.hits == 1\n"
	"expect sometimes a.hits == 0\n";

/*
 * A probe on a symbol the image does not have: an input error, never an execution.  The
 * parser refuses such a name, so parse_missing() parses this and then renames the
 * probe's symbol, as a scenario built in code could: the run-time check still stands.
 */
static const char MISSING_TEXT[] =
	"cpus 1\n"
	"probe a at f_small+0\n"
	"task t0 on cpu0:\n"
	"    register a\n";

/* Every scenario is parsed as "t.kps", the name the expected messages and keys show. */
static inline KpScenario *parse(const char *text)
{
	g_autoptr(GError) err = NULL;
	KpScenario *sc = kp_scenario_parse("t.kps", text, strlen(text), &err);

	if (!sc)
		fail_msg("does not parse: %s\n%s", err->message, text);
	return sc;
}

/* MISSING_TEXT and `more` after it, with probe a on no_such_function. */
static inline KpScenario *parse_missing(const char *more)
{
	g_autofree char *text = g_strconcat(MISSING_TEXT, more, NULL);
	KpScenario *sc = parse(text);

	sc->probes[0].symbol = "no_such_function";
	return sc;
}

/*
 * What one judged execution did: its end, verdict, the first failure's message and key,
 * every failure's key in order (one a line, "allowed " before an allowed one), its
 * schedule and final-state hash.
 */
typedef struct {
	SimEnd end;
	bool pass;
	char *msg, *key, *keys, *schedule;
	uint64_t hash;
} Outcome;

static inline void outcome_clear(Outcome *o)
{
	g_free(o->msg);
	g_free(o->key);
	g_free(o->keys);
	g_free(o->schedule);
	memset(o, 0, sizeof(*o));
}

/*
 * Runs `x` once under `s` (freed here) and judges it.  An input error fails the test;
 * a diverged replay is not judged (there is no end state to judge), so its message and
 * key stay empty and the caller's check on the end says what went wrong.
 */
static inline void run_with(KpExec *x, SimStrategy *s, Outcome *o)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(kp_failure_free);
	g_autoptr(GString) keys = g_string_new(NULL);
	g_autoptr(GString) hashed = g_string_new(NULL);

	memset(o, 0, sizeof(*o));
	assert_non_null(s);
	o->end = kp_exec_run(x, s, &err);
	sim_strategy_free(s);
	if (o->end == SIM_END_NONE)
		fail_msg("input error: %s", err ? err->message : "?");
	if (o->end != SIM_END_DIVERGED)
		o->pass = kp_exec_judge_all(x, all);
	for (unsigned i = 0; i < all->len; i++) {
		const KpFailure *f = all->pdata[i];

		g_string_append_printf(keys, "%s%s\n", f->allowed ? "allowed " : "", f->key);
		g_string_append_printf(hashed, "%s\n", f->key);
		if (!o->key && !f->allowed) {
			o->key = g_strdup(f->key);
			o->msg = g_strdup(f->message);
		}
	}
	if (!o->key) {
		o->key = g_strdup("");
		o->msg = g_strdup("");
	}
	o->keys = g_strdup(keys->str);
	if (o->end == SIM_END_DIVERGED)
		return;
	o->schedule = kp_exec_schedule(x);
	/* As the explorer hashes a final state: with every group it falls in. */
	o->hash = kp_exec_state_hash(x, o->pass, hashed->len ? hashed->str : NULL);
}

/* The same in a context of its own, for tests that do not look at the context after. */
static inline void run_once(const KpScenario *sc, SimStrategy *s, Outcome *o)
{
	KpExec *x = kp_exec_new(sc);

	run_with(x, s, o);
	kp_exec_free(x);
}

/* A string written to a memory FILE; the FILE is closed by take_stream(). */
typedef struct {
	char *buf;
	size_t len;
	FILE *f;
} Stream;

static inline void open_stream(Stream *s)
{
	s->buf = NULL;
	s->len = 0;
	s->f = open_memstream(&s->buf, &s->len);
	assert_non_null(s->f);
}

static inline char *take_stream(Stream *s)
{
	fclose(s->f);
	s->f = NULL;
	return s->buf;
}

/* A new directory under the system's temporary one (g_free the name). */
static inline char *make_tmp_dir(void)
{
	g_autoptr(GError) err = NULL;
	char *dir = g_dir_make_tmp("kpsim-test-XXXXXX", &err);

	if (!dir)
		fail_msg("g_dir_make_tmp: %s", err->message);
	return dir;
}

/* The directory and everything in it; one that is not there is no error. */
static inline void remove_tree(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	if (!d)
		return;
	while ((name = g_dir_read_name(d))) {
		g_autofree char *path = g_build_filename(dir, name, NULL);

		if (g_file_test(path, G_FILE_TEST_IS_DIR))
			remove_tree(path);
		else
			g_remove(path);
	}
	g_dir_close(d);
	g_rmdir(dir);
}

/* The text of file `name` in `dir` (g_free it); a file that cannot be read fails. */
static inline char *read_text(const char *dir, const char *name)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autoptr(GError) err = NULL;
	char *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, &err))
		fail_msg("%s: %s", path, err->message);
	return text;
}

#endif
