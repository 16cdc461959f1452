// SPDX-License-Identifier: GPL-2.0-only
/* Decoder corpus: dense switches (jump tables), sparse switches, state machines, goto. */
#include <stddef.h>
#include <stdint.h>

int dense(int x)
{
	switch (x) {
	case 0: return 17;
	case 1: return x * 3;
	case 2: return -4;
	case 3: return x << 5;
	case 4: return 99;
	case 5: return x ^ 0x55;
	case 6: return 1000000;
	case 7: return x - 12;
	case 8: return 31337;
	case 9: return x / 3;
	default: return -1;
	}
}

extern void on_a(void);
extern void on_b(int);
extern int on_c(long, long);

long dispatch(unsigned op, long a, long b)
{
	switch (op) {
	case 0: on_a(); return 0;
	case 1: on_b((int)a); return 1;
	case 2: return on_c(a, b);
	case 3: return a + b;
	case 4: return a - b;
	case 5: return a * b;
	case 6: return b ? a / b : 0;
	case 7: return b ? a % b : 0;
	case 8: return a & b;
	case 9: return a | b;
	case 10: return a ^ b;
	case 11: return a << (b & 63);
	case 12: return a >> (b & 63);
	case 13: return (long)((unsigned long)a >> (b & 63));
	default: return -22;
	}
}

int sparse(uint32_t key)
{
	switch (key) {
	case 3: return 1;
	case 100: return 2;
	case 1000: return 3;
	case 65536: return 4;
	case 0x7fffffff: return 5;
	case 0xdeadbeef: return 6;
	default: return 0;
	}
}

enum state { S_IDLE, S_HDR, S_LEN, S_BODY, S_SUM, S_DONE, S_ERR };

int parse(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
	enum state st = S_IDLE;
	size_t len = 0, got = 0;
	uint8_t sum = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		switch (st) {
		case S_IDLE:
			st = c == 0x7e ? S_HDR : S_IDLE;
			break;
		case S_HDR:
			st = c == 0x01 ? S_LEN : S_ERR;
			break;
		case S_LEN:
			len = c;
			st = len ? S_BODY : S_SUM;
			if (len > cap)
				st = S_ERR;
			break;
		case S_BODY:
			out[got++] = c;
			sum += c;
			if (got == len)
				st = S_SUM;
			break;
		case S_SUM:
			st = c == sum ? S_DONE : S_ERR;
			break;
		case S_DONE:
		case S_ERR:
			return st == S_DONE ? (int)got : -1;
		}
	}
	return st == S_DONE ? (int)got : -1;
}

char hexdigit(unsigned v)
{
	switch (v & 15) {
	case 0: case 1: case 2: case 3: case 4:
	case 5: case 6: case 7: case 8: case 9:
		return (char)('0' + (v & 15));
	case 10: return 'a';
	case 11: return 'b';
	case 12: return 'c';
	case 13: return 'd';
	case 14: return 'e';
	default: return 'f';
	}
}

int with_goto(int *v, int n)
{
	int i = 0, r = 0;

again:
	if (i >= n)
		goto out;
	if (v[i] < 0)
		goto fail;
	r += v[i++];
	goto again;
fail:
	r = -1;
out:
	return r;
}

short char_class(signed char c)
{
	switch (c) {
	case 'a' ... 'z': return 1;
	case 'A' ... 'Z': return 2;
	case '0' ... '9': return 3;
	case ' ': case '\t': case '\n': return 4;
	case -128 ... -1: return 5;
	default: return 0;
	}
}
