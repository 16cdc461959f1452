// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lookups over an emulated kernel image.  Images are small (tens of symbols), but the
 * address lookups run on every can_probe()/can_optimize() call of an exploration, so the
 * sorted tables are searched by bisection.
 */
#include "arch_x86_emu/image.h"

#include <assert.h>
#include <string.h>

const EmuSymbol *emu_image_symbol_by_name(const EmuImage *img, const char *name)
{
	assert(img != NULL);
	assert(name != NULL);
	for (size_t i = 0; i < img->n_symbols; i++) {
		if (strcmp(img->symbols[i].name, name) == 0)
			return &img->symbols[i];
	}
	return NULL;
}

const EmuSymbol *emu_image_symbol_at(const EmuImage *img, uint64_t addr)
{
	size_t lo = 0, hi;

	assert(img != NULL);
	hi = img->n_symbols;
	/* Find the last symbol starting at or below addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (img->symbols[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const EmuSymbol *sym = &img->symbols[lo - 1];

	assert(sym->addr <= addr);
	return addr - sym->addr < sym->size ? sym : NULL;
}

const EmuImageRegion *emu_image_region_at(const EmuImage *img, uint64_t addr)
{
	assert(img != NULL);
	for (size_t i = 0; i < img->n_regions; i++) {
		const EmuImageRegion *r = &img->regions[i];

		if (addr >= r->base && addr - r->base < r->size)
			return r;
	}
	return NULL;
}

const EmuModuleImage *emu_image_module_by_name(const EmuImage *img, const char *name)
{
	assert(img != NULL);
	assert(name != NULL);
	for (size_t i = 0; i < img->n_modules; i++) {
		if (strcmp(img->modules[i].name, name) == 0)
			return &img->modules[i];
	}
	return NULL;
}

bool emu_image_in_extable(const EmuImage *img, uint64_t addr)
{
	size_t lo = 0, hi;

	assert(img != NULL);
	hi = img->n_extable;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (img->extable[mid] == addr)
			return true;
		if (img->extable[mid] < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

const EmuRange *emu_ranges_overlap(const EmuRange *ranges, size_t n,
				   uint64_t start, uint64_t end)
{
	assert(ranges != NULL || n == 0);
	assert(start <= end);
	/* The tables hold a handful of entries; a scan keeps this obviously right. */
	for (size_t i = 0; i < n; i++) {
		assert(ranges[i].lo < ranges[i].hi);
		if (ranges[i].lo <= end && start < ranges[i].hi)
			return &ranges[i];
	}
	return NULL;
}
