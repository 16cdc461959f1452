/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Footprints: what the next step of a task may read or write.
 *
 * A task declares the footprint of its next step when it reaches a decision point
 * (sim_yield).  The step runs from that decision point to the next one, and touches only
 * what the footprint names (plus state protected by a lock whose acquire or release is
 * itself a declared step).  Two pending steps of different vCPUs whose footprints do not
 * conflict commute; partial-order reduction relies on that.
 */
#ifndef KPSIM_SIM_FOOTPRINT_H
#define KPSIM_SIM_FOOTPRINT_H

#include "sim/types.h"

typedef enum {
	SIM_RES_LOCK = 1,	/* a sleeping lock, by SimMutex id */
	SIM_RES_OBJ,		/* a shared object, by an id the owning layer chooses */
	SIM_RES_TEXT,		/* a range of emulated text addresses [lo, hi) */
	SIM_RES_CLOCK,		/* jiffies and the timer list */
	SIM_RES_RCU,		/* grace-period state */
	SIM_RES_WORK,		/* a work item's PENDING bit and queue link, by id */
	SIM_RES_COMPLETION,	/* a completion, by id */
	SIM_RES_VCPU,		/* a vCPU's externally visible state (online, IF) */
	SIM_RES_GLOBAL,		/* conflicts with everything (stop_machine, hotplug) */
	SIM_RES_CLASSES
} SimResClass;

enum {
	SIM_ACC_READ = 1,
	SIM_ACC_WRITE = 2,
};

typedef struct {
	uint8_t cls;		/* SimResClass */
	uint8_t mode;		/* SIM_ACC_READ or SIM_ACC_WRITE */
	uint64_t lo;		/* first id or address */
	uint64_t hi;		/* one past the last id or address */
} SimAccess;

#define SIM_FP_MAX 4

/*
 * SIM_FP_STAYS: the step stays inside the non-quiescent stretch its task is in.  It does
 * not reach a quiescent point, block or finish, so its vCPU is non-quiescent before and
 * after it and it reports no quiescent state; a grace period started beside it waits
 * for that vCPU in either order.  The scheduler asserts the promise (sim/sched.c).
 */
enum {
	SIM_FP_STAYS = 1,
};

typedef struct {
	uint8_t n;
	uint8_t flags;		/* SIM_FP_STAYS */
	SimAccess acc[SIM_FP_MAX];
} SimFootprint;

/* The empty footprint: a step that touches only task-local state. */
extern const SimFootprint sim_fp_none;
/* The tick: jiffies advance and due timers fire. */
extern const SimFootprint sim_fp_clock_tick;
/* A step that conflicts with every other step. */
extern const SimFootprint sim_fp_global;

/* Append one access (asserts there is room). */
void sim_fp_add(SimFootprint *fp, SimResClass cls, int mode, uint64_t lo, uint64_t hi);

/* One-access footprint for id `id` of class `cls`. */
static inline SimFootprint sim_fp1(SimResClass cls, int mode, uint64_t id)
{
	SimFootprint fp = { .n = 1, .acc = { { (uint8_t)cls, (uint8_t)mode, id, id + 1 } } };
	return fp;
}

/* True if executing the two steps in either order could give different results. */
bool sim_fp_conflict(const SimFootprint *a, const SimFootprint *b);

/* Human-readable form, e.g. "W lock#3, R text[0x1000,0x1005)", into buf. */
void sim_fp_format(const SimFootprint *fp, char *buf, size_t size);

#endif
