// SPDX-License-Identifier: GPL-2.0-only
/*
 * H2, no lost or duplicated hits: every time a vCPU executes the instruction at the
 * address X of a user-active probe p, that pass includes exactly one handled hit of p
 * (its pre handler called once) or exactly one miss (p's nmissed incremented once).
 * A fault in a handler that kprobes takes is counted in nmissed too (of every probe at
 * X, kprobes_inc_nmissed_count() on the running one): those are added to the miss.
 *
 * A pass through X starts when the vCPU fetches X from kernel text (whatever is there:
 * the original instruction, an int3, or a jump) and ends at its next fetch from kernel
 * text at the same interrupt depth: the single-step or boosted copy and the detour buffer
 * live in slot memory, so they belong to the pass, and an interrupt taken meanwhile is a
 * pass of its own.  A re-fetch of X that follows a pass with no effect at all is the
 * "int3 vanished" path of kprobe_handler() (docs/states.md): the CPU executes X again
 * and the pass goes on.
 *
 * Exempt (H2 in docs/invariants.md): passes during which any operation started or ended
 * or a call changing p was in progress, and probes whose pre handler returns non-zero (the
 * jprobe protocol and the kernel's "skip the rest" rule).  Handler calls and nmissed are
 * counted per probe, not per CPU, so passes through one address that overlap (two vCPUs,
 * or an interrupt on the same one) cannot be told apart: they are not judged.
 */
#include "model/check_test.h"

#include "sim/violation.h"

#include <assert.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 8	/* interrupt nesting tracked per vCPU (EMU_IRQ_DEPTH + 1 fits) */
#define MAX_AT 8	/* probes at one address */

typedef struct {
	bool active;
	bool contended;		/* another pass through the same address overlapped it */
	bool nested;		/* a kprobe was already running on the vCPU when it began */
	uint64_t start_step;
	uint64_t addr;
	uint64_t epoch;
	unsigned faults;	/* handler faults kprobes took during the pass */
	unsigned n;
	unsigned probe[MAX_AT];
	uint64_t calls[MAX_AT];
	unsigned long missed[MAX_AT];
} Pass;

typedef struct KpHitState {
	Pass pass[SIM_MAX_VCPUS][MAX_DEPTH];
	/*
	 * H1 for kretprobes: the step from which each kretprobe has been seen a disabled
	 * (or GONE) child without a break, 0 while it is not one (kp_hits_step()).
	 */
	uint64_t off_child_since[KP_MAX_PROBES];
} KpHitState;

static bool user_active(KpWorld *w, unsigned id)
{
	const KpUserProbe *u = &w->user[id];

	return u->registered && u->enabled && w->armed &&
	       !(w->env->model->probe_flags(w->probes[id]) & KP_SNAP_GONE);
}

static bool calm(KpWorld *w, const Pass *pass)
{
	if (w->global_calls || w->api_epoch != pass->epoch)
		return false;
	for (unsigned i = 0; i < pass->n; i++)
		if (w->user[pass->probe[i]].in_call)
			return false;
	return true;
}

static bool had_effect(KpWorld *w, const Pass *pass)
{
	for (unsigned i = 0; i < pass->n; i++) {
		KpProbe *p = w->probes[pass->probe[i]];

		if (p->pre_calls != pass->calls[i] ||
		    w->env->model->probe_nmissed(p) != pass->missed[i])
			return true;
	}
	return false;
}

static void end_pass(KpWorld *w, Pass *pass)
{
	char at[96], faults[48] = "";

	pass->active = false;
	if (!pass->n || pass->contended || !calm(w, pass))
		return;
	for (unsigned i = 0; i < pass->n; i++) {
		unsigned id = pass->probe[i];
		KpProbe *p = w->probes[id];
		uint64_t calls = p->pre_calls - pass->calls[i];
		unsigned long missed = w->env->model->probe_nmissed(p) - pass->missed[i];

		if (!user_active(w, id))
			continue;
		if ((calls == 1 && missed == pass->faults) ||
		    (calls == 0 && missed == pass->faults + 1))
			continue;
		emu_text_describe(w->env->text, pass->addr, at, sizeof(at));
		if (pass->faults)
			snprintf(faults, sizeof(faults), ", besides %u misses for handler faults",
				 pass->faults);
		sim_report(w->env->ctx, SIM_V_INVARIANT, false, "H2", __func__,
			   "a pass through %s called %s's pre handler %llu times and missed %lu "
			   "times (exactly one of the two expected%s)", at, p->spec.name,
			   (unsigned long long)calls, missed, faults);
		return;
	}
}

static void start_pass(KpWorld *w, Pass *pass, uint64_t ip)
{
	bool probed = false;

	pass->n = 0;
	pass->faults = 0;
	pass->active = false;
	for (unsigned id = 0; id < w->n_probes; id++) {
		KpProbe *p = w->probes[id];

		if (w->env->model->probe_addr(p) != ip)
			continue;
		probed = true;
		if (!p->spec.pre || p->spec.pre_ret || w->user[id].in_call ||
		    !user_active(w, id) || pass->n == MAX_AT)
			continue;
		pass->probe[pass->n] = id;
		pass->calls[pass->n] = p->pre_calls;
		pass->missed[pass->n] = w->env->model->probe_nmissed(p);
		pass->n++;
	}
	if (!probed)
		return;
	/* Judged or not, this is a pass through X: it can overlap a judged one elsewhere. */
	pass->active = true;
	pass->contended = false;
	pass->addr = ip;
	pass->epoch = w->api_epoch;
	for (unsigned c = 0; c < SIM_MAX_VCPUS; c++)
		for (unsigned d = 0; d < MAX_DEPTH; d++) {
			Pass *o = &w->hits->pass[c][d];

			if (o != pass && o->active && o->addr == ip) {
				o->contended = true;
				pass->contended = true;
			}
		}
	/* A probe at X whose pre handler returns non-zero exempts the others too. */
	for (unsigned id = 0; id < w->n_probes; id++)
		if (w->probes[id]->spec.pre_ret && w->env->model->probe_addr(w->probes[id]) == ip)
			pass->n = 0;
	if (w->global_calls)
		pass->n = 0;
}

/* Whether a kprobe was running on this vCPU as the current pass began, whatever probes
 * it concerns (a nested hit must call no handler at all). */
static void note_nesting(KpWorld *w, EmuCpu *cpu, Pass *pass)
{
	pass->nested = w->env->model->kprobe_running(w->env, emu_cpu_index(cpu));
}

static void fetch_hook(EmuMachine *m, EmuCpu *cpu, uint64_t ip, void *user)
{
	KpWorld *w = user;
	unsigned depth = emu_cpu_irq_depth(cpu);
	Pass *pass;

	(void)m;
	if (depth >= MAX_DEPTH || sim_violation_fatal(w->env->ctx))
		return;
	pass = &w->hits->pass[emu_cpu_index(cpu)][depth];
	if (pass->active) {
		/* The int3 vanished under the CPU: it executes X again, same pass. */
		if (ip == pass->addr && !had_effect(w, pass))
			return;
		end_pass(w, pass);
	}
	start_pass(w, pass, ip);
	note_nesting(w, cpu, pass);
	pass->start_step = emu_cpu_last_text_step(cpu);
}

/*
 * H1, as far as it is not H2: the aggregate walks (aggr_pre_handler(),
 * opt_pre_handler()) call no pre handler of a child that is disabled when they check it
 * (only an independent probe's handler is called whatever its flags, since
 * kprobe_handler() calls it directly; docs/states.md), and a hit that began while a
 * kprobe was already running on the vCPU calls no handler at all (it is counted as
 * missed).  Called at each pre handler call.
 *
 * A kprobe's pre handler is called in the step in which the walk checked the child's
 * flags, so the flags now are the flags the walk saw.  A kretprobe's entry handler is
 * not: the walk calls pre_handler_kretprobe(), which takes and releases rp->lock (two
 * decision points) before it calls the entry handler, and nothing in the kernel keeps
 * disable_kprobe() or an unregistration from setting DISABLED in between
 * (scenarios/kretprobes/entry-handler-after-disable.kps).  The walk checked at some
 * step since the hit began, so for a kretprobe H1 is reported only when the child has
 * been disabled without a break since before the hit began: every check since saw it.
 */
void kp_hits_check_handler(KpWorld *w, KpProbe *p)
{
	const KpModel *m = w->env->model;
	EmuCpu *cpu = emu_machine_current_cpu(w->env->machine);
	unsigned depth;
	const Pass *pass;

	if (!w->hits || !cpu || !emu_cpu_running(cpu))
		return;
	if ((m->probe_flags(p) & (KP_SNAP_DISABLED | KP_SNAP_GONE)) && m->probe_is_child(p)) {
		if (p->spec.kind != KP_PROBE_KRETPROBE)
			sim_report(w->env->ctx, SIM_V_INVARIANT, false, "H1", __func__,
				   "the pre handler of %s runs while it is a disabled child",
				   p->spec.name);
		else if (p->id < w->n_probes && w->hits->off_child_since[p->id] &&
			 w->hits->off_child_since[p->id] <= emu_cpu_last_text_step(cpu))
			sim_report(w->env->ctx, SIM_V_INVARIANT, false, "H1", __func__,
				   "the entry handler of %s runs for a hit that began at step %llu, "
				   "while it has been a disabled child since step %llu",
				   p->spec.name, (unsigned long long)emu_cpu_last_text_step(cpu),
				   (unsigned long long)w->hits->off_child_since[p->id]);
	}
	depth = emu_cpu_irq_depth(cpu);
	if (depth >= MAX_DEPTH)
		return;
	pass = &w->hits->pass[emu_cpu_index(cpu)][depth];
	if (pass->nested && emu_cpu_last_text_step(cpu) == pass->start_step)
		sim_report(w->env->ctx, SIM_V_INVARIANT, false, "H1", __func__,
			   "the pre handler of %s runs for a hit that began while a kprobe was "
			   "already running on cpu%u", p->spec.name, emu_cpu_index(cpu));
}

/*
 * Before each decision (check.c's step hook): date each kretprobe's disabled-child
 * state.  A store made in step k is seen here before decision k + 1, so a child first
 * seen disabled at step s was disabled by code that ran before step s, and a hit that
 * began at step s or later saw it disabled at every check.
 */
void kp_hits_step(KpWorld *w)
{
	const KpModel *m = w->env->model;
	KpHitState *h = w->hits;

	if (!h)
		return;
	for (unsigned id = 0; id < w->n_probes; id++) {
		KpProbe *p = w->probes[id];
		bool off;

		if (p->spec.kind != KP_PROBE_KRETPROBE)
			continue;
		off = (m->probe_flags(p) & (KP_SNAP_DISABLED | KP_SNAP_GONE)) &&
		      m->probe_is_child(p);
		if (!off)
			h->off_child_since[id] = 0;
		else if (!h->off_child_since[id])
			h->off_child_since[id] = sim_step(w->env->ctx);
	}
}

void kp_hits_note_fault(KpWorld *w)
{
	EmuCpu *cpu = emu_machine_current_cpu(w->env->machine);
	unsigned depth;

	if (!w->hits || !cpu)
		return;
	depth = emu_cpu_irq_depth(cpu);
	if (depth < MAX_DEPTH)
		w->hits->pass[emu_cpu_index(cpu)][depth].faults++;
}

void kp_hits_install(KpWorld *w)
{
	assert(w != NULL && w->env != NULL);
	g_free(w->hits);
	w->hits = g_new0(KpHitState, 1);
	emu_machine_set_fetch_hook(w->env->machine, fetch_hook, w);
}

void kp_hits_begin_nested_for_tests(KpWorld *w)
{
	EmuCpu *cpu = emu_machine_current_cpu(w->env->machine);
	Pass *pass;

	assert(w->hits != NULL && cpu != NULL);
	pass = &w->hits->pass[emu_cpu_index(cpu)][emu_cpu_irq_depth(cpu)];
	pass->nested = true;
	pass->start_step = emu_cpu_last_text_step(cpu);
}
