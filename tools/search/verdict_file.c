// SPDX-License-Identifier: GPL-2.0-only
/*
 * The results files of `kpsim verdicts --save-results` and `--reuse-results`: every
 * scenario's verdict and failure groups on each port of a run, so that tables of several
 * variants against one base judge the base's corpus once.  A GKeyFile (GLib escapes
 * every value, so a message or a path may hold any UTF-8 text; other bytes are refused
 * when the file is read, never misread):
 *
 *   [results]             format, max-executions, allow (ids, blank-separated),
 *                         scenarios and ports (their counts)
 *   [port M]              name
 *   [scenario I]          path, sha256 (its bytes: a scenario edited since is refused)
 *   [scenario I port M]   load-error, or verdict (N/A: not run on the port), executions,
 *                         message, schedule and groups (a count), then for each group K
 *                         group-K-signature, -allowed, -executions, -order, -message,
 *                         -schedule
 *
 * Numbered groups and keys, not names, since a path or a signature may hold characters
 * a group name cannot.  A key whose value is NULL (a passing run's message) is left out.
 */
#include "tools/search/search.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

/* Raised when what the file holds or means changes; a reader refuses other numbers. */
#define FORMAT 1
#define MAIN "results"
#define NOT_APPLICABLE "N/A"

static const char *const verdict_names[] = {
	[KP_VERDICT_PASS] = "PASS",
	[KP_VERDICT_FAIL] = "FAIL",
	[KP_VERDICT_ERROR] = "ERROR",
	[KP_VERDICT_INCOMPLETE] = "INCOMPLETE",
	[KP_VERDICT_INTERNAL] = "INTERNAL",
};

static GPtrArray *owned_strings(void)
{
	return g_ptr_array_new_with_free_func(g_free);
}

void kp_port_verdict_copy(KpPortVerdict *dst, const KpPortVerdict *src)
{
	const KpRunResult *r = &src->res;

	memset(dst, 0, sizeof(*dst));
	dst->load_error = g_strdup(src->load_error);
	dst->not_applicable = src->not_applicable;
	dst->res.verdict = r->verdict;
	dst->res.executions = r->executions;
	dst->res.message = g_strdup(r->message);
	dst->res.schedule = g_strdup(r->schedule);
	dst->res.transitions = r->transitions;
	if (!r->groups)
		return;
	dst->res.groups = g_ptr_array_new_with_free_func(kp_explore_failure_free);
	for (unsigned i = 0; i < r->groups->len; i++) {
		const KpExploreFailure *f = r->groups->pdata[i];
		KpExploreFailure *g = g_new0(KpExploreFailure, 1);

		*g = *f;
		g->key = g_strdup(f->key);
		g->message = g_strdup(f->message);
		g->schedule = g_strdup(f->schedule);
		g_ptr_array_add(dst->res.groups, g);
	}
}

void kp_port_verdict_clear(KpPortVerdict *v)
{
	g_free(v->load_error);
	kp_run_result_clear(&v->res);
	memset(v, 0, sizeof(*v));
}

static void port_verdict_free(gpointer p)
{
	kp_port_verdict_clear(p);
	g_free(p);
}

char *kp_verdict_file_digest(const char *path)
{
	g_autofree char *text = NULL;
	size_t len;

	/* Read as the scenario is loaded: bounded, regular files only. */
	if (!kp_scenario_read(path, &text, &len, NULL))
		return g_strdup("");
	return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)text, len);
}

static char *joined(const GPtrArray *ids)
{
	g_autoptr(GString) s = g_string_new(NULL);

	for (unsigned i = 0; ids && i < ids->len; i++)
		g_string_append_printf(s, "%s%s", i ? " " : "", (const char *)ids->pdata[i]);
	return g_string_free(g_steal_pointer(&s), FALSE);
}

/* ---- writing ---- */

static void set_opt_string(GKeyFile *kf, const char *group, const char *key, const char *s)
{
	if (s)
		g_key_file_set_string(kf, group, key, s);
}

/* The keys of failure group k of a scenario's section: the writer's and the reader's. */
typedef struct {
	char *sig, *allowed, *count, *order, *message, *schedule;
} GroupKeys;

static GroupKeys group_keys(unsigned k)
{
	return (GroupKeys){
		.sig = g_strdup_printf("group-%u-signature", k),
		.allowed = g_strdup_printf("group-%u-allowed", k),
		.count = g_strdup_printf("group-%u-executions", k),
		.order = g_strdup_printf("group-%u-order", k),
		.message = g_strdup_printf("group-%u-message", k),
		.schedule = g_strdup_printf("group-%u-schedule", k),
	};
}

static void group_keys_clear(GroupKeys *key)
{
	g_free(key->sig);
	g_free(key->allowed);
	g_free(key->count);
	g_free(key->order);
	g_free(key->message);
	g_free(key->schedule);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GroupKeys, group_keys_clear)

static void save_groups(GKeyFile *kf, const char *group, const GPtrArray *groups)
{
	unsigned n = groups ? groups->len : 0;

	g_key_file_set_uint64(kf, group, "groups", n);
	for (unsigned k = 0; k < n; k++) {
		const KpExploreFailure *f = groups->pdata[k];
		g_auto(GroupKeys) key = group_keys(k);

		g_key_file_set_string(kf, group, key.sig, f->key);
		g_key_file_set_boolean(kf, group, key.allowed, f->allowed);
		g_key_file_set_uint64(kf, group, key.count, f->count);
		g_key_file_set_uint64(kf, group, key.order, f->order);
		set_opt_string(kf, group, key.message, f->message);
		set_opt_string(kf, group, key.schedule, f->schedule);
	}
}

static void save_verdict(GKeyFile *kf, const char *group, const KpPortVerdict *v)
{
	if (v->load_error) {
		g_key_file_set_string(kf, group, "load-error", v->load_error);
		return;
	}
	if (v->not_applicable) {
		g_key_file_set_string(kf, group, "verdict", NOT_APPLICABLE);
		return;
	}
	g_key_file_set_string(kf, group, "verdict", verdict_names[v->res.verdict]);
	g_key_file_set_uint64(kf, group, "executions", v->res.executions);
	set_opt_string(kf, group, "message", v->res.message);
	set_opt_string(kf, group, "schedule", v->res.schedule);
	save_groups(kf, group, v->res.groups);
}

bool kp_verdict_file_save(const char *path, const KpVerdictFile *f, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree char *allow = joined(f->allow);
	g_autofree char *text = NULL;
	unsigned n_models = f->models->len;

	g_key_file_set_comment(kf, NULL, NULL,
			       " kpsim verdicts --save-results: each scenario's verdict on each "
			       "port,\n for kpsim verdicts --reuse-results", NULL);
	g_key_file_set_integer(kf, MAIN, "format", FORMAT);
	g_key_file_set_uint64(kf, MAIN, "max-executions", f->max_executions);
	g_key_file_set_string(kf, MAIN, "allow", allow);
	g_key_file_set_uint64(kf, MAIN, "scenarios", f->paths->len);
	g_key_file_set_uint64(kf, MAIN, "ports", n_models);
	for (unsigned m = 0; m < n_models; m++) {
		g_autofree char *group = g_strdup_printf("port %u", m);

		g_key_file_set_string(kf, group, "name", f->models->pdata[m]);
	}
	for (unsigned i = 0; i < f->paths->len; i++) {
		g_autofree char *group = g_strdup_printf("scenario %u", i);

		g_key_file_set_string(kf, group, "path", f->paths->pdata[i]);
		g_key_file_set_string(kf, group, "sha256", f->digests->pdata[i]);
		for (unsigned m = 0; m < n_models; m++) {
			g_autofree char *cell = g_strdup_printf("scenario %u port %u", i, m);

			save_verdict(kf, cell, f->verdicts->pdata[i * n_models + m]);
		}
	}
	text = g_key_file_to_data(kf, NULL, NULL);
	return kp_write_file(path, text, error);
}

/* ---- reading ---- */

/* Reads that stop at the first error, so that a loader checks once at its end. */
typedef struct {
	GKeyFile *kf;
	GError *error;
} Reader;

static char *get_string(Reader *r, const char *group, const char *key, bool optional)
{
	if (r->error || (optional && !g_key_file_has_key(r->kf, group, key, NULL)))
		return NULL;
	return g_key_file_get_string(r->kf, group, key, &r->error);
}

static uint64_t get_uint64(Reader *r, const char *group, const char *key)
{
	return r->error ? 0 : g_key_file_get_uint64(r->kf, group, key, &r->error);
}

static bool get_boolean(Reader *r, const char *group, const char *key)
{
	return r->error ? false : g_key_file_get_boolean(r->kf, group, key, &r->error);
}

static void bad(Reader *r, const char *group, const char *why)
{
	if (!r->error)
		g_set_error(&r->error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "[%s]: %s", group, why);
}

/* A count the file gives, bounded so that a damaged one cannot ask for all memory. */
static unsigned get_count(Reader *r, const char *group, const char *key)
{
	uint64_t n = get_uint64(r, group, key);

	if (n > G_MAXINT) {
		bad(r, group, "a count out of range");
		return 0;
	}
	return (unsigned)n;
}

static void load_groups(Reader *r, const char *group, KpRunResult *res)
{
	unsigned n = get_count(r, group, "groups");

	res->groups = g_ptr_array_new_with_free_func(kp_explore_failure_free);
	for (unsigned k = 0; k < n && !r->error; k++) {
		KpExploreFailure *f = g_new0(KpExploreFailure, 1);
		g_auto(GroupKeys) key = group_keys(k);

		f->key = get_string(r, group, key.sig, false);
		f->allowed = get_boolean(r, group, key.allowed);
		f->count = get_uint64(r, group, key.count);
		f->order = get_uint64(r, group, key.order);
		f->message = get_string(r, group, key.message, true);
		f->schedule = get_string(r, group, key.schedule, true);
		g_ptr_array_add(res->groups, f);
	}
}

static void load_verdict(Reader *r, const char *group, KpPortVerdict *v)
{
	g_autofree char *verdict = NULL;
	bool known = false;

	v->load_error = get_string(r, group, "load-error", true);
	if (v->load_error)
		return;
	verdict = get_string(r, group, "verdict", false);
	if (r->error)
		return;
	if (!strcmp(verdict, NOT_APPLICABLE)) {
		v->not_applicable = true;
		return;
	}
	for (unsigned k = 0; k < G_N_ELEMENTS(verdict_names) && !known; k++)
		if (!strcmp(verdict, verdict_names[k])) {
			v->res.verdict = (KpVerdict)k;
			known = true;
		}
	if (!known) {
		bad(r, group, "an unknown verdict");
		return;
	}
	v->res.executions = get_uint64(r, group, "executions");
	v->res.message = get_string(r, group, "message", true);
	v->res.schedule = get_string(r, group, "schedule", true);
	load_groups(r, group, &v->res);
}

static void load_body(Reader *r, KpVerdictFile *f)
{
	g_autofree char *allow = NULL;
	unsigned n_files, n_models;

	if (g_key_file_get_integer(r->kf, MAIN, "format", &r->error) != FORMAT && !r->error)
		bad(r, MAIN, "written by another version of kpsim (format is not "
			G_STRINGIFY(FORMAT) ")");
	f->max_executions = get_uint64(r, MAIN, "max-executions");
	allow = get_string(r, MAIN, "allow", false);
	if (allow) {
		g_auto(GStrv) ids = g_strsplit_set(allow, " \t", -1);

		for (unsigned i = 0; ids[i]; i++)
			if (*ids[i])
				g_ptr_array_add(f->allow, g_strdup(ids[i]));
	}
	n_files = get_count(r, MAIN, "scenarios");
	n_models = get_count(r, MAIN, "ports");
	for (unsigned m = 0; m < n_models && !r->error; m++) {
		g_autofree char *group = g_strdup_printf("port %u", m);
		char *name = get_string(r, group, "name", false);

		if (name)
			g_ptr_array_add(f->models, name);
	}
	for (unsigned i = 0; i < n_files && !r->error; i++) {
		g_autofree char *group = g_strdup_printf("scenario %u", i);
		char *path = get_string(r, group, "path", false);
		char *digest = get_string(r, group, "sha256", false);

		if (path)
			g_ptr_array_add(f->paths, path);
		if (digest)
			g_ptr_array_add(f->digests, digest);
		for (unsigned m = 0; m < n_models && !r->error; m++) {
			g_autofree char *cell = g_strdup_printf("scenario %u port %u", i, m);
			KpPortVerdict *v = g_new0(KpPortVerdict, 1);

			g_ptr_array_add(f->verdicts, v);
			load_verdict(r, cell, v);
		}
	}
}

bool kp_verdict_file_load(const char *path, KpVerdictFile *f, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	Reader r = { .kf = kf };

	memset(f, 0, sizeof(*f));
	f->allow = owned_strings();
	f->paths = owned_strings();
	f->digests = owned_strings();
	f->models = owned_strings();
	f->verdicts = g_ptr_array_new_with_free_func(port_verdict_free);
	/* GLib refuses what is not a regular file (a directory, /dev/null). */
	if (g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &r.error))
		load_body(&r, f);
	if (r.error) {
		g_propagate_prefixed_error(error, r.error, "%s: ", path);
		return false;
	}
	return true;
}

/* ---- matching a run ---- */

static char *cap_text(uint64_t max_executions)
{
	if (!max_executions)
		return g_strdup("0 (no cap)");
	return g_strdup_printf("%" PRIu64, max_executions);
}

static bool misfit(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);

static bool misfit(GError **error, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	g_propagate_error(error, g_error_new_valist(G_FILE_ERROR, G_FILE_ERROR_INVAL, format,
						     ap));
	va_end(ap);
	return false;
}

bool kp_verdict_file_fits(const KpVerdictFile *saved, const KpVerdictFile *run,
			  GError **error)
{
	g_autofree char *saved_allow = joined(saved->allow);
	g_autofree char *run_allow = joined(run->allow);

	if (saved->max_executions != run->max_executions) {
		g_autofree char *a = cap_text(saved->max_executions);
		g_autofree char *b = cap_text(run->max_executions);

		return misfit(error, "judged with --max-executions %s, this run with %s", a, b);
	}
	if (strcmp(saved_allow, run_allow))
		return misfit(error, "judged with the allowed ids %s, this run with %s "
			      "(--allow, --allow-file)", *saved_allow ? saved_allow : "none",
			      *run_allow ? run_allow : "none");
	if (saved->paths->len != run->paths->len)
		return misfit(error, "judged %u scenarios, this run %u", saved->paths->len,
			      run->paths->len);
	for (unsigned i = 0; i < run->paths->len; i++) {
		const char *path = run->paths->pdata[i];

		if (strcmp(saved->paths->pdata[i], path))
			return misfit(error, "its scenario %u is %s, this run's is %s", i + 1,
				      (const char *)saved->paths->pdata[i], path);
		if (strcmp(saved->digests->pdata[i], run->digests->pdata[i]))
			return misfit(error, "%s has changed since the file was saved", path);
	}
	return true;
}

int kp_verdict_file_model(const KpVerdictFile *f, const char *model)
{
	for (unsigned m = 0; m < f->models->len; m++)
		if (!strcmp(f->models->pdata[m], model))
			return (int)m;
	return -1;
}

void kp_verdict_file_clear(KpVerdictFile *f)
{
	GPtrArray **arrays[] = { &f->allow, &f->paths, &f->digests, &f->models, &f->verdicts };

	for (unsigned i = 0; i < G_N_ELEMENTS(arrays); i++)
		if (*arrays[i])
			g_ptr_array_unref(*arrays[i]);
	memset(f, 0, sizeof(*f));
}
