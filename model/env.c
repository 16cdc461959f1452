// SPDX-License-Identifier: GPL-2.0-only
#include "model/env.h"

#include "sim/violation.h"

#include <assert.h>
#include <glib.h>
#include <string.h>

KpEnv *kp_env_new(SimCtx *ctx, const EmuImage *img, const KpModel *model)
{
	return kp_env_new_on(ctx, img, model, NULL);
}

KpEnv *kp_env_new_on(SimCtx *ctx, const EmuImage *img, const KpModel *model, EmuText *text)
{
	KpEnv *env = g_new0(KpEnv, 1);

	assert(ctx != NULL && img != NULL);
	env->ctx = ctx;
	env->model = model;
	if (text && (emu_text_ctx(text) != ctx || emu_text_image(text) != img)) {
		emu_text_free(text);
		text = NULL;
	}
	if (text)
		emu_text_reset(text);
	env->text = text ? text : emu_text_new(ctx, img);
	env->machine = emu_machine_new(ctx, env->text);
	sim_mutex_init(ctx, &env->module_mutex, "module_mutex");
	sim_mutex_init(ctx, &env->jump_label_mutex, "jump_label_mutex");
	sim_mutex_init(ctx, &env->smp_alt_mutex, "smp_alt");
	sim_mutex_init(ctx, &env->cpu_add_remove_lock, "cpu_add_remove_lock");
	sim_mutex_init(ctx, &env->text_mutex, "text_mutex");
	emu_text_set_text_mutex(env->text, &env->text_mutex);
	for (size_t i = 0; i < img->n_modules && i < KP_MAX_MODULES; i++) {
		struct module *mod = &env->modules[env->n_modules++];

		mod->name = img->modules[i].name;
		kp_env_module_reset(env, mod);
	}
	sim_ctx_set_user(ctx, env);
	return env;
}

void kp_env_free(KpEnv *env)
{
	emu_text_free(kp_env_free_keep_text(env));
}

EmuText *kp_env_free_keep_text(KpEnv *env)
{
	EmuText *text;

	if (!env)
		return NULL;
	text = env->text;
	g_free(env->port);
	emu_machine_free(env->machine);
	g_free(env);
	return text;
}

KpEnv *kp_env_current(void)
{
	KpEnv *env = sim_running_user();

	/* kp_env_new installs the environment as the user pointer of its own context. */
	assert(env != NULL && "kernel code runs only inside a run");
	return env;
}

void kp_env_module_reset(KpEnv *env, struct module *mod)
{
	const EmuImage *img = emu_text_image(env->text);
	const EmuModuleImage *mi = emu_image_module_by_name(img, mod->name);

	assert(mi != NULL);
	mod->state = MODULE_STATE_GOING;
	mod->module_core = img->regions[mi->core_region].base;
	mod->core_text_size = img->regions[mi->core_region].size;
	mod->module_init = img->regions[mi->init_region].base;
	mod->init_text_size = img->regions[mi->init_region].size;
}

struct module *kp_env_module(KpEnv *env, const char *name)
{
	for (unsigned i = 0; i < env->n_modules; i++)
		if (!strcmp(env->modules[i].name, name))
			return &env->modules[i];
	return NULL;
}
