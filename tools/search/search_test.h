/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What only the search library's tests use: faults they inject to see that a campaign
 * survives them.  The kpsim command never includes this header.
 */
#ifndef KPSIM_TOOLS_SEARCH_SEARCH_TEST_H
#define KPSIM_TOOLS_SEARCH_SEARCH_TEST_H

#include "tools/search/search.h"

typedef struct KpFuzzTestHooks {
	/* The worker doing this run index aborts, as if the model had crashed. */
	uint64_t crash_run;
} KpFuzzTestHooks;

#endif
