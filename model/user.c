// SPDX-License-Identifier: GPL-2.0-only
/*
 * The probes' user handlers: what a kprobes user module would do in its handlers, made
 * observable.  Each call is a decision point (another vCPU may act while a handler runs)
 * and a trace event, and is counted on the probe.
 */
#include "model/model.h"

#include "sim/trace.h"

#include <assert.h>

static void handler_point(KpProbe *p, const char *what)
{
	SimCtx *ctx = kp_env_current()->ctx;
	SimFootprint fp = sim_fp1(SIM_RES_OBJ, SIM_ACC_WRITE, 0x10000u + p->id);

	sim_yield(ctx, SIM_Y_HANDLER, &fp);
	SIM_TRACE(ctx, SIM_EV_USER, what, p->spec.name, p->id, 0, 0);
}

int kp_user_pre_handler(KpProbe *p)
{
	assert(p != NULL);
	handler_point(p, "pre-handler");
	p->pre_calls++;
	return p->spec.pre_ret;
}

void kp_user_post_handler(KpProbe *p)
{
	assert(p != NULL);
	handler_point(p, "post-handler");
	p->post_calls++;
}

int kp_user_fault_handler(KpProbe *p, int trapnr)
{
	assert(p != NULL);
	(void)trapnr;
	handler_point(p, "fault-handler");
	p->fault_calls++;
	return 0;
}

int kp_user_break_handler(KpProbe *p)
{
	assert(p != NULL);
	handler_point(p, "break-handler");
	p->break_calls++;
	return 0;
}
