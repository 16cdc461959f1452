/* SPDX-License-Identifier: GPL-2.0-only */
/* The kpsim subcommands.  Each returns the process exit status (see kpsim --help). */
#ifndef KPSIM_TOOLS_COMMANDS_H
#define KPSIM_TOOLS_COMMANDS_H

enum {
	KP_EXIT_PASS = 0,
	KP_EXIT_FAIL = 1,	/* a violation or failed expectation */
	KP_EXIT_USAGE = 2,	/* bad usage or bad input */
	KP_EXIT_INTERNAL = 3,
	KP_EXIT_BUDGET = 4,	/* the budget ended before the exploration did */
};

int kp_cmd_demo(int argc, char **argv);
int kp_cmd_run(int argc, char **argv);
int kp_cmd_replay(int argc, char **argv);
int kp_cmd_compare(int argc, char **argv);
int kp_cmd_explore(int argc, char **argv);
int kp_cmd_invariants(int argc, char **argv);
int kp_cmd_models(int argc, char **argv);
int kp_cmd_minimize(int argc, char **argv);
int kp_cmd_fuzz(int argc, char **argv);

/* The port named `name` ("6274de4"), or NULL. */
struct KpModel;
const struct KpModel *kp_find_model(const char *name);
int kp_cmd_bench(int argc, char **argv);

#endif
