// SPDX-License-Identifier: GPL-2.0-only
/*
 * Returns the kprobes code redirects, judged from the stack (R2, R4), and the kretprobe
 * return handlers (R3): docs/invariants.md, "Returns".
 *
 * R2 follows each return address a kretprobe replaced: the glue reports the
 * replacement (the stack slot, the word it held, the word it holds now) and the
 * trampoline's return (the slot its `ret` came through, where it resumes).  The record
 * is the checker's own, made from the stack words, not from the port's instances.
 * R4 copies a jprobe's argument area when its entry starts and compares it when the
 * frame resumes.  Both are kept per vCPU, as the stack is that vCPU's task's while the
 * task runs emulated code.
 */
#include "model/check.h"

#include "sim/trace.h"

#include <assert.h>
#include <glib.h>
#include <string.h>

/* Hijacked returns in flight on one vCPU (nested calls, interrupts). */
#define RET_MAX KP_CHECK_RET_MAX
#define AREA_MAX 64

typedef struct {
	uint64_t slot;		/* the stack address of the replaced word */
	uint64_t real;		/* what it held first: where the call must return */
} RetRecord;

typedef struct {
	unsigned n;
	RetRecord rec[RET_MAX];
	/* R4: the area of the jprobe whose entry runs on this vCPU */
	bool area_active;
	uint64_t area_sp;
	size_t area_len;
	uint8_t area[AREA_MAX];
} RetCpu;

struct KpRetState {
	RetCpu cpu[SIM_MAX_VCPUS];
};

static KpWorld *checking(KpEnv *env)
{
	KpWorld *w = env->world;

	/* `checker off` installs no checker state: nothing of the catalogue is judged. */
	return w && w->check ? w : NULL;
}

static RetCpu *ret_cpu(KpWorld *w)
{
	unsigned cpu = sim_task_vcpu(sim_current(w->env->ctx));

	if (!w->rets)
		w->rets = g_new0(struct KpRetState, 1);
	assert(cpu < SIM_MAX_VCPUS);
	return &w->rets->cpu[cpu];
}

void kp_check_ret_hijacked(KpEnv *env, uint64_t slot, uint64_t old, uint64_t now)
{
	KpWorld *w = checking(env);
	RetCpu *c;

	if (!w)
		return;
	c = ret_cpu(w);
	/* A second kretprobe on the same call replaces the trampoline by itself. */
	for (unsigned i = 0; i < c->n; i++)
		if (c->rec[i].slot == slot && old == now)
			return;
	if (c->n == RET_MAX) {
		kp_check_report(w, "R2", NULL, "more than %d hijacked returns in flight on one "
				"CPU", RET_MAX);
		return;
	}
	c->rec[c->n++] = (RetRecord){ slot, old };
}

/* Records of calls deeper than `slot` whose return never came through the trampoline. */
static void drop_deeper(KpWorld *w, RetCpu *c, uint64_t slot, const char *when)
{
	while (c->n && c->rec[c->n - 1].slot < slot) {
		RetRecord *r = &c->rec[c->n - 1];

		kp_check_report(w, "R2", "a replaced return never reached the trampoline",
				"the return address %#llx replaced at stack %#llx never reached "
				"the trampoline (%s)", (unsigned long long)r->real,
				(unsigned long long)r->slot, when);
		c->n--;
	}
}

void kp_check_ret_resumed(KpEnv *env, uint64_t slot, uint64_t ret)
{
	KpWorld *w = checking(env);
	RetCpu *c;

	if (!w)
		return;
	c = ret_cpu(w);
	drop_deeper(w, c, slot, "a shallower one did");
	if (!c->n || c->rec[c->n - 1].slot != slot) {
		kp_check_report(w, "R2", "the trampoline resumes where no return was replaced",
				"the trampoline was reached through stack %#llx, where no return "
				"address was replaced, and resumes at %#llx",
				(unsigned long long)slot, (unsigned long long)ret);
		return;
	}
	if (c->rec[c->n - 1].real != ret)
		kp_check_report(w, "R2", "the trampoline resumes at the wrong address",
				"the trampoline resumes at %#llx, but the call at stack %#llx "
				"returns to %#llx", (unsigned long long)ret,
				(unsigned long long)slot,
				(unsigned long long)c->rec[c->n - 1].real);
	c->n--;
}

void kp_check_ret_call_end(KpEnv *env)
{
	KpWorld *w = checking(env);

	if (w)
		drop_deeper(w, ret_cpu(w), UINT64_MAX, "the call returned");
}

void kp_check_ret_handler(KpEnv *env, KpProbe *p)
{
	KpWorld *w = checking(env);
	const KpUserProbe *u;

	if (!w || p->id >= w->n_probes)
		return;
	u = &w->user[p->id];
	/* Unregistered, and the unregister call is over. */
	if (!u->registered && !u->in_call && u->off_step)
		kp_check_report(w, "R3", "after unregister",
				"the return handler of %s runs after its unregistration returned "
				"at step %llu", p->spec.name, (unsigned long long)u->off_step);
}

void kp_check_jprobe_entry(KpEnv *env, uint64_t sp, const void *area, size_t len)
{
	KpWorld *w = checking(env);
	RetCpu *c;

	if (!w)
		return;
	c = ret_cpu(w);
	c->area_active = area != NULL;
	c->area_sp = sp;
	c->area_len = MIN(len, (size_t)AREA_MAX);
	if (area)
		memcpy(c->area, area, c->area_len);
}

void kp_check_jprobe_resumed(KpEnv *env, const void *area)
{
	KpWorld *w = checking(env);
	RetCpu *c;

	if (!w)
		return;
	c = ret_cpu(w);
	if (!c->area_active)
		return;
	c->area_active = false;
	if (!area || memcmp(area, c->area, c->area_len))
		kp_check_report(w, "R4", "the argument area differs",
				"the jprobe frame at stack %#llx resumes with %zu bytes of its "
				"argument area not as they were at the hit",
				(unsigned long long)c->area_sp, c->area_len);
}

void kp_check_ret_free(KpWorld *w)
{
	g_free(w->rets);
	w->rets = NULL;
}
