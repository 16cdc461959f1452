/* SPDX-License-Identifier: GPL-2.0-only */
/* Decoder throughput benchmark used by `kpsim bench`. */
#ifndef KPSIM_TOOLS_BENCH_DECODE_H
#define KPSIM_TOOLS_BENCH_DECODE_H

/*
 * Decode an embedded buffer of real compiler output (a few thousand instructions) over and
 * over for about 0.3 s of wall-clock time; return the number of instructions decoded per
 * second.
 */
double kp_bench_decode_insn_per_s(void);

#endif
