/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Doubly linked lists and hash lists with the kernel's node post-states.
 *
 * The kprobes code relies on what a node looks like after it was unlinked:
 * __unregister_kprobe_bottom tells an independent probe (list empty: self-linked), the
 * last child of an aggregate (list singular) and a child removed with list_del_rcu
 * (next kept, prev poisoned: neither) apart.  So every operation here leaves exactly
 * the pointers the kernel's include/linux/list.h and rculist.h leave: list_del poisons
 * both, list_del_rcu poisons only prev, list_del_init self-links, hlist_del_rcu poisons
 * only pprev, hlist_replace_rcu poisons the old node's pprev.
 *
 * RCU publication order is irrelevant here (a step between two decision points is
 * atomic); the decision points themselves are placed by the port.
 */
#ifndef KPSIM_MODEL_KERNEL_LIST_H
#define KPSIM_MODEL_KERNEL_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* include/linux/poison.h (POISON_POINTER_DELTA is 0 on x86_64). */
#define LIST_POISON1 ((void *)(uintptr_t)0x00100100)
#define LIST_POISON2 ((void *)(uintptr_t)0x00200200)

#ifndef container_of
#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#endif

struct list_head {
	struct list_head *next, *prev;
};

struct hlist_head {
	struct hlist_node *first;
};

struct hlist_node {
	struct hlist_node *next, **pprev;
};

#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)

static inline void INIT_LIST_HEAD(struct list_head *list)
{
	list->next = list;
	list->prev = list;
}

static inline void __list_add(struct list_head *new, struct list_head *prev,
			      struct list_head *next)
{
	next->prev = new;
	new->next = next;
	new->prev = prev;
	prev->next = new;
}

static inline void list_add(struct list_head *new, struct list_head *head)
{
	__list_add(new, head, head->next);
}

static inline void list_add_tail(struct list_head *new, struct list_head *head)
{
	__list_add(new, head->prev, head);
}

/* Same pointers as list_add; the kernel adds a write barrier before publishing. */
static inline void list_add_rcu(struct list_head *new, struct list_head *head)
{
	__list_add(new, head, head->next);
}

static inline void list_add_tail_rcu(struct list_head *new, struct list_head *head)
{
	__list_add(new, head->prev, head);
}

static inline void __list_del(struct list_head *prev, struct list_head *next)
{
	next->prev = prev;
	prev->next = next;
}

static inline void list_del(struct list_head *entry)
{
	__list_del(entry->prev, entry->next);
	entry->next = LIST_POISON1;
	entry->prev = LIST_POISON2;
}

/* Readers may still be walking through entry: its next stays valid. */
static inline void list_del_rcu(struct list_head *entry)
{
	__list_del(entry->prev, entry->next);
	entry->prev = LIST_POISON2;
}

static inline void list_del_init(struct list_head *entry)
{
	__list_del(entry->prev, entry->next);
	INIT_LIST_HEAD(entry);
}

static inline void list_move(struct list_head *list, struct list_head *head)
{
	__list_del(list->prev, list->next);
	list_add(list, head);
}

static inline int list_empty(const struct list_head *head)
{
	return head->next == head;
}

static inline int list_is_singular(const struct list_head *head)
{
	return !list_empty(head) && (head->next == head->prev);
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)

#define list_first_entry(ptr, type, member) list_entry((ptr)->next, type, member)

/* The kernel's iterators take the entry type from typeof; C11 has none, so it is passed. */
#define list_for_each_entry(pos, type, head, member)                                   \
	for (pos = list_entry((head)->next, type, member); &pos->member != (head);        \
	     pos = list_entry(pos->member.next, type, member))

#define list_for_each_entry_rcu(pos, type, head, member) \
	list_for_each_entry(pos, type, head, member)

#define list_for_each_entry_safe(pos, n, type, head, member)                           \
	for (pos = list_entry((head)->next, type, member),                                \
	    n = list_entry(pos->member.next, type, member);                               \
	     &pos->member != (head); pos = n, n = list_entry(n->member.next, type, member))

#define INIT_HLIST_HEAD(ptr) ((ptr)->first = NULL)

static inline void INIT_HLIST_NODE(struct hlist_node *h)
{
	h->next = NULL;
	h->pprev = NULL;
}

static inline int hlist_unhashed(const struct hlist_node *h)
{
	return !h->pprev;
}

static inline int hlist_empty(const struct hlist_head *h)
{
	return !h->first;
}

static inline void __hlist_del(struct hlist_node *n)
{
	struct hlist_node *next = n->next;
	struct hlist_node **pprev = n->pprev;

	*pprev = next;
	if (next)
		next->pprev = pprev;
}

static inline void hlist_del(struct hlist_node *n)
{
	__hlist_del(n);
	n->next = LIST_POISON1;
	n->pprev = LIST_POISON2;
}

static inline void hlist_del_rcu(struct hlist_node *n)
{
	__hlist_del(n);
	n->pprev = LIST_POISON2;
}

static inline void hlist_add_head(struct hlist_node *n, struct hlist_head *h)
{
	struct hlist_node *first = h->first;

	n->next = first;
	if (first)
		first->pprev = &n->next;
	h->first = n;
	n->pprev = &h->first;
}

static inline void hlist_add_head_rcu(struct hlist_node *n, struct hlist_head *h)
{
	hlist_add_head(n, h);
}

/* The new node takes the old one's place; the old keeps next, its pprev is poisoned. */
static inline void hlist_replace_rcu(struct hlist_node *old, struct hlist_node *new)
{
	struct hlist_node *next = old->next;

	new->next = next;
	new->pprev = old->pprev;
	*new->pprev = new;
	if (next)
		new->next->pprev = &new->next;
	old->pprev = LIST_POISON2;
}

#define hlist_entry(ptr, type, member) container_of(ptr, type, member)

#define hlist_for_each_entry(tpos, pos, type, head, member)                            \
	for (pos = (head)->first; pos && ((tpos = hlist_entry(pos, type, member)), 1);    \
	     pos = pos->next)

#define hlist_for_each_entry_rcu(tpos, pos, type, head, member) \
	hlist_for_each_entry(tpos, pos, type, head, member)

#define hlist_for_each_entry_safe(tpos, pos, n, type, head, member)                    \
	for (pos = (head)->first;                                                         \
	     pos && ((n = pos->next), 1) && ((tpos = hlist_entry(pos, type, member)), 1); \
	     pos = n)

#endif
