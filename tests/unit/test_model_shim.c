// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel shim the ports run on (model/kernel/): WARN_ON() records a non-fatal
 * violation and lets the code go on, and try_module_get()/module_put() count references
 * the way kernel/module.c does, refusing them for a module that is going away.
 */
#include "model_harness.h"

#include "model/env.h"
#include "model/kernel/kernel.h"
#include "sim/violation.h"

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

/*
 * try_module_get/module_put: NULL is the core kernel (always), a GOING or unloaded
 * module refuses references, a live one counts them.
 */
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
		cmocka_unit_test(test_warn),
		cmocka_unit_test(test_module_refs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
