/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Coroutines: a stack and a saved stack pointer.  On x86-64 the switch is a few
 * instructions that save the callee-saved registers, MXCSR and the x87 control word; the
 * portable backend uses sigsetjmp/siglongjmp (without the signal mask) after a one-time
 * makecontext.  Neither uses swapcontext per switch, which costs a system call.
 *
 * AddressSanitizer is told about every switch (fiber annotations), and Valgrind about
 * every stack, so both keep working across switches.
 */
#ifndef KPSIM_SIM_CORO_H
#define KPSIM_SIM_CORO_H

#include <stdbool.h>
#include <stddef.h>

typedef void (*SimCoroEntry)(void *arg);

typedef struct SimCoroImpl SimCoroImpl;

typedef struct SimCoro {
	void *sp;		/* saved stack pointer (asm backend) */
	SimCoroImpl *impl;	/* backend state (jmp_buf for the portable backend) */
	void *stack;		/* lowest address of the mapping (a guard page) */
	size_t stack_size;	/* usable bytes above the guard page */
	void *asan_fake;	/* AddressSanitizer's fake-stack handle while switched out */
	const void *asan_bottom; /* where ASan should believe this stack starts */
	size_t asan_size;
	unsigned valgrind_id;
	bool is_main;
} SimCoro;

const char *sim_coro_backend(void);

/* The calling thread's own stack; switches to it end a run. */
void sim_coro_init_main(SimCoro *main);
void sim_coro_destroy_main(SimCoro *main);
/* Allocate a stack (with a guard page below it). */
bool sim_coro_alloc(SimCoro *co, size_t stack_size);
void sim_coro_free(SimCoro *co);
/* (Re)start: the next switch to `co` calls entry(arg) on a fresh stack.  entry must not return. */
void sim_coro_start(SimCoro *co, SimCoroEntry entry, void *arg);
/* Save the current context into `from` and resume `to`.  `from_dies`: never resumed again. */
void sim_coro_switch(SimCoro *from, SimCoro *to, bool from_dies);
/* Must be called first thing in every entry function (finishes the ASan switch). */
void sim_coro_entered(SimCoro *co, SimCoro *main);

#endif
