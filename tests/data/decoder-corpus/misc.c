// SPDX-License-Identifier: GPL-2.0-only
/* Decoder corpus: globals and RIP-relative data, TLS, 16-bit operands, large immediates. */
#include <stddef.h>
#include <stdint.h>

int counter;
static long table[256];
const char greeting[] = "hello, decoder";
extern long external_array[];
static _Thread_local int tls_value;
volatile uint16_t port16;

int bump(void) { return ++counter; }
long table_get(unsigned i) { return table[i & 255]; }
void table_put(unsigned i, long v) { table[i & 255] = v; }
char greet(size_t i) { return greeting[i % sizeof(greeting)]; }
long ext(long i) { return external_array[i] + external_array[i + 100000]; }
int tls_inc(void) { return ++tls_value; }
int *tls_addr(void) { return &tls_value; }

void store_imms(uint8_t *b, uint16_t *w, uint32_t *d, uint64_t *q)
{
	*b = 0xa5;
	*w = 0xbeef;
	*d = 0xdeadbeef;
	*q = 0x7fffffff;
	q[1] = (uint64_t)-5;
	q[2] = 0x123456789ull;
	w[1] = (uint16_t)(w[2] + 0x101);
	w[3] ^= 0x7f;
	b[9] |= 0x80;
	b[10] &= 0xfe;
}

uint16_t ops16(uint16_t a, uint16_t b)
{
	port16 = a;
	port16 += 0x1234;
	port16 = (uint16_t)(port16 * b);
	return (uint16_t)(a * 300 + (b ^ 0x4242) - (a >> 2));
}

int cmp16(const int16_t *a) { return *a == 0x1234 || a[1] > 7 || a[2] == -2; }
int cmp8(const int8_t *a) { return *a == 0x12 || a[1] != -1; }
int test8(const uint8_t *a) { return (*a & 0x40) && !(a[3] & 1); }
int cmp64(const uint64_t *a) { return a[0] == 0x100000000ull || a[1] == 5 || a[2] > 0xffffffffull; }

long rbp_frame(long x)
{
	volatile long buf[64];

	for (int i = 0; i < 64; i++)
		buf[i] = x + i;
	return buf[x & 63] + buf[(x >> 6) & 63];
}

long deep_frame(long x)
{
	volatile char big[8192];

	big[x & 8191] = (char)x;
	big[4000] = 1;
	return big[(x + 1) & 8191] + big[4000];
}

struct node { struct node *l, *r; long key; };

struct node *bst_find(struct node *n, long key)
{
	while (n && n->key != key)
		n = key < n->key ? n->l : n->r;
	return n;
}

long select_cmov(long a, long b, long c)
{
	long r = a > b ? c : a;

	r = b == c ? r + 1 : r;
	return (unsigned long)r < (unsigned long)a ? b : r;
}

uint64_t sext_mix(int8_t a, int16_t b, uint8_t c, uint16_t d, int32_t e)
{
	return (uint64_t)(int64_t)a * (uint64_t)(int64_t)b + c + d + (uint64_t)(int64_t)e;
}

int setcc_all(long a, long b)
{
	return (a == b) | (a != b) << 1 | (a < b) << 2 | (a <= b) << 3 | (a > b) << 4 |
	       (a >= b) << 5 | ((unsigned long)a < (unsigned long)b) << 6 |
	       ((unsigned long)a >= (unsigned long)b) << 7;
}

void *align_ptr(void *p, size_t a)
{
	return (void *)(((uintptr_t)p + a - 1) & ~(uintptr_t)(a - 1));
}

int alloca_user(unsigned n)
{
	volatile char *p = __builtin_alloca(n + 1);

	p[n] = 1;
	return p[0];
}

int unlikely_path(int x)
{
	if (__builtin_expect(x == 12345, 0))
		__builtin_trap();
	if (x < 0)
		__builtin_unreachable();
	return x * 2;
}
