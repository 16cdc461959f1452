// SPDX-License-Identifier: GPL-2.0-only
/*
 * `kpsim fuzz merge OUT DIR...`: the findings directories of shards (or of any
 * campaigns) merged into one, by signature, keeping the smallest reproducer of each.
 *
 * Resuming is by construction rather than by a journal: the result depends only on the
 * files in OUT and in the DIRs, never on the order the DIRs are given in, and OUT's own
 * files are candidates like the others.  The signatures are written one at a time in
 * sorted order, each file atomically, the state file last; a merge stopped anywhere has
 * written the first signatures' final files and nothing else, so running it again writes
 * the rest with the same names (a new file's name depends only on the names already
 * taken, which are the same) and gives the same OUT.
 */
#include "tools/search/internal.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One finding file, a candidate for its signature. */
typedef struct {
	char *path;		/* as the report names it */
	char *name;		/* its file name in its directory */
	bool in_out;		/* one of OUT's own files */
	char *text;
	bool parses;
	KpScenarioSize size;
	size_t body;		/* bytes of its lines that are not comments */
} Candidate;

static void candidate_free(gpointer p)
{
	Candidate *c = p;

	g_free(c->path);
	g_free(c->name);
	g_free(c->text);
	g_free(c);
}

/* Bytes outside comment lines: the headers name the shard, the command, the path. */
static size_t body_length(const char *text)
{
	size_t n = 0;

	while (*text) {
		const char *end = strchr(text, '\n');
		size_t len = end ? (size_t)(end - text) + 1 : strlen(text);
		const char *p = text + strspn(text, " \t");

		if (*p != '#')
			n += len;
		text += len;
	}
	return n;
}

/*
 * The order "smaller reproducer first": one that parses, then fewer operations, tasks,
 * probes, vCPUs and expectations (the minimizer's measures, in its order of importance),
 * then less text outside the comments, then the text's bytes.  Total on the text: two
 * candidates compare equal only when their files are the same, so which one is kept
 * never depends on the order the directories were given in.
 */
static int compare(const Candidate *a, const Candidate *b)
{
	const unsigned x[] = { a->size.ops, a->size.tasks, a->size.probes, a->size.cpus,
			       a->size.expects };
	const unsigned y[] = { b->size.ops, b->size.tasks, b->size.probes, b->size.cpus,
			       b->size.expects };

	if (a->parses != b->parses)
		return a->parses ? -1 : 1;
	for (unsigned i = 0; i < G_N_ELEMENTS(x); i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	if (a->body != b->body)
		return a->body < b->body ? -1 : 1;
	return strcmp(a->text, b->text);
}

static gint by_string(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The keys of t, owned by t (GLib 2.74 has no g_hash_table_get_keys_as_ptr_array). */
static GPtrArray *keys_of(GHashTable *t)
{
	GPtrArray *a = g_ptr_array_sized_new(g_hash_table_size(t));
	GHashTableIter it;
	gpointer k;

	g_hash_table_iter_init(&it, t);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(a, k);
	return a;
}

typedef struct {
	const char *out;
	FILE *report;
	KpFuzzMergeResult *res;
	GHashTable *by_sig;	/* signature -> GPtrArray of Candidate * */
	GHashTable *out_names;	/* every .kps name in OUT, and those this merge gives */
} Merge;

static void set_error(Merge *m, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void set_error(Merge *m, const char *fmt, ...)
{
	va_list ap;

	if (m->res->error)
		return;
	va_start(ap, fmt);
	m->res->error = g_strdup_vprintf(fmt, ap);
	va_end(ap);
}

/*
 * Every finding of dir.  In OUT a file that cannot be read only takes its name, as a
 * campaign treats it; in a DIR it is an error, since the merge would lose it.
 */
static bool collect(Merge *m, const char *dir, bool in_out)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GDir) d = g_dir_open(dir, 0, &err);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	if (!d) {
		set_error(m, "cannot open the directory %s: %s", dir, err->message);
		return false;
	}
	while ((name = g_dir_read_name(d)))
		if (g_str_has_suffix(name, ".kps") && name[0] != '.')
			g_ptr_array_add(names, g_strdup(name));
	/* Sorted: OUT's file of a signature is the first name that holds it. */
	g_ptr_array_sort(names, by_string);
	for (unsigned i = 0; i < names->len; i++) {
		g_autofree char *path = g_build_filename(dir, names->pdata[i], NULL);
		g_autoptr(GError) rerr = NULL;
		g_autoptr(KpScenario) sc = NULL;
		char *text = NULL, *key;
		size_t len;
		Candidate *c;
		GPtrArray *group;

		if (in_out)
			g_hash_table_add(m->out_names, g_strdup(names->pdata[i]));
		if (!kp_scenario_read(path, &text, &len, &rerr)) {
			if (in_out)
				continue;
			set_error(m, "%s", rerr->message);
			return false;
		}
		key = kp_fuzz_finding_signature(path, text);
		if (!key) {
			if (!in_out) {
				m->res->skipped++;
				fprintf(m->report, "  skipped %s: no \"# Signature:\" line\n",
					path);
			}
			g_free(text);
			continue;
		}
		c = g_new0(Candidate, 1);
		c->path = g_steal_pointer(&path);
		c->name = g_strdup(names->pdata[i]);
		c->in_out = in_out;
		c->text = text;
		sc = kp_scenario_parse(c->path, text, len, NULL);
		c->parses = sc != NULL;
		if (sc)
			c->size = kp_scenario_size(sc);
		c->body = body_length(text);
		group = g_hash_table_lookup(m->by_sig, key);
		if (!group) {
			group = g_ptr_array_new_with_free_func(candidate_free);
			g_hash_table_insert(m->by_sig, key, group);
		} else {
			g_free(key);
		}
		g_ptr_array_add(group, c);
	}
	return true;
}

/* A new file's name for `key` in OUT, as kpsim fuzz would give it there. */
static char *new_name(Merge *m, const char *key)
{
	g_autofree char *base = kp_signature_file_name(key);
	char *name = g_strdup_printf("%s.kps", base);

	for (unsigned k = 2; g_hash_table_contains(m->out_names, name); k++) {
		g_free(name);
		name = g_strdup_printf("%s-%u.kps", base, k);
	}
	g_hash_table_add(m->out_names, g_strdup(name));
	return name;
}

static const char *plural(unsigned n)
{
	return n == 1 ? "" : "s";
}

static void size_text(const Candidate *c, char *buf, size_t n)
{
	const KpScenarioSize *z = &c->size;

	if (c->parses)
		g_snprintf(buf, n, "%u operation%s, %u task%s, %u probe%s, %u vCPU%s", z->ops,
			   plural(z->ops), z->tasks, plural(z->tasks), z->probes,
			   plural(z->probes), z->cpus, plural(z->cpus));
	else
		g_snprintf(buf, n, "does not parse");
}

/* One signature: OUT's file of it made the smallest of its candidates. */
static bool merge_signature(Merge *m, const char *key, GPtrArray *group)
{
	const Candidate *best = NULL, *target = NULL;
	g_autofree char *name = NULL;
	g_autofree char *path = NULL;
	g_autoptr(GError) err = NULL;
	char size[128];

	for (unsigned i = 0; i < group->len; i++) {
		const Candidate *c = group->pdata[i];

		if (!best || compare(c, best) < 0)
			best = c;
		/* Candidates of OUT come first, by name. */
		if (c->in_out && !target)
			target = c;
	}
	size_text(best, size, sizeof(size));
	if (target && !strcmp(target->text, best->text)) {
		m->res->kept++;
		fprintf(m->report, "  %s: %s (kept)\n", key, target->name);
		return true;
	}
	name = target ? g_strdup(target->name) : new_name(m, key);
	path = g_build_filename(m->out, name, NULL);
	if (!kp_write_file(path, best->text, &err)) {
		set_error(m, "%s", err->message);
		return false;
	}
	if (target) {
		m->res->replaced++;
		fprintf(m->report, "  %s: %s (replaced by %s, %s)\n", key, name, best->path, size);
	} else {
		m->res->added++;
		fprintf(m->report, "  %s: %s (new, from %s, %s)\n", key, name, best->path, size);
	}
	fflush(m->report);
	return true;
}

/* "KEY shard K/N" -> KEY, K, N; false for a key without a shard. */
static bool shard_key(const char *key, char **base, unsigned *k, unsigned *n)
{
	const char *at = g_strrstr(key, " shard ");
	guint64 kk, nn;
	const char *slash;
	g_autofree char *ks = NULL;

	if (!at)
		return false;
	slash = strchr(at + 7, '/');
	if (!slash)
		return false;
	ks = g_strndup(at + 7, (gsize)(slash - at - 7));
	if (!g_ascii_string_to_unsigned(slash + 1, 10, 2, KP_SHARD_MAX, &nn, NULL) ||
	    !g_ascii_string_to_unsigned(ks, 10, 0, nn - 1, &kk, NULL))
		return false;
	*base = g_strndup(key, (gsize)(at - key));
	*k = (unsigned)kk;
	*n = (unsigned)nn;
	return true;
}

static void put_max(GHashTable *next, const char *key, uint64_t v)
{
	uint64_t *old = g_hash_table_lookup(next, key);

	if (!old) {
		old = g_new(uint64_t, 1);
		*old = v;
		g_hash_table_insert(next, g_strdup(key), old);
	} else if (v > *old) {
		*old = v;
	}
}

/*
 * Shards 0..N-1 of one campaign, all present: every run index below the smallest of
 * their next indices is done by one of them, so that is the campaign's own next index.
 */
static void whole_campaigns(Merge *m, GHashTable *next)
{
	g_autoptr(GPtrArray) keys = keys_of(next);

	g_ptr_array_sort(keys, by_string);
	/* Each campaign once: from the line of its shard 0. */
	for (unsigned i = 0; i < keys->len; i++) {
		g_autofree char *base = NULL;
		uint64_t whole = G_MAXUINT64;
		unsigned k, n, s;

		if (!shard_key(keys->pdata[i], &base, &k, &n) || k != 0)
			continue;
		for (s = 0; s < n; s++) {
			g_autofree char *sk = g_strdup_printf("%s shard %u/%u", base, s, n);
			const uint64_t *v = g_hash_table_lookup(next, sk);

			if (!v)
				break;
			whole = MIN(whole, *v);
		}
		if (s < n)
			continue;
		put_max(next, base, whole);
		fprintf(m->report, "  %s next %" PRIu64 ": the whole campaign, from its %u "
			"shards\n", base, whole, n);
	}
}

/* The state lines of OUT and of every DIR into next: each campaign's largest index. */
static bool read_state(Merge *m, const char *const *dirs, unsigned n, GHashTable *next)
{
	g_autoptr(GError) err = NULL;

	for (unsigned d = 0; d <= n; d++) {
		g_autoptr(GPtrArray) lines =
			g_ptr_array_new_with_free_func(kp_fuzz_state_line_free);

		if (!kp_fuzz_state_parse(d ? dirs[d - 1] : m->out, lines, &err)) {
			set_error(m, "%s", err->message);
			return false;
		}
		for (unsigned i = 0; i < lines->len; i++) {
			const KpFuzzStateLine *l = lines->pdata[i];

			put_max(next, l->key, l->next);
		}
	}
	return true;
}

/* OUT's state file: the lines of `next`, sorted, with the whole campaigns added. */
static bool write_state(Merge *m, GHashTable *next)
{
	g_autoptr(GPtrArray) keys = NULL;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) err = NULL;

	whole_campaigns(m, next);
	keys = keys_of(next);
	g_ptr_array_sort(keys, by_string);
	for (unsigned i = 0; i < keys->len; i++)
		g_ptr_array_add(out, g_strdup_printf("%s next %" PRIu64, (char *)keys->pdata[i],
						     *(uint64_t *)g_hash_table_lookup(next,
										 keys->pdata[i])));
	m->res->campaigns = out->len;
	if (out->len && !kp_fuzz_state_write_lines(m->out, out, &err)) {
		set_error(m, "%s", err->message);
		return false;
	}
	return true;
}

/* dir is OUT itself (or a link to it): refused, it is merged into already. */
static bool same_dir(const char *a, const char *b)
{
	GStatBuf sa, sb;

	return g_stat(a, &sa) == 0 && g_stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

void kp_fuzz_merge(const char *out, const char *const *dirs, unsigned n, FILE *report,
		   KpFuzzMergeResult *res)
{
	Merge m = { .out = out, .report = report, .res = res };
	g_autoptr(GHashTable) next = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
							   g_free);
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) keys = NULL;
	int lock = -1;

	memset(res, 0, sizeof(*res));
	if (g_mkdir_with_parents(out, 0777) < 0 || !g_file_test(out, G_FILE_TEST_IS_DIR)) {
		res->error = g_strdup_printf("cannot create the directory %s: %s", out,
					     g_strerror(errno));
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		if (!g_file_test(dirs[i], G_FILE_TEST_IS_DIR)) {
			res->error = g_strdup_printf("%s is not a directory", dirs[i]);
			return;
		}
		if (same_dir(dirs[i], out)) {
			res->error = g_strdup_printf("%s is the output directory %s", dirs[i], out);
			return;
		}
	}
	/* A campaign or another merge writing OUT meanwhile would interleave with this one. */
	lock = kp_fuzz_dir_lock(out, &err);
	if (lock < 0) {
		res->error = g_strdup(err->message);
		return;
	}
	kp_fuzz_dir_remove_temporaries(out);
	m.by_sig = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					 (GDestroyNotify)g_ptr_array_unref);
	m.out_names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	fprintf(report, "merge into %s from %u director%s\n", out, n, n == 1 ? "y" : "ies");
	/* Every input is read before anything is written: a bad one changes nothing. */
	if (read_state(&m, dirs, n, next) && collect(&m, out, true)) {
		for (unsigned i = 0; i < n && !res->error; i++)
			collect(&m, dirs[i], false);
	}
	if (!res->error) {
		keys = keys_of(m.by_sig);
		g_ptr_array_sort(keys, by_string);
		for (unsigned i = 0; i < keys->len; i++)
			if (!merge_signature(&m, keys->pdata[i],
					     g_hash_table_lookup(m.by_sig, keys->pdata[i])))
				break;
		res->signatures = keys->len;
	}
	/* Last: a state that says runs are done only once their findings are in OUT. */
	if (!res->error)
		write_state(&m, next);
	g_hash_table_destroy(m.by_sig);
	g_hash_table_destroy(m.out_names);
	close(lock);
}

void kp_fuzz_merge_result_clear(KpFuzzMergeResult *res)
{
	g_free(res->error);
	memset(res, 0, sizeof(*res));
}
