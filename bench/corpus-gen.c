/*
 * corpus-gen.c - write a reproducible file of reply lines for the
 * benchmarks.
 *
 *   corpus-gen SEED NLINES SOURCE...
 *
 * Each SOURCE is "json:FILE" (JSON Lines; the string field "text" of
 * every record) or "tsv:FILE:COL" (tab-separated with a header line;
 * column COL, counted from 1).  Every non-empty text becomes a template.
 * Each output line is a template picked by a seeded generator, with the
 * parts that differ from one real bounce to the next redrawn: the local
 * part of mail addresses, IPv4 addresses, and long identifiers (runs of
 * letters and digits that hold a digit, or long runs of digits).  Codes
 * and the words stay as they are, so the classification of a line is the
 * classification of its template.
 *
 * The lines go to standard output; a summary (templates, lines, mean
 * length, distinct-looking lines) goes to standard error.  Same SEED,
 * same sources: same bytes, on any machine (the generator is xorshift64*
 * with no floating point).
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct text {
	char *s;
	size_t n;
};

static struct text *tpl;
static size_t ntpl, captpl;

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 2685821657736338717ull;
}

/* A number in [0, n), near enough uniform for n far below 2^32. */
static unsigned below(unsigned n)
{
	return (unsigned)((rnd() >> 32) % n);
}

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "corpus-gen: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory", NULL);
	return p;
}

/* Keep a template: control characters become spaces, so that one
 * template is one line; blank templates are dropped. */
static void add_template(const char *s, size_t n)
{
	char *c;
	size_t i, blank = 1;
	if (n == 0)
		return;
	c = xrealloc(NULL, n);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		c[i] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
		if (c[i] != ' ')
			blank = 0;
	}
	if (blank) {
		free(c);
		return;
	}
	if (ntpl == captpl) {
		captpl = captpl ? captpl * 2 : 1024;
		tpl = xrealloc(tpl, captpl * sizeof *tpl);
	}
	tpl[ntpl].s = c;
	tpl[ntpl].n = n;
	ntpl++;
}

static char *read_line(FILE *f, size_t *len)
{
	static char *buf;
	static size_t cap;
	size_t n = 0;
	int c;
	while ((c = getc(f)) != EOF && c != '\n') {
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 4096;
			buf = xrealloc(buf, cap);
		}
		buf[n++] = (char)c;
	}
	if (c == EOF && n == 0)
		return NULL;
	if (!buf) {
		cap = 4096;
		buf = xrealloc(NULL, cap);
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void put_utf8(char *out, size_t *o, unsigned cp)
{
	if (cp < 0x80)
		out[(*o)++] = (char)cp;
	else if (cp < 0x800) {
		out[(*o)++] = (char)(0xC0 | (cp >> 6));
		out[(*o)++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		out[(*o)++] = (char)(0xE0 | (cp >> 12));
		out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*o)++] = (char)(0x80 | (cp & 0x3F));
	} else {
		out[(*o)++] = (char)(0xF0 | (cp >> 18));
		out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*o)++] = (char)(0x80 | (cp & 0x3F));
	}
}

static int hex4(const char *p, unsigned *v)
{
	int i;
	*v = 0;
	for (i = 0; i < 4; i++) {
		int c = p[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		*v = *v * 16 + (unsigned)d;
	}
	return 0;
}

/* Decode the JSON string that starts after the opening quote at P;
 * returns the decoded length, or -1 if the string is malformed. */
static long json_string(const char *p, const char *end, char *out)
{
	size_t o = 0;
	while (p < end && *p != '"') {
		if (*p != '\\') {
			out[o++] = *p++;
			continue;
		}
		if (++p >= end)
			return -1;
		switch (*p) {
		case 'n': case 'r': case 't': case 'b': case 'f':
			out[o++] = ' ';
			p++;
			break;
		case 'u': {
			unsigned cp, lo;
			if (end - p < 5 || hex4(p + 1, &cp) < 0)
				return -1;
			p += 5;
			if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
			    hex4(p + 2, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				p += 6;
			}
			put_utf8(out, &o, cp ? cp : ' ');
			break;
		}
		default:
			out[o++] = *p++;
			break;
		}
	}
	return p < end ? (long)o : -1;
}

static void load_json(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *line, *out = NULL;
	size_t len;
	unsigned long lineno = 0;
	if (!f)
		die(strerror(errno), path);
	while ((line = read_line(f, &len)) != NULL) {
		const char *k = strstr(line, "\"text\"");
		long n;
		lineno++;
		if (!k)
			continue;
		k += 6;
		while (*k == ' ' || *k == ':')
			k++;
		if (*k != '"')
			continue;
		out = xrealloc(out, len * 4 + 4);
		n = json_string(k + 1, line + len, out);
		if (n < 0) {
			fprintf(stderr, "corpus-gen: %s:%lu: bad JSON string, line skipped\n", path, lineno);
			continue;
		}
		add_template(out, (size_t)n);
	}
	free(out);
	fclose(f);
}

static void load_tsv(const char *path, int col)
{
	FILE *f = fopen(path, "rb");
	char *line;
	size_t len;
	int header = 1;
	if (!f)
		die(strerror(errno), path);
	while ((line = read_line(f, &len)) != NULL) {
		char *p = line, *e;
		int c;
		if (header) {
			header = 0;
			continue;
		}
		for (c = 1; c < col && p; c++) {
			p = strchr(p, '\t');
			if (p)
				p++;
		}
		if (!p)
			continue;
		e = strchr(p, '\t');
		add_template(p, e ? (size_t)(e - p) : strlen(p));
	}
	fclose(f);
}

/* ---- variation ---- */

static int is_atext(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '=';
}

/* Length of an IPv4 address at p[i] (four dotted numbers of 1-3
 * digits, not part of a longer dotted number), or 0. */
static size_t ipv4_at(const char *p, size_t n, size_t i)
{
	size_t j = i;
	int part;
	if (i > 0 && (isalnum((unsigned char)p[i - 1]) || p[i - 1] == '.'))
		return 0;
	for (part = 0; part < 4; part++) {
		size_t k = 0;
		while (j < n && isdigit((unsigned char)p[j]) && k < 4) {
			j++;
			k++;
		}
		if (k == 0 || k > 3)
			return 0;
		if (part < 3) {
			if (j >= n || p[j] != '.')
				return 0;
			j++;
		}
	}
	if (j < n && (isalnum((unsigned char)p[j]) ||
	              (p[j] == '.' && j + 1 < n && isdigit((unsigned char)p[j + 1]))))
		return 0;
	return j - i;
}

static void emit(FILE *out, const char *s, size_t n)
{
	if (n && fwrite(s, 1, n, out) != n)
		die("cannot write output", strerror(errno));
}

/* Write template T with its variable parts redrawn. */
static size_t vary(FILE *out, const struct text *t)
{
	const char *p = t->s;
	size_t n = t->n, i = 0, done = 0, written = 0;
	static const char lower[] = "abcdefghijklmnopqrstuvwxyz";
	static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	static const char digit[] = "0123456789";

	while (i < n) {
		unsigned char c = (unsigned char)p[i];
		size_t k;
		/* a mail address: redraw the local part, keep the domain */
		if (c == '@' && i > 0 && is_atext((unsigned char)p[i - 1]) && i + 1 < n &&
		    isalnum((unsigned char)p[i + 1])) {
			size_t s = i, len, m;
			while (s > done && is_atext((unsigned char)p[s - 1]))
				s--;
			emit(out, p + done, s - done);
			written += s - done;
			len = 4 + below(9);
			for (m = 0; m < len; m++)
				putc(m && below(5) == 0 ? digit[below(10)] : lower[below(26)], out);
			written += len;
			done = i;
			i++;
			continue;
		}
		if (isdigit(c) && (k = ipv4_at(p, n, i)) != 0) {
			char buf[16];
			int len;
			emit(out, p + done, i - done);
			written += i - done;
			len = snprintf(buf, sizeof buf, "%u.%u.%u.%u", 1 + below(223), below(256),
			               below(256), 1 + below(254));
			emit(out, buf, (size_t)len);
			written += (size_t)len;
			i += k;
			done = i;
			continue;
		}
		if (isalnum(c) && (i == 0 || !isalnum((unsigned char)p[i - 1]))) {
			size_t e = i, digits = 0, m;
			while (e < n && isalnum((unsigned char)p[e])) {
				digits += isdigit((unsigned char)p[e]) != 0;
				e++;
			}
			/* an identifier: at least 8 characters with a digit, or 6 digits */
			if ((e - i >= 8 && digits > 0) || (digits == e - i && digits >= 6)) {
				emit(out, p + done, i - done);
				written += i - done;
				for (m = i; m < e; m++) {
					unsigned char d = (unsigned char)p[m];
					putc(isdigit(d) ? digit[below(10)] : isupper(d) ? upper[below(26)]
					                                                 : lower[below(26)],
					     out);
				}
				written += e - i;
				done = e;
			}
			i = e;
			continue;
		}
		i++;
	}
	emit(out, p + done, n - done);
	written += n - done;
	putc('\n', out);
	return written;
}

int main(int argc, char **argv)
{
	unsigned long long seed, nlines, i, total = 0;
	int a;
	char *end;

	if (argc < 4) {
		fputs("usage: corpus-gen SEED NLINES json:FILE|tsv:FILE:COL...\n", stderr);
		return 2;
	}
	seed = strtoull(argv[1], &end, 10);
	if (*end)
		die("bad seed", argv[1]);
	nlines = strtoull(argv[2], &end, 10);
	if (*end)
		die("bad line count", argv[2]);
	for (a = 3; a < argc; a++) {
		const char *s = argv[a];
		size_t before = ntpl;
		if (strncmp(s, "json:", 5) == 0)
			load_json(s + 5);
		else if (strncmp(s, "tsv:", 4) == 0) {
			size_t len = strlen(s + 4);
			char *path = xrealloc(NULL, len + 1), *colon;
			int col;
			memcpy(path, s + 4, len + 1);
			colon = strrchr(path, ':');
			if (!colon)
				die("tsv source needs :COLUMN", s);
			*colon = '\0';
			col = atoi(colon + 1);
			if (col < 1)
				die("bad column", s);
			load_tsv(path, col);
			free(path);
		} else
			die("unknown source (use json:FILE or tsv:FILE:COL)", s);
		fprintf(stderr, "corpus-gen: %zu templates from %s\n", ntpl - before, s);
	}
	if (ntpl == 0)
		die("no templates", NULL);

	rng_state = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
	if (rng_state == 0)
		rng_state = 1;
	for (i = 0; i < 16; i++)
		(void)rnd();
	for (i = 0; i < nlines; i++)
		total += vary(stdout, &tpl[below((unsigned)ntpl)]);
	if (fflush(stdout) != 0)
		die("cannot write output", strerror(errno));
	fprintf(stderr, "corpus-gen: %llu lines from %zu templates, mean length %.1f bytes\n",
	        nlines, ntpl, nlines ? (double)total / (double)nlines : 0.0);
	return 0;
}
