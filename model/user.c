// SPDX-License-Identifier: GPL-2.0-only
/*
 * The probes' user handlers: what a kprobes user module would do in its handlers, made
 * observable.  Each call is a decision point (another vCPU may act while a handler runs)
 * and a trace event, and is counted on the probe.
 */
#include "model/api.h"
#include "model/check.h"
#include "model/model.h"

#include "sim/trace.h"
#include "sim/violation.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/*
 * H3: a hit that began after disable_kprobe(p) or unregister(p) returned, or after
 * disarm_all_kprobes returned, calls none of p's handlers (until p is enabled or
 * registered again, or kprobes armed again).  A hit begins with the instruction of
 * kernel text that trapped or jumped; hits that began earlier may still finish.
 */
static void check_no_call_after_off(KpEnv *env, KpProbe *p, const char *what)
{
	KpWorld *w = env->world;
	const KpUserProbe *u;
	const char *state, *off;
	char cause[96];
	uint64_t start;
	uint8_t byte;

	if (!w || p->id >= w->n_probes || w->global_calls)
		return;
	u = &w->user[p->id];
	if (u->in_call)
		return;
	start = emu_cpu_last_text_step(emu_machine_current_cpu(env->machine));
	/*
	 * The cause: which call should have stopped the hits, and what the probe's address
	 * holds now (a jump still live and an int3 left behind are two kernel causes).
	 */
	if (!emu_text_read(env->text, env->model->probe_addr(p), &byte, 1))
		state = "unmapped";
	else
		state = byte == 0xcc ? "an int3" : byte == 0xe9 ? "a jump" : "its original byte";
	if ((!u->registered || !u->enabled) && u->off_step && start > u->off_step) {
		off = u->registered ? "disable" : "unregister";
		snprintf(cause, sizeof(cause), "after %s, the address holds %s", off, state);
		sim_report_cause(env->ctx, SIM_V_INVARIANT, false, "H3", __func__, cause,
				 "%s of %s runs for a hit that began at step %llu, after %s "
				 "returned at step %llu", what, p->spec.name,
				 (unsigned long long)start, off, (unsigned long long)u->off_step);
	} else if (!w->armed && w->disarmed_step && start > w->disarmed_step) {
		snprintf(cause, sizeof(cause), "after disarm-all, the address holds %s", state);
		sim_report_cause(env->ctx, SIM_V_INVARIANT, false, "H3", __func__, cause,
				 "%s of %s runs for a hit that began at step %llu, after "
				 "disarm-all returned at step %llu", what, p->spec.name,
				 (unsigned long long)start, (unsigned long long)w->disarmed_step);
	}
}

static void handler_call(KpProbe *p, const char *what)
{
	KpEnv *env = kp_env_current();
	SimFootprint fp = sim_fp1(SIM_RES_OBJ, SIM_ACC_WRITE, 0x10000u + p->id);

	/* On the jump path handlers run with interrupts on (optimized_callback(),
	 * docs/states.md): one may arrive. */
	emu_cpu_irq_point(env->machine);
	sim_yield(env->ctx, SIM_Y_HANDLER, &fp);
	SIM_TRACE(env->ctx, SIM_EV_USER, what, p->spec.name, p->id, 0, 0);
}

static void handler_point(KpProbe *p, const char *what)
{
	handler_call(p, what);
	check_no_call_after_off(kp_env_current(), p, what);
}

/*
 * The handler touched memory that is not there: do_page_fault() asks kprobes first; if
 * neither the probe's fault handler nor an exception fixup takes the fault, the kernel
 * oopses in the handler.
 */
static void handler_fault(KpEnv *env, KpProbe *p, const char *what)
{
	SIM_TRACE(env->ctx, SIM_EV_USER, "page-fault", p->spec.name, p->id, 0, 0);
	if (env->model->page_fault(env)) {
		if (env->world)
			kp_hits_note_fault(env->world);
	} else
		sim_fail(env->ctx, SIM_V_CPU, "oops", __func__,
			 "the %s of %s faulted in kernel mode and nothing handled the fault",
			 what, p->spec.name);
}

int kp_user_pre_handler(KpProbe *p)
{
	KpEnv *env = kp_env_current();

	assert(p != NULL);
	if (env->world)
		kp_hits_check_handler(env->world, p);
	handler_point(p, "pre-handler");
	p->pre_calls++;
	if (p->spec.pre_faults)
		handler_fault(env, p, "pre-handler");
	return p->spec.pre_ret;
}

void kp_user_post_handler(KpProbe *p)
{
	assert(p != NULL);
	handler_point(p, "post-handler");
	p->post_calls++;
	if (p->spec.post_faults)
		handler_fault(kp_env_current(), p, "post-handler");
}

int kp_user_fault_handler(KpProbe *p, int trapnr)
{
	assert(p != NULL);
	(void)trapnr;
	handler_point(p, "fault-handler");
	p->fault_calls++;
	return p->spec.fault_ret;
}

int kp_user_break_handler(KpProbe *p)
{
	assert(p != NULL);
	handler_point(p, "break-handler");
	p->break_calls++;
	return p->spec.break_ret;
}

int kp_user_ret_handler(KpProbe *p)
{
	KpEnv *env = kp_env_current();

	assert(p != NULL);
	/* Not H3: a return belongs to a hit that began at the entry (R3 instead). */
	handler_call(p, "return-handler");
	kp_check_ret_handler(env, p);
	p->ret_calls++;
	return p->spec.ret_ret;
}

void kp_user_jprobe_entry(KpProbe *p, void *area, size_t len)
{
	assert(p != NULL && area != NULL);
	if (!p->spec.clobbers_args)
		return;
	/* The entry reuses its argument slots (a tail call's arguments, say). */
	memset(area, 0x5a, len);
	SIM_TRACE(kp_env_current()->ctx, SIM_EV_USER, "clobber-args", p->spec.name,
		  (int64_t)len, 0, 0);
}

bool kp_user_step_fault(unsigned long addr)
{
	KpEnv *env = kp_env_current();
	KpWorld *w = env->world;

	if (!w)
		return false;
	for (unsigned id = 0; id < w->n_probes; id++) {
		KpProbe *p = w->probes[id];

		if (p->step_faults_left && env->model->probe_addr(p) == addr) {
			p->step_faults_left--;
			SIM_TRACE(env->ctx, SIM_EV_USER, "step-fault", p->spec.name, (int64_t)addr,
				  0, 0);
			return true;
		}
	}
	return false;
}
