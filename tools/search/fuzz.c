// SPDX-License-Identifier: GPL-2.0-only
/*
 * The campaign driver.  Run indices are done in chunks of CHUNK_RUNS of the campaign's
 * runs; in a chunk, run i belongs to worker i mod N, a forked process that generates and
 * explores its runs and sends back, per run, its counts and its failures.  The parent
 * merges a chunk (the first run of each signature wins, whichever worker found it, so the
 * findings do not depend on N), prints its failing runs in run order, minimizes and
 * writes each new signature, and only then records in the state file that the chunk is
 * done.  Shard K of S does only the run indices i with i mod S == K: its m-th run is
 * K + m*S, and worker w of its N does those with m mod N == w.  A run index is drawn and
 * explored from (seed, index) alone, so a run is the same execution in every shard.
 *
 * The host clock is read between runs only (the --time budget and the progress line).
 */

#include "tools/search/internal.h"
#include "tools/search/search_test.h"

#include "sim/rng.h"
#include "sim/strategy.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * Runs per chunk (a shard's own runs): small enough that a stop loses little, large
 * enough to pay the forks.
 */
#define CHUNK_RUNS 64

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *strategy_name(KpStrategyKind k)
{
	return k == KP_STRATEGY_PCT ? "pct" : "random";
}

/* The seed of run i's schedules: from (seed, i) only. */
static uint64_t run_seed(uint64_t seed, uint64_t index)
{
	uint64_t x = seed ^ (index * 0x9e3779b97f4a7c15ull);

	return sim_splitmix64(&x);
}

/* "violation ID (SITE)" -> is ID one of the model's own limits (model-...)? */
/* --allow: the campaign's allowed ids join every generated scenario's own. */
static void allow_all(const KpFuzzConfig *cfg, KpScenario *sc)
{
	for (unsigned i = 0; i < cfg->n_allow; i++) {
		bool known = kp_scenario_add_allow(sc, cfg->allow[i]);

		assert(known && "the command checks --allow ids");
		(void)known;
	}
}

static bool is_model_limit(const char *key)
{
	return g_str_has_prefix(key, "violation model-");
}

/* ---- frames between a worker and the parent: u32 length, NUL-separated fields ---- */

static void send_fields(int fd, const char *const *fields, unsigned n)
{
	GString *b = g_string_new(NULL);
	uint32_t len;

	for (unsigned i = 0; i < n; i++)
		g_string_append_len(b, fields[i] ? fields[i] : "", (gssize)strlen(fields[i] ?
							fields[i] : "") + 1);
	len = (uint32_t)b->len;
	if (!kp_write_all(fd, &len, sizeof(len)) || !kp_write_all(fd, b->str, b->len))
		_exit(3);
	g_string_free(b, TRUE);
}

/* ---- a worker ---- */

typedef struct {
	const KpFuzzConfig *cfg;
	uint64_t start, hi;	/* its runs: start, start + stride, ... below hi */
	uint64_t stride;	/* shards x jobs */
	double deadline;	/* 0: none */
	int fd;
} Worker;

static unsigned generator(const KpFuzzConfig *cfg)
{
	return cfg->generator ? cfg->generator : 1;
}

/* ", generator 2" in a finding's first line; nothing for version 1, as before it had one. */
static const char *generator_note(const KpFuzzConfig *cfg)
{
	return generator(cfg) == 2 ? ", generator 2" : "";
}

static void explore_run(const Worker *w, uint64_t i, GHashTable *sent)
{
	const KpFuzzConfig *cfg = w->cfg;
	KpFuzzCase c;
	g_autoptr(KpScenario) sc = NULL;
	KpExploreConfig ec = {
		.strategy = cfg->strategy, .runs = cfg->schedules, .seed = run_seed(cfg->seed, i),
		.depth = KP_EXPLORE_DEFAULT_DEPTH, .jobs = 1,
	};
	KpExploreResult r;
	bool discarded = false, failed;
	uint64_t allowed = 0;
	char idx[32], execs[32], allowed_s[32];

	if (cfg->test_hooks && i == cfg->test_hooks->crash_run)
		abort();
	kp_fuzz_generate_version(cfg->seed, i, generator(cfg), cfg->model, &c);
	sc = kp_scenario_parse("generated", c.text, strlen(c.text), NULL);
	allow_all(cfg, sc);
	if (cfg->strategy == KP_STRATEGY_PCT)
		ec.pct_steps = MAX(kp_explore_first_steps(sc), 1);
	kp_explore(sc, &ec, &r);
	g_snprintf(idx, sizeof(idx), "%" PRIu64, i);
	g_snprintf(execs, sizeof(execs), "%" PRIu64, r.executions);
	if (r.internal_error) {
		const char *f[] = { "X", idx, r.internal_error };

		send_fields(w->fd, f, 3);
	}
	discarded = r.input_error != NULL;
	for (unsigned k = 0; k < r.failures->len; k++) {
		const KpExploreFailure *f = r.failures->pdata[k];

		discarded |= is_model_limit(f->key);
		if (f->allowed)
			allowed += f->count;
	}
	failed = !discarded && kp_explore_failed(&r);
	for (unsigned k = 0; failed && k < r.failures->len; k++) {
		const KpExploreFailure *f = r.failures->pdata[k];
		const char *fields[] = { "F", idx, f->key, f->schedule, f->message };

		if (!f->schedule || f->allowed || g_hash_table_contains(sent, f->key))
			continue;
		g_hash_table_add(sent, g_strdup(f->key));
		send_fields(w->fd, fields, 5);
	}
	g_snprintf(allowed_s, sizeof(allowed_s), "%" PRIu64, discarded ? 0 : allowed);
	{
		const char *fields[] = { "R", idx, execs, failed ? "1" : "0",
					 discarded ? "1" : "0", allowed_s };

		send_fields(w->fd, fields, 6);
	}
	kp_explore_result_clear(&r);
	kp_fuzz_case_clear(&c);
}

static void worker_main(const Worker *w)
{
	g_autoptr(GHashTable) sent = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	uint64_t i = w->start;
	char next[32];

	for (; i < w->hi; i += w->stride) {
		if (w->deadline && now_s() >= w->deadline)
			break;
		explore_run(w, i, sent);
	}
	g_snprintf(next, sizeof(next), "%" PRIu64, MIN(i, w->hi));
	{
		const char *f[] = { "D", next };

		send_fields(w->fd, f, 2);
	}
}

/* ---- the parent ---- */

static unsigned n_shards(const KpFuzzConfig *cfg)
{
	return cfg->n_shards ? cfg->n_shards : 1;
}

/* A worker's runs are `stride` indices apart: every shard's run between two of its own. */
static uint64_t worker_stride(const KpFuzzConfig *cfg)
{
	return (uint64_t)n_shards(cfg) * cfg->jobs;
}

/* Worker w's first run index at or after lo: the first i >= lo, i = K + w*S mod S*N. */
static uint64_t worker_first(const KpFuzzConfig *cfg, unsigned w, uint64_t lo)
{
	uint64_t stride = worker_stride(cfg);
	uint64_t r = cfg->shard + (uint64_t)w * n_shards(cfg);

	return lo + (r + stride - lo % stride) % stride;
}

typedef struct {
	uint64_t index;
	char *schedule, *message;
} Finding;

static void finding_free(gpointer p)
{
	Finding *f = p;

	g_free(f->schedule);
	g_free(f->message);
	g_free(f);
}

/* A run that killed its worker: the model crashed on it. */
typedef struct {
	uint64_t index;
	int signal;
} Crash;

typedef struct {
	const KpFuzzConfig *cfg;
	FILE *out;
	KpFuzzResult *res;
	GHashTable *known;	/* signature (key) -> file name; found now or before */
	GHashTable *known_files;	/* file names in the output directory */
	GHashTable *chunk;	/* key -> Finding *, this chunk */
	GArray *failed_runs;	/* uint64_t, this chunk */
	GArray *crashes;	/* Crash, this chunk */
	double start, last_progress;
	int lock_fd;		/* holds the output directory's lock; -1: none */
} Campaign;

static void progress(Campaign *c, bool force)
{
	double t = now_s();
	double el = t - c->start;

	if (!c->cfg->progress || (!force && t - c->last_progress < 1.0))
		return;
	c->last_progress = t;
	fprintf(stderr, "\r\033[K[%.0fs] %" PRIu64 " runs (%.1f/s), %" PRIu64 " executions, %"
		PRIu64 " failing, %" PRIu64 " discarded, %u signatures", el, c->res->runs,
		el > 0 ? (double)c->res->runs / el : 0, c->res->executions, c->res->failures,
		c->res->discarded, g_hash_table_size(c->known));
	fflush(stderr);
}

static void take(Campaign *c, char **f, unsigned n, uint64_t *next)
{
	uint64_t idx = n > 1 ? g_ascii_strtoull(f[1], NULL, 10) : 0;

	if (!strcmp(f[0], "R") && n >= 5) {
		c->res->runs++;
		c->res->executions += g_ascii_strtoull(f[2], NULL, 10);
		if (f[3][0] == '1') {
			c->res->failures++;
			g_array_append_val(c->failed_runs, idx);
		}
		c->res->discarded += f[4][0] == '1';
		if (n >= 6)
			c->res->allowed += g_ascii_strtoull(f[5], NULL, 10);
	} else if (!strcmp(f[0], "F") && n >= 5) {
		Finding *old = g_hash_table_lookup(c->chunk, f[2]);

		if (!old || idx < old->index) {
			Finding *nf = g_new0(Finding, 1);

			nf->index = idx;
			nf->schedule = g_strdup(f[3]);
			nf->message = g_strdup(f[4]);
			g_hash_table_replace(c->chunk, g_strdup(f[2]), nf);
		}
	} else if (!strcmp(f[0], "D") && n >= 2) {
		*next = MIN(*next, idx);
	} else if (!strcmp(f[0], "X") && n >= 3 && !c->res->error) {
		c->res->error = g_strdup_printf("run %s: %s", f[1], f[2]);
	}
}

/* One worker slot of a chunk: the process now doing it and what it reported. */
typedef struct {
	pid_t pid;
	KpPipe in;
	uint64_t start;		/* the first run of the current process */
	int64_t last;		/* the last run it reported, -1: none */
} Slot;

/* Parse every whole frame in the slot's buffer. */
static void drain(Campaign *c, Slot *s, uint64_t *next)
{
	GByteArray *buf = s->in.buf;
	size_t used = 0;

	while (buf->len - used >= 4) {
		uint32_t len;
		char *fields[8] = { NULL };
		unsigned n = 0;

		memcpy(&len, buf->data + used, sizeof(len));
		if (buf->len - used < 4 + (size_t)len)
			break;
		for (size_t p = used + 4; p < used + 4 + len && n < G_N_ELEMENTS(fields);) {
			fields[n++] = (char *)buf->data + p;
			p += strlen((char *)buf->data + p) + 1;
		}
		if (n) {
			take(c, fields, n, next);
			if (!strcmp(fields[0], "R") && n > 1)
				s->last = (int64_t)g_ascii_strtoull(fields[1], NULL, 10);
		}
		used += 4 + len;
	}
	g_byte_array_remove_range(buf, 0, (guint)used);
}

/* Fork the process of slot w, doing its runs from `start`.  False if it could not. */
static bool spawn(Campaign *c, Slot *slots, unsigned w, uint64_t start, uint64_t hi,
		  double deadline)
{
	unsigned n = c->cfg->jobs;
	Slot *s = &slots[w];
	int p[2];

	fflush(stdout);
	fflush(stderr);
	fflush(c->out);
	if (pipe(p) < 0)
		return false;
	s->pid = fork();
	if (s->pid == 0) {
		Worker wk = { .cfg = c->cfg, .start = start, .hi = hi,
			      .stride = worker_stride(c->cfg), .deadline = deadline, .fd = p[1] };

		close(p[0]);
		for (unsigned j = 0; j < n; j++)
			if (slots[j].in.fd >= 0)
				close(slots[j].in.fd);
		/* Workers write nothing there: the lock ends with the parent, even if killed. */
		if (c->lock_fd >= 0)
			close(c->lock_fd);
		worker_main(&wk);
		close(p[1]);
		_exit(0);
	}
	close(p[1]);
	if (s->pid < 0) {
		close(p[0]);
		return false;
	}
	s->in.fd = p[0];
	s->start = start;
	s->last = -1;
	if (!s->in.buf)
		s->in.buf = g_byte_array_new();
	g_byte_array_set_size(s->in.buf, 0);
	return true;
}

/*
 * The slot's process is gone.  If the model crashed it, the run after the last one it
 * reported is a crash: record it and go on with the slot's next run in a new process.
 * Returns true when a new process took over.
 */
static bool reap(Campaign *c, Slot *slots, unsigned w, uint64_t hi, double deadline)
{
	Slot *s = &slots[w];
	uint64_t stride = worker_stride(c->cfg);
	int status = 0;
	uint64_t crashed;

	if (waitpid(s->pid, &status, 0) != s->pid)
		status = 0;
	s->pid = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return false;
	if (!WIFSIGNALED(status)) {
		if (!c->res->error)
			c->res->error = g_strdup_printf("fuzz worker %u ended abnormally", w);
		return false;
	}
	crashed = s->last >= 0 ? (uint64_t)s->last + stride : s->start;
	if (crashed >= hi)
		return false;
	{
		Crash cr = { .index = crashed, .signal = WTERMSIG(status) };

		g_array_append_val(c->crashes, cr);
	}
	c->res->runs++;
	c->res->failures++;
	g_array_append_val(c->failed_runs, crashed);
	if (crashed + stride >= hi)
		return false;
	if (!spawn(c, slots, w, crashed + stride, hi, deadline)) {
		if (!c->res->error)
			c->res->error = g_strdup("cannot start a fuzz worker");
		return false;
	}
	return true;
}

/* A chunk in progress, for the pipe reader's events. */
typedef struct {
	Campaign *c;
	Slot *slots;
	uint64_t hi;
	double deadline;
	uint64_t next;		/* the first run index not done */
	unsigned open;		/* slots whose process is still reporting */
} Chunk;

static void chunk_event(void *user, unsigned w, bool closed)
{
	Chunk *ch = user;

	if (!closed)
		drain(ch->c, &ch->slots[w], &ch->next);
	else if (!reap(ch->c, ch->slots, w, ch->hi, ch->deadline))
		ch->open--;	/* not replaced by a process for the runs after a crash */
}

/* Run [lo, hi) in forked workers; returns the first run index not done. */
static uint64_t run_chunk(Campaign *c, uint64_t lo, uint64_t hi, double deadline)
{
	unsigned n = c->cfg->jobs;
	Slot *slots = g_new0(Slot, n);
	g_autofree KpPipe **pipes = g_new(KpPipe *, n);
	Chunk ch = { .c = c, .slots = slots, .hi = hi, .deadline = deadline, .next = hi };

	for (unsigned w = 0; w < n; w++) {
		pipes[w] = &slots[w].in;
		slots[w].in.fd = -1;
	}
	for (unsigned w = 0; w < n; w++) {
		uint64_t first = worker_first(c->cfg, w, lo);

		if (!spawn(c, slots, w, first, hi, deadline)) {
			ch.next = lo;
			if (!c->res->error)
				c->res->error = g_strdup("cannot start a fuzz worker");
			break;
		}
		ch.open++;
	}
	while (ch.open) {
		if (!kp_pipes_read(pipes, n, KP_PIPES_POLL_MS, chunk_event, &ch))
			break;
		progress(c, false);
	}
	for (unsigned w = 0; w < n; w++) {
		if (slots[w].pid > 0)
			reap(c, slots, w, hi, 0);
		if (slots[w].in.buf)
			g_byte_array_free(slots[w].in.buf, TRUE);
	}
	g_free(slots);
	return ch.next;
}

/*
 * The state file's key of this campaign configuration.  A shard's next index is not the
 * whole campaign's (the other shards' runs below it may not be done): it has a line of
 * its own, which kpsim fuzz merge turns into the campaign's once every shard is there.
 */
static char *state_key(const KpFuzzConfig *cfg)
{
	g_autofree char *shard = n_shards(cfg) > 1 ?
		g_strdup_printf(" shard %u/%u", cfg->shard, cfg->n_shards) : g_strdup("");

	/* Version 1's key is the one recorded before there was a version 2. */
	return g_strdup_printf("model %s strategy %s schedules %u seed %" PRIu64 "%s%s",
			       cfg->model, strategy_name(cfg->strategy), cfg->schedules, cfg->seed,
			       generator(cfg) == 2 ? " generator 2" : "", shard);
}

/* ---- one new signature ---- */

/* `prefix` and `body` as comment lines, however many lines the body has. */
static void append_comment(GString *out, const char *prefix, const char *body)
{
	g_auto(GStrv) lines = g_strsplit(body, "\n", -1);

	for (char **l = lines; *l; l++)
		g_string_append_printf(out, "# %s%s\n", l == lines ? prefix : "  ", *l);
}

/*
 * A finding is the violation its signature names, which may come after others in its
 * execution (a T2 behind an A5, reported as a finding of its own).  Their ids are
 * allowed in the finding's file, so that it fails first with its own signature: replayed,
 * minimized again or run, it shows what it was written for.
 */
static void allow_earlier(KpScenario *sc, const char *key, const char *schedule)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(kp_failure_free);
	SimStrategy *s = sim_strategy_replay_new(schedule, NULL);
	KpExec *x;
	SimEnd end;

	if (!s)
		return;
	x = kp_exec_new(sc);
	end = kp_exec_run(x, s, NULL);
	sim_strategy_free(s);
	if (end != SIM_END_NONE && end != SIM_END_DIVERGED && !kp_exec_judge_all(x, all)) {
		const char *want = g_str_has_prefix(key, "violation ") ? key + 10 : NULL;
		size_t id_len = want ? strcspn(want, " ") : 0;

		for (unsigned i = 0; i < all->len; i++) {
			const KpFailure *f = all->pdata[i];
			const char *id = f->key + 10;

			if (!strcmp(f->key, key))
				break;
			/* Only other ids: allowing the finding's own id would hide it. */
			if (f->allowed || !g_str_has_prefix(f->key, "violation ") || !want ||
			    (strcspn(id, " ") == id_len && !strncmp(id, want, id_len)))
				continue;
			{
				g_autofree char *one = g_strndup(id, strcspn(id, " "));

				kp_scenario_add_allow(sc, one);
			}
		}
	}
	kp_exec_free(x);
}

static void write_finding(Campaign *c, const char *key, const Finding *f)
{
	const KpFuzzConfig *cfg = c->cfg;
	KpFuzzCase fc;
	g_autoptr(KpScenario) sc = NULL;
	g_autoptr(GString) text = g_string_new(NULL);
	g_autofree char *base = kp_signature_file_name(key);
	g_autofree char *name = NULL;
	g_autofree char *path = NULL;
	g_autoptr(GError) err = NULL;
	KpMinimizeResult m;

	if (!cfg->out_dir) {
		/* Nothing is written, so nothing is minimized. */
		g_hash_table_insert(c->known, g_strdup(key), g_strdup("-"));
		fprintf(c->out, "  new signature %s\n", key);
		return;
	}
	kp_fuzz_generate_version(cfg->seed, f->index, generator(cfg), cfg->model, &fc);
	sc = kp_scenario_parse("generated", fc.text, strlen(fc.text), NULL);
	allow_all(cfg, sc);
	allow_earlier(sc, key, f->schedule);
	kp_minimize(sc, key, f->schedule, &m);
	name = g_strdup_printf("%s.kps", base);
	/* Two signatures with one file name (they differ in characters a name drops). */
	for (unsigned k = 2; g_hash_table_contains(c->known_files, name); k++) {
		g_free(name);
		name = g_strdup_printf("%s-%u.kps", base, k);
	}
	g_string_append_printf(text, "# Found by kpsim fuzz: seed %" PRIu64 ", run %" PRIu64
			       "%s, %u %s schedules per run.\n# Signature: %s\n# Parameters: %s\n"
			       "# Command: kpsim %s\n", cfg->seed, f->index, generator_note(cfg),
			       cfg->schedules, strategy_name(cfg->strategy), key, fc.params,
			       cfg->command);
	append_comment(text, "Message: ", f->message);
	if (m.status == KP_MINIMIZE_OK) {
		g_string_append_printf(text, "# Minimized from %u operations, %u tasks, %u probes,"
				       " %u vCPUs to %u, %u, %u, %u.\n", m.before.ops,
				       m.before.tasks, m.before.probes, m.before.cpus, m.after.ops,
				       m.after.tasks, m.after.probes, m.after.cpus);
		g_string_append(text, m.text);
	} else {
		/* Kept as generated, with the schedule that failed. */
		append_comment(text, "Not minimized: ", m.error ? m.error : "no failing schedule");
		g_string_append_printf(text, "%sschedule %s\n", fc.text, f->schedule);
	}
	kp_minimize_result_clear(&m);
	kp_fuzz_case_clear(&fc);
	g_hash_table_insert(c->known, g_strdup(key), g_strdup(name));
	g_hash_table_add(c->known_files, g_strdup(name));
	path = g_build_filename(cfg->out_dir, name, NULL);
	if (!kp_write_file(path, text->str, &err)) {
		/* A full or read-only directory: the user's to fix, not the program's. */
		if (!c->res->error) {
			c->res->error = g_strdup(err->message);
			c->res->bad_dir = true;
		}
		return;
	}
	g_ptr_array_add(c->res->new_files, g_strdup(name));
	fprintf(c->out, "  new signature %s: %s\n", key, name);
}

/*
 * A run the model crashed on: kept as generated, with the explore line that crashes it
 * (`kpsim run FILE` reproduces the crash), as signature "crash (signal N)".
 */
static void write_crash(Campaign *c, const char *key, const Crash *cr)
{
	const KpFuzzConfig *cfg = c->cfg;
	KpFuzzCase fc;
	g_autoptr(GString) text = g_string_new(NULL);
	g_autofree char *name = g_strdup_printf("crash-signal-%d.kps", cr->signal);
	g_autofree char *path = NULL;
	g_autoptr(GError) err = NULL;
	uint64_t s = run_seed(cfg->seed, cr->index);

	g_hash_table_insert(c->known, g_strdup(key), g_strdup(cfg->out_dir ? name : "-"));
	if (!cfg->out_dir) {
		fprintf(c->out, "  new signature %s\n", key);
		return;
	}
	kp_fuzz_generate_version(cfg->seed, cr->index, generator(cfg), cfg->model, &fc);
	g_string_append_printf(text, "# Found by kpsim fuzz: seed %" PRIu64 ", run %" PRIu64
			       "%s, %u %s schedules per run.\n# Signature: %s\n# Parameters: %s\n"
			       "# Command: kpsim %s\n# The process died: not minimized; the "
			       "explore line below repeats the run.\n%s", cfg->seed, cr->index,
			       generator_note(cfg), cfg->schedules, strategy_name(cfg->strategy),
			       key, fc.params, cfg->command, fc.text);
	if (cfg->strategy == KP_STRATEGY_PCT)
		g_string_append_printf(text, "explore pct runs %u depth %u seed %" PRIu64 "\n",
				       cfg->schedules, KP_EXPLORE_DEFAULT_DEPTH, s);
	else
		g_string_append_printf(text, "explore random runs %u seed %" PRIu64 "\n",
				       cfg->schedules, s);
	kp_fuzz_case_clear(&fc);
	path = g_build_filename(cfg->out_dir, name, NULL);
	if (!kp_write_file(path, text->str, &err)) {
		/* A full or read-only directory: the user's to fix, not the program's. */
		if (!c->res->error) {
			c->res->error = g_strdup(err->message);
			c->res->bad_dir = true;
		}
		return;
	}
	g_hash_table_add(c->known_files, g_strdup(name));
	g_ptr_array_add(c->res->new_files, g_strdup(name));
	fprintf(c->out, "  new signature %s: %s\n", key, name);
}

static bool write_state(const KpFuzzConfig *cfg, GPtrArray *others, uint64_t next,
			GError **error)
{
	g_autofree char *key = state_key(cfg);

	return kp_fuzz_state_write(cfg->out_dir, key, others, next, error);
}

static gint cmp_u64(gconstpointer a, gconstpointer b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* After a chunk: its failing runs in run order, then its new signatures in key order. */
static void merge_chunk(Campaign *c)
{
	g_autoptr(GPtrArray) keys = g_ptr_array_new();
	GHashTableIter it;
	gpointer k;

	g_array_sort(c->failed_runs, cmp_u64);
	for (unsigned i = 0; i < c->failed_runs->len; i++) {
		uint64_t idx = g_array_index(c->failed_runs, uint64_t, i);
		KpFuzzCase fc;

		int sig = 0;

		for (unsigned j = 0; j < c->crashes->len; j++)
			if (g_array_index(c->crashes, Crash, j).index == idx)
				sig = g_array_index(c->crashes, Crash, j).signal;
		kp_fuzz_generate_version(c->cfg->seed, idx, generator(c->cfg), c->cfg->model,
					 &fc);
		fprintf(c->out, "failing run: seed %" PRIu64 " run %" PRIu64 ": %s", c->cfg->seed,
			idx, fc.params);
		if (sig)
			fprintf(c->out, " (the model crashed: signal %d)", sig);
		fprintf(c->out, "\n");
		kp_fuzz_case_clear(&fc);
	}
	/* Crashes by run index: the first of each signal is the one written. */
	for (unsigned i = 0; i < c->crashes->len; i++) {
		const Crash *cr = &g_array_index(c->crashes, Crash, i);
		g_autofree char *key = g_strdup_printf("crash (signal %d)", cr->signal);
		const Crash *first = cr;

		for (unsigned j = 0; j < c->crashes->len; j++) {
			const Crash *o = &g_array_index(c->crashes, Crash, j);

			if (o->signal == cr->signal && o->index < first->index)
				first = o;
		}
		if (first == cr && !g_hash_table_contains(c->known, key))
			write_crash(c, key, cr);
	}
	g_array_set_size(c->crashes, 0);
	g_hash_table_iter_init(&it, c->chunk);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(keys, k);
	g_ptr_array_sort(keys, cmp_str);
	for (unsigned i = 0; i < keys->len; i++)
		if (!g_hash_table_contains(c->known, keys->pdata[i]))
			write_finding(c, keys->pdata[i], g_hash_table_lookup(c->chunk, keys->pdata[i]));
	g_hash_table_remove_all(c->chunk);
	g_array_set_size(c->failed_runs, 0);
	fflush(c->out);
}

void kp_fuzz(const KpFuzzConfig *cfg, FILE *out, KpFuzzResult *res)
{
	Campaign c = { .cfg = cfg, .out = out, .res = res, .lock_fd = -1 };
	g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func(g_free);
	double deadline = 0;
	uint64_t next = 0;
	GHashTableIter it;
	gpointer k;

	/* A campaign's state line names random or pct; dfs is kpsim explore's. */
	assert(cfg->strategy == KP_STRATEGY_RANDOM || cfg->strategy == KP_STRATEGY_PCT);
	assert(cfg->jobs >= 1 && cfg->shard < n_shards(cfg));
	memset(res, 0, sizeof(*res));
	res->signatures = g_ptr_array_new_with_free_func(g_free);
	res->new_files = g_ptr_array_new_with_free_func(g_free);
	res->files = g_ptr_array_new_with_free_func(g_free);
	c.known = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	c.known_files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	c.chunk = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, finding_free);
	c.failed_runs = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	c.crashes = g_array_new(FALSE, FALSE, sizeof(Crash));
	c.start = c.last_progress = now_s();
	if (cfg->out_dir) {
		if (g_mkdir_with_parents(cfg->out_dir, 0777) < 0 ||
		    !g_file_test(cfg->out_dir, G_FILE_TEST_IS_DIR)) {
			res->error = g_strdup_printf("cannot create the directory %s: %s",
						     cfg->out_dir, g_strerror(errno));
			res->bad_dir = true;
			goto out;
		}
		g_autofree char *key = state_key(cfg);
		g_autoptr(GError) err = NULL;

		/*
		 * Two campaigns on one directory would write the state file over each other and
		 * the same findings twice: the second is refused.
		 */
		c.lock_fd = kp_fuzz_dir_lock(cfg->out_dir, &err);
		if (c.lock_fd < 0 || !kp_fuzz_state_read(cfg->out_dir, key, others, &next, &err)) {
			res->error = g_strdup(err->message);
			res->bad_dir = true;
			goto out;
		}
		kp_fuzz_dir_remove_temporaries(cfg->out_dir);
		kp_fuzz_dir_findings(cfg->out_dir, c.known, c.known_files);
	}
	res->first_run = res->next_run = next;
	if (cfg->time > 0)
		deadline = c.start + cfg->time;
	while (!res->error && (!cfg->runs || next < cfg->runs)) {
		uint64_t hi = next + (uint64_t)CHUNK_RUNS * n_shards(cfg), done;
		g_autoptr(GError) err = NULL;

		if (cfg->runs && hi > cfg->runs)
			hi = cfg->runs;
		if (deadline && now_s() >= deadline)
			break;
		done = run_chunk(&c, next, hi, deadline);
		merge_chunk(&c);
		if (res->error)
			break;
		next = done;
		res->next_run = next;
		if (cfg->out_dir && !write_state(cfg, others, next, &err)) {
			res->error = g_strdup(err->message);
			res->bad_dir = true;
			break;
		}
		progress(&c, false);
		if (done < hi)
			break;	/* the time ended inside the chunk */
	}
	if (cfg->progress && c.last_progress > c.start) {
		progress(&c, true);
		fprintf(stderr, "\n");
	}
out:
	g_hash_table_iter_init(&it, c.known);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(res->signatures, g_strdup(k));
	g_ptr_array_sort(res->signatures, cmp_str);
	for (unsigned i = 0; i < res->signatures->len; i++)
		g_ptr_array_add(res->files,
				g_strdup(g_hash_table_lookup(c.known, res->signatures->pdata[i])));
	g_hash_table_destroy(c.known);
	g_hash_table_destroy(c.known_files);
	g_hash_table_destroy(c.chunk);
	g_array_free(c.failed_runs, TRUE);
	g_array_free(c.crashes, TRUE);
	if (c.lock_fd >= 0)
		close(c.lock_fd);
}

void kp_fuzz_result_clear(KpFuzzResult *res)
{
	if (res->signatures)
		g_ptr_array_free(res->signatures, TRUE);
	if (res->new_files)
		g_ptr_array_free(res->new_files, TRUE);
	if (res->files)
		g_ptr_array_free(res->files, TRUE);
	g_free(res->error);
	memset(res, 0, sizeof(*res));
}
