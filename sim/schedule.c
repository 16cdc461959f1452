// SPDX-License-Identifier: GPL-2.0-only
#include "sim/internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define SCHEDULE_MAGIC "S1:"

static bool same_choice(const SimChoice *a, const SimChoice *b)
{
	return a->kind == b->kind && a->alt == b->alt && a->vcpu == b->vcpu;
}

static void append_token(GString *s, const SimChoice *c)
{
	if (c->kind == SIM_OPT_TICK) {
		g_string_append_c(s, 't');
		return;
	}
	assert(c->vcpu < SIM_MAX_VCPUS);
	if (c->alt == 0)
		g_string_append_c(s, (char)('a' + c->vcpu));
	else if (c->alt == 1)
		g_string_append_c(s, (char)('A' + c->vcpu));
	else
		g_string_append_printf(s, "%c(%u)", 'a' + c->vcpu, c->alt);
}

char *sim_schedule_encode(const SimChoice *choices, size_t n)
{
	GString *s = g_string_new(SCHEDULE_MAGIC);

	for (size_t i = 0; i < n;) {
		size_t run = 1;

		while (i + run < n && same_choice(&choices[i], &choices[i + run]))
			run++;
		append_token(s, &choices[i]);
		if (run > 1)
			g_string_append_printf(s, "%zu", run);
		i += run;
	}
	return g_string_free(s, FALSE);
}

/* Largest repeat count accepted, so a hostile string cannot ask for terabytes. */
#define MAX_REPEAT 100000000u

SimChoice *sim_schedule_decode(const char *text, size_t *n, size_t *error_pos)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(SimChoice));
	const char *p = text;

	assert(text != NULL && n != NULL && error_pos != NULL);
	if (strncmp(p, SCHEDULE_MAGIC, strlen(SCHEDULE_MAGIC)) != 0) {
		*error_pos = 0;
		goto fail;
	}
	p += strlen(SCHEDULE_MAGIC);
	while (*p) {
		SimChoice c = { 0 };
		unsigned long repeat = 1;

		if (*p == ' ' || *p == '\t' || *p == '\n') {
			p++;
			continue;
		}
		if (*p == 't') {
			c.kind = SIM_OPT_TICK;
			p++;
		} else if (*p >= 'a' && *p < 'a' + SIM_MAX_VCPUS) {
			c.kind = SIM_OPT_STEP;
			c.vcpu = (uint16_t)(*p - 'a');
			p++;
			if (*p == '(') {
				char *end;
				unsigned long alt = strtoul(p + 1, &end, 10);

				if (end == p + 1 || *end != ')' || alt > 255) {
					*error_pos = (size_t)(p - text);
					goto fail;
				}
				c.alt = (uint8_t)alt;
				p = end + 1;
			}
		} else if (*p >= 'A' && *p < 'A' + SIM_MAX_VCPUS) {
			c.kind = SIM_OPT_STEP;
			c.vcpu = (uint16_t)(*p - 'A');
			c.alt = 1;
			p++;
		} else {
			*error_pos = (size_t)(p - text);
			goto fail;
		}
		if (*p >= '0' && *p <= '9') {
			char *end;

			repeat = strtoul(p, &end, 10);
			if (repeat == 0 || repeat > MAX_REPEAT ||
			    out->len + repeat > MAX_REPEAT) {
				*error_pos = (size_t)(p - text);
				goto fail;
			}
			p = end;
		}
		for (unsigned long i = 0; i < repeat; i++)
			g_array_append_val(out, c);
	}
	*n = out->len;
	/*
	 * "S1:" alone is valid (what encode prints for no choices; replay then takes the
	 * first option everywhere), but an empty GArray frees to NULL, the error value.
	 */
	if (!out->len) {
		g_array_free(out, TRUE);
		return g_new0(SimChoice, 1);
	}
	return (SimChoice *)(void *)g_array_free(out, FALSE);
fail:
	g_array_free(out, TRUE);
	*n = 0;
	return NULL;
}

const SimChoice *sim_schedule_choices(const SimCtx *ctx, size_t *n)
{
	*n = ctx->choices->len;
	return (const SimChoice *)(const void *)ctx->choices->data;
}

char *sim_schedule_string(const SimCtx *ctx)
{
	size_t n;
	const SimChoice *c = sim_schedule_choices(ctx, &n);

	return sim_schedule_encode(c, n);
}

bool sim_choice_matches(const SimChoice *c, const SimOption *o)
{
	if (c->kind != o->kind)
		return false;
	if (c->kind == SIM_OPT_TICK)
		return true;
	return c->vcpu == o->vcpu && c->alt == o->alt;
}
