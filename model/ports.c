// SPDX-License-Identifier: GPL-2.0-only
/*
 * The list of kernel ports, one descriptor per model/<commit>/ folder, and the lookup the
 * commands and the scenario parser use to turn a user's name for a port into its
 * descriptor.  A port answers to its name and to its commit id, so a folder name such as
 * 61f4e13 works wherever a name does.  The variants (model/variants/) follow the ports,
 * each after its base.
 */
#include "model/ports.h"
#include "model/variants/variants.h"

#include <glib.h>
#include <string.h>

/* A prefix shorter than this is too likely to name a different commit one day. */
#define KP_MIN_COMMIT_PREFIX 7

static const KpModel *const ports[] = {
	&kp_model_6274de4,
	&kp_model_6274de4_parent,
	KP_VARIANT_MODELS
};

const KpModel *const *kp_models(size_t *n)
{
	*n = G_N_ELEMENTS(ports);
	return ports;
}

/* Is s a possible abbreviation of a commit id: 7 to 40 hex digits? */
static bool is_commit_prefix(const char *s)
{
	size_t len = strlen(s);

	if (len < KP_MIN_COMMIT_PREFIX || len > 40)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!g_ascii_isxdigit(s[i]))
			return false;
	return true;
}

const KpModel *kp_model_find(const char *name)
{
	const KpModel *found = NULL;

	if (!name)
		return NULL;
	/* a name wins over a commit id: "6274de4" is both the seed's name and a prefix */
	for (size_t i = 0; i < G_N_ELEMENTS(ports); i++)
		if (!strcmp(ports[i]->name, name))
			return ports[i];
	if (!is_commit_prefix(name))
		return NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(ports); i++) {
		if (g_ascii_strncasecmp(ports[i]->commit, name, strlen(name)))
			continue;
		if (found)
			return NULL;	/* ambiguous */
		found = ports[i];
	}
	return found;
}

bool kp_model_descends(const KpModel *m, const KpModel *ancestor)
{
	for (unsigned hops = 0; m; hops++) {
		g_assert(hops <= G_N_ELEMENTS(ports));
		if (m == ancestor)
			return true;
		m = m->base ? kp_model_find(m->base) : NULL;
	}
	return false;
}

const KpModel *kp_model_root(const KpModel *m)
{
	/* A variant's base comes before it in the list, so the walk ends. */
	for (unsigned hops = 0; m && m->base; hops++) {
		g_assert(hops < G_N_ELEMENTS(ports));
		m = kp_model_find(m->base);
	}
	g_assert(m != NULL);
	return m;
}
