// SPDX-License-Identifier: GPL-2.0-only
/* Decoder corpus: counted, conditional and nested loops over several element widths. */
#include <stddef.h>
#include <stdint.h>

int64_t sum_i64(const int64_t *v, size_t n)
{
	int64_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	return s;
}

uint32_t sum_u8(const uint8_t *v, size_t n)
{
	uint32_t s = 0;

	while (n--)
		s += *v++;
	return s;
}

int16_t max_i16(const int16_t *v, size_t n)
{
	int16_t m = INT16_MIN;

	for (size_t i = 0; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

size_t find_u32(const uint32_t *v, size_t n, uint32_t key)
{
	size_t i = 0;

	do {
		if (v[i] == key)
			return i;
	} while (++i < n);
	return (size_t)-1;
}

void matmul4(int32_t out[4][4], const int32_t a[4][4], const int32_t b[4][4])
{
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++) {
			int32_t acc = 0;

			for (int k = 0; k < 4; k++)
				acc += a[i][k] * b[k][j];
			out[i][j] = acc;
		}
}

void reverse_u16(uint16_t *v, size_t n)
{
	if (n < 2)
		return;
	for (size_t i = 0, j = n - 1; i < j; i++, j--) {
		uint16_t t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
}

unsigned count_if_even(const int *v, int n)
{
	unsigned c = 0;

	for (int i = n - 1; i >= 0; --i) {
		if (v[i] & 1)
			continue;
		c++;
		if (c > 1000)
			break;
	}
	return c;
}

uint64_t collatz_steps(uint64_t x)
{
	uint64_t steps = 0;

	while (x != 1) {
		x = (x & 1) ? 3 * x + 1 : x / 2;
		steps++;
	}
	return steps;
}

void prefix_sum(int64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		v[i] += v[i - 1];
}

int bubble_sort(int *v, int n)
{
	int swaps = 0;

	for (int i = 0; i < n; i++)
		for (int j = 0; j + 1 < n - i; j++)
			if (v[j] > v[j + 1]) {
				int t = v[j];

				v[j] = v[j + 1];
				v[j + 1] = t;
				swaps++;
			}
	return swaps;
}

uint8_t checksum8(const volatile uint8_t *p, unsigned len)
{
	uint8_t c = 0;

	for (unsigned i = 0; i < len; i++)
		c ^= p[i];
	return c;
}

void scale_i32(int32_t *dst, const int32_t *src, size_t n, int32_t k)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] * k + 7;
}
