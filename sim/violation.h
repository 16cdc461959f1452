/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Violations: failed checks recorded with kind, id, message, the site and cause that name
 * them, and the step.  A fatal violation ends the run cleanly (the process goes on; an
 * explorer moves to the next schedule): it is raised where the simulated machine would no
 * longer be meaningful (an oops, a BUG, a deadlock, a memory error).  Non-fatal ones (a
 * kernel WARN, a lock-order cycle, every invariant the checker judges) are recorded and
 * the run continues, so that one defect does not hide the next.  A non-fatal violation
 * equal to one already recorded (same id, site and message: a state that stays wrong) is
 * recorded once, with the cause it was first seen with.
 */
#ifndef KPSIM_SIM_VIOLATION_H
#define KPSIM_SIM_VIOLATION_H

#include "sim/types.h"

typedef enum {
	SIM_V_BUG,		/* kernel BUG_ON/BUG */
	SIM_V_WARN,		/* kernel WARN_ON */
	SIM_V_INVARIANT,	/* a checker invariant */
	SIM_V_DEADLOCK,
	SIM_V_LOCK_ORDER,
	SIM_V_LIVELOCK,
	SIM_V_MEMORY,		/* double free, use after free, leak */
	SIM_V_CPU,		/* the simulated CPU would crash */
	SIM_V_USAGE,		/* a primitive used against its rules (sleep in atomic, ...) */
	SIM_V_KINDS
} SimViolationKind;

typedef struct {
	SimViolationKind kind;
	const char *id;		/* stable id, e.g. "deadlock", "K6", "T7" (static string) */
	char *message;
	/*
	 * Where it was reported, as a name that stays when code moves: the reporting
	 * function, the type of the object at fault, or the checker (a static string).  A
	 * failure's signature is the id and this site.
	 */
	const char *site;
	/*
	 * Why, as far as the reporter can tell, in words that stay across builds and runs:
	 * by default the operation the task was in (sim_activity()), else what the reporter
	 * gives (the checker names the state change behind a violation judged late).  NULL:
	 * nothing to name.  With the id and site it makes the failure's signature.
	 */
	char *cause;
	uint64_t step;
	uint64_t jiffies;
	int vcpu;		/* -1: engine context */
	int task;		/* task id, -1: engine context */
	bool fatal;
} SimViolation;

const char *sim_violation_kind_name(SimViolationKind kind);

/* Record a violation; when fatal and called from a task, the run ends and this never returns. */
void sim_report(SimCtx *ctx, SimViolationKind kind, bool fatal, const char *id, const char *site,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The same, naming its cause (NULL: the current activity, as sim_report does). */
void sim_report_cause(SimCtx *ctx, SimViolationKind kind, bool fatal, const char *id,
		      const char *site, const char *cause, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* Fatal violation raised from a task: never returns. */
SIM_NORETURN void sim_fail(SimCtx *ctx, SimViolationKind kind, const char *id, const char *site,
			   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* At most this many are recorded per run; later ones are counted, not kept. */
#define SIM_MAX_VIOLATIONS 256

size_t sim_violation_count(const SimCtx *ctx);
const SimViolation *sim_violation_get(const SimCtx *ctx, size_t i);
/* The fatal violation that ended the run, or NULL. */
const SimViolation *sim_violation_fatal(const SimCtx *ctx);

#endif
