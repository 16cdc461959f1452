// SPDX-License-Identifier: GPL-2.0-only
/* The list shim: node post-states equal the kernel's (include/linux/list.h, rculist.h), on
 * which __unregister_kprobe_bottom() depends. */
#include "model/kernel/list.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

struct item {
	int v;
	struct list_head list;
	struct hlist_node hlist;
};

static int walk(struct list_head *head)
{
	struct item *it;
	int acc = 0;

	list_for_each_entry(it, struct item, head, list)
		acc = acc * 10 + it->v;
	return acc;
}

static void test_list_add_order(void **state)
{
	LIST_HEAD(head);
	struct item a = { .v = 1 }, b = { .v = 2 }, c = { .v = 3 };

	(void)state;
	assert_true(list_empty(&head));
	list_add(&a.list, &head);
	assert_true(list_is_singular(&head));
	list_add(&b.list, &head);		/* at the head */
	list_add_tail(&c.list, &head);		/* at the tail */
	assert_int_equal(walk(&head), 213);
	assert_false(list_is_singular(&head));
}

static void test_del_post_states(void **state)
{
	LIST_HEAD(head);
	struct item a = { .v = 1 }, b = { .v = 2 }, c = { .v = 3 };

	(void)state;
	list_add_tail(&a.list, &head);
	list_add_tail(&b.list, &head);
	list_add_tail(&c.list, &head);

	/* list_del_rcu: next kept (readers may go on), prev poisoned. */
	list_del_rcu(&b.list);
	assert_ptr_equal(b.list.next, &c.list);
	assert_ptr_equal(b.list.prev, LIST_POISON2);
	assert_false(list_empty(&b.list));
	assert_false(list_is_singular(&b.list));
	assert_int_equal(walk(&head), 13);

	/* list_del: both poisoned. */
	list_del(&c.list);
	assert_ptr_equal(c.list.next, LIST_POISON1);
	assert_ptr_equal(c.list.prev, LIST_POISON2);

	/* list_del_init: self-linked, i.e. empty. */
	list_del_init(&a.list);
	assert_true(list_empty(&a.list));
	assert_true(list_empty(&head));
}

/* The two shapes __unregister_kprobe_bottom tells apart. */
static void test_singular_child(void **state)
{
	struct item ap = { .v = 9 }, p = { .v = 1 }, q = { .v = 2 };
	struct item *back;

	(void)state;
	INIT_LIST_HEAD(&ap.list);
	list_add_rcu(&p.list, &ap.list);
	/* p's node is "singular": the only other node on its ring is ap's head. */
	assert_true(list_is_singular(&p.list));
	back = list_entry(p.list.next, struct item, list);
	assert_ptr_equal(back, &ap);
	list_add_rcu(&q.list, &ap.list);
	assert_false(list_is_singular(&p.list));
	list_del_rcu(&q.list);
	assert_true(list_is_singular(&p.list));
	assert_false(list_is_singular(&q.list));
	assert_false(list_empty(&q.list));
}

static void test_list_move(void **state)
{
	LIST_HEAD(a_list);
	LIST_HEAD(b_list);
	struct item x = { .v = 1 }, y = { .v = 2 }, z = { .v = 3 };

	(void)state;
	list_add(&x.list, &a_list);
	list_add(&y.list, &a_list);
	list_add(&z.list, &b_list);
	list_move(&x.list, &b_list);
	assert_int_equal(walk(&a_list), 2);
	assert_int_equal(walk(&b_list), 13);
}

static void test_safe_iteration_deletes(void **state)
{
	LIST_HEAD(head);
	struct item it[4];
	struct item *pos, *n;
	int seen = 0;

	(void)state;
	for (int i = 0; i < 4; i++) {
		it[i].v = i + 1;
		list_add_tail(&it[i].list, &head);
	}
	list_for_each_entry_safe(pos, n, struct item, &head, list) {
		seen = seen * 10 + pos->v;
		list_del_init(&pos->list);
	}
	assert_int_equal(seen, 1234);
	assert_true(list_empty(&head));
}

static int hwalk(struct hlist_head *h)
{
	struct item *it;
	struct hlist_node *pos;
	int acc = 0;

	hlist_for_each_entry(it, pos, struct item, h, hlist)
		acc = acc * 10 + it->v;
	return acc;
}

static void test_hlist(void **state)
{
	struct hlist_head h;
	struct item a = { .v = 1 }, b = { .v = 2 }, c = { .v = 3 }, r = { .v = 7 };

	(void)state;
	INIT_HLIST_HEAD(&h);
	assert_true(hlist_empty(&h));
	INIT_HLIST_NODE(&a.hlist);
	assert_true(hlist_unhashed(&a.hlist));
	hlist_add_head_rcu(&a.hlist, &h);
	hlist_add_head_rcu(&b.hlist, &h);
	hlist_add_head_rcu(&c.hlist, &h);
	assert_int_equal(hwalk(&h), 321);

	/* The replacement keeps the bucket position; the old node's pprev is poisoned. */
	hlist_replace_rcu(&b.hlist, &r.hlist);
	assert_int_equal(hwalk(&h), 371);
	assert_ptr_equal(b.hlist.pprev, LIST_POISON2);
	assert_ptr_equal(b.hlist.next, &a.hlist);

	hlist_del_rcu(&r.hlist);
	assert_ptr_equal(r.hlist.pprev, LIST_POISON2);
	assert_ptr_equal(r.hlist.next, &a.hlist);
	assert_int_equal(hwalk(&h), 31);
	hlist_del(&c.hlist);
	assert_ptr_equal(c.hlist.next, LIST_POISON1);
	assert_ptr_equal(c.hlist.pprev, LIST_POISON2);
	assert_int_equal(hwalk(&h), 1);
	hlist_del_rcu(&a.hlist);
	assert_true(hlist_empty(&h));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_add_order),
		cmocka_unit_test(test_del_post_states),
		cmocka_unit_test(test_singular_child),
		cmocka_unit_test(test_list_move),
		cmocka_unit_test(test_safe_iteration_deletes),
		cmocka_unit_test(test_hlist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
