// SPDX-License-Identifier: GPL-2.0-only
#include "model/invariants.h"

#include <string.h>

#define STEP "every step"
#define OUTSIDE "outside the locks"
#define QUIET "at quiescence"
#define RETURN "when the call returns"
#define PORT "where the kernel asserts it"

#define ALL NULL		/* every port */
#define SEED "6274de4"
#define PARENT "6274de4^"

/*
 * Entries are { id, checked by, family, when, statement[, the one port it applies to] }.
 * Where a statement has a clause about the seed's delayed unoptimization, that clause
 * says so; the parent port has none of that machinery, so the clause cannot fail there.
 */

static const KpInvariant catalogue[] = {
	/* Kernel assertions, evaluated by the port where the kernel evaluates them. */
	{ "K1", "port", "kernel", PORT, "do_free_cleaned_kprobes: every op on the free list is unused",
	  SEED },
	{ "K2", "port", "kernel", PORT, "do_optimize_kprobes: no op on optimizing_list is disabled",
	  ALL },
	{ "K3", "port", "kernel", PORT,
	  "__unregister_kprobe_top: a child's parent is an aggregate; at unhash it is disarmed "
	  "(that BUG_ON is 6274de4's)", ALL },
	{ "K4", "port", "kernel", PORT, "add_new_kprobe: neither the aggregate nor the new probe is gone",
	  ALL },
	{ "K5", "port", "kernel", PORT, "reenter_kprobe: no probe hit while the CPU is single-stepping",
	  ALL },
	{ "K6", "port", "kernel", PORT, "text_poke: the page exists and the bytes read back equal",
	  ALL },
	{ "K7", "port", "kernel", PORT, "__copy_instruction: the adjusted RIP displacement fits in 32 bits",
	  ALL },
	{ "K8", "port", "kernel", PORT, "slot caches: no double free, no unknown slot, consistent counts",
	  ALL },
	{ "K9", "engine", "kernel", PORT,
	  "workqueue: a timer is never found pending, nor the work linked, while PENDING was clear",
	  ALL },
	{ "K10", "port", "kernel", PORT, "jprobe/kretprobe: the return and stack checks hold",
	  ALL },
	{ "BUG", "port", "kernel", PORT, "no other BUG()/BUG_ON() of the ported code fires", ALL },
	{ "WARN", "port", "kernel", PORT, "no other WARN_ON() of the ported code fires", ALL },
	/* Text and execution. */
	{ "T1", "checker", "text", OUTSIDE,
	  "text differs from the original only at bytes owned by hashed probes (int3 at the "
	  "address, the five bytes of an installed jump)", ALL },
	{ "T2", "checker", "text", OUTSIDE, "the text of every hashed, non-GONE probe matches its state",
	  ALL },
	{ "T3", "checker", "text", STEP,
	  "no write changes a byte of an installed jump except that op's own unoptimize write",
	  ALL },
	{ "T4", "checker", "text", OUTSIDE,
	  "while globally disarmed (optimizer idle, lists empty) every probe address holds "
	  "its original bytes", ALL },
	{ "T5", "checker", "text", STEP,
	  "no write to a GONE probe's text (writes to freed text: text-poke-freed)", ALL },
	{ "T6", "checker", "text", STEP,
	  "kprobes' text writes hold kprobe_mutex (text_mutex and the hotplug reference: "
	  "text-poke-unlocked, text-poke-smp-no-hotplug)", ALL },
	{ "T7", "hardware", "cpu", STEP,
	  "every instruction starts at an original boundary, outside installed jumps, on "
	  "bytes that are the original instruction, an int3 or a jump to a live detour "
	  "(reported as the cpu-* ids, never as T7)", ALL },
	/* Structures. */
	{ "S1", "checker", "structure", OUTSIDE, "OPTIMIZED implies an optready, non-GONE aggregate",
	  ALL },
	{ "S2", "checker", "structure", OUTSIDE,
	  "on optimizing_list iff queued and OPTIMIZED; on unoptimizing_list (6274de4 only) "
	  "implies OPTIMIZED clear and the op's jump still installed", ALL },
	{ "S3", "checker", "structure", OUTSIDE,
	  "queued iff on exactly one list; ops on an optimizer free list (6274de4 only) are "
	  "unhashed and unused", ALL },
	{ "S4", "checker", "structure", OUTSIDE,
	  "an op on optimizing_list is enabled, optimization is allowed, kprobes are armed", ALL },
	{ "S5", "checker", "structure", OUTSIDE, "a hashed unused aggregate is on unoptimizing_list",
	  SEED },
	{ "S6", "checker", "structure", OUTSIDE, "an aggregate is disabled iff all its children are",
	  ALL },
	{ "S7", "checker", "structure", OUTSIDE,
	  "one hashed entry per address; children unhashed and at their aggregate's address; "
	  "registered probes are hashed or children; hashed entries are registered", ALL },
	{ "S8", "port", "structure", STEP,
	  "the staging lists and the optimizer kick are touched only under kprobe_mutex", ALL },
	{ "S9", "checker", "structure", OUTSIDE,
	  "no unused aggregate is hashed: unregistering the last child unhashes it at once",
	  PARENT },
	/* Handlers. */
	{ "H1", "checker", "handlers", STEP,
	  "each hit has one outcome: no disabled child's pre handler runs; a nested hit calls "
	  "none and counts nmissed (at most once each: H2; child-list order is not checked)", ALL },
	{ "H2", "checker", "handlers", STEP,
	  "each pass through a user-active probe's instruction is one hit or one miss", ALL },
	{ "H3", "checker", "handlers", STEP,
	  "no hit starting after disable/unregister/disarm-all returned calls a handler", ALL },
	{ "H4", "checker", "handlers", OUTSIDE,
	  "an aggregate with a post or break handler child is not optimized", ALL },
	/* Function returns (kretprobes) and jprobe frames. */
	{ "R1", "checker", "returns", QUIET,
	  "every kretprobe instance taken is, by the end, back on its kretprobe's free list "
	  "or freed: none is in flight, none is lost", ALL },
	{ "R2", "checker", "returns", STEP,
	  "every return address a kretprobe replaced reaches the trampoline, which resumes "
	  "at the real return address", ALL },
	{ "R3", "checker", "returns", STEP,
	  "no return handler of a kretprobe runs after its unregistration returned", ALL },
	{ "R4", "checker", "returns", STEP,
	  "a jprobe's argument area holds, when its frame resumes, what it held at the hit",
	  ALL },
	/* Progress. */
	{ "P1", "engine", "progress", STEP,
	  "no set of tasks blocks forever (reported as deadlock, never as P1)", ALL },
	{ "P2", "engine", "progress", STEP,
	  "lock acquisition order is acyclic (reported as lock-order, never as P2)", ALL },
	{ "P3", "checker", "progress", QUIET,
	  "an enabled kprobe whose window the image says can be optimized, and that no enabled "
	  "probe blocks, ends behind an installed jump (judged from the image, not the port)",
	  ALL },
	/* Memory. */
	{ "M1", "hardware", "memory", STEP,
	  "an op is freed unhashed, unqueued and after a grace period; no CPU runs freed slots "
	  "(reported as S3, K1, cpu-fetch-freed, optimized-callback-freed-op, never as M1)",
	  ALL },
	{ "M2", "checker", "memory", QUIET,
	  "every used slot belongs to exactly one hashed probe; every op is hashed", ALL },
	{ "M3", "checker", "memory", QUIET,
	  "with nothing registered: empty hash and lists, no ops, no used slots, original text",
	  ALL },
	{ "M4", "port", "memory", STEP,
	  "every slot is freed exactly once (reported as K8 for a second free, M2 or M3 for "
	  "none, never as M4)", ALL },
	/* API postconditions. */
	{ "A1", "checker", "api", RETURN,
	  "register_kprobe() == 0: the probe is hashed or a child, and armed when enabled", ALL },
	{ "A2", "checker", "api", RETURN,
	  "registering at an address with no registered probe never fails with -EBUSY while "
	  "the optimizer is idle", ALL },
	{ "A3", "checker", "api", RETURN,
	  "enable_kprobe() == 0 arms the probe; disable_kprobe() == 0 sets DISABLED", ALL },
	{ "A4", "checker", "api", RETURN, "unregister_*() leaves the probe neither hashed nor a child",
	  ALL },
	{ "A5", "checker", "api", RETURN,
	  "after disarm_all_kprobes() no probe address holds int3 or an installed jump", ALL },
	{ "A6", "checker", "api", RETURN,
	  "after arm_all_kprobes() every user-active probe holds int3 or its jump", ALL },
	{ "A7", "checker", "api", RETURN,
	  "a failed sysctl write leaves the setting as the last successful write left it; "
	  "after a successful write that leaves optimization off, no probe holds its jump",
	  ALL },
	{ "A8", "checker", "api", RETURN,
	  "debugfs enabled reads 1 exactly when armed; the sysctl reads the real setting", ALL },
	{ "A9", "checker", "api", RETURN,
	  "register_*() at an original instruction boundary of probe-able text (decided from "
	  "the image), with no probe registered at that address, does not fail", ALL },
	/* Engine and hardware checks. */
	{ "deadlock", "engine", "engine", STEP, "some task can always make progress", ALL },
	{ "lock-order", "engine", "engine", STEP, "no lock-order cycle, even without a deadlock",
	  ALL },
	{ "livelock", "engine", "engine", STEP, "a run ends within its step bound", ALL },
	{ "double-free", "engine", "memory", STEP, "no object is freed twice", ALL },
	{ "bad-free", "engine", "memory", STEP, "kfree() only of a pointer the allocator returned",
	  ALL },
	{ "overflow", "engine", "memory", STEP,
	  "no write past the end of an object (found when it is freed)", ALL },
	{ "use-after-free", "engine", "memory", STEP, "no freed object is written", ALL },
	{ "leak", "checker", "memory", QUIET, "every object is freed by the end of a completed run",
	  ALL },
	{ "api-misuse", "checker", "usage", STEP,
	  "a struct kprobe is registered or unregistered by one caller at a time", ALL },
	{ "sleep-in-atomic", "engine", "engine", STEP, "nothing sleeps with preemption disabled",
	  ALL },
	{ "bad-unlock", "engine", "engine", STEP, "a mutex is unlocked only by the task holding it",
	  ALL },
	{ "lock-held-at-exit", "engine", "engine", STEP, "no task ends with a lock held", ALL },
	{ "hotplug", "engine", "engine", STEP, "put_online_cpus() only after get_online_cpus()",
	  ALL },
	{ "preempt-underflow", "port", "kernel", STEP,
	  "preempt_enable() only after preempt_disable() (the kernel shim)", ALL },
	{ "text-poke-unlocked", "hardware", "text", STEP, "text_poke holds text_mutex", ALL },
	{ "text-poke-smp-no-hotplug", "hardware", "text", STEP, "text_poke_smp holds a hotplug reference",
	  ALL },
	{ "text-poke-freed", "hardware", "text", STEP, "no text_poke into freed or unloaded text",
	  ALL },
	{ "text-poke-readback", "hardware", "text", STEP,
	  "the bytes text_poke wrote read back as written (text_poke's second BUG_ON)", ALL },
	{ "slot-write-freed", "hardware", "memory", STEP,
	  "kprobes writes only into live slot pages (no write into a freed page)", ALL },
	{ "slot-page-free", "hardware", "memory", STEP,
	  "only a live slot page is freed (no slot page freed twice)", ALL },
	{ "optimized-callback-freed-op", "port", "memory", STEP,
	  "a CPU in a detour buffer reaches optimized_callback() with a live op", ALL },
	{ "cpu-bad-boundary", "hardware", "cpu", STEP,
	  "no CPU starts inside an instruction or inside a jump in effect", ALL },
	{ "cpu-unhandled-int3", "hardware", "cpu", STEP, "every int3 the CPUs execute is kprobes'",
	  ALL },
	{ "cpu-unhandled-debug", "hardware", "cpu", STEP,
	  "every single-step trap in kernel mode is kprobes' (else do_debug() marks the task "
	  "TIF_SINGLESTEP: a stray SIGTRAP in user space)", ALL },
	{ "oops", "hardware", "cpu", STEP,
	  "a fault in kernel mode is taken by a kprobe fault handler or an exception fixup", ALL },
	{ "cpu-torn", "hardware", "cpu", STEP, "no CPU executes bytes that are half old, half new",
	  ALL },
	{ "cpu-fetch-freed", "hardware", "cpu", STEP, "no CPU executes freed text or a freed slot",
	  ALL },
	{ "cpu-undecodable", "hardware", "cpu", STEP,
	  "no CPU executes live slot bytes the decoder rejects", ALL },
	{ "cpu-wild", "hardware", "cpu", STEP, "no CPU executes outside loaded text", ALL },
};

const KpInvariant *kp_invariants(size_t *n)
{
	*n = sizeof(catalogue) / sizeof(catalogue[0]);
	return catalogue;
}

bool kp_invariant_applies(const KpInvariant *inv, const char *model)
{
	return !inv->model || (model && !strcmp(inv->model, model));
}

const KpInvariant *kp_invariant(const char *id)
{
	for (size_t i = 0; i < sizeof(catalogue) / sizeof(catalogue[0]); i++)
		if (!strcmp(catalogue[i].id, id))
			return &catalogue[i];
	return NULL;
}
