// SPDX-License-Identifier: GPL-2.0-only
/*
 * Decoder corpus: a little scalar SSE floating point (moves, arithmetic, conversions,
 * compares).  Kernel-like builds pass -mno-sse, so the file is empty there.
 */
#ifdef __SSE2__
#include <stdint.h>

double dot3(const double *a, const double *b)
{
	return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

float lerp(float a, float b, float t)
{
	return a + (b - a) * t;
}

int64_t to_int(double d) { return (int64_t)d; }
int32_t to_int32(float f) { return (int32_t)f; }
double from_int(int64_t v) { return (double)v; }
float from_u32(uint32_t v) { return (float)v; }
double from_u64(uint64_t v) { return (double)v; }
uint64_t to_u64(double d) { return (uint64_t)d; }
double widen(float f) { return f; }
float narrow(double d) { return (float)d; }

int fcmp(double a, double b)
{
	if (a < b)
		return -1;
	if (a > b)
		return 1;
	return a == b ? 0 : 2;
}

double fmax_local(double a, double b) { return a > b ? a : b; }
double fabs_local(double a) { return a < 0 ? -a : a; }
double fneg(double a) { return -a; }
double sqrt_nomath(double a) { return __builtin_sqrt(a); }

double mean(const double *v, int n)
{
	double s = 0;

	for (int i = 0; i < n; i++)
		s += v[i];
	return n ? s / n : 0.0;
}

void scale(float *v, int n, float k)
{
	for (int i = 0; i < n; i++)
		v[i] *= k;
}

struct vec4 { float x, y, z, w; };

struct vec4 vadd(struct vec4 a, struct vec4 b)
{
	return (struct vec4){ a.x + b.x, a.y + b.y, a.z + b.z, a.w + b.w };
}

double poly(double x)
{
	return ((3.0 * x + 2.5) * x - 1.25) * x + 0.125;
}

uint64_t bits_of(double d)
{
	union { double d; uint64_t u; } u = { d };

	return u.u;
}

double constant_load(int i)
{
	static const double table[4] = { 1.5, -2.25, 3.125, 1e300 };

	return table[i & 3];
}
#else
int fp_disabled;
#endif
