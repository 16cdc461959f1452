/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The invariant checker (catalogue: invariants.c).  It judges the running port through
 * its snapshot, the emulated text, and the user-level record the API layer keeps:
 *   - after every step, the text-write and structural rules, when nobody holds
 *     kprobe_mutex or text_mutex ("outside the locks") and something changed;
 *   - when an API call returns, that call's contract (A1-A9);
 *   - at quiescence (the end of a completed run), progress and memory (P3, M2, M3).
 * A9 and P3 are decided from the image (check_contract.c), not from the port's flags.
 * No violation it reports is fatal: the run goes on and the next one is reported too.
 */
#ifndef KPSIM_MODEL_CHECK_H
#define KPSIM_MODEL_CHECK_H

#include "model/api.h"

/*
 * Report invariant `id` (non-fatal), naming its cause (NULL: the operation or work
 * function running now, sim_activity()).  Repeats of one report are recorded once.
 */
void kp_check_report(KpWorld *w, const char *id, const char *cause, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Replaced returns followed per CPU: deeper nesting is reported (R2). */
#define KP_CHECK_RET_MAX 64

/*
 * Returns (check_return.c), called by the ports' glue.  R2: a kretprobe replaced the
 * return address at stack `slot` (it held `old`, it holds `now`); the trampoline came
 * through `slot` and resumes at `ret`; an emulated call returned (what was replaced
 * below it and never came back is reported).  R3: a return handler of p runs.  R4: a
 * jprobe's entry starts with `len` bytes of argument area at sp (NULL: none), and its
 * frame resumes with `area`.
 */
void kp_check_ret_hijacked(KpEnv *env, uint64_t slot, uint64_t old, uint64_t now);
void kp_check_ret_resumed(KpEnv *env, uint64_t slot, uint64_t ret);
void kp_check_ret_call_end(KpEnv *env);
void kp_check_ret_handler(KpEnv *env, KpProbe *p);
void kp_check_jprobe_entry(KpEnv *env, uint64_t sp, const void *area, size_t len);
void kp_check_jprobe_resumed(KpEnv *env, const void *area);
void kp_check_ret_free(KpWorld *w);

/* Install the per-step, per-write and per-fetch checks for this run. */
void kp_check_install(KpWorld *w);
/* Release the checker's state of a run (kp_world_fini does). */
void kp_check_free(KpWorld *w);
/* H2's pass accounting alone (hits.c); kp_check_install includes it. */
void kp_hits_install(KpWorld *w);
/* H1 at a pre handler call (hits.c). */
void kp_hits_check_handler(KpWorld *w, KpProbe *p);
/* Before each decision: date each kretprobe's disabled-child state, for H1 (hits.c). */
void kp_hits_step(KpWorld *w);
/* A handler fault that kprobes took (and counted as missed) on the running vCPU. */
void kp_hits_note_fault(KpWorld *w);
/* Run every "outside the locks" check now (asserts nobody holds the locks). */
void kp_check_structures(KpWorld *w);
/* The end of a completed run: everything settled. */
void kp_check_quiescence(KpWorld *w);

void kp_check_after_register(KpWorld *w, KpProbe **ps, int n, int ret);
void kp_check_after_unregister(KpWorld *w, KpProbe **ps, int n);
void kp_check_after_enable(KpWorld *w, KpProbe *p, int ret, bool enable);
void kp_check_after_sysctl_write(KpWorld *w, int ret, bool before);
void kp_check_after_sysctl_read(KpWorld *w, int value);
void kp_check_after_debugfs(KpWorld *w);
void kp_check_after_debugfs_read(KpWorld *w, int value, const char *buf);

/*
 * The cause of a progress failure judged at quiescence (check.c): the last state change
 * seen at e->addr or inside its window [addr, addr + max(opt_size, 5)), into buf.
 */
const char *kp_progress_cause(KpWorld *w, const KpSnapEntry *e, char *buf, size_t size);

/*
 * Contracts judged from the image, not from the port (check_contract.c).  A9: a
 * registration that returned ret at a probe-able original instruction boundary with no
 * probe registered there; called by kp_check_after_register.
 */
void kp_check_register_contract(KpWorld *w, KpProbe **ps, int n, int ret);
/* P3 at quiescence: every enabled kprobe the image says can be optimized, and that
 * nothing blocks, sits behind an installed jump into a live detour buffer. */
void kp_check_optimized(KpWorld *w, const KpSnapshot *s);
/* Does an instruction of the original text start at addr, decoded from its function's
 * start (kallsyms extent, visible symbols only)? */
bool kp_contract_boundary(const EmuText *t, uint64_t addr);
/* The address a probe's spec names (symbol + offset, or a bare address), 0 if none. */
uint64_t kp_contract_spec_addr(const EmuText *t, const KpProbeSpec *sp);
/*
 * Would the image let a jump replace the instructions at addr (what can_optimize() and
 * copy_optimized_instructions() check, on the original bytes)?  *window gets the bytes
 * the detour buffer would relocate; on false, *why says what refuses it.
 */
bool kp_contract_window(const EmuText *t, uint64_t addr, unsigned *window, const char **why);

#endif
