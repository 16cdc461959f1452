/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The emulated text segment: every byte of code a vCPU can execute, where it came from,
 * and who may change it.
 *
 * Text is a set of named regions.  The image's regions (kernel text, kernel init text,
 * module core and init text) are copied from an EmuImage; scenario functions live in one
 * more core-text region; slot pages (single-step copies, detour buffers) are allocated at
 * run time.  A region is UNMAPPED (a module not loaded yet), LIVE, or FREED; a freed
 * region keeps its bytes and its name for the rest of the run, so that a late write or a
 * late instruction fetch there is recognised and reported instead of silently succeeding.
 * Slot page addresses are never reused for the same reason.
 *
 * Besides the current bytes the segment keeps the original bytes and the original
 * instruction boundaries (each function decoded from its start over the original bytes),
 * the kallsyms table, and the reservation tables kprobes consults.  It knows nothing of
 * kprobes: it offers the primitives (text_poke, text_poke_smp, raw slot writes) and the
 * facts a higher layer needs to judge how they are used.
 *
 * One text segment belongs to one run: create it after sim_ctx_reset() and free it
 * after the run (or with the context).  Addresses are 64-bit kernel virtual addresses.
 */
#ifndef KPSIM_EMU_TEXT_H
#define KPSIM_EMU_TEXT_H

#include "arch_x86_emu/decode.h"
#include "arch_x86_emu/image.h"
#include "sim/mutex.h"
#include "sim/types.h"

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct EmuText EmuText;

/* Region kinds: the image's four, then the kinds created at run time. */
typedef enum {
	EMU_TEXT_CORE = EMU_REGION_CORE_TEXT,
	EMU_TEXT_INIT = EMU_REGION_INIT_TEXT,
	EMU_TEXT_MODULE_CORE = EMU_REGION_MODULE_CORE,
	EMU_TEXT_MODULE_INIT = EMU_REGION_MODULE_INIT,
	EMU_TEXT_SLOT_INSN,	/* a page of single-step slots (get_insn_slot) */
	EMU_TEXT_SLOT_OPT,	/* a page of detour buffers (get_optinsn_slot) */
	EMU_TEXT_SCENARIO,	/* functions a scenario added: core kernel text */
	EMU_TEXT_KINDS
} EmuTextKind;

typedef enum {
	EMU_TEXT_UNMAPPED,	/* known, not loaded yet: no page backs it */
	EMU_TEXT_LIVE,
	EMU_TEXT_FREED,		/* was live; nothing backs it any more */
} EmuTextState;

/* Where the dynamic regions go.  Slot pages sit in the module area, well within the
 * +-2 GB a rel32 jump from kernel text can reach. */
#define EMU_TEXT_SCENARIO_BASE 0xffffffff81f00000ull
#define EMU_TEXT_SCENARIO_LIMIT 0x00100000u	/* bytes of scenario text at most */
#define EMU_TEXT_SCENARIO_ALIGN 16u
#define EMU_TEXT_SLOT_BASE 0xffffffffa0800000ull
#define EMU_TEXT_PAGE_SIZE 4096u
/* Longest text_poke / text_poke_smp; kprobes writes 1 or 5 bytes. */
#define EMU_TEXT_POKE_MAX 16u

typedef struct {
	const char *name;	/* "kernel.text", "mod_a.init.text", "slot.opt.0", ... */
	const char *module;	/* owning module, NULL for kernel and dynamic regions */
	uint8_t kind;		/* EmuTextKind */
	uint8_t state;		/* EmuTextState */
	uint64_t base;
	uint32_t size;
} EmuTextRegionInfo;

EmuText *emu_text_new(SimCtx *ctx, const EmuImage *img);
/*
 * Back to what emu_text_new() made, for the next run on the same context: the image's
 * bytes and region states, no scenario text, slot pages, writes, reservations, text
 * mutex or write hook.  The image's decoded boundaries and kallsyms are kept (they
 * depend on the image alone): building them again cost a short run a fifth of its time.
 */
void emu_text_reset(EmuText *t);
void emu_text_free(EmuText *t);
SimCtx *emu_text_ctx(const EmuText *t);
const EmuImage *emu_text_image(const EmuText *t);

/* ---- regions ----------------------------------------------------------------------------- */

unsigned emu_text_n_regions(const EmuText *t);
void emu_text_region_info(const EmuText *t, unsigned region, EmuTextRegionInfo *out);
/* Region index by name or by address; -1 when there is none. */
int emu_text_region_find(const EmuText *t, const char *name);
int emu_text_region_at(const EmuText *t, uint64_t addr);
/* The state of the byte at addr; UNMAPPED for an address outside every region. */
EmuTextState emu_text_state_at(const EmuText *t, uint64_t addr);

/*
 * Map (UNMAPPED -> LIVE) or free (LIVE -> FREED) an image or scenario region.  A freed
 * module region can be mapped again, with the image's bytes: a module loaded again is
 * given the area its last load freed, as module_alloc() can hand it back (the case
 * kprobes' GONE probes are there for).  Returns false and changes nothing for any other
 * transition.  Called from a task, each is a decision point whose step writes the whole
 * region (a vCPU fetching there conflicts).
 */
bool emu_text_region_map(EmuText *t, unsigned region);
bool emu_text_region_free(EmuText *t, unsigned region);
/* Conveniences over the two above, by module name: load maps core and init text; the
 * init text is freed once init returned; unload frees whatever is still live. */
bool emu_text_module_load(EmuText *t, const char *module);
bool emu_text_module_free_init(EmuText *t, const char *module);
bool emu_text_module_unload(EmuText *t, const char *module);
/* free_initmem(): the kernel's init text. */
bool emu_text_free_kernel_init(EmuText *t);

/* "f_small+0x3", "slot.opt.0+0x40" or "0xffff..." into buf (for messages). */
void emu_text_describe(const EmuText *t, uint64_t addr, char *buf, size_t size);
/* "48 89 e5" into buf (for messages); truncated to what fits. */
void emu_text_hex(const uint8_t *bytes, size_t len, char *buf, size_t size);

/* ---- kallsyms ----------------------------------------------------------------------------- */

typedef struct {
	const char *name;
	uint64_t addr;
	uint32_t size;		/* kallsyms extent (see EmuSymbol in image.h) */
	uint32_t code_size;	/* the function proper */
	unsigned region;
	/*
	 * Would kallsyms report it right now?  Kernel symbols (including init text after
	 * free_initmem, as kallsyms of this era does) always; module symbols only while
	 * their region is live.
	 */
	bool visible;
} EmuTextSymbol;

unsigned emu_text_n_symbols(const EmuText *t);
/* Symbols in address order. */
void emu_text_symbol(const EmuText *t, unsigned i, EmuTextSymbol *out);
bool emu_text_symbol_by_name(const EmuText *t, const char *name, EmuTextSymbol *out);
/*
 * The symbol whose extent [addr, addr + size) contains `addr`, and the offset into it
 * (kallsyms_lookup_size_offset).  Slot pages have no symbols.  Check `visible` for what
 * the kernel would answer.
 */
bool emu_text_symbol_at(const EmuText *t, uint64_t addr, EmuTextSymbol *out, uint64_t *offset);

/*
 * Add a scenario function: placed in the scenario region (16-byte aligned, from
 * EMU_TEXT_SCENARIO_BASE up; the gap before it is filled with 1-byte NOPs, which become
 * part of the previous function's extent as alignment padding does in a linked kernel),
 * registered in kallsyms with size `len`.  The bytes must decode end to end.  Returns
 * the address, or 0 with *error set (EMU_TEXT_ERROR).  Meant for setting up a run,
 * before tasks execute: it is not a decision point.
 */
#define EMU_TEXT_ERROR (emu_text_error_quark())
GQuark emu_text_error_quark(void);

typedef enum {
	EMU_TEXT_ERROR_INVALID,		/* empty name or no bytes */
	EMU_TEXT_ERROR_DUPLICATE,	/* a symbol of that name exists */
	EMU_TEXT_ERROR_UNDECODABLE,	/* the decoder rejects an instruction */
	EMU_TEXT_ERROR_FULL,		/* the scenario region has no room left */
} EmuTextError;

uint64_t emu_text_add_function(EmuText *t, const char *name, const uint8_t *bytes, size_t len,
			       GError **error);

/* ---- original instruction boundaries ------------------------------------------------------ */

/* Does an instruction of the original text start at addr?  (Kernel and module text.) */
bool emu_text_is_boundary(const EmuText *t, uint64_t addr);
/* Length of the original instruction starting at addr, 0 if none does. */
unsigned emu_text_orig_insn_len(const EmuText *t, uint64_t addr);
/*
 * Is addr an interior byte [a+1, a+len) of a multi-byte write still in effect?  A write
 * is in effect while every byte it wrote is still there and it changed the instruction
 * stream (its interior differs from the original text): an installed jump is, a write
 * of "CC + original tail" is not.  Such bytes are never instruction starts.
 */
bool emu_text_in_write(const EmuText *t, uint64_t addr, uint64_t *write_addr, unsigned *write_len);

/* ---- reservation tables (the image's plus scenario additions) ----------------------------- */

typedef enum {
	EMU_RSV_KPROBES,	/* .kprobes.text and the blacklist */
	EMU_RSV_ALTERNATIVES,
	EMU_RSV_FTRACE,
	EMU_RSV_JUMP_LABEL,
	EMU_RSV_KINDS
} EmuReserveKind;

/* Add [lo, hi) to a table; `why` is copied. */
void emu_text_add_reserved(EmuText *t, EmuReserveKind kind, uint64_t lo, uint64_t hi,
			   const char *why);
void emu_text_add_extable(EmuText *t, uint64_t addr);

/* search_exception_tables() */
bool emu_text_in_extable(const EmuText *t, uint64_t addr);
/* in_kprobes_functions(): addr inside .kprobes.text or a blacklisted function */
bool emu_text_in_kprobes_text(const EmuText *t, uint64_t addr);
/* *_text_reserved(start, end): does [start, end] (both inclusive) overlap a range? */
bool emu_text_alternatives_reserved(const EmuText *t, uint64_t start, uint64_t end);
bool emu_text_ftrace_reserved(const EmuText *t, uint64_t start, uint64_t end);
bool emu_text_jump_label_reserved(const EmuText *t, uint64_t start, uint64_t end);

/* ---- reads ----------------------------------------------------------------------------------- */

/* Current bytes; false (buf unspecified) if any byte is not in a live region. */
bool emu_text_read(const EmuText *t, uint64_t addr, void *buf, size_t len);

/*
 * Every range of kernel, module or scenario text written since it was mapped (each
 * distinct range once; a region's are forgotten when it is freed): the only bytes that
 * can differ from the image's.
 */
typedef struct {
	uint64_t addr;
	uint32_t len;
} EmuTextRange;
size_t emu_text_touched(const EmuText *t, const EmuTextRange **ranges);
/* Original bytes of image and scenario text, whatever the region's state; false for
 * slot pages and unknown addresses. */
bool emu_text_read_orig(const EmuText *t, uint64_t addr, void *buf, size_t len);

/* ---- writes ----------------------------------------------------------------------------------- */

typedef enum {
	EMU_WRITE_POKE,		/* text_poke */
	EMU_WRITE_POKE_SMP,	/* text_poke_smp, under stop_machine */
	EMU_WRITE_SLOT,		/* memcpy into a slot page */
} EmuWriteKind;

typedef struct {
	uint64_t addr;
	size_t len;
	const uint8_t *old_bytes;
	const uint8_t *new_bytes;
	uint8_t kind;		/* EmuWriteKind */
	unsigned region;
} EmuTextWrite;

/* Called after every write, in the writer's step, for a checker to judge it. */
typedef void (*EmuTextWriteHook)(EmuText *t, const EmuTextWrite *w, void *user);
void emu_text_set_write_hook(EmuText *t, EmuTextWriteHook fn, void *user);

/* The kernel's text_mutex, initialised by the owner of the run. */
void emu_text_set_text_mutex(EmuText *t, SimMutex *m);

/*
 * text_poke(addr, bytes, len), from a task.  A decision point (SIM_Y_TEXT_POKE, step
 * footprint W text[addr, addr + len)); the write is applied in that one step.
 * Violations: without text_mutex held, SIM_V_USAGE "text-poke-unlocked" (not fatal: the
 * write happens, as an unlocked poke would); into text that is not live (freed,
 * not loaded, unknown), SIM_V_BUG "text-poke-freed" (fatal: the kernel's BUG_ON).
 * The bytes are read back and compared (the kernel's second BUG_ON).  Returns 0.
 */
int emu_text_poke(EmuText *t, uint64_t addr, const void *bytes, size_t len);
/*
 * text_poke_smp(): additionally requires a hotplug read reference (SIM_V_USAGE
 * "text-poke-smp-no-hotplug" when missing, not fatal) and performs the write inside
 * sim_stop_machine(), so no vCPU is executing while the bytes change.  One call is one
 * stop_machine.  Returns 0.
 */
int emu_text_poke_smp(EmuText *t, uint64_t addr, const void *bytes, size_t len);
/* One write of a batch: the kernel's struct text_poke_param (asm/alternative.h). */
typedef struct {
	uint64_t addr;
	const void *bytes;
	size_t len;
} EmuTextPoke;
/*
 * text_poke_smp_batch() (since 7deb18dcf047; __stop_machine() since d91309f69b7b, as in
 * v2.6.38): the n writes of pokes, in order, inside one sim_stop_machine().  Each write
 * is checked as text_poke_smp() checks it (a hotplug read reference, text_mutex, live
 * text: the same violations, reported for the write's address) and recorded as an
 * EMU_WRITE_POKE_SMP write; the whole batch is one stop_machine.  n may be 0 (the
 * machine is still stopped once, as the kernel would).  Returns 0.
 */
int emu_text_poke_smp_batch(EmuText *t, const EmuTextPoke *pokes, size_t n);

/*
 * Slot pages.  alloc_page returns a fresh 4096-byte page of kind EMU_TEXT_SLOT_INSN or
 * EMU_TEXT_SLOT_OPT, filled with 0xCC, with no live range; it is not a decision point
 * (nobody can reach the page before its address is published).  free_page frees it
 * (a decision point when called from a task); freeing twice or freeing a non-page is
 * SIM_V_MEMORY "slot-page-free" (fatal).
 */
uint64_t emu_text_alloc_page(EmuText *t, EmuTextKind kind);
void emu_text_free_page(EmuText *t, uint64_t page);
/*
 * Raw write into a live slot page (kprobes fills slots with memcpy, not text_poke).  From
 * a task it is a decision point with footprint W text[addr, addr + len).  Writing a freed
 * page or outside every slot page is SIM_V_MEMORY "slot-write-freed" (fatal).  Returns 0.
 */
int emu_text_slot_write(EmuText *t, uint64_t addr, const void *bytes, size_t len);
/*
 * The owner's statement of which slot bytes hold live code: a vCPU may only execute
 * inside live ranges.  Marking a range dead is a decision point when called from a task
 * (a vCPU may be executing there); marking it live is not.
 */
void emu_text_slot_set_live(EmuText *t, uint64_t addr, size_t len, bool live);
bool emu_text_slot_is_live(const EmuText *t, uint64_t addr, size_t len);

/* ---- instruction fetch (for the vCPU executor) ---------------------------------------------- */

typedef enum {
	EMU_FETCH_OK,
	EMU_FETCH_WILD,		/* no region, or a region not loaded yet */
	EMU_FETCH_FREED,	/* a freed region, a freed slot page, or a dead slot range */
	EMU_FETCH_BAD_BOUNDARY,	/* not an original boundary, or inside a write in effect */
	EMU_FETCH_TORN,		/* neither the original instruction, nor 0xCC, nor E9 rel32 */
	EMU_FETCH_UNDECODABLE,	/* live slot bytes the decoder rejects */
} EmuFetchStatus;

typedef struct {
	uint8_t status;		/* EmuFetchStatus */
	int region;		/* -1 when the address is in no region */
	uint8_t n_bytes;	/* current bytes at ip that were copied into bytes[] */
	uint8_t bytes[16];
	uint8_t orig_len;	/* the original instruction's length (kernel/module text) */
	uint64_t write_addr;	/* BAD_BOUNDARY inside a write: where the write starts */
	uint8_t write_len;
	EmuInsn insn;		/* valid when status is OK */
} EmuFetch;

/*
 * Fetch and check the instruction at ip as a CPU would in one atomic step (no decision
 * point here: the executor declares the fetch in its own step).  In kernel and module
 * text: a live region; an original boundary outside every write in effect; and the
 * original instruction, 0xCC, or E9 rel32.  In slot pages: a live range, whatever
 * decodes there.
 */
EmuFetchStatus emu_text_fetch(EmuText *t, uint64_t ip, EmuFetch *f);

#endif
