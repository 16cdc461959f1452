// SPDX-License-Identifier: GPL-2.0-only
/* Decoder corpus: direct, indirect and tail calls, callbacks, recursion, varargs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct ops {
	int (*open)(void *priv, int flags);
	long (*read)(void *priv, char *buf, size_t n);
	void (*release)(void *priv);
	void *priv;
};

extern int external_helper(int a, int b, int c, int d, int e, int f, int g, int h);
extern void log_value(const char *what, long v);

int call_ops(const struct ops *o, char *buf, size_t n)
{
	long r;

	if (o->open && o->open(o->priv, 3) < 0)
		return -1;
	r = o->read(o->priv, buf, n);
	if (o->release)
		o->release(o->priv);
	return (int)r;
}

int many_args(int x)
{
	return external_helper(x, x + 1, x + 2, x + 3, x + 4, x + 5, x + 6, x + 7) + 1;
}

int tail(int x)
{
	return external_helper(x, 0, 0, 0, 0, 0, 0, x);
}

unsigned long fib(unsigned n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static int apply(int (*fn)(int), int v)
{
	return fn(v);
}

static int twice(int v)
{
	return 2 * v;
}

int use_apply(int v)
{
	return apply(twice, v);
}

long sum_varargs(int count, ...)
{
	va_list ap;
	long s = 0;

	va_start(ap, count);
	for (int i = 0; i < count; i++)
		s += va_arg(ap, long);
	va_end(ap);
	return s;
}

typedef void (*handler_t)(long);

static handler_t table[4];

void set_handler(unsigned idx, handler_t h)
{
	table[idx & 3] = h;
}

void fire(unsigned idx, long arg)
{
	handler_t h = table[idx & 3];

	if (h)
		h(arg);
	else
		log_value("missing", (long)idx);
}

int compare_cb(const void *a, const void *b, int (*cmp)(const void *, const void *))
{
	return cmp(a, b) ? cmp(b, a) : 0;
}

struct big { long v[6]; };

extern struct big make_big(long seed);

long consume_big(long seed)
{
	struct big b = make_big(seed);

	return b.v[0] + b.v[5];
}

__attribute__((noinline)) static long leaf(long a)
{
	return a * 7 + 3;
}

long chain(long a)
{
	return leaf(leaf(a) ^ 5);
}

void *computed_goto(int op, void *arg)
{
	static void *const labels[] = { &&l_a, &&l_b, &&l_c };

	goto *labels[op % 3];
l_a:
	return arg;
l_b:
	return (char *)arg + 1;
l_c:
	return NULL;
}
