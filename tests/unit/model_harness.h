/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers for the port's unit tests: scripts built in C, run on the 6274de4 port. */
#ifndef KPSIM_TESTS_MODEL_HARNESS_H
#define KPSIM_TESTS_MODEL_HARNESS_H

#include "harness.h"
#include "model/model.h"
#include "model/script.h"
#include "sim/rcu.h"
#include "sim/stop_machine.h"

#define MAX_OPS 32
#define MAX_TASKS 4

typedef struct {
	KpScript script;
	KpProbeSpec probes[KP_MAX_PROBES];
	KpScriptTask tasks[MAX_TASKS];
	KpOp ops[MAX_TASKS][MAX_OPS];
	KpScriptRun run;
	SimCtx *ctx;
} Mh;

static inline Mh *mh_new(unsigned cpus)
{
	Mh *m = g_new0(Mh, 1);

	m->script.model = &kp_model_6274de4;
	m->script.n_cpus = cpus;
	m->script.probes = m->probes;
	m->script.tasks = m->tasks;
	m->script.check = true;
	m->ctx = harness_ctx(cpus, true);
	return m;
}

static inline void mh_free(Mh *m)
{
	kp_script_release(&m->run);
	sim_ctx_free(m->ctx);
	g_free(m);
}

/* A kprobe at symbol+offset with the given handlers ("pre", "post", "fault", "break"). */
static inline unsigned mh_probe(Mh *m, const char *name, const char *symbol,
				unsigned long offset, bool post)
{
	unsigned i = m->script.n_probes++;

	m->probes[i] = (KpProbeSpec){ .name = name, .kind = KP_PROBE_KPROBE, .symbol = symbol,
				      .offset = offset, .pre = true, .post = post };
	return i;
}

static inline unsigned mh_task(Mh *m, const char *name, unsigned cpu)
{
	unsigned t = m->script.n_tasks++;

	m->tasks[t] = (KpScriptTask){ .name = name, .cpu = cpu, .ops = m->ops[t] };
	return t;
}

static inline KpOp *mh_op(Mh *m, unsigned task, KpOpKind kind, long expect)
{
	KpScriptTask *t = &m->tasks[task];
	KpOp *op = &t->ops[t->n_ops++];

	*op = (KpOp){ .kind = kind, .expect = expect };
	return op;
}

static inline void mh_probe_op(Mh *m, unsigned task, KpOpKind kind, unsigned probe, long expect)
{
	KpOp *op = mh_op(m, task, kind, expect);

	op->n = 1;
	op->probes[0] = probe;
}

static inline void mh_sleep(Mh *m, unsigned task, long jiffies)
{
	mh_op(m, task, KP_OP_SLEEP, KP_NO_EXPECT)->arg = jiffies;
}

static inline void mh_call(Mh *m, unsigned task, const char *symbol, long times)
{
	KpOp *op = mh_op(m, task, KP_OP_CALL, KP_NO_EXPECT);

	op->text = symbol;
	op->arg = times;
}

static inline void mh_text_op(Mh *m, unsigned task, KpOpKind kind, const char *text, long expect)
{
	mh_op(m, task, kind, expect)->text = text;
}

static inline SimEnd mh_run(Mh *m, SimStrategy *s)
{
	g_autoptr(GError) err = NULL;
	SimEnd end = kp_script_run(m->ctx, &m->script, s, &m->run, &err);

	if (err)
		fail_msg("script: %s", err->message);
	return end;
}

static inline SimEnd mh_run_first(Mh *m)
{
	SimStrategy *s = sim_strategy_first_new();
	SimEnd end = mh_run(m, s);

	sim_strategy_free(s);
	return end;
}

static inline SimEnd mh_run_seed(Mh *m, uint64_t seed)
{
	SimStrategy *s = sim_strategy_random_new(seed);
	SimEnd end = mh_run(m, s);

	sim_strategy_free(s);
	return end;
}

/* Print the fatal violation and the last trace lines (for a failing test's log). */
static inline void mh_explain(Mh *m)
{
	const SimViolation *v = sim_violation_fatal(m->ctx);
	size_t n = sim_trace_count(m->ctx);

	if (v)
		print_message("# violation %s: %s (%s:%d, step %llu)\n", v->id, v->message,
			      v->file, v->line, (unsigned long long)v->step);
	for (size_t i = n > 25 ? n - 25 : 0; i < n; i++) {
		char line[256];

		sim_event_format(m->ctx, sim_trace_get(m->ctx, i), line, sizeof(line));
		print_message("# %s\n", line);
	}
}

static inline void mh_expect_done(Mh *m, SimEnd end)
{
	if (end != SIM_END_DONE)
		mh_explain(m);
	assert_int_equal(end, SIM_END_DONE);
}

/* Current text bytes. */
static inline void mh_text(Mh *m, const char *symbol, unsigned long off, uint8_t *buf, size_t n)
{
	EmuTextSymbol sym;

	assert_true(emu_text_symbol_by_name(m->run.env->text, symbol, &sym));
	assert_true(emu_text_read(m->run.env->text, sym.addr + off, buf, n));
}

static inline bool mh_text_is_original(Mh *m, const char *symbol, unsigned long off, size_t n)
{
	EmuTextSymbol sym;
	uint8_t now[64], orig[64];

	assert_true(n <= sizeof(now));
	assert_true(emu_text_symbol_by_name(m->run.env->text, symbol, &sym));
	assert_true(emu_text_read(m->run.env->text, sym.addr + off, now, n));
	assert_true(emu_text_read_orig(m->run.env->text, sym.addr + off, orig, n));
	return memcmp(now, orig, n) == 0;
}

static inline KpProbe *mh_p(Mh *m, unsigned i)
{
	return &m->run.probes[i];
}

#endif
