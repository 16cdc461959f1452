// SPDX-License-Identifier: GPL-2.0-only
/* Decoder corpus: struct copies, zeroing, returns by value, unions, arrays of structs. */
#include <stddef.h>
#include <stdint.h>

struct point { int32_t x, y; };
struct rect { struct point a, b; };
struct rec {
	uint64_t id;
	char name[32];
	struct rect box;
	uint16_t flags;
	uint8_t kind;
};

struct list_head { struct list_head *next, *prev; };

struct item {
	struct list_head link;
	long key;
	long value;
};

void rec_init(struct rec *r)
{
	*r = (struct rec){ 0 };
}

void rec_copy(struct rec *d, const struct rec *s)
{
	*d = *s;
}

struct rect rect_make(int x0, int y0, int x1, int y1)
{
	struct rect r = { { x0, y0 }, { x1, y1 } };

	return r;
}

struct point point_add(struct point a, struct point b)
{
	return (struct point){ a.x + b.x, a.y + b.y };
}

long rect_area(const struct rect *r)
{
	return (long)(r->b.x - r->a.x) * (r->b.y - r->a.y);
}

struct rec rec_by_value(uint64_t id)
{
	struct rec r = { .id = id, .name = "x", .flags = 3 };

	return r;
}

void swap_recs(struct rec *a, struct rec *b)
{
	struct rec t = *a;

	*a = *b;
	*b = t;
}

union word {
	uint64_t q;
	uint32_t d[2];
	uint16_t w[4];
	uint8_t b[8];
};

uint32_t union_mix(union word u)
{
	return u.d[0] ^ u.w[3] ^ u.b[5];
}

static inline void list_add(struct list_head *n, struct list_head *head)
{
	n->next = head->next;
	n->prev = head;
	head->next->prev = n;
	head->next = n;
}

static inline void list_del(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	e->next = (struct list_head *)0x100;
	e->prev = (struct list_head *)0x122;
}

#define container_of(p, t, m) ((t *)((char *)(p) - offsetof(t, m)))

void item_insert(struct list_head *head, struct item *it)
{
	list_add(&it->link, head);
}

void item_remove(struct item *it)
{
	list_del(&it->link);
}

long item_sum(const struct list_head *head)
{
	long s = 0;

	for (const struct list_head *p = head->next; p != head; p = p->next)
		s += container_of(p, struct item, link)->value;
	return s;
}

struct item *item_find(struct list_head *head, long key)
{
	for (struct list_head *p = head->next; p != head; p = p->next) {
		struct item *it = container_of(p, struct item, link);

		if (it->key == key)
			return it;
	}
	return NULL;
}

struct point points[64];

void points_shift(int dx, int dy)
{
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		points[i].x += dx;
		points[i].y += dy;
	}
}

struct config {
	uint8_t a;
	uint16_t b;
	uint32_t c;
	uint64_t d;
	uint8_t pad[13];
} __attribute__((packed));

uint64_t config_sum(const struct config *c)
{
	return c->a + c->b + c->c + c->d + c->pad[12];
}

void config_default(struct config *c)
{
	static const struct config def = { 1, 2, 3, 4, { 5 } };

	*c = def;
}

struct big { uint64_t v[16]; };

void big_zero(struct big *b)
{
	*b = (struct big){ { 0 } };
}

struct big big_fill(uint64_t x)
{
	struct big b;

	for (int i = 0; i < 16; i++)
		b.v[i] = x + (uint64_t)i;
	return b;
}
