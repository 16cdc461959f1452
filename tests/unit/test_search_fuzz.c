// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzzing campaigns (kp_fuzz): the findings depend on the seed and the runs only (not on
 * the call, nor on the number of worker processes), each finding written is a scenario
 * that replays its signature, a campaign resumed on its directory (also one written when
 * signatures named source lines) neither rewrites nor duplicates what it found, a run
 * that kills its worker is a finding of its own, and an output directory that cannot be
 * made is reported.
 */
#include "tools/search/internal.h"
#include "tools/search/search_test.h"

#include "sim/strategy.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "tools_harness.h"

/* The deadlock of the sysctl write and the optimizer's first run (findings cause 2). */
#define DEADLOCK_KEY                                                                       \
	"violation deadlock (report_no_options) [optimizing_work on kprobe_mutex, sysctl "  \
	"write on optimizer_comp]"

/*
 * Campaigns of 5 random schedules a run, each within one chunk (64 runs).  They were
 * picked for findings that minimize quickly:
 * - seed 1: runs [0, 30) find A5 and a deadlock (both in run 22), [30, 60) add A7;
 * - seed 7: run 4 of [0, 10) finds A7 and a deadlock;
 * - seed 74: run 4 finds A7, run 5 finds it again and run 29 adds a deadlock.
 */
#define SCHEDULES 5

static KpFuzzConfig config(uint64_t seed, uint64_t runs, unsigned jobs, const char *dir)
{
	return (KpFuzzConfig){
		.model = "6274de4", .seed = seed, .runs = runs, .jobs = jobs, .out_dir = dir,
		.schedules = SCHEDULES, .strategy = KP_STRATEGY_RANDOM,
		.command = "fuzz (unit test)",
	};
}

/* A campaign and what it printed. */
static char *fuzz(const KpFuzzConfig *cfg, KpFuzzResult *res)
{
	Stream out;

	open_stream(&out);
	kp_fuzz(cfg, out.f, res);
	return take_stream(&out);
}

/*
 * The same with abort() killing the workers: they inherit the test's handler, and a
 * crashing run must die as it dies under kpsim.
 */
static char *fuzz_crashing(const KpFuzzConfig *cfg, KpFuzzResult *res)
{
	void (*old)(int) = signal(SIGABRT, SIG_DFL);
	char *out = fuzz(cfg, res);

	signal(SIGABRT, old);
	return out;
}

static char *joined(GPtrArray *a)
{
	GString *s = g_string_new(NULL);

	for (unsigned i = 0; i < a->len; i++)
		g_string_append_printf(s, "%s\n", (char *)a->pdata[i]);
	return g_string_free(s, FALSE);
}

static void assert_same_campaign(const KpFuzzResult *a, const KpFuzzResult *b)
{
	g_autofree char *sa = joined(a->signatures), *sb = joined(b->signatures);
	g_autofree char *fa = joined(a->files), *fb = joined(b->files);

	assert_int_equal(a->first_run, b->first_run);
	assert_int_equal(a->next_run, b->next_run);
	assert_int_equal(a->runs, b->runs);
	assert_int_equal(a->executions, b->executions);
	assert_int_equal(a->failures, b->failures);
	assert_int_equal(a->discarded, b->discarded);
	assert_string_equal(sa, sb);
	assert_string_equal(fa, fb);
}

static gint by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .kps files of the directory, sorted, one a line. */
static char *kps_files(const char *dir)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	assert_non_null(d);
	while ((name = g_dir_read_name(d)))
		if (g_str_has_suffix(name, ".kps"))
			g_ptr_array_add(names, g_strdup(name));
	g_dir_close(d);
	g_ptr_array_sort(names, by_name);
	return joined(names);
}

static bool contains(GPtrArray *a, const char *s)
{
	for (unsigned i = 0; i < a->len; i++)
		if (!strcmp(a->pdata[i], s))
			return true;
	return false;
}

/*
 * A finding: a scenario that parses, names its signature on a "# Signature: " line,
 * and whose embedded schedule fails with that signature.
 */
static void assert_finding(const char *dir, const char *name, const char *signature)
{
	g_autofree char *text = read_text(dir, name);
	g_autofree char *line = g_strdup_printf("\n# Signature: %s\n", signature);
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autoptr(GError) err = NULL;
	g_autoptr(KpScenario) sc = kp_scenario_load(path, &err);
	g_autofree char *base = kp_signature_file_name(signature);
	g_autofree char *want_name = g_strdup_printf("%s.kps", base);
	Outcome o;

	if (!sc)
		fail_msg("%s does not parse: %s", name, err->message);
	assert_string_equal(name, want_name);
	assert_non_null(strstr(text, line));
	assert_true(g_str_has_prefix(text, "# Found by kpsim fuzz: seed "));
	assert_non_null(strstr(text, "\n# Command: kpsim fuzz (unit test)\n"));
	assert_non_null(strstr(text, "\n# Minimized from "));
	assert_non_null(sc->schedule);
	run_once(sc, sim_strategy_replay_new(sc->schedule, NULL), &o);
	assert_true(o.end != SIM_END_NONE);
	assert_false(o.pass);
	assert_string_equal(o.key, signature);
	outcome_clear(&o);
}

/*
 * The findings directory of runs [0, 5) of seed 74 (A7-checker-sysctl-write.kps and the state file),
 * made once: minimizing is the costly part of a campaign, and three tests start from it.
 */
static char *seed74_dir;

static const char *seed74_findings(void)
{
	if (!seed74_dir) {
		g_autofree char *dir = make_tmp_dir();
		KpFuzzConfig cfg = config(74, 5, 1, dir);
		KpFuzzResult res;

		g_free(fuzz(&cfg, &res));
		assert_null(res.error);
		assert_int_equal(res.failures, 1);
		assert_int_equal(res.new_files->len, 1);
		assert_string_equal(res.new_files->pdata[0], "A7-checker-sysctl-write.kps");
		kp_fuzz_result_clear(&res);
		seed74_dir = g_steal_pointer(&dir);
	}
	return seed74_dir;
}

/* A new directory holding a copy of the files of `from`. */
static char *copy_of(const char *from)
{
	char *to = make_tmp_dir();
	GDir *d = g_dir_open(from, 0, NULL);
	const char *name;

	assert_non_null(d);
	while ((name = g_dir_read_name(d))) {
		g_autofree char *text = read_text(from, name);
		g_autofree char *path = g_build_filename(to, name, NULL);
		g_autoptr(GError) err = NULL;

		assert_true(g_file_set_contents(path, text, -1, &err));
	}
	g_dir_close(d);
	return to;
}

static int remove_seed74(void **state)
{
	(void)state;
	if (seed74_dir)
		remove_tree(seed74_dir);
	g_clear_pointer(&seed74_dir, g_free);
	return 0;
}

/* ---- without an output directory ---- */

static void test_campaign_is_deterministic(void **state)
{
	KpFuzzConfig cfg = config(1, 30, 1, NULL);
	KpFuzzResult a, b;
	g_autofree char *out_a = NULL, *out_b = NULL, *sigs = NULL;

	(void)state;
	out_a = fuzz(&cfg, &a);
	out_b = fuzz(&cfg, &b);
	assert_null(a.error);
	assert_false(a.bad_dir);
	assert_int_equal(a.first_run, 0);
	assert_int_equal(a.next_run, 30);
	assert_int_equal(a.runs, 30);
	assert_int_equal(a.executions, 30 * SCHEDULES);
	assert_int_equal(a.failures, 1);
	assert_int_equal(a.discarded, 0);
	sigs = joined(a.signatures);
	assert_string_equal(sigs, "violation A5 (checker) [debugfs write: the address holds a jump]\n"
				  "violation T2 (checker) [optimizing_work]\n"
				  "violation T4 (checker) [optimizing_work]\n"
				  DEADLOCK_KEY "\n");
	/* Nothing written: no file names, nothing new on disk. */
	for (unsigned i = 0; i < a.files->len; i++)
		assert_string_equal(a.files->pdata[i], "-");
	assert_int_equal(a.new_files->len, 0);
	assert_same_campaign(&a, &b);
	assert_string_equal(out_a, out_b);
	assert_true(g_str_has_prefix(out_a, "failing run: seed 1 run 22: cpus=3 probes=1 "));
	assert_non_null(strstr(out_a, "\n  new signature violation A5 (checker) [debugfs write: the address holds a jump]\n"));
	kp_fuzz_result_clear(&a);
	kp_fuzz_result_clear(&b);
}

/* Run i is done by worker i mod N, and a chunk's failures are merged in run order. */
static void test_two_jobs_find_what_one_finds(void **state)
{
	KpFuzzConfig one = config(1, 60, 1, NULL), two = config(1, 60, 2, NULL);
	KpFuzzResult a, b;
	g_autofree char *out_a = NULL, *out_b = NULL;

	(void)state;
	out_a = fuzz(&one, &a);
	out_b = fuzz(&two, &b);
	assert_null(b.error);
	assert_int_equal(a.signatures->len, 7);
	assert_same_campaign(&a, &b);
	assert_string_equal(out_a, out_b);
	kp_fuzz_result_clear(&a);
	kp_fuzz_result_clear(&b);
}

static void test_pct_campaign_is_deterministic_across_jobs(void **state)
{
	KpFuzzConfig one = config(1, 30, 1, NULL), two = config(1, 30, 2, NULL);
	KpFuzzResult a, b;
	g_autofree char *out_a = NULL, *out_b = NULL;

	(void)state;
	one.strategy = two.strategy = KP_STRATEGY_PCT;
	out_a = fuzz(&one, &a);
	out_b = fuzz(&two, &b);
	assert_null(a.error);
	assert_int_equal(a.executions, 30 * SCHEDULES);
	assert_true(a.signatures->len >= 1);
	assert_same_campaign(&a, &b);
	assert_string_equal(out_a, out_b);
	kp_fuzz_result_clear(&a);
	kp_fuzz_result_clear(&b);
}

/* ---- with an output directory ---- */

static void test_findings_written_replay_their_signature(void **state)
{
	g_autofree char *dir = make_tmp_dir();
	KpFuzzConfig cfg = config(7, 10, 1, dir);
	g_autofree char *out = NULL, *files = NULL, *fuzz_state = NULL;
	KpFuzzResult res;

	(void)state;
	out = fuzz(&cfg, &res);
	assert_null(res.error);
	assert_int_equal(res.signatures->len, 2);
	assert_int_equal(res.files->len, 2);
	assert_int_equal(res.new_files->len, 2);
	for (unsigned i = 0; i < res.signatures->len; i++) {
		assert_finding(dir, res.files->pdata[i], res.signatures->pdata[i]);
		assert_true(contains(res.new_files, res.files->pdata[i]));
	}
	files = kps_files(dir);
	assert_string_equal(files, "A7-checker-sysctl-write.kps\ndeadlock-report_no_options-optimizing_work-on-kprobe_mutex-sysctl-write-on-optimizer_comp.kps\n");
	assert_non_null(strstr(out, "\n  new signature violation A7 (checker) [sysctl write]: "
				   "A7-checker-sysctl-write.kps\n"));
	fuzz_state = read_text(dir, KP_FUZZ_STATE_FILE);
	assert_string_equal(fuzz_state, "# kpsim fuzz: the next run index of each campaign\n"
					"model 6274de4 strategy random schedules 5 seed 7 next 10\n");
	kp_fuzz_result_clear(&res);
	remove_tree(dir);
}

/*
 * Writing the findings changes nothing of what is found, with any number of jobs: runs
 * 4 and 5 both find A7, in different workers, and the file is run 4's either way (the
 * same file as one job writes for runs [0, 5)).
 */
static void test_findings_do_not_depend_on_jobs(void **state)
{
	g_autofree char *dir = make_tmp_dir();
	KpFuzzConfig one = config(74, 10, 1, NULL), two = config(74, 10, 2, dir);
	g_autofree char *files = NULL, *mine = NULL, *ref = NULL;
	g_autofree char *sigs1 = NULL, *sigs2 = NULL;
	KpFuzzResult a, b;

	(void)state;
	g_free(fuzz(&one, &a));
	g_free(fuzz(&two, &b));
	assert_null(b.error);
	assert_int_equal(b.runs, a.runs);
	assert_int_equal(b.executions, a.executions);
	assert_int_equal(b.failures, 2);
	assert_int_equal(a.failures, 2);
	sigs1 = joined(a.signatures);
	sigs2 = joined(b.signatures);
	assert_string_equal(sigs1, sigs2);
	files = kps_files(dir);
	assert_string_equal(files, "A7-checker-sysctl-write.kps\n");
	mine = read_text(dir, "A7-checker-sysctl-write.kps");
	ref = read_text(seed74_findings(), "A7-checker-sysctl-write.kps");
	/* The same run, minimized the same way: the same file. */
	assert_string_equal(mine, ref);
	assert_true(g_str_has_prefix(mine, "# Found by kpsim fuzz: seed 74, run 4, "));
	kp_fuzz_result_clear(&a);
	kp_fuzz_result_clear(&b);
	remove_tree(dir);
}

/*
 * Resumed: the runs already done are not done again, and a signature found again in
 * later runs is neither written again nor under a second name.
 */
static void test_resume_neither_rewrites_nor_duplicates(void **state)
{
	g_autofree char *dir = copy_of(seed74_findings());
	KpFuzzConfig cfg = config(74, 5, 1, dir), more = config(74, 10, 2, dir);
	g_autofree char *out = NULL, *text = NULL, *files = NULL, *fuzz_state = NULL;
	g_autofree char *path = g_build_filename(dir, "A7-checker-sysctl-write.kps", NULL);
	KpFuzzResult again, rest;
	GStatBuf st;
	ino_t ino;

	(void)state;
	text = read_text(dir, "A7-checker-sysctl-write.kps");
	assert_true(g_str_has_prefix(text, "# Found by kpsim fuzz: seed 74, run 4, "));
	assert_int_equal(g_stat(path, &st), 0);
	ino = st.st_ino;

	/* The same configuration again: every run is done, nothing is new. */
	out = fuzz(&cfg, &again);
	assert_null(again.error);
	assert_int_equal(again.first_run, 5);
	assert_int_equal(again.next_run, 5);
	assert_int_equal(again.runs, 0);
	assert_int_equal(again.new_files->len, 0);
	assert_string_equal(out, "");
	/* What the directory holds is still known, under its file name. */
	assert_int_equal(again.signatures->len, 1);
	assert_string_equal(again.signatures->pdata[0], "violation A7 (checker) [sysctl write]");
	assert_string_equal(again.files->pdata[0], "A7-checker-sysctl-write.kps");

	/* Run 5 fails with A7 again, here in the second of two workers. */
	g_free(out);
	out = fuzz(&more, &rest);
	assert_null(rest.error);
	assert_int_equal(rest.first_run, 5);
	assert_int_equal(rest.next_run, 10);
	assert_int_equal(rest.runs, 5);
	assert_int_equal(rest.failures, 1);
	assert_int_equal(rest.new_files->len, 0);
	assert_true(g_str_has_prefix(out, "failing run: seed 74 run 5: "));
	assert_null(strstr(out, "new signature"));
	files = kps_files(dir);
	assert_string_equal(files, "A7-checker-sysctl-write.kps\n");
	{
		g_autofree char *now = read_text(dir, "A7-checker-sysctl-write.kps");

		/* Files are renamed into place: a rewrite would change the inode. */
		assert_int_equal(g_stat(path, &st), 0);
		assert_true(st.st_ino == ino);
		assert_string_equal(now, text);
	}
	fuzz_state = read_text(dir, KP_FUZZ_STATE_FILE);
	assert_string_equal(fuzz_state, "# kpsim fuzz: the next run index of each campaign\n"
					"model 6274de4 strategy random schedules 5 seed 74 next 10\n");
	kp_fuzz_result_clear(&again);
	kp_fuzz_result_clear(&rest);
	remove_tree(dir);
}

/* A resumed campaign writes its new signatures only; the directory ends as one run. */
static void test_resume_writes_only_new_signatures(void **state)
{
	g_autofree char *dir = copy_of(seed74_findings());
	KpFuzzConfig more = config(74, 30, 1, dir);
	KpFuzzConfig whole = config(74, 30, 1, NULL);
	g_autofree char *files = NULL, *sigs = NULL, *sigs_whole = NULL;
	KpFuzzResult rest, ref;

	(void)state;
	g_free(fuzz(&more, &rest));
	g_free(fuzz(&whole, &ref));
	assert_null(rest.error);
	assert_int_equal(rest.first_run, 5);
	assert_int_equal(rest.failures, 2);
	assert_int_equal(rest.new_files->len, 1);
	assert_string_equal(rest.new_files->pdata[0], "deadlock-report_no_options-optimizing_work-on-kprobe_mutex-sysctl-write-on-optimizer_comp.kps");
	files = kps_files(dir);
	assert_string_equal(files, "A7-checker-sysctl-write.kps\ndeadlock-report_no_options-optimizing_work-on-kprobe_mutex-sysctl-write-on-optimizer_comp.kps\n");
	/* Everything known, old and new: what one campaign of all the runs finds. */
	sigs = joined(rest.signatures);
	sigs_whole = joined(ref.signatures);
	assert_string_equal(sigs, sigs_whole);
	for (unsigned i = 0; i < rest.files->len; i++)
		assert_finding(dir, rest.files->pdata[i], rest.signatures->pdata[i]);
	kp_fuzz_result_clear(&rest);
	kp_fuzz_result_clear(&ref);
	remove_tree(dir);
}

/*
 * Seed 74's A7 finding as an older kpsim wrote it, under `name` in dir: the same file
 * with `signature` on its `# Signature:` line.  Returns the text written.
 */
static char *old_finding(const char *dir, const char *name, const char *signature)
{
	g_autofree char *text = read_text(seed74_findings(), "A7-checker-sysctl-write.kps");
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_auto(GStrv) parts = g_strsplit(text, "# Signature: violation A7 (checker) [sysctl "
					 "write]\n", 2);
	g_autoptr(GError) err = NULL;
	char *old;

	assert_int_equal(g_strv_length(parts), 2);
	old = g_strconcat(parts[0], "# Signature: ", signature, "\n", parts[1], NULL);
	assert_true(g_file_set_contents(path, old, -1, &err));
	return old;
}

/*
 * A directory written when signatures named a source line: each such finding is
 * replayed to learn its signature today, so the same failure is not written again under
 * its new name; one that no longer fails keeps its old signature (docs/fuzzing.md).  A
 * signature without a cause (written before signatures named one) is replayed the same
 * way: see test_resume_on_findings_without_causes.
 */
static void test_resume_on_findings_with_line_signatures(void **state)
{
	g_autofree char *dir = make_tmp_dir();
	KpFuzzConfig cfg = config(74, 5, 1, dir);
	g_autofree char *old = NULL, *files = NULL, *sigs = NULL;
	g_autofree char *gone_path = g_build_filename(dir, "K9-gone.c-1.kps", NULL);
	g_autoptr(GError) err = NULL;
	KpFuzzResult res;

	(void)state;
	old = old_finding(dir, "A7-check.c-64.kps", "violation A7 (check.c:64)");
	/* An old finding that passes today. */
	assert_true(g_file_set_contents(gone_path,
					"# Signature: violation K9 (gone.c:1)\n"
					"cpus 1\n"
					"task t0 on cpu0:\n"
					"    sleep 1\n"
					"schedule S1:a\n", -1, &err));

	g_free(fuzz(&cfg, &res));
	assert_null(res.error);
	assert_int_equal(res.failures, 1);	/* run 4 fails as before */
	assert_int_equal(res.new_files->len, 0);
	files = kps_files(dir);
	assert_string_equal(files, "A7-check.c-64.kps\nK9-gone.c-1.kps\n");
	sigs = joined(res.signatures);
	assert_string_equal(sigs, "violation A7 (checker) [sysctl write]\nviolation K9 (gone.c:1)\n");
	assert_string_equal(res.files->pdata[0], "A7-check.c-64.kps");
	assert_string_equal(res.files->pdata[1], "K9-gone.c-1.kps");
	{
		/* Neither renamed nor rewritten. */
		g_autofree char *now = read_text(dir, "A7-check.c-64.kps");

		assert_string_equal(now, old);
	}
	kp_fuzz_result_clear(&res);
	remove_tree(dir);
}

/* Another configuration in the same directory keeps its own line of the state file. */
static void test_state_file_keeps_other_campaigns(void **state)
{
	g_autofree char *dir = make_tmp_dir();
	/* Neither finds anything in these runs. */
	KpFuzzConfig a = config(1, 20, 1, dir), b = config(3, 10, 1, dir);
	KpFuzzConfig a_more = config(1, 21, 1, dir);
	g_autofree char *fuzz_state = NULL;
	KpFuzzResult ra, rb, rc;

	(void)state;
	g_free(fuzz(&a, &ra));
	g_free(fuzz(&b, &rb));
	assert_null(rb.error);
	assert_int_equal(rb.first_run, 0);
	g_free(fuzz(&a_more, &rc));
	assert_int_equal(rc.first_run, 20);
	assert_int_equal(rc.runs, 1);
	fuzz_state = read_text(dir, KP_FUZZ_STATE_FILE);
	assert_string_equal(fuzz_state, "# kpsim fuzz: the next run index of each campaign\n"
					"model 6274de4 strategy random schedules 5 seed 3 next 10\n"
					"model 6274de4 strategy random schedules 5 seed 1 next 21\n");
	kp_fuzz_result_clear(&ra);
	kp_fuzz_result_clear(&rb);
	kp_fuzz_result_clear(&rc);
	remove_tree(dir);
}

/*
 * A run whose worker dies is recorded as a crash finding (kept as generated, with the
 * explore line that repeats it) and the campaign goes on with the runs after it.
 */
static void test_crashing_run_is_a_finding(void **state)
{
	g_autofree char *dir = make_tmp_dir();
	KpFuzzConfig cfg = config(1, 10, 2, dir);
	KpFuzzTestHooks hooks = { .crash_run = 5 };
	g_autofree char *out = NULL, *text = NULL, *sigs = NULL;
	KpFuzzResult res;

	(void)state;
	cfg.test_hooks = &hooks;
	out = fuzz_crashing(&cfg, &res);
	assert_null(res.error);
	/* Every run is counted, the crashed one as the only failure. */
	assert_int_equal(res.runs, 10);
	assert_int_equal(res.next_run, 10);
	assert_int_equal(res.failures, 1);
	sigs = joined(res.signatures);
	assert_string_equal(sigs, "crash (signal 6)\n");
	assert_string_equal(res.files->pdata[0], "crash-signal-6.kps");
	assert_true(contains(res.new_files, "crash-signal-6.kps"));
	assert_true(g_str_has_prefix(out, "failing run: seed 1 run 5: "));
	assert_non_null(strstr(out, " (the model crashed: signal 6)\n"));
	text = read_text(dir, "crash-signal-6.kps");
	assert_non_null(strstr(text, "\n# Signature: crash (signal 6)\n"));
	assert_true(g_str_has_prefix(text, "# Found by kpsim fuzz: seed 1, run 5, "));
	assert_non_null(strstr(text, "\nexplore random runs 5 seed "));
	{
		g_autoptr(GError) err = NULL;
		g_autoptr(KpScenario) sc = kp_scenario_parse("crash.kps", text, strlen(text),
								&err);
		KpFuzzCase c;

		/* The run as generated, with the schedules' explore line. */
		assert_non_null(sc);
		assert_int_equal(sc->explore.kind, KP_EXPLORE_RANDOM);
		assert_int_equal(sc->explore.runs, SCHEDULES);
		kp_fuzz_generate(1, 5, "6274de4", &c);
		assert_non_null(strstr(text, c.text));
		kp_fuzz_case_clear(&c);
	}
	kp_fuzz_result_clear(&res);
	remove_tree(dir);

	/* The runs after the crash, in a new worker, still find what they find. */
	for (unsigned jobs = 1; jobs <= 2; jobs++) {
		KpFuzzConfig on = config(1, 30, jobs, NULL);

		on.test_hooks = &hooks;
		g_free(fuzz_crashing(&on, &res));
		assert_null(res.error);
		assert_int_equal(res.runs, 30);
		assert_int_equal(res.failures, 2);	/* run 5 and run 22 */
		g_free(sigs);
		sigs = joined(res.signatures);
		assert_string_equal(sigs, "crash (signal 6)\n"
					  "violation A5 (checker) [debugfs write: the address holds a jump]\n"
					  "violation T2 (checker) [optimizing_work]\n"
					  "violation T4 (checker) [optimizing_work]\n"
					  DEADLOCK_KEY "\n");
		kp_fuzz_result_clear(&res);
	}
}

static void test_output_directory_under_a_file_is_bad_dir(void **state)
{
	g_autofree char *dir = make_tmp_dir();
	g_autofree char *file = g_build_filename(dir, "plain", NULL);
	g_autofree char *under = g_build_filename(file, "findings", NULL);
	g_autoptr(GError) err = NULL;
	KpFuzzConfig cfg = config(1, 30, 1, under);
	g_autofree char *out = NULL, *want = NULL;
	KpFuzzResult res;

	(void)state;
	assert_true(g_file_set_contents(file, "not a directory\n", -1, &err));
	out = fuzz(&cfg, &res);
	assert_true(res.bad_dir);
	want = g_strdup_printf("cannot create the directory %s: %s", under, g_strerror(ENOTDIR));
	assert_string_equal(res.error, want);
	assert_int_equal(res.runs, 0);
	assert_int_equal(res.signatures->len, 0);
	assert_string_equal(out, "");
	kp_fuzz_result_clear(&res);
	remove_tree(dir);
}

/* ---- the findings directory's files ---- */

/* "seed 1" must not read the line of "seed 10"; other lines are kept, comments not. */
static void test_state_file_lines_by_configuration(void **state)
{
	g_autofree char *dir = make_tmp_dir();
	g_autofree char *path = g_build_filename(dir, KP_FUZZ_STATE_FILE, NULL);
	g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) none = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) err = NULL;
	g_autofree char *text = NULL;
	const char *key = "model 6274de4 strategy random schedules 5 seed 1";
	uint64_t next = 1;

	(void)state;
	assert_true(kp_fuzz_state_read(dir, key, none, &next, &err));
	assert_int_equal(next, 0);	/* no file yet */
	assert_int_equal(none->len, 0);
	assert_true(g_file_set_contents(path,
		"# a comment\n"
		"model 6274de4 strategy random schedules 5 seed 10 next 7\n"
		"\n"
		"model 6274de4 strategy random schedules 5 seed 1 next 3\n"
		"model 6274de4^ strategy pct schedules 5 seed 1 next 9\n", -1, &err));
	assert_true(kp_fuzz_state_read(dir, key, others, &next, &err));
	assert_int_equal(next, 3);
	assert_int_equal(others->len, 2);
	assert_string_equal(others->pdata[0],
			    "model 6274de4 strategy random schedules 5 seed 10 next 7");
	assert_string_equal(others->pdata[1],
			    "model 6274de4^ strategy pct schedules 5 seed 1 next 9");
	assert_true(kp_fuzz_state_write(dir, key, others, 12, &err));
	text = read_text(dir, KP_FUZZ_STATE_FILE);
	assert_string_equal(text, "# kpsim fuzz: the next run index of each campaign\n"
				  "model 6274de4 strategy random schedules 5 seed 10 next 7\n"
				  "model 6274de4^ strategy pct schedules 5 seed 1 next 9\n"
				  "model 6274de4 strategy random schedules 5 seed 1 next 12\n");
	remove_tree(dir);
}

/*
 * A finding whose signature names no cause ("violation A7 (checker)") is replayed: it is
 * the same failure as the A7 a campaign finds today, so nothing new is written for it.
 */
static void test_resume_on_findings_without_causes(void **state)
{
	g_autofree char *dir = make_tmp_dir();
	KpFuzzConfig cfg = config(74, 5, 1, dir);
	g_autofree char *old = NULL, *files = NULL, *sigs = NULL;
	KpFuzzResult res;

	(void)state;
	old = old_finding(dir, "A7-checker.kps", "violation A7 (checker)");
	g_free(fuzz(&cfg, &res));
	assert_null(res.error);
	assert_int_equal(res.new_files->len, 0);
	files = kps_files(dir);
	assert_string_equal(files, "A7-checker.kps\n");
	sigs = joined(res.signatures);
	assert_string_equal(sigs, "violation A7 (checker) [sysctl write]\n");
	kp_fuzz_result_clear(&res);
	remove_tree(dir);
}

/* Only .kps files count, not the dot files of unfinished writes; one file a signature. */
static void test_findings_of_a_directory(void **state)
{
	g_autofree char *dir = make_tmp_dir();
	g_autoptr(GHashTable) sigs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
							   g_free);
	g_autoptr(GHashTable) files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
							    NULL);
	static const char *const entries[][2] = {
		{ "A5-checker.kps", "# Found\n# Signature: violation A5 (checker)\ncpus 1\n" },
		{ ".A7-checker.kps", "# Signature: violation A7 (checker)\n" },
		{ "notes.txt", "# Signature: violation T2 (checker)\n" },
		{ "mine.kps", "cpus 1\n" },
		{ "last.kps", "# Signature: expectation t.kps:7" },	/* no newline */
	};

	(void)state;
	for (unsigned i = 0; i < G_N_ELEMENTS(entries); i++) {
		g_autofree char *path = g_build_filename(dir, entries[i][0], NULL);
		g_autoptr(GError) err = NULL;

		assert_true(g_file_set_contents(path, entries[i][1], -1, &err));
	}
	kp_fuzz_dir_findings(dir, sigs, files);
	assert_int_equal(g_hash_table_size(files), 3);
	assert_true(g_hash_table_contains(files, "A5-checker.kps"));
	assert_true(g_hash_table_contains(files, "mine.kps"));
	assert_true(g_hash_table_contains(files, "last.kps"));
	assert_int_equal(g_hash_table_size(sigs), 2);
	assert_string_equal(g_hash_table_lookup(sigs, "violation A5 (checker)"),
			    "A5-checker.kps");
	assert_string_equal(g_hash_table_lookup(sigs, "expectation t.kps:7"), "last.kps");
	remove_tree(dir);
}

static void test_write_file_replaces_regular_files_whole(void **state)
{
	g_autofree char *dir = make_tmp_dir();
	g_autofree char *path = g_build_filename(dir, "f.kps", NULL);
	g_autofree char *first = NULL, *second = NULL, *files = NULL;
	g_autoptr(GError) err = NULL;
	GStatBuf st;
	ino_t ino;

	(void)state;
	assert_true(kp_write_file(path, "one\n", &err));
	first = read_text(dir, "f.kps");
	assert_string_equal(first, "one\n");
	assert_int_equal(g_stat(path, &st), 0);
	ino = st.st_ino;
	assert_true(kp_write_file(path, "two\n", &err));
	second = read_text(dir, "f.kps");
	assert_string_equal(second, "two\n");
	/* A new file renamed over the old one; no temporary file is left behind. */
	assert_int_equal(g_stat(path, &st), 0);
	assert_true(st.st_ino != ino);
	files = kps_files(dir);
	assert_string_equal(files, "f.kps\n");
	{
		GDir *d = g_dir_open(dir, 0, NULL);
		unsigned n = 0;

		while (g_dir_read_name(d))
			n++;
		g_dir_close(d);
		assert_int_equal(n, 1);
	}
	remove_tree(dir);
}

static void test_write_file_writes_devices_in_place_and_reports_errors(void **state)
{
	g_autofree char *dir = make_tmp_dir();
	g_autofree char *missing = g_build_filename(dir, "no", "f.kps", NULL);
	g_autofree char *parent = g_build_filename(dir, "no", NULL);
	g_autofree char *want = NULL;
	GStatBuf st;

	(void)state;
	{
		g_autoptr(GError) err = NULL;

		/* Renaming over /dev/null would replace it: it is written as it is. */
		assert_true(kp_write_file("/dev/null", "x\n", &err));
		assert_int_equal(g_stat("/dev/null", &st), 0);
		assert_true(S_ISCHR(st.st_mode));
	}
	{
		g_autoptr(GError) err = NULL;

		assert_false(kp_write_file(missing, "x\n", &err));
		assert_true(g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT));
		want = g_strdup_printf("cannot create a file in %s: %s", parent,
				       g_strerror(ENOENT));
		assert_string_equal(err->message, want);
	}
	{
		g_autoptr(GError) err = NULL;

		/* A directory is not a regular file: opened as it is, which fails. */
		assert_false(kp_write_file(dir, "x\n", &err));
		assert_true(g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_ISDIR));
	}
	remove_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_campaign_is_deterministic),
		cmocka_unit_test(test_two_jobs_find_what_one_finds),
		cmocka_unit_test(test_pct_campaign_is_deterministic_across_jobs),
		cmocka_unit_test(test_findings_written_replay_their_signature),
		cmocka_unit_test(test_findings_do_not_depend_on_jobs),
		cmocka_unit_test(test_resume_neither_rewrites_nor_duplicates),
		cmocka_unit_test(test_resume_writes_only_new_signatures),
		cmocka_unit_test(test_resume_on_findings_with_line_signatures),
		cmocka_unit_test(test_resume_on_findings_without_causes),
		cmocka_unit_test(test_state_file_keeps_other_campaigns),
		cmocka_unit_test(test_crashing_run_is_a_finding),
		cmocka_unit_test(test_output_directory_under_a_file_is_bad_dir),
		cmocka_unit_test(test_state_file_lines_by_configuration),
		cmocka_unit_test(test_findings_of_a_directory),
		cmocka_unit_test(test_write_file_replaces_regular_files_whole),
		cmocka_unit_test(test_write_file_writes_devices_in_place_and_reports_errors),
	};

	return cmocka_run_group_tests(tests, NULL, remove_seed74);
}
