// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer entry point for the scenario parser: any bytes must give a scenario or a
 * located error, never a crash, a leak or undefined behaviour.
 */
#include "tools/scenario/scenario.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GError *error = NULL;
	KpScenario *sc = kp_scenario_parse("fuzz.kps", (const char *)data, size, &error);

	/* Exactly one of the two, and an error always says where. */
	assert((sc == NULL) != (error == NULL));
	if (error) {
		assert(error->domain == KP_SCENARIO_ERROR);
		assert(!strncmp(error->message, "fuzz.kps:", 9));
		g_error_free(error);
	} else {
		assert(sc->script.n_tasks > 0);
		kp_scenario_free(sc);
	}
	return 0;
}
