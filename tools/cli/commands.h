/* SPDX-License-Identifier: GPL-2.0-only */
/* The kpsim subcommands.  Each returns the process exit status (KP_EXIT_*, kpsim --help). */
#ifndef KPSIM_TOOLS_CLI_COMMANDS_H
#define KPSIM_TOOLS_CLI_COMMANDS_H

#include "tools/run/run.h"

#include <glib.h>
#include <stdbool.h>

int kp_cmd_demo(int argc, char **argv);
int kp_cmd_run(int argc, char **argv);
int kp_cmd_replay(int argc, char **argv);
int kp_cmd_compare(int argc, char **argv);
int kp_cmd_explore(int argc, char **argv);
int kp_cmd_invariants(int argc, char **argv);
int kp_cmd_models(int argc, char **argv);
int kp_cmd_minimize(int argc, char **argv);
int kp_cmd_fuzz(int argc, char **argv);
int kp_cmd_bench(int argc, char **argv);
int kp_cmd_verdicts(int argc, char **argv);

/* ---- shared by the subcommands (options.c) ---- */

/* Worker processes or threads a command may be given with --jobs. */
#define KP_CLI_MAX_JOBS 256

/*
 * Parse the options of `kpsim CMD`: `params` is the usage line after the command ("FILE -
 * what it does"), `description` the --help text after the options (NULL: none).  On a bad
 * option, prints `kpsim CMD: why` and returns false.
 */
bool kp_cli_parse(const char *cmd, const char *params, const char *description,
		  const GOptionEntry *entries, int *argc, char ***argv);
/*
 * Add `path` to out (g_strdup'ed) if it is not a directory, else every .kps file below it
 * in path order, links followed except back up the walk.  False if a directory cannot
 * be read.
 */
bool kp_cli_collect_scenarios(const char *path, GPtrArray *out);
/* False, with `kpsim CMD: unexpected argument`, when arguments are left after the options. */
bool kp_cli_no_arguments(const char *cmd, int argc, char **argv);
/* --format of the commands that print a report three ways (compare, verdicts). */
typedef enum { KP_FMT_TEXT, KP_FMT_JSON, KP_FMT_MARKDOWN } KpCliFormat;
/* Set *fmt from `name` (NULL: text); false, with the error printed, for another name. */
bool kp_cli_format(const char *cmd, const char *name, KpCliFormat *fmt);
/*
 * Set *model to the port `name` names (kp_model_find); NULL leaves *model.  False, with
 * the error printed, for a name no port has.
 */
bool kp_cli_model(const char *cmd, const char *name, const KpModel **model);
/*
 * `s` (a path, a message naming one) fit for a `#` comment of a written scenario: a
 * newline or carriage return in it, which would end the comment, as `\n` or `\r`.
 * Free with g_free.
 */
char *kp_cli_one_line(const char *s);

/*
 * --allow ID[,ID...] (repeatable) and --allow-file FILE (repeatable; one id a line, `#`
 * comments), shared by run, explore, fuzz and minimize: KP_CLI_ALLOW_OPTIONS(&a) in the
 * command's option table, then kp_cli_allow_resolve() once parsed, and
 * kp_cli_allow_apply() to each scenario (it joins the scenario's own `allow` lines).
 */
typedef struct {
	char **opt;		/* --allow values, as given */
	char **files;		/* --allow-file values */
	GPtrArray *ids;		/* const char *: the catalogue's strings, once resolved */
} KpCliAllow;

#define KP_CLI_ALLOW_OPTIONS(a)                                                              \
	{ "allow", 0, 0, G_OPTION_ARG_STRING_ARRAY, &(a)->opt,                               \
	  "do not fail on violations with these ids (see kpsim invariants); repeatable",     \
	  "ID[,ID...]" },                                                                    \
	{ "allow-file", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &(a)->files,                      \
	  "allow the ids FILE lists, one a line (# comments); repeatable", "FILE" }

/* Check every id; false with `kpsim CMD: FILE:LINE:COL: ...` (or the --allow value) printed. */
bool kp_cli_allow_resolve(const char *cmd, KpCliAllow *a);
void kp_cli_allow_apply(const KpCliAllow *a, KpScenario *sc);
void kp_cli_allow_clear(KpCliAllow *a);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(KpCliAllow, kp_cli_allow_clear)

#endif
