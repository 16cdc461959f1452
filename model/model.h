/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A port, as the rest of kpsim sees it: one descriptor per kernel version, with the
 * kprobes API entry points and the environment hooks.  Several ports link into one
 * binary; everything else in a port is static to its single object.
 *
 * Probes are owned by the caller (the scenario) as KpProbe objects: what to register and
 * how its handlers behave, plus counters the handlers update.  The port allocates its own
 * struct kprobe / jprobe / kretprobe for each and keeps it for the run.
 */
#ifndef KPSIM_MODEL_MODEL_H
#define KPSIM_MODEL_MODEL_H

#include "model/env.h"
#include "model/snapshot.h"

#include <stddef.h>
#include <sys/types.h>

typedef enum {
	KP_PROBE_KPROBE,
	KP_PROBE_JPROBE,	/* register_jprobe: setjmp pre handler + longjmp break handler */
	KP_PROBE_KRETPROBE,	/* register_kretprobe: pre handler only */
} KpProbeKind;

typedef struct {
	const char *name;	/* the scenario's name for it */
	KpProbeKind kind;
	const char *symbol;	/* symbol_name, or NULL to use addr */
	unsigned long offset;
	unsigned long addr;
	bool pre, post, fault, brk;	/* which user handlers it has (kprobes only) */
	int pre_ret;		/* what its pre handler returns */
	int fault_ret;		/* what its fault handler returns (non-zero: fault handled) */
	int break_ret;		/* what its break handler returns */
	bool disabled;		/* registered with KPROBE_FLAG_DISABLED */
	/* The pre (entry) or post handler touches memory that faults (a page fault). */
	bool pre_faults, post_faults;
	/* The probed instruction page-faults the first step_faults times it is single-stepped. */
	unsigned step_faults;
	/* A kretprobe's return handler, and what it returns (the kernel ignores it). */
	bool ret;
	int ret_ret;
	/* A jprobe's entry overwrites its argument area, as gcc's tail calls may. */
	bool clobbers_args;
} KpProbeSpec;

typedef struct KpProbe {
	KpProbeSpec spec;
	unsigned id;		/* index in the scenario, stable across runs */
	void *port;		/* the port's object for it */
	/* Handler calls so far. */
	uint64_t pre_calls, post_calls, fault_calls, break_calls, ret_calls;
	unsigned step_faults_left;	/* of spec.step_faults */
} KpProbe;

struct KpModel {
	const char *name;	/* "6274de4", "6274de4^", a variant's name */
	const char *commit;	/* full hash */
	const char *title;
	/*
	 * A variant (model/variants/NAME.patch): the port or variant it patches, and the
	 * patch's author date (YYYY-MM-DD).  NULL for a port of its own folder.
	 */
	const char *base;
	const char *date;

	/* init_kprobes() and the rest of boot: set env->port, install the CPU hooks. */
	void (*init)(KpEnv *env);
	/* Allocate the port's object for p (p->port); called before any API use of p. */
	void (*probe_init)(KpEnv *env, KpProbe *p);

	/* register_kprobe / register_jprobe / register_kretprobe by p->spec.kind. */
	int (*register_probe)(KpEnv *env, KpProbe *p);
	/* register_kprobes etc. on n probes of one kind. */
	int (*register_probes)(KpEnv *env, KpProbe **ps, int n);
	void (*unregister_probes)(KpEnv *env, KpProbe **ps, int n);
	int (*enable_probe)(KpEnv *env, KpProbe *p);
	int (*disable_probe)(KpEnv *env, KpProbe *p);

	/* /proc/sys/debug/kprobes-optimization; buf/len as proc_dointvec_minmax sees them. */
	int (*sysctl_optimization)(KpEnv *env, int write, char *buf, size_t *len);
	/* /sys/kernel/debug/kprobes/enabled */
	ssize_t (*debugfs_enabled_read)(KpEnv *env, char *buf, size_t len);
	ssize_t (*debugfs_enabled_write)(KpEnv *env, const char *buf, size_t len);
	/* The module notifier chain (kprobes_module_callback). */
	int (*module_notify)(KpEnv *env, struct module *mod, unsigned long state);
	/* The running task is dead: kprobe_flush_task(current), as finish_task_switch() does. */
	void (*task_exit)(KpEnv *env);
	/*
	 * A page fault in kernel mode on the running vCPU, asked of kprobes as
	 * do_page_fault() does; non-zero when kprobes (a probe's fault handler) took it.
	 */
	int (*page_fault)(KpEnv *env);

	/* What the kernel's struct kprobe says now (for scenarios and tests). */
	unsigned long (*probe_addr)(const KpProbe *p);
	unsigned long (*probe_nmissed)(const KpProbe *p);
	unsigned int (*probe_flags)(const KpProbe *p);
	/* Is p on an aggregate's child list (rather than an independent probe)? */
	bool (*probe_is_child)(const KpProbe *p);
	/* kprobe_running() on vCPU `cpu`: a probe's handling is in progress there. */
	bool (*kprobe_running)(KpEnv *env, unsigned cpu);
	/* Does the running task hold the port's kprobe_mutex? */
	bool (*kprobe_mutex_held)(KpEnv *env);

	/* The port's state as the checker sees it (probes by their KpProbe id). */
	void (*snapshot)(KpEnv *env, KpSnapshot *out);
	/*
	 * Cheap questions that let the checker skip a snapshot that would show nothing to
	 * judge: is kprobe_mutex held by anyone, and is an op on an optimizer's local
	 * free list (KP_SNAP_LIST_FREEING entries)?
	 */
	bool (*kprobe_mutex_locked)(KpEnv *env);
	bool (*optimizer_freeing)(KpEnv *env);
};

/*
 * The ports (model/ports.h lists them and finds one by name or commit id): kernel/kprobes.c
 * at 6274de4984a6 "kprobes: Support delayed unoptimizing" (model/6274de4/) ...
 */
extern const KpModel kp_model_6274de4;
/* ... and at its parent 61f4e13ffd85, before delayed unoptimization (model/61f4e13/) */
extern const KpModel kp_model_6274de4_parent;

/* The user handlers every port's probes call (model/user.c). */
int kp_user_pre_handler(KpProbe *p);
void kp_user_post_handler(KpProbe *p);
int kp_user_fault_handler(KpProbe *p, int trapnr);
int kp_user_break_handler(KpProbe *p);
int kp_user_ret_handler(KpProbe *p);
/* A jprobe's entry starts: it overwrites its argument area if the scenario says so. */
void kp_user_jprobe_entry(KpProbe *p, void *area, size_t len);
/*
 * Does the instruction at addr, single-stepped out of line now, page-fault (a probe
 * there has step-faults left)?  Counts the fault.
 */
bool kp_user_step_fault(unsigned long addr);

#endif
