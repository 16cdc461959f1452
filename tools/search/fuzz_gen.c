// SPDX-License-Identifier: GPL-2.0-only
/*
 * Swarm generation: each run first draws which features it uses and how much (so that
 * rare combinations get whole runs of their own), then the scenario.  Probe points are
 * instruction boundaries of the default image's functions, decoded from its bytes:
 * function starts, points inside functions, points within a few bytes of another probe
 * (overlapping jump windows) and points in module text.
 */
#include "tools/search/search.h"

#include "arch_x86_emu/decode.h"
#include "arch_x86_emu/image.h"
#include "sim/rng.h"
#include "tools/scenario/scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a jump covers: probes closer than this overlap. */
#define WINDOW 5
#define MAX_PROBES 6
#define MAX_OPS_PER_TASK 6

static const char *const op_names[KP_FUZZ_OP_COUNT] = {
	[KP_FUZZ_REGISTER] = "register", [KP_FUZZ_REGISTER_BATCH] = "register-batch",
	[KP_FUZZ_UNREGISTER] = "unregister", [KP_FUZZ_UNREGISTER_BATCH] = "unregister-batch",
	[KP_FUZZ_ENABLE] = "enable", [KP_FUZZ_DISABLE] = "disable",
	[KP_FUZZ_SYSCTL] = "sysctl", [KP_FUZZ_DEBUGFS] = "debugfs",
	[KP_FUZZ_MODULE] = "module", [KP_FUZZ_CPU] = "cpu", [KP_FUZZ_CALL] = "call",
	[KP_FUZZ_IRQ] = "irq", [KP_FUZZ_SLEEP] = "sleep",
};

/* Functions a task may call or an IRQ may run: kernel code that returns normally. */
static const char *const callable[] = {
	"f_tiny", "f_small", "f_medium", "f_large", "f_calls", "f_jcc_early", "f_loop",
	"f_nop", "f_join", "f_rip_rel", "f_lock", "f_jump_label", "f_traced",
	"f_traced_small",
};

static const char *const modules[] = { "mod_a", "mod_b" };

typedef struct {
	const char *symbol;
	unsigned offset;
} Point;

/*
 * Where the generator's draws come from: a SimRng (the swarm: run i of seed S), or the
 * bytes of a coverage-guided fuzzer's input (tools/fuzzing), read in order.  A draw
 * below(n) takes one byte for n <= 256 and two (little-endian) above, its value modulo
 * n; past the end of the bytes every draw is 0.  So one byte changed changes one choice,
 * and the scenario after it only as far as that choice reaches.  With a SimRng the
 * generator makes exactly the calls it made before bytes were possible, in the same
 * order, so every recorded campaign draws the same scenarios.
 */
typedef struct {
	const uint8_t *p;
	size_t n, pos;
} ByteStream;

typedef struct {
	SimRng *rng;		/* the swarm's stream, or NULL */
	ByteStream *bytes;	/* else the input's */
} Draws;

static unsigned byte_at(ByteStream *b)
{
	return b->pos < b->n ? b->p[b->pos++] : 0;
}

static unsigned below(Draws *r, unsigned n)
{
	unsigned v;

	if (r->rng)
		return (unsigned)sim_rng_below(r->rng, n);
	v = byte_at(r->bytes);
	if (n > 256)
		v |= byte_at(r->bytes) << 8;
	return v % n;
}

static bool chance(Draws *r, unsigned percent)
{
	return below(r, 100) < percent;
}

/* Instruction boundaries of `sym`'s code, from its start; returns how many. */
static unsigned boundaries(const EmuImage *img, const EmuSymbol *sym, unsigned *out,
			   unsigned max)
{
	const EmuImageRegion *reg = &img->regions[sym->region];
	uint64_t off = sym->addr - reg->base;
	unsigned n = 0, at = 0;

	while (at < sym->code_size && n < max) {
		EmuInsn insn;
		unsigned len = emu_decode(reg->bytes + off + at, reg->size - off - at, &insn);

		out[n++] = at;
		if (!len)
			break;
		at += len;
	}
	return n;
}

/* A random function of the given region kinds (core text, or module core text). */
static const EmuSymbol *pick_function(const EmuImage *img, Draws *r, bool module)
{
	const EmuSymbol *cand[256];
	unsigned n = 0;

	for (size_t i = 0; i < img->n_symbols && n < G_N_ELEMENTS(cand); i++) {
		uint8_t kind = img->regions[img->symbols[i].region].kind;

		if (module ? kind == EMU_REGION_MODULE_CORE : kind == EMU_REGION_CORE_TEXT)
			cand[n++] = &img->symbols[i];
	}
	g_assert(n > 0);
	return cand[below(r, n)];
}

static Point pick_point(const EmuImage *img, Draws *r, const Point *placed, unsigned n_placed)
{
	unsigned b[512];
	unsigned mode = below(r, 100), n;
	const EmuSymbol *sym;

	if (n_placed && mode < 30) {
		/* Overlapping: a boundary within WINDOW bytes of an earlier probe. */
		const Point *near = &placed[below(r, n_placed)];
		unsigned k = 0, c[512];

		sym = emu_image_symbol_by_name(img, near->symbol);
		n = boundaries(img, sym, b, G_N_ELEMENTS(b));
		for (unsigned i = 0; i < n; i++)
			if (b[i] + WINDOW > near->offset && b[i] < near->offset + WINDOW)
				c[k++] = b[i];
		if (k)
			return (Point){ near->symbol, c[below(r, k)] };
	}
	sym = pick_function(img, r, mode >= 30 && mode < 45);
	if (mode >= 45 && mode < 70)
		return (Point){ sym->name, 0 };
	n = boundaries(img, sym, b, G_N_ELEMENTS(b));
	return (Point){ sym->name, n ? b[below(r, n)] : 0 };
}

typedef struct {
	Draws rng;
	/*
	 * Draws added after the first recorded campaigns come from a stream of their own,
	 * seeded from (seed, run) too, so that `rng` makes exactly the draws it always made:
	 * a run without a kretprobe is the text it always was, and one with a kretprobe only
	 * gains the return handler's tokens on that probe's line.  (From an input's bytes,
	 * both read the one byte stream, in the order the draws are made.)
	 */
	Draws extra;
	const KpFuzzCase *c;
	GString *out;
	char kind[MAX_PROBES];	/* 'k' kprobe, 'j' jprobe, 'r' kretprobe */
	/*
	 * The task that owns each probe: only it registers, unregisters, enables or disables
	 * it.  A struct kprobe belongs to its caller; two threads registering the same one at
	 * once is a misuse the kernel does not guard against, not a finding.
	 */
	unsigned owner[MAX_PROBES];
	/*
	 * The one task that does CPU hotplug, and the one that loads and unloads modules: the
	 * engine serialises hotplug writers by construction (concurrent writers are outside
	 * what it models), and one loader keeps module states meaningful.
	 */
	unsigned hotplug_task, module_task;
	/*
	 * The generator's version (kpsim fuzz --generator).  2 lets every task plug CPUs
	 * and load or unload modules: cpu_add_remove_lock and module_mutex serialise them in
	 * the kernel, as in the model.  Both versions make the same draws, so version 1 stays
	 * exactly what recorded campaigns ran.
	 */
	unsigned version;
} Gen;

static void gen_probe(Gen *g, unsigned i, const Point *p)
{
	Draws *r = &g->rng;
	unsigned k = below(r, 100);

	g_string_append_printf(g->out, "probe p%u at %s+%u", i, p->symbol, p->offset);
	if (p->offset == 0 && k < 5) {
		g->kind[i] = 'j';
		g_string_append(g->out, " jprobe");
	} else if (p->offset == 0 && k < 10) {
		g->kind[i] = 'r';
		g_string_append(g->out, " kretprobe");
		if (chance(r, 30))
			g_string_append(g->out, chance(r, 50) ? " no-pre" : " pre-returns 1");
		/* A return handler 70% of the time, returning 1 (ignored) in a third of those. */
		if (chance(&g->extra, 70))
			g_string_append(g->out, chance(&g->extra, 33) ? " ret ret-returns 1" : " ret");
	} else {
		/*
		 * No `pre-returns 1` here: a kprobe pre handler that returns 1 says it changed
		 * the IP and re-enabled preemption itself, which these handlers do not; the run
		 * would resume inside the int3 with preemption off, a misuse and not a finding.
		 */
		g->kind[i] = 'k';
		if (chance(r, 10))
			g_string_append(g->out, " no-pre");
		if (chance(r, 35))
			g_string_append(g->out, " post");
		if (chance(r, 15))
			g_string_append(g->out, chance(r, 50) ? " fault" : " fault fault-returns 1");
		if (chance(r, 15))
			g_string_append(g->out, chance(r, 50) ? " break" : " break break-returns 1");
	}
	if (chance(r, 10))
		g_string_append(g->out, " disabled");
	g_string_append_c(g->out, '\n');
}

/* Probes of one kind and one owner for a batch call: `first` and up to two more. */
static void gen_probe_list(Gen *g, unsigned first, bool batch)
{
	unsigned extra = 0;

	g_string_append_printf(g->out, " p%u", first);
	for (unsigned i = 0; batch && i < g->c->probes && extra < 2; i++) {
		if (i == first || g->kind[i] != g->kind[first] || g->owner[i] != g->owner[first] ||
		    !chance(&g->rng, 50))
			continue;
		g_string_append_printf(g->out, " p%u", i);
		extra++;
	}
}

static KpFuzzOp pick_op(Gen *g)
{
	unsigned total = 0, x;

	for (int i = 0; i < KP_FUZZ_OP_COUNT; i++)
		total += g->c->weight[i];
	x = below(&g->rng, total);
	for (int i = 0; i < KP_FUZZ_OP_COUNT; i++) {
		if (x < g->c->weight[i])
			return (KpFuzzOp)i;
		x -= g->c->weight[i];
	}
	g_assert_not_reached();
}

/* A probe `task` owns, or -1. */
static int owned_probe(Gen *g, unsigned task)
{
	unsigned mine[MAX_PROBES], n = 0;

	for (unsigned i = 0; i < g->c->probes; i++)
		if (g->owner[i] == task)
			mine[n++] = i;
	return n ? (int)mine[below(&g->rng, n)] : -1;
}

static void gen_op(Gen *g, unsigned task)
{
	Draws *r = &g->rng;
	const KpFuzzCase *c = g->c;
	KpFuzzOp op = pick_op(g);
	int owned = owned_probe(g, task);
	unsigned p = owned < 0 ? 0 : (unsigned)owned;

	/* A task that owns no probe calls instead of touching someone else's. */
	if (owned < 0 && op <= KP_FUZZ_DISABLE)
		op = KP_FUZZ_CALL;
	if (g->version < 2 && ((op == KP_FUZZ_CPU && task != g->hotplug_task) ||
			       (op == KP_FUZZ_MODULE && task != g->module_task)))
		op = KP_FUZZ_CALL;

	g_string_append(g->out, "    ");
	switch (op) {
	case KP_FUZZ_REGISTER:
	case KP_FUZZ_REGISTER_BATCH:
		g_string_append(g->out, "register");
		gen_probe_list(g, p, op == KP_FUZZ_REGISTER_BATCH);
		break;
	case KP_FUZZ_UNREGISTER:
	case KP_FUZZ_UNREGISTER_BATCH:
		g_string_append(g->out, "unregister");
		gen_probe_list(g, p, op == KP_FUZZ_UNREGISTER_BATCH);
		break;
	case KP_FUZZ_ENABLE:
	case KP_FUZZ_DISABLE:
		g_string_append_printf(g->out, "%s p%u",
				       op == KP_FUZZ_ENABLE ? "enable" : "disable", p);
		break;
	case KP_FUZZ_SYSCTL:
		g_string_append(g->out, chance(r, 80) ? (chance(r, 50) ? "sysctl write \"0\\n\""
									: "sysctl write \"1\\n\"")
						      : "sysctl read");
		break;
	case KP_FUZZ_DEBUGFS:
		g_string_append(g->out, chance(r, 80) ? (chance(r, 50) ? "debugfs write \"0\""
									: "debugfs write \"1\"")
						      : "debugfs read");
		break;
	case KP_FUZZ_MODULE: {
		static const char *const what[] = { "load", "live", "unload" };

		g_string_append_printf(g->out, "module %s %s", what[below(r, 3)],
				       modules[below(r, G_N_ELEMENTS(modules))]);
		break;
	}
	case KP_FUZZ_CPU:
		/* Only drawn with 2 vCPUs or more; vCPU 0 stays online. */
		g_string_append_printf(g->out, "cpu %s %u", chance(r, 50) ? "down" : "up",
				       1 + below(r, c->cpus - 1));
		break;
	case KP_FUZZ_CALL:
		g_string_append_printf(g->out, "call %s",
				       callable[below(r, G_N_ELEMENTS(callable))]);
		if (chance(r, 30))
			g_string_append_printf(g->out, " times %u", 2 + below(r, 2));
		break;
	case KP_FUZZ_IRQ:
		g_string_append_printf(g->out, "irq cpu%u %s", below(r, c->cpus),
				       callable[below(r, G_N_ELEMENTS(callable))]);
		break;
	case KP_FUZZ_SLEEP:
		g_string_append_printf(g->out, "sleep %u", 1 + below(r, 2 * c->optimize_delay + 2));
		break;
	case KP_FUZZ_OP_COUNT:
		g_assert_not_reached();
	}
	g_string_append_c(g->out, '\n');
}

/* The swarm parameters: which features this run has, and how much of each. */
static void draw_params(Gen *g, KpFuzzCase *c)
{
	Draws *r = &g->rng;

	c->cpus = 1 + below(r, 4);
	c->probes = 1 + below(r, MAX_PROBES);
	c->tasks = 1 + below(r, MIN(2 * c->cpus, 5));
	c->optimize_delay = 1 + below(r, 8);
	for (int i = 0; i < KP_FUZZ_OP_COUNT; i++)
		c->weight[i] = chance(r, 50) ? 1 + below(r, 4) : 0;
	/* Registering and calling are what every other operation acts on. */
	if (!c->weight[KP_FUZZ_REGISTER])
		c->weight[KP_FUZZ_REGISTER] = 1 + below(r, 4);
	if (!c->weight[KP_FUZZ_CALL] && !c->weight[KP_FUZZ_IRQ])
		c->weight[KP_FUZZ_CALL] = 1 + below(r, 4);
	/* Rare on purpose: they disturb everything else. */
	if (c->weight[KP_FUZZ_MODULE] && chance(r, 50))
		c->weight[KP_FUZZ_MODULE] = 0;
	if (c->cpus == 1)
		c->weight[KP_FUZZ_CPU] = 0;
}

static char *describe(const KpFuzzCase *c)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "cpus=%u probes=%u tasks=%u optimize-delay=%u ops=", c->cpus,
			       c->probes, c->tasks, c->optimize_delay);
	for (int i = 0, first = 1; i < KP_FUZZ_OP_COUNT; i++)
		if (c->weight[i]) {
			g_string_append_printf(s, "%s%s:%u", first ? "" : ",", op_names[i],
					       c->weight[i]);
			first = 0;
		}
	return g_string_free(s, FALSE);
}

/* The scenario from g's draws; `origin` names them if the text does not parse. */
static void generate(Gen *g, const char *model, KpFuzzCase *out, const char *origin)
{
	const EmuImage *img = emu_default_image();
	Point placed[MAX_PROBES];
	g_autoptr(GError) err = NULL;
	KpScenario *sc;

	draw_params(g, out);
	g->out = g_string_new(NULL);
	g_string_append_printf(g->out, "model %s\ncpus %u\n", model, out->cpus);
	if (out->optimize_delay != 5)
		g_string_append_printf(g->out, "optimize-delay %u\n", out->optimize_delay);
	for (unsigned i = 0; i < out->probes; i++) {
		placed[i] = pick_point(img, &g->rng, placed, i);
		gen_probe(g, i, &placed[i]);
		g->owner[i] = below(&g->rng, out->tasks);
	}
	g->hotplug_task = below(&g->rng, out->tasks);
	g->module_task = below(&g->rng, out->tasks);
	for (unsigned t = 0; t < out->tasks; t++) {
		unsigned n = 1 + below(&g->rng, MAX_OPS_PER_TASK);

		g_string_append_printf(g->out, "task t%u on cpu%u:\n", t, t % out->cpus);
		for (unsigned i = 0; i < n; i++)
			gen_op(g, t);
	}
	out->params = describe(out);
	out->text = g_string_free(g->out, FALSE);
	sc = kp_scenario_parse("generated", out->text, strlen(out->text), &err);
	if (!sc) {
		fprintf(stderr, "kpsim fuzz: generated an invalid scenario (%s): %s\n%s", origin,
			err->message, out->text);
		abort();
	}
	kp_scenario_free(sc);
}

void kp_fuzz_generate(uint64_t seed, uint64_t index, const char *model, KpFuzzCase *out)
{
	kp_fuzz_generate_version(seed, index, 1, model, out);
}

void kp_fuzz_generate_version(uint64_t seed, uint64_t index, unsigned version,
			      const char *model, KpFuzzCase *out)
{
	SimRng rng, extra;
	Gen g = { .rng = { .rng = &rng }, .extra = { .rng = &extra }, .c = out,
		  .version = version };
	uint64_t mix = seed;
	g_autofree char *origin = NULL;

	memset(out, 0, sizeof(*out));
	/* The run's generator depends on (seed, index) only. */
	mix = sim_splitmix64(&mix) ^ index;
	sim_rng_seed(&rng, sim_splitmix64(&mix));
	sim_rng_seed(&extra, sim_splitmix64(&mix));
	origin = g_strdup_printf("seed %" G_GUINT64_FORMAT ", run %" G_GUINT64_FORMAT, seed,
				 index);
	generate(&g, model, out, origin);
}

size_t kp_fuzz_generate_bytes(const uint8_t *bytes, size_t n, const char *model,
			      KpFuzzCase *out)
{
	ByteStream b = { .p = bytes, .n = n };
	Gen g = { .rng = { .bytes = &b }, .extra = { .bytes = &b }, .c = out, .version = 1 };

	memset(out, 0, sizeof(*out));
	generate(&g, model, out, "from input bytes");
	return MIN(b.pos, n);
}

void kp_fuzz_case_clear(KpFuzzCase *c)
{
	g_free(c->params);
	g_free(c->text);
	memset(c, 0, sizeof(*c));
}
