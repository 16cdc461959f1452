/* SPDX-License-Identifier: GPL-2.0-only */
/* A small, fast, seedable generator (xoshiro256**, seeded through splitmix64). */
#ifndef KPSIM_SIM_RNG_H
#define KPSIM_SIM_RNG_H

#include <stdint.h>

typedef struct {
	uint64_t s[4];
} SimRng;

static inline uint64_t sim_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void sim_rng_seed(SimRng *r, uint64_t seed)
{
	uint64_t x = seed;

	for (int i = 0; i < 4; i++)
		r->s[i] = sim_splitmix64(&x);
}

static inline uint64_t sim_rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t sim_rng_next(SimRng *r)
{
	uint64_t *s = r->s;
	uint64_t result = sim_rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = sim_rng_rotl(s[3], 45);
	return result;
}

__extension__ typedef unsigned __int128 sim_u128;

/* Uniform in [0, n) without modulo bias (Lemire's multiply-shift with rejection). */
static inline uint64_t sim_rng_below(SimRng *r, uint64_t n)
{
	sim_u128 m = (sim_u128)sim_rng_next(r) * n;
	uint64_t low = (uint64_t)m;

	if (low < n) {
		uint64_t threshold = -n % n;

		while (low < threshold) {
			m = (sim_u128)sim_rng_next(r) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

#endif
