// SPDX-License-Identifier: GPL-2.0-only
/*
 * The list of ports (model/ports.c): every port and variant is listed once, a variant
 * after its base, and kp_model_find() answers to each one's name and to its commit id,
 * in full or abbreviated to 7 or more hex digits, and to nothing else.
 */
#include "model/ports.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_list(void **state)
{
	size_t n = 0;
	const KpModel *const *models = kp_models(&n);

	(void)state;
	/* The ports of their own folders first, then the variants of model/variants/. */
	assert_true(n >= 3);
	assert_ptr_equal(models[0], &kp_model_6274de4);
	assert_ptr_equal(models[1], &kp_model_6274de4_parent);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(models[i]->name);
		assert_non_null(models[i]->title);
		assert_true((i < 2) == (models[i]->base == NULL));
		assert_true((models[i]->base == NULL) == (models[i]->date == NULL));
		if (models[i]->base) {
			/* a variant's base is listed before it; a fix of our own has no commit */
			const KpModel *base = kp_model_find(models[i]->base);

			assert_non_null(base);
			for (size_t j = i; j < n; j++)
				assert_ptr_not_equal(models[j], base);
			assert_int_equal(strlen(models[i]->date), 10);
			if (!strcmp(models[i]->commit, "none"))
				continue;
		}
		/* a full id, or one abbreviated as a Fixes: tag gives it */
		assert_true(strlen(models[i]->commit) >= 12 && strlen(models[i]->commit) <= 40);
		for (size_t j = 0; j < i; j++) {
			assert_string_not_equal(models[i]->name, models[j]->name);
			/* a 7-digit abbreviation must tell the ports apart */
			assert_memory_not_equal(models[i]->commit, models[j]->commit, 7);
		}
	}
}

/* A variant descends from its base and has its base's root; a port is its own root. */
static void test_lineage(void **state)
{
	const KpModel *v = kp_model_find("reuse-unused");

	(void)state;
	assert_non_null(v);
	assert_string_equal(v->base, "6274de4");
	assert_ptr_equal(kp_model_root(v), &kp_model_6274de4);
	assert_ptr_equal(kp_model_root(&kp_model_6274de4), &kp_model_6274de4);
	assert_ptr_equal(kp_model_root(&kp_model_6274de4_parent), &kp_model_6274de4_parent);
	assert_true(kp_model_descends(v, &kp_model_6274de4));
	assert_true(kp_model_descends(v, v));
	assert_false(kp_model_descends(v, &kp_model_6274de4_parent));
	assert_false(kp_model_descends(&kp_model_6274de4, v));
	assert_false(kp_model_descends(&kp_model_6274de4, &kp_model_6274de4_parent));
	/* and it answers to its commit id like a port */
	assert_ptr_equal(kp_model_find("0490cd1f9d99"), v);
}

static void test_find_by_name(void **state)
{
	(void)state;
	assert_ptr_equal(kp_model_find("6274de4"), &kp_model_6274de4);
	assert_ptr_equal(kp_model_find("6274de4^"), &kp_model_6274de4_parent);
}

static void test_find_by_commit(void **state)
{
	size_t n;
	const KpModel *const *models = kp_models(&n);

	(void)state;
	assert_ptr_equal(kp_model_find("6274de4984a6"), &kp_model_6274de4);
	assert_ptr_equal(kp_model_find("6274de4984a630b45c6934b3ee62e5692c745328"),
			 &kp_model_6274de4);
	assert_ptr_equal(kp_model_find("61f4e13"), &kp_model_6274de4_parent);
	assert_ptr_equal(kp_model_find("61f4e13ffd85"), &kp_model_6274de4_parent);
	assert_ptr_equal(kp_model_find("61f4e13ffd85c037a942c5b7fd13f2b0c3162862"),
			 &kp_model_6274de4_parent);
	/* git spells ids in lower case but takes upper case too */
	assert_ptr_equal(kp_model_find("61F4E13FFD85"), &kp_model_6274de4_parent);
	/* every port and variant answers to its own full commit id */
	for (size_t i = 0; i < n; i++)
		if (strcmp(models[i]->commit, "none"))
			assert_ptr_equal(kp_model_find(models[i]->commit), models[i]);
}

static void test_find_nothing(void **state)
{
	(void)state;
	assert_null(kp_model_find(NULL));
	assert_null(kp_model_find(""));
	/* shorter than 7 hex digits: too short to name a commit */
	assert_null(kp_model_find("6274de"));
	assert_null(kp_model_find("61f4e1"));
	/* longer than the id, or not a prefix of it */
	assert_null(kp_model_find("6274de4984a630b45c6934b3ee62e5692c7453280"));
	assert_null(kp_model_find("61f4e14"));
	assert_null(kp_model_find("61f4e13^"));
	assert_null(kp_model_find("6274de4^^"));
	assert_null(kp_model_find("6274DE4^"));
	/* a name is matched whole */
	assert_null(kp_model_find("6274de4 "));
	assert_null(kp_model_find("main"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_lineage),
		cmocka_unit_test(test_find_by_name),
		cmocka_unit_test(test_find_by_commit),
		cmocka_unit_test(test_find_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
