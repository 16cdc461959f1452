// SPDX-License-Identifier: GPL-2.0-only
/* Decoder corpus: kernel-style inline assembly (system instructions, traps, barriers). */
#include <stdint.h>

static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }

void spin_wait(volatile int *flag)
{
	while (!*flag)
		cpu_relax();
}

void nops(void)
{
	__asm__ volatile("nop; xchg %ax, %ax; nopl (%rax); nopl 0(%rax); nopl 0(%rax,%rax,1)");
	__asm__ volatile("nopw 0(%rax,%rax,1)");
	/* The 7- to 11-byte forms the kernel pads with; spelled as bytes because assemblers
	 * would otherwise pick the shorter displacement. */
	__asm__ volatile(".byte 0x0f, 0x1f, 0x80, 0, 0, 0, 0");
	__asm__ volatile(".byte 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0");
	__asm__ volatile(".byte 0x66, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0");
	__asm__ volatile(".byte 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0");
	__asm__ volatile(".byte 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0");
}

void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

uint64_t rdtscp(uint32_t *aux)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(*aux));
	return ((uint64_t)hi << 32) | lo;
}

uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

void breakpoint(void) { __asm__ volatile("int3"); }
void trap_ud2(void) { __builtin_trap(); }
void halt(void) { __asm__ volatile("hlt"); }
void int80(void) { __asm__ volatile("int $0x80"); }
void icebp(void) { __asm__ volatile(".byte 0xf1"); }
void ud1(void) { __asm__ volatile("ud1 %eax, %eax; ud1 0x10(%rsi), %ecx"); }

long raw_syscall(long nr, long a0, long a1)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1) : "rcx", "r11", "memory");
	return ret;
}

unsigned long save_flags(void)
{
	unsigned long f;

	__asm__ volatile("pushfq; popq %0" : "=rm"(f) : : "memory");
	return f;
}

void restore_flags(unsigned long f)
{
	__asm__ volatile("pushq %0; popfq" : : "g"(f) : "memory", "cc");
}

void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
void safe_halt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

void barriers(void)
{
	__asm__ volatile("mfence; lfence; sfence" ::: "memory");
	__asm__ volatile("lock orq $0, -8(%%rsp)" ::: "memory", "cc");
}

unsigned long read_cr3(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

void write_cr4(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

unsigned long read_dr7(void)
{
	unsigned long v;

	__asm__ volatile("mov %%db7, %0" : "=r"(v));
	return v;
}

void invlpg(const void *p) { __asm__ volatile("invlpg (%0)" : : "r"(p) : "memory"); }
void clflush(volatile void *p) { __asm__ volatile("clflush %0" : "+m"(*(volatile char *)p)); }
void wbinvd(void) { __asm__ volatile("wbinvd" ::: "memory"); }
void stac(void) { __asm__ volatile("stac" ::: "memory"); }
void clac(void) { __asm__ volatile("clac" ::: "memory"); }
void swapgs(void) { __asm__ volatile("swapgs" ::: "memory"); }

uint16_t store_tr(void)
{
	uint16_t tr;

	__asm__ volatile("str %0" : "=r"(tr));
	return tr;
}

void load_gdt(const void *desc) { __asm__ volatile("lgdt (%0)" : : "r"(desc)); }

uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

void outb(uint8_t v, uint16_t port) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
void io_delay(void) { __asm__ volatile("outb %al, $0x80; inb $0x71, %al; outl %eax, %dx; inw %dx, %ax"); }

unsigned long this_cpu_read(unsigned long off)
{
	unsigned long v;

	__asm__ volatile("movq %%gs:(%1), %0" : "=r"(v) : "r"(off));
	__asm__ volatile("addq %%gs:0x18, %0" : "+r"(v));
	return v;
}

unsigned long read_abs(void)
{
	unsigned long v;

	__asm__ volatile("movabs 0x123456789abcdef0, %%rax; movabs %%al, 0xfedcba9876543210"
			 : "=a"(v));
	return v;
}

void loops_asm(unsigned long n)
{
	__asm__ volatile("1: dec %%rcx; loop 1b; jrcxz 2f; loope 1b; loopne 1b; 2:"
			 : "+c"(n) : : "cc");
}

void enter_leave(void) { __asm__ volatile("enter $16, $0; leave"); }

void misc_one_byte(void)
{
	__asm__ volatile("cld; std; clc; stc; cmc; sahf; lahf; cbw; cwde; cdqe; cwd; cdq; cqo"
			 ::: "rax", "rdx", "cc");
	__asm__ volatile("xlat; movslq %%ecx, %%rax; xchg %%rdx, %%rax" ::: "rax", "rcx", "rdx", "rbx");
}

void endbr(void) { __asm__ volatile("endbr64"); }

void indirect(void (*fn)(void), void **slot)
{
	__asm__ volatile("call *%0; call *(%1); jmp 1f; 1: notrack jmp *%0" : : "r"(fn), "r"(slot));
	__asm__ volatile("lcall *(%0); ljmp *(%0)" : : "r"(slot));
}

void returns(void)
{
	__asm__ volatile("jmp 1f; ret $8; lretq; lretq $16; iretq; sysretq; 1:");
}

unsigned long rdrand(void)
{
	unsigned long v;
	unsigned char ok;

	__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
	return ok ? v : 0;
}

void prefetches(const void *p)
{
	__builtin_prefetch(p);
	__builtin_prefetch(p, 1);
	__builtin_prefetch(p, 0, 0);
	__asm__ volatile("prefetchw (%0)" : : "r"(p));
}

uint64_t xgetbv(uint32_t idx)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(idx));
	return ((uint64_t)hi << 32) | lo;
}
