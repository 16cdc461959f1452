// SPDX-License-Identifier: GPL-2.0-only
/*
 * The emulated text segment.
 *
 * Regions are few (the image's six, one scenario region, a handful of slot pages), so
 * address lookups scan them, starting with the region found last: a vCPU fetches from
 * the same region many times in a row.  Per region the original instruction length of
 * every boundary is kept in a byte array, which is all the executor needs to check a
 * fetch; the bytes themselves are decoded again at each fetch, because the current text
 * can differ from the original one.
 */
#include "arch_x86_emu/text.h"

#include "sim/costs.h"
#include "sim/ctx.h"
#include "sim/footprint.h"
#include "sim/hotplug.h"
#include "sim/stop_machine.h"
#include "sim/trace.h"
#include "sim/violation.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#define INT3_BYTE 0xcc
#define JMP32_BYTE 0xe9
#define JMP32_SIZE 5
#define NOP_BYTE 0x90
/* Slot writes are bounded by the page; old bytes are kept on the stack up to this. */
#define SMALL_WRITE 64u

typedef struct {
	char *name;
	char *module;
	uint8_t kind;		/* EmuTextKind */
	uint8_t state;		/* EmuTextState */
	uint64_t base;
	uint32_t size;
	uint8_t *cur;
	uint8_t *orig;		/* NULL for slot pages: they have no original text */
	uint8_t *insn_len;	/* per byte: original instruction length there, 0 = none */
	uint8_t *live;		/* slot pages only: 1 where the owner says code is live */
} Region;

typedef struct {
	char *name;
	uint64_t addr;
	uint32_t size;
	uint32_t code_size;
	uint32_t region;
} Sym;

/* A multi-byte write that changed the instruction stream and is still there. */
typedef struct {
	uint64_t addr;
	uint8_t len;
	uint8_t bytes[EMU_TEXT_POKE_MAX];
} WriteRec;

typedef struct {
	uint64_t lo, hi;
	char *why;
} OwnRange;

struct EmuText {
	SimCtx *ctx;
	const EmuImage *img;
	GPtrArray *regions;		/* Region *; the index is the region id */
	GArray *syms;			/* Sym, sorted by address */
	GArray *writes;			/* WriteRec */
	GArray *touched;		/* EmuTextRange: every text write, once each */
	GArray *extable;		/* uint64_t: scenario additions */
	GArray *reserved[EMU_RSV_KINDS];	/* OwnRange: scenario additions */
	int scenario_region;		/* -1 until the first scenario function */
	uint64_t scenario_last;		/* address of the last scenario function, 0: none */
	uint64_t next_page;
	unsigned n_pages[2];		/* per slot kind, for page names */
	unsigned hint;			/* the region an address lookup found last */
	SimMutex *text_mutex;
	EmuTextWriteHook write_hook;
	void *write_hook_user;
};

G_DEFINE_QUARK(emu-text-error-quark, emu_text_error)

static bool is_slot_kind(unsigned kind)
{
	return kind == EMU_TEXT_SLOT_INSN || kind == EMU_TEXT_SLOT_OPT;
}

static Region *region_get(const EmuText *t, unsigned i)
{
	assert(i < t->regions->len);
	return g_ptr_array_index(t->regions, i);
}

static bool region_contains(const Region *r, uint64_t addr)
{
	return addr >= r->base && addr - r->base < r->size;
}

/* Region index of addr, -1 if none.  The hint is a cache, not state a run depends on. */
static int find_region(const EmuText *t, uint64_t addr)
{
	EmuText *mt = (EmuText *)t;

	if (t->hint < t->regions->len && region_contains(region_get(t, t->hint), addr))
		return (int)t->hint;
	for (unsigned i = 0; i < t->regions->len; i++) {
		if (region_contains(region_get(t, i), addr)) {
			mt->hint = i;
			return (int)i;
		}
	}
	return -1;
}

static Region *region_of(const EmuText *t, uint64_t addr)
{
	int i = find_region(t, addr);

	return i < 0 ? NULL : region_get(t, (unsigned)i);
}

/* Does [addr, addr + len) lie inside one region?  (No region spans another's bytes.) */
static bool range_in_region(const Region *r, uint64_t addr, size_t len)
{
	return region_contains(r, addr) && len <= r->size - (addr - r->base);
}

static unsigned region_add(EmuText *t, Region *r)
{
	assert(r->name != NULL);
	assert(r->cur != NULL);
	g_ptr_array_add(t->regions, r);
	return t->regions->len - 1;
}

static void region_destroy(gpointer p)
{
	Region *r = p;

	g_free(r->name);
	g_free(r->module);
	g_free(r->cur);
	g_free(r->orig);
	g_free(r->insn_len);
	g_free(r->live);
	g_free(r);
}

/* ---- boundaries --------------------------------------------------------------------------- */

/*
 * Decode one function over the original bytes of its kallsyms extent, the way
 * can_optimize() walks it, and record each instruction start.  Decoding stops at the
 * first byte the decoder rejects or at an instruction that would run past the extent:
 * what follows is not known to be code.
 */
static void mark_boundaries(Region *r, uint64_t addr, uint32_t size)
{
	uint64_t off, end;

	assert(r->orig != NULL && r->insn_len != NULL);
	assert(addr >= r->base && addr - r->base + size <= r->size);
	off = addr - r->base;
	end = off + size;
	while (off < end) {
		EmuInsn insn;
		unsigned len = emu_decode(r->orig + off, (size_t)(end - off), &insn);

		if (len == 0)
			break;
		r->insn_len[off] = (uint8_t)len;
		off += len;
	}
}

/* ---- creation ----------------------------------------------------------------------------- */

static void sym_insert(EmuText *t, const char *name, uint64_t addr, uint32_t size,
		       uint32_t code_size, unsigned region)
{
	Sym s = { g_strdup(name), addr, size, code_size, region };
	unsigned i = t->syms->len;

	assert(name != NULL && size > 0);
	/* Keep address order; symbols arrive almost sorted, so search from the end. */
	while (i > 0 && g_array_index(t->syms, Sym, i - 1).addr > addr)
		i--;
	assert(i == 0 || g_array_index(t->syms, Sym, i - 1).addr != addr);
	g_array_insert_val(t->syms, i, s);
}

static void load_image(EmuText *t)
{
	const EmuImage *img = t->img;

	for (size_t i = 0; i < img->n_regions; i++) {
		const EmuImageRegion *ir = &img->regions[i];
		Region *r = g_new0(Region, 1);

		assert(ir->size > 0 && ir->bytes != NULL);
		assert(ir->kind <= EMU_REGION_MODULE_INIT);
		r->name = g_strdup(ir->name);
		r->module = g_strdup(ir->module);
		r->kind = ir->kind;
		/* The kernel is booted; modules are not loaded yet. */
		r->state = ir->kind == EMU_REGION_CORE_TEXT || ir->kind == EMU_REGION_INIT_TEXT
				   ? EMU_TEXT_LIVE
				   : EMU_TEXT_UNMAPPED;
		r->base = ir->base;
		r->size = ir->size;
		r->cur = g_malloc(ir->size);
		r->orig = g_malloc(ir->size);
		memcpy(r->cur, ir->bytes, ir->size);
		memcpy(r->orig, ir->bytes, ir->size);
		r->insn_len = g_malloc0(ir->size);
		/* Image regions keep their image index as region id. */
		{
			unsigned id = region_add(t, r);

			assert(id == i);
			(void)id;
		}
	}
	for (size_t i = 0; i < img->n_symbols; i++) {
		const EmuSymbol *s = &img->symbols[i];
		Region *r = region_get(t, s->region);

		assert(range_in_region(r, s->addr, s->size));
		sym_insert(t, s->name, s->addr, s->size, s->code_size, s->region);
		mark_boundaries(r, s->addr, s->size);
	}
}

EmuText *emu_text_new(SimCtx *ctx, const EmuImage *img)
{
	EmuText *t = g_new0(EmuText, 1);

	assert(ctx != NULL);
	assert(img != NULL && img->n_regions > 0);
	t->ctx = ctx;
	t->img = img;
	t->regions = g_ptr_array_new_with_free_func(region_destroy);
	t->syms = g_array_new(FALSE, FALSE, sizeof(Sym));
	t->writes = g_array_new(FALSE, FALSE, sizeof(WriteRec));
	t->touched = g_array_new(FALSE, FALSE, sizeof(EmuTextRange));
	t->extable = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	for (unsigned k = 0; k < EMU_RSV_KINDS; k++)
		t->reserved[k] = g_array_new(FALSE, FALSE, sizeof(OwnRange));
	t->scenario_region = -1;
	t->next_page = EMU_TEXT_SLOT_BASE;
	load_image(t);
	return t;
}

void emu_text_free(EmuText *t)
{
	if (!t)
		return;
	g_ptr_array_free(t->regions, TRUE);
	for (unsigned i = 0; i < t->syms->len; i++)
		g_free(g_array_index(t->syms, Sym, i).name);
	g_array_free(t->syms, TRUE);
	g_array_free(t->writes, TRUE);
	g_array_free(t->touched, TRUE);
	g_array_free(t->extable, TRUE);
	for (unsigned k = 0; k < EMU_RSV_KINDS; k++) {
		for (unsigned i = 0; i < t->reserved[k]->len; i++)
			g_free(g_array_index(t->reserved[k], OwnRange, i).why);
		g_array_free(t->reserved[k], TRUE);
	}
	g_free(t);
}

/* Back to the state emu_text_new() left, reusing the allocations, for the next run. */
void emu_text_reset(EmuText *t)
{
	const EmuImage *img;
	unsigned kept = 0;

	assert(t != NULL);
	img = t->img;
	/* Scenario text and slot pages are the run's: they go, with their symbols. */
	g_ptr_array_remove_range(t->regions, (unsigned)img->n_regions,
				 t->regions->len - (unsigned)img->n_regions);
	/* The image's regions as load_image() leaves them: kernel live, modules not loaded. */
	for (size_t i = 0; i < img->n_regions; i++) {
		const EmuImageRegion *ir = &img->regions[i];
		Region *r = region_get(t, (unsigned)i);

		r->state = ir->kind == EMU_REGION_CORE_TEXT || ir->kind == EMU_REGION_INIT_TEXT
				   ? EMU_TEXT_LIVE
				   : EMU_TEXT_UNMAPPED;
		memcpy(r->cur, ir->bytes, ir->size);
	}
	for (unsigned i = 0; i < t->syms->len; i++) {
		Sym *s = &g_array_index(t->syms, Sym, i);

		if (s->region >= img->n_regions)
			g_free(s->name);
		else
			g_array_index(t->syms, Sym, kept++) = *s;
	}
	g_array_set_size(t->syms, kept);
	g_array_set_size(t->writes, 0);
	g_array_set_size(t->touched, 0);
	g_array_set_size(t->extable, 0);
	for (unsigned k = 0; k < EMU_RSV_KINDS; k++) {
		for (unsigned i = 0; i < t->reserved[k]->len; i++)
			g_free(g_array_index(t->reserved[k], OwnRange, i).why);
		g_array_set_size(t->reserved[k], 0);
	}
	t->scenario_region = -1;
	t->scenario_last = 0;
	t->next_page = EMU_TEXT_SLOT_BASE;
	t->n_pages[0] = t->n_pages[1] = 0;
	t->hint = 0;
	t->text_mutex = NULL;
	t->write_hook = NULL;
	t->write_hook_user = NULL;
}

SimCtx *emu_text_ctx(const EmuText *t)
{
	assert(t != NULL);
	return t->ctx;
}

const EmuImage *emu_text_image(const EmuText *t)
{
	assert(t != NULL);
	return t->img;
}

/* ---- regions ------------------------------------------------------------------------------- */

unsigned emu_text_n_regions(const EmuText *t)
{
	assert(t != NULL);
	return t->regions->len;
}

void emu_text_region_info(const EmuText *t, unsigned region, EmuTextRegionInfo *out)
{
	const Region *r;

	assert(t != NULL && out != NULL);
	r = region_get(t, region);
	out->name = r->name;
	out->module = r->module;
	out->kind = r->kind;
	out->state = r->state;
	out->base = r->base;
	out->size = r->size;
}

int emu_text_region_find(const EmuText *t, const char *name)
{
	assert(t != NULL && name != NULL);
	for (unsigned i = 0; i < t->regions->len; i++)
		if (strcmp(region_get(t, i)->name, name) == 0)
			return (int)i;
	return -1;
}

int emu_text_region_at(const EmuText *t, uint64_t addr)
{
	assert(t != NULL);
	return find_region(t, addr);
}

EmuTextState emu_text_state_at(const EmuText *t, uint64_t addr)
{
	const Region *r;

	assert(t != NULL);
	r = region_of(t, addr);
	return r ? (EmuTextState)r->state : EMU_TEXT_UNMAPPED;
}

/* Writes still in effect inside a region that goes away stop being in effect. */
static void forget_writes_in(EmuText *t, const Region *r)
{
	for (unsigned i = t->writes->len; i-- > 0;) {
		const WriteRec *w = &g_array_index(t->writes, WriteRec, i);

		if (region_contains(r, w->addr))
			g_array_remove_index(t->writes, i);
	}
	for (unsigned i = t->touched->len; i-- > 0;)
		if (region_contains(r, g_array_index(t->touched, EmuTextRange, i).addr))
			g_array_remove_index(t->touched, i);
}

/* Remember that [addr, addr + len) was written (each range once). */
static void touch(EmuText *t, uint64_t addr, size_t len)
{
	EmuTextRange rg = { .addr = addr, .len = (uint32_t)len };

	for (unsigned i = 0; i < t->touched->len; i++) {
		const EmuTextRange *o = &g_array_index(t->touched, EmuTextRange, i);

		if (o->addr == addr && o->len == len)
			return;
	}
	g_array_append_val(t->touched, rg);
}

size_t emu_text_touched(const EmuText *t, const EmuTextRange **ranges)
{
	assert(t != NULL && ranges != NULL);
	*ranges = (const EmuTextRange *)(const void *)t->touched->data;
	return t->touched->len;
}

/*
 * A state change is observed by every vCPU fetching in the region, so from a task it is
 * a step of its own that writes the whole region.
 */
static void state_change_point(EmuText *t, const Region *r)
{
	SimFootprint fp = { 0 };

	assert(r->size > 0);
	if (!sim_current(t->ctx))
		return;
	sim_fp_add(&fp, SIM_RES_TEXT, SIM_ACC_WRITE, r->base, r->base + r->size);
	sim_yield(t->ctx, SIM_Y_STORE, &fp);
}

bool emu_text_region_map(EmuText *t, unsigned region)
{
	Region *r;

	assert(t != NULL);
	r = region_get(t, region);
	assert(!is_slot_kind(r->kind) && "slot pages come from emu_text_alloc_page");
	if (r->state != EMU_TEXT_UNMAPPED &&
	    !(r->state == EMU_TEXT_FREED &&
	      (r->kind == EMU_TEXT_MODULE_CORE || r->kind == EMU_TEXT_MODULE_INIT)))
		return false;
	state_change_point(t, r);
	/* A module loaded again brings its own code: what was written there is gone. */
	if (r->state == EMU_TEXT_FREED)
		memcpy(r->cur, r->orig, r->size);
	r->state = EMU_TEXT_LIVE;
	SIM_TRACE(t->ctx, SIM_EV_USER, "text-map", sim_trace_intern(t->ctx, r->name),
		  (int64_t)r->base, r->size, 0);
	return true;
}

bool emu_text_region_free(EmuText *t, unsigned region)
{
	Region *r;

	assert(t != NULL);
	r = region_get(t, region);
	assert(!is_slot_kind(r->kind) && "slot pages go through emu_text_free_page");
	if (r->state != EMU_TEXT_LIVE)
		return false;
	state_change_point(t, r);
	r->state = EMU_TEXT_FREED;
	forget_writes_in(t, r);
	SIM_TRACE(t->ctx, SIM_EV_USER, "text-free", sim_trace_intern(t->ctx, r->name),
		  (int64_t)r->base, r->size, 0);
	return true;
}

static const EmuModuleImage *module_image(const EmuText *t, const char *module)
{
	const EmuModuleImage *mi;

	assert(module != NULL);
	mi = emu_image_module_by_name(t->img, module);
	assert(mi == NULL || (mi->core_region < t->regions->len &&
			      mi->init_region < t->regions->len));
	return mi;
}

bool emu_text_module_load(EmuText *t, const char *module)
{
	const EmuModuleImage *mi = module_image(t, module);
	bool ok;

	if (!mi)
		return false;
	ok = emu_text_region_map(t, mi->core_region);
	if (ok)
		ok = emu_text_region_map(t, mi->init_region);
	return ok;
}

bool emu_text_module_free_init(EmuText *t, const char *module)
{
	const EmuModuleImage *mi = module_image(t, module);

	return mi && emu_text_region_free(t, mi->init_region);
}

bool emu_text_module_unload(EmuText *t, const char *module)
{
	const EmuModuleImage *mi = module_image(t, module);

	if (!mi)
		return false;
	/* A failed init unloads with the init text still live. */
	if (region_get(t, mi->init_region)->state == EMU_TEXT_LIVE)
		emu_text_region_free(t, mi->init_region);
	return emu_text_region_free(t, mi->core_region);
}

bool emu_text_free_kernel_init(EmuText *t)
{
	assert(t != NULL);
	for (unsigned i = 0; i < t->regions->len; i++)
		if (region_get(t, i)->kind == EMU_TEXT_INIT)
			return emu_text_region_free(t, i);
	return false;
}

static const Sym *sym_at(const EmuText *t, uint64_t addr);

void emu_text_describe(const EmuText *t, uint64_t addr, char *buf, size_t size)
{
	const Sym *s;
	const Region *r;

	assert(t != NULL && buf != NULL && size > 0);
	s = sym_at(t, addr);
	if (s) {
		snprintf(buf, size, "%s+0x%llx", s->name, (unsigned long long)(addr - s->addr));
		return;
	}
	r = region_of(t, addr);
	if (r)
		snprintf(buf, size, "%s+0x%llx", r->name, (unsigned long long)(addr - r->base));
	else
		snprintf(buf, size, "0x%llx", (unsigned long long)addr);
}

/* ---- kallsyms --------------------------------------------------------------------------------- */

static const Sym *sym_get(const EmuText *t, unsigned i)
{
	assert(i < t->syms->len);
	return &g_array_index(t->syms, Sym, i);
}

static const Sym *sym_at(const EmuText *t, uint64_t addr)
{
	unsigned lo = 0, hi = t->syms->len;
	const Sym *s;

	/* The last symbol starting at or below addr. */
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (sym_get(t, mid)->addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	s = sym_get(t, lo - 1);
	assert(s->addr <= addr);
	return addr - s->addr < s->size ? s : NULL;
}

static Sym *sym_mut_at(EmuText *t, uint64_t addr)
{
	const Sym *s = sym_at(t, addr);

	return s ? &g_array_index(t->syms, Sym, (unsigned)(s - sym_get(t, 0))) : NULL;
}

static void sym_out(const EmuText *t, const Sym *s, EmuTextSymbol *out)
{
	const Region *r = region_get(t, s->region);

	out->name = s->name;
	out->addr = s->addr;
	out->size = s->size;
	out->code_size = s->code_size;
	out->region = s->region;
	if (r->kind == EMU_TEXT_MODULE_CORE || r->kind == EMU_TEXT_MODULE_INIT)
		out->visible = r->state == EMU_TEXT_LIVE;
	else
		out->visible = true;
}

unsigned emu_text_n_symbols(const EmuText *t)
{
	assert(t != NULL);
	return t->syms->len;
}

void emu_text_symbol(const EmuText *t, unsigned i, EmuTextSymbol *out)
{
	assert(t != NULL && out != NULL);
	sym_out(t, sym_get(t, i), out);
}

bool emu_text_symbol_by_name(const EmuText *t, const char *name, EmuTextSymbol *out)
{
	assert(t != NULL && name != NULL);
	for (unsigned i = 0; i < t->syms->len; i++) {
		const Sym *s = &((const Sym *)(const void *)t->syms->data)[i];
		/* Looked up every run, absent names too: the first byte settles most. */
		if (s->name[0] == name[0] && strcmp(s->name, name) == 0) {
			if (out)
				sym_out(t, s, out);
			return true;
		}
	}
	return false;
}

bool emu_text_symbol_at(const EmuText *t, uint64_t addr, EmuTextSymbol *out, uint64_t *offset)
{
	const Sym *s;

	assert(t != NULL);
	s = sym_at(t, addr);
	if (!s)
		return false;
	if (out)
		sym_out(t, s, out);
	if (offset)
		*offset = addr - s->addr;
	return true;
}

/* ---- scenario functions ------------------------------------------------------------------------ */

static Region *scenario_region(EmuText *t)
{
	Region *r;

	if (t->scenario_region >= 0)
		return region_get(t, (unsigned)t->scenario_region);
	r = g_new0(Region, 1);
	r->name = g_strdup("scenario.text");
	r->kind = EMU_TEXT_SCENARIO;
	r->state = EMU_TEXT_LIVE;
	r->base = EMU_TEXT_SCENARIO_BASE;
	r->size = 0;
	/* Grown as functions arrive; a non-NULL start keeps region_add's check simple. */
	r->cur = g_malloc0(1);
	r->orig = g_malloc0(1);
	r->insn_len = g_malloc0(1);
	t->scenario_region = (int)region_add(t, r);
	return r;
}

/* Check that the bytes decode end to end; on failure say where and why. */
static bool check_decodes(const char *name, const uint8_t *bytes, size_t len, GError **error)
{
	size_t off = 0;

	while (off < len) {
		EmuInsn insn;
		unsigned n = emu_decode(bytes + off, len - off, &insn);

		if (n == 0) {
			char hex[3 * 8 + 1] = "";

			for (size_t i = 0; i < 8 && off + i < len; i++)
				snprintf(hex + 3 * i, sizeof(hex) - 3 * i, "%02x ", bytes[off + i]);
			g_set_error(error, EMU_TEXT_ERROR, EMU_TEXT_ERROR_UNDECODABLE,
				    "%s+0x%zx: cannot decode an instruction from bytes %s"
				    "(unsupported, or cut short by the end of the function)",
				    name, off, hex);
			return false;
		}
		off += n;
	}
	return true;
}

uint64_t emu_text_add_function(EmuText *t, const char *name, const uint8_t *bytes, size_t len,
			       GError **error)
{
	Region *r;
	uint64_t addr;
	uint32_t old, start, end;

	assert(t != NULL);
	if (!name || !*name || !bytes || len == 0) {
		g_set_error(error, EMU_TEXT_ERROR, EMU_TEXT_ERROR_INVALID,
			    "a function needs a name and at least one byte");
		return 0;
	}
	if (emu_text_symbol_by_name(t, name, NULL)) {
		g_set_error(error, EMU_TEXT_ERROR, EMU_TEXT_ERROR_DUPLICATE,
			    "a symbol named %s already exists", name);
		return 0;
	}
	if (!check_decodes(name, bytes, len, error))
		return 0;
	r = scenario_region(t);
	old = r->size;
	start = (old + EMU_TEXT_SCENARIO_ALIGN - 1) & ~(EMU_TEXT_SCENARIO_ALIGN - 1);
	if (start > EMU_TEXT_SCENARIO_LIMIT || len > EMU_TEXT_SCENARIO_LIMIT - start) {
		g_set_error(error, EMU_TEXT_ERROR, EMU_TEXT_ERROR_FULL,
			    "no room for %s (%zu bytes) in the %u bytes of scenario text", name, len,
			    EMU_TEXT_SCENARIO_LIMIT);
		return 0;
	}
	end = start + (uint32_t)len;
	addr = r->base + start;
	r->cur = g_realloc(r->cur, end);
	r->orig = g_realloc(r->orig, end);
	r->insn_len = g_realloc(r->insn_len, end);
	/* Alignment padding: one-byte NOPs, decodable and boostable like a linker's fill. */
	memset(r->orig + old, NOP_BYTE, start - old);
	memcpy(r->orig + start, bytes, len);
	memcpy(r->cur + old, r->orig + old, end - old);
	memset(r->insn_len + old, 0, end - old);
	r->size = end;
	if (t->scenario_last) {
		/* The previous function's kallsyms extent now runs up to this one. */
		Sym *prev = sym_mut_at(t, t->scenario_last);

		assert(prev != NULL && prev->addr == t->scenario_last);
		prev->size = (uint32_t)(addr - prev->addr);
		mark_boundaries(r, prev->addr, prev->size);
	}
	sym_insert(t, name, addr, (uint32_t)len, (uint32_t)len, (unsigned)t->scenario_region);
	mark_boundaries(r, addr, (uint32_t)len);
	t->scenario_last = addr;
	assert(emu_text_is_boundary(t, addr));
	return addr;
}

/* ---- boundaries and writes in effect -------------------------------------------------------- */

unsigned emu_text_orig_insn_len(const EmuText *t, uint64_t addr)
{
	const Region *r;

	assert(t != NULL);
	r = region_of(t, addr);
	if (!r || !r->insn_len)
		return 0;
	return r->insn_len[addr - r->base];
}

bool emu_text_is_boundary(const EmuText *t, uint64_t addr)
{
	return emu_text_orig_insn_len(t, addr) != 0;
}

bool emu_text_in_write(const EmuText *t, uint64_t addr, uint64_t *write_addr, unsigned *write_len)
{
	assert(t != NULL);
	for (unsigned i = 0; i < t->writes->len; i++) {
		const WriteRec *w = &g_array_index(t->writes, WriteRec, i);

		assert(w->len > 1);
		if (addr > w->addr && addr - w->addr < w->len) {
			if (write_addr)
				*write_addr = w->addr;
			if (write_len)
				*write_len = w->len;
			return true;
		}
	}
	return false;
}

/*
 * Bring the record of writes in effect up to date after bytes [addr, addr + len) of r
 * changed: a record whose bytes are no longer all there is over, and the new write is
 * recorded if it is a multi-byte write that changed the instruction stream.
 */
static void track_write(EmuText *t, const Region *r, uint64_t addr, size_t len)
{
	uint64_t off = addr - r->base;

	assert(range_in_region(r, addr, len));
	assert(r->orig != NULL);
	for (unsigned i = t->writes->len; i-- > 0;) {
		const WriteRec *w = &g_array_index(t->writes, WriteRec, i);

		if (w->addr < addr + len && addr < w->addr + w->len &&
		    memcmp(r->cur + (w->addr - r->base), w->bytes, w->len) != 0)
			g_array_remove_index(t->writes, i);
	}
	if (len > 1 && memcmp(r->cur + off + 1, r->orig + off + 1, len - 1) != 0) {
		WriteRec w = { .addr = addr, .len = (uint8_t)len };

		assert(len <= EMU_TEXT_POKE_MAX);
		memcpy(w.bytes, r->cur + off, len);
		g_array_append_val(t->writes, w);
	}
}

/* ---- reservation tables ---------------------------------------------------------------------- */

void emu_text_add_reserved(EmuText *t, EmuReserveKind kind, uint64_t lo, uint64_t hi,
			   const char *why)
{
	OwnRange r = { lo, hi, g_strdup(why ? why : "scenario") };

	assert(t != NULL && kind < EMU_RSV_KINDS);
	assert(lo < hi);
	g_array_append_val(t->reserved[kind], r);
}

void emu_text_add_extable(EmuText *t, uint64_t addr)
{
	assert(t != NULL);
	assert(addr != 0);
	g_array_append_val(t->extable, addr);
}

bool emu_text_in_extable(const EmuText *t, uint64_t addr)
{
	assert(t != NULL);
	if (emu_image_in_extable(t->img, addr))
		return true;
	for (unsigned i = 0; i < t->extable->len; i++)
		if (g_array_index(t->extable, uint64_t, i) == addr)
			return true;
	return false;
}

/* Does [start, end] (inclusive) overlap the image table or a scenario range of `kind`? */
static bool reserved(const EmuText *t, EmuReserveKind kind, const EmuRange *img_ranges,
		     size_t n, uint64_t start, uint64_t end)
{
	const GArray *extra = t->reserved[kind];

	assert(start <= end);
	if (emu_ranges_overlap(img_ranges, n, start, end))
		return true;
	for (unsigned i = 0; i < extra->len; i++) {
		const OwnRange *r = &g_array_index(extra, OwnRange, i);

		if (r->lo <= end && start < r->hi)
			return true;
	}
	return false;
}

bool emu_text_in_kprobes_text(const EmuText *t, uint64_t addr)
{
	assert(t != NULL);
	return reserved(t, EMU_RSV_KPROBES, t->img->kprobes_text, t->img->n_kprobes_text, addr,
			addr);
}

bool emu_text_alternatives_reserved(const EmuText *t, uint64_t start, uint64_t end)
{
	assert(t != NULL);
	return reserved(t, EMU_RSV_ALTERNATIVES, t->img->alternatives, t->img->n_alternatives,
			start, end);
}

bool emu_text_ftrace_reserved(const EmuText *t, uint64_t start, uint64_t end)
{
	assert(t != NULL);
	return reserved(t, EMU_RSV_FTRACE, t->img->ftrace, t->img->n_ftrace, start, end);
}

bool emu_text_jump_label_reserved(const EmuText *t, uint64_t start, uint64_t end)
{
	assert(t != NULL);
	return reserved(t, EMU_RSV_JUMP_LABEL, t->img->jump_label, t->img->n_jump_label, start,
			end);
}

/* ---- reads ------------------------------------------------------------------------------------- */

bool emu_text_read(const EmuText *t, uint64_t addr, void *buf, size_t len)
{
	const Region *r;

	assert(t != NULL && buf != NULL);
	assert(len > 0);
	r = region_of(t, addr);
	if (!r || r->state != EMU_TEXT_LIVE || !range_in_region(r, addr, len))
		return false;
	memcpy(buf, r->cur + (addr - r->base), len);
	return true;
}

bool emu_text_read_orig(const EmuText *t, uint64_t addr, void *buf, size_t len)
{
	const Region *r;

	assert(t != NULL && buf != NULL);
	assert(len > 0);
	r = region_of(t, addr);
	if (!r || !r->orig || !range_in_region(r, addr, len))
		return false;
	memcpy(buf, r->orig + (addr - r->base), len);
	return true;
}

/* ---- writes ------------------------------------------------------------------------------------- */

void emu_text_set_write_hook(EmuText *t, EmuTextWriteHook fn, void *user)
{
	assert(t != NULL);
	assert(fn != NULL || user == NULL);
	t->write_hook = fn;
	t->write_hook_user = user;
}

void emu_text_set_text_mutex(EmuText *t, SimMutex *m)
{
	assert(t != NULL);
	assert(m != NULL && m->name != NULL);
	t->text_mutex = m;
}

/* Up to the first 8 bytes, little-endian, for one trace argument. */
static int64_t pack_bytes(const uint8_t *b, size_t len)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len && i < 8; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return (int64_t)v;
}

/*
 * The write itself, in the writer's current step: copy, verify, keep the record of
 * writes in effect, trace, let the checker see it.
 */
static void apply_write(EmuText *t, unsigned ri, uint64_t addr, const uint8_t *bytes,
			size_t len, EmuWriteKind kind)
{
	Region *r = region_get(t, ri);
	uint64_t off = addr - r->base;
	uint8_t small[SMALL_WRITE];
	uint8_t *old = len <= sizeof(small) ? small : g_malloc(len);

	assert(r->state == EMU_TEXT_LIVE);
	assert(range_in_region(r, addr, len));
	memcpy(old, r->cur + off, len);
	memcpy(r->cur + off, bytes, len);
	if (memcmp(r->cur + off, bytes, len) != 0)
		sim_fail(t->ctx, SIM_V_BUG, "text-poke-readback", __func__,
			 "bytes at 0x%llx do not read back as written",
			 (unsigned long long)addr);
	if (!is_slot_kind(r->kind)) {
		track_write(t, r, addr, len);
		touch(t, addr, len);
		sim_costs_text_written(t->ctx, len);
	}
	SIM_TRACE(t->ctx, SIM_EV_USER, "text-write", sim_trace_intern(t->ctx, r->name),
		  (int64_t)addr, (int64_t)len, pack_bytes(bytes, len));
	if (t->write_hook) {
		EmuTextWrite w = {
			.addr = addr, .len = len, .old_bytes = old, .new_bytes = bytes,
			.kind = (uint8_t)kind, .region = ri,
		};

		t->write_hook(t, &w, t->write_hook_user);
	}
	if (old != small)
		g_free(old);
}

static void check_text_mutex(EmuText *t, const char *who, uint64_t addr)
{
	assert(t->text_mutex != NULL && "emu_text_set_text_mutex() first");
	if (!sim_mutex_held_by_current(t->ctx, t->text_mutex)) {
		char where[96];

		emu_text_describe(t, addr, where, sizeof(where));
		sim_report(t->ctx, SIM_V_USAGE, false, "text-poke-unlocked", __func__,
			   "%s at %s without %s held", who, where, t->text_mutex->name);
	}
}

/* The kernel's BUG_ON when no page backs the target; returns the region otherwise. */
static unsigned poke_target(EmuText *t, const char *who, uint64_t addr, size_t len)
{
	int ri = find_region(t, addr);
	const Region *r = ri < 0 ? NULL : region_get(t, (unsigned)ri);
	char where[96];

	if (r && r->state == EMU_TEXT_LIVE && range_in_region(r, addr, len))
		return (unsigned)ri;
	emu_text_describe(t, addr, where, sizeof(where));
	sim_fail(t->ctx, SIM_V_BUG, "text-poke-freed", __func__,
		 "%s of %zu byte%s at %s: no page backs it (%s)", who, len, len == 1 ? "" : "s",
		 where,
		 !r ? "not text"
		 : r->state == EMU_TEXT_FREED ? "freed text"
		 : r->state == EMU_TEXT_UNMAPPED ? "not loaded"
						  : "runs past the end of its region");
}

int emu_text_poke(EmuText *t, uint64_t addr, const void *bytes, size_t len)
{
	SimFootprint fp = { 0 };

	assert(t != NULL && bytes != NULL);
	assert(len >= 1 && len <= EMU_TEXT_POKE_MAX);
	assert(sim_current(t->ctx) != NULL && "text_poke is called from a task");
	sim_fp_add(&fp, SIM_RES_TEXT, SIM_ACC_WRITE, addr, addr + len);
	sim_yield(t->ctx, SIM_Y_TEXT_POKE, &fp);
	check_text_mutex(t, "text_poke", addr);
	apply_write(t, poke_target(t, "text_poke", addr, len), addr, bytes, len, EMU_WRITE_POKE);
	return 0;
}

typedef struct {
	EmuText *t;
	uint64_t addr;
	const void *bytes;
	size_t len;
} SmpPoke;

/* Runs with every vCPU captured: nobody executes while the bytes change. */
static int poke_smp_stopped(SimCtx *ctx, void *data)
{
	SmpPoke *p = data;

	(void)ctx;
	assert(sim_machine_stopped(ctx));
	assert(p->t->ctx == ctx);
	apply_write(p->t, poke_target(p->t, "text_poke_smp", p->addr, p->len), p->addr,
		    p->bytes, p->len, EMU_WRITE_POKE_SMP);
	return 0;
}

int emu_text_poke_smp(EmuText *t, uint64_t addr, const void *bytes, size_t len)
{
	SmpPoke p = { t, addr, bytes, len };

	assert(t != NULL && bytes != NULL);
	assert(len >= 1 && len <= EMU_TEXT_POKE_MAX);
	assert(sim_current(t->ctx) != NULL && "text_poke_smp is called from a task");
	if (!sim_hotplug_read_held(t->ctx)) {
		char where[96];

		emu_text_describe(t, addr, where, sizeof(where));
		sim_report(t->ctx, SIM_V_USAGE, false, "text-poke-smp-no-hotplug", __func__,
			   "text_poke_smp at %s without a hotplug read reference",
			   where);
	}
	check_text_mutex(t, "text_poke_smp", addr);
	return sim_stop_machine(t->ctx, poke_smp_stopped, &p);
}

typedef struct {
	EmuText *t;
	const EmuTextPoke *pokes;
	size_t n;
} SmpPokeBatch;

/* The batch's writes in order, with every vCPU captured (stop_machine_text_poke()). */
static int poke_smp_batch_stopped(SimCtx *ctx, void *data)
{
	SmpPokeBatch *b = data;

	(void)ctx;
	assert(sim_machine_stopped(ctx));
	assert(b->t->ctx == ctx);
	for (size_t i = 0; i < b->n; i++) {
		const EmuTextPoke *p = &b->pokes[i];

		apply_write(b->t, poke_target(b->t, "text_poke_smp_batch", p->addr, p->len),
			    p->addr, p->bytes, p->len, EMU_WRITE_POKE_SMP);
	}
	return 0;
}

int emu_text_poke_smp_batch(EmuText *t, const EmuTextPoke *pokes, size_t n)
{
	SmpPokeBatch b = { t, pokes, n };

	assert(t != NULL && (pokes != NULL || n == 0));
	assert(sim_current(t->ctx) != NULL && "text_poke_smp_batch is called from a task");
	for (size_t i = 0; i < n; i++) {
		assert(pokes[i].bytes != NULL);
		assert(pokes[i].len >= 1 && pokes[i].len <= EMU_TEXT_POKE_MAX);
		if (!sim_hotplug_read_held(t->ctx)) {
			char where[96];

			emu_text_describe(t, pokes[i].addr, where, sizeof(where));
			sim_report(t->ctx, SIM_V_USAGE, false, "text-poke-smp-no-hotplug",
				   __func__, "text_poke_smp_batch at %s without a hotplug read "
				   "reference", where);
		}
		check_text_mutex(t, "text_poke_smp_batch", pokes[i].addr);
	}
	return sim_stop_machine(t->ctx, poke_smp_batch_stopped, &b);
}

/* ---- slot pages ----------------------------------------------------------------------------------- */

uint64_t emu_text_alloc_page(EmuText *t, EmuTextKind kind)
{
	Region *r = g_new0(Region, 1);
	unsigned k = kind == EMU_TEXT_SLOT_OPT;

	assert(t != NULL);
	assert(is_slot_kind(kind));
	/* rel32 jumps between any kernel text and the page must reach. */
	assert(t->next_page + EMU_TEXT_PAGE_SIZE - t->img->regions[0].base < (1ull << 31));
	r->name = g_strdup_printf("slot.%s.%u", k ? "opt" : "insn", t->n_pages[k]++);
	r->kind = (uint8_t)kind;
	r->state = EMU_TEXT_LIVE;
	r->base = t->next_page;
	r->size = EMU_TEXT_PAGE_SIZE;
	r->cur = g_malloc(EMU_TEXT_PAGE_SIZE);
	memset(r->cur, INT3_BYTE, EMU_TEXT_PAGE_SIZE);
	r->live = g_malloc0(EMU_TEXT_PAGE_SIZE);
	t->next_page += EMU_TEXT_PAGE_SIZE;
	region_add(t, r);
	SIM_TRACE(t->ctx, SIM_EV_USER, "text-map", sim_trace_intern(t->ctx, r->name),
		  (int64_t)r->base, r->size, 0);
	return r->base;
}

void emu_text_free_page(EmuText *t, uint64_t page)
{
	Region *r;

	assert(t != NULL);
	assert(page % EMU_TEXT_PAGE_SIZE == 0);
	r = region_of(t, page);
	if (!r || !is_slot_kind(r->kind) || r->base != page || r->state != EMU_TEXT_LIVE) {
		sim_report(t->ctx, SIM_V_MEMORY, true, "slot-page-free", __func__,
			   "freeing 0x%llx, which is not a live slot page%s",
			   (unsigned long long)page,
			   r && r->state == EMU_TEXT_FREED ? " (freed already)" : "");
		return;
	}
	state_change_point(t, r);
	r->state = EMU_TEXT_FREED;
	memset(r->live, 0, r->size);
	SIM_TRACE(t->ctx, SIM_EV_USER, "text-free", sim_trace_intern(t->ctx, r->name),
		  (int64_t)r->base, r->size, 0);
}

/* The live slot page holding [addr, addr + len), or a fatal report naming `who`. */
static int slot_target(EmuText *t, const char *who, uint64_t addr, size_t len)
{
	int ri = find_region(t, addr);
	const Region *r = ri < 0 ? NULL : region_get(t, (unsigned)ri);

	if (r && is_slot_kind(r->kind) && r->state == EMU_TEXT_LIVE &&
	    range_in_region(r, addr, len))
		return ri;
	sim_report(t->ctx, SIM_V_MEMORY, true, "slot-write-freed", __func__,
		   "%s of %zu bytes at 0x%llx: %s", who, len, (unsigned long long)addr,
		   !r || !is_slot_kind(r->kind) ? "not a slot page"
		   : r->state == EMU_TEXT_FREED ? "the page was freed"
						 : "runs past the end of the page");
	return -1;
}

int emu_text_slot_write(EmuText *t, uint64_t addr, const void *bytes, size_t len)
{
	int ri;

	assert(t != NULL && bytes != NULL);
	assert(len >= 1 && len <= EMU_TEXT_PAGE_SIZE);
	if (sim_current(t->ctx)) {
		SimFootprint fp = { 0 };

		sim_fp_add(&fp, SIM_RES_TEXT, SIM_ACC_WRITE, addr, addr + len);
		sim_yield(t->ctx, SIM_Y_STORE, &fp);
	}
	ri = slot_target(t, "slot write", addr, len);
	if (ri < 0)
		return -1;	/* only reachable outside a task: the run has ended */
	apply_write(t, (unsigned)ri, addr, bytes, len, EMU_WRITE_SLOT);
	return 0;
}

void emu_text_slot_set_live(EmuText *t, uint64_t addr, size_t len, bool live)
{
	int ri;
	Region *r;

	assert(t != NULL);
	assert(len >= 1 && len <= EMU_TEXT_PAGE_SIZE);
	if (!live && sim_current(t->ctx)) {
		SimFootprint fp = { 0 };

		sim_fp_add(&fp, SIM_RES_TEXT, SIM_ACC_WRITE, addr, addr + len);
		sim_yield(t->ctx, SIM_Y_STORE, &fp);
	}
	ri = slot_target(t, live ? "marking live" : "marking dead", addr, len);
	if (ri < 0)
		return;
	r = region_get(t, (unsigned)ri);
	memset(r->live + (addr - r->base), live ? 1 : 0, len);
}

bool emu_text_slot_is_live(const EmuText *t, uint64_t addr, size_t len)
{
	const Region *r;

	assert(t != NULL);
	assert(len >= 1);
	r = region_of(t, addr);
	if (!r || !is_slot_kind(r->kind) || r->state != EMU_TEXT_LIVE ||
	    !range_in_region(r, addr, len))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!r->live[addr - r->base + i])
			return false;
	return true;
}

/* ---- instruction fetch --------------------------------------------------------------------------- */

static EmuFetchStatus fetch_slot(const Region *r, uint64_t off, EmuFetch *f)
{
	unsigned live_run = 0;
	unsigned len;

	assert(is_slot_kind(r->kind) && r->live != NULL);
	if (!r->live[off])
		return EMU_FETCH_FREED;
	while (live_run < EMU_MAX_INSN_SIZE && off + live_run < r->size && r->live[off + live_run])
		live_run++;
	len = emu_decode(r->cur + off, r->size - off, &f->insn);
	if (len == 0)
		return EMU_FETCH_UNDECODABLE;
	/* An instruction running into dead bytes executes what nobody vouches for. */
	return len <= live_run ? EMU_FETCH_OK : EMU_FETCH_FREED;
}

static EmuFetchStatus fetch_text(const EmuText *t, const Region *r, uint64_t off, EmuFetch *f)
{
	const uint8_t *p = r->cur + off;
	size_t avail = r->size - off;
	unsigned olen = r->insn_len[off];
	unsigned wl = 0;

	assert(r->orig != NULL);
	f->orig_len = (uint8_t)olen;
	if (olen == 0)
		return EMU_FETCH_BAD_BOUNDARY;
	if (t->writes->len && emu_text_in_write(t, r->base + off, &f->write_addr, &wl)) {
		f->write_len = (uint8_t)wl;
		return EMU_FETCH_BAD_BOUNDARY;
	}
	if (p[0] == INT3_BYTE) {
		unsigned len = emu_decode(p, avail, &f->insn);

		assert(len == 1 && f->insn.flow == EMU_FLOW_INT3);
		(void)len;
		return EMU_FETCH_OK;
	}
	if (p[0] == JMP32_BYTE)
		return emu_decode(p, avail, &f->insn) == JMP32_SIZE ? EMU_FETCH_OK : EMU_FETCH_TORN;
	if (memcmp(p, r->orig + off, olen) != 0)
		return EMU_FETCH_TORN;
	if (emu_decode(p, avail, &f->insn) != olen)
		return EMU_FETCH_TORN;	/* cannot happen: the boundary was decoded the same way */
	return EMU_FETCH_OK;
}

EmuFetchStatus emu_text_fetch(EmuText *t, uint64_t ip, EmuFetch *f)
{
	int ri;
	const Region *r;
	uint64_t off;
	EmuFetchStatus st;

	assert(t != NULL && f != NULL);
	f->region = -1;
	f->n_bytes = 0;
	f->orig_len = 0;
	f->write_len = 0;
	ri = find_region(t, ip);
	if (ri < 0) {
		f->status = EMU_FETCH_WILD;
		return EMU_FETCH_WILD;
	}
	r = region_get(t, (unsigned)ri);
	off = ip - r->base;
	f->region = ri;
	f->n_bytes = (uint8_t)MIN((uint64_t)sizeof(f->bytes), r->size - off);
	memcpy(f->bytes, r->cur + off, f->n_bytes);
	if (r->state == EMU_TEXT_UNMAPPED)
		st = EMU_FETCH_WILD;
	else if (r->state == EMU_TEXT_FREED)
		st = EMU_FETCH_FREED;
	else if (is_slot_kind(r->kind))
		st = fetch_slot(r, off, f);
	else
		st = fetch_text(t, r, off, f);
	f->status = (uint8_t)st;
	return st;
}

void emu_text_hex(const uint8_t *b, size_t len, char *buf, size_t size)
{
	size_t used = 0;

	assert(b != NULL || len == 0);
	assert(buf != NULL && size > 0);
	buf[0] = '\0';
	for (size_t i = 0; i < len && used + 4 <= size; i++)
		used += (size_t)snprintf(buf + used, size - used, i ? " %02x" : "%02x", b[i]);
}
