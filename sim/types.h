/* SPDX-License-Identifier: GPL-2.0-only */
/* Basic types and limits shared by every part of the engine. */
#ifndef KPSIM_SIM_TYPES_H
#define KPSIM_SIM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* vCPUs are named by one letter in compact schedules (a..p), hence 16. */
#define SIM_MAX_VCPUS 16
/* Locks one task may hold at once; the kernel paths modelled here nest at most six. */
#define SIM_MAX_HELD 12
/* Lock classes known to the lock-order graph (one bit each in a 64-bit mask). */
#define SIM_MAX_LOCK_CLASSES 64

typedef struct SimCtx SimCtx;
typedef struct SimTask SimTask;
typedef struct SimVcpu SimVcpu;
typedef struct SimStrategy SimStrategy;

typedef void (*SimTaskFn)(SimCtx *ctx, void *arg);

#define SIM_NORETURN _Noreturn

#endif
