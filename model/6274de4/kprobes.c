// SPDX-License-Identifier: GPL-2.0-only
/*
 * kernel/kprobes.c at the commit that names this folder, ported to the kpsim shim
 * (model/kernel/), for CONFIG_OPTPROBES, CONFIG_KRETPROBES, CONFIG_SYSCTL and
 * CONFIG_DEBUG_FS on x86_64.  Function names, order and logic are the kernel's; the
 * !CONFIG_OPTPROBES variants are left out.
 *
 * Included by port.c, never compiled on its own: everything here is static.
 *
 * Decision points: the shim makes every lock operation, wait, allocation and text write
 * one.  This file adds KP_PUBLISH before each store that lock-free readers (the int3 and
 * jump paths, user handlers walking an aggregate) can observe, and KP_OBSERVE where such
 * a reader looks at the probe structures again after a user handler ran.  Stores to
 * objects that no reader can reach yet (an aggregate before hlist_replace_rcu publishes
 * it) or any more (after the grace period of the unregister path) get none.
 */
#include "state.h"

#include <assert.h>
#include <stdio.h>
#include <sys/types.h>	/* ssize_t, loff_t */


/* Objects of the kernel the port only passes around. */
struct notifier_block;
struct file;
struct work_struct;

/* kernel/kprobes.c: kprobe_lookup_name() (x86 has no function descriptors) */
#define kprobe_lookup_name(name, addr) \
	addr = kallsyms_lookup_name(name)

/* kernel/kprobes.c: kretprobe_table_lock_ptr() */
static spinlock_t *kretprobe_table_lock_ptr(unsigned long hash)
{
	return &(kretprobe_table_locks[hash].lock);
}

/* kernel/kprobes.c: kprobe_blacklist[] (the names; the ranges are in the state) */
static const char *const kprobe_blacklist_names[KPROBE_BLACKLIST_SIZE] = {
	"preempt_schedule",
	"native_get_debugreg",
	"irq_entries_start",
	"common_interrupt",
	"mcount",	/* can be called from anywhere */
	NULL		/* terminator */
};

/*
 * kernel/kprobes.c: struct kprobe_insn_page.  `insns` is the emulated address of a
 * module_alloc_slot_page() page of executable slots.
 */
struct kprobe_insn_page {
	struct list_head list;
	unsigned long insns;		/* page of instruction slots */
	int nused;
	int ngarbage;
	size_t insn_size;		/* model: the cache's slot size, to retire a slot */
	char slot_used[];
};

#define KPROBE_INSN_PAGE_SIZE(slots)			\
	(offsetof(struct kprobe_insn_page, slot_used) +	\
	 (sizeof(char) * (slots)))

/* kernel/kprobes.c: slots_per_page() */
static int slots_per_page(struct kprobe_insn_cache *c)
{
	return PAGE_SIZE/(c->insn_size * sizeof(kprobe_opcode_t));
}

enum kprobe_slot_state {
	SLOT_CLEAN = 0,
	SLOT_DIRTY = 1,
	SLOT_USED = 2,
};

static int collect_garbage_slots(struct kprobe_insn_cache *c);

/* kernel/kprobes.c: __get_insn_slot() */
/* A free slot on an executable page; a new page when every page is full. */
static unsigned long __get_insn_slot(struct kprobe_insn_cache *c)
{
	struct kprobe_insn_page *kip;

 retry:
	list_for_each_entry(kip, struct kprobe_insn_page, &c->pages, list) {
		if (kip->nused < slots_per_page(c)) {
			int i;
			for (i = 0; i < slots_per_page(c); i++) {
				if (kip->slot_used[i] == SLOT_CLEAN) {
					kip->slot_used[i] = SLOT_USED;
					kip->nused++;
					return kip->insns + (i * c->insn_size);
				}
			}
			/* nused disagrees with the slot states: repair it and complain */
			kip->nused = slots_per_page(c);
			WARN_ON(1);
		}
	}

	/* Garbage slots may be reusable after a grace period: collect, then retry. */
	if (c->nr_garbage && collect_garbage_slots(c) == 0)
		goto retry;

	/* Everything is in use: add a page. */
	kip = kmalloc(KPROBE_INSN_PAGE_SIZE(slots_per_page(c)), GFP_KERNEL);
	if (!kip)
		return 0;

	/*
	 * module_alloc keeps the page within +/-2GB of the kernel and modules, which the
	 * %rip-relative fixups of copied instructions need.
	 */
	kip->insns = module_alloc_slot_page(c->optinsn);
	if (!kip->insns) {
		kfree(kip);
		return 0;
	}
	INIT_LIST_HEAD(&kip->list);
	memset(kip->slot_used, SLOT_CLEAN, slots_per_page(c));
	kip->slot_used[0] = SLOT_USED;
	kip->nused = 1;
	kip->ngarbage = 0;
	kip->insn_size = c->insn_size;	/* model */
	list_add(&kip->list, &c->pages);
	return kip->insns;
}

/* kernel/kprobes.c: get_insn_slot() */
static unsigned long get_insn_slot(void)
{
	unsigned long ret = 0;

	mutex_lock(&kprobe_insn_mutex);
	ret = __get_insn_slot(&kprobe_insn_slots);
	mutex_unlock(&kprobe_insn_mutex);

	return ret;
}

/* kernel/kprobes.c: collect_one_slot() */
/* Returns 1 when the page has no used slot left (so all its garbage is collected). */
static int collect_one_slot(struct kprobe_insn_page *kip, int idx)
{
	/* model: the slot holds no code any more; a CPU still running it is caught */
	kp_slot_set_live(kip->insns + idx * kip->insn_size, kip->insn_size, false);
	kip->slot_used[idx] = SLOT_CLEAN;
	kip->nused--;
	if (kip->nused == 0) {
		/*
		 * Free the empty page, except the last one: keeping it saves setting a
		 * page up again for the next probe.
		 */
		if (!list_is_singular(&kip->list)) {
			list_del(&kip->list);
			module_free_slot_page(kip->insns);
			kfree(kip);
		}
		return 1;
	}
	return 0;
}

/* kernel/kprobes.c: collect_garbage_slots() */
static int collect_garbage_slots(struct kprobe_insn_cache *c)
{
	struct kprobe_insn_page *kip, *next;

	/* No CPU may still be running in (or interrupted inside) a dirty slot. */
	synchronize_sched();

	list_for_each_entry_safe(kip, next, struct kprobe_insn_page, &c->pages, list) {
		int i;
		if (kip->ngarbage == 0)
			continue;
		kip->ngarbage = 0;	/* every dirty slot of this page goes now */
		for (i = 0; i < slots_per_page(c); i++) {
			if (kip->slot_used[i] == SLOT_DIRTY &&
			    collect_one_slot(kip, i))
				break;
		}
	}
	c->nr_garbage = 0;
	return 0;
}

/* kernel/kprobes.c: __free_insn_slot() */
static void __free_insn_slot(struct kprobe_insn_cache *c,
			     unsigned long slot, int dirty)
{
	struct kprobe_insn_page *kip;

	list_for_each_entry(kip, struct kprobe_insn_page, &c->pages, list) {
		/* unsigned division, as in the kernel: a slot below the page never matches */
		long idx = ((long)slot - (long)kip->insns) /
				(c->insn_size * sizeof(kprobe_opcode_t));
		if (idx >= 0 && idx < slots_per_page(c)) {
			WARN_ON(kip->slot_used[idx] != SLOT_USED);
			if (dirty) {
				kip->slot_used[idx] = SLOT_DIRTY;
				kip->ngarbage++;
				if (++c->nr_garbage > slots_per_page(c))
					collect_garbage_slots(c);
			} else
				collect_one_slot(kip, idx);
			return;
		}
	}
	/* The slot is on none of our pages. */
	WARN_ON(1);
}

/* kernel/kprobes.c: free_insn_slot() */
static void free_insn_slot(unsigned long slot, int dirty)
{
	mutex_lock(&kprobe_insn_mutex);
	__free_insn_slot(&kprobe_insn_slots, slot, dirty);
	mutex_unlock(&kprobe_insn_mutex);
}

/* kernel/kprobes.c: get_optinsn_slot() */
/* A detour buffer for an optimized_kprobe. */
static unsigned long get_optinsn_slot(void)
{
	unsigned long ret = 0;

	mutex_lock(&kprobe_optinsn_mutex);
	ret = __get_insn_slot(&kprobe_optinsn_slots);
	mutex_unlock(&kprobe_optinsn_mutex);

	return ret;
}

/* kernel/kprobes.c: free_optinsn_slot() */
static void free_optinsn_slot(unsigned long slot, int dirty)
{
	mutex_lock(&kprobe_optinsn_mutex);
	__free_insn_slot(&kprobe_optinsn_slots, slot, dirty);
	mutex_unlock(&kprobe_optinsn_mutex);
}

/* kernel/kprobes.c: set_kprobe_instance() */
/* Callers run with preemption disabled, so this CPU's slot is theirs. */
static inline void set_kprobe_instance(struct kprobe *kp)
{
	__get_cpu_var(kprobe_instance) = kp;
}

/* kernel/kprobes.c: reset_kprobe_instance() */
static inline void reset_kprobe_instance(void)
{
	__get_cpu_var(kprobe_instance) = NULL;
}

/* kernel/kprobes.c: get_kprobe() */
/*
 * Called either under kprobe_mutex (registration paths) or with preemption disabled
 * (the arch handlers, as an RCU-sched reader).
 */
static struct kprobe *get_kprobe(unsigned long addr)
{
	struct hlist_head *head;
	struct hlist_node *node;
	struct kprobe *p;

	head = &kprobe_table[hash_ptr(addr, KPROBE_HASH_BITS)];
	hlist_for_each_entry_rcu(p, node, struct kprobe, head, hlist) {
		if (p->addr == addr)
			return p;
	}

	return NULL;
}

static int aggr_pre_handler(struct kprobe *p, struct pt_regs *regs);

/* kernel/kprobes.c: kprobe_aggrprobe() */
/* The aggregate's pre handler pointer is what marks it as one. */
static inline int kprobe_aggrprobe(struct kprobe *p)
{
	return p->pre_handler == aggr_pre_handler;
}

/* kernel/kprobes.c: kprobe_unused() */
/* An aggregate with no children left that waits to be reclaimed. */
static inline int kprobe_unused(struct kprobe *p)
{
	return kprobe_aggrprobe(p) && kprobe_disabled(p) &&
	       list_empty(&p->list);
}

/* kernel/kprobes.c: copy_kprobe() */
/* Every probe at one address shares the aggregate's saved opcode and slot copy. */
static inline void copy_kprobe(struct kprobe *ap, struct kprobe *p)
{
	memcpy(&p->opcode, &ap->opcode, sizeof(kprobe_opcode_t));
	memcpy(&p->ainsn, &ap->ainsn, sizeof(struct arch_specific_insn));
}

/* kernel/kprobes.c: opt_pre_handler() */
/*
 * The jump path's handler call: every enabled child's pre handler, return values
 * ignored (there is no single-step to skip).  Called from optimized_callback().
 */
static void opt_pre_handler(struct kprobe *p, struct pt_regs *regs)
{
	struct kprobe *kp;

	list_for_each_entry_rcu(kp, struct kprobe, &p->list, list) {
		if (kp->pre_handler && likely(!kprobe_disabled(kp))) {
			set_kprobe_instance(kp);
			kp->pre_handler(kp, regs);
			/* the walk goes on over a list writers may have changed meanwhile */
			KP_OBSERVE("opt_pre_handler: next child");
		}
		reset_kprobe_instance();
	}
}

/* kernel/kprobes.c: free_aggr_kprobe() */
/* Frees the detour buffer, the single-step slot and the optimized_kprobe itself. */
static void free_aggr_kprobe(struct kprobe *p)
{
	struct optimized_kprobe *op;

	op = container_of(p, struct optimized_kprobe, kp);
	arch_remove_optimized_kprobe(op);
	arch_remove_kprobe(p);
	kfree(op);
}

/* kernel/kprobes.c: kprobe_optready() */
/* An aggregate whose detour buffer was prepared. */
static inline int kprobe_optready(struct kprobe *p)
{
	struct optimized_kprobe *op;

	if (kprobe_aggrprobe(p)) {
		op = container_of(p, struct optimized_kprobe, kp);
		return arch_prepared_optinsn(&op->optinsn);
	}

	return 0;
}

/* kernel/kprobes.c: kprobe_disarmed() */
/*
 * A disabled aggregate that still waits for its delayed unoptimization is not disarmed:
 * its jump is still in the text.  p must be in the hash.
 */
static inline int kprobe_disarmed(struct kprobe *p)
{
	struct optimized_kprobe *op;

	/* a plain probe is disarmed exactly when it is disabled */
	if (!kprobe_aggrprobe(p))
		return kprobe_disabled(p);

	op = container_of(p, struct optimized_kprobe, kp);

	return kprobe_disabled(p) && list_empty(&op->list);
}

/* kernel/kprobes.c: kprobe_queued() */
/* On optimizing_list or unoptimizing_list. */
static int kprobe_queued(struct kprobe *p)
{
	struct optimized_kprobe *op;

	if (kprobe_aggrprobe(p)) {
		op = container_of(p, struct optimized_kprobe, kp);
		if (!list_empty(&op->list))
			return 1;
	}
	return 0;
}

/* kernel/kprobes.c: get_optimized_kprobe() */
/*
 * The optimized probe whose jump window covers addr.  Offset 0 is not looked at: a probe
 * there is the breakpoint case.  The scan stops at the nearest hashed probe below addr.
 */
static struct kprobe *get_optimized_kprobe(unsigned long addr)
{
	int i;
	struct kprobe *p = NULL;
	struct optimized_kprobe *op;

	for (i = 1; !p && i < MAX_OPTIMIZED_LENGTH; i++)
		p = get_kprobe(addr - i);

	if (p && kprobe_optready(p)) {
		op = container_of(p, struct optimized_kprobe, kp);
		if (arch_within_optimized_kprobe(op, addr))
			return p;
	}

	return NULL;
}

static void kprobe_optimizer(struct work_struct *work);
#define OPTIMIZE_DELAY 5
/* model: a scenario may run the optimizer with another delay (0 keeps the kernel's) */
#undef OPTIMIZE_DELAY
#define OPTIMIZE_DELAY (kp_env_current()->optimize_delay ? kp_env_current()->optimize_delay : 5)

/* kernel/kprobes.c: do_optimize_kprobes() */
/* Replace the breakpoints of the probes on optimizing_list with jumps. */
static void do_optimize_kprobes(void)
{
	struct optimized_kprobe *op, *tmp;

	KP_LOCK_HELD(&kprobe_mutex, "do_optimize_kprobes");	/* model */
	/* Never optimize while globally disarmed or while optimization is off. */
	if (kprobes_all_disarmed || !kprobes_allow_optimization ||
	    list_empty(&optimizing_list))
		return;

	/*
	 * text_poke_smp() runs stop_machine() over the online CPUs, and CPU hotplug takes
	 * text_mutex while it changes them: take the hotplug read lock before text_mutex,
	 * or the two deadlock.
	 */
	get_online_cpus();
	mutex_lock(&text_mutex);
	list_for_each_entry_safe(op, tmp, struct optimized_kprobe, &optimizing_list, list) {
		WARN_ON(kprobe_disabled(&op->kp));
		if (arch_optimize_kprobe(op) < 0) {
			KP_PUBLISH("do_optimize_kprobes: clear OPTIMIZED");
			op->kp.flags &= ~KPROBE_FLAG_OPTIMIZED;
		}
		list_del_init(&op->list);
	}
	mutex_unlock(&text_mutex);
	put_online_cpus();
}

/* model: a kprobe_optimizer() run starts; its free list becomes visible to the snapshot */
static void optimizer_run_begin(struct list_head *free_list)
{
	unsigned i;

	for (i = 0; i < NR_CPUS; i++)
		if (!KP_STATE->optimizer_free_list[i])
			break;
	assert(i < NR_CPUS);
	KP_STATE->optimizer_free_list[i] = free_list;
	KP_STATE->optimizer_running++;
	kp_snapshot_changed();
}

/* model: the run ends (its free list is empty again) */
static void optimizer_run_end(struct list_head *free_list)
{
	unsigned i;

	for (i = 0; i < NR_CPUS; i++)
		if (KP_STATE->optimizer_free_list[i] == free_list)
			break;
	assert(i < NR_CPUS && KP_STATE->optimizer_running > 0);
	KP_STATE->optimizer_free_list[i] = NULL;
	KP_STATE->optimizer_running--;
	kp_snapshot_changed();
}

/* kernel/kprobes.c: do_unoptimize_kprobes() */
/*
 * Put the breakpoints back in place of the jumps of the probes on unoptimizing_list
 * (and remove them too for disabled probes); unused aggregates are unhashed and moved to
 * free_list, to be freed after the grace period.
 */
static void do_unoptimize_kprobes(struct list_head *free_list)
{
	struct optimized_kprobe *op, *tmp;

	KP_LOCK_HELD(&kprobe_mutex, "do_unoptimize_kprobes");	/* model */
	/* this runs whatever the global state: a live jump must not outlive its probe */
	if (list_empty(&unoptimizing_list))
		return;

	/* hotplug lock before text_mutex, as in do_optimize_kprobes() */
	get_online_cpus();
	mutex_lock(&text_mutex);
	list_for_each_entry_safe(op, tmp, struct optimized_kprobe, &unoptimizing_list, list) {
		arch_unoptimize_kprobe(op);
		/* the breakpoint goes too if the probe is disabled */
		if (kprobe_disabled(&op->kp))
			arch_disarm_kprobe(&op->kp);
		if (kprobe_unused(&op->kp)) {
			/*
			 * Unhash it now; do_free_cleaned_kprobes() frees it once the
			 * optimizer has waited for a grace period.
			 */
			KP_PUBLISH("do_unoptimize_kprobes: hash delete");
			hlist_del_rcu(&op->kp.hlist);
			list_move(&op->list, free_list);
		} else
			list_del_init(&op->list);
	}
	mutex_unlock(&text_mutex);
	put_online_cpus();
}

/* kernel/kprobes.c: do_free_cleaned_kprobes() */
static void do_free_cleaned_kprobes(struct list_head *free_list)
{
	struct optimized_kprobe *op, *tmp;

	list_for_each_entry_safe(op, tmp, struct optimized_kprobe, free_list, list) {
		BUG_ON(!kprobe_unused(&op->kp));
		list_del_init(&op->list);
		free_aggr_kprobe(&op->kp);
	}
}

/* kernel/kprobes.c: kick_kprobe_optimizer() */
/* Run the optimizer OPTIMIZE_DELAY jiffies from now unless it is already due. */
static void kick_kprobe_optimizer(void)
{
	KP_LOCK_HELD(&kprobe_mutex, "kick_kprobe_optimizer");	/* model */
	if (!delayed_work_pending(&optimizing_work))
		schedule_delayed_work(&optimizing_work, OPTIMIZE_DELAY);
}

/* kernel/kprobes.c: kprobe_optimizer() */
static void kprobe_optimizer(struct work_struct *work)
{
	LIST_HEAD(free_list);

	optimizer_run_begin(&free_list);

	/* modules must not come or go while their text is patched */
	mutex_lock(&module_mutex);
	mutex_lock(&kprobe_mutex);

	/*
	 * Step 1: remove the jumps of the probes queued for unoptimization and collect
	 * the unused ones, before the grace period.
	 */
	do_unoptimize_kprobes(&free_list);

	/*
	 * Step 2: a jump covers several instructions, so an interrupt taken on the 2nd..Nth
	 * of them would return into the middle of the jump.  Wait until every such
	 * interrupted context has finished.
	 */
	synchronize_sched();

	/* Step 3: install the jumps of the queued probes. */
	do_optimize_kprobes();

	/* Step 4: free what step 1 collected, now that nobody can be using it. */
	do_free_cleaned_kprobes(&free_list);

	mutex_unlock(&kprobe_mutex);
	mutex_unlock(&module_mutex);

	/* every run wakes all waiters, whether or not more work was queued meanwhile */
	complete_all(&optimizer_comp);

	optimizer_run_end(&free_list);
}

/* kernel/kprobes.c: wait_for_kprobe_optimizer() */
/* Waits only while the work is pending: not while it is already running. */
static void wait_for_kprobe_optimizer(void)
{
	if (delayed_work_pending(&optimizing_work))
		wait_for_completion(&optimizer_comp);
}

/* kernel/kprobes.c: optimize_kprobe() */
/* Queue p for jump installation if it can be optimized. */
static void optimize_kprobe(struct kprobe *p)
{
	struct optimized_kprobe *op;

	KP_LOCK_HELD(&kprobe_mutex, "optimize_kprobe");	/* model */
	/* disabled, globally disarmed, not prepared or optimization turned off */
	if (!kprobe_optready(p) || !kprobes_allow_optimization ||
	    (kprobe_disabled(p) || kprobes_all_disarmed))
		return;

	/* a jump cannot single-step, so post and break handlers need the breakpoint */
	if (p->break_handler || p->post_handler)
		return;

	op = container_of(p, struct optimized_kprobe, kp);

	/* no other enabled probe may sit inside the jump window */
	if (arch_check_optimized_kprobe(op) < 0)
		return;

	if (op->kp.flags & KPROBE_FLAG_OPTIMIZED)
		return;
	KP_PUBLISH("optimize_kprobe: set OPTIMIZED");
	op->kp.flags |= KPROBE_FLAG_OPTIMIZED;

	if (!list_empty(&op->list))
		/*
		 * It waits for unoptimization, so its jump is still there: cancel the
		 * unoptimization and keep the jump.
		 */
		list_del_init(&op->list);
	else {
		list_add(&op->list, &optimizing_list);
		kick_kprobe_optimizer();
	}
}

/* kernel/kprobes.c: force_unoptimize_kprobe() */
/* Remove the jump right now instead of through the optimizer. */
static void force_unoptimize_kprobe(struct optimized_kprobe *op)
{
	get_online_cpus();
	arch_unoptimize_kprobe(op);
	put_online_cpus();
	if (kprobe_disabled(&op->kp))
		arch_disarm_kprobe(&op->kp);
}

/* kernel/kprobes.c: unoptimize_kprobe() */
/*
 * Without force the jump removal is queued for the optimizer; with force it is done at
 * once (callers hold text_mutex).
 */
static void unoptimize_kprobe(struct kprobe *p, bool force)
{
	struct optimized_kprobe *op;

	KP_LOCK_HELD(&kprobe_mutex, "unoptimize_kprobe");	/* model */
	if (!kprobe_aggrprobe(p) || kprobe_disarmed(p))
		return;	/* neither an optprobe nor optimized */

	op = container_of(p, struct optimized_kprobe, kp);
	if (!kprobe_optimized(p)) {
		/* not optimized, or its unoptimization is already queued */
		if (force && !list_empty(&op->list)) {
			/*
			 * Queued for unoptimization and forced: do it now.  A probe that
			 * is not queued has no jump to remove.
			 */
			list_del_init(&op->list);
			force_unoptimize_kprobe(op);
		}
		return;
	}

	KP_PUBLISH("unoptimize_kprobe: clear OPTIMIZED");
	op->kp.flags &= ~KPROBE_FLAG_OPTIMIZED;
	if (!list_empty(&op->list)) {
		/* still on optimizing_list: no jump yet, just dequeue */
		list_del_init(&op->list);
		return;
	}
	/* the jump is installed */
	if (force)
		force_unoptimize_kprobe(op);
	else {
		list_add(&op->list, &unoptimizing_list);
		kick_kprobe_optimizer();
	}
}

/* kernel/kprobes.c: kill_optimized_kprobe() */
/* The probed text is gone: drop the queueing and the detour buffer, not the text. */
static void kill_optimized_kprobe(struct kprobe *p)
{
	struct optimized_kprobe *op;

	KP_LOCK_HELD(&kprobe_mutex, "kill_optimized_kprobe");	/* model */
	op = container_of(p, struct optimized_kprobe, kp);
	if (!list_empty(&op->list))
		list_del_init(&op->list);

	KP_PUBLISH("kill_optimized_kprobe: clear OPTIMIZED");
	op->kp.flags &= ~KPROBE_FLAG_OPTIMIZED;
	/* the text is (about to be) freed: do not write it */
	arch_remove_optimized_kprobe(op);
}

/* kernel/kprobes.c: prepare_optimized_kprobe() */
static void prepare_optimized_kprobe(struct kprobe *p)
{
	struct optimized_kprobe *op;

	op = container_of(p, struct optimized_kprobe, kp);
	arch_prepare_optimized_kprobe(op);
}

/* kernel/kprobes.c: alloc_aggr_kprobe() */
/* Success of the preparation shows only as a non-zero optinsn.size. */
static struct kprobe *alloc_aggr_kprobe(struct kprobe *p)
{
	struct optimized_kprobe *op;

	op = kzalloc(sizeof(struct optimized_kprobe), GFP_KERNEL);
	if (!op)
		return NULL;

	INIT_LIST_HEAD(&op->list);
	op->kp.addr = p->addr;
	arch_prepare_optimized_kprobe(op);

	return &op->kp;
}

static void init_aggr_kprobe(struct kprobe *ap, struct kprobe *p);

/* kernel/kprobes.c: try_to_optimize_kprobe() */
/*
 * Wrap a freshly registered plain probe into an aggregate if its detour buffer can be
 * prepared, and queue that for optimization.
 */
static void try_to_optimize_kprobe(struct kprobe *p)
{
	struct kprobe *ap;
	struct optimized_kprobe *op;

	ap = alloc_aggr_kprobe(p);
	if (!ap)
		return;

	op = container_of(ap, struct optimized_kprobe, kp);
	if (!arch_prepared_optinsn(&op->optinsn)) {
		/* not optimizable: p stays a plain kprobe (its slot is p's, not freed) */
		arch_remove_optimized_kprobe(op);
		kfree(op);
		return;
	}

	init_aggr_kprobe(ap, p);
	optimize_kprobe(ap);
}

/* kernel/kprobes.c: optimize_all_kprobes() */
/* Called with kprobe_mutex held. */
static void optimize_all_kprobes(void)
{
	struct hlist_head *head;
	struct hlist_node *node;
	struct kprobe *p;
	unsigned int i;

	if (kprobes_allow_optimization)
		return;

	kprobes_allow_optimization = true;
	for (i = 0; i < KPROBE_TABLE_SIZE; i++) {
		head = &kprobe_table[i];
		hlist_for_each_entry_rcu(p, node, struct kprobe, head, hlist)
			if (!kprobe_disabled(p))
				optimize_kprobe(p);
	}
	printk(KERN_INFO "Kprobes globally optimized\n");
}

/* kernel/kprobes.c: unoptimize_all_kprobes() */
/* Called with kprobe_mutex held. */
static void unoptimize_all_kprobes(void)
{
	struct hlist_head *head;
	struct hlist_node *node;
	struct kprobe *p;
	unsigned int i;

	if (!kprobes_allow_optimization)
		return;

	kprobes_allow_optimization = false;
	for (i = 0; i < KPROBE_TABLE_SIZE; i++) {
		head = &kprobe_table[i];
		hlist_for_each_entry_rcu(p, node, struct kprobe, head, hlist) {
			if (!kprobe_disabled(p))
				unoptimize_kprobe(p, false);
		}
	}
	/* let the optimizer remove the jumps just queued (kprobe_mutex is still held) */
	wait_for_kprobe_optimizer();
	printk(KERN_INFO "Kprobes globally unoptimized\n");
}

/*
 * kernel/sysctl.c, as far as the kprobes-optimization entry uses it: the table entry and
 * proc_dointvec_minmax() with its helpers (lib/ctype.c, lib/string.c, lib/vsprintf.c).
 * A NULL user buffer stands for user memory that is not mapped.
 */
struct ctl_table {
	const char *procname;
	void *data;
	int maxlen;
	int mode;
	void *extra1;
	void *extra2;
};

/* arch/x86/include/asm/uaccess.h: copy_to_user(); returns the bytes not copied */
static unsigned long copy_to_user(void __user *to, const void *from, unsigned long n)
{
	if (!n)
		return 0;
	if (!to)
		return n;
	memcpy(to, from, n);
	return 0;
}

/* arch/x86/include/asm/uaccess.h: copy_from_user(); returns the bytes not copied */
static unsigned long copy_from_user(void *to, const void __user *from, unsigned long n)
{
	if (!n)
		return 0;
	if (!from)
		return n;
	memcpy(to, from, n);
	return 0;
}

/* lib/ctype.c: isspace(); the kernel's table also counts Latin-1 NBSP (0xa0) */
static int kp_isspace(char ch)
{
	unsigned char c = (unsigned char)ch;

	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

/* lib/ctype.c: isdigit() */
static int kp_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

/* lib/ctype.c: isxdigit() */
static int kp_isxdigit(char c)
{
	return kp_isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* lib/vsprintf.c: TOLOWER() */
static char kp_tolower(char c)
{
	return (char)(c | 0x20);
}

/* lib/string.c: skip_spaces() */
static char *skip_spaces(const char *str)
{
	while (kp_isspace(*str))
		++str;
	return (char *)str;
}

/* lib/vsprintf.c: simple_guess_base() */
static unsigned int simple_guess_base(const char *cp)
{
	if (cp[0] == '0') {
		if (kp_tolower(cp[1]) == 'x' && kp_isxdigit(cp[2]))
			return 16;
		else
			return 8;
	} else {
		return 10;
	}
}

/* lib/vsprintf.c: simple_strtoul() (by way of simple_strtoull(); overflow wraps) */
static unsigned long simple_strtoul(const char *cp, char **endp, unsigned int base)
{
	unsigned long long result = 0;

	if (!base)
		base = simple_guess_base(cp);

	if (base == 16 && cp[0] == '0' && kp_tolower(cp[1]) == 'x')
		cp += 2;

	while (kp_isxdigit(*cp)) {
		unsigned int value;

		value = kp_isdigit(*cp) ? (unsigned int)(*cp - '0') :
			(unsigned int)(kp_tolower(*cp) - 'a' + 10);
		if (value >= base)
			break;
		result = result * base + value;
		cp++;
	}
	if (endp)
		*endp = (char *)cp;

	return result;
}

/* kernel/sysctl.c: proc_skip_spaces() */
static size_t proc_skip_spaces(char **buf)
{
	size_t ret;
	char *tmp = skip_spaces(*buf);
	ret = tmp - *buf;
	*buf = tmp;
	return ret;
}

#define TMPBUFLEN 22
/* kernel/sysctl.c: proc_get_long() */
/* One integer (optionally negative, base by prefix) followed by an allowed trailer. */
static int proc_get_long(char **buf, size_t *size,
			 unsigned long *val, bool *neg,
			 const char *perm_tr, unsigned perm_tr_len, char *tr)
{
	int len;
	char *p, tmp[TMPBUFLEN];

	if (!*size)
		return -EINVAL;

	len = *size;
	if (len > TMPBUFLEN - 1)
		len = TMPBUFLEN - 1;

	memcpy(tmp, *buf, len);

	tmp[len] = 0;
	p = tmp;
	if (*p == '-' && *size > 1) {
		*neg = true;
		p++;
	} else
		*neg = false;
	if (!kp_isdigit(*p))
		return -EINVAL;

	*val = simple_strtoul(p, &p, 0);

	len = p - tmp;

	/* a number that fills the buffer may go on past it: refuse it */
	if (len == TMPBUFLEN - 1)
		return -EINVAL;

	if ((size_t)len < *size && perm_tr_len && !memchr(perm_tr, *p, perm_tr_len))
		return -EINVAL;

	if (tr && ((size_t)len < *size))
		*tr = *p;

	*buf += len;
	*size -= len;

	return 0;
}

/* kernel/sysctl.c: proc_put_long() */
static int proc_put_long(void __user **buf, size_t *size, unsigned long val,
			 bool neg)
{
	size_t len;
	char tmp[TMPBUFLEN], *p = tmp;

	snprintf(p, sizeof(tmp), "%s%lu", neg ? "-" : "", val);
	len = strlen(tmp);
	if (len > *size)
		len = *size;
	if (copy_to_user(*buf, tmp, len))
		return -EFAULT;
	*size -= len;
	*buf = (char *)*buf + len;
	return 0;
}
#undef TMPBUFLEN

/* kernel/sysctl.c: proc_put_char() */
static int proc_put_char(void __user **buf, size_t *size, char c)
{
	if (*size) {
		if (copy_to_user(*buf, &c, 1))
			return -EFAULT;
		(*size)--;
		*buf = (char *)*buf + 1;
	}
	return 0;
}

/* kernel/sysctl.c: struct do_proc_dointvec_minmax_conv_param */
struct do_proc_dointvec_minmax_conv_param {
	int *min;
	int *max;
};

/* kernel/sysctl.c: do_proc_dointvec_minmax_conv() */
/* An out-of-range write fails before the value is stored. */
static int do_proc_dointvec_minmax_conv(bool *negp, unsigned long *lvalp,
					int *valp,
					int write, void *data)
{
	struct do_proc_dointvec_minmax_conv_param *param = data;
	if (write) {
		/* truncated to int as in the kernel: "4294967297" is 1 */
		int val = *negp ? (int)-*lvalp : (int)*lvalp;
		if ((param->min && *param->min > val) ||
		    (param->max && *param->max < val))
			return -EINVAL;
		*valp = val;
	} else {
		int val = *valp;
		if (val < 0) {
			*negp = true;
			*lvalp = (unsigned long)-val;
		} else {
			*negp = false;
			*lvalp = (unsigned long)val;
		}
	}
	return 0;
}

static const char proc_wspace_sep[] = { ' ', '\t', '\n' };

/* kernel/sysctl.c: __do_proc_dointvec() */
/*
 * The kernel copies a write into a free page; here it is a stack buffer of the same
 * capacity (PAGE_SIZE - 1 bytes are used).
 */
static int __do_proc_dointvec(void *tbl_data, struct ctl_table *table,
			      int write, void __user *buffer,
			      size_t *lenp, loff_t *ppos,
			      int (*conv)(bool *negp, unsigned long *lvalp, int *valp,
					  int write, void *data),
			      void *data)
{
	int *i, vleft, first = 1, err = 0;
	char page[PAGE_SIZE];
	size_t left;
	char *kbuf = page;

	if (!tbl_data || !table->maxlen || !*lenp || (*ppos && !write)) {
		*lenp = 0;
		return 0;
	}

	i = (int *) tbl_data;
	vleft = table->maxlen / sizeof(*i);
	left = *lenp;

	if (write) {
		if (left > PAGE_SIZE - 1)
			left = PAGE_SIZE - 1;
		if (copy_from_user(kbuf, buffer, left)) {
			err = -EFAULT;
			goto free;
		}
		kbuf[left] = 0;
	}

	for (; left && vleft--; i++, first = 0) {
		unsigned long lval = 0;
		bool neg = false;

		if (write) {
			left -= proc_skip_spaces(&kbuf);

			if (!left)
				break;
			err = proc_get_long(&kbuf, &left, &lval, &neg,
					    proc_wspace_sep,
					    sizeof(proc_wspace_sep), NULL);
			if (err)
				break;
			if (conv(&neg, &lval, i, 1, data)) {
				err = -EINVAL;
				break;
			}
		} else {
			if (conv(&neg, &lval, i, 0, data)) {
				err = -EINVAL;
				break;
			}
			if (!first)
				err = proc_put_char(&buffer, &left, '\t');
			if (err)
				break;
			err = proc_put_long(&buffer, &left, lval, neg);
			if (err)
				break;
		}
	}

	if (!write && !first && left && !err)
		err = proc_put_char(&buffer, &left, '\n');
	if (write && !err && left)
		left -= proc_skip_spaces(&kbuf);
free:
	if (write) {
		if (first)
			return err ? err : -EINVAL;
	}
	*lenp -= left;
	*ppos += *lenp;
	return err;
}

/* kernel/sysctl.c: proc_dointvec_minmax() */
static int proc_dointvec_minmax(struct ctl_table *table, int write,
				void __user *buffer, size_t *lenp, loff_t *ppos)
{
	struct do_proc_dointvec_minmax_conv_param param = {
		.min = (int *) table->extra1,
		.max = (int *) table->extra2,
	};
	return __do_proc_dointvec(table->data, table, write, buffer, lenp, ppos,
				  do_proc_dointvec_minmax_conv, &param);
}

/* kernel/kprobes.c: proc_kprobes_optimization_handler() */
/*
 * Reads and writes alike end in optimize_all_kprobes()/unoptimize_all_kprobes() by the
 * (possibly unchanged) value; both are no-ops when the state does not change.
 */
static int proc_kprobes_optimization_handler(struct ctl_table *table, int write,
					     void __user *buffer, size_t *length,
					     loff_t *ppos)
{
	int ret;

	mutex_lock(&kprobe_mutex);
	sysctl_kprobes_optimization = kprobes_allow_optimization ? 1 : 0;
	ret = proc_dointvec_minmax(table, write, buffer, length, ppos);

	if (sysctl_kprobes_optimization)
		optimize_all_kprobes();
	else
		unoptimize_all_kprobes();
	mutex_unlock(&kprobe_mutex);

	return ret;
}

/* kernel/kprobes.c: __arm_kprobe() */
/* Put the breakpoint in; called with text_mutex held. */
static void __arm_kprobe(struct kprobe *p)
{
	struct kprobe *_p;

	/* a jump covering p's address must go first: fall back to its breakpoint */
	_p = get_optimized_kprobe(p->addr);
	if (unlikely(_p))
		unoptimize_kprobe(_p, true);

	arch_arm_kprobe(p);
	optimize_kprobe(p);	/* only queues it */
}

/* kernel/kprobes.c: __disarm_kprobe() */
/* Take the breakpoint out; called with text_mutex held. */
static void __disarm_kprobe(struct kprobe *p, bool reopt)
{
	struct kprobe *_p;

	unoptimize_kprobe(p, false);	/* queues the jump removal, if there is a jump */

	if (!kprobe_queued(p)) {
		arch_disarm_kprobe(p);
		/* a probe whose window p blocked may be optimizable now */
		_p = get_optimized_kprobe(p->addr);
		if (unlikely(_p) && reopt)
			optimize_kprobe(_p);
	}
	/* the kernel leaves reoptimizing others after a delayed unoptimization as TODO */
}

/* kernel/kprobes.c: arm_kprobe() */
static void arm_kprobe(struct kprobe *kp)
{
	/*
	 * No get_online_cpus(): __arm_kprobe() patches with text_poke(), not
	 * stop_machine(), except when it unoptimizes an optimized probe covering kp.
	 */
	mutex_lock(&text_mutex);
	__arm_kprobe(kp);
	mutex_unlock(&text_mutex);
}

/* kernel/kprobes.c: disarm_kprobe() */
static void disarm_kprobe(struct kprobe *kp)
{
	/* non-forced unoptimization never stops the machine either */
	mutex_lock(&text_mutex);
	__disarm_kprobe(kp, true);
	mutex_unlock(&text_mutex);
}

/* kernel/kprobes.c: aggr_pre_handler() */
/*
 * Every enabled child's pre handler, in list order; a non-zero return (a jprobe taking
 * over) ends the hit at once.
 */
static int aggr_pre_handler(struct kprobe *p, struct pt_regs *regs)
{
	struct kprobe *kp;

	list_for_each_entry_rcu(kp, struct kprobe, &p->list, list) {
		if (kp->pre_handler && likely(!kprobe_disabled(kp))) {
			set_kprobe_instance(kp);
			if (kp->pre_handler(kp, regs))
				return 1;
			KP_OBSERVE("aggr_pre_handler: next child");
		}
		reset_kprobe_instance();
	}
	return 0;
}

/* kernel/kprobes.c: aggr_post_handler() */
static void aggr_post_handler(struct kprobe *p, struct pt_regs *regs,
			      unsigned long flags)
{
	struct kprobe *kp;

	list_for_each_entry_rcu(kp, struct kprobe, &p->list, list) {
		if (kp->post_handler && likely(!kprobe_disabled(kp))) {
			set_kprobe_instance(kp);
			kp->post_handler(kp, regs, flags);
			reset_kprobe_instance();
			KP_OBSERVE("aggr_post_handler: next child");
		}
	}
}

/* kernel/kprobes.c: aggr_fault_handler() */
/* A fault inside a child's handler goes to that child's fault handler only. */
static int aggr_fault_handler(struct kprobe *p, struct pt_regs *regs,
			      int trapnr)
{
	struct kprobe *cur = __get_cpu_var(kprobe_instance);

	if (cur && cur->fault_handler) {
		if (cur->fault_handler(cur, regs, trapnr))
			return 1;
	}
	return 0;
}

/* kernel/kprobes.c: aggr_break_handler() */
static int aggr_break_handler(struct kprobe *p, struct pt_regs *regs)
{
	struct kprobe *cur = __get_cpu_var(kprobe_instance);
	int ret = 0;

	if (cur && cur->break_handler) {
		if (cur->break_handler(cur, regs))
			ret = 1;
	}
	reset_kprobe_instance();
	return ret;
}

/* kernel/kprobes.c: kprobes_inc_nmissed_count() */
/* On an aggregate every child counts the miss, disabled ones included. */
static void kprobes_inc_nmissed_count(struct kprobe *p)
{
	struct kprobe *kp;
	if (!kprobe_aggrprobe(p)) {
		p->nmissed++;
	} else {
		list_for_each_entry_rcu(kp, struct kprobe, &p->list, list)
			kp->nmissed++;
	}
	return;
}

/* kernel/kprobes.c: recycle_rp_inst() */
/*
 * Take ri off kretprobe_inst_table: back to its kretprobe's free list, or, when the
 * kretprobe is being unregistered (cleanup_rp_inst() cleared ri->rp), onto `head` for
 * the caller to free.
 */
static void recycle_rp_inst(struct kretprobe_instance *ri,
			    struct hlist_head *head)
{
	struct kretprobe *rp = ri->rp;

	/* off kretprobe_inst_table */
	hlist_del(&ri->hlist);
	INIT_HLIST_NODE(&ri->hlist);
	if (likely(rp)) {
		spin_lock(&rp->lock);
		hlist_add_head(&ri->hlist, &rp->free_instances);
		spin_unlock(&rp->lock);
	} else
		/* Unregistering */
		hlist_add_head(&ri->hlist, head);
}

/* kernel/kprobes.c: kretprobe_hash_lock() */
static void kretprobe_hash_lock(struct task_struct *tsk,
				struct hlist_head **head, unsigned long *flags)
{
	unsigned long hash = hash_ptr(tsk, KPROBE_HASH_BITS);
	spinlock_t *hlist_lock;

	*head = &kretprobe_inst_table[hash];
	hlist_lock = kretprobe_table_lock_ptr(hash);
	spin_lock_irqsave(hlist_lock, *flags);
}

/* kernel/kprobes.c: kretprobe_table_lock() */
static void kretprobe_table_lock(unsigned long hash, unsigned long *flags)
{
	spinlock_t *hlist_lock = kretprobe_table_lock_ptr(hash);
	spin_lock_irqsave(hlist_lock, *flags);
}

/* kernel/kprobes.c: kretprobe_hash_unlock() */
static void kretprobe_hash_unlock(struct task_struct *tsk, unsigned long *flags)
{
	unsigned long hash = hash_ptr(tsk, KPROBE_HASH_BITS);
	spinlock_t *hlist_lock;

	hlist_lock = kretprobe_table_lock_ptr(hash);
	spin_unlock_irqrestore(hlist_lock, *flags);
}

/* kernel/kprobes.c: kretprobe_table_unlock() */
static void kretprobe_table_unlock(unsigned long hash, unsigned long *flags)
{
	spinlock_t *hlist_lock = kretprobe_table_lock_ptr(hash);
	spin_unlock_irqrestore(hlist_lock, *flags);
}

/* kernel/kprobes.c: kprobe_flush_task() */
/*
 * tk is dead (finish_task_switch() calls this): its instances are for calls that will
 * never return.  Recycle them; those of a kretprobe being unregistered go on empty_rp to
 * be freed.  As at this commit, empty_rp is initialised only after the walk, so those
 * are never freed (and the kernel's walk links them onto an uninitialised head).
 */
static void kprobe_flush_task(struct task_struct *tk)
{
	struct kretprobe_instance *ri;
	/* model: zeroed, where the kernel's is uninitialised stack (docs/model.md) */
	struct hlist_head *head, empty_rp = { 0 };
	struct hlist_node *node, *tmp;
	unsigned long hash, flags = 0;

	if (unlikely(!kprobes_initialized))
		/* Early boot: the table locks are not initialised yet. */
		return;

	hash = hash_ptr(tk, KPROBE_HASH_BITS);
	head = &kretprobe_inst_table[hash];
	kretprobe_table_lock(hash, &flags);
	hlist_for_each_entry_safe(ri, node, tmp, struct kretprobe_instance, head, hlist) {
		if (ri->task == tk)
			recycle_rp_inst(ri, &empty_rp);
	}
	kretprobe_table_unlock(hash, &flags);
	INIT_HLIST_HEAD(&empty_rp);
	hlist_for_each_entry_safe(ri, node, tmp, struct kretprobe_instance, &empty_rp,
				  hlist) {
		hlist_del(&ri->hlist);
		kfree(ri);
	}
}

/* kernel/kprobes.c: free_rp_inst() */
static inline void free_rp_inst(struct kretprobe *rp)
{
	struct kretprobe_instance *ri;
	struct hlist_node *pos, *next;

	hlist_for_each_entry_safe(ri, pos, next, struct kretprobe_instance,
				  &rp->free_instances, hlist) {
		hlist_del(&ri->hlist);
		kfree(ri);
	}
}

/* kernel/kprobes.c: cleanup_rp_inst() */
/* Orphan rp's in-flight instances (the trampoline frees them), then free the pool. */
static void cleanup_rp_inst(struct kretprobe *rp)
{
	unsigned long flags, hash;
	struct kretprobe_instance *ri;
	struct hlist_node *pos, *next;
	struct hlist_head *head;

	/* No race here */
	for (hash = 0; hash < KPROBE_TABLE_SIZE; hash++) {
		kretprobe_table_lock(hash, &flags);
		head = &kretprobe_inst_table[hash];
		hlist_for_each_entry_safe(ri, pos, next, struct kretprobe_instance,
					  head, hlist) {
			if (ri->rp == rp)
				ri->rp = NULL;
		}
		kretprobe_table_unlock(hash, &flags);
	}
	free_rp_inst(rp);
}

/* kernel/kprobes.c: add_new_kprobe() */
/*
 * Add p to the aggregate's children.  A second jprobe (break handler) at one address is
 * refused with -EEXIST, after the forced unoptimization was already done.
 */
static int add_new_kprobe(struct kprobe *ap, struct kprobe *p)
{
	BUG_ON(kprobe_gone(ap) || kprobe_gone(p));

	if (p->break_handler || p->post_handler)
		unoptimize_kprobe(ap, true);	/* back to the breakpoint */

	if (p->break_handler) {
		if (ap->break_handler)
			return -EEXIST;
		KP_PUBLISH("add_new_kprobe: child insert (tail)");
		list_add_tail_rcu(&p->list, &ap->list);
		KP_PUBLISH("add_new_kprobe: aggr break handler");
		ap->break_handler = aggr_break_handler;
	} else {
		KP_PUBLISH("add_new_kprobe: child insert");
		list_add_rcu(&p->list, &ap->list);
	}
	if (p->post_handler && !ap->post_handler) {
		KP_PUBLISH("add_new_kprobe: aggr post handler");
		ap->post_handler = aggr_post_handler;
	}

	if (kprobe_disabled(ap) && !kprobe_disabled(p)) {
		KP_PUBLISH("add_new_kprobe: clear DISABLED");
		ap->flags &= ~KPROBE_FLAG_DISABLED;
		if (!kprobes_all_disarmed)
			/* the aggregate was disarmed: arm it again */
			__arm_kprobe(ap);
	}
	return 0;
}

/* kernel/kprobes.c: init_aggr_kprobe() */
/*
 * Set up the aggregate ap from the plain probe p, make p its first child and let ap
 * take p's place in the hash.  ap is unreachable until the hlist_replace_rcu(), so only
 * that store is published.
 */
static void init_aggr_kprobe(struct kprobe *ap, struct kprobe *p)
{
	/* ap takes over p's slot */
	copy_kprobe(p, ap);
	flush_insn_slot(ap);
	ap->addr = p->addr;
	ap->flags = p->flags & ~KPROBE_FLAG_OPTIMIZED;
	ap->pre_handler = aggr_pre_handler;
	ap->fault_handler = aggr_fault_handler;
	/* handlers of a probe whose text is gone do not count */
	if (p->post_handler && !kprobe_gone(p))
		ap->post_handler = aggr_post_handler;
	if (p->break_handler && !kprobe_gone(p))
		ap->break_handler = aggr_break_handler;

	INIT_LIST_HEAD(&ap->list);
	INIT_HLIST_NODE(&ap->hlist);

	list_add_rcu(&p->list, &ap->list);
	KP_PUBLISH("init_aggr_kprobe: hash replace");
	hlist_replace_rcu(&p->hlist, &ap->hlist);
}

/* kernel/kprobes.c: register_aggr_kprobe() */
/* A second or later probe at an address that already has one. */
static int register_aggr_kprobe(struct kprobe *orig_p, struct kprobe *p)
{
	int ret = 0;
	struct kprobe *ap = orig_p;

	if (!kprobe_aggrprobe(orig_p)) {
		/* orig_p is a plain probe: wrap it into a new aggregate */
		ap = alloc_aggr_kprobe(orig_p);
		if (!ap)
			return -ENOMEM;
		init_aggr_kprobe(ap, orig_p);
	} else if (kprobe_unused(ap))
		/* "Busy to die": it waits for its delayed unoptimization and free */
		return -EBUSY;

	if (kprobe_gone(ap)) {
		/*
		 * The old probes' module text was freed and a new one now sits at the
		 * address: the slot was released with it, so prepare a new one.
		 */
		ret = arch_prepare_kprobe(ap);
		if (ret)
			/*
			 * The aggregate stays: a later registration reuses it, or
			 * unregistration frees it.
			 */
			return ret;

		prepare_optimized_kprobe(ap);

		/*
		 * Not gone any more (so no new slot next time), but disabled until it is
		 * armed.  One store, so one decision point.
		 */
		KP_PUBLISH("register_aggr_kprobe: clear GONE, set DISABLED");
		ap->flags = (ap->flags & ~KPROBE_FLAG_GONE)
			    | KPROBE_FLAG_DISABLED;
	}

	/* p shares ap's slot */
	copy_kprobe(ap, p);
	return add_new_kprobe(ap, p);
}

/* kernel/kprobes.c: in_kprobes_functions() */
static int in_kprobes_functions(unsigned long addr)
{
	struct kprobe_blackpoint *kb;

	if (addr >= kp_kprobes_text_start() &&
	    addr < kp_kprobes_text_end())
		return -EINVAL;
	/* the blacklist covers functions that cannot be put in .kprobes.text */
	for (kb = kprobe_blacklist; kb->name != NULL; kb++) {
		if (kb->start_addr) {
			if (addr >= kb->start_addr &&
			    addr < (kb->start_addr + kb->range))
				return -EINVAL;
		}
	}
	return 0;
}

/* kernel/kprobes.c: kprobe_addr() */
/* symbol_name + offset, or addr + offset; giving both a symbol and an address fails. */
static unsigned long kprobe_addr(struct kprobe *p)
{
	unsigned long addr = p->addr;
	if (p->symbol_name) {
		if (addr)
			return 0;
		kprobe_lookup_name(p->symbol_name, addr);
	}

	if (!addr)
		return 0;
	return addr + p->offset;
}

/* kernel/kprobes.c: __get_valid_kprobe() */
/* The hashed probe p is or belongs to, or NULL if p is not registered. */
static struct kprobe *__get_valid_kprobe(struct kprobe *p)
{
	struct kprobe *ap, *list_p;

	ap = get_kprobe(p->addr);
	if (unlikely(!ap))
		return NULL;

	if (p != ap) {
		list_for_each_entry_rcu(list_p, struct kprobe, &ap->list, list)
			if (list_p == p)
				goto valid;
		return NULL;
	}
valid:
	return ap;
}

/* kernel/kprobes.c: check_kprobe_rereg() */
static inline int check_kprobe_rereg(struct kprobe *p)
{
	int ret = 0;

	mutex_lock(&kprobe_mutex);
	if (__get_valid_kprobe(p))
		ret = -EINVAL;
	mutex_unlock(&kprobe_mutex);

	return ret;
}

/* kernel/kprobes.c: register_kprobe() */
static int register_kprobe(struct kprobe *p)
{
	int ret = 0;
	struct kprobe *old_p;
	struct module *probed_mod;
	unsigned long addr;

	addr = kprobe_addr(p);
	if (!addr)
		return -EINVAL;
	p->addr = addr;

	ret = check_kprobe_rereg(p);
	if (ret)
		return ret;

	jump_label_lock();
	preempt_disable();
	if (!kernel_text_address(p->addr) ||
	    in_kprobes_functions(p->addr) ||
	    ftrace_text_reserved(p->addr, p->addr) ||
	    jump_label_text_reserved(p->addr, p->addr))
		goto fail_with_jump_label;

	/* the user may pass only KPROBE_FLAG_DISABLED */
	p->flags &= KPROBE_FLAG_DISABLED;

	probed_mod = __module_text_address(p->addr);
	if (probed_mod) {
		/* hold the module while its text is patched, so it cannot go away */
		if (unlikely(!try_module_get(probed_mod)))
			goto fail_with_jump_label;

		/* init text is freed once the module is live: no probes there then */
		if (within_module_init(p->addr, probed_mod) &&
		    probed_mod->state != MODULE_STATE_COMING) {
			module_put(probed_mod);
			goto fail_with_jump_label;
		}
	}
	preempt_enable();
	jump_label_unlock();

	p->nmissed = 0;
	INIT_LIST_HEAD(&p->list);
	mutex_lock(&kprobe_mutex);

	jump_label_lock(); /* jump_label_text_reserved() needs it */

	get_online_cpus();	/* before text_mutex, against the hotplug deadlock */
	mutex_lock(&text_mutex);

	old_p = get_kprobe(p->addr);
	if (old_p) {
		/* this may unoptimize old_p, hence text_mutex */
		ret = register_aggr_kprobe(old_p, p);
		goto out;
	}

	ret = arch_prepare_kprobe(p);
	if (ret)
		goto out;

	INIT_HLIST_NODE(&p->hlist);
	KP_PUBLISH("register_kprobe: hash insert");
	hlist_add_head_rcu(&p->hlist,
			   &kprobe_table[hash_ptr(p->addr, KPROBE_HASH_BITS)]);

	if (!kprobes_all_disarmed && !kprobe_disabled(p))
		__arm_kprobe(p);

	try_to_optimize_kprobe(p);

out:
	mutex_unlock(&text_mutex);
	put_online_cpus();
	jump_label_unlock();
	mutex_unlock(&kprobe_mutex);

	if (probed_mod)
		module_put(probed_mod);

	return ret;

fail_with_jump_label:
	preempt_enable();
	jump_label_unlock();
	return -EINVAL;
}

/* kernel/kprobes.c: aggr_kprobe_disabled() */
/* True when no child is enabled (so also for an empty child list). */
static int aggr_kprobe_disabled(struct kprobe *ap)
{
	struct kprobe *kp;

	list_for_each_entry_rcu(kp, struct kprobe, &ap->list, list)
		if (!kprobe_disabled(kp))
			return 0;

	return 1;
}

/* kernel/kprobes.c: __disable_kprobe() */
/*
 * Disable p, and its aggregate once no child is left enabled; returns the hashed probe,
 * or NULL if p is not registered.  Called with kprobe_mutex held.
 */
static struct kprobe *__disable_kprobe(struct kprobe *p)
{
	struct kprobe *orig_p;

	orig_p = __get_valid_kprobe(p);
	if (unlikely(orig_p == NULL))
		return NULL;

	if (!kprobe_disabled(p)) {
		if (p != orig_p) {
			KP_PUBLISH("__disable_kprobe: set DISABLED (child)");
			p->flags |= KPROBE_FLAG_DISABLED;
		}

		if (p == orig_p || aggr_kprobe_disabled(orig_p)) {
			disarm_kprobe(orig_p);
			KP_PUBLISH("__disable_kprobe: set DISABLED");
			orig_p->flags |= KPROBE_FLAG_DISABLED;
		}
	}

	return orig_p;
}

/* kernel/kprobes.c: __unregister_kprobe_top() */
/* The part of unregistration before the grace period; kprobe_mutex held. */
static int __unregister_kprobe_top(struct kprobe *p)
{
	struct kprobe *ap, *list_p;

	/* disabling disarms it where needed */
	ap = __disable_kprobe(p);
	if (ap == NULL)
		return -EINVAL;

	if (ap == p)
		/* a plain probe: just unhash it */
		goto disarmed;

	WARN_ON(!kprobe_aggrprobe(ap));

	if (list_is_singular(&ap->list) && kprobe_disarmed(ap))
		/*
		 * p is the last child and the aggregate is really disarmed (it is not,
		 * while it waits for delayed unoptimization).
		 */
		goto disarmed;
	else {
		/* drop the aggregate's handlers that only p needed */
		if (p->break_handler && !kprobe_gone(p)) {
			KP_PUBLISH("__unregister_kprobe_top: clear aggr break handler");
			ap->break_handler = NULL;
		}
		if (p->post_handler && !kprobe_gone(p)) {
			list_for_each_entry_rcu(list_p, struct kprobe, &ap->list, list) {
				if ((list_p != p) && (list_p->post_handler))
					goto noclean;
			}
			KP_PUBLISH("__unregister_kprobe_top: clear aggr post handler");
			ap->post_handler = NULL;
		}
noclean:
		/*
		 * list_del_rcu leaves p's list neither empty nor singular, so
		 * __unregister_kprobe_bottom() does nothing for it.
		 */
		KP_PUBLISH("__unregister_kprobe_top: child delete");
		list_del_rcu(&p->list);
		if (!kprobe_disabled(ap) && !kprobes_all_disarmed)
			/* the handlers may have changed: the aggregate may be optimizable now */
			optimize_kprobe(ap);
	}
	return 0;

disarmed:
	BUG_ON(!kprobe_disarmed(ap));
	KP_PUBLISH("__unregister_kprobe_top: hash delete");
	hlist_del_rcu(&ap->hlist);
	return 0;
}

/* kernel/kprobes.c: __unregister_kprobe_bottom() */
/*
 * After the grace period: tells the cases apart by p's list node as the top half left
 * it.  Nothing can reach p or its aggregate any more, so no decision points.
 */
static void __unregister_kprobe_bottom(struct kprobe *p)
{
	struct kprobe *ap;

	if (list_empty(&p->list))
		/* a plain probe */
		arch_remove_kprobe(p);
	else if (list_is_singular(&p->list)) {
		/* the last child: p's list still links it to the aggregate */
		ap = list_entry(p->list.next, struct kprobe, list);
		list_del(&p->list);
		free_aggr_kprobe(ap);
	}
	/* otherwise a child removed by the top half: nothing to do */
}

/* kernel/kprobes.c: register_kprobes() */
/* On the first failure the probes registered so far are unregistered again. */
static int register_kprobes(struct kprobe **kps, int num)
{
	int i, ret = 0;

	if (num <= 0)
		return -EINVAL;
	for (i = 0; i < num; i++) {
		ret = register_kprobe(kps[i]);
		if (ret < 0) {
			if (i > 0)
				unregister_kprobes(kps, i);
			break;
		}
	}
	return ret;
}

/* kernel/kprobes.c: unregister_kprobe() */
static void unregister_kprobe(struct kprobe *p)
{
	unregister_kprobes(&p, 1);
}

/* kernel/kprobes.c: unregister_kprobes() */
/* A probe whose top half fails gets addr 0, which makes the bottom half skip it. */
static void unregister_kprobes(struct kprobe **kps, int num)
{
	int i;

	if (num <= 0)
		return;
	mutex_lock(&kprobe_mutex);
	for (i = 0; i < num; i++)
		if (__unregister_kprobe_top(kps[i]) < 0)
			kps[i]->addr = 0;
	mutex_unlock(&kprobe_mutex);

	synchronize_sched();
	for (i = 0; i < num; i++)
		if (kps[i]->addr)
			__unregister_kprobe_bottom(kps[i]);
}

/*
 * kernel/kprobes.c: kprobe_exceptions_nb (the die notifier) is not a structure here:
 * arch_init_kprobes() installs the CPU hooks that stand for it.
 */

/* kernel/kprobes.c: arch_deref_entry_point() (the __weak default; x86 keeps it) */
static unsigned long arch_deref_entry_point(unsigned long entry)
{
	return entry;
}

/* kernel/kprobes.c: register_jprobes() */
static int register_jprobes(struct jprobe **jps, int num)
{
	struct jprobe *jp;
	int ret = 0, i;

	if (num <= 0)
		return -EINVAL;
	for (i = 0; i < num; i++) {
		unsigned long addr, offset;
		jp = jps[i];
		addr = arch_deref_entry_point(jp->entry);

		/* the kernel checks that the entry (the handler) starts a function */
		if (kallsyms_lookup_size_offset(addr, NULL, &offset) &&
		    offset == 0) {
			jp->kp.pre_handler = setjmp_pre_handler;
			jp->kp.break_handler = longjmp_break_handler;
			ret = register_kprobe(&jp->kp);
		} else
			ret = -EINVAL;

		if (ret < 0) {
			if (i > 0)
				unregister_jprobes(jps, i);
			break;
		}
	}
	return ret;
}

/* kernel/kprobes.c: register_jprobe() */
static int register_jprobe(struct jprobe *jp)
{
	return register_jprobes(&jp, 1);
}

/* kernel/kprobes.c: unregister_jprobe() */
static void unregister_jprobe(struct jprobe *jp)
{
	unregister_jprobes(&jp, 1);
}

/* kernel/kprobes.c: unregister_jprobes() */
static void unregister_jprobes(struct jprobe **jps, int num)
{
	int i;

	if (num <= 0)
		return;
	mutex_lock(&kprobe_mutex);
	for (i = 0; i < num; i++)
		if (__unregister_kprobe_top(&jps[i]->kp) < 0)
			jps[i]->kp.addr = 0;
	mutex_unlock(&kprobe_mutex);

	synchronize_sched();
	for (i = 0; i < num; i++) {
		if (jps[i]->kp.addr)
			__unregister_kprobe_bottom(&jps[i]->kp);
	}
}

/* kernel/kprobes.c: pre_handler_kretprobe() */
/*
 * The pre handler of every kretprobe: take an instance, let the entry handler look at
 * the call, hijack the return address and file the instance under the task in
 * kretprobe_inst_table, where trampoline_handler() finds it.  An instance whose entry
 * handler refused it is returned nowhere, as at this commit.
 */
static int pre_handler_kretprobe(struct kprobe *p, struct pt_regs *regs)
{
	struct kretprobe *rp = container_of(p, struct kretprobe, kp);
	unsigned long hash, flags = 0;
	struct kretprobe_instance *ri;

	/* (the kernel's TODO: swap the return address only after the last pre handler) */
	hash = hash_ptr(current, KPROBE_HASH_BITS);
	spin_lock_irqsave(&rp->lock, flags);
	if (!hlist_empty(&rp->free_instances)) {
		ri = hlist_entry(rp->free_instances.first,
				 struct kretprobe_instance, hlist);
		hlist_del(&ri->hlist);
		spin_unlock_irqrestore(&rp->lock, flags);

		ri->rp = rp;
		ri->task = current;

		if (rp->entry_handler && rp->entry_handler(ri, regs))
			return 0;

		arch_prepare_kretprobe(ri, regs);

		/* (no hlist_move_head) */
		INIT_HLIST_NODE(&ri->hlist);
		kretprobe_table_lock(hash, &flags);
		hlist_add_head(&ri->hlist, &kretprobe_inst_table[hash]);
		kretprobe_table_unlock(hash, &flags);
	} else {
		rp->nmissed++;
		spin_unlock_irqrestore(&rp->lock, flags);
	}
	return 0;
}

/* kernel/kprobes.c: register_kretprobe() */
static int register_kretprobe(struct kretprobe *rp)
{
	int ret = 0;
	struct kretprobe_instance *inst;
	int i;
	unsigned long addr;

	if (kretprobe_blacklist_size) {
		addr = kprobe_addr(&rp->kp);
		if (!addr)
			return -EINVAL;

		for (i = 0; kretprobe_blacklist[i].name != NULL; i++) {
			if (kretprobe_blacklist[i].addr == addr)
				return -EINVAL;
		}
	}

	rp->kp.pre_handler = pre_handler_kretprobe;
	rp->kp.post_handler = NULL;
	rp->kp.fault_handler = NULL;
	rp->kp.break_handler = NULL;

	/* the instance pool; !CONFIG_PREEMPT: one per possible CPU by default */
	if (rp->maxactive <= 0)
		rp->maxactive = num_possible_cpus();
	spin_lock_init(&rp->lock);
	INIT_HLIST_HEAD(&rp->free_instances);
	for (i = 0; i < rp->maxactive; i++) {
		inst = kmalloc(sizeof(struct kretprobe_instance) +
			       rp->data_size, GFP_KERNEL);
		if (inst == NULL) {
			free_rp_inst(rp);
			return -ENOMEM;
		}
		INIT_HLIST_NODE(&inst->hlist);
		hlist_add_head(&inst->hlist, &rp->free_instances);
	}

	rp->nmissed = 0;
	/* the entry probe */
	ret = register_kprobe(&rp->kp);
	if (ret != 0)
		free_rp_inst(rp);
	return ret;
}

/* kernel/kprobes.c: register_kretprobes() */
static int register_kretprobes(struct kretprobe **rps, int num)
{
	int ret = 0, i;

	if (num <= 0)
		return -EINVAL;
	for (i = 0; i < num; i++) {
		ret = register_kretprobe(rps[i]);
		if (ret < 0) {
			if (i > 0)
				unregister_kretprobes(rps, i);
			break;
		}
	}
	return ret;
}

/* kernel/kprobes.c: unregister_kretprobe() */
static void unregister_kretprobe(struct kretprobe *rp)
{
	unregister_kretprobes(&rp, 1);
}

/* kernel/kprobes.c: unregister_kretprobes() */
static void unregister_kretprobes(struct kretprobe **rps, int num)
{
	int i;

	if (num <= 0)
		return;
	mutex_lock(&kprobe_mutex);
	for (i = 0; i < num; i++)
		if (__unregister_kprobe_top(&rps[i]->kp) < 0)
			rps[i]->kp.addr = 0;
	mutex_unlock(&kprobe_mutex);

	synchronize_sched();
	for (i = 0; i < num; i++) {
		if (rps[i]->kp.addr) {
			__unregister_kprobe_bottom(&rps[i]->kp);
			cleanup_rp_inst(rps[i]);
		}
	}
}

/* kernel/kprobes.c: kill_kprobe() */
/*
 * The probed text is about to be freed: mark the probe (and its children) gone and
 * release its slots.  It stays hashed and registered.
 */
static void kill_kprobe(struct kprobe *p)
{
	struct kprobe *kp;

	KP_PUBLISH("kill_kprobe: set GONE");
	p->flags |= KPROBE_FLAG_GONE;
	if (kprobe_aggrprobe(p)) {
		list_for_each_entry_rcu(kp, struct kprobe, &p->list, list) {
			KP_PUBLISH("kill_kprobe: set GONE (child)");
			kp->flags |= KPROBE_FLAG_GONE;
		}
		KP_PUBLISH("kill_kprobe: clear aggr post handler");
		p->post_handler = NULL;
		KP_PUBLISH("kill_kprobe: clear aggr break handler");
		p->break_handler = NULL;
		kill_optimized_kprobe(p);
	}
	/*
	 * Freeing the slot needs no grace period: nobody calls the probed function, which
	 * is about to be freed, any more.
	 */
	arch_remove_kprobe(p);
}

/* kernel/kprobes.c: disable_kprobe() */
static int disable_kprobe(struct kprobe *kp)
{
	int ret = 0;

	mutex_lock(&kprobe_mutex);

	if (__disable_kprobe(kp) == NULL)
		ret = -EINVAL;

	mutex_unlock(&kprobe_mutex);
	return ret;
}

/* kernel/kprobes.c: enable_kprobe() */
/* While kprobes are globally disarmed only a child's own flag changes. */
static int enable_kprobe(struct kprobe *kp)
{
	int ret = 0;
	struct kprobe *p;

	mutex_lock(&kprobe_mutex);

	p = __get_valid_kprobe(kp);
	if (unlikely(p == NULL)) {
		ret = -EINVAL;
		goto out;
	}

	if (kprobe_gone(kp)) {
		/* its text is gone: it cannot be enabled */
		ret = -EINVAL;
		goto out;
	}

	if (p != kp) {
		KP_PUBLISH("enable_kprobe: clear DISABLED (child)");
		kp->flags &= ~KPROBE_FLAG_DISABLED;
	}

	if (!kprobes_all_disarmed && kprobe_disabled(p)) {
		KP_PUBLISH("enable_kprobe: clear DISABLED");
		p->flags &= ~KPROBE_FLAG_DISABLED;
		arm_kprobe(p);
	}
out:
	mutex_unlock(&kprobe_mutex);
	return ret;
}

/* kernel/kprobes.c: dump_kprobe() */
/* The kernel's %s prints "(null)" for a NULL string; the host's need not. */
static void dump_kprobe(struct kprobe *kp)
{
	printk(KERN_WARNING "Dumping kprobe:\n");
	printk(KERN_WARNING "Name: %s\nAddress: 0x%lx\nOffset: %x\n",
	       kp->symbol_name ? kp->symbol_name : "(null)", kp->addr, kp->offset);
}

/* kernel/kprobes.c: kprobes_module_callback() */
/*
 * GOING frees a module's core and init text, LIVE only its init text: kill the probes
 * there.  Their text is not touched (it is about to be freed).
 */
static int kprobes_module_callback(struct notifier_block *nb,
				   unsigned long val, void *data)
{
	struct module *mod = data;
	struct hlist_head *head;
	struct hlist_node *node;
	struct kprobe *p;
	unsigned int i;
	int checkcore = (val == MODULE_STATE_GOING);

	if (val != MODULE_STATE_GOING && val != MODULE_STATE_LIVE)
		return NOTIFY_DONE;

	mutex_lock(&kprobe_mutex);
	for (i = 0; i < KPROBE_TABLE_SIZE; i++) {
		head = &kprobe_table[i];
		hlist_for_each_entry_rcu(p, node, struct kprobe, head, hlist)
			if (within_module_init(p->addr, mod) ||
			    (checkcore &&
			     within_module_core(p->addr, mod))) {
				kill_kprobe(p);
			}
	}
	mutex_unlock(&kprobe_mutex);
	return NOTIFY_DONE;
}

/* kernel/kprobes.c: the static initializers (DEFINE_MUTEX, LIST_HEAD, ...) */
/*
 * The kernel initializes these at their definitions; a run's state starts zeroed, so the
 * port sets them up when the run boots, before init_kprobes().
 */
static void kprobes_init_state(void)
{
	int i;

	mutex_init_named(&kprobe_mutex, "kprobe_mutex");
	for (i = 0; i < KPROBE_BLACKLIST_SIZE; i++)
		kprobe_blacklist[i].name = kprobe_blacklist_names[i];

	mutex_init_named(&kprobe_insn_mutex, "kprobe_insn_mutex");
	INIT_LIST_HEAD(&kprobe_insn_slots.pages);
	kprobe_insn_slots.insn_size = MAX_INSN_SIZE;
	kprobe_insn_slots.nr_garbage = 0;
	kprobe_insn_slots.optinsn = 0;

	mutex_init_named(&kprobe_optinsn_mutex, "kprobe_optinsn_mutex");
	INIT_LIST_HEAD(&kprobe_optinsn_slots.pages);
	/* .insn_size is set by init_kprobes() */
	kprobe_optinsn_slots.nr_garbage = 0;
	kprobe_optinsn_slots.optinsn = 1;

	INIT_LIST_HEAD(&optimizing_list);
	INIT_LIST_HEAD(&unoptimizing_list);
	INIT_DELAYED_WORK_NAMED(&optimizing_work, "optimizing_work", kprobe_optimizer);
	init_completion_named(&optimizer_comp, "optimizer_comp");
}

/* kernel/kprobes.c: init_kprobes() */
/*
 * The die notifier is the CPU hooks arch_init_kprobes() installs, and the module
 * notifier is the descriptor's module_notify, so neither is registered here.
 * CONFIG_KPROBES_SANITY_TEST is off (init_test_probes() does nothing).
 */
static int init_kprobes(void)
{
	int i, err = 0;
	unsigned long offset = 0, size = 0;
	unsigned long addr;
	struct kprobe_blackpoint *kb;

	for (i = 0; i < KPROBE_TABLE_SIZE; i++) {
		INIT_HLIST_HEAD(&kprobe_table[i]);
		INIT_HLIST_HEAD(&kretprobe_inst_table[i]);
		spin_lock_init(&(kretprobe_table_locks[i].lock));
	}

	/*
	 * Resolve the blacklist to address ranges: a kprobe need not sit at a function's
	 * start, so the whole function is excluded.  kallsyms_lookup() is used by the
	 * kernel only for the size; kallsyms_lookup_size_offset() gives the same.
	 */
	for (kb = kprobe_blacklist; kb->name != NULL; kb++) {
		kprobe_lookup_name(kb->name, addr);
		if (!addr)
			continue;

		kb->start_addr = addr;
		if (!kallsyms_lookup_size_offset(kb->start_addr, &size, &offset))
			kb->range = 0;
		else
			kb->range = size;
	}

	if (kretprobe_blacklist_size) {
		for (i = 0; kretprobe_blacklist[i].name != NULL; i++) {
			kprobe_lookup_name(kretprobe_blacklist[i].name,
					   kretprobe_blacklist[i].addr);
			if (!kretprobe_blacklist[i].addr)
				printk("kretprobe: lookup failed: %s\n",
				       kretprobe_blacklist[i].name);
		}
	}

	kprobe_optinsn_slots.insn_size = MAX_OPTINSN_SIZE;
	/* optimization is allowed by default */
	kprobes_allow_optimization = true;

	/* kprobes are armed by default */
	kprobes_all_disarmed = false;

	err = arch_init_kprobes();

	kprobes_initialized = (err == 0);

	return err;
}

/*
 * The debugfs "list" file (report_probe, kprobe_seq_*, show_kprobe_addr) is not ported:
 * the descriptor has no entry point for it.
 */

/* kernel/kprobes.c: arm_all_kprobes() */
static void arm_all_kprobes(void)
{
	struct hlist_head *head;
	struct hlist_node *node;
	struct kprobe *p;
	unsigned int i;

	mutex_lock(&kprobe_mutex);

	if (!kprobes_all_disarmed)
		goto already_enabled;

	/*
	 * kprobes_all_disarmed is still set, so the optimize_kprobe() inside
	 * __arm_kprobe() does nothing: arming does not optimize.
	 */
	mutex_lock(&text_mutex);
	for (i = 0; i < KPROBE_TABLE_SIZE; i++) {
		head = &kprobe_table[i];
		hlist_for_each_entry_rcu(p, node, struct kprobe, head, hlist)
			if (!kprobe_disabled(p))
				__arm_kprobe(p);
	}
	mutex_unlock(&text_mutex);

	kprobes_all_disarmed = false;
	printk(KERN_INFO "Kprobes globally enabled\n");

already_enabled:
	mutex_unlock(&kprobe_mutex);
	return;
}

/* kernel/kprobes.c: disarm_all_kprobes() */
static void disarm_all_kprobes(void)
{
	struct hlist_head *head;
	struct hlist_node *node;
	struct kprobe *p;
	unsigned int i;

	mutex_lock(&kprobe_mutex);

	if (kprobes_all_disarmed) {
		mutex_unlock(&kprobe_mutex);
		return;
	}

	kprobes_all_disarmed = true;
	printk(KERN_INFO "Kprobes globally disabled\n");

	mutex_lock(&text_mutex);
	for (i = 0; i < KPROBE_TABLE_SIZE; i++) {
		head = &kprobe_table[i];
		hlist_for_each_entry_rcu(p, node, struct kprobe, head, hlist) {
			if (!arch_trampoline_kprobe(p) && !kprobe_disabled(p))
				__disarm_kprobe(p, false);
		}
	}
	mutex_unlock(&text_mutex);
	mutex_unlock(&kprobe_mutex);

	/* wait for the optimizer to remove the queued jumps */
	wait_for_kprobe_optimizer();
}

/* fs/libfs.c: simple_read_from_buffer() */
static ssize_t simple_read_from_buffer(void __user *to, size_t count, loff_t *ppos,
				       const void *from, size_t available)
{
	loff_t pos = *ppos;
	size_t ret;

	if (pos < 0)
		return -EINVAL;
	if ((size_t)pos >= available || !count)
		return 0;
	if (count > available - pos)
		count = available - pos;
	ret = copy_to_user(to, (const char *)from + pos, count);
	if (ret == count)
		return -EFAULT;
	count -= ret;
	*ppos = pos + count;
	return count;
}

/* kernel/kprobes.c: read_enabled_file_bool() */
static ssize_t read_enabled_file_bool(struct file *file,
				      char __user *user_buf, size_t count, loff_t *ppos)
{
	char buf[3];

	if (!kprobes_all_disarmed)
		buf[0] = '1';
	else
		buf[0] = '0';
	buf[1] = '\n';
	buf[2] = 0x00;
	return simple_read_from_buffer(user_buf, count, ppos, buf, 2);
}

/* kernel/kprobes.c: write_enabled_file_bool() */
/*
 * Only the first character counts.  For count 0 the kernel switches on a byte it never
 * wrote; the model reads 0 there, which does nothing.
 */
static ssize_t write_enabled_file_bool(struct file *file,
				       const char __user *user_buf, size_t count, loff_t *ppos)
{
	/* model: zeroed, so a zero-length write reads 0 (does nothing), not a stack byte */
	char buf[32] = { 0 };
	size_t buf_size;

	buf_size = count < sizeof(buf) - 1 ? count : sizeof(buf) - 1;
	if (copy_from_user(buf, user_buf, buf_size))
		return -EFAULT;

	switch (buf[0]) {
	case 'y':
	case 'Y':
	case '1':
		arm_all_kprobes();
		break;
	case 'n':
	case 'N':
	case '0':
		disarm_all_kprobes();
		break;
	}

	return count;
}
