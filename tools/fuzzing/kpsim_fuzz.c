// SPDX-License-Identifier: GPL-2.0-only
/*
 * kpsim-fuzz: the whole simulator under a coverage-guided fuzzer, libFuzzer or AFL++
 * (meson setup -Dfuzzing=libfuzzer|afl, docs/fuzzing.md).  Each input is decoded into a
 * scenario and a schedule (tools/search/search.h, "the coverage-guided engines' inputs")
 * and run once.  Feedback is the compiler's coverage of everything linked in (the port,
 * the checker, the engine), plus the run's probe-state transitions and violations, each
 * mapped to a branch of its own (feedback_point below).  A violation that is not allowed
 * is a crash: the scenario, its schedule and its signature are printed and written as a
 * .kps file that kpsim replay accepts, then the process aborts, which both engines
 * record as a crashing input.
 *
 * Environment:
 *   KPSIM_FUZZ_MODEL       the port binary inputs are generated for (default 6274de4)
 *   KPSIM_FUZZ_ALLOW_FILE  an allow file (scenarios/known-defects-6274de4.allow): these
 *                          ids are no crash
 *   KPSIM_FUZZ_ALLOW       more ids, separated by commas or blanks
 *   KPSIM_FUZZ_OUT         the directory the .kps files go to (default: the current one)
 */
#include "model/transitions.h"
#include "sim/violation.h"
#include "tools/search/search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The configuration read from the environment once.  Global on purpose: this file is
 * built only into the fuzzing binary, whose entry points take no context; nothing of it
 * changes after LLVMFuzzerInitialize.
 */
static KpFuzzInputConfig config;
static GPtrArray *allow_ids;
static const char *out_dir = ".";

/*
 * One extra feedback point per value of k: a switch whose cases are distinct basic
 * blocks (each holds an empty asm statement with its own immediate, which the compiler
 * can neither merge with another case nor fold into a table), so that the coverage
 * instrumentation of either engine counts each as an edge of its own.  Nothing global is
 * touched: the signal is the branch taken.
 */
#define FEEDBACK_POINTS 1024
#define P1(n) case (n): __asm__ volatile("" : : "i"(n)); break;
#define P4(n) P1(n) P1((n) + 1) P1((n) + 2) P1((n) + 3)
#define P16(n) P4(n) P4((n) + 4) P4((n) + 8) P4((n) + 12)
#define P64(n) P16(n) P16((n) + 16) P16((n) + 32) P16((n) + 48)
#define P256(n) P64(n) P64((n) + 64) P64((n) + 128) P64((n) + 192)

__attribute__((noinline)) static void feedback_point(unsigned k)
{
	switch (k % FEEDBACK_POINTS) {
	P256(0) P256(256) P256(512) P256(768)
	default:
		break;
	}
}

/* Where each kind of signal lives among the points. */
enum {
	FB_TRANSITION = 0,	/* KP_ST_COUNT^2 transitions x 3 count buckets: 243 */
	FB_END = 256,		/* how the run ended */
	FB_VIOLATION_ID = 272,	/* a violation id (hashed), x 2: once, more than once */
	FB_SIGNATURE = 512,	/* a violation's id, site and cause (hashed) */
};

/* Count buckets: 1, 2-3, 4 and more. */
static unsigned bucket(uint64_t n)
{
	return n == 1 ? 0 : n < 4 ? 1 : 2;
}

static void feedback(const KpFuzzInputResult *r)
{
	KpTransitions tr = { 0 };
	const SimCtx *ctx;

	if (!r->exec)
		return;
	feedback_point(FB_END + (unsigned)r->end);
	kp_exec_add_transitions(r->exec, &tr);
	for (unsigned a = 0; a < KP_ST_COUNT; a++)
		for (unsigned b = 0; b < KP_ST_COUNT; b++)
			if (tr.count[a][b])
				feedback_point(FB_TRANSITION + (a * KP_ST_COUNT + b) * 3 +
					       bucket(tr.count[a][b]));
	ctx = kp_exec_ctx(r->exec);
	for (size_t i = 0; i < sim_violation_count(ctx); i++) {
		const SimViolation *v = sim_violation_get(ctx, i);
		unsigned id = g_str_hash(v->id) % 120;
		unsigned sig = (g_str_hash(v->id) * 31 + g_str_hash(v->site) * 7 +
				(v->cause ? g_str_hash(v->cause) : 0)) % 512;

		feedback_point(FB_VIOLATION_ID + id * 2 + (i > 0));
		feedback_point(FB_SIGNATURE + sig);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *model = g_getenv("KPSIM_FUZZ_MODEL");
	const char *file = g_getenv("KPSIM_FUZZ_ALLOW_FILE");
	const char *ids = g_getenv("KPSIM_FUZZ_ALLOW");
	const char *out = g_getenv("KPSIM_FUZZ_OUT");
	KpFuzzInputResult r;
	static const uint8_t probe[] = { KP_FUZZ_INPUT_BINARY };

	(void)argc;
	(void)argv;
	allow_ids = g_ptr_array_new();
	if (file && *file) {
		char *error = NULL;

		if (!kp_fuzz_read_allow_file(file, allow_ids, &error)) {
			fprintf(stderr, "kpsim-fuzz: KPSIM_FUZZ_ALLOW_FILE: %s\n", error);
			exit(2);
		}
	}
	if (ids && *ids) {
		g_auto(GStrv) words = g_strsplit_set(ids, " \t,", -1);

		for (char **w = words; *w; w++) {
			const char *id = **w ? kp_scenario_allow_id(*w) : NULL;

			if (**w && !id) {
				fprintf(stderr, "kpsim-fuzz: KPSIM_FUZZ_ALLOW: unknown violation id "
						"'%s'\n", *w);
				exit(2);
			}
			if (id)
				g_ptr_array_add(allow_ids, (gpointer)id);
		}
	}
	if (out && *out)
		out_dir = out;
	config.model = model && *model ? model : "6274de4";
	config.allow = (const char *const *)allow_ids->pdata;
	config.n_allow = allow_ids->len;
	/* A port that does not exist would make every binary input invalid: say so now. */
	kp_fuzz_input_run(probe, sizeof(probe), &config, &r);
	if (r.status == KP_FUZZ_INPUT_INVALID) {
		fprintf(stderr, "kpsim-fuzz: KPSIM_FUZZ_MODEL=%s: %s\n", config.model, r.message);
		exit(2);
	}
	kp_fuzz_input_clear(&r);
	return 0;
}

/* FNV-1a of the input: a crash file's name tells two inputs of one signature apart. */
static uint32_t input_hash(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	return h;
}

static void report(const KpFuzzInputResult *r, const uint8_t *data, size_t size)
{
	g_autofree char *base = kp_signature_file_name(r->key);
	g_autofree char *name = g_strdup_printf("kpsim-fuzz-%s-%08x.kps", base,
						 input_hash(data, size));
	g_autofree char *path = g_build_filename(out_dir, name, NULL);
	g_autofree char *origin = g_strdup_printf(
		"Found by kpsim-fuzz: an input of %zu bytes (kpsim fuzz --decode INPUT writes "
		"this file again).", size);
	g_autofree char *text = kp_fuzz_input_kps(r, &config, origin);
	g_autoptr(GError) err = NULL;

	fprintf(stderr, "\n==kpsim-fuzz== %s\n==kpsim-fuzz== schedule %s\n%s", r->key,
		r->schedule, text);
	g_mkdir_with_parents(out_dir, 0777);
	if (kp_write_file(path, text, &err))
		fprintf(stderr, "==kpsim-fuzz== written to %s\n", path);
	else
		fprintf(stderr, "==kpsim-fuzz== cannot write the scenario: %s\n", err->message);
	fflush(stderr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	KpFuzzInputResult r;

	kp_fuzz_input_run(data, size, &config, &r);
	feedback(&r);
	if (r.status == KP_FUZZ_INPUT_FAIL) {
		report(&r, data, size);
		abort();
	}
	kp_fuzz_input_clear(&r);
	return 0;
}
