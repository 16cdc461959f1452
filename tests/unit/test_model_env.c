// SPDX-License-Identifier: GPL-2.0-only
/*
 * The environment around the 6274de4 port and the API paths the other unit tests leave
 * alone: the module loader (kprobes_module_callback()), free_initmem, CPU hotplug, the
 * sysctl (proc_kprobes_optimization_handler(), proc_dointvec_minmax) and the debugfs
 * "enabled" file (arm_all_kprobes(), disarm_all_kprobes()), jprobe and kretprobe
 * (un)registration, the slot caches' garbage collection (collect_garbage_slots()), the
 * handlers a KpProbeSpec can ask for, and the script runner's own reporting.
 */
#include "model_harness.h"

#include <errno.h>

#define CC 0xcc
#define E9 0xe9

/* The checker's P3 report for an optimizable probe at f_small+0x0 left on its int3. */
#define P3_F_SMALL "f_small+0x0 could be optimized (a 5-byte window the image allows, no " \
		   "enabled probe blocking it) but holds an int3 at quiescence"

static const KpSnapEntry *entry_at(KpSnapshot *s, const char *symbol, unsigned long off)
{
	const KpSnapEntry *e = mh_snap_entry(s, mh_sym_addr(symbol, off));

	assert_non_null(e);
	return e;
}

static uint8_t text_byte(Mh *m, const char *symbol, unsigned long off)
{
	uint8_t b;

	mh_text(m, symbol, off, &b, 1);
	return b;
}

/* A task whose ops array holds more than MAX_OPS operations. */
static unsigned big_task(Mh *m, const char *name, unsigned cpu, KpOp *ops)
{
	unsigned t = mh_task(m, name, cpu);

	m->tasks[t].ops = ops;
	return t;
}

/* The number of a kind of user event (op_event / handler trace) in the last run. */
static size_t user_events(Mh *m, const char *what, const char *subject)
{
	size_t n = 0;

	for (size_t i = 0; i < sim_trace_count(m->ctx); i++) {
		const SimEvent *ev = sim_trace_get(m->ctx, i);

		if (ev->kind == SIM_EV_USER && ev->what && !strcmp(ev->what, what) &&
		    (!subject || (ev->obj && !strcmp(ev->obj, subject))))
			n++;
	}
	return n;
}

/* ---- the module loader ---- */

/* What op `op` of task `task` returned: a refusal (any negative error). */
static void assert_refused(Mh *m, unsigned task, unsigned op)
{
	long ret = mh_result(m, task, op);

	if (ret >= 0)
		print_message("# op %u of task %u returned %ld\n", op, task, ret);
	assert_true(ret < 0 && ret != KP_NO_EXPECT);
}

/*
 * The loader's own state machine, before kprobes sees anything: each transition is
 * refused from the wrong state and leaves the module as it was.  Only refusal is checked,
 * not the error code (delete_module answers -ENOENT for a module that is not there and
 * -EBUSY for one that is not LIVE; the other transitions are the loader's internals).
 */
static void test_module_loader_errors(void **state)
{
	Mh *m = mh_new(1);
	unsigned t = mh_task(m, "t", 0);
	struct module *mod;

	(void)state;
	mh_text_op(m, t, KP_OP_MODULE_LOAD, "no_such_module", KP_NO_EXPECT);	/* 0 */
	mh_text_op(m, t, KP_OP_MODULE_LIVE, "mod_a", KP_NO_EXPECT);	/* 1: not loaded */
	mh_text_op(m, t, KP_OP_MODULE_FAIL_INIT, "mod_a", KP_NO_EXPECT);	/* 2 */
	mh_text_op(m, t, KP_OP_MODULE_UNLOAD, "mod_a", KP_NO_EXPECT);	/* 3 */
	mh_text_op(m, t, KP_OP_MODULE_LOAD, "mod_a", 0);			/* 4 */
	mh_text_op(m, t, KP_OP_MODULE_LOAD, "mod_a", -EEXIST);		/* 5: loaded */
	mh_text_op(m, t, KP_OP_MODULE_UNLOAD, "mod_a", KP_NO_EXPECT);	/* 6: COMING */
	mh_text_op(m, t, KP_OP_MODULE_LIVE, "mod_a", 0);			/* 7 */
	mh_text_op(m, t, KP_OP_MODULE_LIVE, "mod_a", KP_NO_EXPECT);	/* 8: LIVE */
	mh_text_op(m, t, KP_OP_MODULE_FAIL_INIT, "mod_a", KP_NO_EXPECT);	/* 9 */
	mh_expect_done(m, mh_run_first(m));
	for (unsigned op = 0; op <= 9; op++)
		if (op != 4 && op != 5 && op != 7)
			assert_refused(m, t, op);
	mod = kp_env_module(m->run.env, "mod_a");
	assert_true(mod->loaded);
	assert_int_equal(mod->state, MODULE_STATE_LIVE);
	assert_int_equal(mod->module_init, 0);	/* freed after LIVE */
	assert_int_equal(user_events(m, "module-load", "mod_a"), 1);
	assert_int_equal(user_events(m, "module-live", "mod_a"), 1);
	assert_int_equal(user_events(m, "module-unload", "mod_a"), 0);

	mh_text_op(m, t, KP_OP_MODULE_UNLOAD, "mod_a", 0);			/* 10 */
	mh_text_op(m, t, KP_OP_MODULE_UNLOAD, "mod_a", KP_NO_EXPECT);	/* 11: gone */
	mh_expect_done(m, mh_run_first(m));
	assert_refused(m, t, 11);
	mod = kp_env_module(m->run.env, "mod_a");
	assert_false(mod->loaded);
	assert_int_equal(mod->state, MODULE_STATE_GOING);
	assert_int_equal(user_events(m, "module-unload", "mod_a"), 1);
	mh_free(m);
}

/*
 * kprobes_module_callback(LIVE) kills the probes in the module's init text only: the
 * aggregate there (kill_kprobe: GONE on it and on every child, its post handler
 * dropped, its detour buffer released) and not the probe in the core text, which keeps
 * working.  While the module is COMING its init code runs and hits both.
 */
static void test_module_live_kills_init_aggregate(void **state)
{
	Mh *m = mh_new(1);
	unsigned i1 = mh_probe(m, "i1", "mod_a_init", 0, false);
	unsigned i2 = mh_probe(m, "i2", "mod_a_init", 0, true);
	unsigned w = mh_probe(m, "w", "mod_a_work", 0, false);
	unsigned t = mh_task(m, "t", 0);
	KpSnapshot *s;
	const KpSnapEntry *e;

	(void)state;
	mh_text_op(m, t, KP_OP_MODULE_LOAD, "mod_a", 0);
	mh_probe_op(m, t, KP_OP_REGISTER, i1, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, i2, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, w, 0);
	mh_call(m, t, "mod_a_init", 1);	/* calls mod_a_work */
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(mh_p(m, i1)->pre_calls, 1);
	assert_int_equal(mh_p(m, i2)->pre_calls, 1);
	assert_int_equal(mh_p(m, i2)->post_calls, 1);
	assert_int_equal(mh_p(m, w)->pre_calls, 1);
	s = mh_snapshot(m);
	e = entry_at(s, "mod_a_init", 0);
	assert_true(e->aggr);
	assert_true(e->post_handler);
	assert_int_equal(e->flags & KP_SNAP_GONE, 0);
	assert_int_equal(text_byte(m, "mod_a_init", 0), CC);
	g_free(s);

	mh_text_op(m, t, KP_OP_MODULE_LIVE, "mod_a", 0);
	mh_sleep(m, t, 6);
	mh_call(m, t, "mod_a_work", 2);
	mh_expect_done(m, mh_run_first(m));
	assert_true(mh_flags(m, i1) & KP_SNAP_GONE);
	assert_true(mh_flags(m, i2) & KP_SNAP_GONE);
	assert_false(mh_flags(m, w) & KP_SNAP_GONE);
	s = mh_snapshot(m);
	e = entry_at(s, "mod_a_init", 0);
	/* Still hashed and registered, but gone, with its handlers and buffers released. */
	assert_true(e->flags & KP_SNAP_GONE);
	assert_false(e->flags & KP_SNAP_OPTIMIZED);
	assert_false(e->post_handler);
	assert_int_equal(e->list, KP_SNAP_LIST_NONE);
	assert_int_equal(e->ss_slot, 0);
	assert_int_equal(e->n_children, 2);
	assert_true(e->child_flags[0] & KP_SNAP_GONE);
	assert_true(e->child_flags[1] & KP_SNAP_GONE);
	/* The core-text probe was optimized after LIVE and still fires. */
	e = entry_at(s, "mod_a_work", 0);
	assert_false(e->flags & KP_SNAP_GONE);
	assert_true(e->flags & KP_SNAP_OPTIMIZED);
	assert_int_equal(mh_p(m, w)->pre_calls, 3);
	assert_int_equal(mh_p(m, i1)->pre_calls, 1);
	g_free(s);

	/* Gone probes can still be unregistered; nothing writes the freed init text. */
	mh_probe_op(m, t, KP_OP_UNREGISTER, i1, KP_NO_EXPECT);
	mh_probe_op(m, t, KP_OP_UNREGISTER, i2, KP_NO_EXPECT);
	mh_probe_op(m, t, KP_OP_UNREGISTER, w, KP_NO_EXPECT);
	mh_sleep(m, t, 6);
	mh_expect_done(m, mh_run_first(m));
	s = mh_snapshot(m);
	assert_int_equal(s->n_entries, 0);
	g_free(s);
	mh_free(m);
}

/*
 * GOING (delete_module) kills every probe of the module, core and init: an optimized
 * aggregate loses its jump state without a text write (kill_optimized_kprobe), an
 * independent probe its slot.  The probes stay registered; unregistering them afterwards
 * writes nothing either.
 */
static void test_module_unload_kills_everything(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "mod_b_xmit", 0, false);
	unsigned b = mh_probe(m, "b", "mod_b_xmit", 0, false);
	unsigned p = mh_probe(m, "p", "mod_b_poll", 0x30, false);
	unsigned t = mh_task(m, "t", 0);
	KpSnapshot *s;
	const KpSnapEntry *e;

	(void)state;
	mh_text_op(m, t, KP_OP_MODULE_LOAD, "mod_b", 0);
	mh_text_op(m, t, KP_OP_MODULE_LIVE, "mod_b", 0);
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, b, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, p, 0);
	mh_sleep(m, t, 6);
	mh_call(m, t, "mod_b_xmit", 1);
	mh_expect_done(m, mh_run_first(m));
	s = mh_snapshot(m);
	e = entry_at(s, "mod_b_xmit", 0);
	assert_true(e->flags & KP_SNAP_OPTIMIZED);
	assert_int_not_equal(e->detour, 0);
	assert_int_equal(text_byte(m, "mod_b_xmit", 0), E9);
	assert_int_equal(text_byte(m, "mod_b_poll", 0x30), CC);
	g_free(s);
	assert_int_equal(mh_p(m, a)->pre_calls, 1);

	mh_text_op(m, t, KP_OP_MODULE_UNLOAD, "mod_b", 0);
#ifdef KP_TEST_PARENT
	/* 6274de4^ leaves OPTIMIZED on the gone aggregate: S1 (see test_model_parent.c) */
	m->script.check = false;
#endif
	mh_expect_done(m, mh_run_first(m));
	assert_true(mh_flags(m, a) & KP_SNAP_GONE);
	assert_true(mh_flags(m, b) & KP_SNAP_GONE);
	assert_true(mh_flags(m, p) & KP_SNAP_GONE);
	s = mh_snapshot(m);
	assert_int_equal(s->n_entries, 2);
	e = entry_at(s, "mod_b_xmit", 0);
	assert_true(e->flags & KP_SNAP_GONE);
#ifdef KP_TEST_PARENT
	assert_true(e->flags & KP_SNAP_OPTIMIZED);
#else
	assert_false(e->flags & KP_SNAP_OPTIMIZED);
#endif
	assert_int_equal(e->list, KP_SNAP_LIST_NONE);
	assert_int_equal(e->detour, 0);
	assert_int_equal(e->ss_slot, 0);
	e = entry_at(s, "mod_b_poll", 0x30);
	assert_true(e->flags & KP_SNAP_GONE);
	assert_int_equal(e->ss_slot, 0);
	assert_int_equal(s->n_optimizing + s->n_unoptimizing, 0);
	g_free(s);

	mh_probe_op(m, t, KP_OP_UNREGISTER, a, KP_NO_EXPECT);
	mh_probe_op(m, t, KP_OP_UNREGISTER, b, KP_NO_EXPECT);
	mh_probe_op(m, t, KP_OP_UNREGISTER, p, KP_NO_EXPECT);
	mh_sleep(m, t, 6);
	mh_expect_done(m, mh_run_first(m));
	s = mh_snapshot(m);
	assert_int_equal(s->n_entries, 0);
	g_free(s);
	assert_int_equal(mh_p(m, a)->pre_calls, 1);
	mh_free(m);
}

/*
 * A module whose init fails: GOING, then its text goes.  Every probe in it is killed,
 * and afterwards the module is no longer there for the loader or for kallsyms.
 */
static void test_module_fail_init(void **state)
{
	Mh *m = mh_new(1);
	unsigned init = mh_probe(m, "init", "mod_b_init", 0, false);
	unsigned xmit = mh_probe(m, "xmit", "mod_b_xmit", 0, false);
	unsigned late = mh_probe(m, "late", "mod_b_xmit", 0x2, false);
	unsigned t = mh_task(m, "t", 0);

	(void)state;
	mh_text_op(m, t, KP_OP_MODULE_LOAD, "mod_b", 0);
	mh_probe_op(m, t, KP_OP_REGISTER, init, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, xmit, 0);
	mh_call(m, t, "mod_b_init", 1);	/* tail-jumps to mod_b_xmit */
	mh_text_op(m, t, KP_OP_MODULE_FAIL_INIT, "mod_b", 0);
	mh_text_op(m, t, KP_OP_MODULE_FAIL_INIT, "mod_b", KP_NO_EXPECT);	/* 5 */
	mh_text_op(m, t, KP_OP_MODULE_LIVE, "mod_b", KP_NO_EXPECT);	/* 6 */
	mh_text_op(m, t, KP_OP_MODULE_UNLOAD, "mod_b", KP_NO_EXPECT);	/* 7 */
	mh_probe_op(m, t, KP_OP_REGISTER, late, -EINVAL);		/* no symbol */
	mh_probe_op(m, t, KP_OP_ENABLE, xmit, -EINVAL);
	mh_probe_op(m, t, KP_OP_UNREGISTER, init, KP_NO_EXPECT);
	mh_probe_op(m, t, KP_OP_UNREGISTER, xmit, KP_NO_EXPECT);
	mh_expect_done(m, mh_run_first(m));
	for (unsigned op = 5; op <= 7; op++)
		assert_refused(m, t, op);
	assert_false(kp_env_module(m->run.env, "mod_b")->loaded);
	assert_int_equal(mh_p(m, init)->pre_calls, 1);
	assert_int_equal(mh_p(m, xmit)->pre_calls, 1);
	assert_true(mh_flags(m, init) & KP_SNAP_GONE);
	assert_true(mh_flags(m, xmit) & KP_SNAP_GONE);
	assert_int_equal(user_events(m, "module-fail-init", "mod_b"), 1);
	mh_free(m);
}

/*
 * delete_module refuses a module somebody holds a reference on.  register_kprobe holds one
 * on the probed module only while it patches (it drops it before returning), so the
 * refusal shows only when the unload runs in the middle of a registration.  In the
 * kernel every interleaving ends in one of three ways:
 *  - the unload came first: the registration finds no module text, or a GOING module
 *    (try_module_get fails), and returns -EINVAL;
 *  - the unload came during the registration: refused, the module stays, the probe
 *    works;
 *  - the unload came after it: the probe is killed (GONE) and stays registered.
 * Only the refusal is checked, not its code (the kernel's is -EWOULDBLOCK, from
 * __try_stop_module()).
 *
 * Left out: runs where the registration's address checks fall between the unload's
 * unlink and the freeing of the text.  In the kernel the unlink is done under
 * stop_machine and kernel_text_address() consults the module list, so such a
 * registration gets -EINVAL; in the model kernel_text_address() still accepts the text
 * there while __module_text_address() finds no module, and the registration goes on as
 * if the text were the kernel's (-EILSEQ once the text is freed, or text-poke-freed).
 * Those runs are counted and reported, not judged.
 */
static void test_module_unload_busy_during_register(void **state)
{
	unsigned busy = 0, before = 0, after = 0, window = 0, early = 0;

	(void)state;
	for (uint64_t seed = 1; seed <= 400; seed++) {
		Mh *m = mh_new(2);
		unsigned p = mh_probe(m, "p", "mod_a_work", 0, false);
		unsigned t0 = mh_task(m, "reg", 0), t1 = mh_task(m, "rmmod", 1);
		struct module *mod;
		long reg, unload;
		SimEnd end;

		mh_text_op(m, t0, KP_OP_MODULE_LOAD, "mod_a", 0);
		mh_text_op(m, t0, KP_OP_MODULE_LIVE, "mod_a", 0);
		mh_probe_op(m, t0, KP_OP_REGISTER, p, KP_NO_EXPECT);
		mh_sleep(m, t1, 1);
		mh_text_op(m, t1, KP_OP_MODULE_UNLOAD, "mod_a", KP_NO_EXPECT);
		end = mh_run_seed(m, seed);
		if (end != SIM_END_DONE) {
			const SimViolation *v = sim_violation_fatal(m->ctx);

			if (!v || strcmp(v->id, "text-poke-freed"))
				mh_explain(m);
			assert_int_equal(end, SIM_END_VIOLATION);
			assert_string_equal(v->id, "text-poke-freed");
			window++;
			mh_free(m);
			continue;
		}
		/* Every other run completes without an invariant reported. */
		mh_expect_done(m, end);
		reg = mh_result(m, t0, 2);
		unload = mh_result(m, t1, 1);
		mod = kp_env_module(m->run.env, "mod_a");
		/* Nobody holds the module once every call has returned. */
		assert_int_equal(mod->refcount, 0);
		if (!user_events(m, "module-unload", "mod_a")) {
			/* rmmod came before the module was live: refused, not our case */
			assert_true(unload < 0);
			assert_true(mod->loaded);
			early++;
		} else if (unload < 0) {
			busy++;
			assert_int_equal(reg, 0);
			assert_true(mod->loaded);
			assert_int_equal(mod->state, MODULE_STATE_LIVE);
			assert_false(mh_flags(m, p) & KP_SNAP_GONE);
			/* armed: its int3, or its jump if the optimizer ran meanwhile */
			assert_true(text_byte(m, "mod_a_work", 0) == CC ||
				    text_byte(m, "mod_a_work", 0) == E9);
		} else if (reg == 0) {
			after++;
			assert_false(mod->loaded);
			assert_true(mh_flags(m, p) & KP_SNAP_GONE);
		} else if (reg == -EILSEQ) {
			window++;
		} else {
			before++;
			assert_false(mod->loaded);
			assert_int_equal(reg, -EINVAL);
		}
		mh_free(m);
	}
	print_message("# unload before %u, during %u (refused), after %u registrations; "
		      "%u in the unlink window (not judged), %u before LIVE\n", before, busy, after,
		      window, early);
	assert_true(busy > 0);
	assert_true(before > 0);
}

/*
 * free_initmem frees the kernel's __init text and tells kprobes nothing (no module
 * notification reaches kprobes_module_callback()): a probe there stays registered and not
 * GONE (its int3 is in freed memory), the registration of a new one fails (no longer
 * kernel text), and a CPU calling the function executes freed text.  The probe sits on
 * f_init_table's ret, which cannot be optimized, so what is in the freed text is its
 * int3.
 */
static void test_free_initmem(void **state)
{
	Mh *m = mh_new(1);
	unsigned p = mh_probe(m, "p", "f_init_table", 0x3c, false);
	unsigned q = mh_probe(m, "q", "f_init_table", 0x7, false);
	unsigned t = mh_task(m, "t", 0);
	const SimViolation *v;
	KpSnapshot *s;
	const KpSnapEntry *e;

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, p, 0);
	mh_call(m, t, "f_init_setup", 2);	/* calls f_init_table */
	mh_op(m, t, KP_OP_FREE_INITMEM, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, q, -EINVAL);
	mh_sleep(m, t, 6);
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(mh_p(m, p)->pre_calls, 2);
	assert_int_equal(mh_flags(m, p), 0);
	assert_int_equal(user_events(m, "free-initmem", NULL), 1);
	s = mh_snapshot(m);
	e = entry_at(s, "f_init_table", 0x3c);
	assert_int_equal(e->probe, (int)p);
	assert_int_equal(e->flags, 0);
	assert_int_not_equal(e->ss_slot, 0);
	assert_int_equal(s->n_entries, 1);
	g_free(s);

	mh_call(m, t, "f_init_table", 1);
	assert_int_equal(mh_run_first(m), SIM_END_VIOLATION);
	v = sim_violation_fatal(m->ctx);
	assert_non_null(v);
	assert_string_equal(v->id, "cpu-fetch-freed");
	assert_int_equal(mh_p(m, p)->pre_calls, 2);
	mh_free(m);
}

/* ---- CPU hotplug ---- */

/*
 * cpu_up / cpu_down refuse what the hotplug code refuses (-EINVAL in kernel/cpu.c for a
 * CPU that is not there or already in the requested state).  CPU 0 is only checked for
 * refusal: the kernel's answer is -EBUSY, from native_cpu_disable().
 */
static void test_cpu_hotplug_errors(void **state)
{
	Mh *m = mh_new(2);
	unsigned t = mh_task(m, "t", 0);

	(void)state;
	mh_op(m, t, KP_OP_CPU_UP, -EINVAL)->arg = 1;	/* already online */
	mh_op(m, t, KP_OP_CPU_UP, -EINVAL)->arg = 2;	/* no such CPU */
	mh_op(m, t, KP_OP_CPU_DOWN, -EINVAL)->arg = 2;
	mh_op(m, t, KP_OP_CPU_DOWN, KP_NO_EXPECT)->arg = 0;	/* 3: the boot CPU */
	mh_op(m, t, KP_OP_CPU_DOWN, 0)->arg = 1;
	mh_op(m, t, KP_OP_CPU_DOWN, -EINVAL)->arg = 1;	/* already offline */
	mh_op(m, t, KP_OP_CPU_UP, 0)->arg = 1;
	mh_expect_done(m, mh_run_first(m));
	assert_refused(m, t, 3);
	assert_int_equal(mh_count_events(m, SIM_EV_CPU_OFFLINE, NULL, -1), 1);
	assert_int_equal(mh_count_events(m, SIM_EV_CPU_ONLINE, NULL, -1), 1);
	assert_true(sim_vcpu_online(m->ctx, 1));
	mh_free(m);
}

/*
 * With vCPU 1 down, the optimizer's text_poke_smp (a stop_machine) completes and
 * installs the jump; after vCPU 1 is back, the probe keeps working and its delayed
 * unoptimization completes too (each a stop_machine, as is the cpu_down itself).  The
 * task bound to vCPU 1 sleeps through the outage (it was moved to vCPU 0).
 */
static void test_cpu_down_up(void **state)
{
	Mh *m = mh_new(2);
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned t0 = mh_task(m, "t0", 0), t1 = mh_task(m, "t1", 1);
	KpSnapshot *s;

	(void)state;
	mh_op(m, t0, KP_OP_CPU_DOWN, 0)->arg = 1;
	mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
	mh_sleep(m, t0, 6);
	mh_call(m, t0, "f_small", 1);
	mh_op(m, t0, KP_OP_CPU_UP, 0)->arg = 1;
	mh_call(m, t0, "f_small", 1);
	mh_sleep(m, t1, 20);
	mh_call(m, t1, "f_small", 2);
	mh_probe_op(m, t1, KP_OP_UNREGISTER, a, KP_NO_EXPECT);
	mh_sleep(m, t1, 6);
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(mh_p(m, a)->pre_calls, 4);
	assert_int_equal(mh_nmissed(m, a), 0);
	assert_true(mh_count_events(m, SIM_EV_STOP_BEGIN, NULL, -1) >= 3);
	s = mh_snapshot(m);
	assert_int_equal(s->n_entries, 0);
	g_free(s);
	assert_true(mh_text_is_original(m, "f_small", 0, 5));
	assert_true(sim_vcpu_online(m->ctx, 1));
	mh_free(m);
}

/* ---- the sysctl debug.kprobes-optimization (proc_kprobes_optimization_handler()) ---- */

/*
 * proc_dointvec_minmax() on the 0..1 entry, one write after another, each followed by a
 * read: leading whitespace is skipped, the base comes from the prefix (0x hex, 0 octal),
 * one integer is parsed and a whitespace separator may follow; anything else, or a value
 * out of range, is -EINVAL and leaves the setting alone.  An empty write changes nothing
 * and succeeds.  No probe is registered, so the optimizer is never involved.
 */
static void test_sysctl_parse(void **state)
{
	static const struct {
		const char *text;
		int ret;
		int value;	/* read back afterwards */
	} cases[] = {
		{ "0", 0, 0 },
		{ " 1\n", 0, 1 },
		{ "0\n", 0, 0 },
		{ "0x1", 0, 1 },
		{ "2", -EINVAL, 1 },		/* out of range */
		{ "abc", -EINVAL, 1 },		/* not a number */
		{ "", 0, 1 },			/* nothing written */
		{ "-1", -EINVAL, 1 },		/* below min */
		{ "-0", 0, 0 },
		{ "01", 0, 1 },			/* octal */
		{ "0xA", -EINVAL, 1 },		/* 10 */
		{ "09", -EINVAL, 1 },		/* octal 0, then a trailing '9' */
		{ "0x", -EINVAL, 1 },		/* octal 0, then a trailing 'x' */
		{ "1x", -EINVAL, 1 },		/* trailing garbage */
		{ "\t0\t", 0, 0 },
		{ "   ", -EINVAL, 0 },		/* only whitespace: nothing parsed */
		{ "4294967297", 0, 1 },		/* truncated to int: 1 */
		{ "1 0", 0, 1 },		/* one value; the rest is left */
		{ "000000000000000000000", -EINVAL, 1 },	/* fills the 21-byte buffer */
		{ "0000000000000000000001", -EINVAL, 1 },	/* longer: cut to 21 */
		{ "-", -EINVAL, 1 },
	};
	KpOp ops[2 * G_N_ELEMENTS(cases) + 1];
	Mh *m = mh_new(1);
	unsigned t = big_task(m, "t", 0, ops);

	(void)state;
	mh_op(m, t, KP_OP_SYSCTL_READ, 1);	/* optimization is on at boot */
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		mh_text_op(m, t, KP_OP_SYSCTL_WRITE, cases[i].text, cases[i].ret);
		mh_op(m, t, KP_OP_SYSCTL_READ, cases[i].value);
	}
	mh_expect_done(m, mh_run_first(m));
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		assert_int_equal(mh_result(m, t, 1 + 2 * (unsigned)i), cases[i].ret);
		assert_int_equal(mh_result(m, t, 2 + 2 * (unsigned)i), cases[i].value);
	}
	assert_int_equal(user_events(m, "sysctl-write", NULL), G_N_ELEMENTS(cases));
	mh_free(m);
}

/*
 * Turning optimization off before any probe exists, then on with probes registered:
 * while off, a registered probe stays on its int3 however long one waits; writing 1
 * runs optimize_all_kprobes(), which queues every enabled optimizable probe (not the
 * disabled one) and the optimizer installs the jumps.  Writing 1 again, or a write that
 * fails, changes nothing.
 */
static void test_sysctl_optimize_all(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned b = mh_probe(m, "b", "f_medium", 0, false);
	unsigned d = mh_probe_spec(m, (KpProbeSpec){ .name = "d", .kind = KP_PROBE_KPROBE,
						     .symbol = "f_large", .pre = true,
						     .disabled = true });
	unsigned t = mh_task(m, "t", 0);
	KpSnapshot *s;

	(void)state;
	mh_text_op(m, t, KP_OP_SYSCTL_WRITE, "0", 0);
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, b, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, d, 0);
	mh_sleep(m, t, 12);
	mh_call(m, t, "f_small", 1);
	mh_expect_done(m, mh_run_first(m));
	s = mh_snapshot(m);
	assert_false(s->allow_optimization);
	assert_false(entry_at(s, "f_small", 0)->flags & KP_SNAP_OPTIMIZED);
	assert_int_equal(entry_at(s, "f_small", 0)->list, KP_SNAP_LIST_NONE);
	assert_int_equal(s->n_optimizing, 0);
	assert_false(s->work_pending);
	g_free(s);
	assert_int_equal(text_byte(m, "f_small", 0), CC);
	assert_int_equal(text_byte(m, "f_medium", 0), CC);
	assert_int_equal(mh_p(m, a)->pre_calls, 1);

	mh_text_op(m, t, KP_OP_SYSCTL_WRITE, "1", 0);
	mh_op(m, t, KP_OP_SYSCTL_READ, 1);
	mh_sleep(m, t, 6);
	mh_text_op(m, t, KP_OP_SYSCTL_WRITE, "1", 0);
	mh_text_op(m, t, KP_OP_SYSCTL_WRITE, "x", -EINVAL);
	mh_call(m, t, "f_small", 2);
	mh_call(m, t, "f_medium", 1);
	mh_call(m, t, "f_large", 1);
	mh_expect_done(m, mh_run_first(m));
	s = mh_snapshot(m);
	assert_true(s->allow_optimization);
	assert_true(entry_at(s, "f_small", 0)->flags & KP_SNAP_OPTIMIZED);
	assert_true(entry_at(s, "f_medium", 0)->flags & KP_SNAP_OPTIMIZED);
	assert_false(entry_at(s, "f_large", 0)->flags & KP_SNAP_OPTIMIZED);
	g_free(s);
	assert_int_equal(text_byte(m, "f_small", 0), E9);
	assert_int_equal(text_byte(m, "f_medium", 0), E9);
	assert_true(mh_text_is_original(m, "f_large", 0, 5));
	assert_int_equal(mh_p(m, a)->pre_calls, 3);
	assert_int_equal(mh_p(m, b)->pre_calls, 1);
	assert_int_equal(mh_p(m, d)->pre_calls, 0);
	mh_free(m);
}

/* ---- the debugfs file kprobes/enabled (write_enabled_file_bool()) ---- */

/*
 * Only the first character counts: 1/y/Y arm, 0/n/N disarm, anything else does nothing;
 * every write returns its length.  A read shows "1\n" while armed.  Arming when armed and
 * disarming when disarmed return at once.  The probe cannot be optimized (f_jcc_early),
 * so its text is its int3 when armed and the original when disarmed.
 */
static void test_debugfs_first_character(void **state)
{
	static const struct {
		const char *text;
		bool armed;	/* afterwards */
	} cases[] = {
		{ "n", false }, { "x", false }, { "Y", true }, { "x", true }, { "N", false },
		{ "y", true }, { "0", false }, { "0", false }, { "2", false }, { "1", true },
		{ "1", true }, { "no", false }, { "yes", true }, { "nonsense", false },
		{ " 1", false }, { "Yes\n", true },
	};
	KpOp ops[3 * G_N_ELEMENTS(cases) + 4];
	Mh *m = mh_new(1);
	unsigned c = mh_probe(m, "c", "f_jcc_early", 0, false);
	unsigned t = big_task(m, "t", 0, ops);
	uint64_t want_calls = 0;

	(void)state;
	mh_op(m, t, KP_OP_DEBUGFS_READ, 1);
	mh_probe_op(m, t, KP_OP_REGISTER, c, 0);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		mh_text_op(m, t, KP_OP_DEBUGFS_WRITE, cases[i].text, (long)strlen(cases[i].text));
		mh_op(m, t, KP_OP_DEBUGFS_READ, cases[i].armed);
		mh_call(m, t, "f_jcc_early", 1);
		want_calls += cases[i].armed;
	}
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(mh_p(m, c)->pre_calls, want_calls);
	assert_int_equal(mh_count_events(m, SIM_EV_USER, "debugfs-write", -1),
			 G_N_ELEMENTS(cases));

	/* The text follows every write: stop after each one and look. */
	for (size_t n = 1; n <= G_N_ELEMENTS(cases); n++) {
		KpSnapshot *s;

		m->script.tasks[t].n_ops = 2 + 3 * (unsigned)n - 1;	/* up to the read */
		mh_expect_done(m, mh_run_first(m));
		s = mh_snapshot(m);
		assert_int_equal(s->all_disarmed, !cases[n - 1].armed);
		g_free(s);
		assert_int_equal(text_byte(m, "f_jcc_early", 0), cases[n - 1].armed ? CC : 0x48);
	}
	mh_free(m);
}

/*
 * disarm_all_kprobes() and arm_all_kprobes() over probes in several states, before the
 * optimizer's first run: a probe queued for optimization (OPTIMIZED, on optimizing_list)
 * is dequeued and disarmed, a disabled probe is left alone, an independent probe and an
 * aggregate with a post handler lose their int3s.  Arming puts the int3s back on the
 * enabled ones only, and does not optimize (arm_all_kprobes(): the flag is still set while
 * __arm_kprobe() runs), so the optimizable probe stays on its int3 afterwards, which the
 * checker reports at quiescence as P3 (a performance property of the kernel).
 */
static void test_arm_disarm_all(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned b = mh_probe_spec(m, (KpProbeSpec){ .name = "b", .kind = KP_PROBE_KPROBE,
						     .symbol = "f_large", .pre = true,
						     .disabled = true });
	unsigned c = mh_probe(m, "c", "f_jcc_early", 0, false);
	unsigned d1 = mh_probe(m, "d1", "f_medium", 0x6, false);
	unsigned d2 = mh_probe(m, "d2", "f_medium", 0x6, true);
	unsigned j = mh_jprobe(m, "j", "f_join");
	unsigned t = mh_task(m, "t", 0);
	KpSnapshot *s;

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, b, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, c, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, d1, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, d2, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, j, 0);
	mh_text_op(m, t, KP_OP_DEBUGFS_WRITE, "0", 1);
	mh_call(m, t, "f_small", 1);
	mh_call(m, t, "f_jcc_early", 1);
	mh_call(m, t, "f_medium", 1);
	mh_call(m, t, "f_join", 1);
	mh_expect_done(m, mh_run_first(m));
	s = mh_snapshot(m);
	assert_true(s->all_disarmed);
	assert_int_equal(s->n_optimizing + s->n_unoptimizing, 0);
	assert_false(entry_at(s, "f_small", 0)->flags & KP_SNAP_OPTIMIZED);
	assert_false(s->work_pending);
	g_free(s);
	assert_true(mh_text_is_original(m, "f_small", 0, 16));
	assert_true(mh_text_is_original(m, "f_large", 0, 16));
	assert_true(mh_text_is_original(m, "f_jcc_early", 0, 16));
	assert_true(mh_text_is_original(m, "f_medium", 0, 16));
	assert_true(mh_text_is_original(m, "f_join", 0, 16));
	assert_int_equal(mh_p(m, a)->pre_calls + mh_p(m, c)->pre_calls +
			 mh_p(m, d1)->pre_calls + mh_p(m, d2)->pre_calls +
			 mh_p(m, j)->pre_calls, 0);
	assert_int_equal(mh_flags(m, b) & KP_SNAP_DISABLED, KP_SNAP_DISABLED);

	mh_text_op(m, t, KP_OP_DEBUGFS_WRITE, "1", 1);
	mh_sleep(m, t, 12);
	mh_call(m, t, "f_small", 1);
	mh_call(m, t, "f_large", 1);
	mh_call(m, t, "f_jcc_early", 1);
	mh_call(m, t, "f_medium", 1);
	mh_call(m, t, "f_join", 1);
	/* The run completes; P3 is its only report. */
	mh_expect_ids_done(m, mh_run_first(m), "P3");
	assert_string_equal(mh_reported(m, "P3")->message, P3_F_SMALL);
	s = mh_snapshot(m);
	assert_false(s->all_disarmed);
	assert_false(entry_at(s, "f_small", 0)->flags & KP_SNAP_OPTIMIZED);
	assert_int_equal(entry_at(s, "f_small", 0)->list, KP_SNAP_LIST_NONE);
	g_free(s);
	assert_int_equal(text_byte(m, "f_small", 0), CC);
	assert_true(mh_text_is_original(m, "f_large", 0, 16));
	assert_int_equal(text_byte(m, "f_jcc_early", 0), CC);
	assert_int_equal(text_byte(m, "f_medium", 0x6), CC);
	assert_int_equal(text_byte(m, "f_join", 0), CC);
	/* f_small once by itself and once from f_join */
	assert_int_equal(mh_p(m, a)->pre_calls, 2);
	assert_int_equal(mh_p(m, b)->pre_calls, 0);
	assert_int_equal(mh_p(m, c)->pre_calls, 1);
	assert_int_equal(mh_p(m, d1)->pre_calls, 1);
	assert_int_equal(mh_p(m, d2)->post_calls, 1);
	assert_int_equal(mh_p(m, j)->pre_calls, 1);
	mh_free(m);
}

/* ---- jprobes and kretprobes ---- */

/*
 * register_jprobe(s) / unregister_jprobe(s), enable/disable_jprobe: the same paths as
 * kprobes underneath.  After unregistration the text is original and no handler runs.
 */
static void test_jprobe_register_unregister(void **state)
{
	Mh *m = mh_new(1);
	unsigned j = mh_jprobe(m, "j", "f_small");
	unsigned j1 = mh_jprobe(m, "j1", "f_medium");
	unsigned j2 = mh_jprobe(m, "j2", "f_jcc_early");
	unsigned t = mh_task(m, "t", 0);
	const unsigned batch[] = { j1, j2 };
	KpSnapshot *s;

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, j, 0);
	mh_batch_op(m, t, KP_OP_REGISTER, batch, 2, 0);
	mh_call(m, t, "f_small", 1);
	mh_call(m, t, "f_medium", 1);
	mh_call(m, t, "f_jcc_early", 1);
	mh_probe_op(m, t, KP_OP_DISABLE, j1, 0);
	mh_call(m, t, "f_medium", 1);
	mh_probe_op(m, t, KP_OP_ENABLE, j1, 0);
	mh_call(m, t, "f_medium", 1);
	mh_probe_op(m, t, KP_OP_UNREGISTER, j, KP_NO_EXPECT);
	mh_batch_op(m, t, KP_OP_UNREGISTER, batch, 2, KP_NO_EXPECT);
	mh_call(m, t, "f_small", 1);
	mh_call(m, t, "f_medium", 1);
	mh_call(m, t, "f_jcc_early", 1);
	/* unregistering again finds nothing: no effect */
	mh_probe_op(m, t, KP_OP_UNREGISTER, j, KP_NO_EXPECT);
	mh_batch_op(m, t, KP_OP_UNREGISTER, batch, 2, KP_NO_EXPECT);
	mh_probe_op(m, t, KP_OP_ENABLE, j, -EINVAL);
	mh_probe_op(m, t, KP_OP_DISABLE, j2, -EINVAL);
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(mh_p(m, j)->pre_calls, 1);
	assert_int_equal(mh_p(m, j1)->pre_calls, 2);
	assert_int_equal(mh_p(m, j2)->pre_calls, 1);
	s = mh_snapshot(m);
	assert_int_equal(s->n_entries, 0);
	assert_int_equal(s->current_kprobe[0], 0);
	g_free(s);
	assert_true(mh_text_is_original(m, "f_small", 0, 16));
	assert_true(mh_text_is_original(m, "f_medium", 0, 16));
	assert_true(mh_text_is_original(m, "f_jcc_early", 0, 16));
	mh_free(m);
}

/*
 * register_jprobes() on a batch whose second entry is not a function start: the first is
 * unregistered again and the error returned.
 */
static void test_jprobe_batch_failure(void **state)
{
	Mh *m = mh_new(1);
	unsigned ok = mh_jprobe(m, "ok", "f_small");
	unsigned bad = mh_probe_spec(m, (KpProbeSpec){ .name = "bad", .kind = KP_PROBE_JPROBE,
						       .addr = mh_sym_addr("f_medium", 0x6) });
	unsigned t = mh_task(m, "t", 0);
	const unsigned batch[] = { ok, bad };
	KpSnapshot *s;

	(void)state;
	mh_batch_op(m, t, KP_OP_REGISTER, batch, 2, -EINVAL);
	mh_probe_op(m, t, KP_OP_DISABLE, ok, -EINVAL);
	mh_call(m, t, "f_small", 1);
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(mh_p(m, ok)->pre_calls, 0);
	s = mh_snapshot(m);
	assert_int_equal(s->n_entries, 0);
	g_free(s);
	assert_true(mh_text_is_original(m, "f_small", 0, 16));
	mh_free(m);
}

/*
 * register_kretprobe(s) / unregister_kretprobe(s) (cleanup_rp_inst frees the instance
 * pool), enable/disable_kretprobe; a batch with a bad address unregisters its prefix.
 */
static void test_kretprobe_register_unregister(void **state)
{
	Mh *m = mh_new(1);
	unsigned r = mh_kretprobe(m, "r", "f_small");
	unsigned r1 = mh_kretprobe(m, "r1", "f_medium");
	unsigned r2 = mh_kretprobe(m, "r2", "f_jcc_early");
	unsigned r3 = mh_kretprobe(m, "r3", "f_large");
	unsigned bad = mh_kretprobe(m, "bad", "mod_a_work");	/* not loaded: no symbol */
	unsigned t = mh_task(m, "t", 0);
	const unsigned batch[] = { r1, r2 }, failing[] = { r3, bad };
	KpSnapshot *s;

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, r, 0);
	mh_batch_op(m, t, KP_OP_REGISTER, batch, 2, 0);
	mh_batch_op(m, t, KP_OP_REGISTER, failing, 2, -EINVAL);
	mh_probe_op(m, t, KP_OP_DISABLE, r3, -EINVAL);	/* unregistered again */
	mh_call(m, t, "f_small", 1);
	mh_call(m, t, "f_medium", 1);
	mh_call(m, t, "f_jcc_early", 1);
	mh_call(m, t, "f_large", 1);
	mh_probe_op(m, t, KP_OP_DISABLE, r2, 0);
	mh_call(m, t, "f_jcc_early", 1);
	mh_probe_op(m, t, KP_OP_ENABLE, r2, 0);
	mh_call(m, t, "f_jcc_early", 1);
	mh_probe_op(m, t, KP_OP_UNREGISTER, r, KP_NO_EXPECT);
	mh_batch_op(m, t, KP_OP_UNREGISTER, batch, 2, KP_NO_EXPECT);
	mh_call(m, t, "f_small", 1);
	mh_call(m, t, "f_medium", 1);
	mh_call(m, t, "f_jcc_early", 1);
	mh_probe_op(m, t, KP_OP_ENABLE, r1, -EINVAL);
	/* unregistering again finds nothing: no effect */
	mh_probe_op(m, t, KP_OP_UNREGISTER, r, KP_NO_EXPECT);
	mh_batch_op(m, t, KP_OP_UNREGISTER, batch, 2, KP_NO_EXPECT);
	mh_sleep(m, t, 6);
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(mh_p(m, r)->pre_calls, 1);
	assert_int_equal(mh_p(m, r1)->pre_calls, 1);
	assert_int_equal(mh_p(m, r2)->pre_calls, 2);
	assert_int_equal(mh_p(m, r3)->pre_calls, 0);
	assert_int_equal(mh_p(m, bad)->pre_calls, 0);
	s = mh_snapshot(m);
	assert_int_equal(s->n_entries, 0);
	g_free(s);
	assert_true(mh_text_is_original(m, "f_small", 0, 16));
	assert_true(mh_text_is_original(m, "f_medium", 0, 16));
	assert_true(mh_text_is_original(m, "f_jcc_early", 0, 16));
	assert_true(mh_text_is_original(m, "f_large", 0, 16));
	mh_free(m);
}

/*
 * pre_handler_kretprobe(): an instance the entry handler refuses (non-zero) is not given
 * back to the pool at this commit.  maxactive defaults to num_possible_cpus() (no
 * CONFIG_PREEMPT), so on two CPUs the third hit finds the pool empty: the entry handler
 * no longer runs (the miss goes to rp->nmissed, which the descriptor's nmissed adds to
 * the kprobe's).  A kretprobe whose entry handler accepts keeps
 * recycling its instances.
 */
static void test_kretprobe_instances_exhausted(void **state)
{
	Mh *m = mh_new(2);
	unsigned r = mh_probe_spec(m, (KpProbeSpec){ .name = "r", .kind = KP_PROBE_KRETPROBE,
						     .symbol = "f_jcc_early", .pre = true,
						     .pre_ret = 1 });
	unsigned ok = mh_kretprobe(m, "ok", "f_small");
	unsigned t = mh_task(m, "t", 0);

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, r, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, ok, 0);
	mh_call(m, t, "f_jcc_early", 5);
	mh_call(m, t, "f_small", 5);
	/* Each refused instance is lost (the kernel at this commit): R1 at the end. */
	mh_expect_ids_done(m, mh_run_first(m), "R1");
	mh_expect_reported(m, "R1", "4 kretprobe instances are allocated but 2 are on free lists");
	assert_int_equal(mh_p(m, r)->pre_calls, 2);
	assert_int_equal(mh_p(m, ok)->pre_calls, 5);
	/* A kretprobe's nmissed counts the entries that found the pool empty (rp->nmissed). */
	assert_int_equal(mh_nmissed(m, r), 3);
	assert_int_equal(mh_nmissed(m, ok), 0);
	mh_free(m);
}

/* ---- the slot caches (get_insn_slot(), free_insn_slot()) ---- */

/* Slots of the last run's snapshot: detour (optinsn) or single-step, in a state. */
static unsigned count_slots(const KpSnapshot *s, bool optinsn, KpSlotState state)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->n_slots; i++)
		n += s->slots[i].optinsn == optinsn && s->slots[i].state == state;
	return n;
}

/* Grace periods task `task` waited for in the last run. */
static size_t grace_periods(Mh *m, int task)
{
	return mh_count_events(m, SIM_EV_GP_START, NULL, task);
}

/*
 * Register and unregister an optimizable probe again and again, never letting the
 * optimizer run.  Each registration prepares a detour buffer (alloc_aggr_kprobe); each
 * unregistration frees it dirty (free_aggr_kprobe -> arch_remove_optimized_kprobe), so
 * dirty slots pile up on the first detour page, which holds PAGE_SIZE / MAX_OPTINSN_SIZE
 * = 83 of them.  The 84th registration finds the page full, collects the garbage (one
 * synchronize_sched) and takes the first slot again; no second page is allocated.
 * (The collection from __free_insn_slot, once more than 83 slots are dirty, needs a
 * second page, i.e. 84 detour buffers in use at once: more probes than a script has.)
 */
static void test_slot_garbage_collection(void **state)
{
	enum { SLOTS = 4096 / 49, CYCLES = SLOTS };
	KpOp ops[2 * CYCLES + 3];
	Mh *m = mh_new(1);
	/*
	 * By address: a symbol probe cannot be registered again (its addr is then set).
	 * Disabled: unregistration leaves DISABLED in its flags, which register_kprobe()
	 * keeps, so every registration after the first is a disabled one anyway.
	 */
	unsigned a = mh_probe_spec(m, (KpProbeSpec){ .name = "a", .kind = KP_PROBE_KPROBE,
						     .addr = mh_sym_addr("f_small", 0),
						     .pre = true, .disabled = true });
	unsigned t = big_task(m, "t", 0, ops);
	uint64_t first_detour;
	KpSnapshot *s;
	int task;

	(void)state;
	/* One registration: where the first detour buffer is. */
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_expect_done(m, mh_run_first(m));
	s = mh_snapshot(m);
	first_detour = entry_at(s, "f_small", 0)->detour;
	assert_int_not_equal(first_detour, 0);
	assert_int_equal(count_slots(s, true, KP_SLOT_USED), 1);
	g_free(s);

	/* 83 cycles: every slot of the page dirty, nothing collected yet. */
	m->script.tasks[t].n_ops = 0;
	for (unsigned i = 0; i < CYCLES; i++) {
		mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
		mh_probe_op(m, t, KP_OP_UNREGISTER, a, KP_NO_EXPECT);
	}
	mh_expect_done(m, mh_run_first(m));
	s = mh_snapshot(m);
	assert_int_equal(count_slots(s, true, KP_SLOT_DIRTY), SLOTS);
	assert_int_equal(count_slots(s, true, KP_SLOT_USED), 0);
	for (unsigned i = 0; i < s->n_slots; i++)	/* all on the first page */
		if (s->slots[i].optinsn)
			assert_true(s->slots[i].addr >= first_detour &&
				    s->slots[i].addr < first_detour + 4096);
	g_free(s);
	task = mh_task_id(m, "t");
	/* one grace period per unregistration */
	assert_int_equal(grace_periods(m, task), CYCLES);

	/* The next registration collects them all and reuses the first slot. */
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t, KP_OP_ENABLE, a, 0);
	mh_call(m, t, "f_small", 1);
	mh_expect_done(m, mh_run_first(m));
	s = mh_snapshot(m);
	assert_int_equal(count_slots(s, true, KP_SLOT_DIRTY), 0);
	assert_int_equal(count_slots(s, true, KP_SLOT_USED), 1);
	assert_int_equal(entry_at(s, "f_small", 0)->detour, first_detour);
	g_free(s);
	assert_int_equal(grace_periods(m, mh_task_id(m, "t")), CYCLES + 1);
	assert_int_equal(mh_p(m, a)->pre_calls, 1);
	mh_free(m);
}

/* ---- registration paths around jump windows and aggregates ---- */

/*
 * Probes inside another probe's jump window.  Once a's jump is installed, no probe can
 * be registered at a+3: can_probe() decodes the current text, where the jump is one
 * 5-byte instruction, so a+3 is no instruction boundary (-EILSEQ), a refusal the image
 * does not justify, which the checker reports as A9.  While a is
 * only queued (OPTIMIZED, its int3 still in place), b at a+3 is accepted: __arm_kprobe(b)
 * finds a's window covering it (get_optimized_kprobe) and unoptimizes a, which just
 * dequeues it; a then stays on its int3 (b, enabled, sits in its window) while b gets a
 * jump of its own.  Disabling b before the optimizer's run dequeues and disarms it, and
 * __disarm_kprobe(b, reopt) tries to optimize a again, in vain: __disable_kprobe() sets
 * b's DISABLED only after disarm_kprobe() returns, so arch_check_optimized_kprobe()
 * still finds b enabled in a's window.  a stays on its int3 for good, which the checker
 * reports at quiescence as P3 (a performance property of the kernel).
 */
static void test_probe_inside_jump_window(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned b = mh_probe(m, "b", "f_small", 0x3, false);
	unsigned late = mh_probe(m, "late", "f_small", 0x3, false);
	unsigned t = mh_task(m, "t", 0);
	KpSnapshot *s;
	const KpSnapEntry *e;

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_sleep(m, t, 6);
	mh_probe_op(m, t, KP_OP_REGISTER, late, -EILSEQ);
	/* The checker's contract reports the refusal (A9), and the run goes on. */
	mh_expect_ids_done(m, mh_run_first(m), "A9");
	mh_expect_reported(m, "A9", "register_kprobe(late) at f_small+0x3 failed with -EILSEQ");
	assert_int_equal(text_byte(m, "f_small", 0), E9);

	m->script.tasks[t].n_ops = 1;
	mh_probe_op(m, t, KP_OP_REGISTER, b, 0);
	mh_call(m, t, "f_small", 1);
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(mh_p(m, a)->pre_calls, 1);
	assert_int_equal(mh_p(m, b)->pre_calls, 1);
	/* a's int3 was single-stepped or boosted; b's went to b's detour buffer */
	assert_int_equal(text_byte(m, "f_small", 0), CC);
	s = mh_snapshot(m);
	e = entry_at(s, "f_small", 0);
	assert_false(e->flags & KP_SNAP_OPTIMIZED);
	assert_int_equal(e->list, KP_SNAP_LIST_NONE);
	/* the optimizer ran once the task was done: b has its jump */
	assert_true(entry_at(s, "f_small", 0x3)->flags & KP_SNAP_OPTIMIZED);
	assert_int_equal(text_byte(m, "f_small", 0x3), E9);
	g_free(s);

	mh_probe_op(m, t, KP_OP_DISABLE, b, 0);
	mh_sleep(m, t, 6);
	mh_call(m, t, "f_small", 2);
	/* The run completes; P3 is its only report. */
	mh_expect_ids_done(m, mh_run_first(m), "P3");
	assert_string_equal(mh_reported(m, "P3")->message, P3_F_SMALL);
	assert_int_equal(mh_p(m, a)->pre_calls, 3);
	assert_int_equal(mh_p(m, b)->pre_calls, 1);
	assert_int_equal(text_byte(m, "f_small", 0), CC);
	assert_true(mh_text_is_original(m, "f_small", 1, 4));
	s = mh_snapshot(m);
	e = entry_at(s, "f_small", 0);
	assert_false(e->flags & KP_SNAP_OPTIMIZED);
	assert_int_equal(e->list, KP_SNAP_LIST_NONE);
	assert_false(s->work_pending);
	e = entry_at(s, "f_small", 0x3);
	assert_true(e->flags & KP_SNAP_DISABLED);
	assert_false(e->flags & KP_SNAP_OPTIMIZED);
	assert_int_equal(e->list, KP_SNAP_LIST_NONE);
	g_free(s);
	mh_free(m);
}

/*
 * An aggregate waiting for its delayed unoptimization (its only child disabled, the jump
 * still live) gets a new child with a post handler: add_new_kprobe() forces the
 * unoptimization now (the op leaves unoptimizing_list, the jump goes, and as the
 * aggregate is disabled its int3 goes too), then, the new child being enabled, clears the
 * aggregate's DISABLED and arms it again.
 */
static void test_post_child_on_aggregate_awaiting_unoptimization(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_small", 0, false);
	unsigned c = mh_probe(m, "c", "f_small", 0, true);
	unsigned t = mh_task(m, "t", 0);
	KpSnapshot *s;
	const KpSnapEntry *e;

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_sleep(m, t, 6);
	mh_probe_op(m, t, KP_OP_DISABLE, a, 0);	/* the jump stays until the optimizer runs */
	mh_probe_op(m, t, KP_OP_REGISTER, c, 0);
	mh_call(m, t, "f_small", 1);
	mh_sleep(m, t, 6);
	mh_call(m, t, "f_small", 1);
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(mh_count_events(m, SIM_EV_STOP_BEGIN, NULL, mh_task_id(m, "t")), 1);
	assert_int_equal(mh_p(m, a)->pre_calls, 0);
	assert_int_equal(mh_p(m, c)->pre_calls, 2);
	assert_int_equal(mh_p(m, c)->post_calls, 2);
	assert_int_equal(text_byte(m, "f_small", 0), CC);
	assert_true(mh_text_is_original(m, "f_small", 1, 4));
	s = mh_snapshot(m);
	e = entry_at(s, "f_small", 0);
	assert_int_equal(e->list, KP_SNAP_LIST_NONE);
	assert_int_equal(e->flags & (KP_SNAP_DISABLED | KP_SNAP_OPTIMIZED), 0);
	assert_true(e->post_handler);
	assert_int_equal(s->n_unoptimizing, 0);
	g_free(s);
	mh_free(m);
}

/*
 * A second probe where an independent probe is (one that could not be optimized, so no
 * aggregate was made for it): register_aggr_kprobe() wraps it into a new aggregate,
 * which is not optready either.
 */
static void test_second_probe_on_independent_probe(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_jcc_early", 0, false);
	unsigned b = mh_probe(m, "b", "f_jcc_early", 0, true);
	unsigned t = mh_task(m, "t", 0);
	KpSnapshot *s;
	const KpSnapEntry *e;

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_expect_done(m, mh_run_first(m));
	s = mh_snapshot(m);
	e = entry_at(s, "f_jcc_early", 0);
	assert_false(e->aggr);
	assert_int_equal(e->probe, (int)a);
	g_free(s);

	mh_probe_op(m, t, KP_OP_REGISTER, b, 0);
	mh_call(m, t, "f_jcc_early", 2);
	mh_expect_done(m, mh_run_first(m));
	s = mh_snapshot(m);
	e = entry_at(s, "f_jcc_early", 0);
	assert_true(e->aggr);
	assert_false(e->optready);
	assert_true(e->post_handler);
	assert_int_equal(e->n_children, 2);
	assert_int_equal(e->children[0], (int)b);
	assert_int_equal(e->children[1], (int)a);
	assert_int_not_equal(e->ss_slot, 0);
	g_free(s);
	assert_int_equal(mh_p(m, a)->pre_calls, 2);
	assert_int_equal(mh_p(m, b)->pre_calls, 2);
	assert_int_equal(mh_p(m, b)->post_calls, 2);
	mh_free(m);
}

/* ---- handlers ---- */

/*
 * What a KpProbeSpec's handlers change: a fault handler does not keep a probe off the
 * jump (optimize_kprobe() looks only at post and break handlers), alone or in an
 * aggregate.  The emulated CPUs raise no faults (there is no DIE_GPF path), so
 * kprobe_fault_handler() and the user fault handler are never called; nor is a plain
 * kprobe's break handler, which only the int3 of a jprobe_return() with that probe
 * running would reach.
 */
static void test_fault_handler_does_not_block_optimization(void **state)
{
	Mh *m = mh_new(1);
	unsigned f = mh_probe_spec(m, (KpProbeSpec){ .name = "f", .kind = KP_PROBE_KPROBE,
						     .symbol = "f_small", .pre = true,
						     .fault = true });
	unsigned g = mh_probe_spec(m, (KpProbeSpec){ .name = "g", .kind = KP_PROBE_KPROBE,
						     .symbol = "f_medium", .pre = true,
						     .fault = true });
	unsigned h = mh_probe(m, "h", "f_medium", 0, false);
	unsigned t = mh_task(m, "t", 0);
	KpSnapshot *s;

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, f, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, g, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, h, 0);
	mh_call(m, t, "f_small", 1);
	mh_sleep(m, t, 6);
	mh_call(m, t, "f_small", 1);
	mh_call(m, t, "f_medium", 2);
	mh_expect_done(m, mh_run_first(m));
	s = mh_snapshot(m);
	assert_true(entry_at(s, "f_small", 0)->flags & KP_SNAP_OPTIMIZED);
	assert_true(entry_at(s, "f_medium", 0)->flags & KP_SNAP_OPTIMIZED);
	assert_int_equal(entry_at(s, "f_medium", 0)->n_children, 2);
	g_free(s);
	assert_int_equal(text_byte(m, "f_small", 0), E9);
	assert_int_equal(text_byte(m, "f_medium", 0), E9);
	assert_int_equal(mh_p(m, f)->pre_calls, 2);
	assert_int_equal(mh_p(m, g)->pre_calls, 2);
	assert_int_equal(mh_p(m, h)->pre_calls, 2);
	assert_int_equal(mh_p(m, f)->fault_calls + mh_p(m, g)->fault_calls, 0);
	assert_int_equal(mh_count_events(m, SIM_EV_USER, "fault-handler", -1), 0);
	mh_free(m);
}

/* ---- the script runner ---- */

/*
 * An operation whose result differs from its expectation ends the run with an "expect"
 * violation naming the task and the operation; the results so far are kept.
 */
static void test_script_expectation_fails(void **state)
{
	Mh *m = mh_new(1);
	unsigned t = mh_task(m, "t", 0);
	const SimViolation *v;

	(void)state;
	mh_op(m, t, KP_OP_SYSCTL_READ, 1);
	mh_op(m, t, KP_OP_DEBUGFS_READ, 0);	/* it is 1 */
	mh_op(m, t, KP_OP_SYSCTL_READ, 1);
	assert_int_equal(mh_run_first(m), SIM_END_VIOLATION);
	v = sim_violation_fatal(m->ctx);
	assert_non_null(v);
	assert_string_equal(v->id, "expect");
	assert_string_equal(v->message, "task t: debugfs read returned 1, expected 0");
	assert_int_equal(m->run.failed_task, (int)t);
	assert_int_equal(m->run.failed_op, 1);
	assert_int_equal(mh_result(m, t, 0), 1);
	assert_int_equal(mh_result(m, t, 1), 1);
	mh_free(m);
}

/* A probe on a symbol the image does not have: the script does not run at all. */
static void test_script_unknown_symbol(void **state)
{
	Mh *m = mh_new(1);
	unsigned p = mh_probe(m, "p", "no_such_function", 0, false);
	unsigned t = mh_task(m, "t", 0);
	g_autoptr(GError) err = NULL;
	SimStrategy *strategy = sim_strategy_first_new();

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, p, 0);
	assert_int_equal(kp_script_run(m->ctx, &m->script, strategy, &m->run, &err), SIM_END_NONE);
	assert_non_null(err);
	assert_string_equal(err->message, "probe p: no symbol no_such_function");
	sim_strategy_free(strategy);
	mh_free(m);
}

/*
 * Calls and interrupts by address instead of symbol.  An interrupt raised on a vCPU that
 * has one pending already is merged (-EBUSY); under the first strategy none is delivered.
 */
static void test_script_ops_by_address(void **state)
{
	Mh *m = mh_new(2);
	unsigned a = mh_probe(m, "a", "f_jcc_early", 0, false);
	unsigned t = mh_task(m, "t", 0);
	KpOp *op;

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	op = mh_op(m, t, KP_OP_CALL, KP_NO_EXPECT);
	op->addr = mh_sym_addr("f_jcc_early", 0);
	op->arg = 3;
	op = mh_op(m, t, KP_OP_IRQ, 0);
	op->arg = 1;
	op->addr = mh_sym_addr("f_jcc_early", 0);
	op = mh_op(m, t, KP_OP_IRQ, -EBUSY);
	op->arg = 1;
	op->text = "f_small";
	mh_expect_done(m, mh_run_first(m));
	assert_int_equal(mh_p(m, a)->pre_calls, 3);
	assert_int_equal(mh_count_events(m, SIM_EV_USER, "irq", -1), 0);
	mh_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_module_loader_errors),
		cmocka_unit_test(test_module_live_kills_init_aggregate),
		cmocka_unit_test(test_module_unload_kills_everything),
		cmocka_unit_test(test_module_fail_init),
		cmocka_unit_test(test_module_unload_busy_during_register),
		cmocka_unit_test(test_free_initmem),
		cmocka_unit_test(test_cpu_hotplug_errors),
		cmocka_unit_test(test_cpu_down_up),
		cmocka_unit_test(test_sysctl_parse),
		cmocka_unit_test(test_sysctl_optimize_all),
		cmocka_unit_test(test_debugfs_first_character),
		cmocka_unit_test(test_arm_disarm_all),
		cmocka_unit_test(test_jprobe_register_unregister),
		cmocka_unit_test(test_jprobe_batch_failure),
		cmocka_unit_test(test_kretprobe_register_unregister),
		cmocka_unit_test(test_kretprobe_instances_exhausted),
		cmocka_unit_test(test_slot_garbage_collection),
		cmocka_unit_test(test_probe_inside_jump_window),
		cmocka_unit_test(test_post_child_on_aggregate_awaiting_unoptimization),
		cmocka_unit_test(test_second_probe_on_independent_probe),
		cmocka_unit_test(test_fault_handler_does_not_block_optimization),
		cmocka_unit_test(test_script_expectation_fails),
		cmocka_unit_test(test_script_unknown_symbol),
		cmocka_unit_test(test_script_ops_by_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
