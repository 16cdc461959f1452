// SPDX-License-Identifier: GPL-2.0-only
/* The kernel API of kernel.h over the engine and the emulated hardware. */
#include "model/kernel/kernel.h"

#include "sim/trace.h"

#include <assert.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* ---- assertions ---- */

/* The kernel's own assertions by function (K1-K10 in docs/invariants.md). */
static const struct {
	const char *func;
	const char *id;
} assertion_ids[] = {
	{ "do_free_cleaned_kprobes", "K1" },
	{ "do_optimize_kprobes", "K2" },
	{ "__unregister_kprobe_top", "K3" },
	{ "add_new_kprobe", "K4" },
	{ "reenter_kprobe", "K5" },
	{ "text_poke", "K6" },
	{ "__copy_instruction", "K7" },
	{ "__get_insn_slot", "K8" },
	{ "__free_insn_slot", "K8" },
	{ "collect_one_slot", "K8" },
	{ "kretprobe_assert", "K10" },
	{ "longjmp_break_handler", "K10" },
};

const char *kp_assertion_id(const char *func, bool bug)
{
	for (size_t i = 0; i < ARRAY_SIZE(assertion_ids); i++)
		if (!strcmp(assertion_ids[i].func, func))
			return assertion_ids[i].id;
	return bug ? "BUG" : "WARN";
}

_Noreturn void kp_bug(const char *expr, const char *func)
{
	sim_fail(kp_ctx(), SIM_V_BUG, kp_assertion_id(func, true), func, "%s in %s()", expr,
		 func);
}

bool kp_warn(bool cond, const char *expr, const char *func)
{
	if (cond)
		sim_report(kp_ctx(), SIM_V_WARN, false, kp_assertion_id(func, false), func,
			   "%s in %s()", expr, func);
	return cond;
}

void printk(const char *fmt, ...)
{
	KpEnv *env = kp_env_current();
	char buf[256];
	va_list ap;

	env->printk_count++;
	if (!sim_trace_on(env->ctx))
		return;	/* only the trace shows the text, and formatting it is the cost */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (buf[0] && buf[strlen(buf) - 1] == '\n')
		buf[strlen(buf) - 1] = '\0';
	SIM_TRACE(env->ctx, SIM_EV_USER, "printk", sim_trace_intern(env->ctx, buf), 0, 0, 0);
}

/* ---- decision points ---- */

void KP_PUBLISH(const char *what)
{
	SimFootprint fp = sim_fp1(SIM_RES_OBJ, SIM_ACC_WRITE, KP_RES_KPROBES);

	(void)what;
	sim_yield(kp_ctx(), SIM_Y_STORE, &fp);
	kp_env_current()->gen++;
}

void kp_snapshot_changed(void)
{
	kp_env_current()->gen++;
}

void KP_OBSERVE(const char *what)
{
	SimFootprint fp = sim_fp1(SIM_RES_OBJ, SIM_ACC_READ, KP_RES_KPROBES);

	(void)what;
	sim_yield(kp_ctx(), SIM_Y_LOAD, &fp);
}

void kp_lock_held(struct mutex *lock, const char *what, const char *func)
{
	SimCtx *ctx = kp_ctx();

	if (!sim_mutex_held_by_current(ctx, &lock->m))
		sim_report(ctx, SIM_V_INVARIANT, true, "S8", func,
			   "%s without %s held", what, lock->m.name);
}

/* ---- sleeping locks ---- */

/* Sleeping with preemption disabled is a kernel bug ("scheduling while atomic"). */
static void might_sleep(const char *what)
{
	KpEnv *env = kp_env_current();
	int cpu = smp_processor_id();

	if (env->preempt_count[cpu] > 0)
		sim_report(env->ctx, SIM_V_USAGE, false, "sleep-in-atomic", __func__,
			   "%s with preemption disabled (count %d)", what,
			   env->preempt_count[cpu]);
}

void mutex_lock(struct mutex *lock)
{
	might_sleep("mutex_lock");
	sim_mutex_lock(kp_ctx(), &lock->m);
}

void mutex_unlock(struct mutex *lock)
{
	sim_mutex_unlock(kp_ctx(), &lock->m);
}

int mutex_is_locked(struct mutex *lock)
{
	return sim_mutex_is_locked(&lock->m);
}

void jump_label_lock(void)
{
	mutex_lock((struct mutex *)(void *)&kp_env_current()->jump_label_mutex);
}

void jump_label_unlock(void)
{
	mutex_unlock((struct mutex *)(void *)&kp_env_current()->jump_label_mutex);
}

void get_online_cpus(void)
{
	might_sleep("get_online_cpus");
	sim_get_online_cpus(kp_ctx());
}

void put_online_cpus(void)
{
	sim_put_online_cpus(kp_ctx());
}

void synchronize_sched(void)
{
	might_sleep("synchronize_sched");
	sim_synchronize_sched(kp_ctx());
}

/* ---- preemption ---- */

int smp_processor_id(void)
{
	SimTask *t = sim_current(kp_ctx());

	assert(t != NULL);
	return (int)sim_task_vcpu(t);
}

/* ---- spinlocks, interrupts, the current task ---- */

void kp_spin_lock_init(spinlock_t *lock, const char *name)
{
	KpEnv *env = kp_env_current();
	uintptr_t off = (uintptr_t)lock - (uintptr_t)env->port;

	assert(env->port != NULL && (uintptr_t)lock >= (uintptr_t)env->port);
	sim_spin_init(&lock->sim, name, KP_RES_SPINLOCK + off);
}

void spin_lock(spinlock_t *lock)
{
	sim_spin_lock(kp_ctx(), &lock->sim);
}

void spin_unlock(spinlock_t *lock)
{
	sim_spin_unlock(kp_ctx(), &lock->sim);
}

unsigned long kp_local_irq_save(void)
{
	EmuCpu *c = emu_machine_current_cpu(kp_env_current()->machine);

	if (!emu_cpu_in_native(c) || emu_cpu_in_trap(c) || !emu_cpu_if(c))
		return 0;
	emu_cpu_set_if(c, false);
	return 1;
}

void kp_local_irq_restore(unsigned long flags)
{
	if (flags)
		emu_cpu_set_if(emu_machine_current_cpu(kp_env_current()->machine), true);
}

struct task_struct *kp_current(void)
{
	SimTask *t = sim_current(kp_ctx());

	assert(t != NULL);
	return (struct task_struct *)(uintptr_t)(EMU_STACK_AREA +
						 (uint64_t)sim_task_id(t) * EMU_STACK_SIZE);
}

int num_possible_cpus(void)
{
	return (int)sim_n_vcpus(kp_ctx());
}

void preempt_disable(void)
{
	kp_env_current()->preempt_count[smp_processor_id()]++;
}

void preempt_enable(void)
{
	KpEnv *env = kp_env_current();
	int cpu = smp_processor_id();

	if (env->preempt_count[cpu] <= 0)
		sim_report(env->ctx, SIM_V_USAGE, false, "preempt-underflow", __func__,
			   "preempt_enable without preempt_disable on cpu%d", cpu);
	else
		env->preempt_count[cpu]--;
}

void preempt_enable_no_resched(void)
{
	preempt_enable();
}

/* ---- workqueue and completion ---- */

static void work_trampoline(SimCtx *ctx, SimWork *w)
{
	struct delayed_work *dw = container_of(w, struct delayed_work, sim.work);

	(void)ctx;
	dw->func((struct work_struct *)(void *)w);
}

void kp_init_delayed_work(struct delayed_work *dw, const char *name, work_func_t func)
{
	assert(func != NULL);
	dw->func = func;
	sim_delayed_work_init(kp_ctx(), &dw->sim, name, work_trampoline);
}

int schedule_delayed_work(struct delayed_work *dw, unsigned long delay)
{
	return sim_schedule_delayed_work(kp_ctx(), &dw->sim, delay);
}

int delayed_work_pending(struct delayed_work *dw)
{
	return sim_delayed_work_pending(&dw->sim);
}

void wait_for_completion(struct completion *x)
{
	might_sleep("wait_for_completion");
	sim_wait_for_completion(kp_ctx(), &x->sim);
}

void complete_all(struct completion *x)
{
	sim_complete_all(kp_ctx(), &x->sim);
}

/* ---- kzalloc, module_alloc ---- */

void *kp_kzalloc(size_t size, const char *type, const char *file, int line)
{
	if (sim_fail_nth_should_fail(kp_ctx(), type))
		return NULL;
	return sim_kzalloc(kp_ctx(), size, type, file, line);
}

unsigned long module_alloc_slot_page(int optinsn)
{
	/* module_alloc() is vmalloc: page allocations fail-nth can fail too. */
	if (sim_fail_nth_should_fail(kp_ctx(), "module_alloc"))
		return 0;
	return emu_text_alloc_page(kp_env_current()->text,
				   optinsn ? EMU_TEXT_SLOT_OPT : EMU_TEXT_SLOT_INSN);
}

void module_free_slot_page(unsigned long page)
{
	emu_text_free_page(kp_env_current()->text, page);
}

/* ---- kallsyms, modules, reservations ---- */

unsigned long kallsyms_lookup_name(const char *name)
{
	EmuTextSymbol sym;

	if (!emu_text_symbol_by_name(kp_env_current()->text, name, &sym) || !sym.visible)
		return 0;
	return sym.addr;
}

int kallsyms_lookup_size_offset(unsigned long addr, unsigned long *symbolsize,
				unsigned long *offset)
{
	EmuTextSymbol sym;
	uint64_t off;

	if (!emu_text_symbol_at(kp_env_current()->text, addr, &sym, &off) || !sym.visible)
		return 0;
	if (symbolsize)
		*symbolsize = sym.size;
	if (offset)
		*offset = off;
	return 1;
}

/*
 * core_kernel_text(), or the text of a module still on the module list
 * (is_module_text_address): a module unlinked by free_module is no longer text even
 * while its pages are still mapped.  Init text counts only until it is freed.
 */
int kernel_text_address(unsigned long addr)
{
	KpEnv *env = kp_env_current();
	int r = emu_text_region_at(env->text, addr);
	EmuTextRegionInfo info;

	if (r < 0)
		return 0;
	emu_text_region_info(env->text, (unsigned)r, &info);
	if (info.state != EMU_TEXT_LIVE)
		return 0;
	if (info.kind == EMU_TEXT_MODULE_CORE || info.kind == EMU_TEXT_MODULE_INIT)
		return __module_text_address(addr) != NULL;
	return info.kind == EMU_TEXT_CORE || info.kind == EMU_TEXT_INIT ||
	       info.kind == EMU_TEXT_SCENARIO;
}

int within_module_core(unsigned long addr, struct module *mod)
{
	return mod->loaded && addr >= mod->module_core &&
	       addr < mod->module_core + mod->core_text_size;
}

int within_module_init(unsigned long addr, struct module *mod)
{
	return mod->loaded && mod->module_init && addr >= mod->module_init &&
	       addr < mod->module_init + mod->init_text_size;
}

struct module *__module_text_address(unsigned long addr)
{
	KpEnv *env = kp_env_current();

	for (unsigned i = 0; i < env->n_modules; i++) {
		struct module *mod = &env->modules[i];

		if (within_module_core(addr, mod) || within_module_init(addr, mod))
			return mod;
	}
	return NULL;
}

/* A module that is going away refuses new references (module_is_live()). */
int try_module_get(struct module *mod)
{
	if (!mod)
		return 1;
	if (!mod->loaded || mod->state == MODULE_STATE_GOING)
		return 0;
	mod->refcount++;
	return 1;
}

void module_put(struct module *mod)
{
	if (!mod)
		return;
	assert(mod->refcount > 0);
	mod->refcount--;
}

int ftrace_text_reserved(unsigned long start, unsigned long end)
{
	return emu_text_ftrace_reserved(kp_env_current()->text, start, end);
}

int jump_label_text_reserved(unsigned long start, unsigned long end)
{
	return emu_text_jump_label_reserved(kp_env_current()->text, start, end);
}

int alternatives_text_reserved(unsigned long start, unsigned long end)
{
	return emu_text_alternatives_reserved(kp_env_current()->text, start, end);
}

int search_exception_tables(unsigned long addr)
{
	return emu_text_in_extable(kp_env_current()->text, addr);
}

static const EmuRange *kprobes_section(void)
{
	const EmuImage *img = emu_text_image(kp_env_current()->text);

	for (size_t i = 0; i < img->n_kprobes_text; i++)
		if (!strcmp(img->kprobes_text[i].why, ".kprobes.text"))
			return &img->kprobes_text[i];
	return NULL;
}

unsigned long kp_kprobes_text_start(void)
{
	const EmuRange *r = kprobes_section();

	return r ? r->lo : 0;
}

unsigned long kp_kprobes_text_end(void)
{
	const EmuRange *r = kprobes_section();

	return r ? r->hi : 0;
}

/* ---- text access ---- */

bool kp_text_read(unsigned long addr, void *buf, size_t len)
{
	return emu_text_read(kp_env_current()->text, addr, buf, len);
}

void kp_slot_write(unsigned long addr, const void *buf, size_t len)
{
	emu_text_slot_write(kp_env_current()->text, addr, buf, len);
}

void kp_slot_set_live(unsigned long addr, size_t len, bool live)
{
	emu_text_slot_set_live(kp_env_current()->text, addr, len, live);
}

void *text_poke(unsigned long addr, const void *opcode, size_t len)
{
	emu_text_poke(kp_env_current()->text, addr, opcode, len);
	return (void *)(uintptr_t)addr;
}

void *text_poke_smp(unsigned long addr, const void *opcode, size_t len)
{
	emu_text_poke_smp(kp_env_current()->text, addr, opcode, len);
	return (void *)(uintptr_t)addr;
}

/* The kernel's parameter block is the segment's, field for field: handed over as it is. */
_Static_assert(sizeof(struct text_poke_param) == sizeof(EmuTextPoke) &&
	       offsetof(struct text_poke_param, addr) == offsetof(EmuTextPoke, addr) &&
	       sizeof(((struct text_poke_param *)0)->addr) == sizeof(((EmuTextPoke *)0)->addr) &&
	       offsetof(struct text_poke_param, opcode) == offsetof(EmuTextPoke, bytes) &&
	       offsetof(struct text_poke_param, len) == offsetof(EmuTextPoke, len),
	       "struct text_poke_param and EmuTextPoke differ");

void text_poke_smp_batch(struct text_poke_param *params, int n)
{
	assert(n >= 0);
	emu_text_poke_smp_batch(kp_env_current()->text, (const EmuTextPoke *)params, (size_t)n);
}
