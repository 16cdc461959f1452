// SPDX-License-Identifier: GPL-2.0-only
/*
 * --shard K/N and --shard auto: which part of a campaign or an exploration this process
 * does (docs/scaling.md).  `auto` reads the task number a job scheduler gives each task
 * of an array; the environment is passed in, so that nothing here reads global state.
 */
#include "tools/search/search.h"

#include <inttypes.h>
#include <string.h>

#define ERR(error, ...) g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, __VA_ARGS__)

/* The variable `name` of env as a decimal number in [min, max]; false with *error set. */
static bool env_number(char **env, const char *name, uint64_t min, uint64_t max, bool required,
		       uint64_t *out, GError **error)
{
	const char *v = g_environ_getenv(env, name);
	guint64 n;

	if (!v) {
		if (required)
			ERR(error, "--shard auto: %s is not set", name);
		return !required;
	}
	if (!g_ascii_string_to_unsigned(v, 10, min, max, &n, NULL)) {
		ERR(error, "--shard auto: %s=%s is not a number from %" PRIu64 " to %" PRIu64, name,
		    v, min, max);
		return false;
	}
	*out = n;
	return true;
}

/*
 * A Slurm job array: `sbatch --array=MIN-MAX[:STEP]` runs COUNT tasks numbered MIN,
 * MIN+STEP, ..., MAX.  The ids need not start at 0 (--array=1-8), so the shard is the
 * task's place in the array, not its id.  An array given as a list (--array=1,4,9) has
 * no such place: refused, since two tasks could otherwise take one shard.
 */
static bool from_slurm(char **env, KpShard *out, GError **error)
{
	static const char *const vars[] = {
		"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX",
		"SLURM_ARRAY_TASK_STEP", "SLURM_ARRAY_TASK_COUNT",
	};
	uint64_t id = 0, min = 0, max = 0, step = 1, count = 0;
	bool has_max = g_environ_getenv(env, "SLURM_ARRAY_TASK_MAX") != NULL;
	GString *src = g_string_new(NULL);

	if (!env_number(env, "SLURM_ARRAY_TASK_ID", 0, G_MAXUINT32, true, &id, error) ||
	    !env_number(env, "SLURM_ARRAY_TASK_MIN", 0, G_MAXUINT32, true, &min, error) ||
	    !env_number(env, "SLURM_ARRAY_TASK_COUNT", 1, KP_SHARD_MAX, true, &count, error) ||
	    !env_number(env, "SLURM_ARRAY_TASK_MAX", 0, G_MAXUINT32, false, &max, error) ||
	    !env_number(env, "SLURM_ARRAY_TASK_STEP", 1, G_MAXUINT32, false, &step, error)) {
		g_string_free(src, TRUE);
		return false;
	}
	for (unsigned i = 0; i < G_N_ELEMENTS(vars); i++)
		if (g_environ_getenv(env, vars[i]))
			g_string_append_printf(src, "%s%s=%s", src->len ? ", " : "", vars[i],
					       g_environ_getenv(env, vars[i]));
	out->source = g_string_free(src, FALSE);
	if (id < min || (id - min) % step || (id - min) / step >= count ||
	    (has_max && max - min != (count - 1) * step)) {
		ERR(error, "--shard auto: the Slurm array is not a range MIN-MAX[:STEP] of "
		    "SLURM_ARRAY_TASK_COUNT tasks (%s): give --shard K/N", out->source);
		return false;
	}
	out->index = (unsigned)((id - min) / step);
	out->count = (unsigned)count;
	return true;
}

/*
 * K from `index_var` (minus `base`), N from KPSIM_SHARD_COUNT: Kubernetes and GNU
 * parallel number their tasks but do not say how many there are.
 */
static bool from_counted(char **env, const char *index_var, unsigned base, const char *who,
			 KpShard *out, GError **error)
{
	uint64_t index = 0, count = 0;

	if (!g_environ_getenv(env, "KPSIM_SHARD_COUNT")) {
		ERR(error, "--shard auto: %s is set (%s) but KPSIM_SHARD_COUNT is not: set it to "
		    "the number of tasks (%s)", index_var, who,
		    base ? "parallel --env KPSIM_SHARD_COUNT passes it to other hosts" :
			   "the Job's completions, in the manifest's env");
		return false;
	}
	if (!env_number(env, index_var, base, G_MAXUINT32, true, &index, error) ||
	    !env_number(env, "KPSIM_SHARD_COUNT", 1, KP_SHARD_MAX, true, &count, error))
		return false;
	out->source = g_strdup_printf("%s=%" PRIu64 ", KPSIM_SHARD_COUNT=%" PRIu64, index_var,
				      index, count);
	if (index - base >= count) {
		ERR(error, "--shard auto: %s=%" PRIu64 " is task %" PRIu64 " of %s, but "
		    "KPSIM_SHARD_COUNT=%" PRIu64 ": run exactly KPSIM_SHARD_COUNT tasks", index_var,
		    index, index - base + 1, who, count);
		return false;
	}
	out->index = (unsigned)(index - base);
	out->count = (unsigned)count;
	return true;
}

static bool parse_auto(char **env, KpShard *out, GError **error)
{
	static const char *const marks[] = {
		"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "PARALLEL_SEQ",
	};
	g_autoptr(GString) set = g_string_new(NULL);
	unsigned n = 0, which = 0;

	for (unsigned i = 0; i < G_N_ELEMENTS(marks); i++)
		if (g_environ_getenv(env, marks[i])) {
			g_string_append_printf(set, "%s%s", n ? " and " : "", marks[i]);
			which = i;
			n++;
		}
	if (n == 0) {
		ERR(error, "--shard auto: no task number in the environment: none of "
		    "SLURM_ARRAY_TASK_ID (a Slurm job array, with SLURM_ARRAY_TASK_MIN and "
		    "SLURM_ARRAY_TASK_COUNT), JOB_COMPLETION_INDEX (a Kubernetes Indexed Job, with "
		    "KPSIM_SHARD_COUNT set to its completions) or PARALLEL_SEQ (GNU parallel, with "
		    "KPSIM_SHARD_COUNT set to the number of jobs) is set; give --shard K/N");
		return false;
	}
	/* Nested schedulers (GNU parallel inside a Slurm task): which one is meant? */
	if (n > 1) {
		ERR(error, "--shard auto: %s are both set: which scheduler numbers the shards is "
		    "ambiguous; give --shard K/N", set->str);
		return false;
	}
	switch (which) {
	case 0:
		return from_slurm(env, out, error);
	case 1:
		return from_counted(env, "JOB_COMPLETION_INDEX", 0, "the Kubernetes Indexed Job",
				    out, error);
	default:
		return from_counted(env, "PARALLEL_SEQ", 1, "the GNU parallel jobs", out, error);
	}
}

bool kp_shard_parse(const char *text, char **env, KpShard *out, GError **error)
{
	const char *slash = strchr(text, '/');
	g_autofree char *k = NULL;
	guint64 index, count;

	memset(out, 0, sizeof(*out));
	if (!strcmp(text, "auto")) {
		if (parse_auto(env, out, error))
			return true;
		kp_shard_clear(out);
		return false;
	}
	k = slash ? g_strndup(text, (gsize)(slash - text)) : NULL;
	if (!slash ||
	    !g_ascii_string_to_unsigned(slash + 1, 10, 1, KP_SHARD_MAX, &count, NULL) ||
	    !g_ascii_string_to_unsigned(k, 10, 0, count - 1, &index, NULL)) {
		ERR(error, "--shard takes K/N with 0 <= K < N <= %u, or auto, not '%s'",
		    KP_SHARD_MAX, text);
		return false;
	}
	out->index = (unsigned)index;
	out->count = (unsigned)count;
	return true;
}

void kp_shard_clear(KpShard *s)
{
	g_free(s->source);
	memset(s, 0, sizeof(*s));
}
