// SPDX-License-Identifier: GPL-2.0-only
/* Decoder corpus: string and memory primitives, builtins that become rep movs/stos. */
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
size_t strlen(const char *s);
int memcmp(const void *a, const void *b, size_t n);

size_t my_strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

char *my_strcpy(char *dst, const char *src)
{
	char *d = dst;

	while ((*d++ = *src++) != '\0')
		;
	return dst;
}

int my_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

void *my_memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s)
		while (n--)
			*d++ = *s++;
	else
		while (n--)
			d[n] = s[n];
	return dst;
}

struct page { uint64_t words[512]; };

void clear_page(struct page *p)
{
	__builtin_memset(p, 0, sizeof(*p));
}

void copy_page(struct page *d, const struct page *s)
{
	__builtin_memcpy(d, s, sizeof(*d));
}

void copy_n(void *d, const void *s, size_t n)
{
	memcpy(d, s, n);
}

void fill_n(void *d, int c, size_t n)
{
	memset(d, c, n);
}

size_t use_strlen(const char *s)
{
	return strlen(s) + __builtin_strlen("constant");
}

int same16(const void *a, const void *b)
{
	return memcmp(a, b, 16) == 0;
}

void copy_small(char d[24], const char s[24])
{
	__builtin_memcpy(d, s, 24);
}

void zero_small(char d[40])
{
	__builtin_memset(d, 0, 40);
}

void set_pattern(uint32_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = 0x01010101u;
}

char *strchr_local(const char *s, int c)
{
	for (; *s; s++)
		if (*s == (char)c)
			return (char *)s;
	return c ? NULL : (char *)s;
}

unsigned long hash_str(const char *s)
{
	unsigned long h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

void upcase(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s -= 32;
}

void rep_movsb(void *d, const void *s, size_t n)
{
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

void rep_stosq(void *d, uint64_t v, size_t n)
{
	__asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}

size_t repne_scasb(const char *s)
{
	size_t n = (size_t)-1;

	__asm__ volatile("repne scasb" : "+D"(s), "+c"(n) : "a"(0) : "memory");
	return ~n - 1;
}

int repe_cmpsb(const void *a, const void *b, size_t n)
{
	unsigned char ok;

	__asm__ volatile("repe cmpsb; sete %0" : "=q"(ok), "+D"(a), "+S"(b), "+c"(n) : : "memory", "cc");
	return ok;
}
