// SPDX-License-Identifier: GPL-2.0-only
#include "model/api.h"

#include "model/check.h"
#include "model/kernel/kernel.h"
#include "sim/stop_machine.h"
#include "sim/trace.h"

#include <assert.h>
#include <stdio.h>

void kp_world_init(KpWorld *w, KpEnv *env, KpProbe **probes, unsigned n)
{
	assert(n <= KP_MAX_PROBES);
	/* All but the state track's arrays (18 KiB), which are read only below track.n. */
	memset(w, 0, offsetof(KpWorld, track));
	w->track.n = 0;
	w->track.seq = 0;
	w->track.activity = NULL;
	w->env = env;
	env->world = w;
	w->n_probes = n;
	w->probes = g_new0(KpProbe *, n ? n : 1);
	w->user = g_new0(KpUserProbe, n ? n : 1);
	w->armed = true;
	w->optimize = true;
	for (unsigned i = 0; i < n; i++) {
		w->probes[i] = probes[i];
		assert(probes[i]->id == i);
		env->model->probe_init(env, probes[i]);
	}
}

void kp_world_fini(KpWorld *w)
{
	kp_check_free(w);
	kp_check_ret_free(w);
	g_free(w->hits);
	g_free(w->probes);
	g_free(w->user);
	w->check = NULL;
	w->hits = NULL;
	w->probes = NULL;
	w->user = NULL;
}

static void op_event(KpWorld *w, const char *what, const char *subject, long ret)
{
	w->api_epoch++;
	SIM_TRACE(w->env->ctx, SIM_EV_USER, what, subject, ret, 0, 0);
}

/* ---- a kprobes user ---- */

/*
 * One struct kprobe has one owner: the kernel serialises register and unregister of
 * different probes, but two callers registering and unregistering the same struct at
 * once race on its fields outside kprobe_mutex (register_kprobe() writes p->addr and
 * p->flags before taking it; unregister frees its aggregate after a grace period without
 * it).  The port would then follow freed pointers as the kernel would, into a crash or a
 * loop inside one step; the simulator stops at the second call instead.
 */
static void lifecycle_begin(KpWorld *w, KpProbe **ps, int n, const char *call)
{
	SimCtx *ctx = w->env->ctx;
	const char *self = sim_task_name(sim_current(ctx));

	for (int i = 0; i < n; i++) {
		KpUserProbe *u = &w->user[ps[i]->id];

		if (u->in_lifecycle)
			sim_fail(ctx, SIM_V_USAGE, "api-misuse", __func__,
				 "%s calls %s(%s) while %s is still in %s(%s): one struct kprobe "
				 "has one owner", self, call, ps[i]->spec.name, u->lifecycle_task,
				 u->in_lifecycle, ps[i]->spec.name);
		u->in_lifecycle = call;
		u->lifecycle_task = self;
	}
}

static void lifecycle_end(KpWorld *w, KpProbe **ps, int n)
{
	for (int i = 0; i < n; i++) {
		w->user[ps[i]->id].in_lifecycle = NULL;
		w->user[ps[i]->id].lifecycle_task = NULL;
	}
}

int kp_api_register(KpWorld *w, KpProbe **ps, int n)
{
	const KpModel *m = w->env->model;
	/* On the task's stack: a run that ends inside the call leaves nothing behind. */
	bool disabled[KP_MAX_PROBES];
	int ret;

	assert(n >= 0 && n <= KP_MAX_PROBES);
	w->api_epoch++;
	/* "Registered without KPROBE_FLAG_DISABLED": the flag as the struct carries it now,
	 * which after an unregister is still set (__disable_kprobe set it). */
	for (int i = 0; i < n; i++)
		disabled[i] = m->probe_flags(ps[i]) & KP_SNAP_DISABLED;
	lifecycle_begin(w, ps, n, n == 1 ? "register_kprobe" : "register_kprobes");
	for (int i = 0; i < n; i++) {
		w->user[ps[i]->id].in_call++;
		w->user[ps[i]->id].call_start = sim_step(w->env->ctx);
	}
	ret = n == 1 ? m->register_probe(w->env, ps[0]) : m->register_probes(w->env, ps, n);
	lifecycle_end(w, ps, n);
	for (int i = 0; i < n; i++) {
		KpUserProbe *u = &w->user[ps[i]->id];

		u->in_call--;
		if (ret == 0) {
			u->registered = true;
			u->enabled = !disabled[i];
		}
	}
	op_event(w, "register", ps[0]->spec.name, ret);
	if (w->check)
		kp_check_after_register(w, ps, n, ret);
	for (int i = 0; i < n; i++)
		w->user[ps[i]->id].call_end = sim_step(w->env->ctx);
	return ret;
}

void kp_api_unregister(KpWorld *w, KpProbe **ps, int n)
{
	w->api_epoch++;
	lifecycle_begin(w, ps, n, "unregister_kprobes");
	for (int i = 0; i < n; i++) {
		w->user[ps[i]->id].in_call++;
		w->user[ps[i]->id].call_start = sim_step(w->env->ctx);
	}
	w->env->model->unregister_probes(w->env, ps, n);
	lifecycle_end(w, ps, n);
	for (int i = 0; i < n; i++) {
		KpUserProbe *u = &w->user[ps[i]->id];

		u->in_call--;
		u->registered = false;
		u->enabled = false;
		u->off_step = sim_step(w->env->ctx);
	}
	op_event(w, "unregister", ps[0]->spec.name, 0);
	if (w->check)
		kp_check_after_unregister(w, ps, n);
	for (int i = 0; i < n; i++)
		w->user[ps[i]->id].call_end = sim_step(w->env->ctx);
}

int kp_api_enable(KpWorld *w, KpProbe *p)
{
	w->api_epoch++;
	KpUserProbe *u = &w->user[p->id];
	int ret;

	u->in_call++;
	ret = w->env->model->enable_probe(w->env, p);
	u->in_call--;
	if (ret == 0)
		u->enabled = true;
	op_event(w, "enable", p->spec.name, ret);
	if (w->check)
		kp_check_after_enable(w, p, ret, true);
	return ret;
}

int kp_api_disable(KpWorld *w, KpProbe *p)
{
	w->api_epoch++;
	KpUserProbe *u = &w->user[p->id];
	int ret;

	u->in_call++;
	ret = w->env->model->disable_probe(w->env, p);
	u->in_call--;
	if (ret == 0) {
		u->enabled = false;
		u->off_step = sim_step(w->env->ctx);
	}
	op_event(w, "disable", p->spec.name, ret);
	if (w->check)
		kp_check_after_enable(w, p, ret, false);
	return ret;
}

/*
 * Global calls (the sysctl and the debugfs file) may overlap: a debugfs 1 can start and
 * end while a debugfs 0 waits for the optimizer.  global_end() says whether another one
 * started or was still running during this one.
 */
static uint64_t global_begin(KpWorld *w)
{
	w->global_calls++;
	return ++w->global_started;
}

static bool global_end(KpWorld *w, uint64_t start)
{
	w->global_calls--;
	w->global_overlap = w->global_calls || w->global_started != start;
	return w->global_overlap;
}

/* ---- an administrator ---- */

int kp_api_sysctl_write(KpWorld *w, const char *text)
{
	char buf[64];
	size_t len = strlen(text);
	bool before = w->optimize;
	uint64_t start;
	int ret;

	w->api_epoch++;
	g_strlcpy(buf, text, sizeof(buf));
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	start = global_begin(w);
	ret = w->env->model->sysctl_optimization(w->env, 1, buf, &len);
	global_end(w, start);
	op_event(w, "sysctl-write", text, ret);
	if (w->check)
		kp_check_after_sysctl_write(w, ret, before);
	return ret;
}

int kp_api_sysctl_read(KpWorld *w)
{
	char buf[64] = { 0 };
	size_t len = sizeof(buf) - 1;
	uint64_t start;
	int ret;

	w->api_epoch++;
	start = global_begin(w);
	ret = w->env->model->sysctl_optimization(w->env, 0, buf, &len);
	global_end(w, start);
	if (ret == 0)
		ret = (int)strtol(buf, NULL, 10);
	op_event(w, "sysctl-read", NULL, ret);
	if (w->check)
		kp_check_after_sysctl_read(w, ret);
	return ret;
}

long kp_api_debugfs_write(KpWorld *w, const char *text)
{
	uint64_t start;
	long ret;

	w->api_epoch++;
	start = global_begin(w);
	ret = (long)w->env->model->debugfs_enabled_write(w->env, text, strlen(text));
	if (global_end(w, start)) {
		/*
		 * Another write ran inside this one: which took effect last is the kernel's
		 * to say, so the record follows the kernel's flag.
		 */
		KpSnapshot *s = g_malloc(sizeof(*s));

		kp_snapshot_reset(s);
		w->env->model->snapshot(w->env, s);
		w->armed = !s->all_disarmed;
		g_free(s);
		if (!w->armed)
			w->disarmed_step = sim_step(w->env->ctx);
	} else if (text[0] == '1' || text[0] == 'y' || text[0] == 'Y') {
		w->armed = true;
	} else if (text[0] == '0' || text[0] == 'n' || text[0] == 'N') {
		w->armed = false;
		w->disarmed_step = sim_step(w->env->ctx);
	}
	op_event(w, "debugfs-write", text, ret);
	if (w->check)
		kp_check_after_debugfs(w);
	return ret;
}

int kp_api_debugfs_read(KpWorld *w)
{
	char buf[8] = { 0 };
	long ret = (long)w->env->model->debugfs_enabled_read(w->env, buf, sizeof(buf) - 1);
	int value = ret < 0 ? (int)ret : buf[0] == '1';

	w->api_epoch++;
	op_event(w, "debugfs-read", NULL, value);
	if (w->check)
		kp_check_after_debugfs_read(w, value, buf);
	return value;
}

/* ---- the module loader (kernel/module.c, 2.6.37) ---- */

static struct module *module_or_null(KpWorld *w, const char *name)
{
	return kp_env_module(w->env, name);
}

static void notify(KpWorld *w, struct module *mod, int state)
{
	w->env->model->module_notify(w->env, mod, (unsigned long)state);
}

/* load_module: the text is mapped and the module is COMING (kprobes ignores COMING). */
int kp_api_module_load(KpWorld *w, const char *name)
{
	struct module *mod = module_or_null(w, name);

	w->api_epoch++;
	if (!mod || mod->loaded)
		return -EEXIST;
	mutex_lock(&module_mutex);
	/* Loaded again, a module gets the addresses of its last load (see emu_text). */
	if (!emu_text_module_load(w->env->text, name)) {
		mutex_unlock(&module_mutex);
		return -EBUSY;
	}
	kp_env_module_reset(w->env, mod);
	mod->loaded = true;
	mod->refcount = 0;
	mod->state = MODULE_STATE_COMING;
	mutex_unlock(&module_mutex);
	op_event(w, "module-load", name, 0);
	return 0;
}

/* init_module after a successful init: LIVE, then the init text is freed. */
int kp_api_module_live(KpWorld *w, const char *name)
{
	struct module *mod = module_or_null(w, name);

	w->api_epoch++;
	if (!mod || !mod->loaded || mod->state != MODULE_STATE_COMING)
		return -EINVAL;
	mod->state = MODULE_STATE_LIVE;
	notify(w, mod, MODULE_STATE_LIVE);
	mutex_lock(&module_mutex);
	mod->module_init = 0;
	emu_text_module_free_init(w->env->text, name);
	mutex_unlock(&module_mutex);
	op_event(w, "module-live", name, 0);
	return 0;
}

/* free_module: unlink under module_mutex, then the text goes. */
static void free_module(KpWorld *w, struct module *mod)
{
	mutex_lock(&module_mutex);
	mod->loaded = false;
	mutex_unlock(&module_mutex);
	emu_text_module_unload(w->env->text, mod->name);
}

int kp_api_module_fail_init(KpWorld *w, const char *name)
{
	struct module *mod = module_or_null(w, name);

	w->api_epoch++;
	if (!mod || !mod->loaded || mod->state != MODULE_STATE_COMING)
		return -EINVAL;
	mod->state = MODULE_STATE_GOING;
	notify(w, mod, MODULE_STATE_GOING);
	free_module(w, mod);
	op_event(w, "module-fail-init", name, 0);
	return 0;
}

/* delete_module: refuse while referenced (as without O_TRUNC), else GOING and free. */
int kp_api_module_unload(KpWorld *w, const char *name)
{
	struct module *mod = module_or_null(w, name);

	w->api_epoch++;
	/* delete_module(name, O_NONBLOCK) of kernel/module.c: its return codes */
	if (!mod || !mod->loaded)
		return -ENOENT;
	mutex_lock(&module_mutex);
	if (mod->state != MODULE_STATE_LIVE) {
		mutex_unlock(&module_mutex);
		return -EBUSY;
	}
	if (mod->refcount) {
		mutex_unlock(&module_mutex);
		op_event(w, "module-unload", name, -EWOULDBLOCK);
		return -EWOULDBLOCK;
	}
	mod->state = MODULE_STATE_GOING;
	mutex_unlock(&module_mutex);
	notify(w, mod, MODULE_STATE_GOING);
	free_module(w, mod);
	op_event(w, "module-unload", name, 0);
	return 0;
}

void kp_api_free_initmem(KpWorld *w)
{
	w->api_epoch++;
	emu_text_free_kernel_init(w->env->text);
	op_event(w, "free-initmem", NULL, 0);
}

/* ---- CPU hotplug (kernel/cpu.c, x86 smpboot and alternatives, 2.6.37) ---- */

static unsigned online_cpus(KpWorld *w)
{
	unsigned n = 0;

	for (unsigned i = 0; i < sim_n_vcpus(w->env->ctx); i++)
		n += sim_vcpu_online(w->env->ctx, i);
	return n;
}

/*
 * arch/x86/kernel/alternative.c: alternatives_smp_switch(), inside the hotplug writer.
 * The kernel patches the lock prefixes of its text when the number of online CPUs
 * crosses one (UP <-> SMP), under smp_alt and, per patched range, text_mutex.  The
 * bytes it writes are outside the emulated image; the locks are what matter: they put
 * text_mutex after cpu_hotplug.lock, so whoever holds text_mutex and then calls
 * get_online_cpus() can deadlock with a CPU coming up or going down.
 */
static void alternatives_smp_switch(KpWorld *w, bool switches)
{
	SimCtx *ctx = w->env->ctx;

	sim_mutex_lock(ctx, &w->env->smp_alt_mutex);
	if (switches) {
		mutex_lock(&text_mutex);
		mutex_unlock(&text_mutex);
	}
	sim_mutex_unlock(ctx, &w->env->smp_alt_mutex);
}

int kp_api_cpu_up(KpWorld *w, unsigned cpu)
{
	SimCtx *ctx = w->env->ctx;
	bool was_up;

	w->api_epoch++;
	if (cpu >= sim_n_vcpus(ctx))
		return -EINVAL;
	/* cpu_up: cpu_maps_update_begin() serialises it with every other up and down. */
	sim_mutex_lock(ctx, &w->env->cpu_add_remove_lock);
	if (sim_vcpu_online(ctx, cpu)) {
		sim_mutex_unlock(ctx, &w->env->cpu_add_remove_lock);
		return -EINVAL;
	}
	was_up = online_cpus(w) == 1;
	sim_cpu_hotplug_begin(ctx);
	/* do_boot_cpu -> alternatives_smp_switch(1) */
	alternatives_smp_switch(w, was_up);
	sim_vcpu_set_online(ctx, cpu, true);
	sim_cpu_hotplug_done(ctx);
	sim_mutex_unlock(ctx, &w->env->cpu_add_remove_lock);
	op_event(w, "cpu-up", NULL, cpu);
	return 0;
}

static int take_cpu_down(SimCtx *ctx, void *data)
{
	return sim_vcpu_set_online(ctx, (unsigned)(uintptr_t)data, false) ? 0 : -EBUSY;
}

int kp_api_cpu_down(KpWorld *w, unsigned cpu)
{
	SimCtx *ctx = w->env->ctx;
	bool tried = false;
	int ret;

	w->api_epoch++;
	if (cpu >= sim_n_vcpus(ctx))
		return -EINVAL;
	/* cpu_down: cpu_maps_update_begin(), then _cpu_down()'s checks under it. */
	sim_mutex_lock(ctx, &w->env->cpu_add_remove_lock);
	if (!sim_vcpu_online(ctx, cpu))
		ret = -EINVAL;
	else if (online_cpus(w) == 1)
		ret = -EBUSY;	/* the last online CPU stays */
	/* The kernel would migrate the caller off the CPU going down; this model's tasks
	 * are bound to their vCPU, so a task cannot take its own vCPU down. */
	else if (cpu == sim_task_vcpu(sim_current(ctx)))
		ret = -EINVAL;
	else {
		sim_cpu_hotplug_begin(ctx);
		ret = sim_stop_machine(ctx, take_cpu_down, (void *)(uintptr_t)cpu);
		/* __cpu_die -> native_cpu_die -> alternatives_smp_switch(0) */
		if (!ret)
			alternatives_smp_switch(w, online_cpus(w) == 1);
		sim_cpu_hotplug_done(ctx);
		tried = true;
	}
	sim_mutex_unlock(ctx, &w->env->cpu_add_remove_lock);
	if (tried)
		op_event(w, "cpu-down", NULL, cpu);
	return ret;
}

/* ---- CPUs running code ---- */

void kp_api_call(KpWorld *w, unsigned long addr, unsigned times)
{
	for (unsigned i = 0; i < times; i++) {
		emu_cpu_call(w->env->machine, addr);
		kp_check_ret_call_end(w->env);
		/* Back in user space: a scheduling point. */
		sim_quiescent_point(w->env->ctx);
	}
}
