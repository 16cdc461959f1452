// SPDX-License-Identifier: GPL-2.0-only
/* Decoder corpus: __atomic builtins (lock prefixes, xadd, cmpxchg, xchg) and fences. */
#include <stdbool.h>
#include <stdint.h>

typedef struct { int counter; } atomic_t;
typedef struct { long counter; } atomic64_t;

int atomic_read(const atomic_t *v) { return __atomic_load_n(&v->counter, __ATOMIC_RELAXED); }
void atomic_set(atomic_t *v, int i) { __atomic_store_n(&v->counter, i, __ATOMIC_RELAXED); }
void atomic_set_release(atomic_t *v, int i) { __atomic_store_n(&v->counter, i, __ATOMIC_RELEASE); }
void atomic_set_seq(atomic_t *v, int i) { __atomic_store_n(&v->counter, i, __ATOMIC_SEQ_CST); }
void atomic_inc(atomic_t *v) { __atomic_fetch_add(&v->counter, 1, __ATOMIC_RELAXED); }
void atomic_dec(atomic_t *v) { __atomic_fetch_sub(&v->counter, 1, __ATOMIC_RELAXED); }
int atomic_add_return(int i, atomic_t *v) { return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST); }
int atomic_fetch_add(int i, atomic_t *v) { return __atomic_fetch_add(&v->counter, i, __ATOMIC_SEQ_CST); }
long atomic64_fetch_add(long i, atomic64_t *v) { return __atomic_fetch_add(&v->counter, i, __ATOMIC_SEQ_CST); }
int atomic_fetch_or(int i, atomic_t *v) { return __atomic_fetch_or(&v->counter, i, __ATOMIC_SEQ_CST); }
void atomic_and(int i, atomic_t *v) { __atomic_and_fetch(&v->counter, i, __ATOMIC_SEQ_CST); }
void atomic64_xor(long i, atomic64_t *v) { __atomic_xor_fetch(&v->counter, i, __ATOMIC_SEQ_CST); }
int atomic_xchg(atomic_t *v, int n) { return __atomic_exchange_n(&v->counter, n, __ATOMIC_SEQ_CST); }

bool atomic_dec_and_test(atomic_t *v)
{
	return __atomic_sub_fetch(&v->counter, 1, __ATOMIC_SEQ_CST) == 0;
}

int atomic_cmpxchg(atomic_t *v, int old, int new)
{
	__atomic_compare_exchange_n(&v->counter, &old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return old;
}

bool atomic64_try_cmpxchg(atomic64_t *v, long *old, long new)
{
	return __atomic_compare_exchange_n(&v->counter, old, new, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

int atomic_add_unless(atomic_t *v, int a, int u)
{
	int c = atomic_read(v);

	do {
		if (c == u)
			return 0;
	} while (!__atomic_compare_exchange_n(&v->counter, &c, c + a, true, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	return 1;
}

uint8_t xchg8(uint8_t *p, uint8_t v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }
uint16_t cmpxchg16(uint16_t *p, uint16_t o, uint16_t n)
{
	__atomic_compare_exchange_n(p, &o, n, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return o;
}
uint16_t fetch_add16(uint16_t *p, uint16_t v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }
uint8_t fetch_and8(uint8_t *p) { return __atomic_fetch_and(p, 0x0f, __ATOMIC_SEQ_CST); }

bool test_and_set(volatile bool *p) { return __atomic_test_and_set((void *)p, __ATOMIC_ACQUIRE); }
void clear_flag(volatile bool *p) { __atomic_clear((void *)p, __ATOMIC_RELEASE); }

void full_fence(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
void acquire_fence(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }
void signal_fence(void) { __atomic_signal_fence(__ATOMIC_SEQ_CST); }

typedef struct { volatile int locked; } spinlock_t;

void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

bool spin_trylock(spinlock_t *l)
{
	int zero = 0;

	return __atomic_compare_exchange_n(&l->locked, &zero, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

long refcount_inc_not_zero(long *r)
{
	long c = __atomic_load_n(r, __ATOMIC_RELAXED);

	while (c && !__atomic_compare_exchange_n(r, &c, c + 1, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	return c;
}

int sync_builtins(int *p)
{
	__sync_fetch_and_add(p, 5);
	__sync_synchronize();
	return __sync_val_compare_and_swap(p, 5, 6) + __sync_lock_test_and_set(p, 9);
}

void lock_incdec(long *p)
{
	__asm__ volatile("lock incq %0; lock decl %1; lock negq %0; lock notw %2"
			 : "+m"(*p), "+m"(*(int *)p), "+m"(*(short *)p));
}

int cmpxchg16b_asm(unsigned __int128 *p, unsigned long lo, unsigned long hi)
{
	unsigned char ok;
	unsigned long olo = 0, ohi = 0;

	__asm__ volatile("lock cmpxchg16b %1; sete %0"
			 : "=q"(ok), "+m"(*p), "+a"(olo), "+d"(ohi)
			 : "b"(lo), "c"(hi) : "memory");
	return ok;
}
