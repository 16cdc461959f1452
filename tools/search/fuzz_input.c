// SPDX-License-Identifier: GPL-2.0-only
/*
 * The inputs of the coverage-guided engines (libFuzzer, AFL++: tools/fuzzing): decoded
 * into a scenario and a schedule, run once, judged, and written back as a scenario file
 * with its `schedule` line.  Plain C linked into kpsim too, so that `kpsim fuzz --decode`
 * turns any input of either engine into the file that the engine's own run saw.
 */
#include "tools/search/search.h"

#include "sim/strategy.h"
#include "sim/violation.h"

#include <string.h>

/* Text form: the first byte is what a scenario file may start with. */
static bool is_text_byte(uint8_t c)
{
	return c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c < 0x7f);
}

static bool has_id(const char *key, const char *id)
{
	size_t n = strlen(id);

	return g_str_has_prefix(key, "violation ") && !strncmp(key + 10, id, n) &&
	       (key[10 + n] == ' ' || !key[10 + n]);
}

/*
 * Does the scenario run machine code of its own choosing: `function` lines, or a call or
 * IRQ at an absolute address or inside a function rather than at a function's start?
 */
static bool runs_own_code(const KpScenario *sc)
{
	if (sc->n_functions)
		return true;
	for (unsigned t = 0; t < sc->script.n_tasks; t++)
		for (unsigned i = 0; i < sc->script.tasks[t].n_ops; i++) {
			const KpOp *op = &sc->script.tasks[t].ops[i];

			if ((op->kind == KP_OP_CALL || op->kind == KP_OP_IRQ) &&
			    (!op->text || op->addr))
				return true;
		}
	return false;
}

void kp_fuzz_input_run(const uint8_t *data, size_t n, const KpFuzzInputConfig *cfg,
		       KpFuzzInputResult *res)
{
	const uint8_t *sched;
	g_autoptr(GError) err = NULL;
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(kp_failure_free);
	SimStrategy *s;
	bool discard = false;

	memset(res, 0, sizeof(*res));
	res->text_form = n > 0 && is_text_byte(data[0]);
	if (res->text_form) {
		const uint8_t *nul = memchr(data, '\0', n);

		res->scenario_bytes = nul ? (size_t)(nul - data) : n;
		sched = nul ? nul + 1 : data + n;
		res->schedule_bytes = nul ? n - res->scenario_bytes - 1 : 0;
		res->sc = kp_scenario_parse("input.kps", (const char *)data, res->scenario_bytes,
					    &err);
	} else {
		/* A u16 length, then the generator's bytes, then the schedule's. */
		size_t len = (n > 1 ? data[1] : 0) | (size_t)(n > 2 ? data[2] : 0) << 8;
		size_t at = MIN(n, 3);
		KpFuzzCase c;

		res->scenario_bytes = MIN(len, n - at);
		sched = data + at + res->scenario_bytes;
		res->schedule_bytes = n - at - res->scenario_bytes;
		kp_fuzz_generate_bytes(data + at, res->scenario_bytes,
				       cfg->model ? cfg->model : "6274de4", &c);
		res->params = g_strdup(c.params);
		res->sc = kp_scenario_parse("input.kps", c.text, strlen(c.text), &err);
		kp_fuzz_case_clear(&c);
	}
	if (!res->sc) {
		res->status = KP_FUZZ_INPUT_INVALID;
		res->message = g_strdup(err->message);
		return;
	}
	for (unsigned i = 0; i < cfg->n_allow; i++)
		kp_scenario_add_allow(res->sc, cfg->allow[i]);
	/* The scenario's own schedule line leads; a line that does not parse is ignored. */
	s = sim_strategy_bytes_new(sched, res->schedule_bytes, res->sc->schedule,
				   KP_FUZZ_INPUT_MAX_STEPS);
	if (!s)
		s = sim_strategy_bytes_new(sched, res->schedule_bytes, NULL,
					   KP_FUZZ_INPUT_MAX_STEPS);
	res->exec = kp_exec_new(res->sc);
	res->end = kp_exec_run(res->exec, s, &err);
	sim_strategy_free(s);
	if (res->end == SIM_END_NONE) {
		res->status = KP_FUZZ_INPUT_INVALID;
		res->message = kp_input_error(res->sc, err ? err->message : "cannot run");
		return;
	}
	res->schedule = kp_exec_schedule(res->exec);
	if (res->end == SIM_END_STOPPED) {
		res->status = KP_FUZZ_INPUT_DISCARD;
		return;
	}
	kp_exec_judge_all(res->exec, all);
	for (unsigned i = 0; i < all->len; i++) {
		const KpFailure *f = all->pdata[i];

		/*
		 * The model's own limits are no finding (as for the swarm); neither is what a
		 * mutated text input does to itself and the generator never writes: misusing
		 * the API (one struct kprobe registered from two tasks), or a CPU crashing in
		 * code the scenario chose (its own `function` bytes, `call 0x2`).
		 */
		discard |= g_str_has_prefix(f->key, "violation model-") ||
			   (res->text_form && has_id(f->key, "api-misuse")) ||
			   (res->text_form && g_str_has_prefix(f->key, "violation cpu-") &&
			    runs_own_code(res->sc));
	}
	if (discard) {
		res->status = KP_FUZZ_INPUT_DISCARD;
		return;
	}
	res->status = KP_FUZZ_INPUT_PASS;
	for (unsigned i = 0; i < all->len; i++) {
		const KpFailure *f = all->pdata[i];

		/*
		 * Violations only, and not an inline `-> RET` mismatch (id `expect`): a text
		 * input's expectations were written for the scenario before it was mutated,
		 * and one that no longer holds says nothing of the kernel.
		 */
		if (f->allowed || !g_str_has_prefix(f->key, "violation ") ||
		    has_id(f->key, "expect"))
			continue;
		res->status = KP_FUZZ_INPUT_FAIL;
		res->key = g_strdup(f->key);
		res->message = g_strdup(f->message);
		/*
		 * What failed before it (inline mismatches) is allowed in the scenario, so that
		 * its file fails first with this signature when it is replayed or minimized;
		 * never this signature's own id, which would hide it.
		 */
		for (unsigned j = 0; j < i; j++) {
			const char *k = ((const KpFailure *)all->pdata[j])->key;
			g_autofree char *id = NULL;

			if (!g_str_has_prefix(k, "violation ") || ((const KpFailure *)
								     all->pdata[j])->allowed)
				continue;
			id = g_strndup(k + 10, strcspn(k + 10, " "));
			if (!has_id(f->key, id))
				kp_scenario_add_allow(res->sc, id);
		}
		break;
	}
}

/* `prefix` and `body` as comment lines, however many lines the body has. */
static void append_comment(GString *out, const char *prefix, const char *body)
{
	g_auto(GStrv) lines = g_strsplit(body, "\n", -1);

	for (char **l = lines; *l; l++)
		g_string_append_printf(out, "# %s%s\n", l == lines ? prefix : "  ", *l);
}

char *kp_fuzz_input_kps(const KpFuzzInputResult *res, const KpFuzzInputConfig *cfg,
			const char *origin)
{
	GString *out;
	g_autofree char *body = NULL;

	(void)cfg;	/* its allow ids are in the scenario already */
	if (!res->sc || !res->schedule)
		return NULL;
	out = g_string_new(NULL);
	append_comment(out, "", origin);
	g_string_append_printf(out, "# Input: %s form, %zu scenario bytes, %zu schedule bytes.\n",
			       res->text_form ? "text" : "binary", res->scenario_bytes,
			       res->schedule_bytes);
	if (res->params)
		g_string_append_printf(out, "# Parameters: %s\n", res->params);
	if (res->status == KP_FUZZ_INPUT_FAIL) {
		g_string_append_printf(out, "# Signature: %s\n", res->key);
		append_comment(out, "Message: ", res->message);
	} else if (res->status == KP_FUZZ_INPUT_DISCARD) {
		g_string_append_printf(out, "# Not judged as a finding: %s.\n",
				       res->end == SIM_END_STOPPED ?
				       "the execution reached the step limit" :
				       "a model limit or an API misuse");
	} else {
		g_string_append(out, "# No failure that is not allowed.\n");
	}
	body = kp_scenario_to_text_with_schedule(res->sc, res->schedule);
	g_string_append(out, body);
	return g_string_free(out, FALSE);
}

void kp_fuzz_input_clear(KpFuzzInputResult *res)
{
	if (res->exec)
		kp_exec_free(res->exec);
	if (res->sc)
		kp_scenario_free(res->sc);
	g_free(res->params);
	g_free(res->schedule);
	g_free(res->key);
	g_free(res->message);
	memset(res, 0, sizeof(*res));
}

bool kp_fuzz_read_allow_file(const char *path, GPtrArray *ids, char **error)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) err = NULL;
	g_auto(GStrv) lines = NULL;
	size_t len;

	if (!kp_scenario_read(path, &text, &len, &err)) {
		*error = g_strdup(err->message);
		return false;
	}
	lines = g_strsplit(text, "\n", -1);
	for (unsigned n = 0; lines[n]; n++) {
		char *hash = strchr(lines[n], '#');
		g_auto(GStrv) words = NULL;

		if (hash)
			*hash = '\0';
		words = g_strsplit_set(lines[n], " \t\r,", -1);
		for (char **w = words; *w; w++) {
			const char *id;

			if (!**w)
				continue;
			id = kp_scenario_allow_id(*w);
			if (!id) {
				*error = g_strdup_printf("%s:%u: unknown violation id '%s'", path,
							 n + 1, *w);
				return false;
			}
			g_ptr_array_add(ids, (gpointer)id);
		}
	}
	return true;
}
