/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel around the kprobes port, for one run: the engine context, the emulated text
 * and CPUs, the kernel-wide locks kprobes takes but does not own (text_mutex,
 * module_mutex, jump_label_mutex, smp_alt), the module table, and the per-vCPU preempt
 * counts.  Version independent: every port runs in the same environment.
 *
 * The shim (model/kernel/) finds the environment of the running run through the engine's
 * per-run user pointer, which is how ported code keeps the kernel's function signatures.
 */
#ifndef KPSIM_MODEL_ENV_H
#define KPSIM_MODEL_ENV_H

#include "arch_x86_emu/cpu.h"
#include "arch_x86_emu/image.h"
#include "arch_x86_emu/text.h"
#include "sim/ctx.h"
#include "sim/mutex.h"

#define KP_MAX_MODULES 8

/* include/linux/module.h: enum module_state (2.6.37 values). */
enum module_state {
	MODULE_STATE_LIVE = 0,
	MODULE_STATE_COMING = 1,
	MODULE_STATE_GOING = 2,
};

/* struct module, as far as kprobes looks at it. */
struct module {
	const char *name;
	int state;		/* enum module_state */
	bool loaded;		/* between load and the end of unload */
	int refcount;		/* try_module_get / module_put */
	uint64_t module_core;
	unsigned int core_text_size;
	uint64_t module_init;	/* 0 once the init text is freed */
	unsigned int init_text_size;
};

typedef struct KpModel KpModel;

typedef struct KpEnv {
	SimCtx *ctx;
	EmuText *text;
	EmuMachine *machine;
	const KpModel *model;
	void *port;		/* the running port's own state (its kernel/kprobes.c globals) */
	struct KpWorld *world;	/* the user-level record (model/api.h), when there is one */

	SimMutex text_mutex;
	SimMutex module_mutex;
	SimMutex jump_label_mutex;
	SimMutex smp_alt_mutex;
	SimMutex cpu_add_remove_lock;	/* kernel/cpu.c: serialises cpu_up/cpu_down */

	struct module modules[KP_MAX_MODULES];
	unsigned n_modules;

	unsigned optimize_delay;	/* jiffies; 0: the kernel's OPTIMIZE_DELAY */
	unsigned n_probes;	/* KpProbes the run will create: set before the port's init */
	int preempt_count[SIM_MAX_VCPUS];
	uint64_t printk_count;
	/* Bumped by every store the port publishes and every text write: checks that judge
	 * the whole state run again only when it may have changed. */
	uint64_t gen;
} KpEnv;

/*
 * Set up the environment for a run of `model` on ctx (after sim_ctx_reset): creates the
 * text segment from `img`, the machine, the kernel-wide mutexes and the module table,
 * and installs itself as the run's user pointer.  Does not call the port's init.
 */
KpEnv *kp_env_new(SimCtx *ctx, const EmuImage *img, const KpModel *model);
/*
 * The same on `text`, a text segment an earlier run on ctx left (kp_env_free_keep_text),
 * reset here; with NULL, or one of another context or image, as kp_env_new.
 */
KpEnv *kp_env_new_on(SimCtx *ctx, const EmuImage *img, const KpModel *model, EmuText *text);
void kp_env_free(KpEnv *env);
/* kp_env_free, except that the text segment is handed back for the next run's reuse. */
EmuText *kp_env_free_keep_text(KpEnv *env);

/* The environment of the run executing on this thread. */
KpEnv *kp_env_current(void);

struct module *kp_env_module(KpEnv *env, const char *name);
/* The module as its image describes it before a load: GOING (not loaded), its text
 * where the image puts it. */
void kp_env_module_reset(KpEnv *env, struct module *mod);

#endif
