// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scenario language parser (docs/scenario-language.md).  The text is read one line
 * at a time: a tokenizer turns the line into words and decoded strings, a dispatcher
 * picks the statement or operation by the first word, and one function per statement
 * consumes the rest.  Every function that reads input returns false once it has set the
 * error, so the parse stops at the first error in the file and reports where it is.
 */
#include "tools/scenario/scenario.h"

#include "arch_x86_emu/decode.h"
#include "arch_x86_emu/image.h"
#include "arch_x86_emu/text.h"
#include "model/invariants.h"
#include "model/ports.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>

#define DEFAULT_MODEL "6274de4"
#define DEFAULT_CPUS 2
#define DEFAULT_OPTIMIZE_DELAY 5	/* the kernel's OPTIMIZE_DELAY */
#define MAX_JIFFIES 100000		/* sleep and optimize-delay */
#define MAX_FAIL_NTH 1000
#define MAX_STEP_FAULTS 1000
#define MAX_TIMES 1000
#define MAX_STEPS 1000000000000ULL
#define MAX_RUNS 1000000000ULL
#define MAX_ERRNO 4095			/* the kernel's error returns are -1 .. -4095 */
#define MAX_OFFSET 0xffffffffULL	/* struct kprobe's offset is an unsigned int */
#define MAX_SCHEDULE_CHOICES 100000000ULL	/* what sim_schedule_decode() accepts */
#define SHOWN_MAX 40			/* characters of a token quoted in a message */

typedef struct {
	const char *s;		/* NUL-terminated: the word, or a string's decoded bytes */
	size_t len;
	int col;
	int end;		/* the column just past the token */
	bool string;
} Tok;

typedef struct {
	KpScenario *sc;
	GError **error;
	int line;
	bool indented;
	GArray *toks;		/* Tok, for the current line */
	unsigned pos;		/* next token */
	GStringChunk *line_strings;	/* the current line's token text */
	GString *scratch;
	GArray *op_probes;	/* unsigned: the probes of the operation being read */
	int task;		/* the open task, -1 when none */
	int task_line, task_col;	/* where its name is */
	bool body;		/* a statement other than a header has been seen */
	unsigned seen;		/* statements seen, a bit per entry of statements[] */
	int first_line[16];	/* where each was first seen */
	int eof_line, eof_col;
	char shown[SHOWN_MAX + 8];
	GArray *names;		/* Name: symbols and modules named, checked at the end */
	size_t function_text;	/* bytes of scenario text the functions so far take */
	int allow_line[KP_SCENARIO_MAX_ALLOW];	/* where each allowed id was given */
} Parser;

/*
 * A symbol or a module a statement names.  Whether it exists is known without running:
 * a run resolves symbols in the built-in image (its kernel and module symbols, those of a
 * module not loaded included) and the scenario's functions, and loads only the image's
 * modules.  So a misspelt name is refused here, at its column, rather than when a run
 * reaches it.  Checked once the whole file is read: a function may be defined below its
 * first use.
 */
typedef struct {
	const char *name;	/* in sc->strings */
	bool module;
	int line, col;
} Name;

/* What the parser checks is what the text segment can hold. */
static_assert(KP_SCENARIO_MAX_FUNCTION_TEXT == EMU_TEXT_SCENARIO_LIMIT, "scenario text size");
static_assert(KP_SCENARIO_FUNCTION_ALIGN == EMU_TEXT_SCENARIO_ALIGN, "scenario text alignment");

/* ---- errors ---- */

static bool fail_at(Parser *p, int line, int col, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static bool fail_at(Parser *p, int line, int col, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	/* Only the first error counts: later ones are consequences of it. */
	if (*p->error)
		return false;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(p->error, KP_SCENARIO_ERROR, KP_SCENARIO_ERROR_PARSE, "%s:%d:%d: %s",
		    p->sc->path, line, col, msg);
	g_free(msg);
	return false;
}

#define fail(p, col, ...) fail_at((p), (p)->line, (col), __VA_ARGS__)

/* A token as messages quote it, cut short so a huge token cannot flood the message. */
static const char *shown(Parser *p, const Tok *t)
{
	if (t->string)
		return "a string";
	g_snprintf(p->shown, sizeof(p->shown), "'%.*s%s'", (int)MIN(t->len, SHOWN_MAX), t->s,
		   t->len > SHOWN_MAX ? "..." : "");
	return p->shown;
}

/* Lines and columns are ints in messages; a pathological input must not wrap them. */
static int clamp_int(size_t v)
{
	return v > INT_MAX ? INT_MAX : (int)v;
}

/* ---- the tokenizer ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void push_tok(Parser *p, const char *s, size_t len, size_t at, size_t end, bool string)
{
	Tok t = {
		.s = g_string_chunk_insert_len(p->line_strings, s, (gssize)len),
		.len = len,
		.col = clamp_int(at + 1),
		.end = clamp_int(end + 1),
		.string = string,
	};

	g_array_append_val(p->toks, t);
}

/*
 * NUL bytes and control characters are never part of a scenario, not even of a comment;
 * other bytes above 0x7f only of a comment.  Checked where the lexer meets them, so the
 * leftmost bad byte is the one reported.
 */
static bool bad_byte(Parser *p, const char *s, size_t i, bool comment)
{
	unsigned char c = (unsigned char)s[i];

	if (c == 0)
		return fail(p, clamp_int(i + 1), "NUL byte");
	if ((c < 0x20 && c != '\t') || c == 0x7f)
		return fail(p, clamp_int(i + 1), "control character 0x%02x", c);
	if (c >= 0x80 && !comment)
		return fail(p, clamp_int(i + 1), "non-ASCII byte 0x%02x", c);
	return true;
}

static bool is_bad_byte(char ch, bool comment)
{
	unsigned char c = (unsigned char)ch;

	return (c < 0x20 && c != '\t') || c == 0x7f || (c >= 0x80 && !comment);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One escape after the backslash at s[i]; appends the byte and advances *i past it. */
static bool lex_escape(Parser *p, const char *s, size_t len, size_t *i)
{
	size_t at = *i;
	char e = s[at + 1];	/* the caller checked there is one */
	int hi, lo;

	switch (e) {
	case 'n':
		g_string_append_c(p->scratch, '\n');
		break;
	case 't':
		g_string_append_c(p->scratch, '\t');
		break;
	case '\\':
	case '"':
		g_string_append_c(p->scratch, e);
		break;
	case 'x':
		hi = at + 2 < len ? hex_value(s[at + 2]) : -1;
		lo = at + 3 < len ? hex_value(s[at + 3]) : -1;
		if (hi < 0 || lo < 0)
			return fail(p, clamp_int(at + 1), "\\x needs two hex digits");
		/* Strings reach the model as C strings: a NUL would silently cut them. */
		if (hi == 0 && lo == 0)
			return fail(p, clamp_int(at + 1), "\\x00 is not allowed in a string");
		g_string_append_c(p->scratch, (char)(hi << 4 | lo));
		*i += 2;
		break;
	default:
		if (is_bad_byte(e, false))
			return bad_byte(p, s, at + 1, false);
		return fail(p, clamp_int(at + 1), "invalid escape '\\%c'", e);
	}
	*i += 2;
	return true;
}

/* A string starting at the quote s[*i]; leaves *i past the closing quote. */
static bool lex_string(Parser *p, const char *s, size_t len, size_t *i)
{
	size_t start = *i, j = start + 1;

	g_string_truncate(p->scratch, 0);
	for (;;) {
		unsigned char c;

		if (j >= len)
			return fail(p, clamp_int(start + 1), "unterminated string");
		c = (unsigned char)s[j];
		if (c == '"')
			break;
		if (c == '\\') {
			if (j + 1 >= len)
				return fail(p, clamp_int(start + 1), "unterminated string");
			if (!lex_escape(p, s, len, &j))
				return false;
		} else if (c >= 0x80) {
			return fail(p, clamp_int(j + 1), "non-ASCII byte 0x%02x (write it as \\xHH)",
				    c);
		} else if (is_bad_byte((char)c, false)) {
			return bad_byte(p, s, j, false);
		} else {
			g_string_append_c(p->scratch, (char)c);
			j++;
		}
		if (p->scratch->len > KP_SCENARIO_MAX_STRING)
			return fail(p, clamp_int(start + 1), "string longer than %d bytes",
				    KP_SCENARIO_MAX_STRING);
	}
	j++;
	if (j < len && !is_blank(s[j]) && s[j] != '#')
		return fail(p, clamp_int(j + 1), "missing blank after string");
	push_tok(p, p->scratch->str, p->scratch->len, start, j, true);
	*i = j;
	return true;
}

/* A word: anything up to a blank, a comment or the end of the line. */
static bool lex_word(Parser *p, const char *s, size_t len, size_t *i)
{
	size_t start = *i, j = start;

	while (j < len && !is_blank(s[j]) && s[j] != '#') {
		if (is_bad_byte(s[j], false))
			return bad_byte(p, s, j, false);
		if (s[j] == '"')
			return fail(p, clamp_int(j + 1), "missing blank before string");
		j++;
	}
	push_tok(p, s + start, j - start, start, j, false);
	*i = j;
	return true;
}

/* Split one line (without its newline) into p->toks. */
static bool lex_line(Parser *p, const char *s, size_t len)
{
	size_t i = 0;

	g_array_set_size(p->toks, 0);
	g_string_chunk_clear(p->line_strings);
	p->pos = 0;
	/* CRLF files: the CR belongs to the line ending. */
	if (len && s[len - 1] == '\r')
		len--;
	p->indented = len && is_blank(s[0]);
	while (i < len) {
		if (is_blank(s[i])) {
			i++;
		} else if (s[i] == '#') {
			const char *bad;

			for (size_t j = i; j < len; j++)
				if (is_bad_byte(s[j], true))
					return bad_byte(p, s, j, true);
			/* Comments are for people: any UTF-8 text, but not binary. */
			if (!g_utf8_validate_len(s + i, len - i, &bad))
				return fail(p, clamp_int((size_t)(bad - s) + 1),
					    "invalid UTF-8 in comment");
			break;
		} else if (s[i] == '"') {
			if (!lex_string(p, s, len, &i))
				return false;
		} else if (!lex_word(p, s, len, &i)) {
			return false;
		}
	}
	return true;
}

/* ---- reading tokens ---- */

static const Tok *peek(Parser *p)
{
	return p->pos < p->toks->len ? &g_array_index(p->toks, Tok, p->pos) : NULL;
}

static bool peek_is(Parser *p, const char *word)
{
	const Tok *t = peek(p);

	return t && !t->string && !strcmp(t->s, word);
}

/* Where a missing token should have been: just past the last one. */
static int end_col(Parser *p)
{
	return p->toks->len ? g_array_index(p->toks, Tok, p->toks->len - 1).end : 1;
}

static const Tok *need(Parser *p, const char *what)
{
	const Tok *t = peek(p);

	if (!t) {
		fail(p, end_col(p), "missing %s", what);
		return NULL;
	}
	p->pos++;
	return t;
}

static const Tok *need_word(Parser *p, const char *what)
{
	const Tok *t = need(p, what);

	if (t && t->string) {
		fail(p, t->col, "expected %s, found a string", what);
		return NULL;
	}
	return t;
}

static bool need_keyword(Parser *p, const char *kw)
{
	char what[32];
	const Tok *t;

	g_snprintf(what, sizeof(what), "'%s'", kw);
	t = need_word(p, what);
	if (!t)
		return false;
	if (strcmp(t->s, kw))
		return fail(p, t->col, "expected '%s', found %s", kw, shown(p, t));
	return true;
}

/* Which of `words` (NULL-terminated) the next token is; -1 after an error. */
static int need_choice(Parser *p, const char *what, const char *const *words)
{
	const Tok *t = need_word(p, what);

	if (!t)
		return -1;
	for (int i = 0; words[i]; i++)
		if (!strcmp(t->s, words[i]))
			return i;
	fail(p, t->col, "expected %s, found %s", what, shown(p, t));
	return -1;
}

static bool at_end(Parser *p)
{
	const Tok *t = peek(p);

	if (!t)
		return true;
	if (t->string)
		return fail(p, t->col, "unexpected string");
	return fail(p, t->col, "unexpected %s", shown(p, t));
}

/* ---- names ---- */

static bool is_name(const char *s, size_t len)
{
	if (!len || !(g_ascii_isalpha(s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(g_ascii_isalnum(s[i]) || s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

static const Tok *need_name(Parser *p, const char *what)
{
	const Tok *t = need_word(p, what);

	if (t && !is_name(t->s, t->len)) {
		fail(p, t->col, "invalid %s %s", what, shown(p, t));
		return NULL;
	}
	return t;
}

static const char *intern_len(Parser *p, const char *s, size_t len)
{
	g_string_truncate(p->scratch, 0);
	g_string_append_len(p->scratch, s, (gssize)len);
	return g_string_chunk_insert_const(p->sc->strings, p->scratch->str);
}

/* A symbol (or, with `module`, a module) on this line, to be checked in finish(). */
static void note_name(Parser *p, const char *name, bool module, int col)
{
	Name nm = { name, module, p->line, col };

	g_array_append_val(p->names, nm);
}

static int find_probe(const KpScenario *sc, const char *name, size_t len)
{
	for (unsigned i = 0; i < sc->script.n_probes; i++)
		if (strlen(sc->probes[i].name) == len && !memcmp(sc->probes[i].name, name, len))
			return (int)i;
	return -1;
}

/* A name that must be a probe defined above. */
static int need_probe(Parser *p)
{
	const Tok *t = need_name(p, "probe name");
	int i;

	if (!t)
		return -1;
	i = find_probe(p->sc, t->s, t->len);
	if (i < 0)
		fail(p, t->col, "undefined probe %s", shown(p, t));
	return i;
}

/* ---- numbers ---- */

typedef struct {
	bool neg;
	bool overflow;
	uint64_t mag;
} Num;

/* Decimal or 0x hexadecimal, with an optional minus; false if s is not an integer. */
static bool num_scan(const char *s, Num *n)
{
	unsigned base = 10;

	*n = (Num){ 0 };
	if (*s == '-') {
		n->neg = true;
		s++;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		int d = hex_value(*s);

		if (d < 0 || (unsigned)d >= base)
			return false;
		if (n->mag > (UINT64_MAX - (unsigned)d) / base)
			n->overflow = true;
		else
			n->mag = n->mag * base + (unsigned)d;
	}
	return true;
}

static bool num_signed(const Num *n, int64_t *v)
{
	if (n->overflow)
		return false;
	if (!n->neg) {
		if (n->mag > INT64_MAX)
			return false;
		*v = (int64_t)n->mag;
	} else {
		if (n->mag > (uint64_t)INT64_MAX + 1)
			return false;
		*v = n->mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)n->mag;
	}
	return true;
}

/* An integer in lo..hi, read from s (at column col); `what` names it in the message. */
static bool int_at(Parser *p, const char *s, int col, int64_t lo, int64_t hi, const char *what,
		   int64_t *out)
{
	Num n;
	int64_t v = 0;

	if (!num_scan(s, &n))
		return fail(p, col, "invalid integer '%.*s%s'", SHOWN_MAX, s,
			    strlen(s) > SHOWN_MAX ? "..." : "");
	if (!num_signed(&n, &v) || v < lo || v > hi)
		return fail(p, col, "%s must be %" PRId64 "..%" PRId64, what, lo, hi);
	*out = v;
	return true;
}

static bool int_tok(Parser *p, const Tok *t, int64_t lo, int64_t hi, const char *what,
		    int64_t *out)
{
	return t && int_at(p, t->s, t->col, lo, hi, what, out);
}

/* The same for unsigned 64-bit values (seeds, step counts, addresses). */
static bool uint_tok(Parser *p, const Tok *t, uint64_t lo, uint64_t hi, const char *what,
		     uint64_t *out)
{
	Num n;

	if (!t)
		return false;
	if (!num_scan(t->s, &n))
		return fail(p, t->col, "invalid integer %s", shown(p, t));
	if (n.overflow || (n.neg && n.mag) || n.mag < lo || n.mag > hi)
		return fail(p, t->col, "%s must be %" PRIu64 "..%" PRIu64, what, lo, hi);
	*out = n.mag;
	return true;
}

/* A CPU number written alone or after "cpu"; it must name one of the scenario's CPUs. */
static bool cpu_at(Parser *p, const char *s, int col, unsigned *cpu)
{
	Num n;

	if (!num_scan(s, &n))
		return fail(p, col, "invalid cpu number '%.*s%s'", SHOWN_MAX, s,
			    strlen(s) > SHOWN_MAX ? "..." : "");
	if (n.overflow || (n.neg && n.mag) || n.mag >= p->sc->n_cpus)
		return fail(p, col, "cpu %.*s does not exist (cpus %u)", SHOWN_MAX, s,
			    p->sc->n_cpus);
	*cpu = (unsigned)n.mag;
	return true;
}

/*
 * "cpu N" or "cpuN"; with `colon`, then ":" (attached to the number or on its own), as
 * in "task t0 on cpu0:".
 */
static bool need_cpu_ref(Parser *p, bool colon, unsigned *cpu)
{
	const Tok *t = need_word(p, "'cpu'");
	char num[32];
	const char *s;
	size_t n;
	int col;
	bool has_colon = false;

	if (!t)
		return false;
	if (!strcmp(t->s, "cpu")) {
		const Tok *nt = need_word(p, "cpu number");

		if (!nt)
			return false;
		s = nt->s;
		col = nt->col;
	} else if (!strncmp(t->s, "cpu", 3) && g_ascii_isdigit(t->s[3])) {
		s = t->s + 3;
		col = t->col + 3;
	} else {
		return fail(p, t->col, "expected 'cpu', found %s", shown(p, t));
	}
	n = strlen(s);
	if (colon && n > 0 && s[n - 1] == ':') {
		has_colon = true;
		n--;
	}
	if (n >= sizeof(num))
		return fail(p, col, "invalid cpu number '%.*s...'", SHOWN_MAX, s);
	memcpy(num, s, n);
	num[n] = 0;
	if (!cpu_at(p, num, col, cpu))
		return false;
	return !colon || has_colon || need_keyword(p, ":");
}

static const struct {
	const char *name;
	int value;
} errno_names[] = {
	{ "-EINVAL", -EINVAL }, { "-EBUSY", -EBUSY },	{ "-EEXIST", -EEXIST },
	{ "-ENOMEM", -ENOMEM }, { "-EILSEQ", -EILSEQ }, { "-ERANGE", -ERANGE },
	{ "-EFAULT", -EFAULT },
};

/* An operation's expected return: an integer or one of the error names. */
static bool parse_ret(Parser *p, long *out)
{
	const Tok *t = need_word(p, "return value");
	int64_t v = 0;

	if (!t)
		return false;
	if (t->s[0] == '-' && g_ascii_isalpha(t->s[1])) {
		for (size_t i = 0; i < G_N_ELEMENTS(errno_names); i++) {
			if (!strcmp(t->s, errno_names[i].name)) {
				*out = errno_names[i].value;
				return true;
			}
		}
		return fail(p, t->col, "unknown error name %s", shown(p, t));
	}
	if (!int_tok(p, t, -MAX_ERRNO, INT_MAX, "return value", &v))
		return false;
	*out = (long)v;
	return true;
}

/* ---- locations and bytes ---- */

/* SYMBOL, SYMBOL+OFFSET or an absolute address, written as one token. */
static bool location_tok(Parser *p, const Tok *t, KpScenarioLocation *loc)
{
	const char *plus;
	size_t name_len;
	Num n;

	if (!t)
		return false;
	if (g_ascii_isdigit(t->s[0]) || t->s[0] == '-') {
		if (!num_scan(t->s, &n))
			return fail(p, t->col, "invalid location %s", shown(p, t));
		if (n.neg || n.overflow || n.mag > ULONG_MAX)
			return fail(p, t->col, "address must be 0..%lu", ULONG_MAX);
		*loc = (KpScenarioLocation){ NULL, (unsigned long)n.mag };
		return true;
	}
	plus = strchr(t->s, '+');
	name_len = plus ? (size_t)(plus - t->s) : t->len;
	if (!is_name(t->s, name_len))
		return fail(p, t->col, "invalid location %s", shown(p, t));
	*loc = (KpScenarioLocation){ intern_len(p, t->s, name_len), 0 };
	note_name(p, loc->symbol, false, t->col);
	if (plus) {
		int col = t->col + clamp_int(name_len + 1);

		if (!num_scan(plus + 1, &n) || n.neg)
			return fail(p, col, "invalid offset '%.*s%s'", SHOWN_MAX, plus + 1,
				    strlen(plus + 1) > SHOWN_MAX ? "..." : "");
		if (n.overflow || n.mag > MAX_OFFSET)
			return fail(p, col, "offset must be 0..%llu", MAX_OFFSET);
		loc->offset = (unsigned long)n.mag;
	}
	return true;
}

/* The rest of the line as hex bytes ("55 48 89 e5"), at least one and at most max. */
static bool rest_hex_bytes(Parser *p, size_t max, const uint8_t **bytes, size_t *n)
{
	const Tok *t;

	g_string_truncate(p->scratch, 0);
	if (!peek(p))
		return fail(p, end_col(p), "missing hex bytes");
	while ((t = peek(p))) {
		int hi = t->len == 2 ? hex_value(t->s[0]) : -1;
		int lo = t->len == 2 ? hex_value(t->s[1]) : -1;

		if (t->string)
			return fail(p, t->col, "expected a hex byte, found a string");
		if (hi < 0 || lo < 0)
			return fail(p, t->col, "invalid hex byte %s", shown(p, t));
		if (p->scratch->len == max)
			return fail(p, t->col, "more than %zu bytes", max);
		g_string_append_c(p->scratch, (char)(hi << 4 | lo));
		p->pos++;
	}
	*n = p->scratch->len;
	*bytes = (const uint8_t *)g_string_chunk_insert_len(p->sc->strings, p->scratch->str,
							     (gssize)p->scratch->len);
	return true;
}

/* ---- header statements ---- */

static bool st_model(Parser *p, const Tok *kw)
{
	const Tok *t = need_word(p, "model name");

	if (!t)
		return false;
	p->sc->script.model = kp_model_find(t->s);
	if (!p->sc->script.model)
		return fail(p, t->col, "unknown model %s", shown(p, t));
	/* By the port's own name, however the line named it (a commit id, say). */
	p->sc->model_name = p->sc->script.model->name;
	t = peek(p);
	if (t && !t->string && strcmp(t->s, "only"))
		return fail(p, t->col, "expected 'only' or the end of the line after the model "
			    "name, found %s", shown(p, t));
	if (t && !t->string) {
		p->sc->model_only = true;
		p->pos++;
	}
	return at_end(p);
}

static bool st_cpus(Parser *p, const Tok *kw)
{
	int64_t v = 0;

	if (!int_tok(p, need_word(p, "cpu count"), 1, KP_SCENARIO_MAX_CPUS, "cpus", &v))
		return false;
	p->sc->n_cpus = (unsigned)v;
	return at_end(p);
}

static bool st_optimize_delay(Parser *p, const Tok *kw)
{
	int64_t v = 0;

	/* 1 at least: a KpScript's 0 means "the kernel's delay", not "no delay". */
	if (!int_tok(p, need_word(p, "jiffies"), 1, MAX_JIFFIES, "optimize-delay", &v))
		return false;
	p->sc->optimize_delay = (unsigned)v;
	return at_end(p);
}

static bool st_branches(Parser *p, const Tok *kw)
{
	static const char *const words[] = { "not-taken", "choice", NULL };
	int i = need_choice(p, "'not-taken' or 'choice'", words);

	if (i < 0)
		return false;
	p->sc->branch_choice = i == 1;
	return at_end(p);
}

/*
 * `checker off`: no invariant checker in this scenario's runs.  For large scenarios
 * measured for their costs: the checker's per-step work grows with the probes.
 */
static bool st_checker(Parser *p, const Tok *kw)
{
	static const char *const words[] = { "on", "off", NULL };
	int i = need_choice(p, "'on' or 'off'", words);

	if (i < 0)
		return false;
	p->sc->no_checker = i == 1;
	return at_end(p);
}

static bool st_max_steps(Parser *p, const Tok *kw)
{
	return uint_tok(p, need_word(p, "step count"), 1, MAX_STEPS, "max-steps",
			&p->sc->max_steps) && at_end(p);
}

const char *kp_scenario_allow_id(const char *id)
{
	const KpInvariant *inv = kp_invariant(id);

	if (inv)
		return inv->id;
	/* "expect" is the id an inline "-> RET" mismatch ends a run with. */
	return !strcmp(id, "expect") ? "expect" : NULL;
}

/*
 * `allow ID [ID ...]`: violations the runs may show without failing (the judge reads the
 * list).  Lines add up; an id given twice is an error, as any duplicate is.  The list
 * holds the catalogue's own strings, so its ids outlive the scenario text.
 */
static bool st_allow(Parser *p, const Tok *kw)
{
	KpScenario *sc = p->sc;

	do {
		const Tok *t = need_word(p, "invariant id");
		const char *id;

		if (!t)
			return false;
		id = kp_scenario_allow_id(t->s);
		if (!id)
			return fail(p, t->col, "unknown invariant %s", shown(p, t));
		for (unsigned i = 0; i < sc->n_allow; i++)
			if (!strcmp(sc->allow[i], id))
				return fail(p, t->col, "%s is already allowed (line %d)", shown(p, t),
					    p->allow_line[i]);
		if (sc->n_allow == KP_SCENARIO_MAX_ALLOW)
			return fail(p, t->col, "more than %d allowed ids", KP_SCENARIO_MAX_ALLOW);
		p->allow_line[sc->n_allow] = p->line;
		sc->allow[sc->n_allow++] = id;
	} while (peek(p));
	return true;
}

/* ---- probes and functions ---- */

enum {
	PO_POST,
	PO_FAULT,
	PO_BREAK,
	PO_DISABLED,
	PO_NO_PRE,
	PO_JPROBE,
	PO_KRETPROBE,
	PO_PRE_RETURNS,
	PO_FAULT_RETURNS,
	PO_BREAK_RETURNS,
	PO_PRE_FAULTS,
	PO_POST_FAULTS,
	PO_STEP_FAULTS,
	PO_RET,
	PO_RET_RETURNS,
	PO_CLOBBERS_ARGS,
	PO_COUNT,
};

static const struct {
	const char *name;
	bool value;		/* takes an INT */
	bool jprobe;		/* applies to a jprobe */
	bool kretprobe;		/* applies to a kretprobe */
} probe_options[PO_COUNT] = {
	[PO_POST] = { "post", false, false, false },
	[PO_FAULT] = { "fault", false, false, false },
	[PO_BREAK] = { "break", false, false, false },
	[PO_DISABLED] = { "disabled", false, true, true },
	[PO_NO_PRE] = { "no-pre", false, false, true },
	[PO_JPROBE] = { "jprobe", false, true, false },
	[PO_KRETPROBE] = { "kretprobe", false, false, true },
	[PO_PRE_RETURNS] = { "pre-returns", true, false, true },
	[PO_FAULT_RETURNS] = { "fault-returns", true, false, false },
	[PO_BREAK_RETURNS] = { "break-returns", true, false, false },
	[PO_PRE_FAULTS] = { "pre-faults", false, false, true },
	[PO_POST_FAULTS] = { "post-faults", false, false, false },
	[PO_STEP_FAULTS] = { "step-faults", true, false, false },
	[PO_RET] = { "ret", false, false, true },
	[PO_RET_RETURNS] = { "ret-returns", true, false, true },
	[PO_CLOBBERS_ARGS] = { "clobbers-args", false, true, false },
};

/* The options as given: the column of each (0: absent) and the values. */
typedef struct {
	int col[PO_COUNT];
	int64_t value[PO_COUNT];
} ProbeOptions;

static bool read_probe_options(Parser *p, ProbeOptions *o)
{
	const Tok *t;

	while ((t = peek(p))) {
		int i;

		if (t->string)
			return fail(p, t->col, "unexpected string");
		for (i = 0; i < PO_COUNT; i++)
			if (!strcmp(t->s, probe_options[i].name))
				break;
		if (i == PO_COUNT)
			return fail(p, t->col, "unknown probe option %s", shown(p, t));
		if (o->col[i])
			return fail(p, t->col, "duplicate option %s", shown(p, t));
		o->col[i] = t->col;
		p->pos++;
		if (i == PO_STEP_FAULTS) {
			if (!int_tok(p, need_word(p, "count"), 1, MAX_STEP_FAULTS,
				     probe_options[i].name, &o->value[i]))
				return false;
		} else if (probe_options[i].value &&
			   !int_tok(p, need_word(p, "handler return value"), INT_MIN, INT_MAX,
				    probe_options[i].name, &o->value[i]))
			return false;
	}
	return true;
}

/* Options that would be silently ignored are errors: the file would not mean what it says. */
static bool check_probe_options(Parser *p, const ProbeOptions *o, KpProbeKind kind)
{
	static const struct {
		int option, needs;
	} needs[] = {
		{ PO_FAULT_RETURNS, PO_FAULT },
		{ PO_BREAK_RETURNS, PO_BREAK },
		{ PO_POST_FAULTS, PO_POST },
		{ PO_RET_RETURNS, PO_RET },
	};

	for (int i = 0; i < PO_COUNT; i++) {
		if (!o->col[i])
			continue;
		if (kind == KP_PROBE_JPROBE && !probe_options[i].jprobe)
			return fail(p, o->col[i], "'%s' does not apply to a jprobe",
				    probe_options[i].name);
		if (kind == KP_PROBE_KRETPROBE && !probe_options[i].kretprobe)
			return fail(p, o->col[i], "'%s' does not apply to a kretprobe",
				    probe_options[i].name);
		/* The return handler is a kretprobe's; the argument area a jprobe's. */
		if ((i == PO_RET || i == PO_RET_RETURNS) && kind != KP_PROBE_KRETPROBE)
			return fail(p, o->col[i], "'%s' applies to a kretprobe only",
				    probe_options[i].name);
		if (i == PO_CLOBBERS_ARGS && kind != KP_PROBE_JPROBE)
			return fail(p, o->col[i], "'%s' applies to a jprobe only",
				    probe_options[i].name);
	}
	if (o->col[PO_PRE_RETURNS] && o->col[PO_NO_PRE])
		return fail(p, o->col[PO_PRE_RETURNS], "'pre-returns' without a pre handler");
	if (o->col[PO_PRE_FAULTS] && o->col[PO_NO_PRE])
		return fail(p, o->col[PO_PRE_FAULTS], "'pre-faults' without a pre handler");
	for (size_t i = 0; i < G_N_ELEMENTS(needs); i++)
		if (o->col[needs[i].option] && !o->col[needs[i].needs])
			return fail(p, o->col[needs[i].option], "'%s' without '%s'",
				    probe_options[needs[i].option].name,
				    probe_options[needs[i].needs].name);
	return true;
}

static bool st_probe(Parser *p, const Tok *kw)
{
	KpScenario *sc = p->sc;
	ProbeOptions o = { 0 };
	KpScenarioLocation loc;
	KpProbeKind kind = KP_PROBE_KPROBE;
	const Tok *name;

	if (sc->script.n_probes == KP_MAX_PROBES)
		return fail(p, kw->col, "more than %d probes", KP_MAX_PROBES);
	name = need_name(p, "probe name");
	if (!name)
		return false;
	if (find_probe(sc, name->s, name->len) >= 0)
		return fail(p, name->col, "duplicate probe %s", shown(p, name));
	if (!need_keyword(p, "at") || !location_tok(p, need_word(p, "location"), &loc) ||
	    !read_probe_options(p, &o))
		return false;
	if (o.col[PO_JPROBE] && o.col[PO_KRETPROBE])
		return fail(p, MAX(o.col[PO_JPROBE], o.col[PO_KRETPROBE]),
			    "a probe is either a jprobe or a kretprobe");
	if (o.col[PO_JPROBE])
		kind = KP_PROBE_JPROBE;
	else if (o.col[PO_KRETPROBE])
		kind = KP_PROBE_KRETPROBE;
	if (!check_probe_options(p, &o, kind))
		return false;
	sc->probes[sc->script.n_probes++] = (KpProbeSpec){
		.name = g_string_chunk_insert_const(sc->strings, name->s),
		.kind = kind,
		.symbol = loc.symbol,
		.offset = loc.symbol ? loc.offset : 0,
		.addr = loc.symbol ? 0 : loc.offset,
		/* A jprobe's handlers are the port's own (setjmp/longjmp). */
		.pre = kind != KP_PROBE_JPROBE && !o.col[PO_NO_PRE],
		.post = o.col[PO_POST] != 0,
		.fault = o.col[PO_FAULT] != 0,
		.brk = o.col[PO_BREAK] != 0,
		.pre_ret = (int)o.value[PO_PRE_RETURNS],
		.fault_ret = (int)o.value[PO_FAULT_RETURNS],
		.break_ret = (int)o.value[PO_BREAK_RETURNS],
		.disabled = o.col[PO_DISABLED] != 0,
		.pre_faults = o.col[PO_PRE_FAULTS] != 0,
		.post_faults = o.col[PO_POST_FAULTS] != 0,
		.step_faults = (unsigned)o.value[PO_STEP_FAULTS],
		.ret = o.col[PO_RET] != 0,
		.ret_ret = (int)o.value[PO_RET_RETURNS],
		.clobbers_args = o.col[PO_CLOBBERS_ARGS] != 0,
	};
	return true;
}

/*
 * A run adds a function to the text only if its bytes decode end to end (the vCPUs and
 * kprobes need every instruction boundary): checked here, at the byte where decoding
 * stops.  `first` is the index of the token of the function's first byte.
 */
static bool check_decodes(Parser *p, const Tok *name, const KpScenarioFunction *f,
			  unsigned first)
{
	size_t off = 0;

	while (off < f->n_bytes) {
		EmuInsn insn;
		unsigned n = emu_decode(f->bytes + off, f->n_bytes - off, &insn);

		if (!n)
			return fail(p, g_array_index(p->toks, Tok, first + off).col,
				    "function %s: no instruction decodes at offset 0x%zx "
				    "(unsupported, or cut short by the end of the function)",
				    shown(p, name), off);
		off += n;
	}
	return true;
}

static bool st_function(Parser *p, const Tok *kw)
{
	KpScenario *sc = p->sc;
	KpScenarioFunction *f;
	const Tok *name;
	unsigned first;

	if (sc->n_functions == KP_SCENARIO_MAX_FUNCTIONS)
		return fail(p, kw->col, "more than %d functions", KP_SCENARIO_MAX_FUNCTIONS);
	name = need_name(p, "function name");
	if (!name)
		return false;
	for (unsigned i = 0; i < sc->n_functions; i++)
		if (!strcmp(sc->functions[i].name, name->s))
			return fail(p, name->col, "duplicate function %s", shown(p, name));
	/* A run could not add it: kallsyms names are unique. */
	if (emu_image_symbol_by_name(emu_default_image(), name->s))
		return fail(p, name->col, "the image already has a symbol %s", shown(p, name));
	f = &sc->function_store[sc->n_functions];
	first = p->pos;
	if (!rest_hex_bytes(p, KP_SCENARIO_MAX_FUNCTION_BYTES, &f->bytes, &f->n_bytes) ||
	    !check_decodes(p, name, f, first))
		return false;
	/*
	 * The functions are laid out one after another in the scenario text, each at a
	 * 16-byte boundary: more than its size would only fail when a run sets it up.
	 */
	p->function_text = (p->function_text + KP_SCENARIO_FUNCTION_ALIGN - 1) &
			   ~(size_t)(KP_SCENARIO_FUNCTION_ALIGN - 1);
	if (f->n_bytes > KP_SCENARIO_MAX_FUNCTION_TEXT - p->function_text)
		return fail(p, name->col, "function %s does not fit: the functions take more than "
			    "%u bytes of scenario text", shown(p, name),
			    KP_SCENARIO_MAX_FUNCTION_TEXT);
	p->function_text += f->n_bytes;
	f->name = g_string_chunk_insert_const(sc->strings, name->s);
	f->line = p->line;
	f->col = name->col;
	sc->n_functions++;
	return true;
}

/* ---- tasks and operations ---- */

static bool st_task(Parser *p, const Tok *kw)
{
	KpScenario *sc = p->sc;
	const Tok *name = need_name(p, "task name");
	unsigned cpu, on_cpu = 0, t;
	int cpu_col;

	if (!name)
		return false;
	for (unsigned i = 0; i < sc->script.n_tasks; i++)
		if (!strcmp(sc->tasks[i].name, name->s))
			return fail(p, name->col, "duplicate task %s", shown(p, name));
	if (!need_keyword(p, "on"))
		return false;
	cpu_col = peek(p) ? peek(p)->col : end_col(p);
	if (!need_cpu_ref(p, true, &cpu) || !at_end(p))
		return false;
	for (unsigned i = 0; i < sc->script.n_tasks; i++)
		on_cpu += sc->tasks[i].cpu == cpu;
	if (on_cpu == KP_SCENARIO_TASKS_PER_CPU)
		return fail(p, cpu_col, "cpu%u already has %d tasks", cpu,
			    KP_SCENARIO_TASKS_PER_CPU);
	t = sc->script.n_tasks++;
	sc->tasks[t] = (KpScriptTask){
		.name = g_string_chunk_insert_const(sc->strings, name->s),
		.cpu = cpu,
	};
	sc->task_ops[t] = g_array_new(FALSE, TRUE, sizeof(KpOp));
	p->task = (int)t;
	p->task_line = p->line;
	p->task_col = name->col;
	return true;
}

/* A task ends at the next statement that is not indented, or at the end of the file. */
static bool close_task(Parser *p)
{
	int t = p->task;

	p->task = -1;
	if (t >= 0 && !p->sc->tasks[t].n_ops)
		return fail_at(p, p->task_line, p->task_col, "task '%s' has no operations",
			       p->sc->tasks[t].name);
	return true;
}

/* register / unregister: one or more probes of one kind (more than one: a batch call). */
static bool op_probes(Parser *p, const Tok *kw, KpOp *op)
{
	op->kind = !strcmp(kw->s, "register") ? KP_OP_REGISTER : KP_OP_UNREGISTER;
	do {
		const Tok *t = peek(p);
		int i;

		unsigned u;

		if (op->n == KP_OP_MAX_PROBES)
			return fail(p, t->col, "more than %d probes in one call", KP_OP_MAX_PROBES);
		i = need_probe(p);
		if (i < 0)
			return false;
		if (op->n && p->sc->probes[i].kind !=
				     p->sc->probes[g_array_index(p->op_probes, unsigned, 0)].kind)
			return fail(p, t->col, "probes of different kinds in one call");
		u = (unsigned)i;
		g_array_append_val(p->op_probes, u);
		op->n++;
	} while (peek(p) && !peek_is(p, "->"));
	return true;
}

static bool op_enable(Parser *p, const Tok *kw, KpOp *op)
{
	int i = need_probe(p);

	op->kind = !strcmp(kw->s, "enable") ? KP_OP_ENABLE : KP_OP_DISABLE;
	if (i < 0)
		return false;
	op->n = 1;
	g_array_append_val(p->op_probes, (unsigned){ (unsigned)i });
	return true;
}

/* sysctl / debugfs: "write STRING" or "read". */
static bool op_file(Parser *p, const Tok *kw, KpOp *op)
{
	static const char *const words[] = { "write", "read", NULL };
	bool sysctl = !strcmp(kw->s, "sysctl");
	int i = need_choice(p, "'write' or 'read'", words);
	const Tok *t;

	if (i < 0)
		return false;
	if (i == 1) {
		op->kind = sysctl ? KP_OP_SYSCTL_READ : KP_OP_DEBUGFS_READ;
		return true;
	}
	op->kind = sysctl ? KP_OP_SYSCTL_WRITE : KP_OP_DEBUGFS_WRITE;
	t = need(p, "string");
	if (!t)
		return false;
	if (!t->string)
		return fail(p, t->col, "expected a string, found %s", shown(p, t));
	op->text = g_string_chunk_insert_const(p->sc->strings, t->s);
	return true;
}

static bool op_module(Parser *p, const Tok *kw, KpOp *op)
{
	static const char *const words[] = { "load", "live", "unload", "fail-init", NULL };
	static const KpOpKind kinds[] = { KP_OP_MODULE_LOAD, KP_OP_MODULE_LIVE,
					  KP_OP_MODULE_UNLOAD, KP_OP_MODULE_FAIL_INIT };
	int i = need_choice(p, "'load', 'live', 'unload' or 'fail-init'", words);
	const Tok *name;

	if (i < 0)
		return false;
	op->kind = kinds[i];
	name = need_name(p, "module name");
	if (!name)
		return false;
	op->text = g_string_chunk_insert_const(p->sc->strings, name->s);
	note_name(p, op->text, true, name->col);
	return true;
}

static bool op_free_initmem(Parser *p, const Tok *kw, KpOp *op)
{
	op->kind = KP_OP_FREE_INITMEM;
	return true;
}

static bool op_cpu(Parser *p, const Tok *kw, KpOp *op)
{
	static const char *const words[] = { "up", "down", NULL };
	int i = need_choice(p, "'up' or 'down'", words);
	const Tok *t;
	unsigned cpu;

	if (i < 0)
		return false;
	op->kind = i == 0 ? KP_OP_CPU_UP : KP_OP_CPU_DOWN;
	t = need_word(p, "cpu number");
	if (!t || !cpu_at(p, t->s, t->col, &cpu))
		return false;
	op->arg = cpu;
	return true;
}

/* A location into the op: symbol and offset, or no symbol and the address. */
static void set_op_location(KpOp *op, const KpScenarioLocation *loc)
{
	op->text = loc->symbol;
	op->addr = loc->offset;
}

static bool op_call(Parser *p, const Tok *kw, KpOp *op)
{
	KpScenarioLocation loc;
	int64_t times = 1;

	op->kind = KP_OP_CALL;
	if (!location_tok(p, need_word(p, "location"), &loc))
		return false;
	if (peek_is(p, "times")) {
		p->pos++;
		if (!int_tok(p, need_word(p, "count"), 1, MAX_TIMES, "times", &times))
			return false;
	}
	set_op_location(op, &loc);
	op->arg = times;
	return true;
}

static bool op_irq(Parser *p, const Tok *kw, KpOp *op)
{
	KpScenarioLocation loc;
	unsigned cpu;

	op->kind = KP_OP_IRQ;
	if (!need_cpu_ref(p, false, &cpu) ||
	    !location_tok(p, need_word(p, "handler location"), &loc))
		return false;
	set_op_location(op, &loc);
	op->arg = cpu;
	return true;
}

static bool op_sleep(Parser *p, const Tok *kw, KpOp *op)
{
	int64_t v = 0;

	op->kind = KP_OP_SLEEP;
	if (!int_tok(p, need_word(p, "jiffies"), 1, MAX_JIFFIES, "sleep", &v))
		return false;
	op->arg = v;
	return true;
}

static bool op_fail_nth(Parser *p, const Tok *kw, KpOp *op)
{
	int64_t v = 0;

	op->kind = KP_OP_FAIL_NTH;
	if (!int_tok(p, need_word(p, "count"), 1, MAX_FAIL_NTH, "fail-nth", &v))
		return false;
	op->arg = v;
	return true;
}

static bool op_exit(Parser *p, const Tok *kw, KpOp *op)
{
	op->kind = KP_OP_EXIT;
	return true;
}

typedef bool (*OpFn)(Parser *p, const Tok *kw, KpOp *op);

static const struct {
	const char *kw;
	OpFn fn;
} operations[] = {
	{ "register", op_probes },	{ "unregister", op_probes },
	{ "enable", op_enable },	{ "disable", op_enable },
	{ "sysctl", op_file },		{ "debugfs", op_file },
	{ "module", op_module },	{ "free-initmem", op_free_initmem },
	{ "cpu", op_cpu },		{ "call", op_call },
	{ "irq", op_irq },		{ "sleep", op_sleep },
	{ "fail-nth", op_fail_nth },	{ "exit", op_exit },
};

static OpFn find_operation(const char *kw)
{
	for (size_t i = 0; i < G_N_ELEMENTS(operations); i++)
		if (!strcmp(operations[i].kw, kw))
			return operations[i].fn;
	return NULL;
}

/* An indented line in the open task: operation [ "->" RET ]. */
static bool parse_op(Parser *p)
{
	KpScenario *sc = p->sc;
	const Tok *kw = need_word(p, "operation");
	GArray *ops = sc->task_ops[p->task];
	KpOp op = { .expect = KP_NO_EXPECT, .line = p->line };
	OpFn fn;

	if (!kw)
		return false;
	fn = find_operation(kw->s);
	if (!fn)
		return fail(p, kw->col, "unknown operation %s", shown(p, kw));
	if (ops->len == KP_SCENARIO_MAX_OPS)
		return fail(p, kw->col, "task '%s' has more than %d operations",
			    sc->tasks[p->task].name, KP_SCENARIO_MAX_OPS);
	/* A dead task runs nothing more. */
	if (ops->len && g_array_index(ops, KpOp, ops->len - 1).kind == KP_OP_EXIT)
		return fail(p, kw->col, "task '%s' has exited", sc->tasks[p->task].name);
	g_array_set_size(p->op_probes, 0);
	if (!fn(p, kw, &op))
		return false;
	if (op.n) {
		unsigned *probes = g_memdup2(p->op_probes->data, op.n * sizeof(unsigned));

		g_ptr_array_add(sc->blocks, probes);
		op.probes = probes;
	}
	if (peek_is(p, "->")) {
		p->pos++;
		if (!parse_ret(p, &op.expect))
			return false;
	}
	if (!at_end(p))
		return false;
	g_array_append_val(ops, op);
	sc->tasks[p->task].ops = (KpOp *)(void *)ops->data;
	sc->tasks[p->task].n_ops = ops->len;
	return true;
}

/* ---- expectations ---- */

static bool need_cmp(Parser *p, KpCmp *cmp, int *col)
{
	static const char *const words[] = { "==", "!=", "<", "<=", ">", ">=", NULL };
	const Tok *t = need_word(p, "comparison");

	if (!t)
		return false;
	*col = t->col;
	for (int i = 0; words[i]; i++) {
		if (!strcmp(t->s, words[i])) {
			*cmp = (KpCmp)i;
			return true;
		}
	}
	return fail(p, t->col, "invalid comparison %s", shown(p, t));
}

/* CMP INT, for counters that cannot be negative. */
static bool cond_compare(Parser *p, KpExpectation *e)
{
	int col;

	return need_cmp(p, &e->cmp, &col) &&
	       uint_tok(p, need_word(p, "value"), 0, INT64_MAX, "value", &e->value);
}

static bool cond_violation(Parser *p, KpExpectation *e)
{
	const Tok *t = need_word(p, "invariant id");

	if (!t)
		return false;
	/* "expect" is the id an inline "-> RET" mismatch ends a run with. */
	if (!kp_invariant(t->s) && strcmp(t->s, "expect"))
		return fail(p, t->col, "unknown invariant %s", shown(p, t));
	e->cond = KP_COND_VIOLATION;
	e->id = g_string_chunk_insert_const(p->sc->strings, t->s);
	return true;
}

/* text LOCATION (== | !=) original, or text LOCATION == HEXBYTES+. */
static bool cond_text(Parser *p, KpExpectation *e)
{
	const Tok *t;
	int col;

	if (!location_tok(p, need_word(p, "location"), &e->loc) || !need_cmp(p, &e->cmp, &col))
		return false;
	if (e->cmp != KP_CMP_EQ && e->cmp != KP_CMP_NE)
		return fail(p, col, "text compares with '==' or '!='");
	t = need_word(p, "'original' or bytes");
	if (!t)
		return false;
	if (!strcmp(t->s, "original")) {
		e->cond = KP_COND_TEXT_ORIGINAL;
		return true;
	}
	if (e->cmp != KP_CMP_EQ)
		return fail(p, col, "'!=' compares with 'original' only");
	p->pos--;
	e->cond = KP_COND_TEXT_BYTES;
	return rest_hex_bytes(p, KP_SCENARIO_MAX_TEXT_BYTES, &e->bytes, &e->n_bytes);
}

/* optimization == 0|1, armed == 0|1. */
static bool cond_flag(Parser *p, KpExpectation *e)
{
	static const char *const words[] = { "0", "1", NULL };
	int i;

	if (!need_keyword(p, "=="))
		return false;
	i = need_choice(p, "0 or 1", words);
	if (i < 0)
		return false;
	e->cmp = KP_CMP_EQ;
	e->value = (uint64_t)i;
	return true;
}

static const char *const field_names[] = {
	[KP_FIELD_HITS] = "hits",		[KP_FIELD_POST_HITS] = "post-hits",
	[KP_FIELD_FAULT_HITS] = "fault-hits",	[KP_FIELD_BREAK_HITS] = "break-hits",
	[KP_FIELD_RETURN_HITS] = "return-hits",
	[KP_FIELD_NMISSED] = "nmissed",		[KP_FIELD_FLAGS] = "flags",
};

/* NAME.FIELD CMP INT; the name is split at the last dot, as names may contain dots. */
static bool cond_probe_field(Parser *p, const Tok *t, KpExpectation *e)
{
	const char *dot = strrchr(t->s, '.');
	size_t name_len = (size_t)(dot - t->s);
	int i;

	if (!is_name(t->s, name_len))
		return fail(p, t->col, "invalid probe name '%.*s'", (int)MIN(name_len, SHOWN_MAX),
			    t->s);
	i = find_probe(p->sc, t->s, name_len);
	if (i < 0)
		return fail(p, t->col, "undefined probe '%.*s'", (int)MIN(name_len, SHOWN_MAX),
			    t->s);
	e->cond = KP_COND_PROBE_FIELD;
	e->probe = (unsigned)i;
	for (size_t f = 0; f < G_N_ELEMENTS(field_names); f++) {
		if (!strcmp(dot + 1, field_names[f])) {
			e->field = (KpProbeField)f;
			return cond_compare(p, e);
		}
	}
	return fail(p, t->col + clamp_int(name_len + 1), "unknown field '%.*s'", SHOWN_MAX,
		    dot + 1);
}

static bool parse_condition(Parser *p, KpExpectation *e)
{
	const Tok *t = need_word(p, "condition");

	if (!t)
		return false;
	if (!strcmp(t->s, "no-violation")) {
		e->cond = KP_COND_NO_VIOLATION;
		return true;
	}
	if (!strcmp(t->s, "violation"))
		return cond_violation(p, e);
	if (!strcmp(t->s, "text"))
		return cond_text(p, e);
	if (!strcmp(t->s, "optimization") || !strcmp(t->s, "armed")) {
		e->cond = t->s[0] == 'o' ? KP_COND_OPTIMIZATION : KP_COND_ARMED;
		return cond_flag(p, e);
	}
	if (!strcmp(t->s, "stop-machines") || !strcmp(t->s, "grace-periods")) {
		e->cond = t->s[0] == 's' ? KP_COND_STOP_MACHINES : KP_COND_GRACE_PERIODS;
		return cond_compare(p, e);
	}
	if (strchr(t->s, '.'))
		return cond_probe_field(p, t, e);
	return fail(p, t->col, "unknown condition %s", shown(p, t));
}

static bool st_expect(Parser *p, const Tok *kw)
{
	static const char *const words[] = { "always", "sometimes", "end", NULL };
	KpScenario *sc = p->sc;
	KpExpectation *e;
	int kind;

	if (sc->n_expects == KP_SCENARIO_MAX_EXPECTS)
		return fail(p, kw->col, "more than %d expectations", KP_SCENARIO_MAX_EXPECTS);
	kind = need_choice(p, "'always', 'sometimes' or 'end'", words);
	if (kind < 0)
		return false;
	e = &sc->expect_store[sc->n_expects];
	*e = (KpExpectation){ .kind = (KpExpectKind)kind, .line = p->line };
	if (!parse_condition(p, e) || !at_end(p))
		return false;
	sc->n_expects++;
	return true;
}

/* ---- exploration ---- */

static const char *const explore_names[] = {
	[KP_EXPLORE_FIRST] = "first", [KP_EXPLORE_RANDOM] = "random",
	[KP_EXPLORE_DFS] = "dfs", [KP_EXPLORE_PCT] = "pct",
};

/* The keys each kind of `explore` takes, after its name. */
static const char *const explore_keys[][5] = {
	[KP_EXPLORE_FIRST] = { NULL },
	[KP_EXPLORE_RANDOM] = { "runs", "seed", NULL },
	[KP_EXPLORE_DFS] = { "preemptions", "runs", "no-reduce", NULL },
	[KP_EXPLORE_PCT] = { "runs", "depth", "seed", NULL },
};

static bool explore_key(Parser *p, KpExplore *x, const Tok *t, unsigned *seen)
{
	const char *const *keys = explore_keys[x->kind];
	uint64_t v;
	int k = -1;

	for (int i = 0; keys[i]; i++)
		if (!strcmp(t->s, keys[i]))
			k = i;
	if (k < 0) {
		g_autoptr(GString) list = g_string_new(NULL);

		for (int i = 0; keys[i]; i++)
			g_string_append_printf(list, "%s%s", i ? ", " : "", keys[i]);
		return fail(p, t->col, "unexpected %s (explore %s takes %s)", shown(p, t),
			    explore_names[x->kind], list->len ? list->str : "nothing more");
	}
	if (*seen & (1u << k))
		return fail(p, t->col, "duplicate %s", shown(p, t));
	*seen |= 1u << k;
	if (!strcmp(t->s, "no-reduce")) {
		x->no_reduce = true;
		return true;
	}
	if (!strcmp(t->s, "runs"))
		return uint_tok(p, need_word(p, "number of runs"), 1, MAX_RUNS, "runs", &x->runs);
	if (!strcmp(t->s, "seed")) {
		x->has_seed = true;
		return uint_tok(p, need_word(p, "seed"), 0, UINT64_MAX, "seed", &x->seed);
	}
	if (!strcmp(t->s, "depth")) {
		if (!uint_tok(p, need_word(p, "depth"), 1, 64, "depth", &v))
			return false;
		x->depth = (unsigned)v;
		return true;
	}
	assert(!strcmp(t->s, "preemptions"));
	if (!uint_tok(p, need_word(p, "preemption bound"), 0, 1000, "preemptions", &v))
		return false;
	x->preemptions = (int)v;
	return true;
}

static bool st_explore(Parser *p, const Tok *kw)
{
	static const char *const words[] = { "first", "random", "dfs", "pct", NULL };
	static const KpExploreKind kinds[] = {
		KP_EXPLORE_FIRST, KP_EXPLORE_RANDOM, KP_EXPLORE_DFS, KP_EXPLORE_PCT,
	};
	KpExplore *x = &p->sc->explore;
	int i = need_choice(p, "'first', 'random', 'dfs' or 'pct'", words);
	unsigned seen = 0;

	(void)kw;
	if (i < 0)
		return false;
	x->line = p->line;
	x->kind = kinds[i];
	x->preemptions = -1;
	x->depth = KP_EXPLORE_DEFAULT_DEPTH;
	x->runs = x->kind == KP_EXPLORE_DFS ? 0 : KP_EXPLORE_DEFAULT_RUNS;
	/* The first form of random: `explore random N [seed S]`. */
	if (x->kind == KP_EXPLORE_RANDOM && peek(p) && !peek(p)->string &&
	    g_ascii_isdigit(peek(p)->s[0])) {
		if (!uint_tok(p, need_word(p, "number of runs"), 1, MAX_RUNS, "runs", &x->runs))
			return false;
		seen |= 1u;
	}
	while (peek(p)) {
		const Tok *t = need_word(p, "a key");

		if (!t || !explore_key(p, x, t, &seen))
			return false;
	}
	return at_end(p);
}

/* The compact form of sim/schedule.h, checked without expanding its repeat counts. */
static bool check_schedule(Parser *p, const Tok *t)
{
	const char *s = t->s;
	uint64_t total = 0;
	size_t i = 3;

	if (strncmp(s, "S1:", 3))
		return fail(p, t->col, "a schedule starts with 'S1:'");
	while (s[i]) {
		size_t at = i;
		uint64_t repeat = 1;
		char c = s[i++];

		if ((c >= 'a' && c <= 'p') || (c >= 'A' && c <= 'P')) {
			unsigned vcpu = (unsigned)(g_ascii_tolower(c) - 'a');

			if (vcpu >= p->sc->n_cpus)
				return fail(p, t->col + clamp_int(at), "schedule step on vCPU %u "
					    "(cpus %u)", vcpu, p->sc->n_cpus);
			if (c >= 'a' && s[i] == '(') {
				unsigned alt = 0;
				size_t d = ++i;

				while (g_ascii_isdigit(s[i]) && alt <= 255)
					alt = alt * 10 + (unsigned)(s[i++] - '0');
				if (i == d || alt > 255 || s[i] != ')')
					return fail(p, t->col + clamp_int(d - 1),
						    "invalid alternative in schedule");
				i++;
			}
		} else if (c != 't') {
			return fail(p, t->col + clamp_int(at), "invalid schedule step '%c'", c);
		}
		if (g_ascii_isdigit(s[i])) {
			size_t d = i;

			repeat = 0;
			while (g_ascii_isdigit(s[i]) && repeat <= MAX_SCHEDULE_CHOICES)
				repeat = repeat * 10 + (uint64_t)(s[i++] - '0');
			if (repeat == 0 || repeat > MAX_SCHEDULE_CHOICES)
				return fail(p, t->col + clamp_int(d), "invalid repeat count");
		}
		total += repeat;
		if (total > MAX_SCHEDULE_CHOICES)
			return fail(p, t->col + clamp_int(at), "schedule longer than %llu steps",
				    MAX_SCHEDULE_CHOICES);
	}
	return true;
}

static bool st_schedule(Parser *p, const Tok *kw)
{
	const Tok *t = need_word(p, "schedule");

	if (!t || !check_schedule(p, t))
		return false;
	p->sc->schedule = g_string_chunk_insert_const(p->sc->strings, t->s);
	p->sc->schedule_line = p->line;
	p->sc->schedule_col = t->col;
	return at_end(p);
}

/* ---- the dispatcher ---- */

typedef bool (*StatementFn)(Parser *p, const Tok *kw);

static const struct {
	const char *kw;
	StatementFn fn;
	bool header;		/* must precede every other statement */
	bool once;		/* at most once per file */
} statements[] = {
	{ "model", st_model, true, true },
	{ "cpus", st_cpus, true, true },
	{ "optimize-delay", st_optimize_delay, true, true },
	{ "branches", st_branches, true, true },
	{ "max-steps", st_max_steps, true, true },
	{ "checker", st_checker, true, true },
	{ "allow", st_allow, true, false },
	{ "function", st_function, false, false },
	{ "probe", st_probe, false, false },
	{ "task", st_task, false, false },
	{ "expect", st_expect, false, false },
	{ "explore", st_explore, false, true },
	{ "schedule", st_schedule, false, true },
};

G_STATIC_ASSERT(G_N_ELEMENTS(statements) <= 16);

static bool parse_statement(Parser *p, const Tok *kw)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(statements); i++)
		if (!strcmp(statements[i].kw, kw->s))
			break;
	if (i == G_N_ELEMENTS(statements)) {
		if (find_operation(kw->s))
			return fail(p, kw->col, "operation outside a task");
		return fail(p, kw->col, "unknown statement %s", shown(p, kw));
	}
	if (statements[i].once && (p->seen & 1u << i))
		return fail(p, kw->col, "duplicate '%s' (first on line %d)", kw->s,
			    p->first_line[i]);
	/* The header fixes what later lines are checked against (the CPU count). */
	if (statements[i].header && p->body)
		return fail(p, kw->col, "'%s' must come before other statements", kw->s);
	if (!(p->seen & 1u << i))
		p->first_line[i] = p->line;
	p->seen |= 1u << i;
	p->body |= !statements[i].header;
	p->pos = 1;
	return statements[i].fn(p, kw);
}

static bool parse_line(Parser *p, const char *s, size_t len)
{
	const Tok *kw;

	if (!lex_line(p, s, len))
		return false;
	/* Blank and comment-only lines neither start nor end anything. */
	if (!p->toks->len)
		return true;
	kw = &g_array_index(p->toks, Tok, 0);
	if (kw->string)
		return fail(p, kw->col, "expected a statement, found a string");
	if (p->indented) {
		if (p->task < 0)
			return fail(p, kw->col, find_operation(kw->s) ? "operation outside a task"
								       : "unexpected indentation");
		return parse_op(p);
	}
	return close_task(p) && parse_statement(p, kw);
}

static bool parse_lines(Parser *p, const char *text, size_t len)
{
	size_t off = 0, line = 0;

	while (off < len) {
		const char *s = text + off;
		const char *nl = memchr(s, '\n', len - off);
		size_t n = nl ? (size_t)(nl - s) : len - off;

		p->line = clamp_int(++line);
		if (!parse_line(p, s, n))
			return false;
		off += n + (nl != NULL);
		if (!nl) {
			/* The file ends inside this line. */
			p->eof_line = p->line;
			p->eof_col = clamp_int((n && s[n - 1] == '\r' ? n - 1 : n) + 1);
			return true;
		}
	}
	p->eof_line = clamp_int(line + 1);
	p->eof_col = 1;
	return true;
}

static bool finish(Parser *p)
{
	KpScenario *sc = p->sc;

	if (!close_task(p))
		return false;
	if (!sc->script.n_tasks)
		return fail_at(p, p->eof_line, p->eof_col, "no task");
	for (unsigned i = 0; i < p->names->len; i++) {
		const Name *nm = &g_array_index(p->names, Name, i);
		const EmuImage *img = emu_default_image();
		bool ok = nm->module ? emu_image_module_by_name(img, nm->name) != NULL :
				       emu_image_symbol_by_name(img, nm->name) != NULL;

		for (unsigned k = 0; !ok && !nm->module && k < sc->n_functions; k++)
			ok = !strcmp(sc->function_store[k].name, nm->name);
		if (!ok && nm->module)
			return fail_at(p, nm->line, nm->col, "unknown module '%s'", nm->name);
		if (!ok)
			return fail_at(p, nm->line, nm->col,
				       "no symbol '%s' in the image or the scenario", nm->name);
	}
	if (!sc->script.model) {
		sc->script.model = kp_model_find(DEFAULT_MODEL);
		if (!sc->script.model)
			return fail_at(p, 1, 1, "unknown model '%s'", DEFAULT_MODEL);
	}
	sc->script.n_cpus = sc->n_cpus;
	sc->script.optimize_delay = sc->optimize_delay;
	sc->script.branch_choice = sc->branch_choice;
	sc->script.probes = sc->probes;
	sc->script.tasks = sc->tasks;
	sc->script.check = true;
	sc->functions = sc->function_store;
	sc->expects = sc->expect_store;
	return true;
}

/* ---- the API ---- */

bool kp_scenario_use_model(KpScenario *sc, const KpModel *model)
{
	if (!model)
		return true;
	/* A variant is its base with a patch: what holds for the base alone is its to judge. */
	if (sc->model_only && !kp_model_descends(model, sc->script.model))
		return false;
	sc->script.model = model;
	sc->model_name = model->name;
	return true;
}

static KpScenario *scenario_new(const char *path)
{
	KpScenario *sc = g_new0(KpScenario, 1);

	sc->strings = g_string_chunk_new(1024);
	sc->blocks = g_ptr_array_new_with_free_func(g_free);
	sc->path = g_string_chunk_insert_const(sc->strings, path ? path : "<input>");
	sc->model_name = DEFAULT_MODEL;
	sc->n_cpus = DEFAULT_CPUS;
	sc->optimize_delay = DEFAULT_OPTIMIZE_DELAY;
	/* Set before parsing: st_function checks names against these. */
	sc->functions = sc->function_store;
	sc->expects = sc->expect_store;
	return sc;
}

KpScenario *kp_scenario_parse(const char *path, const char *text, size_t len, GError **error)
{
	GError *local = NULL;
	Parser p = {
		.error = &local,
		.task = -1,
		.toks = g_array_new(FALSE, FALSE, sizeof(Tok)),
		.line_strings = g_string_chunk_new(256),
		.scratch = g_string_new(NULL),
		.op_probes = g_array_new(FALSE, FALSE, sizeof(unsigned)),
		.names = g_array_new(FALSE, FALSE, sizeof(Name)),
	};
	bool ok;

	p.sc = scenario_new(path);
	ok = parse_lines(&p, len ? text : "", len) && finish(&p);
	g_array_free(p.toks, TRUE);
	g_string_chunk_free(p.line_strings);
	g_string_free(p.scratch, TRUE);
	g_array_free(p.op_probes, TRUE);
	g_array_free(p.names, TRUE);
	if (!ok) {
		g_propagate_error(error, local);
		kp_scenario_free(p.sc);
		return NULL;
	}
	return p.sc;
}

KpScenario *kp_scenario_load(const char *path, GError **error)
{
	g_autofree char *text = NULL;
	size_t len;

	if (!kp_scenario_read(path, &text, &len, error))
		return NULL;
	return kp_scenario_parse(path, text, len, error);
}

void kp_scenario_free(KpScenario *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(sc->task_ops); i++)
		if (sc->task_ops[i])
			g_array_free(sc->task_ops[i], TRUE);
	g_string_chunk_free(sc->strings);
	g_ptr_array_free(sc->blocks, TRUE);
	g_free(sc);
}
