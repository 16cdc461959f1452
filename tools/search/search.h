/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Searching a scenario's executions, on top of tools/run/run.h:
 * - exploring: many executions under one of the exploring strategies (dfs, random,
 *   pct), possibly split over worker processes, merged into one result: counts,
 *   distinct final states, failures grouped by signature, transitions seen
 *   (docs/explore.md);
 * - the verdict of `kpsim run`: every execution a scenario asks for (its schedule, its
 *   explore directive, or the first execution), judged;
 * - minimizing: a failing scenario made smaller while it fails the same way;
 * - fuzzing: generated scenarios explored with a few schedules each, failures grouped by
 *   signature, the first of each minimized and written to a findings directory that a
 *   later campaign resumes (docs/fuzzing.md);
 * - sharding: a campaign or an exploration split between machines (shard K of N), and
 *   the merge of their findings directories (docs/scaling.md).
 */
#ifndef KPSIM_TOOLS_SEARCH_SEARCH_H
#define KPSIM_TOOLS_SEARCH_SEARCH_H

#include "tools/run/run.h"

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- exploring ---- */

typedef enum {
	KP_STRATEGY_DFS,
	KP_STRATEGY_RANDOM,
	KP_STRATEGY_PCT,
} KpStrategyKind;

typedef struct {
	uint64_t executions;	/* whole executions judged */
	uint64_t pruned;	/* dfs: executions stopped with every option asleep */
	uint64_t states;	/* distinct final states */
	uint64_t failures;	/* failing executions */
	double elapsed;		/* seconds */
} KpExploreProgress;

/* Iterating dfs: one bound whose search was complete. */
typedef struct {
	int bound;
	uint64_t executions;	/* this bound's */
	uint64_t failing;	/* this bound's failing executions */
	bool exhausted;		/* nothing was beyond the bound: the unbounded tree is covered */
} KpExploreBound;

typedef struct {
	KpStrategyKind strategy;
	int preemptions;	/* dfs: the bound, -1 unbounded */
	/*
	 * dfs with preemptions -1: search bound 0, then 1, 2, ... until a bound finds a
	 * failure (that bound is finished), the budget ends, or a bound left nothing out
	 * (docs/explore.md, Iterative bounding).  Each bound runs again the executions of
	 * the bounds below; the result merges every bound's executions.
	 */
	bool iterate;
	bool reduce;		/* dfs: sleep sets */
	/*
	 * dfs without reduction: count the distinct traces too.  With the reduction they
	 * always are (its vector clocks give them almost for free); without, the clocks are
	 * kept for them alone, 10 to 15% more CPU time (docs/explore.md, Limits).
	 */
	bool count_traces;
	uint64_t runs;		/* random, pct: executions; dfs: a budget, 0 none */
	uint64_t seed;		/* random, pct: run i uses seed + i */
	double time;		/* seconds of budget, 0: none */
	unsigned depth;		/* pct */
	uint64_t pct_steps;	/* pct: k, the run length change points fall in */
	unsigned jobs;		/* worker processes; 1: this process */
	/*
	 * Shard `shard` of `n_shards` (0 or 1: not sharded).  random and pct: the runs i with
	 * i mod n_shards == shard, and `runs` counts the runs of all shards.  dfs: the
	 * subtrees k of the split tree with k mod n_shards == shard (SimDfsConfig's static
	 * split; the shard's jobs share them out), and a `runs` budget is shared out between
	 * the shards.  One bounded search only: iterating is refused by the command, since
	 * each shard would stop at a bound of its own.
	 */
	unsigned shard, n_shards;
	/* Called about once a second while exploring (never inside a run). */
	void (*progress)(const KpExploreProgress *p, void *user);
	void *progress_user;
	/* Iterating: called after each bound whose search was complete. */
	void (*bound_done)(const KpExploreBound *b, void *user);
	void *bound_user;
} KpExploreConfig;

typedef struct {
	char *key;		/* the signature: violation id, site and cause, or the
				 * expectation's line */
	bool allowed;		/* a group of allowed violations: reported, not failing */
	char *message;		/* of the representative execution */
	char *schedule;		/* its schedule, NULL for a `sometimes` never seen */
	uint64_t count;		/* failing executions in the group */
	uint64_t order;		/* the representative's place in the search */
} KpExploreFailure;

typedef struct {
	uint64_t executions;
	uint64_t failing;	/* executions with a failure that is not allowed */
	uint64_t pruned;
	uint64_t states;
	GArray *final_states;	/* uint64_t: the distinct final states' hashes, ascending */
	/*
	 * dfs: distinct traces (happens-before classes of the engine's dependence) among
	 * the executions; a reduction runs at least one execution of each.
	 */
	uint64_t traces;
	bool traces_counted;	/* dfs with the reduction or count_traces */
	GPtrArray *failures;	/* KpExploreFailure *, by key, allowed groups too */
	KpTransitions transitions;
	/*
	 * dfs: every execution of the bounded tree was covered; iterating, of the unbounded
	 * tree (a bound left nothing out).
	 */
	bool complete;
	/* dfs: complete, and no option was beyond the bound: the unbounded tree is covered. */
	bool exhausted;
	int bound;		/* dfs: the bound of the (last) search, -1 unbounded */
	int bound_complete;	/* dfs: the highest bound searched completely, -1 none */
	bool budget_ended;	/* --runs or --time ended it first */
	char *input_error;	/* the scenario does not fit the image */
	char *internal_error;	/* a worker died, a replay diverged */
	double elapsed;
} KpExploreResult;

/* The length of the `first` execution: PCT's k.  0 when the scenario cannot run. */
uint64_t kp_explore_first_steps(const KpScenario *sc);

/*
 * Knuth's estimate of the unreduced dfs tree: the mean, over `probes` random paths, of
 * the product of the branching factors; *seconds_per_exec is their mean duration.  A
 * lopsided tree makes the estimate hang on the few paths that draw its heavy branches,
 * so the paths are also taken in batches of KP_ESTIMATE_BATCH and the smallest and
 * largest batch means returned (*lo, *hi; both the estimate when there is one batch):
 * a wide range says the mean is not to be trusted far.
 */
#define KP_ESTIMATE_BATCH 64
double kp_explore_estimate(const KpScenario *sc, int preemptions, uint64_t seed,
			   unsigned probes, double *seconds_per_exec, double *lo, double *hi);

void kp_explore(const KpScenario *sc, const KpExploreConfig *cfg, KpExploreResult *res);
void kp_explore_failure_free(gpointer f);
/* Did anything fail that is not allowed (a group without `allowed`)? */
bool kp_explore_failed(const KpExploreResult *res);
void kp_explore_result_clear(KpExploreResult *res);

/* ---- the verdict of a scenario (`kpsim run`) ---- */

typedef enum {
	KP_VERDICT_PASS,
	KP_VERDICT_FAIL,	/* a violation or an expectation failed */
	KP_VERDICT_ERROR,	/* the scenario does not fit the image (input error) */
	KP_VERDICT_INCOMPLETE,	/* passed so far, but an `explore dfs ... runs N` budget ended */
	KP_VERDICT_INTERNAL,	/* the engine failed (an execution did not repeat) */
} KpVerdict;

typedef struct {
	KpVerdict verdict;
	uint64_t executions;
	char *message;		/* why it failed, or the input error */
	char *schedule;		/* the failing execution's schedule (S1:...) */
	/*
	 * Every failure group the executions showed (KpExploreFailure *, allowed groups
	 * too), as `kpsim explore` reports them; the first failing one is message/schedule.
	 */
	GPtrArray *groups;
	KpTransitions transitions;	/* probe state changes over all executions */
} KpRunResult;

/* Run every execution the scenario asks for. */
void kp_run_scenario(const KpScenario *sc, KpRunResult *res);
/*
 * The same, with a dfs search stopped after max_executions (0: no cap), its verdict then
 * INCOMPLETE unless it failed first.
 */
void kp_run_scenario_capped(const KpScenario *sc, uint64_t max_executions, KpRunResult *res);
void kp_run_result_clear(KpRunResult *res);

/* ---- saved verdicts (kpsim verdicts --save-results, --reuse-results) ---- */

/* One scenario on one port, as `kpsim verdicts` judges it. */
typedef struct {
	char *load_error;	/* the file did not load (on any port): why; NULL: it did */
	bool not_applicable;	/* it loaded, but `model X only` leaves this port out */
	KpRunResult res;	/* otherwise: its verdict and groups (files keep no transitions) */
} KpPortVerdict;

/* A deep copy: dst's own strings and groups.  Clear dst with kp_port_verdict_clear. */
void kp_port_verdict_copy(KpPortVerdict *dst, const KpPortVerdict *src);
void kp_port_verdict_clear(KpPortVerdict *v);

/*
 * A results file: a corpus judged on one or more ports, with everything else a verdict
 * depends on (the dfs cap, the allowed ids, each scenario's bytes), so that a run that
 * reads it instead of judging those ports again can refuse a file it would not have
 * written itself.  Each array owns its elements when the file was loaded; a file put
 * together for kp_verdict_file_save may borrow them (arrays without a free function).
 */
typedef struct {
	uint64_t max_executions;	/* 0: no cap */
	GPtrArray *allow;	/* char *: the ids --allow and --allow-file add, sorted */
	GPtrArray *paths;	/* char *: the scenario files, in the run's order */
	GPtrArray *digests;	/* char *: kp_verdict_file_digest() of each */
	GPtrArray *models;	/* char *: the ports' names */
	GPtrArray *verdicts;	/* KpPortVerdict *: scenario i, port m at i * models->len + m */
} KpVerdictFile;

/* The SHA-256 of a scenario file's bytes, in hex; "" when it cannot be read. */
char *kp_verdict_file_digest(const char *path);
bool kp_verdict_file_save(const char *path, const KpVerdictFile *f, GError **error);
/* False, with why (the path first), for a file that is unreadable or not whole. */
bool kp_verdict_file_load(const char *path, KpVerdictFile *f, GError **error);
/*
 * Was `saved` judged the way `run` would judge (run's cap, allowed ids and scenarios,
 * their bytes unchanged)?  False with why otherwise.  run's models and verdicts are not
 * looked at.
 */
bool kp_verdict_file_fits(const KpVerdictFile *saved, const KpVerdictFile *run,
			  GError **error);
/* The index of `model` in f->models, or -1. */
int kp_verdict_file_model(const KpVerdictFile *f, const char *model);
void kp_verdict_file_clear(KpVerdictFile *f);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(KpVerdictFile, kp_verdict_file_clear)

/* ---- minimizing ---- */

typedef enum {
	KP_MINIMIZE_OK,		/* minimized (possibly nothing could be removed) */
	KP_MINIMIZE_NO_FAILURE,	/* the scenario does not fail in any one execution */
	KP_MINIMIZE_BAD_INPUT,	/* the scenario does not fit the image */
	KP_MINIMIZE_INTERNAL,	/* the result did not replay the same way */
} KpMinimizeStatus;

/* The size of a scenario, as the minimizer counts it. */
typedef struct {
	unsigned ops, tasks, probes, cpus, expects;
} KpScenarioSize;

typedef struct {
	KpMinimizeStatus status;
	char *key;		/* the failure's signature: "violation ID (SITE)", ... */
	char *schedule;		/* the minimized scenario's failing schedule */
	char *text;		/* the minimized scenario, schedule embedded */
	char *error;		/* why, for BAD_INPUT and INTERNAL */
	KpScenarioSize before, after;
	unsigned candidates;	/* candidate scenarios tried */
	unsigned accepted;	/* of which failed the same way */
} KpMinimizeResult;

KpScenarioSize kp_scenario_size(const KpScenario *sc);

/*
 * Find a failing execution of `sc` the way `kpsim run` does (its schedule, else its
 * explore directive, else the first execution).  Returns false when none fails; *key and
 * *schedule are newly allocated.  *error is set (and false returned) for an input error.
 */
bool kp_minimize_find_failure(const KpScenario *sc, char **key, char **schedule,
			      char **error);

/*
 * Minimize `sc`, which fails with signature `key` under `schedule` (both NULL: find them
 * with kp_minimize_find_failure).
 */
void kp_minimize(const KpScenario *sc, const char *key, const char *schedule,
		 KpMinimizeResult *res);
void kp_minimize_result_clear(KpMinimizeResult *res);

/* A signature as a file name: "violation A5 (checker)" -> "A5-checker". */
char *kp_signature_file_name(const char *key);

/* ---- the fuzzer's scenario generator ---- */

typedef enum {
	KP_FUZZ_REGISTER,
	KP_FUZZ_REGISTER_BATCH,
	KP_FUZZ_UNREGISTER,
	KP_FUZZ_UNREGISTER_BATCH,
	KP_FUZZ_ENABLE,
	KP_FUZZ_DISABLE,
	KP_FUZZ_SYSCTL,
	KP_FUZZ_DEBUGFS,
	KP_FUZZ_MODULE,
	KP_FUZZ_CPU,
	KP_FUZZ_CALL,
	KP_FUZZ_IRQ,
	KP_FUZZ_SLEEP,
	KP_FUZZ_OP_COUNT,
} KpFuzzOp;

typedef struct {
	unsigned cpus;		/* 1..4 */
	unsigned probes;	/* 1..6 */
	unsigned tasks;
	unsigned optimize_delay;
	unsigned weight[KP_FUZZ_OP_COUNT];	/* 0: the operation is not generated */
	char *params;		/* the drawn parameters, one line */
	char *text;		/* the scenario */
} KpFuzzCase;

/*
 * Draw run `index` of campaign `seed`.  The text always parses (the generator checks it
 * and aborts the process when it does not: that is a bug in the generator).
 */
void kp_fuzz_generate(uint64_t seed, uint64_t index, const char *model, KpFuzzCase *out);
/*
 * The same with the generator of a version: 1 (what kp_fuzz_generate draws) keeps CPU
 * hotplug in one task and module loading in one task; 2 lets every task do both.
 */
#define KP_FUZZ_GENERATORS 2
void kp_fuzz_generate_version(uint64_t seed, uint64_t index, unsigned version,
			      const char *model, KpFuzzCase *out);
/*
 * The same generator drawing from `bytes` instead (a coverage-guided fuzzer's input): a
 * draw below(n) takes one byte (two for n > 256), modulo n, and 0 past the end.  Returns
 * the bytes used.
 */
size_t kp_fuzz_generate_bytes(const uint8_t *bytes, size_t n, const char *model,
			      KpFuzzCase *out);
void kp_fuzz_case_clear(KpFuzzCase *c);

/* ---- the coverage-guided engines' inputs (docs/fuzzing.md) ---- */

/*
 * An input of libFuzzer or AFL++ (tools/fuzzing/kpsim-fuzz) is one of two forms:
 *  - text: scenario text (its first byte printable ASCII or white space), then
 *    optionally a NUL byte and schedule bytes.  The scenario's own `schedule` line, if
 *    any, is followed while it fits; the schedule bytes take over after it;
 *  - binary (any other first byte, 0xb1 by convention): a little-endian u16 L, then L
 *    bytes the scenario generator draws from (kp_fuzz_generate_bytes), then the schedule
 *    bytes.
 * Schedule bytes: at each decision with n > 1 options, the next byte modulo n; past the
 * last byte, the first option.  A decision with one option takes no byte.  An execution
 * stops, unjudged, after KP_FUZZ_INPUT_MAX_STEPS decisions.
 */
#define KP_FUZZ_INPUT_BINARY 0xb1
#define KP_FUZZ_INPUT_MAX_STEPS 200000u

typedef struct {
	const char *model;		/* the binary form's port; NULL: 6274de4 */
	const char *const *allow;	/* ids every input's scenario allows */
	unsigned n_allow;
} KpFuzzInputConfig;

typedef enum {
	KP_FUZZ_INPUT_PASS,	/* the execution ended without a failure that is not allowed */
	KP_FUZZ_INPUT_FAIL,	/* a violation that is not allowed: key, message */
	KP_FUZZ_INPUT_DISCARD,	/* a model limit, an API misuse (text form), stopped */
	KP_FUZZ_INPUT_INVALID,	/* the text does not parse or does not fit the image */
} KpFuzzInputStatus;

typedef struct {
	KpFuzzInputStatus status;
	bool text_form;
	char *params;		/* binary form: the drawn parameters */
	size_t scenario_bytes, schedule_bytes;	/* what the input holds of each */
	KpScenario *sc;		/* the scenario run (NULL when invalid) */
	KpExec *exec;		/* its execution (NULL when invalid) */
	SimEnd end;
	char *schedule;		/* the execution's schedule (S1:...) */
	char *key;		/* FAIL: the signature */
	char *message;		/* FAIL: its message; INVALID: why */
} KpFuzzInputResult;

/* Decode `data` and run its one execution.  Clear with kp_fuzz_input_clear. */
void kp_fuzz_input_run(const uint8_t *data, size_t n, const KpFuzzInputConfig *cfg,
		       KpFuzzInputResult *res);
/*
 * The execution as a scenario file kpsim replay, run and minimize accept: comment lines
 * saying where it came from (`origin`) and its signature, the scenario with an `allow`
 * line for the configuration's ids and for those the execution reported before its
 * signature, and its `schedule` line.  NULL for an invalid input.
 */
char *kp_fuzz_input_kps(const KpFuzzInputResult *res, const KpFuzzInputConfig *cfg,
			const char *origin);
void kp_fuzz_input_clear(KpFuzzInputResult *res);
/*
 * An allow file's ids (`#` comments, ids separated by blanks or commas), appended to
 * `ids` as the catalogue's static strings.  False with *error for an unreadable file or
 * an unknown id.
 */
bool kp_fuzz_read_allow_file(const char *path, GPtrArray *ids, char **error);

/* ---- a fuzzing campaign ---- */

typedef struct {
	const char *model;
	uint64_t seed;
	uint64_t runs;		/* run indices [0, runs) in all; 0: until the time ends */
	double time;		/* seconds, 0: none */
	unsigned jobs;
	const char *out_dir;	/* NULL: write nothing */
	unsigned schedules;	/* executions explored per run */
	KpStrategyKind strategy;	/* random or pct */
	const char *command;	/* the command line, for the findings' headers */
	bool progress;		/* a progress line on stderr */
	/*
	 * Shard `shard` of `n_shards` (0 or 1: not sharded): only the run indices i with
	 * i mod n_shards == shard, below `runs` as without shards.  Its state line is a
	 * configuration of its own (KEY ending in "shard K/N").
	 */
	unsigned shard, n_shards;
	/* --allow: ids added to every generated scenario's `allow` list (catalogue ids). */
	const char *const *allow;
	unsigned n_allow;
	/* --generator: 1 (also when 0) or 2; a campaign of version 2 has a state line of its own */
	unsigned generator;
	/* NULL but in the fuzzer's own tests (tools/search/search_test.h). */
	const struct KpFuzzTestHooks *test_hooks;
} KpFuzzConfig;

typedef struct {
	uint64_t first_run, next_run;	/* this invocation did [first_run, next_run) */
	uint64_t runs, executions, failures, discarded;	/* failures include crashes */
	uint64_t allowed;	/* executions counted in groups of allowed violations */
	GPtrArray *signatures;	/* char *: every signature known, sorted */
	GPtrArray *files;	/* char *: the file of each ("-" without an output directory) */
	GPtrArray *new_files;	/* char *: files written by this invocation */
	char *error;		/* internal error or bad output directory */
	bool bad_dir;
} KpFuzzResult;

/* Run the campaign; reports failing runs and findings on `out` as they are merged. */
void kp_fuzz(const KpFuzzConfig *cfg, FILE *out, KpFuzzResult *res);
void kp_fuzz_result_clear(KpFuzzResult *res);

/* ---- shards ---- */

/* The largest N of --shard K/N. */
#define KP_SHARD_MAX 1000000u

typedef struct {
	unsigned index;		/* K, 0 .. count - 1 */
	unsigned count;		/* N >= 1 */
	/* Where --shard auto found it ("SLURM_ARRAY_TASK_ID=3, ..."); NULL for K/N. */
	char *source;
} KpShard;

/*
 * --shard's value: "K/N" (0 <= K < N <= KP_SHARD_MAX, decimal), or "auto": the shard a
 * job scheduler gave the process, read from `env` (g_get_environ()'s form):
 *  - Slurm job arrays: K = (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) /
 *    SLURM_ARRAY_TASK_STEP (1 when unset), N = SLURM_ARRAY_TASK_COUNT; the array's ids
 *    must be the whole range MIN..SLURM_ARRAY_TASK_MAX;
 *  - Kubernetes Indexed Jobs: K = JOB_COMPLETION_INDEX, N = KPSIM_SHARD_COUNT (which the
 *    manifest sets to the Job's completions: Kubernetes does not export them);
 *  - GNU parallel: K = PARALLEL_SEQ - 1 (the job's sequence number {#}),
 *    N = KPSIM_SHARD_COUNT (the number of jobs, which parallel does not export).
 * Exactly one of the three must be there.  False with *error set (naming the variables
 * and their values) otherwise.  Clear *out with kp_shard_clear.
 */
bool kp_shard_parse(const char *text, char **env, KpShard *out, GError **error);
void kp_shard_clear(KpShard *s);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(KpShard, kp_shard_clear)

/* ---- merging findings directories ---- */

typedef struct {
	unsigned signatures;	/* in OUT afterwards */
	unsigned added;		/* signatures OUT did not have */
	unsigned replaced;	/* OUT's file replaced by a smaller reproducer */
	unsigned kept;		/* OUT's file already the smallest */
	unsigned skipped;	/* .kps files without a "# Signature:" line, not merged */
	unsigned campaigns;	/* state lines in OUT afterwards */
	char *error;		/* an unusable directory or state file */
} KpFuzzMergeResult;

/*
 * Merge the findings directories dirs[0..n) into `out` (created if need be; it may hold
 * findings already): for each signature the smallest reproducer of all of them (fewest
 * operations, then tasks, probes, vCPUs, expectations, then the shortest text without
 * comments, then the text's bytes) in OUT's file of that signature, or a new file named
 * as kpsim fuzz names it.  The state lines are merged too: each campaign's largest
 * next index, and for shards 0..N-1 of one campaign all present, the whole campaign's
 * (the smallest of theirs), so that kpsim fuzz resumes the unsharded campaign on OUT.
 * Every file is written atomically, signatures in sorted order, the state file last:
 * a merge stopped anywhere and run again gives the same OUT.  Holds OUT's lock
 * throughout.  Reports each signature on `report`.
 */
void kp_fuzz_merge(const char *out, const char *const *dirs, unsigned n, FILE *report,
		   KpFuzzMergeResult *res);
void kp_fuzz_merge_result_clear(KpFuzzMergeResult *res);

/* ---- result files ---- */

/*
 * Write `text` to `path`.  A regular file (or a new one) is written to a temporary file
 * in the same directory and renamed over `path`, so a stopped writer leaves either the
 * old file or the new one.  Anything else that exists (a device such as /dev/null, a
 * pipe) is opened and written as it is: renaming over it would replace it.  A new file
 * gets mode 0666 & ~umask, as open() would give it (mkstemp()'s 0600 would hide it from
 * the group and others whatever the umask).  The temporary file is ".BASE" KP_WRITE_FILE_
 * TMP_INFIX "XXXXXX" beside `path`.
 */
#define KP_WRITE_FILE_TMP_INFIX ".tmp-"
bool kp_write_file(const char *path, const char *text, GError **error);

/* All n bytes to fd, through short writes and EINTR; false on an error (errno says). */
bool kp_write_all(int fd, const void *p, size_t n);

#endif
