/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Emulated kernel images: text regions with their original bytes, the kallsyms table and
 * the reservation tables kprobes consults (exception table, .kprobes.text and blacklist,
 * SMP-alternatives lock prefixes, ftrace and jump-label sites).  An image is constant data;
 * the text segment copies the bytes it needs and never writes here.
 *
 * The default image (emu_default_image) is generated from real compiled code, see
 * docs/kernel-image.md.  All tables are sorted by address; ranges are half-open [lo, hi).
 */
#ifndef KPSIM_EMU_IMAGE_H
#define KPSIM_EMU_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	EMU_REGION_CORE_TEXT,	/* kernel .text (including .kprobes.text and .fixup) */
	EMU_REGION_INIT_TEXT,	/* kernel .init.text, freed after boot */
	EMU_REGION_MODULE_CORE,	/* a module's core text (.text, .exit.text, .fixup) */
	EMU_REGION_MODULE_INIT,	/* a module's init text, freed once its init returned */
} EmuRegionKind;

typedef struct {
	const char *name;	/* "kernel.text", "mod_a.init.text", ... */
	uint8_t kind;		/* EmuRegionKind */
	const char *module;	/* owning module, NULL for the kernel */
	uint64_t base;
	uint32_t size;
	const uint8_t *bytes;	/* `size` original bytes, as after boot-time patching */
} EmuImageRegion;

/*
 * A kallsyms entry.  `size` is what kallsyms_lookup_size_offset() reports: the distance to
 * the next symbol of the region (or to the region end), so it includes alignment padding
 * and any unnamed code (.fixup) that follows the function.  `code_size` is the compiler's
 * size of the function proper; code_size <= size.
 */
typedef struct {
	const char *name;
	uint64_t addr;
	uint32_t size;
	uint32_t code_size;
	uint16_t region;	/* index into EmuImage.regions */
} EmuSymbol;

typedef struct {
	uint64_t lo, hi;	/* [lo, hi) */
	const char *why;
} EmuRange;

typedef struct {
	const char *name;
	uint16_t core_region, init_region;	/* indices into EmuImage.regions */
} EmuModuleImage;

typedef struct {
	const EmuImageRegion *regions;
	size_t n_regions;
	const EmuSymbol *symbols;	/* sorted by address, non-overlapping */
	size_t n_symbols;
	const EmuModuleImage *modules;
	size_t n_modules;
	const uint64_t *extable;	/* instructions with an exception fixup, sorted */
	size_t n_extable;
	const EmuRange *kprobes_text;	/* .kprobes.text and blacklisted functions */
	size_t n_kprobes_text;
	const EmuRange *alternatives;	/* lock prefixes (alternatives_text_reserved) */
	size_t n_alternatives;
	const EmuRange *ftrace;		/* ftrace call sites (ftrace_text_reserved) */
	size_t n_ftrace;
	const EmuRange *jump_label;	/* static-branch sites (jump_label_text_reserved) */
	size_t n_jump_label;
} EmuImage;

/* The built-in image (generated: arch_x86_emu/image/default_image.c). */
const EmuImage *emu_default_image(void);

/* Lookups over any image.  They never modify anything and return NULL when not found. */
const EmuSymbol *emu_image_symbol_by_name(const EmuImage *img, const char *name);
/* The symbol whose kallsyms extent [addr, addr + size) contains `addr`. */
const EmuSymbol *emu_image_symbol_at(const EmuImage *img, uint64_t addr);
const EmuImageRegion *emu_image_region_at(const EmuImage *img, uint64_t addr);
const EmuModuleImage *emu_image_module_by_name(const EmuImage *img, const char *name);

/* search_exception_tables(): does the instruction at `addr` have a fixup? */
bool emu_image_in_extable(const EmuImage *img, uint64_t addr);

/*
 * Does [start, end] (both inclusive, as the kernel's *_text_reserved() take them) overlap
 * any of the `n` ranges?  Returns the first overlapping range or NULL.
 */
const EmuRange *emu_ranges_overlap(const EmuRange *ranges, size_t n,
				   uint64_t start, uint64_t end);

#endif
