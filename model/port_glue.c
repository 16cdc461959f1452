// SPDX-License-Identifier: GPL-2.0-only
/*
 * The glue every port shares: the descriptor's entry points (what a kprobes user module,
 * the module loader, sysctl and debugfs would call), the handler trampolines to the
 * scenario's handlers, and the snapshot the checker judges.  Nothing here is kernel
 * logic; it only calls the port's kernel functions and reads its state.
 *
 * Not compiled on its own: each port's port.c includes it after the port's kprobes.c and
 * arch_kprobes.c, so it is compiled once per port against that port's types (struct
 * kprobe, struct kp_port_state, ...) and everything in it stays static to the port's
 * object.  What only some ports have, the port.c that includes this file provides after
 * the include, as the hooks declared below, and it defines the descriptor from
 * KP_PORT_ENTRY_POINTS.
 */
#include <assert.h>
#include <glib.h>

/*
 * The kernel's names for the state end here.  The glue reaches the state through the
 * environment it is handed, so that it also works where no run is executing (the checker
 * takes snapshots from the engine), and the names would clash with the members.  A port
 * that has more such names ends them itself.
 */
#undef kprobes_initialized
#undef kprobe_table
#undef kretprobe_inst_table
#undef kprobes_all_disarmed
#undef kprobe_mutex
#undef kprobe_instance
#undef kprobe_blacklist
#undef kprobe_insn_mutex
#undef kprobe_insn_slots
#undef kprobe_optinsn_mutex
#undef kprobe_optinsn_slots
#undef kprobes_allow_optimization
#undef optimizing_list
#undef optimizing_work
#undef sysctl_kprobes_optimization
#undef current_kprobe
#undef per_cpu__kprobe_ctlblk

/*
 * The hooks: the staging lists other than optimizing_list, which differ between ports
 * (6274de4 adds unoptimizing_list and the optimizer's local free lists).
 */

/* Is an op on a kprobe_optimizer() run's local free list (KP_SNAP_LIST_FREEING)? */
static bool port_optimizer_freeing(KpEnv *env);
/* Which list op is on, knowing it is on one and that it is not optimizing_list. */
static uint8_t port_snap_list_other(struct kp_port_state *st, struct optimized_kprobe *op);
/*
 * Add to the snapshot what the other lists hold: their counts, and an entry for each op
 * that is on no list the hash walk sees.
 */
static void port_snap_lists_other(KpEnv *env, struct kp_port_state *st, KpSnapshot *out);

/* The port's object behind a KpProbe. */
static struct kp_port_probe *probe_obj(const KpProbe *p)
{
	assert(p != NULL && p->port != NULL);
	return p->port;
}

/* The struct kprobe the kernel sees for p, whatever kind of probe p is. */
static struct kprobe *probe_kp(const KpProbe *p)
{
	struct kp_port_probe *w = probe_obj(p);

	switch (p->spec.kind) {
	case KP_PROBE_JPROBE:
		return &w->jp.kp;
	case KP_PROBE_KRETPROBE:
		return &w->rp.kp;
	case KP_PROBE_KPROBE:
	default:
		return &w->kp;
	}
}

/* Handler trampolines: the kernel's handler signatures, calling the scenario's handlers. */

static KpProbe *kprobe_user(struct kprobe *kp)
{
	return container_of(kp, struct kp_port_probe, kp)->user;
}

static int user_pre_handler(struct kprobe *kp, struct pt_regs *regs)
{
	return kp_user_pre_handler(kprobe_user(kp));
}

static void user_post_handler(struct kprobe *kp, struct pt_regs *regs, unsigned long flags)
{
	kp_user_post_handler(kprobe_user(kp));
}

static int user_fault_handler(struct kprobe *kp, struct pt_regs *regs, int trapnr)
{
	return kp_user_fault_handler(kprobe_user(kp), trapnr);
}

static int user_break_handler(struct kprobe *kp, struct pt_regs *regs)
{
	return kp_user_break_handler(kprobe_user(kp));
}

/* A kretprobe's return handler; the kernel ignores what it returns. */
static int user_ret_handler(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return kp_user_ret_handler(container_of(ri->rp, struct kp_port_probe, rp)->user);
}

/* A kretprobe's entry handler is the scenario's pre handler (non-zero: skip the hit). */
static int user_entry_handler(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return kp_user_pre_handler(container_of(ri->rp, struct kp_port_probe, rp)->user);
}

/*
 * The port's state for a run, zeroed but for the optprobe id table (36 KiB of 38), whose
 * entries are read only below n_optprobe_ids and written whole when taken: clearing it
 * cost a short run 2%.
 */
static struct kp_port_state *port_state_new(unsigned n_probes)
{
	size_t size = sizeof(struct kp_port_state) + n_probes * sizeof(struct kp_port_probe);
	struct kp_port_state *st = g_malloc(size);

	memset(st, 0, offsetof(struct kp_port_state, arch.optprobe_ids));
	memset(&st->n_probes, 0, size - offsetof(struct kp_port_state, n_probes));
	st->n_probes = n_probes;
	return st;
}

static void port_init(KpEnv *env)
{
	int err;

	assert(env != NULL && env->port == NULL);
	/* not a kernel allocation: kp_env_free() releases it with the environment */
	env->port = port_state_new(env->n_probes);
	kprobes_init_state();
	err = init_kprobes();
	assert(err == 0);
	(void)err;
}

/*
 * The object lives in the state, indexed by the probe's scenario index, so it is freed
 * with the run.  What the caller of register_* sets up in its struct is set here.
 */
static void port_probe_init(KpEnv *env, KpProbe *p)
{
	struct kp_port_state *st = env->port;
	struct kp_port_probe *w;
	struct kprobe *kp;

	assert(st != NULL && p != NULL);
	assert(p->id < st->n_probes);
	w = &st->probes[p->id];
	memset(w, 0, sizeof(*w));
	w->user = p;
	p->port = w;

	kp = probe_kp(p);
	kp->symbol_name = p->spec.symbol;
	kp->offset = (unsigned int)p->spec.offset;
	kp->addr = p->spec.addr;	/* with a symbol too: -EINVAL, as in the kernel */
	kp->flags = p->spec.disabled ? KPROBE_FLAG_DISABLED : 0;

	switch (p->spec.kind) {
	case KP_PROBE_KPROBE:
		kp->pre_handler = p->spec.pre ? user_pre_handler : NULL;
		kp->post_handler = p->spec.post ? user_post_handler : NULL;
		kp->fault_handler = p->spec.fault ? user_fault_handler : NULL;
		kp->break_handler = p->spec.brk ? user_break_handler : NULL;
		break;
	case KP_PROBE_JPROBE:
		/* jp.entry is set at registration (jprobe_set_entry) */
		break;
	case KP_PROBE_KRETPROBE:
		w->rp.entry_handler = p->spec.pre ? user_entry_handler : NULL;
		w->rp.handler = p->spec.ret ? user_ret_handler : NULL;
		w->rp.maxactive = 0;	/* the kernel's default */
		w->rp.data_size = 0;
		break;
	}
}

/*
 * The handler code a jprobe diverts to has the probed function's prototype; the model
 * uses the probed function's own entry, which also passes register_jprobes()'s
 * function-start check.  Resolved when registering, as a module's symbol exists only
 * while the module is loaded.
 */
static void jprobe_set_entry(KpProbe *p)
{
	struct kp_port_probe *w = probe_obj(p);

	if (p->spec.symbol)
		w->jp.entry = kallsyms_lookup_name(p->spec.symbol);
	else
		w->jp.entry = p->spec.addr;
}

static int port_register_probe(KpEnv *env, KpProbe *p)
{
	struct kp_port_probe *w = probe_obj(p);

	switch (p->spec.kind) {
	case KP_PROBE_JPROBE:
		jprobe_set_entry(p);
		return register_jprobe(&w->jp);
	case KP_PROBE_KRETPROBE:
		return register_kretprobe(&w->rp);
	case KP_PROBE_KPROBE:
	default:
		return register_kprobe(&w->kp);
	}
}

/*
 * The batch calls take arrays of the kernel's structs; all probes of one call are of one
 * kind.  The arrays are on the task's stack: a run that ends while the task is blocked
 * leaves nothing behind.
 */
struct probe_batch {
	KpProbeKind kind;
	union {
		struct kprobe *kps[KP_PORT_MAX_PROBES];
		struct jprobe *jps[KP_PORT_MAX_PROBES];
		struct kretprobe *rps[KP_PORT_MAX_PROBES];
	};
};

static void batch_init(struct probe_batch *b, KpProbe **ps, int n)
{
	int i;

	assert(n <= KP_PORT_MAX_PROBES);
	b->kind = n > 0 ? ps[0]->spec.kind : KP_PROBE_KPROBE;
	for (i = 0; i < n; i++) {
		struct kp_port_probe *w = probe_obj(ps[i]);

		assert(ps[i]->spec.kind == b->kind);
		b->kps[i] = &w->kp;
		b->jps[i] = &w->jp;
		b->rps[i] = &w->rp;
	}
}

static int port_register_probes(KpEnv *env, KpProbe **ps, int n)
{
	struct probe_batch b;
	int i, ret;

	batch_init(&b, ps, n);
	if (b.kind == KP_PROBE_JPROBE) {
		for (i = 0; i < n; i++)
			jprobe_set_entry(ps[i]);
		ret = register_jprobes(b.jps, n);
	} else if (b.kind == KP_PROBE_KRETPROBE) {
		ret = register_kretprobes(b.rps, n);
	} else {
		ret = register_kprobes(b.kps, n);
	}
	return ret;
}

static void port_unregister_probes(KpEnv *env, KpProbe **ps, int n)
{
	struct probe_batch b;

	batch_init(&b, ps, n);
	if (n == 1) {
		if (b.kind == KP_PROBE_JPROBE)
			unregister_jprobe(b.jps[0]);
		else if (b.kind == KP_PROBE_KRETPROBE)
			unregister_kretprobe(b.rps[0]);
		else
			unregister_kprobe(b.kps[0]);
	} else {
		if (b.kind == KP_PROBE_JPROBE)
			unregister_jprobes(b.jps, n);
		else if (b.kind == KP_PROBE_KRETPROBE)
			unregister_kretprobes(b.rps, n);
		else
			unregister_kprobes(b.kps, n);
	}
}

static int port_enable_probe(KpEnv *env, KpProbe *p)
{
	struct kp_port_probe *w = probe_obj(p);

	switch (p->spec.kind) {
	case KP_PROBE_JPROBE:
		return enable_jprobe(&w->jp);
	case KP_PROBE_KRETPROBE:
		return enable_kretprobe(&w->rp);
	case KP_PROBE_KPROBE:
	default:
		return enable_kprobe(&w->kp);
	}
}

static int port_disable_probe(KpEnv *env, KpProbe *p)
{
	struct kp_port_probe *w = probe_obj(p);

	switch (p->spec.kind) {
	case KP_PROBE_JPROBE:
		return disable_jprobe(&w->jp);
	case KP_PROBE_KRETPROBE:
		return disable_kretprobe(&w->rp);
	case KP_PROBE_KPROBE:
	default:
		return disable_kprobe(&w->kp);
	}
}

/*
 * kernel/sysctl.c: the debug.kprobes-optimization entry (0644, min 0, max 1).  Each call
 * is a fresh open, so the file position starts at 0.
 */
static int port_sysctl_optimization(KpEnv *env, int write, char *buf, size_t *len)
{
	struct kp_port_state *st = env->port;
	int zero = 0, one = 1;
	struct ctl_table table = {
		.procname = "kprobes-optimization",
		.data = &st->sysctl_kprobes_optimization,
		.maxlen = sizeof(int),
		.mode = 0644,
		.extra1 = &zero,
		.extra2 = &one,
	};
	loff_t pos = 0;

	return proc_kprobes_optimization_handler(&table, write, buf, len, &pos);
}

/* debugfs kprobes/enabled; a fresh open per call, as for the sysctl. */
static ssize_t port_debugfs_enabled_read(KpEnv *env, char *buf, size_t len)
{
	loff_t pos = 0;

	return read_enabled_file_bool(NULL, buf, len, &pos);
}

static ssize_t port_debugfs_enabled_write(KpEnv *env, const char *buf, size_t len)
{
	loff_t pos = 0;

	return write_enabled_file_bool(NULL, buf, len, &pos);
}

/* The module notifier chain: kprobes_module_callback() is kprobes' only member. */
static int port_module_notify(KpEnv *env, struct module *mod, unsigned long state)
{
	return kprobes_module_callback(NULL, state, mod);
}

static unsigned long port_probe_addr(const KpProbe *p)
{
	return probe_kp(p)->addr;
}

/*
 * A kretprobe misses in two places: kp.nmissed (a hit kprobes could not handle, as for
 * any kprobe) and rp->nmissed (pre_handler_kretprobe() found no free instance, maxactive
 * exhausted).  Each is one pass without an entry handler call (H2), so both count.
 */
static unsigned long port_probe_nmissed(const KpProbe *p)
{
	if (p->spec.kind == KP_PROBE_KRETPROBE)
		return probe_kp(p)->nmissed + (unsigned long)probe_obj(p)->rp.nmissed;
	return probe_kp(p)->nmissed;
}

static unsigned int port_probe_flags(const KpProbe *p)
{
	return probe_kp(p)->flags;
}

/* An independent probe's list is self-linked; a child's is linked into its aggregate's. */
static bool port_probe_is_child(const KpProbe *p)
{
	const struct kprobe *kp = probe_kp(p);

	return kp->list.next != NULL && !list_empty(&kp->list);
}

static bool port_kprobe_running(KpEnv *env, unsigned cpu)
{
	const struct kp_port_state *st = env->port;

	assert(cpu < NR_CPUS);
	return st->arch.current_kprobe[cpu] != NULL;
}

static bool port_kprobe_mutex_held(KpEnv *env)
{
	struct kp_port_state *st = env->port;

	return sim_mutex_held_by_current(env->ctx, &st->kprobe_mutex.m);
}

static bool port_kprobe_mutex_locked(KpEnv *env)
{
	struct kp_port_state *st = env->port;

	return mutex_is_locked(&st->kprobe_mutex);
}

/* ---- the snapshot the checker judges (model/snapshot.h) ---- */

/* The KpProbe id of a probe object of this run, -1 for anything else (an aggregate). */
static int snap_probe_id(struct kp_port_state *st, struct kprobe *p)
{
	uintptr_t base = (uintptr_t)st->probes, at = (uintptr_t)p;
	struct kp_port_probe *w;

	if (at < base || at >= base + st->n_probes * sizeof(st->probes[0]))
		return -1;
	w = &st->probes[(at - base) / sizeof(st->probes[0])];
	if (!w->user || probe_kp(w->user) != p)
		return -1;
	return (int)w->user->id;
}

static bool snap_on_list(const struct list_head *head, const struct list_head *node)
{
	const struct list_head *pos;

	for (pos = head->next; pos != head; pos = pos->next)
		if (pos == node)
			return true;
	return false;
}

/* Which staging list op is on; the port knows the lists other than optimizing_list. */
static uint8_t snap_list(struct kp_port_state *st, struct optimized_kprobe *op)
{
	if (list_empty(&op->list))
		return KP_SNAP_LIST_NONE;
	if (snap_on_list(&st->optimizing_list, &op->list))
		return KP_SNAP_LIST_OPTIMIZING;
	return port_snap_list_other(st, op);
}

static void snap_entry(KpEnv *env, struct kp_port_state *st, struct kprobe *p,
		       bool hashed, KpSnapEntry *e)
{
	struct optimized_kprobe *op;
	struct kprobe *kp;
	unsigned n = 0;

	e->addr = p->addr;
	e->hashed = hashed;
	e->aggr = kprobe_aggrprobe(p);
	e->optready = kprobe_optready(p);
	e->flags = p->flags;
	e->list = KP_SNAP_LIST_NONE;
	e->post_handler = p->post_handler != NULL;
	e->break_handler = p->break_handler != NULL;
	e->ss_slot = p->ainsn.insn;
	e->boostable = p->ainsn.boostable;
	e->probe = -1;
	if (!e->aggr) {
		e->probe = snap_probe_id(st, p);
		return;
	}
	op = container_of(p, struct optimized_kprobe, kp);
	e->list = snap_list(st, op);
	e->opt_size = (uint32_t)op->optinsn.size;
	e->detour = op->optinsn.insn;
	memcpy(e->copied_insn, op->optinsn.copied_insn, sizeof(e->copied_insn));
	e->alloc_id = sim_alloc_id(env->ctx, op);
	list_for_each_entry(kp, struct kprobe, &p->list, list) {
		if (n == KP_SNAP_MAX_CHILDREN)
			break;
		e->children[n] = snap_probe_id(st, kp);
		e->child_flags[n] = kp->flags;
		e->child_post[n] = kp->post_handler != NULL;
		e->child_break[n] = kp->break_handler != NULL;
		n++;
	}
	e->n_children = n;
}

/* The slots in use or awaiting collection (clean ones are of no interest). */
static void snap_slots(struct kprobe_insn_cache *c, bool optinsn, KpSnapshot *out)
{
	struct kprobe_insn_page *kip;
	int i;

	list_for_each_entry(kip, struct kprobe_insn_page, &c->pages, list) {
		/* Only used and dirty slots are of interest: stop once all are seen. */
		int left = kip->nused;	/* dirty slots stay counted until collected */

		for (i = 0; i < slots_per_page(c) && left > 0; i++) {
			KpSnapSlot *slot;

			if (kip->slot_used[i] == SLOT_CLEAN)
				continue;
			left--;
			if (out->n_slots == KP_SNAP_MAX_SLOTS)
				return;
			slot = &out->slots[out->n_slots++];
			slot->addr = kip->insns + i * c->insn_size;
			slot->state = kip->slot_used[i] == SLOT_USED ? KP_SLOT_USED : KP_SLOT_DIRTY;
			slot->optinsn = optinsn;
		}
	}
}

/*
 * Is p an object the hash may hold: a probe's own struct, or a live aggregate?  Misuse
 * of the API (one struct kprobe registered and unregistered by two tasks at once) can
 * leave a freed aggregate hashed; the kernel would then follow pointers through freed
 * memory, and so would the walk below.
 */
static bool snap_object_live(KpEnv *env, struct kp_port_state *st, struct kprobe *p)
{
	uintptr_t base = (uintptr_t)st->probes, at = (uintptr_t)p;

	if (at >= base && at < base + st->n_probes * sizeof(st->probes[0]))
		return true;
	return sim_alloc_is_live(env->ctx, container_of(p, struct optimized_kprobe, kp));
}

/* Where the kretprobe instances are: on the run's kretprobes' free lists, or in flight. */
static void snap_kretprobe_instances(struct kp_port_state *st, KpSnapshot *out)
{
	struct hlist_node *node;

	for (unsigned id = 0; id < st->n_probes; id++) {
		KpProbe *u = st->probes[id].user;

		if (!u || u->spec.kind != KP_PROBE_KRETPROBE)
			continue;
		for (node = st->probes[id].rp.free_instances.first; node; node = node->next)
			out->n_rp_free++;
	}
	for (unsigned i = 0; i < KPROBE_TABLE_SIZE; i++)
		for (node = st->kretprobe_inst_table[i].first; node; node = node->next)
			out->n_rp_in_flight++;
}

/* Reads only: no decision points, no kernel calls that need a running task. */
static void port_snapshot(KpEnv *env, KpSnapshot *out)
{
	struct kp_port_state *st = env->port;
	struct hlist_node *node;
	struct optimized_kprobe *op;
	struct kprobe *p;
	unsigned i;

	kp_snapshot_reset(out);
	for (i = 0; i < KPROBE_TABLE_SIZE; i++) {
		hlist_for_each_entry(p, node, struct kprobe, &st->kprobe_table[i], hlist) {
			if (!snap_object_live(env, st, p)) {
				sim_report(env->ctx, SIM_V_MEMORY, true, "use-after-free", __func__,
					   "kprobe_table[%u] holds a freed object", i);
				return;
			}
			if (out->n_entries == KP_SNAP_MAX_ENTRIES)
				break;
			snap_entry(env, st, p, true, kp_snapshot_add_entry(out));
		}
	}
	port_snap_lists_other(env, st, out);
	list_for_each_entry(op, struct optimized_kprobe, &st->optimizing_list, list)
		out->n_optimizing++;

	out->kprobe_mutex_held = mutex_is_locked(&st->kprobe_mutex);
	out->all_disarmed = st->kprobes_all_disarmed;
	out->allow_optimization = st->kprobes_allow_optimization;
	out->work_pending = delayed_work_pending(&st->optimizing_work);
	out->optimizer_running = st->optimizer_running;

	snap_slots(&st->kprobe_insn_slots, false, out);
	snap_slots(&st->kprobe_optinsn_slots, true, out);

	for (i = 0; i < NR_CPUS && i < ARRAY_SIZE(out->current_kprobe); i++) {
		p = st->arch.current_kprobe[i];
		out->current_kprobe[i] = p ? p->addr : 0;
	}
	snap_kretprobe_instances(st, out);
}

static void port_task_exit(KpEnv *env)
{
	kprobe_flush_task(current);
}

static int port_page_fault(KpEnv *env)
{
	return kp_page_fault();
}

/*
 * The descriptor's entry points, the same for every port: port.c's descriptor adds the
 * port's name, commit id and title.
 */
#define KP_PORT_ENTRY_POINTS					\
	.init = port_init,					\
	.probe_init = port_probe_init,				\
	.register_probe = port_register_probe,			\
	.register_probes = port_register_probes,		\
	.unregister_probes = port_unregister_probes,		\
	.enable_probe = port_enable_probe,			\
	.disable_probe = port_disable_probe,			\
	.sysctl_optimization = port_sysctl_optimization,	\
	.debugfs_enabled_read = port_debugfs_enabled_read,	\
	.debugfs_enabled_write = port_debugfs_enabled_write,	\
	.module_notify = port_module_notify,			\
	.task_exit = port_task_exit,				\
	.page_fault = port_page_fault,				\
	.probe_addr = port_probe_addr,				\
	.probe_nmissed = port_probe_nmissed,			\
	.probe_flags = port_probe_flags,			\
	.probe_is_child = port_probe_is_child,			\
	.kprobe_running = port_kprobe_running,			\
	.kprobe_mutex_held = port_kprobe_mutex_held,		\
	.snapshot = port_snapshot,				\
	.kprobe_mutex_locked = port_kprobe_mutex_locked,	\
	.optimizer_freeing = port_optimizer_freeing
