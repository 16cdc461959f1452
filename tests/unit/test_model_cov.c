// SPDX-License-Identifier: GPL-2.0-only
/*
 * Corners of the model: the operations run without the invariant checker, the module
 * operations refused in the wrong module state, calls by address, GONE probes under
 * debugfs disarm/arm, handler calls racing with state changes, single-stepping special
 * instructions, can_optimize()'s jump rules, a scenario function that refuses the
 * environment, and the kernel shim's assertion ids, warnings and module references.
 */
#include "model_harness.h"

#include "arch_x86_emu/text.h"
#include "model/env.h"
#include "model/kernel/kernel.h"
#include "sim/violation.h"

#include <errno.h>

/*
 * Every operation that notifies the checker also works without it: sysctl and debugfs
 * reads report the current values, unregister removes the probe, and nothing is judged.
 */
static void test_ops_without_checker(void **state)
{
	Mh *m = mh_new(1);
	/* A post handler keeps it at int3: disarming an optimized probe is a kernel bug here
	 * (scenarios/debugfs/disarm-leaves-jump.kps). */
	unsigned a = mh_probe(m, "a", "f_medium", 0, true);
	unsigned t = mh_task(m, "t0", 0);
	SimEnd end;

	(void)state;
	m->script.check = false;
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_sleep(m, t, 20);
	/* (writing 0 here would run into the kernel's own sysctl bugs, see scenarios/sysctl) */
	mh_text_op(m, t, KP_OP_SYSCTL_WRITE, "1", 0);
	mh_op(m, t, KP_OP_SYSCTL_READ, 1);		/* op 3: optimization on */
	mh_op(m, t, KP_OP_DEBUGFS_READ, 1);		/* op 4: kprobes armed */
	mh_text_op(m, t, KP_OP_DEBUGFS_WRITE, "0", KP_NO_EXPECT);
	mh_op(m, t, KP_OP_DEBUGFS_READ, 0);		/* op 6: now disarmed */
	mh_text_op(m, t, KP_OP_DEBUGFS_WRITE, "1", KP_NO_EXPECT);
	mh_call(m, t, "f_medium", 1);
	mh_probe_op(m, t, KP_OP_UNREGISTER, a, KP_NO_EXPECT);
	mh_call(m, t, "f_medium", 1);
	end = mh_run_first(m);
	mh_expect_done(m, end);
	assert_null(sim_violation_fatal(m->ctx));
	assert_int_equal(mh_result(m, t, 3), 1);
	assert_int_equal(mh_result(m, t, 4), 1);
	assert_int_equal(mh_result(m, t, 6), 0);
	/* One hit while registered and armed; none after unregister. */
	assert_int_equal(mh_p(m, a)->pre_calls, 1);
	assert_int_equal(mh_p(m, a)->post_calls, 1);
	assert_true(mh_text_is_original(m, "f_medium", 0, 1));
	mh_free(m);
}

/*
 * The module operations check the module's state first: LIVE and FAIL_INIT need a
 * COMING module (-EINVAL), unload needs a loaded one (-ENOENT) that finished its init
 * (-EBUSY while COMING).  A failed init frees the module like an unload does.
 */
static void test_module_ops_wrong_state(void **state)
{
	Mh *m = mh_new(1);
	unsigned t = mh_task(m, "t0", 0);
	SimEnd end;

	(void)state;
	mh_text_op(m, t, KP_OP_MODULE_LIVE, "mod_a", -EINVAL);
	mh_text_op(m, t, KP_OP_MODULE_FAIL_INIT, "mod_a", -EINVAL);
	mh_text_op(m, t, KP_OP_MODULE_UNLOAD, "mod_a", -ENOENT);
	mh_text_op(m, t, KP_OP_MODULE_LOAD, "mod_a", 0);
	mh_text_op(m, t, KP_OP_MODULE_UNLOAD, "mod_a", -EBUSY);
	mh_text_op(m, t, KP_OP_MODULE_FAIL_INIT, "mod_a", 0);
	mh_text_op(m, t, KP_OP_MODULE_LIVE, "mod_a", -EINVAL);
	mh_text_op(m, t, KP_OP_MODULE_UNLOAD, "mod_a", -ENOENT);
	mh_text_op(m, t, KP_OP_MODULE_LOAD, "mod_b", 0);
	mh_text_op(m, t, KP_OP_MODULE_LIVE, "mod_b", 0);
	mh_text_op(m, t, KP_OP_MODULE_LIVE, "mod_b", -EINVAL);
	mh_text_op(m, t, KP_OP_MODULE_FAIL_INIT, "mod_b", -EINVAL);
	mh_text_op(m, t, KP_OP_MODULE_UNLOAD, "mod_b", 0);
	end = mh_run_first(m);
	mh_expect_done(m, end);
	assert_int_equal(m->run.failed_task, -1);
	assert_null(sim_violation_fatal(m->ctx));
	assert_false(kp_env_module(m->run.env, "mod_a")->loaded);
	assert_false(kp_env_module(m->run.env, "mod_b")->loaded);
	assert_null(kp_env_module(m->run.env, "no_such_module"));
	mh_free(m);
}

/* A call op with no symbol calls its absolute address: the probe there is hit. */
static void test_call_by_address(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "f_medium", 0, true);
	unsigned t = mh_task(m, "t0", 0);
	KpOp *op;
	SimEnd end;

	(void)state;
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	op = mh_op(m, t, KP_OP_CALL, KP_NO_EXPECT);
	op->addr = mh_sym_addr("f_medium", 0);
	op->arg = 3;
	end = mh_run_first(m);
	mh_expect_done(m, end);
	assert_int_equal(mh_p(m, a)->pre_calls, 3);
	assert_int_equal(mh_p(m, a)->post_calls, 3);
	assert_int_equal(mh_nmissed(m, a), 0);
	mh_free(m);
}

/*
 * A probe in a module that goes away becomes GONE: the debugfs disarm and re-arm leave
 * its freed text alone, and a GONE probe counts as disabled.  A probe that was never
 * registered cannot be enabled.  Meanwhile an ordinary probe is disarmed and re-armed.
 */
static void test_gone_probe_and_debugfs(void **state)
{
	Mh *m = mh_new(1);
	unsigned a = mh_probe(m, "a", "mod_a_work", 0, true);
	unsigned b = mh_probe(m, "b", "f_medium", 0, true);
	unsigned c = mh_probe(m, "c", "f_small", 0, true);
	unsigned t = mh_task(m, "t0", 0);
	SimEnd end;

	(void)state;
	mh_text_op(m, t, KP_OP_MODULE_LOAD, "mod_a", 0);
	mh_text_op(m, t, KP_OP_MODULE_LIVE, "mod_a", 0);
	mh_probe_op(m, t, KP_OP_REGISTER, a, 0);
	mh_probe_op(m, t, KP_OP_REGISTER, b, 0);
	mh_probe_op(m, t, KP_OP_ENABLE, c, -EINVAL);	/* op 4: not registered */
	mh_text_op(m, t, KP_OP_MODULE_UNLOAD, "mod_a", 0);
	mh_text_op(m, t, KP_OP_DEBUGFS_WRITE, "0", KP_NO_EXPECT);
	mh_op(m, t, KP_OP_DEBUGFS_READ, 0);
	mh_call(m, t, "f_medium", 1);			/* disarmed: no hit */
	mh_text_op(m, t, KP_OP_DEBUGFS_WRITE, "1", KP_NO_EXPECT);
	mh_op(m, t, KP_OP_DEBUGFS_READ, 1);
	mh_call(m, t, "f_medium", 1);
	mh_probe_op(m, t, KP_OP_DISABLE, a, 0);
	mh_probe_op(m, t, KP_OP_UNREGISTER, a, KP_NO_EXPECT);
	mh_probe_op(m, t, KP_OP_UNREGISTER, b, KP_NO_EXPECT);
	end = mh_run_first(m);
	mh_expect_done(m, end);
	assert_null(sim_violation_fatal(m->ctx));
	assert_int_equal(mh_p(m, b)->pre_calls, 1);
	assert_int_equal(mh_p(m, a)->pre_calls, 0);
	assert_int_equal(mh_p(m, c)->pre_calls, 0);
	assert_true(mh_text_is_original(m, "f_medium", 0, 1));
	mh_free(m);
}

/*
 * Calls racing with register/disable/enable/unregister of an int3 probe, over random
 * schedules: no invariant fails (H2/H3 judge each pass and each handler call), every run
 * completes, and each of the three calls makes at most one pre and one post handler
 * call.
 */
static void test_calls_race_state_changes(void **state)
{
	uint64_t total = 0;

	(void)state;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		Mh *m = mh_new(2);
		unsigned a = mh_probe(m, "a", "f_medium", 0, true);
		unsigned t0 = mh_task(m, "t0", 0);
		unsigned t1 = mh_task(m, "t1", 1);
		SimEnd end;

		mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
		mh_probe_op(m, t0, KP_OP_DISABLE, a, 0);
		mh_probe_op(m, t0, KP_OP_ENABLE, a, 0);
		mh_probe_op(m, t0, KP_OP_UNREGISTER, a, KP_NO_EXPECT);
		mh_call(m, t1, "f_medium", 3);
		end = mh_run_seed(m, seed);
		mh_expect_done(m, end);
		assert_null(sim_violation_fatal(m->ctx));
		assert_true(mh_p(m, a)->pre_calls <= 3);
		/* aggr_post_handler checks the child's flags again: a disable or enable
		 * between the two handlers makes them differ, each still at most 3. */
		assert_true(mh_p(m, a)->post_calls <= 3);
		total += mh_p(m, a)->pre_calls;
		mh_free(m);
	}
	assert_true(total > 0);	/* some schedules do hit the probe */
}

/*
 * Handler calls racing with the global switches (debugfs disarm/arm, sysctl reads and
 * a sysctl write that changes nothing) on an int3 probe, over random schedules: every run
 * completes without an invariant failing, and at most one pre handler call per call.
 */
static void test_calls_race_global_switches(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 30; seed++) {
		Mh *m = mh_new(2);
		unsigned a = mh_probe(m, "a", "f_medium", 0, true);
		unsigned t0 = mh_task(m, "t0", 0);
		unsigned t1 = mh_task(m, "t1", 1);
		SimEnd end;

		mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
		mh_text_op(m, t0, KP_OP_DEBUGFS_WRITE, "0", KP_NO_EXPECT);
		mh_op(m, t0, KP_OP_SYSCTL_READ, 1);
		mh_text_op(m, t0, KP_OP_DEBUGFS_WRITE, "1", KP_NO_EXPECT);
		mh_text_op(m, t0, KP_OP_SYSCTL_WRITE, "1", 0);
		mh_op(m, t0, KP_OP_DEBUGFS_READ, 1);
		mh_call(m, t1, "f_medium", 4);
		end = mh_run_seed(m, seed);
		mh_expect_done(m, end);
		assert_null(sim_violation_fatal(m->ctx));
		assert_true(mh_p(m, a)->pre_calls <= 4);
		assert_true(mh_p(m, a)->post_calls <= 4);
		mh_free(m);
	}
}

/* A scenario function of instructions the single-step code treats specially. */
static const uint8_t f_cov_bytes[] = {
	0xfa,				/* +0  cli: modifies IF */
	0x9c,				/* +1  pushf: the pushed TF is fixed up */
	0x9d,				/* +2  popf: modifies IF */
	0xfb,				/* +3  sti: modifies IF */
	0x3e, 0x48, 0x89, 0xf8,		/* +4  ds mov %rdi,%rax: a boostable prefix */
	0xe8, 0x00, 0x00, 0x00, 0x00,	/* +8  call +13 */
	0xc3,				/* +13 ret */
};

/* Not +8: the model cannot fix a return address pushed from a slot (a usage error). */
static const unsigned f_cov_offs[] = { 0, 1, 2, 3, 4 };

static bool add_f_cov(KpEnv *env, void *user, GError **error)
{
	(void)user;
	return emu_text_add_function(env->text, "f_cov", f_cov_bytes, sizeof(f_cov_bytes),
				     error) != 0;
}

static void run_special_insns(bool post)
{
	enum { N = sizeof(f_cov_offs) / sizeof(f_cov_offs[0]) };
	static const char *const names[N] = { "cli", "pushf", "popf", "sti", "ds" };
	Mh *m = mh_new(1);
	unsigned t = mh_task(m, "t0", 0);
	unsigned ids[N];
	SimEnd end;

	m->script.prepare = add_f_cov;
	for (unsigned i = 0; i < N; i++) {
		ids[i] = mh_probe(m, names[i], "f_cov", f_cov_offs[i], post);
		mh_probe_op(m, t, KP_OP_REGISTER, ids[i], 0);
	}
	mh_call(m, t, "f_cov", 3);
	for (unsigned i = 0; i < N; i++)
		mh_probe_op(m, t, KP_OP_UNREGISTER, ids[i], KP_NO_EXPECT);
	end = mh_run_first(m);
	mh_expect_done(m, end);
	assert_null(sim_violation_fatal(m->ctx));
	for (unsigned i = 0; i < N; i++) {
		print_message("# %s%s\n", names[i], post ? " (post)" : "");
		assert_int_equal(mh_p(m, ids[i])->pre_calls, 3);
		assert_int_equal(mh_p(m, ids[i])->post_calls, post ? 3 : 0);
		assert_int_equal(mh_nmissed(m, ids[i]), 0);
	}
	assert_true(mh_text_is_original(m, "f_cov", 0, sizeof(f_cov_bytes)));
	mh_free(m);
}

/*
 * Probes on each of those instructions, with post handlers (always single-stepped) and
 * without (boostable ones may be boosted after the first hit): every call through the
 * function calls each pre handler once, post handlers as many times, nothing is missed,
 * and the function still returns.
 */
static void test_single_step_special_insns(void **state)
{
	(void)state;
	run_special_insns(true);
	run_special_insns(false);
}

/* Functions for can_optimize(): which jumps in a function forbid a jump at its start. */
static const uint8_t f_jcc_out[] = {
	0x31, 0xc0, 0x85, 0xc0, 0x90,		/* xor %eax,%eax; test %eax,%eax; nop */
	0x0f, 0x84, 0x02, 0x00, 0x00, 0x00,	/* je +13 (past the jump's range) */
	0xff, 0xc0, 0xff, 0xc0, 0xc3,		/* inc; inc; ret */
};
static const uint8_t f_jcc_in[] = {
	0x31, 0xc0, 0x85, 0xc0, 0x90,
	0x0f, 0x84, 0xf7, 0xff, 0xff, 0xff,	/* je +2 (into the jump's range) */
	0xc3,
};
static const uint8_t f_ind_jmp[] = {
	0x31, 0xc0, 0x85, 0xc0, 0x90,
	0xff, 0xe0,				/* jmp *%rax */
	0xc3,
};
static const uint8_t f_nopl[] = {
	0x31, 0xc0, 0x85, 0xc0, 0x90,
	0x0f, 0x1f, 0x00,			/* nopl (%rax): two-byte, no jump */
	0xc3,
};

static const uint8_t f_nopl_first[] = {
	0x0f, 0x1f, 0x00, 0x0f, 0x1f, 0x00,	/* nopl (%rax) x2: not boostable */
	0xc3,
};

static bool add_jump_fns(KpEnv *env, void *user, GError **error)
{
	(void)user;
	return emu_text_add_function(env->text, "f_jcc_out", f_jcc_out, sizeof(f_jcc_out),
				     error) &&
	       emu_text_add_function(env->text, "f_jcc_in", f_jcc_in, sizeof(f_jcc_in),
				     error) &&
	       emu_text_add_function(env->text, "f_ind_jmp", f_ind_jmp, sizeof(f_ind_jmp),
				     error) &&
	       emu_text_add_function(env->text, "f_nopl", f_nopl, sizeof(f_nopl), error) &&
	       emu_text_add_function(env->text, "f_nopl_first", f_nopl_first,
				     sizeof(f_nopl_first), error);
}

/*
 * can_optimize(): a probe is optimized (a jump at its address) unless the function has an
 * indirect jump or a jump into the bytes the jump would cover; a conditional near jump
 * past them, and two-byte opcodes that are no jumps, do not stop it; an instruction that
 * cannot be boosted among the bytes to be replaced does.  Unregistering restores every
 * function's text.
 */
static void test_can_optimize_jumps(void **state)
{
	enum { N = 5 };
	static const char *const fns[N] = { "f_jcc_out", "f_jcc_in", "f_ind_jmp", "f_nopl",
					    "f_nopl_first" };
	static const bool optimized[N] = { true, false, false, true, false };
	static const size_t lens[N] = { sizeof(f_jcc_out), sizeof(f_jcc_in),
					sizeof(f_ind_jmp), sizeof(f_nopl),
					sizeof(f_nopl_first) };
	Mh *m = mh_new(1);
	unsigned t = mh_task(m, "t0", 0);
	unsigned ids[N];
	KpSnapshot *snap;
	SimEnd end;
	uint8_t b;

	(void)state;
	m->script.prepare = add_jump_fns;
	for (unsigned i = 0; i < N; i++) {
		ids[i] = mh_probe(m, fns[i], fns[i], 0, false);
		mh_probe_op(m, t, KP_OP_REGISTER, ids[i], 0);
	}
	mh_sleep(m, t, 10);
	end = mh_run_first(m);
	mh_expect_done(m, end);
	assert_null(sim_violation_fatal(m->ctx));
	snap = mh_snapshot(m);
	for (unsigned i = 0; i < N; i++) {
		EmuTextSymbol sym;
		const KpSnapEntry *e;

		print_message("# %s\n", fns[i]);
		mh_text(m, fns[i], 0, &b, 1);
		assert_int_equal(b, optimized[i] ? 0xe9 : 0xcc);
		assert_true(emu_text_symbol_by_name(m->run.env->text, fns[i], &sym));
		e = mh_snap_entry(snap, sym.addr);
		assert_non_null(e);
		assert_int_equal(!!(e->flags & KP_SNAP_OPTIMIZED), optimized[i]);
	}
	g_free(snap);

	/* Unregistered again, the text comes back. */
	for (unsigned i = 0; i < N; i++)
		mh_probe_op(m, t, KP_OP_UNREGISTER, ids[i], KP_NO_EXPECT);
	mh_sleep(m, t, 10);
	end = mh_run_first(m);
	mh_expect_done(m, end);
	for (unsigned i = 0; i < N; i++)
		assert_true(mh_text_is_original(m, fns[i], 0, lens[i]));
	mh_free(m);
}

/*
 * The same with a second probe at the same address joining and leaving the aggregate
 * while the first is disabled and enabled: no invariant fails, and each pass calls each
 * pre handler, and each post handler, at most once.
 */
static void test_calls_race_aggregate_changes(void **state)
{
	uint64_t total = 0;

	(void)state;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		Mh *m = mh_new(2);
		unsigned a = mh_probe(m, "a", "f_medium", 0, true);
		unsigned b = mh_probe(m, "b", "f_medium", 0, true);
		unsigned t0 = mh_task(m, "t0", 0);
		unsigned t1 = mh_task(m, "t1", 1);
		SimEnd end;

		mh_probe_op(m, t0, KP_OP_REGISTER, a, 0);
		mh_probe_op(m, t0, KP_OP_REGISTER, b, 0);
		mh_probe_op(m, t0, KP_OP_DISABLE, a, 0);
		mh_probe_op(m, t0, KP_OP_UNREGISTER, b, KP_NO_EXPECT);
		mh_probe_op(m, t0, KP_OP_ENABLE, a, 0);
		mh_probe_op(m, t0, KP_OP_UNREGISTER, a, KP_NO_EXPECT);
		mh_call(m, t1, "f_medium", 5);
		end = mh_run_seed(m, seed);
		mh_expect_done(m, end);
		assert_null(sim_violation_fatal(m->ctx));
		for (unsigned i = 0; i < 2; i++) {
			assert_true(mh_p(m, i)->pre_calls <= 5);
			/* A child enabled between the aggregate's pre and post handlers gets
			 * its post handler alone: only the count per pass is bounded. */
			assert_true(mh_p(m, i)->post_calls <= 5);
			total += mh_p(m, i)->pre_calls;
		}
		mh_free(m);
	}
	assert_true(total > 0);
}

static bool refuse(KpEnv *env, void *user, GError **error)
{
	int *calls = user;

	assert_non_null(env);
	(*calls)++;
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "refused");
	return false;
}

/* A scenario function that fails stops the run before it starts: SIM_END_NONE + error. */
static void test_prepare_fails(void **state)
{
	Mh *m = mh_new(1);
	unsigned t = mh_task(m, "t0", 0);
	SimStrategy *s = sim_strategy_first_new();
	g_autoptr(GError) err = NULL;
	int calls = 0;
	SimEnd end;

	(void)state;
	mh_sleep(m, t, 1);
	m->script.prepare = refuse;
	m->script.prepare_user = &calls;
	end = kp_script_run(m->ctx, &m->script, s, &m->run, &err);
	sim_strategy_free(s);
	assert_int_equal(end, SIM_END_NONE);
	assert_int_equal(calls, 1);
	assert_non_null(err);
	assert_string_equal(err->message, "refused");
	mh_free(m);
}

/* The invariant ids of kernel assertions: known functions map to K-ids, others fall back. */
static void test_assertion_ids(void **state)
{
	(void)state;
	assert_string_equal(kp_assertion_id("text_poke", true), "K6");
	assert_string_equal(kp_assertion_id("text_poke", false), "K6");
	assert_string_equal(kp_assertion_id("__get_insn_slot", false), "K8");
	assert_string_equal(kp_assertion_id("longjmp_break_handler", true), "K10");
	assert_string_equal(kp_assertion_id("no_such_function", true), "BUG");
	assert_string_equal(kp_assertion_id("no_such_function", false), "WARN");
}

/* WARN_ON: a false condition reports nothing, a true one a non-fatal WARN with its id. */
static void test_warn(void **state)
{
	Mh *m = mh_new(1);
	unsigned t = mh_task(m, "t0", 0);
	size_t before;
	const SimViolation *v;

	(void)state;
	mh_sleep(m, t, 1);
	mh_expect_done(m, mh_run_first(m));
	before = sim_violation_count(m->ctx);
	sim_ctx_enter(m->ctx);
	assert_false(kp_warn(false, "x", "text_poke"));
	assert_int_equal(sim_violation_count(m->ctx), before);
	assert_true(kp_warn(true, "WARN_ON(y)", "some_function"));
	sim_ctx_leave(m->ctx);
	assert_int_equal(sim_violation_count(m->ctx), before + 1);
	v = sim_violation_get(m->ctx, before);
	assert_int_equal(v->kind, SIM_V_WARN);
	assert_string_equal(v->id, "WARN");
	assert_null(sim_violation_fatal(m->ctx));
	mh_free(m);
}

/* try_module_get/module_put: NULL is the core kernel (always), a GOING or unloaded
 * module refuses references, a live one counts them. */
static void test_module_refs(void **state)
{
	struct module mod = { .name = "m", .state = MODULE_STATE_LIVE, .loaded = false };

	(void)state;
	assert_int_equal(try_module_get(NULL), 1);
	module_put(NULL);
	assert_int_equal(try_module_get(&mod), 0);
	mod.loaded = true;
	mod.state = MODULE_STATE_GOING;
	assert_int_equal(try_module_get(&mod), 0);
	assert_int_equal(mod.refcount, 0);
	mod.state = MODULE_STATE_COMING;
	assert_int_equal(try_module_get(&mod), 1);
	mod.state = MODULE_STATE_LIVE;
	assert_int_equal(try_module_get(&mod), 1);
	assert_int_equal(mod.refcount, 2);
	module_put(&mod);
	module_put(&mod);
	assert_int_equal(mod.refcount, 0);
	kp_env_free(NULL);	/* freeing no environment is allowed */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ops_without_checker),
		cmocka_unit_test(test_module_ops_wrong_state),
		cmocka_unit_test(test_call_by_address),
		cmocka_unit_test(test_gone_probe_and_debugfs),
		cmocka_unit_test(test_calls_race_state_changes),
		cmocka_unit_test(test_calls_race_global_switches),
		cmocka_unit_test(test_calls_race_aggregate_changes),
		cmocka_unit_test(test_single_step_special_insns),
		cmocka_unit_test(test_can_optimize_jumps),
		cmocka_unit_test(test_prepare_fails),
		cmocka_unit_test(test_assertion_ids),
		cmocka_unit_test(test_warn),
		cmocka_unit_test(test_module_refs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
