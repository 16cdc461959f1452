/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the world around kprobes does to it, version independent: a kprobes user
 * (register, unregister, enable, disable), an administrator (the sysctl and the debugfs
 * file), the module loader, free_initmem, CPU hotplug, and CPUs running code and taking
 * interrupts.  Each operation runs in the calling task through the running port's
 * descriptor and keeps the user-level record the checker judges API contracts against.
 */
#ifndef KPSIM_MODEL_API_H
#define KPSIM_MODEL_API_H

#include "model/model.h"
#include "model/transitions.h"

/* The user-level model the checks of docs/invariants.md use: what the user asked for, per
 * probe and globally. */
typedef struct {
	bool registered;
	bool enabled;
	unsigned in_call;	/* an API call changing this probe is in progress */
	const char *in_lifecycle;	/* the register/unregister call in progress, or NULL */
	const char *lifecycle_task;	/* the task making it */
	uint64_t off_step;	/* when the last disable or unregister returned (0: never) */
	/*
	 * When its last register or unregister call started and ended: a call that
	 * overlapped another one at the same address is not judged as if alone (A9).
	 */
	uint64_t call_start, call_end;
} KpUserProbe;

/* Probes of one run at most (a scenario of one per function of a large image fits). */
#define KP_MAX_PROBES 1024

typedef struct KpWorld {
	KpEnv *env;
	KpProbe **probes;	/* n_probes of them, by id */
	unsigned n_probes;
	KpUserProbe *user;	/* per probe, by id */
	bool armed;		/* last completed arm_all / disarm_all */
	uint64_t disarmed_step;	/* when the last disarm_all returned (0: never) */
	bool optimize;		/* last completed successful sysctl write */
	unsigned global_calls;	/* arm/disarm-all or sysctl writes in progress */
	uint64_t global_started;	/* global calls started so far */
	/*
	 * The last global call to return overlapped another one (one started or ended
	 * while it ran): what it returned says nothing alone about the state it left.
	 */
	bool global_overlap;
	struct KpCheckState *check;	/* the checker's own state (check.c) */
	struct KpHitState *hits;	/* the per-pass hit accounting (hits.c) */
	struct KpRetState *rets;	/* returns and jprobe frames (check_return.c) */
	uint64_t api_epoch;	/* bumped as every operation starts and ends */
	KpTransitions transitions;	/* docs/states.md state changes seen in this run */
	KpStateTrack track;	/* last: kp_world_init leaves its arrays as they are */
} KpWorld;

_Static_assert(offsetof(KpWorld, track) + sizeof(KpStateTrack) == sizeof(KpWorld),
	       "the state track is KpWorld's last member");

/* Create the probes' port objects (after the port's init). */
void kp_world_init(KpWorld *w, KpEnv *env, KpProbe **probes, unsigned n);
void kp_world_fini(KpWorld *w);

int kp_api_register(KpWorld *w, KpProbe **ps, int n);
void kp_api_unregister(KpWorld *w, KpProbe **ps, int n);
int kp_api_enable(KpWorld *w, KpProbe *p);
int kp_api_disable(KpWorld *w, KpProbe *p);
/* Write `text` to /proc/sys/debug/kprobes-optimization; returns the handler's result. */
int kp_api_sysctl_write(KpWorld *w, const char *text);
/* Read it: the value (0 or 1), or a negative error. */
int kp_api_sysctl_read(KpWorld *w);
/* Write to /sys/kernel/debug/kprobes/enabled; returns bytes or a negative error. */
long kp_api_debugfs_write(KpWorld *w, const char *text);
/* Read it: 1 or 0, or a negative error. */
int kp_api_debugfs_read(KpWorld *w);

/* The module loader (kernel/module.c of 2.6.37, as far as kprobes sees it). */
int kp_api_module_load(KpWorld *w, const char *name);	/* COMING, text mapped */
int kp_api_module_live(KpWorld *w, const char *name);	/* init ran: LIVE, init text freed */
int kp_api_module_fail_init(KpWorld *w, const char *name); /* init failed: GOING, freed */
int kp_api_module_unload(KpWorld *w, const char *name);	/* delete_module: GOING, freed */
/* free_initmem(): kernel init text freed, no notification to kprobes. */
void kp_api_free_initmem(KpWorld *w);
/* cpu_up / cpu_down through the hotplug writer. */
int kp_api_cpu_up(KpWorld *w, unsigned cpu);
int kp_api_cpu_down(KpWorld *w, unsigned cpu);
/* Run the function at addr on this task's vCPU, `times` times (a scheduling point after each). */
void kp_api_call(KpWorld *w, unsigned long addr, unsigned times);

#endif
