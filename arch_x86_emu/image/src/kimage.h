/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel-style helpers for the sources of the default emulated kernel image.  These files are
 * compiled only by tools/scripts/gen-image.py (freestanding, never linked into kpsim); the
 * committed arch_x86_emu/image/default_image.c holds the resulting bytes.
 *
 * The special sections mirror what the x86 kernel of 2.6.38 emitted, in a simplified form
 * (absolute 64-bit addresses instead of relative offsets): the generator reads them back
 * from the linked image to build the reservation tables kprobes consults.
 */
#ifndef KIMAGE_H
#define KIMAGE_H

#include <stddef.h>
#include <stdint.h>

#define noinline	__attribute__((__noinline__, __noclone__))
/* Kernel init text: freed after boot (or after a module's init returned). */
#define __init		__attribute__((section(".init.text"), cold, __noinline__))
/* Module exit code lives in the module's core text. */
#define __exit		__attribute__((section(".exit.text"), __noinline__))
/* Functions kprobes refuses to probe (register_kprobe returns -EINVAL). */
#define __kprobes	__attribute__((section(".kprobes.text"), __noinline__))

/*
 * LOCK_PREFIX records the address of the lock byte in .smp_locks, which is what
 * alternatives_text_reserved() scans: a probe on that byte, or a jump window covering it,
 * is refused.
 */
#define LOCK_PREFIX \
	".pushsection .smp_locks,\"a\"\n\t" \
	".balign 8\n\t" \
	".quad 671f\n\t" \
	".popsection\n" \
	"671:\n\tlock; "

/*
 * Exception-table entry: the instruction at `from` may fault and resumes at `to`.
 * The fixup code lives in .fixup, outside every function, and jumps back into the function.
 */
#define _ASM_EXTABLE(from, to) \
	".pushsection __ex_table,\"a\"\n\t" \
	".balign 8\n\t" \
	".quad " #from ", " #to "\n\t" \
	".popsection\n"

/*
 * A static branch as in 2.6.38: the site is assembled as the 5-byte "jmp .+5"
 * (JUMP_LABEL_INITIAL_NOP) and recorded in __jump_table; the generator then patches it to
 * the boot-time 5-byte nop, as jump_label_init() does.
 */
struct jump_label_key {
	int enabled;
};

#define static_branch(key, l_yes) \
	asm goto("1:\n\t" \
		 ".byte 0xe9\n\t.long 0\n\t" \
		 ".pushsection __jump_table, \"aw\"\n\t" \
		 ".balign 8\n\t" \
		 ".quad 1b, %l[" #l_yes "], %c0\n\t" \
		 ".popsection\n" \
		 : : "i" (key) : : l_yes)

#endif
