/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tracked allocator behind the model's kzalloc/kfree.  Every object carries a type
 * tag and an allocation number (never a host address, so reports are deterministic).  A
 * freed object is filled with POISON_FREE (0x6b) and kept in quarantine until the run
 * ends, so a later free is caught as a double free and a later write is caught when the
 * quarantine is checked.  Objects still live at the end are reported as leaks.
 */
#ifndef KPSIM_SIM_ALLOC_H
#define KPSIM_SIM_ALLOC_H

#include "sim/types.h"

#define SIM_POISON_FREE 0x6b

/* Zeroed object of `size` bytes; `type` is a static string (e.g. "optimized_kprobe"). */
void *sim_kzalloc(SimCtx *ctx, size_t size, const char *type, const char *file, int line);
/* Free; NULL is ignored.  Double free and unknown pointers are fatal violations. */
void sim_kfree(SimCtx *ctx, const void *ptr, const char *file, int line);
/* True if ptr is a live object of this run (use-after-free checks at access sites). */
bool sim_alloc_is_live(const SimCtx *ctx, const void *ptr);
/* Allocation number of a live or freed object (0 if unknown). */
uint64_t sim_alloc_id(const SimCtx *ctx, const void *ptr);

typedef struct {
	uint64_t id;
	const char *type;
	size_t size;
	const char *file;
	int line;
	uint64_t step;
} SimAllocInfo;

/* Live objects, in allocation order; returns the count (fills at most max). */
size_t sim_alloc_live(const SimCtx *ctx, SimAllocInfo *out, size_t max);
size_t sim_alloc_live_count(const SimCtx *ctx);
/*
 * Whether the engine reports objects still live at the end of a completed run as leaks
 * (on by default, reset with the context).  A layer that knows which objects its kernel
 * keeps on purpose turns it off and judges leaks itself.
 */
void sim_alloc_set_leak_check(SimCtx *ctx, bool on);

/*
 * Fault injection, as the kernel's /proc/<pid>/fail-nth: after sim_fail_nth_set(ctx, n)
 * the n-th injectable call made by the running task fails, then injection is off again.
 * sim_fail_nth_should_fail() is that call's question (it counts the call); `what` names
 * it in the trace.  Outside a task nothing fails.
 */
void sim_fail_nth_set(SimCtx *ctx, unsigned n);
bool sim_fail_nth_should_fail(SimCtx *ctx, const char *what);

/*
 * Check the quarantine for writes after free and report each as a violation; report
 * leaks when report_leaks.  Called by the engine at the end of a run; exposed for tests.
 */
void sim_alloc_check(SimCtx *ctx, bool report_leaks);

#endif
