// SPDX-License-Identifier: GPL-2.0-only
#include "sim/internal.h"
#include "sim/srcpath.h"

#include <assert.h>
#include <string.h>

#define HDR_MAGIC 0x6b70616c6c6f6321ull	/* "kpalloc!" */
#define REDZONE 16
#define REDZONE_BYTE 0xa5

typedef struct SimAllocHdr {
	uint64_t magic;
	uint64_t id;
	const char *type;
	const char *file;
	int line;
	bool freed;
	size_t size;
	uint64_t step;
	uint64_t free_step;
	const char *free_file;
	int free_line;
	/* payload follows, 16-byte aligned, then REDZONE bytes */
	_Alignas(16) unsigned char payload[];
} SimAllocHdr;

static SimAllocHdr *hdr_of(const SimCtx *ctx, const void *ptr)
{
	return g_hash_table_lookup(ctx->allocs, ptr);
}

void *sim_kzalloc(SimCtx *ctx, size_t size, const char *type, const char *file, int line)
{
	SimAllocHdr *h;

	assert(type != NULL);
	h = g_malloc0(sizeof(*h) + size + REDZONE);
	h->magic = HDR_MAGIC;
	h->id = ++ctx->alloc_seq;
	h->type = type;
	h->file = file;
	h->line = line;
	h->size = size;
	h->step = ctx->step;
	memset(h->payload + size, REDZONE_BYTE, REDZONE);
	g_hash_table_insert(ctx->allocs, h->payload, h);
	g_ptr_array_add(ctx->alloc_order, h);
	SIM_TRACE(ctx, SIM_EV_ALLOC, "alloc", type, (int64_t)h->id, (int64_t)size, 0);
	return h->payload;
}

static bool redzone_intact(const SimAllocHdr *h)
{
	for (unsigned i = 0; i < REDZONE; i++)
		if (h->payload[h->size + i] != REDZONE_BYTE)
			return false;
	return true;
}

void sim_kfree(SimCtx *ctx, const void *ptr, const char *file, int line)
{
	SimAllocHdr *h;

	if (!ptr)
		return;
	h = hdr_of(ctx, ptr);
	if (!h || h->magic != HDR_MAGIC) {
		sim_report(ctx, SIM_V_MEMORY, true, "bad-free", "kfree",
			   "kfree of a pointer that was never allocated");
		return;
	}
	if (h->freed) {
		sim_report(ctx, SIM_V_MEMORY, true, "double-free", h->type,
			   "double kfree of %s #%llu (allocated at %s:%d, freed at %s:%d step %llu)",
			   h->type, (unsigned long long)h->id, sim_source_path(h->file), h->line,
			   sim_source_path(h->free_file),
			   h->free_line, (unsigned long long)h->free_step);
		return;
	}
	if (!redzone_intact(h))
		sim_report(ctx, SIM_V_MEMORY, true, "overflow", h->type,
			   "write past the end of %s #%llu", h->type, (unsigned long long)h->id);
	h->freed = true;
	h->free_step = ctx->step;
	h->free_file = file;
	h->free_line = line;
	/* Poisoned and kept: a later write shows up in sim_alloc_check. */
	memset(h->payload, SIM_POISON_FREE, h->size);
	SIM_TRACE(ctx, SIM_EV_FREE, "free", h->type, (int64_t)h->id, (int64_t)h->size, 0);
}

bool sim_alloc_is_live(const SimCtx *ctx, const void *ptr)
{
	const SimAllocHdr *h = hdr_of(ctx, ptr);

	return h && !h->freed;
}

uint64_t sim_alloc_id(const SimCtx *ctx, const void *ptr)
{
	const SimAllocHdr *h = hdr_of(ctx, ptr);

	return h ? h->id : 0;
}

size_t sim_alloc_live(const SimCtx *ctx, SimAllocInfo *out, size_t max)
{
	size_t n = 0;

	for (unsigned i = 0; i < ctx->alloc_order->len; i++) {
		const SimAllocHdr *h = g_ptr_array_index(ctx->alloc_order, i);

		if (h->freed)
			continue;
		if (n < max)
			out[n] = (SimAllocInfo){ h->id, h->type, h->size, h->file, h->line, h->step };
		n++;
	}
	return n;
}

size_t sim_alloc_live_count(const SimCtx *ctx)
{
	return sim_alloc_live(ctx, NULL, 0);
}

void sim_alloc_check(SimCtx *ctx, bool report_leaks)
{
	for (unsigned i = 0; i < ctx->alloc_order->len; i++) {
		const SimAllocHdr *h = g_ptr_array_index(ctx->alloc_order, i);

		if (!h->freed) {
			if (report_leaks)
				sim_report(ctx, SIM_V_MEMORY, false, "leak", h->type,
					   "%s #%llu (%zu bytes, allocated at step %llu) was never freed",
					   h->type, (unsigned long long)h->id, h->size,
					   (unsigned long long)h->step);
			continue;
		}
		for (size_t j = 0; j < h->size; j++) {
			if (h->payload[j] == SIM_POISON_FREE)
				continue;
			sim_report(ctx, SIM_V_MEMORY, false, "use-after-free", h->type,
				   "%s #%llu was written after it was freed at step %llu (offset %zu)",
				   h->type, (unsigned long long)h->id,
				   (unsigned long long)h->free_step, j);
			break;
		}
	}
}

void sim_alloc_set_leak_check(SimCtx *ctx, bool on)
{
	ctx->leak_check = on;
}

void sim_alloc_reset(SimCtx *ctx)
{
	ctx->leak_check = true;
	for (unsigned i = 0; i < ctx->alloc_order->len; i++)
		g_free(g_ptr_array_index(ctx->alloc_order, i));
	g_ptr_array_set_size(ctx->alloc_order, 0);
	g_hash_table_remove_all(ctx->allocs);
	ctx->alloc_seq = 0;
}

void sim_fail_nth_set(SimCtx *ctx, unsigned n)
{
	SimTask *t = sim_current(ctx);

	assert(t != NULL);
	t->fail_nth = n;
}

bool sim_fail_nth_should_fail(SimCtx *ctx, const char *what)
{
	SimTask *t = sim_current(ctx);

	assert(what != NULL);
	if (!t || !t->fail_nth || --t->fail_nth)
		return false;
	SIM_TRACE(ctx, SIM_EV_USER, "fail-nth", what, 0, 0, 0);
	return true;
}
