// SPDX-License-Identifier: GPL-2.0-only
/* Decoder corpus: multiply, divide, shifts and rotates at 8, 16, 32, 64 and 128 bits. */
#include <stdint.h>

int8_t  mul8(int8_t a, int8_t b) { return (int8_t)(a * b); }
uint8_t div8(uint8_t a, uint8_t b) { return b ? a / b : 0; }
int8_t  mod8(int8_t a, int8_t b) { return b ? a % b : 0; }
int16_t mul16(int16_t a, int16_t b) { return (int16_t)(a * b); }
uint16_t div16(uint16_t a, uint16_t b) { return b ? a / b : 0; }
int16_t sdiv16(int16_t a, int16_t b) { return b ? a / b : 0; }
int32_t mul32(int32_t a, int32_t b) { return a * b; }
uint32_t udiv32(uint32_t a, uint32_t b) { return a / b; }
int32_t sdiv32(int32_t a, int32_t b) { return a / b; }
int32_t smod32(int32_t a, int32_t b) { return a % b; }
int64_t mul64(int64_t a, int64_t b) { return a * b; }
uint64_t udiv64(uint64_t a, uint64_t b) { return a / b; }
int64_t sdiv64(int64_t a, int64_t b) { return a / b; }
uint64_t umod64(uint64_t a, uint64_t b) { return a % b; }

uint64_t mulhi64(uint64_t a, uint64_t b)
{
	return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

__int128 mul128(__int128 a, __int128 b)
{
	return a * b;
}

uint32_t div_by_const(uint32_t a) { return a / 7 + a / 10 + a % 13; }
int64_t sdiv_by_const(int64_t a) { return a / 1000 - a % 3; }
int32_t mul_by_consts(int32_t a) { return a * 3 + a * 5 + a * 9 + a * 100 + a * -1; }
uint64_t big_imm(uint64_t a) { return a * 0x9e3779b97f4a7c15ull + 0x123456789abcdefull; }
int16_t imm16(int16_t a) { return (int16_t)(a + 0x1234); }

uint32_t shl32(uint32_t a, unsigned s) { return a << (s & 31); }
int32_t sar32(int32_t a, unsigned s) { return a >> (s & 31); }
uint64_t shr64(uint64_t a, unsigned s) { return a >> (s & 63); }
uint8_t shl8(uint8_t a, unsigned s) { return (uint8_t)(a << (s & 7)); }
uint16_t shr16(uint16_t a) { return a >> 3; }

uint32_t rol32(uint32_t a, unsigned s) { return (a << (s & 31)) | (a >> ((32 - s) & 31)); }
uint64_t ror64(uint64_t a) { return (a >> 13) | (a << 51); }
uint16_t rol16(uint16_t a) { return (uint16_t)((a << 4) | (a >> 12)); }
uint8_t ror8(uint8_t a, unsigned s) { return (uint8_t)((a >> (s & 7)) | (a << ((8 - s) & 7))); }

uint64_t shld64(uint64_t hi, uint64_t lo, unsigned s)
{
	s &= 63;
	return s ? (hi << s) | (lo >> (64 - s)) : hi;
}

unsigned __int128 shl128(unsigned __int128 a, unsigned s)
{
	return a << (s & 127);
}

int64_t abs64(int64_t a) { return a < 0 ? -a : a; }
int32_t min32(int32_t a, int32_t b) { return a < b ? a : b; }
uint64_t max64u(uint64_t a, uint64_t b) { return a > b ? a : b; }
int clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
int sign(long v) { return (v > 0) - (v < 0); }
_Bool is_pow2(uint64_t v) { return v && !(v & (v - 1)); }
uint32_t avg_u32(uint32_t a, uint32_t b) { return (uint32_t)(((uint64_t)a + b) >> 1); }

int add_overflows(int a, int b, int *res)
{
	return __builtin_add_overflow(a, b, res);
}

int mul_overflows(long a, long b, long *res)
{
	return __builtin_mul_overflow(a, b, res);
}

uint64_t add_carry(uint64_t a, uint64_t b, uint64_t c)
{
	unsigned __int128 s = (unsigned __int128)a + b + c;

	return (uint64_t)(s >> 64) ^ (uint64_t)s;
}

int64_t widen(int8_t a, int16_t b, int32_t c, uint8_t d, uint16_t e, uint32_t f)
{
	return (int64_t)a + b + c + d + e + f;
}

uint8_t narrow(uint64_t v) { return (uint8_t)(v ^ (v >> 8) ^ (v >> 16)); }

int cmp_chain(long a, long b)
{
	if (a == b) return 0;
	if (a < b) return -1;
	if ((unsigned long)a > (unsigned long)b) return 2;
	return 1;
}

_Bool flags8(uint8_t a, uint8_t b) { return (uint8_t)(a + b) < a; }
_Bool neg_test(int16_t v) { return v < 0 && (v & 0x100); }
int test_imm32(uint32_t v) { return (v & 0x10000) ? 1 : (v & 0x8) ? 2 : 3; }
long lea_forms(long a, long b) { return a + b * 8 + 16 + (a * 4) + (b << 1); }
