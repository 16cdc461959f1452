// SPDX-License-Identifier: GPL-2.0-only
/*
 * A fuzzing campaign's output directory: the state file that says where each campaign
 * configuration resumes, and the signatures of the findings already written.
 */
#include "tools/search/internal.h"

#include "sim/strategy.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIGNATURE_LINE "# Signature: "

void kp_fuzz_state_line_free(gpointer p)
{
	KpFuzzStateLine *l = p;

	g_free(l->line);
	g_free(l->key);
	g_free(l);
}

bool kp_fuzz_state_parse(const char *dir, GPtrArray *lines, GError **error)
{
	g_autofree char *path = g_build_filename(dir, KP_FUZZ_STATE_FILE, NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) err = NULL;
	g_auto(GStrv) split = NULL;
	GStatBuf st;

	/*
	 * Only a regular file holds a state: a device (a symlink to /dev/null, /dev/full) is
	 * written as it is but never read, which for /dev/zero would not end.
	 */
	if (g_stat(path, &st) < 0 ? errno == ENOENT :
	    !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return true;
	if (!g_file_get_contents(path, &text, NULL, &err)) {
		g_set_error(error, G_FILE_ERROR, err->code, "cannot read %s: %s", path,
			    err->message);
		return false;
	}
	split = g_strsplit(text, "\n", -1);
	for (char **l = split; *l; l++) {
		const char *at = strstr(*l, " next ");
		KpFuzzStateLine *sl;
		guint64 n;

		if (!**l || (*l)[0] == '#')
			continue;
		/*
		 * A line that is not "KEY next N" would otherwise resume a campaign at a wrong
		 * index ("next -5" reads as 2^64 - 5: the campaign would silently be over) or be
		 * dropped at the next write: refused, for its owner to repair.  Every key ends in
		 * "seed N" or "shard K/N", so the last " next " is the one before the index.
		 */
		for (const char *a = at; a; a = strstr(a + 1, " next "))
			at = a;
		if (!at || at == *l ||
		    !g_ascii_string_to_unsigned(at + strlen(" next "), 10, 0, G_MAXUINT64, &n,
						NULL)) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
				    "%s:%u: not a campaign line \"KEY next N\" with N a run "
				    "index 0..%" PRIu64 ": %s", path, (unsigned)(l - split + 1),
				    (uint64_t)G_MAXUINT64, *l);
			g_ptr_array_set_size(lines, 0);
			return false;
		}
		sl = g_new0(KpFuzzStateLine, 1);
		sl->line = g_strdup(*l);
		sl->key = g_strndup(*l, (gsize)(at - *l));
		sl->next = n;
		g_ptr_array_add(lines, sl);
	}
	return true;
}

bool kp_fuzz_state_read(const char *dir, const char *key, GPtrArray *others, uint64_t *next,
			GError **error)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(kp_fuzz_state_line_free);

	*next = 0;
	if (!kp_fuzz_state_parse(dir, lines, error))
		return false;
	for (unsigned i = 0; i < lines->len; i++) {
		const KpFuzzStateLine *l = lines->pdata[i];

		/* "seed 1" must not take the line of "seed 10": the key ends at " next ". */
		if (!strcmp(l->key, key))
			*next = l->next;
		else
			g_ptr_array_add(others, g_strdup(l->line));
	}
	return true;
}

bool kp_fuzz_state_write_lines(const char *dir, GPtrArray *lines, GError **error)
{
	g_autofree char *path = g_build_filename(dir, KP_FUZZ_STATE_FILE, NULL);
	g_autoptr(GString) s = g_string_new("# kpsim fuzz: the next run index of each campaign\n");

	for (unsigned i = 0; i < lines->len; i++)
		g_string_append_printf(s, "%s\n", (char *)lines->pdata[i]);
	return kp_write_file(path, s->str, error);
}

bool kp_fuzz_state_write(const char *dir, const char *key, GPtrArray *others, uint64_t next,
			 GError **error)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);

	for (unsigned i = 0; i < others->len; i++)
		g_ptr_array_add(lines, g_strdup(others->pdata[i]));
	g_ptr_array_add(lines, g_strdup_printf("%s next %" PRIu64, key, next));
	return kp_fuzz_state_write_lines(dir, lines, error);
}

/*
 * Signatures once named the source line that reported a violation ("violation A5
 * (check.c:64)").  A finding written then is replayed to learn its signature today, so a
 * campaign resumed on an old directory does not write the same failure again under its
 * new name.
 */
static bool is_line_signature(const char *key)
{
	const char *open = strrchr(key, '(');
	const char *colon = open ? strchr(open, ':') : NULL;

	if (!g_str_has_prefix(key, "violation ") || !colon || !g_str_has_suffix(key, ")"))
		return false;
	for (const char *p = colon + 1; *p != ')'; p++)
		if (!g_ascii_isdigit(*p))
			return false;
	return colon > open + 1 && colon[1] != ')';
}

/*
 * A violation signature written before signatures named a cause: "violation ID (site)"
 * with no "[cause]" after it.
 */
static bool is_causeless_signature(const char *key)
{
	return g_str_has_prefix(key, "violation ") && g_str_has_suffix(key, ")") &&
	       !strstr(key, ") [");
}

/*
 * The signature the finding's embedded schedule fails with now: of the failures its
 * execution shows, the first whose signature begins as `old` does up to its site (the
 * same violation, now with its cause), else the first that is not allowed.  NULL if it
 * passes.
 */
static char *replayed_signature(const char *path, const char *text, const char *old)
{
	g_autoptr(KpScenario) sc = kp_scenario_parse(path, text, strlen(text), NULL);
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(kp_failure_free);
	const char *site_end = strrchr(old, ')');
	size_t same = site_end && !is_line_signature(old) ? (size_t)(site_end - old) + 1 : 0;
	char *out = NULL;
	KpExec *x;
	SimStrategy *s;
	SimEnd end;

	if (!sc || !sc->schedule || !(s = sim_strategy_replay_new(sc->schedule, NULL)))
		return NULL;
	x = kp_exec_new(sc);
	end = kp_exec_run(x, s, NULL);
	sim_strategy_free(s);
	if (end != SIM_END_NONE && end != SIM_END_DIVERGED && !kp_exec_judge_all(x, all)) {
		for (unsigned i = 0; i < all->len && !out; i++) {
			const KpFailure *f = all->pdata[i];

			if (!f->allowed && same && !strncmp(f->key, old, same))
				out = g_strdup(f->key);
		}
		for (unsigned i = 0; i < all->len && !out; i++)
			if (!((const KpFailure *)all->pdata[i])->allowed)
				out = g_strdup(((const KpFailure *)all->pdata[i])->key);
	}
	kp_exec_free(x);
	return out;
}

char *kp_fuzz_finding_signature(const char *path, const char *text)
{
	const char *sig = strstr(text, SIGNATURE_LINE), *end;
	char *key;

	if (!sig)
		return NULL;
	sig += strlen(SIGNATURE_LINE);
	end = strchr(sig, '\n');
	key = g_strndup(sig, end ? (size_t)(end - sig) : strlen(sig));
	if (is_line_signature(key) || is_causeless_signature(key)) {
		char *now = replayed_signature(path, text, key);

		if (now) {
			g_free(key);
			key = now;
		}
	}
	return key;
}

void kp_fuzz_dir_findings(const char *dir, GHashTable *signatures, GHashTable *files)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	if (!d)
		return;
	while ((name = g_dir_read_name(d))) {
		g_autofree char *path = NULL;
		g_autofree char *text = NULL;
		size_t len;
		char *key;

		/* Dot files are the temporary files of writes that did not finish. */
		if (!g_str_has_suffix(name, ".kps") || name[0] == '.')
			continue;
		g_hash_table_add(files, g_strdup(name));
		path = g_build_filename(dir, name, NULL);
		/* Bounded, regular files only: a finding may be a link to /dev/zero. */
		if (!kp_scenario_read(path, &text, &len, NULL))
			continue;
		key = kp_fuzz_finding_signature(path, text);
		if (!key)
			continue;
		if (g_hash_table_contains(signatures, key))
			g_free(key);
		else
			g_hash_table_insert(signatures, key, g_strdup(name));
	}
}

int kp_fuzz_dir_lock(const char *dir, GError **error)
{
	g_autofree char *path = g_build_filename(dir, KP_FUZZ_LOCK_FILE, NULL);
	char pid[32] = "";
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	ssize_t k;

	if (fd < 0) {
		int e = errno;

		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
			    "cannot create the lock file %s: %s", path, g_strerror(e));
		return -1;
	}
	/*
	 * flock(), not fcntl(): its lock belongs to the open file and ends with the last
	 * descriptor of it, whenever and however the process ends (SIGKILL too).
	 */
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		if (e == EINTR)
			continue;
		if (e == EWOULDBLOCK) {
			k = pread(fd, pid, sizeof(pid) - 1, 0);
			pid[k > 0 ? k : 0] = '\0';
			g_strchomp(pid);
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
				    "%s is in use by another kpsim fuzz (pid %s)", dir,
				    pid[0] ? pid : "unknown");
		} else {
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
				    "cannot lock %s: %s", path, g_strerror(e));
		}
		close(fd);
		return -1;
	}
	/* The holder's pid, for the message of the one refused; only informative. */
	g_snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0) {
		/* The lock holds without it. */
	}
	return fd;
}

void kp_fuzz_dir_remove_temporaries(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	if (!d)
		return;
	/*
	 * kp_write_file's ".NAME.tmp-XXXXXX" files.  The caller holds the directory's lock,
	 * so no write is under way: any such file was left by a campaign killed mid-write.
	 */
	while ((name = g_dir_read_name(d))) {
		if (name[0] == '.' && strstr(name, KP_WRITE_FILE_TMP_INFIX)) {
			g_autofree char *path = g_build_filename(dir, name, NULL);

			g_unlink(path);
		}
	}
}
