/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A parsed scenario written back as scenario text.  Parsing what this prints gives the
 * same scenario (the same header values, functions, probes, tasks, operations,
 * expectations, explore directive and schedule; only line numbers and comments differ),
 * which is what lets the minimizer and the fuzzer hand out readable files.
 */
#ifndef KPSIM_TOOLS_SCENARIO_PRINT_H
#define KPSIM_TOOLS_SCENARIO_PRINT_H

#include "tools/scenario.h"

/* Append the scenario's text to `out`: one statement a line, header values first. */
void kp_scenario_print(const KpScenario *sc, GString *out);
/* The same, as a newly allocated string. */
char *kp_scenario_to_text(const KpScenario *sc);
/* One operation as a task line says it ("register a b"), without indent or "-> RET". */
void kp_scenario_print_operation(const KpScenario *sc, const KpOp *op, GString *out);
/* The same with `schedule` (NULL: none) in place of the scenario's own. */
char *kp_scenario_to_text_with_schedule(const KpScenario *sc, const char *schedule);

#endif
