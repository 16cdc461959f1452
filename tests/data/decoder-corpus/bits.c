// SPDX-License-Identifier: GPL-2.0-only
/* Decoder corpus: bit scans, population count, byte swaps, bitmaps and bitfields. */
#include <stddef.h>
#include <stdint.h>

int ctz64(uint64_t v) { return v ? __builtin_ctzll(v) : 64; }
int clz32(uint32_t v) { return v ? __builtin_clz(v) : 32; }
int ffs_long(long v) { return __builtin_ffsl(v); }
int fls64(uint64_t v) { return v ? 64 - __builtin_clzll(v) : 0; }
int popcount64(uint64_t v) { return __builtin_popcountll(v); }
int parity32(uint32_t v) { return __builtin_parity(v); }
uint16_t bswap16(uint16_t v) { return __builtin_bswap16(v); }
uint32_t bswap32(uint32_t v) { return __builtin_bswap32(v); }
uint64_t bswap64(uint64_t v) { return __builtin_bswap64(v); }

int popcount_loop(uint32_t v)
{
	int c = 0;

	while (v) {
		v &= v - 1;
		c++;
	}
	return c;
}

#define BITS_PER_LONG 64

int test_bit(unsigned long nr, const volatile unsigned long *addr)
{
	return 1UL & (addr[nr / BITS_PER_LONG] >> (nr & (BITS_PER_LONG - 1)));
}

void set_bit(unsigned long nr, volatile unsigned long *addr)
{
	__asm__ volatile("lock btsq %1, %0" : "+m"(*addr) : "Ir"(nr) : "memory");
}

void clear_bit(unsigned long nr, volatile unsigned long *addr)
{
	__asm__ volatile("lock btrq %1, %0" : "+m"(*addr) : "Ir"(nr) : "memory");
}

void change_bit(unsigned long nr, volatile unsigned long *addr)
{
	__asm__ volatile("lock btcq %1, %0" : "+m"(*addr) : "Ir"(nr) : "memory");
}

int test_and_set_bit(unsigned long nr, volatile unsigned long *addr)
{
	unsigned char c;

	__asm__ volatile("lock btsq %2, %0; setc %1" : "+m"(*addr), "=qm"(c) : "Ir"(nr) : "memory");
	return c;
}

int bt_reg(uint64_t word, unsigned n)
{
	int r;

	__asm__("btq %2, %1; sbbl %0, %0" : "=r"(r) : "r"(word), "r"((uint64_t)n) : "cc");
	return r;
}

int bt_imm(uint32_t word)
{
	unsigned char r;

	__asm__("btl $7, %1; setc %0" : "=q"(r) : "r"(word) : "cc");
	return r;
}

size_t find_first_zero(const unsigned long *map, size_t bits)
{
	for (size_t i = 0; i < bits / BITS_PER_LONG; i++)
		if (~map[i])
			return i * BITS_PER_LONG + (size_t)__builtin_ctzl(~map[i]);
	return bits;
}

struct flags {
	unsigned a : 1;
	unsigned b : 3;
	unsigned c : 12;
	signed d : 7;
	unsigned long e : 33;
};

unsigned get_c(const struct flags *f) { return f->c; }
int get_d(const struct flags *f) { return f->d; }
void set_b(struct flags *f, unsigned v) { f->b = v & 7; }
void set_e(struct flags *f, unsigned long v) { f->e = v; }
void toggle_a(struct flags *f) { f->a = !f->a; }

uint32_t extract(uint32_t v, unsigned lo, unsigned n)
{
	return (v >> lo) & ((1u << n) - 1);
}

uint64_t interleave(uint32_t x)
{
	uint64_t v = x;

	v = (v | (v << 16)) & 0x0000ffff0000ffffull;
	v = (v | (v << 8)) & 0x00ff00ff00ff00ffull;
	v = (v | (v << 4)) & 0x0f0f0f0f0f0f0f0full;
	v = (v | (v << 2)) & 0x3333333333333333ull;
	v = (v | (v << 1)) & 0x5555555555555555ull;
	return v;
}

uint64_t shld_asm(uint64_t a, uint64_t b)
{
	__asm__("shldq $12, %1, %0" : "+r"(a) : "r"(b));
	__asm__("shrdq %%cl, %1, %0" : "+r"(a) : "r"(b), "c"(b));
	return a;
}

int tzcnt_lzcnt(uint64_t v)
{
	uint64_t a, b;

	__asm__("tzcntq %1, %0" : "=r"(a) : "rm"(v));
	__asm__("lzcntq %1, %0" : "=r"(b) : "rm"(v));
	return (int)(a + b);
}

int popcnt_insn(uint64_t v)
{
	uint64_t r;

	__asm__("popcntq %1, %0" : "=r"(r) : "rm"(v));
	return (int)r;
}
