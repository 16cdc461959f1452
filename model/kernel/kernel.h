/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel API the ported kprobes code calls, mapped onto the engine (sim/) and the
 * emulated hardware (arch_x86_emu/).  Names and argument orders are the kernel's, so a
 * port reads like its source.  Where the kernel dereferences a text address, the port
 * calls kp_text_read()/kp_slot_write() instead: text addresses are emulated 64-bit
 * addresses (unsigned long), never host pointers.
 *
 * Every blocking call and every lock operation is a decision point of the engine.
 * Ported code adds its own decision points before stores that lock-free readers observe
 * (KP_PUBLISH) and before reads of shared state outside the locks (KP_OBSERVE).
 */
#ifndef KPSIM_MODEL_KERNEL_KERNEL_H
#define KPSIM_MODEL_KERNEL_KERNEL_H

#include "model/env.h"
#include "model/kernel/list.h"
#include "sim/alloc.h"
#include "sim/completion.h"
#include "sim/footprint.h"
#include "sim/hotplug.h"
#include "sim/mutex.h"
#include "sim/rcu.h"
#include "sim/spinlock.h"
#include "sim/violation.h"
#include "sim/workqueue.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- types and helpers (include/linux/types.h, kernel.h, compiler.h) ---- */

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#define likely(x) (x)
#define unlikely(x) (x)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NR_CPUS SIM_MAX_VCPUS
#define PAGE_SIZE 4096UL
#define GFP_KERNEL 0
#define __kprobes
#define __init
#define __user

/* include/asm-generic/errno-base.h, errno.h */
#define ENOENT 2
#define EAGAIN 11
#define EWOULDBLOCK EAGAIN
#define EFAULT 14
#define ENOMEM 12
#define EBUSY 16
#define EEXIST 17
#define EINVAL 22
#define ERANGE 34
#define EILSEQ 84

/* ---- the running environment ---- */

static inline SimCtx *kp_ctx(void)
{
	return kp_env_current()->ctx;
}

/* ---- assertions: BUG is fatal, WARN is recorded and the code goes on ---- */

/* Kernel assertion ids (docs/invariants.md) by the function that makes them; "BUG"/"WARN"
 * else. */
const char *kp_assertion_id(const char *func, bool bug);
_Noreturn void kp_bug(const char *expr, const char *func);
bool kp_warn(bool cond, const char *expr, const char *func);

#define BUG() kp_bug("BUG()", __func__)
#define BUG_ON(cond)                                                     \
	do {                                                             \
		if (cond)                                                \
			kp_bug("BUG_ON(" #cond ")", __func__); \
	} while (0)
#define WARN_ON(cond) kp_warn(!!(cond), "WARN_ON(" #cond ")", __func__)

/* printk: recorded in the trace (KERN_* levels are prefixes of the format, as in C). */
#define KERN_INFO ""
#define KERN_WARNING ""
#define KERN_ERR ""
#define KERN_EMERG ""
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- decision points the port places itself ---- */

/*
 * The kprobes structures (hash, child lists, flags, handler pointers, staging lists) are
 * one shared resource for partial-order reduction: writers declare W, lock-free readers
 * (the int3 and jump paths) declare R.
 */
#define KP_RES_KPROBES 1
/* A store lock-free readers can observe follows (hash/list insert or delete, a flag). */
void KP_PUBLISH(const char *what);
/* A read of state shared with writers, outside the locks, follows. */
void KP_OBSERVE(const char *what);
/*
 * model: state the checker's snapshot shows changed without a publish or a text write
 * (the optimizer starting or ending a run), so the next step is judged again.
 */
void kp_snapshot_changed(void);

/*
 * S8: code that touches the optimizer's staging lists or kicks it must hold
 * kprobe_mutex.  A model line at those places; reports the invariant when it fails.
 */
struct mutex;
void kp_lock_held(struct mutex *lock, const char *what, const char *func);
#define KP_LOCK_HELD(lock, what) kp_lock_held(lock, what, __func__)

/* ---- sleeping locks, hotplug, RCU-sched (kernel/mutex.c, cpu.c, rcutree.c) ---- */

struct mutex {
	SimMutex m;
};

/* DEFINE_MUTEX(name) becomes a member of the port's state, set up with this. */
#define mutex_init_named(lock, name) sim_mutex_init(kp_ctx(), &(lock)->m, name)
void mutex_lock(struct mutex *lock);
void mutex_unlock(struct mutex *lock);
int mutex_is_locked(struct mutex *lock);

/* The environment's locks, as kprobes names them. */
#define text_mutex (*(struct mutex *)(void *)&kp_env_current()->text_mutex)
#define module_mutex (*(struct mutex *)(void *)&kp_env_current()->module_mutex)
void jump_label_lock(void);
void jump_label_unlock(void);

void get_online_cpus(void);
void put_online_cpus(void);
void synchronize_sched(void);

/* ---- preemption, per-CPU data, interrupts ---- */

int smp_processor_id(void);
/* include/linux/cpumask.h: every vCPU of the run is possible. */
int num_possible_cpus(void);
void preempt_disable(void);
void preempt_enable(void);
void preempt_enable_no_resched(void);
/* DEFINE_PER_CPU(type, name) becomes `type name[NR_CPUS]` in the port's state. */
#define __get_cpu_var(var) ((var)[smp_processor_id()])
#define per_cpu(var, cpu) ((var)[(cpu)])

/* include/linux/notifier.h */
#define NOTIFY_DONE 0x0000
#define NOTIFY_OK 0x0001
#define NOTIFY_STOP_MASK 0x8000
#define NOTIFY_STOP (NOTIFY_OK | NOTIFY_STOP_MASK)

/* ---- spinlocks, interrupts, the current task ---- */

/*
 * spinlock_t on the engine's spinlock (sim/spinlock.h): a decision point at acquire and
 * release, spinning keeps the vCPU.  The footprint resource of a lock is its offset in
 * the port's state (every spinlock kprobes has lives there), so it is the same lock in
 * every run whatever the schedule.
 */
typedef struct {
	SimSpinlock sim;
} spinlock_t;

#define KP_RES_SPINLOCK 0x100000000ULL
void kp_spin_lock_init(spinlock_t *lock, const char *name);
#define spin_lock_init(lock) kp_spin_lock_init((lock), #lock)
void spin_lock(spinlock_t *lock);
void spin_unlock(spinlock_t *lock);
/*
 * local_irq_save()/restore() on the running vCPU: only code standing for text (a native:
 * the kretprobe trampoline, optimized_callback) runs with interrupts possibly on; a trap
 * hook already has them off and task context outside emulated code takes none.
 */
unsigned long kp_local_irq_save(void);
void kp_local_irq_restore(unsigned long flags);
#define spin_lock_irqsave(lock, flags)                  \
	do {                                            \
		(flags) = kp_local_irq_save();          \
		spin_lock(lock);                        \
	} while (0)
#define spin_unlock_irqrestore(lock, flags)             \
	do {                                            \
		spin_unlock(lock);                      \
		kp_local_irq_restore(flags);            \
	} while (0)

/*
 * The task a kretprobe instance belongs to.  Never dereferenced: `current` is the
 * address of the running task's thread_info (the bottom of its kernel stack,
 * arch_x86_emu/cpu.h), an emulated address as every other, so hash_ptr(current) is the
 * same on every machine.
 */
struct task_struct;
struct task_struct *kp_current(void);
#define current kp_current()

/*
 * model: what the port tells the checker about the returns it redirects and the jprobe
 * frames it restores (model/check_return.c, docs/invariants.md R2, R4).
 */
void kp_check_ret_hijacked(KpEnv *env, uint64_t slot, uint64_t old, uint64_t now);
void kp_check_ret_resumed(KpEnv *env, uint64_t slot, uint64_t ret);
void kp_check_jprobe_entry(KpEnv *env, uint64_t sp, const void *area, size_t len);
void kp_check_jprobe_resumed(KpEnv *env, const void *area);

/* ---- workqueue and completion (kernel/workqueue.c, kernel/sched.c) ---- */

struct work_struct;	/* never dereferenced by kprobes */
typedef void (*work_func_t)(struct work_struct *work);

struct delayed_work {
	SimDelayedWork sim;
	work_func_t func;
};

void kp_init_delayed_work(struct delayed_work *dw, const char *name, work_func_t func);
#define INIT_DELAYED_WORK_NAMED(dw, name, fn) kp_init_delayed_work(dw, name, fn)
int schedule_delayed_work(struct delayed_work *dw, unsigned long delay);
int delayed_work_pending(struct delayed_work *dw);

struct completion {
	SimCompletion sim;
};

#define init_completion_named(x, name) sim_completion_init(kp_ctx(), &(x)->sim, name)
void wait_for_completion(struct completion *x);
void complete_all(struct completion *x);

/* ---- memory (mm/slub.c), module_alloc (arch/x86/kernel/module.c) ---- */

/*
 * The allocation's type tag is the size expression, e.g. "sizeof(struct optimized_kprobe)".
 * Both can be made to fail by the task's fail-nth setting, as failslab does.
 */
void *kp_kzalloc(size_t size, const char *type, const char *file, int line);
#define kzalloc(size, flags) kp_kzalloc((size), #size, __FILE__, __LINE__)
#define kmalloc(size, flags) kp_kzalloc((size), #size, __FILE__, __LINE__)
#define kfree(p) sim_kfree(kp_ctx(), (p), __FILE__, __LINE__)

/* A page of executable memory within +-2 GB of kernel text; 0 on failure. */
unsigned long module_alloc_slot_page(int optinsn);
void module_free_slot_page(unsigned long page);

/* ---- hash (include/linux/hash.h) ---- */

#define GOLDEN_RATIO_PRIME_64 0x9e37fffffffc0001ULL
static inline u64 hash_64(u64 val, unsigned int bits)
{
	return (val * GOLDEN_RATIO_PRIME_64) >> (64 - bits);
}
/* hash_ptr on an emulated address: the address value is the pointer value. */
#define hash_ptr(addr, bits) hash_64((u64)(addr), (bits))

/* ---- kernel text: symbols, modules, reservations, access ---- */

unsigned long kallsyms_lookup_name(const char *name);
int kallsyms_lookup_size_offset(unsigned long addr, unsigned long *symbolsize,
				unsigned long *offset);
int kernel_text_address(unsigned long addr);
struct module *__module_text_address(unsigned long addr);
int within_module_init(unsigned long addr, struct module *mod);
int within_module_core(unsigned long addr, struct module *mod);
int try_module_get(struct module *mod);
void module_put(struct module *mod);
/* [start, end] inclusive, as the kernel's *_text_reserved take them. */
int ftrace_text_reserved(unsigned long start, unsigned long end);
int jump_label_text_reserved(unsigned long start, unsigned long end);
int alternatives_text_reserved(unsigned long start, unsigned long end);
int search_exception_tables(unsigned long addr);
/* __kprobes_text_start / __kprobes_text_end of the image (the .kprobes.text section). */
unsigned long kp_kprobes_text_start(void);
unsigned long kp_kprobes_text_end(void);

/* Current bytes of text or slot memory; false if any byte is not mapped. */
bool kp_text_read(unsigned long addr, void *buf, size_t len);
/* kprobes writes its slots with memcpy (they are not live text yet). */
void kp_slot_write(unsigned long addr, const void *buf, size_t len);
/* The slot holds code a CPU may execute from now on, or no longer does. */
void kp_slot_set_live(unsigned long addr, size_t len, bool live);

/* arch/x86/kernel/alternative.c */
void *text_poke(unsigned long addr, const void *opcode, size_t len);
void *text_poke_smp(unsigned long addr, const void *opcode, size_t len);
/* Since 7deb18dcf047: several writes under one stop_machine (addresses are the model's). */
struct text_poke_param {
	unsigned long addr;
	const void *opcode;
	size_t len;
};
void text_poke_smp_batch(struct text_poke_param *params, int n);

#endif
