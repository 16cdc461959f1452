// SPDX-License-Identifier: GPL-2.0-only
/* kpsim: the command-line entry point. */
#include "tools/cli/commands.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} KpCommand;

static const KpCommand commands[] = {
	{ "run", kp_cmd_run, "run scenario files (or directories of them) and judge them" },
	{ "explore", kp_cmd_explore, "explore a scenario's executions: dfs, random or pct" },
	{ "fuzz", kp_cmd_fuzz, "explore generated scenarios; write each new failure, minimized" },
	{ "minimize", kp_cmd_minimize, "make a failing scenario smaller, its failing schedule embedded" },
	{ "replay", kp_cmd_replay, "run one execution of a scenario and print its full trace" },
	{ "compare", kp_cmd_compare, "run a scenario on two ports and show the differences" },
	{ "demo", kp_cmd_demo, "run the bundled engine demo workload and print its trace" },
	{ "bench", kp_cmd_bench, "measure the engine's speed; prints `name value unit` lines" },
	{ "invariants", kp_cmd_invariants, "list every invariant kpsim checks, with its id" },
	{ "models", kp_cmd_models, "list the kernel ports and variants: commit, title, base" },
	{ "verdicts", kp_cmd_verdicts,
	  "run scenarios on two or more ports or variants and list where verdicts differ" },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: kpsim [--help] [--version] COMMAND [ARGS...]\n\n"
		     "A deterministic simulator of the Linux kprobes state machine "
		     "(ports of 6274de4984a6 and of its parent, and variants of them).\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n`kpsim COMMAND --help` describes each command.\n"
		     "Exit status: 0 pass, 1 a violation or failed expectation, 2 bad usage or "
		     "input\n(or standard output could not be written), 3 internal error, "
		     "4 budget exhausted\nbefore exploration finished.\n");
}

/*
 * A report that did not reach its reader (a full disk) must not look like success: every
 * command's standard output is checked once, at exit, which also covers GOption's --help
 * (it calls exit() itself).  Worker processes leave with _exit() and skip this.
 */
static void close_stdout(void)
{
	int err = fflush(stdout) != 0 ? errno : 0;
	bool failed = err || ferror(stdout);

	if (fclose(stdout) != 0 && !failed) {
		err = errno;
		failed = true;
	}
	if (!failed)
		return;
	/* An earlier write's errno is gone when only the stream's error flag remains. */
	fprintf(stderr, "kpsim: error writing standard output%s%s\n", err ? ": " : "",
		err ? g_strerror(err) : "");
	_exit(KP_EXIT_USAGE);
}

static int run_command(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return KP_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return KP_EXIT_PASS;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("kpsim %s\n", KPSIM_VERSION);
		return KP_EXIT_PASS;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "kpsim: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return KP_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	atexit(close_stdout);
	return run_command(argc, argv);
}
