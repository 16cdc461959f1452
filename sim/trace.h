/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The trace: structured events (step, jiffies, vCPU, task, event) appended to an in-memory
 * log when the run's config asks for it.  With tracing off, recording costs one branch.
 * Sinks render the log as human text, JSON lines, or Chrome/Perfetto trace-event JSON.
 */
#ifndef KPSIM_SIM_TRACE_H
#define KPSIM_SIM_TRACE_H

#include "sim/types.h"

#include <stdio.h>

typedef enum {
	SIM_EV_DECISION,	/* what = reason; a = option count, b = chosen alt */
	SIM_EV_TASK_START,
	SIM_EV_TASK_END,
	SIM_EV_SWITCH_IN,	/* a task starts running on its vCPU */
	SIM_EV_SWITCH_OUT,	/* it leaves the vCPU (what = why) */
	SIM_EV_WAKE,		/* a = woken task id */
	SIM_EV_LOCK,		/* obj = lock name */
	SIM_EV_UNLOCK,
	SIM_EV_LOCK_WAIT,
	SIM_EV_COMPLETE,
	SIM_EV_COMPLETION_WAIT,
	SIM_EV_TIMER_ARM,	/* a = expiry */
	SIM_EV_TICK,		/* a = new jiffies */
	SIM_EV_TIMER_FIRE,
	SIM_EV_WORK_QUEUE,
	SIM_EV_WORK_START,
	SIM_EV_WORK_END,
	SIM_EV_GP_START,	/* a = grace period number, b = vCPU mask waited for */
	SIM_EV_GP_END,
	SIM_EV_QS,
	SIM_EV_STOP_BEGIN,
	SIM_EV_STOP_END,
	SIM_EV_CPU_ONLINE,
	SIM_EV_CPU_OFFLINE,
	SIM_EV_ALLOC,		/* obj = type, a = allocation number, b = size */
	SIM_EV_FREE,
	SIM_EV_VIOLATION,	/* what = id, obj = message */
	SIM_EV_USER,		/* a higher layer's event: what = kind, obj = subject */
	SIM_EV_KINDS
} SimEventKind;

typedef struct {
	uint64_t step;
	uint64_t jiffies;
	int16_t vcpu;		/* -1: engine */
	int16_t task;		/* -1: engine */
	uint16_t kind;		/* SimEventKind */
	const char *what;	/* static label */
	const char *obj;	/* name of the subject, stable for the run (may be NULL) */
	int64_t a, b, c;
} SimEvent;

/* The first member of every SimCtx, so the tracing test is one load. */
typedef struct {
	bool trace;
} SimCtxHead;

static inline bool sim_trace_on(const SimCtx *ctx)
{
	return ((const SimCtxHead *)(const void *)ctx)->trace;
}

/* Append an event stamped with the current step, jiffies, vCPU and task. */
void sim_trace_emit(SimCtx *ctx, SimEventKind kind, const char *what, const char *obj, int64_t a,
		    int64_t b, int64_t c);
/* Copy `s` into storage that lives until the run is reset (for event subjects). */
const char *sim_trace_intern(SimCtx *ctx, const char *s);

size_t sim_trace_count(const SimCtx *ctx);
const SimEvent *sim_trace_get(const SimCtx *ctx, size_t i);
const char *sim_event_kind_name(unsigned kind);

/* Sinks.  `from` skips the first events (for "the last N events"). */
void sim_trace_write_text(const SimCtx *ctx, FILE *out, size_t from);
void sim_trace_write_jsonl(const SimCtx *ctx, FILE *out);
/*
 * s as a JSON string (quotes and escapes written; NULL as ""), for every JSON writer.  s is
 * bytes, not UTF-8 (a sysctl write holds any): each byte >= 0x80 is written as \u00XX,
 * the byte read as Latin-1, so the output is ASCII and always valid JSON.
 */
void sim_json_string(FILE *out, const char *s);
void sim_trace_write_perfetto(const SimCtx *ctx, FILE *out);
/* One event as a text line (no newline) into buf. */
void sim_event_format(const SimCtx *ctx, const SimEvent *ev, char *buf, size_t size);

#define SIM_TRACE(ctx, kind, what, obj, a, b, c)                              \
	do {                                                                  \
		if (sim_trace_on(ctx))                                        \
			sim_trace_emit((ctx), (kind), (what), (obj), (a), (b), (c)); \
	} while (0)

#endif
