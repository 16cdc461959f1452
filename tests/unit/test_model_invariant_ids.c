// SPDX-License-Identifier: GPL-2.0-only
/*
 * How a violation gets its id: a BUG_ON() or WARN_ON() of the ported kernel code is
 * named by the function that asserts (kp_assertion_id() in the kernel shim; the K ids of
 * docs/invariants.md, "Kernel assertions"), and every id resolves to its one entry of
 * the invariant catalogue (model/invariants.c).
 */
#include "model_harness.h"

#include "model/invariants.h"
#include "model/kernel/kernel.h"

static const struct {
	const char *func;
	bool bug;	/* BUG_ON, else WARN_ON */
	const char *id;
} assertion_ids[] = {
	{ "text_poke", true, "K6" },
	{ "text_poke", false, "K6" },
	{ "__get_insn_slot", false, "K8" },
	{ "longjmp_break_handler", true, "K10" },
	{ "no_such_function", true, "BUG" },
	{ "no_such_function", false, "WARN" },
};

/* Known functions map to K ids, whether they BUG or WARN; others fall back. */
static void test_assertion_ids(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(assertion_ids); i++)
		assert_string_equal(kp_assertion_id(assertion_ids[i].func, assertion_ids[i].bug),
				    assertion_ids[i].id);
}

static void test_invariant_lookup(void **state)
{
	size_t n;
	const KpInvariant *all = kp_invariants(&n);

	(void)state;
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++)
		assert_ptr_equal(kp_invariant(all[i].id), &all[i]);
	assert_non_null(kp_invariant("H3"));
	assert_non_null(kp_invariant("S5"));
	assert_null(kp_invariant("S99"));
	assert_null(kp_invariant(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assertion_ids),
		cmocka_unit_test(test_invariant_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
