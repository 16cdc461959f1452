// SPDX-License-Identifier: GPL-2.0-only
/*
 * The coroutine layer alone, built once per backend (the x86-64 assembly switch and the
 * sigsetjmp one), so the backend a platform falls back to is tested here too.
 */
#include "sim/coro.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

typedef struct {
	SimCoro main, a, b;
	int log[16];
	int n;
	double fp_seen;
} Pair;

static void co_a(void *arg)
{
	Pair *p = arg;
	volatile double x = 1.5;	/* lives across switches */

	sim_coro_entered(&p->a, &p->main);
	for (int i = 0; i < 3; i++) {
		p->log[p->n++] = 10 + i;
		sim_coro_switch(&p->a, &p->b, false);	/* straight to the other coroutine */
		x *= 2;
	}
	p->fp_seen = x;
	sim_coro_switch(&p->a, &p->main, true);
}

static void co_b(void *arg)
{
	Pair *p = arg;

	sim_coro_entered(&p->b, &p->main);
	for (int i = 0;; i++) {
		p->log[p->n++] = 20 + i;
		sim_coro_switch(&p->b, &p->a, false);
	}
}

static void run_pair(Pair *p)
{
	p->n = 0;
	sim_coro_start(&p->a, co_a, p);
	sim_coro_start(&p->b, co_b, p);
	sim_coro_switch(&p->main, &p->a, false);
}

static void test_switch_and_restart(void **state)
{
	Pair p;
	static const int expect[] = { 10, 20, 11, 21, 12, 22 };

	(void)state;
	sim_coro_init_main(&p.main);
	assert_true(sim_coro_alloc(&p.a, 64 * 1024));
	assert_true(sim_coro_alloc(&p.b, 64 * 1024));
	/* The same stacks are restarted: an abandoned coroutine (b) leaves nothing behind. */
	for (int round = 0; round < 100; round++) {
		run_pair(&p);
		assert_int_equal(p.n, 6);
		assert_memory_equal(p.log, expect, sizeof(expect));
		assert_true(p.fp_seen == 12.0);
	}
	sim_coro_free(&p.a);
	sim_coro_free(&p.b);
	sim_coro_destroy_main(&p.main);
	assert_non_null(sim_coro_backend());
}

/* Recursion with a kilobyte frame per level: counts the levels it went through. */
static int deep(int n)
{
	volatile char local[1024];

	memset((char *)local, n, sizeof(local));
	if (n == 0)
		return 1;
	return deep(n - 1) + (local[sizeof(local) - 1] == (char)n);
}

static void co_deep(void *arg)
{
	Pair *p = arg;
	sim_coro_entered(&p->a, &p->main);
	p->n = deep(100);	/* about 100 KiB of stack */
	sim_coro_switch(&p->a, &p->main, true);
}

static void test_deep_stack(void **state)
{
	Pair p;

	(void)state;
	sim_coro_init_main(&p.main);
	assert_true(sim_coro_alloc(&p.a, 256 * 1024));
	p.n = 0;
	sim_coro_start(&p.a, co_deep, &p);
	sim_coro_switch(&p.main, &p.a, false);
	assert_int_equal(p.n, 100 + 1);
	sim_coro_free(&p.a);
	sim_coro_destroy_main(&p.main);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switch_and_restart),
		cmocka_unit_test(test_deep_stack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
