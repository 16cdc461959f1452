/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Scenario files (.kps, docs/scenario-language.md) parsed into what the runner needs: a
 * ready-to-run KpScript plus what a script does not hold (the header values the runner
 * applies, the scenario's own functions, the expectations, how to explore, a schedule to
 * replay).  Probe and call symbols stay names, resolved when the scenario runs; the parser
 * has checked that each is a symbol of the built-in image or one of the scenario's own
 * functions, so a misspelt one is an error of the file, not of a run.
 */
#ifndef KPSIM_TOOLS_SCENARIO_SCENARIO_H
#define KPSIM_TOOLS_SCENARIO_SCENARIO_H

#include "model/script.h"

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#define KP_SCENARIO_ERROR (g_quark_from_static_string("kp-scenario-error"))

typedef enum {
	KP_SCENARIO_ERROR_PARSE,	/* the text is not a valid scenario */
	KP_SCENARIO_ERROR_READ,		/* the file could not be read */
} KpScenarioErrorCode;

/* The language's limits; exceeding one is an input error like any other. */
#define KP_SCENARIO_MAX_CPUS 16
#define KP_SCENARIO_TASKS_PER_CPU 4
#define KP_SCENARIO_MAX_TASKS (KP_SCENARIO_MAX_CPUS * KP_SCENARIO_TASKS_PER_CPU)
#define KP_SCENARIO_MAX_OPS 4096		/* per task */
#define KP_SCENARIO_MAX_EXPECTS 64
#define KP_SCENARIO_MAX_FUNCTIONS 1024
#define KP_SCENARIO_MAX_FUNCTION_BYTES 4096
/*
 * All functions together: the emulated scenario text region (EMU_TEXT_SCENARIO_LIMIT of
 * arch_x86_emu/text.h), each function starting at a KP_SCENARIO_FUNCTION_ALIGN boundary.
 * 1024 functions of 4096 bytes would not fit it.
 */
#define KP_SCENARIO_MAX_FUNCTION_TEXT 0x00100000u
#define KP_SCENARIO_FUNCTION_ALIGN 16
#define KP_SCENARIO_MAX_TEXT_BYTES 64		/* bytes an `expect ... text` compares */
#define KP_SCENARIO_MAX_STRING 1024		/* decoded bytes of one string */
/* Distinct ids an `allow` list may hold (more than the catalogue has). */
#define KP_SCENARIO_MAX_ALLOW 128
/*
 * The largest file read: far above what the limits above let a valid scenario hold, so a
 * file larger is refused before it is read whole (/dev/zero, a mistaken path).
 */
#define KP_SCENARIO_MAX_FILE_BYTES (16u << 20)

/* A code location: symbol+offset, or an absolute address when symbol is NULL. */
typedef struct {
	const char *symbol;
	unsigned long offset;	/* the offset after the symbol, or the address */
} KpScenarioLocation;

/* `function NAME HEXBYTES+`: code the runner adds to the image. */
typedef struct {
	const char *name;
	const uint8_t *bytes;
	size_t n_bytes;
	int line, col;		/* where its name is */
} KpScenarioFunction;

typedef enum {
	KP_EXPECT_ALWAYS,
	KP_EXPECT_SOMETIMES,
	KP_EXPECT_END,
} KpExpectKind;

typedef enum {
	KP_COND_NO_VIOLATION,
	KP_COND_VIOLATION,	/* id */
	KP_COND_PROBE_FIELD,	/* probe, field, cmp, value */
	KP_COND_TEXT_ORIGINAL,	/* loc, cmp (EQ or NE) */
	KP_COND_TEXT_BYTES,	/* loc, bytes (cmp is EQ) */
	KP_COND_OPTIMIZATION,	/* value 0 or 1 (cmp is EQ) */
	KP_COND_ARMED,		/* value 0 or 1 (cmp is EQ) */
	KP_COND_STOP_MACHINES,	/* cmp, value */
	KP_COND_GRACE_PERIODS,	/* cmp, value */
} KpCondKind;

typedef enum {
	KP_FIELD_HITS,
	KP_FIELD_POST_HITS,
	KP_FIELD_FAULT_HITS,
	KP_FIELD_BREAK_HITS,
	KP_FIELD_RETURN_HITS,	/* a kretprobe's return handler calls */
	KP_FIELD_NMISSED,
	KP_FIELD_FLAGS,
} KpProbeField;

typedef enum {
	KP_CMP_EQ,
	KP_CMP_NE,
	KP_CMP_LT,
	KP_CMP_LE,
	KP_CMP_GT,
	KP_CMP_GE,
} KpCmp;

typedef struct {
	KpExpectKind kind;
	KpCondKind cond;
	KpCmp cmp;
	const char *id;			/* KP_COND_VIOLATION: the invariant id */
	unsigned probe;			/* KP_COND_PROBE_FIELD: index in script.probes */
	KpProbeField field;
	KpScenarioLocation loc;		/* KP_COND_TEXT_* */
	const uint8_t *bytes;		/* KP_COND_TEXT_BYTES */
	size_t n_bytes;
	uint64_t value;
	int line;
} KpExpectation;

typedef enum {
	KP_EXPLORE_FIRST,
	KP_EXPLORE_RANDOM,
	KP_EXPLORE_DFS,
	KP_EXPLORE_PCT,
} KpExploreKind;

/* Runs of `explore random` and `explore pct` when the line does not say. */
#define KP_EXPLORE_DEFAULT_RUNS 100
/* PCT's depth when the line does not say. */
#define KP_EXPLORE_DEFAULT_DEPTH 3

typedef struct {
	KpExploreKind kind;
	uint64_t runs;		/* random, pct: executions; dfs: a budget (0: none) */
	uint64_t seed;		/* the first seed, when has_seed */
	bool has_seed;
	int preemptions;	/* dfs: the preemption bound, -1 unbounded */
	bool no_reduce;		/* dfs: without sleep sets */
	unsigned depth;		/* pct: bug depth d */
	int line;		/* 0: no explore line (explore first) */
} KpExplore;

typedef struct {
	const char *path;	/* as given to the parser, for reports */
	const char *model_name;
	/*
	 * `model NAME only`: the scenario's verdicts hold for that port alone, so running
	 * it on another port (kpsim run --model) reports it as not applicable.
	 */
	bool model_only;

	/*
	 * Header values.  optimize_delay and branch_choice are also set in `script`;
	 * max_steps is the engine's step bound, 0 when the file does not set one.
	 */
	unsigned n_cpus;
	unsigned optimize_delay;	/* jiffies; 5 (the kernel's) unless set */
	bool branch_choice;
	uint64_t max_steps;
	bool no_checker;	/* `checker off`: runs without the invariant checker */
	/*
	 * `allow ID ...` lines and --allow: violations with these ids (the catalogue's own
	 * strings, model/invariants.h, or "expect", the id of an inline "-> RET" mismatch)
	 * neither fail nor stop an execution; they are reported as allowed.  A fatal one
	 * still ends its execution.  In file order, each id once.
	 */
	const char *allow[KP_SCENARIO_MAX_ALLOW];
	unsigned n_allow;

	/* Probes and tasks, ready to run; op.line is the scenario line of each op. */
	KpScript script;

	KpScenarioFunction *functions;
	unsigned n_functions;

	/* In file order.  None: `expect always no-violation` is implied. */
	KpExpectation *expects;
	unsigned n_expects;

	KpExplore explore;
	const char *schedule;	/* the `schedule` line's S1:... string, or NULL */
	int schedule_line, schedule_col;	/* where the schedule string is */

	/* Storage behind the pointers above. */
	GStringChunk *strings;
	GPtrArray *blocks;	/* other allocations (the probe lists of operations) */
	KpProbeSpec probes[KP_MAX_PROBES];
	KpScriptTask tasks[KP_SCENARIO_MAX_TASKS];
	GArray *task_ops[KP_SCENARIO_MAX_TASKS];
	KpScenarioFunction function_store[KP_SCENARIO_MAX_FUNCTIONS];
	KpExpectation expect_store[KP_SCENARIO_MAX_EXPECTS];
} KpScenario;

/*
 * Parse `len` bytes of scenario text (no terminating NUL needed).  `path` names the file
 * in error messages, which read "path:line:col: message" (1-based; columns count bytes)
 * in domain KP_SCENARIO_ERROR.  Returns NULL with *error set on any input error.
 */
KpScenario *kp_scenario_parse(const char *path, const char *text, size_t len, GError **error);
/*
 * The id an `allow` line (or --allow) may name, as the static string the list keeps: a
 * catalogue id (model/invariants.h) or "expect"; NULL for anything else.
 */
const char *kp_scenario_allow_id(const char *id);
/* Read and parse a file; an unreadable one is KP_SCENARIO_ERROR_READ with GLib's reason. */
KpScenario *kp_scenario_load(const char *path, GError **error);
/*
 * The bytes of the scenario file `path` (free *text with g_free; NUL-terminated), for
 * kp_scenario_load() and whoever copies a scenario: only a regular file (a link to one is
 * followed) of at most KP_SCENARIO_MAX_FILE_BYTES.  Otherwise false with a
 * KP_SCENARIO_ERROR_READ error "path: why".
 */
bool kp_scenario_read(const char *path, char **text, size_t *len, GError **error);
void kp_scenario_free(KpScenario *sc);
/*
 * Run the scenario on `model` instead of its header's (kpsim run --model; NULL keeps the
 * header's).  Returns false, changing nothing, when the header says `model X only` and
 * `model` is another port: the scenario does not apply to it.
 */
bool kp_scenario_use_model(KpScenario *sc, const KpModel *model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(KpScenario, kp_scenario_free)

/*
 * ---- printing ----
 * A parsed scenario written back as scenario text.  Parsing what this prints gives the
 * same scenario (the same header values, functions, probes, tasks, operations,
 * expectations, explore directive and schedule; only line numbers and comments differ),
 * which is what lets the minimizer and the fuzzer hand out readable files.
 */

/* The scenario's text, newly allocated: one statement a line, header values first. */
char *kp_scenario_to_text(const KpScenario *sc);
/* One operation as a task line says it ("register a b"), without indent or "-> RET". */
void kp_scenario_print_operation(const KpScenario *sc, const KpOp *op, GString *out);
/* The same with `schedule` (NULL: none) in place of the scenario's own. */
char *kp_scenario_to_text_with_schedule(const KpScenario *sc, const char *schedule);

#endif
