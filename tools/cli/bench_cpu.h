/* SPDX-License-Identifier: GPL-2.0-only */
/* vCPU executor throughput benchmark used by `kpsim bench`. */
#ifndef KPSIM_TOOLS_BENCH_CPU_H
#define KPSIM_TOOLS_BENCH_CPU_H

/*
 * One vCPU calls a straight-line function of the default image (f_large) over and over
 * under the random strategy with tracing off, for about 0.3 s of wall-clock time; return
 * the number of emulated instructions executed per second.  Each instruction is a full
 * decision point (footprint, strategy choice, fetch with its checks), so this is the
 * cost of one step of an execution-heavy exploration.
 */
double kp_bench_vcpu_steps_per_s(void);

#endif
