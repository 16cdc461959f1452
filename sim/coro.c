// SPDX-License-Identifier: GPL-2.0-only
/*
 * Coroutine backends.  The fortified longjmp refuses to jump to another stack, which is
 * the whole point here, so this file is built without _FORTIFY_SOURCE.
 */
#undef _FORTIFY_SOURCE
#include "sim/coro.h"

#include <assert.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define SIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_ASAN 1
#endif
#endif

#ifdef SIM_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define SIM_VALGRIND 1
#endif
#endif

#if !defined(SIM_CORO_SJLJ) && !defined(__x86_64__)
#define SIM_CORO_SJLJ 1
#endif

struct SimCoroImpl {
	sigjmp_buf env;
	ucontext_t uc;
	SimCoroEntry entry;
	void *arg;
	sigjmp_buf *launcher;
};

static size_t page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > 0 ? (size_t)ps : 4096;
}

bool sim_coro_alloc(SimCoro *co, size_t stack_size)
{
	size_t ps = page_size();
	size_t usable = (stack_size + ps - 1) / ps * ps;
	void *map;

	assert(co != NULL);
	assert(stack_size >= 16384);
	memset(co, 0, sizeof(*co));
	map = mmap(NULL, usable + ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return false;
	/* A task that overflows its stack faults on the guard page instead of corrupting. */
	if (mprotect(map, ps, PROT_NONE) != 0) {
		munmap(map, usable + ps);
		return false;
	}
	co->impl = calloc(1, sizeof(*co->impl));
	if (!co->impl) {
		munmap(map, usable + ps);
		return false;
	}
	co->stack = map;
	co->stack_size = usable;
	co->asan_bottom = (char *)map + ps;
	co->asan_size = usable;
#ifdef SIM_VALGRIND
	co->valgrind_id = VALGRIND_STACK_REGISTER((char *)map + ps, (char *)map + ps + usable);
#endif
	return true;
}

void sim_coro_free(SimCoro *co)
{
	assert(co != NULL && !co->is_main);
	if (!co->stack)
		return;
#ifdef SIM_VALGRIND
	VALGRIND_STACK_DEREGISTER(co->valgrind_id);
#endif
	munmap(co->stack, co->stack_size + page_size());
	free(co->impl);
	memset(co, 0, sizeof(*co));
}

void sim_coro_init_main(SimCoro *main)
{
	memset(main, 0, sizeof(*main));
	main->is_main = true;
	main->impl = calloc(1, sizeof(*main->impl));
	assert(main->impl != NULL);
}

void sim_coro_destroy_main(SimCoro *main)
{
	assert(main->is_main);
	free(main->impl);
	main->impl = NULL;
}

/* Frames a previous, abandoned use of the stack left poisoned must not trip ASan now. */
static void unpoison_stack(SimCoro *co)
{
#ifdef SIM_ASAN
	ASAN_UNPOISON_MEMORY_REGION((char *)co->stack + page_size(), co->stack_size);
#else
	(void)co;
#endif
}

#ifndef SIM_CORO_SJLJ

const char *sim_coro_backend(void)
{
	return "asm-x86_64";
}

/*
 * sim_coro_swap(void **save_sp, void *load_sp): push the callee-saved state, store the
 * stack pointer, load the other one, pop its state and return into it.  A fresh stack is
 * prepared so that the final ret lands in sim_coro_trampoline with r12 = arg and
 * r13 = entry.
 */
__asm__(".text\n"
	".p2align 4\n"
	".type sim_coro_swap,@function\n"
	"sim_coro_swap:\n"
	"	.cfi_startproc\n"
	"	pushq %rbp\n"
	"	pushq %rbx\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	subq $8, %rsp\n"
	"	stmxcsr (%rsp)\n"
	"	fnstcw 4(%rsp)\n"
	"	movq %rsp, (%rdi)\n"
	"	movq %rsi, %rsp\n"
	"	ldmxcsr (%rsp)\n"
	"	fldcw 4(%rsp)\n"
	"	addq $8, %rsp\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbx\n"
	"	popq %rbp\n"
	"	ret\n"
	"	.cfi_endproc\n"
	".size sim_coro_swap, .-sim_coro_swap\n"
	".p2align 4\n"
	".type sim_coro_trampoline,@function\n"
	"sim_coro_trampoline:\n"
	"	.cfi_startproc\n"
	"	.cfi_undefined rip\n"
	"	movq %r12, %rdi\n"
	"	callq *%r13\n"
	"	ud2\n"
	"	.cfi_endproc\n"
	".size sim_coro_trampoline, .-sim_coro_trampoline\n");

void sim_coro_swap(void **save_sp, void *load_sp);
void sim_coro_trampoline(void);

static void *stack_top(const SimCoro *co)
{
	uintptr_t top = (uintptr_t)co->stack + page_size() + co->stack_size;

	return (void *)(top & ~(uintptr_t)15);
}

void sim_coro_start(SimCoro *co, SimCoroEntry entry, void *arg)
{
	uint64_t *top = stack_top(co);
	uint32_t csr[2];

	assert(co->stack != NULL && entry != NULL);
	unpoison_stack(co);
	/* Start with the creator's floating-point control state. */
	__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(csr[0]), "=m"(csr[1]));
	top[-1] = (uint64_t)(uintptr_t)sim_coro_trampoline;	/* ret target */
	top[-2] = 0;						/* rbp */
	top[-3] = 0;						/* rbx */
	top[-4] = (uint64_t)(uintptr_t)arg;			/* r12 */
	top[-5] = (uint64_t)(uintptr_t)entry;			/* r13 */
	top[-6] = 0;						/* r14 */
	top[-7] = 0;						/* r15 */
	memcpy(&top[-8], csr, sizeof(csr));			/* mxcsr, fpu cw */
	co->sp = &top[-8];
}

static void raw_switch(SimCoro *from, SimCoro *to)
{
	sim_coro_swap(&from->sp, to->sp);
}

#else /* SIM_CORO_SJLJ */

const char *sim_coro_backend(void)
{
	return "sigsetjmp";
}

/* makecontext passes no pointer portably; the launcher leaves it here for one instant. */
static __thread SimCoroImpl *sim_coro_launching;

static void sjlj_trampoline(void)
{
	SimCoroImpl *impl = sim_coro_launching;

	if (!sigsetjmp(impl->env, 0))
		siglongjmp(*impl->launcher, 1);
	impl->entry(impl->arg);
	abort();
}

void sim_coro_start(SimCoro *co, SimCoroEntry entry, void *arg)
{
	SimCoroImpl *impl = co->impl;
	sigjmp_buf launcher;
	ucontext_t here;

	assert(co->stack != NULL && entry != NULL);
	unpoison_stack(co);
	impl->entry = entry;
	impl->arg = arg;
	impl->launcher = &launcher;
	if (getcontext(&impl->uc) != 0)
		abort();
	impl->uc.uc_stack.ss_sp = (char *)co->stack + page_size();
	impl->uc.uc_stack.ss_size = co->stack_size;
	impl->uc.uc_link = NULL;
	makecontext(&impl->uc, sjlj_trampoline, 0);
	/* One swapcontext per task start to get onto the new stack; switches use siglongjmp. */
	sim_coro_launching = impl;
	if (!sigsetjmp(launcher, 0))
		swapcontext(&here, &impl->uc);
	sim_coro_launching = NULL;
	impl->launcher = NULL;
}

static void raw_switch(SimCoro *from, SimCoro *to)
{
	if (!sigsetjmp(from->impl->env, 0))
		siglongjmp(to->impl->env, 1);
}

#endif /* SIM_CORO_SJLJ */

void sim_coro_switch(SimCoro *from, SimCoro *to, bool from_dies)
{
	assert(from != to);
	assert(to->is_main || to->stack != NULL);
#ifdef SIM_ASAN
	__sanitizer_start_switch_fiber(from_dies ? NULL : &from->asan_fake, to->asan_bottom,
				       to->asan_size);
#else
	(void)from_dies;
#endif
	raw_switch(from, to);
#ifdef SIM_ASAN
	/* Back in `from`: someone switched to us. */
	__sanitizer_finish_switch_fiber(from->asan_fake, NULL, NULL);
#endif
}

void sim_coro_entered(SimCoro *co, SimCoro *main)
{
	assert(co != NULL && main != NULL);
#ifdef SIM_ASAN
	const void *bottom = NULL;
	size_t size = 0;

	__sanitizer_finish_switch_fiber(NULL, &bottom, &size);
	/* The first task of a run is always entered from the thread's own stack. */
	if (!main->asan_bottom) {
		main->asan_bottom = bottom;
		main->asan_size = size;
	}
#else
	(void)co;
	(void)main;
#endif
}
