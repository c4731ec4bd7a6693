/*
 * parse.c - "rebound parse": read bounce messages from files, standard
 * input, maildirs, trees of files and mboxes, and write one record per
 * recipient (JSON Lines, TSV or text).
 *
 * The paths are collected first (directories expanded in sorted order,
 * so that output does not depend on the file system's order; without
 * the progress line a directory named on the command line is expanded
 * only when its turn comes), then each file is read or mapped into
 * memory and handed to rebound_parse, message by message for an mbox.  A file that cannot be read is reported on
 * standard error and skipped; the exit status says so at the end.
 */
/* for the entry types readdir gives (DT_REG, DT_DIR); without them
   every entry is stat'ed */
#define _DEFAULT_SOURCE 1
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "output.h"
#include "parse.h"
#include "summary.h"

/* Directory levels followed below a path given on the command line. */
#define PARSE_MAX_DEPTH 64

static void parse_usage(FILE *f)
{
	fputs("usage: rebound parse [OPTION]... PATH...\n"
	      "Read bounce messages and write one record per recipient.\n\n"
	      "PATH is a message file, '-' for standard input, an mbox file (it starts\n"
	      "with a \"From \" line), or a directory: a maildir (cur/ and new/) or any\n"
	      "tree of message files, read in sorted order; names starting with '.'\n"
	      "are skipped.\n\n"
	      "  -p, --profile NAME   use a profile of overrides (see 'rebound list profiles')\n"
	      "      --provider ID    assume this provider instead of detecting it\n"
	      "  -f, --format FMT     text, tsv or json (JSON Lines); default text\n"
	      "  -H, --header NAME    add the field NAME of the returned message to each\n"
	      "                       record (JSON \"headers\", a TSV column); repeatable\n"
	      "      --summary        one line per recipient instead: its events counted and\n"
	      "                       a decision (suppress, fix-sender, back-off, retry, ok,\n"
	      "                       review), as 'rebound log --summary' gives\n"
	      "      --soft-limit N   with --summary, suppress after N messages failing\n"
	      "                       softly for the mailbox's sake (default 5) ...\n"
	      "      --soft-days D    ... that span at least D days (default 3)\n"
	      "      --zone OFFSET    with --summary, the zone of dates that name none\n"
	      "                       (e.g. +01:00; default UTC)\n"
	      "      --progress       always show progress on standard error\n"
	      "      --no-progress    never show it (default: when standard error is a\n"
	      "                       terminal and the input is large)\n"
	      "  -h, --help           show this help\n\n"
	      "Exit status: 0 every input was read, 1 an input could not be read or the\n"
	      "output could not be written (the other inputs are still parsed), 2 usage error.\n",
	      f);
}

/* ---- the list of inputs ------------------------------------------- */

struct input {
	char *path;
	unsigned long long size; /* for the progress line; 0 if unknown */
	int regular;             /* known to be a regular file */
	int named;               /* named on the command line and not yet
	                            stat'ed: a directory is walked when reached */
};

struct inputs {
	struct input *v;
	size_t n, cap;
	int failed;        /* a path could not be listed */
	int sizes_unknown; /* some regular files were listed without a size */
};

static int inputs_push(struct inputs *in, const char *path, unsigned long long size, int regular)
{
	char *copy;
	if (in->n == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 64;
		struct input *v = realloc(in->v, cap * sizeof *v);
		if (!v)
			return -1;
		in->v = v;
		in->cap = cap;
	}
	copy = malloc(strlen(path) + 1);
	if (!copy)
		return -1;
	strcpy(copy, path);
	in->v[in->n].path = copy;
	in->v[in->n].size = size;
	in->v[in->n].regular = regular;
	in->v[in->n].named = 0;
	if (regular && !size)
		in->sizes_unknown = 1;
	in->n++;
	return 0;
}

static void inputs_free(struct inputs *in)
{
	size_t i;
	for (i = 0; i < in->n; i++)
		free(in->v[i].path);
	free(in->v);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join_path(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + b + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, a);
	if (a && dir[a - 1] != '/')
		p[a++] = '/';
	memcpy(p + a, name, b + 1);
	return p;
}

static void report_error(const char *path, const char *what)
{
	fprintf(stderr, "rebound: %s: %s\n", path, what);
}

/* The directories being walked, to refuse a link back to one of them. */
struct walk_level {
	dev_t dev;
	ino_t ino;
};

static void walk(struct inputs *in, const char *dir, struct walk_level *levels, unsigned depth);

/* Add PATH (already stat'ed into ST) to the inputs, walking it if it is
 * a directory. */
static void add_path(struct inputs *in, const char *path, const struct stat *st,
                     struct walk_level *levels, unsigned depth)
{
	if (S_ISDIR(st->st_mode)) {
		unsigned k;
		for (k = 0; k < depth; k++)
			if (levels[k].dev == st->st_dev && levels[k].ino == st->st_ino)
				return; /* a link to a directory above: already being read */
		if (depth >= PARSE_MAX_DEPTH) {
			report_error(path, "directories nested too deeply; skipped");
			in->failed = 1;
			return;
		}
		levels[depth].dev = st->st_dev;
		levels[depth].ino = st->st_ino;
		walk(in, path, levels, depth + 1);
		return;
	}
	if (inputs_push(in, path, S_ISREG(st->st_mode) ? (unsigned long long)st->st_size : 0,
	                S_ISREG(st->st_mode)) < 0) {
		report_error(path, strerror(ENOMEM));
		in->failed = 1;
	}
}

static void walk(struct inputs *in, const char *dir, struct walk_level *levels, unsigned depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int has_cur = 0, has_new = 0;

	if (!d) {
		report_error(dir, strerror(errno));
		in->failed = 1;
		return;
	}
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		char *copy;
		size_t len;
		if (e->d_name[0] == '.')
			continue; /* ".", "..", and hidden files such as .git or dovecot's indexes */
		if (n == cap) {
			char **v = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *v);
			if (!v)
				break;
			names = v;
		}
		/* the name, then a byte saying whether it is surely a regular
		   file, which spares a stat per message of a maildir */
		len = strlen(e->d_name);
		copy = malloc(len + 2);
		if (!copy)
			break;
		memcpy(copy, e->d_name, len + 1);
#ifdef DT_REG
		copy[len + 1] = e->d_type == DT_REG;
#else
		copy[len + 1] = 0;
#endif
		names[n++] = copy;
		has_cur |= strcmp(copy, "cur") == 0;
		has_new |= strcmp(copy, "new") == 0;
	}
	if (errno) {
		report_error(dir, strerror(errno));
		in->failed = 1;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, by_name);
	for (i = 0; i < n; i++) {
		char *path;
		struct stat st;
		int regular;
		/* a maildir's tmp/ holds messages still being written */
		if (has_cur && has_new && strcmp(names[i], "tmp") == 0) {
			free(names[i]);
			continue;
		}
		path = join_path(dir, names[i]);
		regular = names[i][strlen(names[i]) + 1];
		free(names[i]);
		if (!path) {
			report_error(dir, strerror(ENOMEM));
			in->failed = 1;
			continue;
		}
		if (regular) {
			if (inputs_push(in, path, 0, 1) < 0) {
				report_error(path, strerror(ENOMEM));
				in->failed = 1;
			}
		} else if (stat(path, &st) != 0) {
			report_error(path, strerror(errno));
			in->failed = 1;
		} else if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))
			add_path(in, path, &st, levels, depth);
		free(path);
	}
	free(names);
}

/* ---- reading a file ------------------------------------------------- */

struct loaded {
	const char *ptr;
	size_t len;
	void *map;  /* mmap'ed, to munmap */
	char *heap; /* read into memory, to free */
};

/* Read everything from FD into heap memory, after the HAVE bytes at
 * PREFIX (read from it already; may be NULL when HAVE is 0). */
static int read_all(int fd, const char *prefix, size_t have, struct loaded *l)
{
	size_t cap = 1 << 16, n = have;
	char *buf;
	while (cap <= have) {
		if (cap > SIZE_MAX / 2) {
			errno = EFBIG;
			return -1;
		}
		cap *= 2;
	}
	buf = malloc(cap);
	if (!buf)
		return -1;
	if (have)
		memcpy(buf, prefix, have);
	for (;;) {
		ssize_t got;
		if (n == cap) {
			char *nb;
			if (cap > SIZE_MAX / 2) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -1;
			}
			buf = nb;
			cap *= 2;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return -1;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	l->heap = buf;
	l->ptr = buf;
	l->len = n;
	return 0;
}

/* Files up to this size are read into one buffer reused from file to
 * file: for the small files of a maildir, mapping and unmapping each
 * one costs more system time than copying it.  Bigger ones (mboxes)
 * are mapped. */
#define PARSE_READ_MAX ((size_t)4 << 20)

struct reuse {
	char *buf;
	size_t cap;
};

/* Make R's buffer hold at least NEED bytes. */
static int reuse_grow(struct reuse *r, size_t need)
{
	size_t cap = r->cap ? r->cap : 1 << 16;
	char *nb;
	if (need <= r->cap)
		return 0;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			errno = EFBIG;
			return -1;
		}
		cap *= 2;
	}
	nb = realloc(r->buf, cap);
	if (!nb)
		return -1;
	r->buf = nb;
	r->cap = cap;
	return 0;
}

static void close_keep_errno(int fd)
{
	int e = errno;
	close(fd);
	errno = e;
}

/* read() on after a signal's interruption. */
static ssize_t read_some(int fd, char *buf, size_t want)
{
	ssize_t got;
	do
		got = read(fd, buf, want);
	while (got < 0 && errno == EINTR);
	return got;
}

/* Map regular file FD whole (ST: its fstat, or NULL to ask); 1 if done,
 * 0 if it cannot be. */
static int map_file(int fd, const struct stat *st, struct loaded *l)
{
	struct stat own;
	void *m;
	if (!st) {
		if (fstat(fd, &own) != 0)
			return 0;
		st = &own;
	}
	if (!S_ISREG(st->st_mode) || st->st_size <= 0 || (unsigned long long)st->st_size > SIZE_MAX)
		return 0;
	m = mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return 0;
	l->map = m;
	l->ptr = m;
	l->len = (size_t)st->st_size;
	return 1;
}

/* Read regular file FD (SIZE bytes when listed, 0 if unknown) into R's
 * buffer: open, read, close and nothing else for a message of a
 * maildir.  For a regular file read() returns less than asked only at
 * the end of the file (or when a signal handler interrupts it, and this
 * program installs none), so a short read ends the file without one
 * more call; a file that grows meanwhile is read as far as it then is.
 * A file found bigger than PARSE_READ_MAX is mapped instead.  HAVE bytes
 * of R's buffer were read from FD already. */
static int read_regular(int fd, size_t size, size_t have, struct reuse *r, struct loaded *l)
{
	size_t n = have;
	if (reuse_grow(r, (size < PARSE_READ_MAX ? size : PARSE_READ_MAX) + 1) < 0)
		return -1;
	for (;;) {
		size_t want;
		ssize_t got;
		if (n == r->cap) {
			if (n >= PARSE_READ_MAX && map_file(fd, NULL, l))
				return 0;
			if (reuse_grow(r, n + 1) < 0)
				return -1;
		}
		want = r->cap - n;
		got = read(fd, r->buf + n, want);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		n += (size_t)got;
		if ((size_t)got < want)
			break;
	}
	l->ptr = r->buf;
	l->len = n;
	return 0;
}

/* The directory of the last file opened, kept open so that the next
 * file of the same directory is opened by its name alone: the kernel
 * then looks up one name instead of every component of the path again
 * (about a fifth of the system time on a maildir). */
struct dircache {
	char *dir; /* the path up to its last '/', or NULL */
	size_t len;
	int fd; /* -1 when it could not be opened */
};

static void dircache_drop(struct dircache *c)
{
	if (c->dir && c->fd >= 0)
		close(c->fd);
	free(c->dir);
	c->dir = NULL;
	c->len = 0;
	c->fd = -1;
}

/* open(PATH, O_RDONLY), relative to C's directory when PATH is in it. */
static int open_in(struct dircache *c, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t len;
	if (!slash || !slash[1])
		return open(path, O_RDONLY);
	len = (size_t)(slash - path) + (slash == path); /* "/" for "/name" */
	if (!c->dir || c->len != len || memcmp(c->dir, path, len) != 0) {
		char *dir = malloc(len + 1);
		dircache_drop(c);
		if (!dir)
			return open(path, O_RDONLY);
		memcpy(dir, path, len);
		dir[len] = 0;
		c->dir = dir;
		c->len = len;
		/* a directory that can be searched but not read cannot be
		   opened: then every path is opened whole */
		c->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (c->fd < 0)
		return open(path, O_RDONLY);
	return openat(c->fd, slash + 1, O_RDONLY);
}

/* Load IN ("-" is standard input), small files into R; sets errno and
 * returns -1 on failure.  A directory fails with EISDIR, its fstat in
 * DIRST. */
static int load(const struct input *in, struct loaded *l, struct reuse *r, struct dircache *c,
                struct stat *dirst)
{
	struct stat st;
	size_t have = 0;
	int fd, rc;
	memset(l, 0, sizeof *l);
	if (strcmp(in->path, "-") == 0)
		return read_all(0, NULL, 0, l);
	fd = open_in(c, in->path);
	if (fd < 0)
		return -1;
	if (in->regular && in->size <= PARSE_READ_MAX) {
		rc = read_regular(fd, (size_t)in->size, 0, r, l);
		close_keep_errno(fd);
		return rc;
	}
#ifdef __linux__
	/* A path named on the command line, of a type not known yet: read
	 * it first and ask for its type only when that was not all.  Linux
	 * refuses to read a directory (EISDIR); a short read of a regular
	 * file is its end when the file's end is where the read stopped:
	 * lseek to the end, which costs about half a read and a third of an
	 * fstat, says so, and fails on a pipe, FIFO, socket or terminal.  A
	 * file whose end lies elsewhere (it grew; /proc and some network
	 * file systems read short) is put back where the read stopped.  For
	 * what cannot seek, a second read confirms the end (0) or waits for
	 * more. */
	if (!in->regular) {
		ssize_t got;
		if (reuse_grow(r, 1) < 0) {
			close_keep_errno(fd);
			return -1;
		}
		got = read_some(fd, r->buf, r->cap);
		if (got >= 0) {
			have = (size_t)got;
			if (have < r->cap) {
				off_t end = lseek(fd, 0, SEEK_END);
				if (end == (off_t)have) {
					close(fd);
					l->ptr = r->buf;
					l->len = have;
					return 0;
				}
				if (end >= 0 && lseek(fd, (off_t)have, SEEK_SET) < 0) {
					close_keep_errno(fd);
					return -1;
				}
			}
			if (have < r->cap) {
				got = read_some(fd, r->buf + have, r->cap - have);
				if (got == 0) {
					close(fd);
					l->ptr = r->buf;
					l->len = have;
					return 0;
				}
				if (got > 0)
					have += (size_t)got;
			}
		}
		if (got < 0 && errno != EISDIR) {
			close_keep_errno(fd);
			return -1;
		}
	}
#endif
	if (fstat(fd, &st) != 0) {
		close_keep_errno(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		*dirst = st;
		errno = EISDIR;
		return -1;
	}
	/* HAVE bytes are in R's buffer already: a file grown between the
	   reads, one bigger than the buffer, or a pipe */
	if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size <= PARSE_READ_MAX)
		rc = read_regular(fd, (size_t)st.st_size, have, r, l);
	else if (map_file(fd, &st, l))
		rc = 0; /* mapped from its start */
	else
		rc = read_all(fd, r->buf, have, l);
	close_keep_errno(fd);
	return rc;
}

static void unload(struct loaded *l)
{
	if (l->map)
		munmap(l->map, l->len);
	free(l->heap);
	memset(l, 0, sizeof *l);
}

/* ---- progress on standard error ------------------------------------ */

struct progress {
	int on;
	double start, last;
	size_t files_done, files_total;
	unsigned long long bytes_done, bytes_total;
	int width; /* of the last line shown, to erase it */
	int sizes_unknown; /* bytes_total misses files listed without a size */
};

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Show where we are, at most a few times a second, and only once the
 * work has gone on long enough to be worth watching (unless forced). */
static void progress_show(struct progress *p, unsigned long long bytes_in_file, int forced)
{
	double t;
	unsigned long long done;
	int pct;
	if (!p->on)
		return;
	t = now_seconds();
	if (!forced && (t - p->start < 0.5 || t - p->last < 0.2))
		return;
	p->last = t;
	done = p->bytes_done + bytes_in_file;
	if (p->sizes_unknown) {
		pct = p->files_total ? (int)(p->files_done * 100 / p->files_total) : 0;
		p->width = fprintf(stderr, "\rrebound parse: %zu/%zu files, %llu MB (%d%%)   ",
		                   p->files_done, p->files_total, done >> 20, pct);
		fflush(stderr);
		return;
	}
	pct = p->bytes_total ? (int)(done * 100 / p->bytes_total) : 0;
	if (pct > 100)
		pct = 100;
	p->width = fprintf(stderr, "\rrebound parse: %zu/%zu files, %llu/%llu MB (%d%%)   ",
	                   p->files_done, p->files_total, done >> 20, p->bytes_total >> 20, pct);
	fflush(stderr);
}

static void progress_end(struct progress *p)
{
	if (p->on && p->width > 0)
		fprintf(stderr, "\r%*s\r", p->width, "");
}

/* ---- writing records -------------------------------------------------- */

/* Most --header options */
#define MAX_HEADERS 16

struct writer {
	struct out *o;
	enum format format;
	const char *path;
	unsigned long message; /* index in an mbox, 0 when the file is one message */
	const char *const *headers; /* --header names */
	unsigned nheaders;
	struct summary *summary; /* with --summary: the records are folded into it */
	char **value_buf;        /* a --header value unfolded, grown as needed */
	size_t *value_cap;
	int nomem;
};

static const struct {
	unsigned flag;
	const char *name;
} record_flags[] = {
	{REBOUND_RECORD_TRUNCATED, "truncated"},
	{REBOUND_RECORD_RECIPIENTS_CUT, "recipients-cut"},
	{REBOUND_RECORD_MIME_LIMIT, "mime-limit"},
	{REBOUND_RECORD_SCAN_LIMIT, "scan-limit"},
	{REBOUND_RECORD_MALFORMED, "malformed"},
	{REBOUND_RECORD_GUESSED, "guessed"},
	{REBOUND_RECORD_NO_RECIPIENT, "no-recipient"},
};
#define NFLAGS (sizeof record_flags / sizeof record_flags[0])

/* The names of FLAGS separated by commas, each a JSON string if JSON. */
static void write_flags(struct out *o, unsigned flags, int json)
{
	size_t k;
	int first = 1;
	for (k = 0; k < NFLAGS; k++)
		if (flags & record_flags[k].flag) {
			if (!first)
				out_char(o, ',');
			first = 0;
			if (json)
				out_json_string(o, record_flags[k].name, strlen(record_flags[k].name));
			else
				out_str(o, record_flags[k].name);
		}
}

static void json_span(struct out *o, const char *key, struct rebound_span s)
{
	out_json_key(o, key);
	out_json_or_null(o, s.ptr, s.len);
}

static void json_cstr(struct out *o, const char *key, const char *s)
{
	out_json_key(o, key);
	out_json_or_null(o, s, s ? strlen(s) : 0);
}

static void json_uint(struct out *o, const char *key, unsigned long v)
{
	out_json_key(o, key);
	if (v)
		out_uint(o, v);
	else
		out_str(o, "null");
}

/* The status to show: what the classification settled on, else the
 * report's own field. */
static struct rebound_span record_status(const struct rebound_record *rec)
{
	struct rebound_span s;
	if (rec->result.status[0]) {
		s.ptr = rec->result.status;
		s.len = strlen(rec->result.status);
		return s;
	}
	return rec->status;
}

/* A --header value of the returned message, its folds undone into the
 * writer's buffer, which grows to the value's length: nothing is cut. */
static struct rebound_span record_header(struct writer *w, const struct rebound_record *rec,
                                         const char *name)
{
	struct rebound_span v, none = {NULL, 0};
	size_t i, n = 0, cap;
	char *buf;
	if (!rebound_header_field(rec->returned_headers, name, &v))
		return none;
	if (v.len > *w->value_cap) {
		char *p = realloc(*w->value_buf, v.len);
		if (!p) {
			w->nomem = 1;
			return none;
		}
		*w->value_buf = p;
		*w->value_cap = v.len;
	}
	buf = *w->value_buf;
	cap = *w->value_cap;
	for (i = 0; i < v.len && n < cap; i++) {
		unsigned char c = (unsigned char)v.ptr[i];
		if (c == '\r' || c == '\n') {
			/* a fold: its line end and leading blanks become one space */
			while (i + 1 < v.len && isspace((unsigned char)v.ptr[i + 1]))
				i++;
			c = ' ';
		}
		buf[n++] = (char)c;
	}
	v.ptr = buf;
	v.len = n;
	return v;
}

static void write_json(struct writer *w, const struct rebound_record *rec, int bounce)
{
	struct out *o = w->o;
	const struct rebound_result *r = &rec->result;
	const struct rebound_class *c = r->cls;

	out_str(o, "{\"file\":");
	out_json_string(o, w->path, strlen(w->path));
	if (w->message) {
		out_json_key(o, "message");
		out_uint(o, w->message);
	}
	json_cstr(o, "kind", rebound_kind_name(rec->kind));
	json_span(o, "recipient", rec->recipient);
	json_span(o, "original_recipient", rec->original_recipient);
	json_span(o, "action", rec->action);
	json_span(o, "status", record_status(rec));
	json_uint(o, "reply", r->reply);
	json_span(o, "diagnostic", rec->diagnostic);
	json_span(o, "remote_mta", rec->remote_mta);
	json_span(o, "reporting_mta", rec->reporting_mta);
	json_cstr(o, "provider", r->provider ? r->provider->id : NULL);
	json_cstr(o, "class", bounce ? c->name : NULL);
	json_cstr(o, "type", bounce ? rebound_type_name(r->type) : NULL);
	json_cstr(o, "blame", bounce ? rebound_blame_name(c->blame) : NULL);
	json_cstr(o, "next_action", bounce ? rebound_action_name(c->action) : NULL);
	json_cstr(o, "sisimai", bounce ? c->sisimai : NULL);
	json_uint(o, "bounce_code", bounce ? (unsigned long)c->bounce_code : 0);
	json_cstr(o, "rule", bounce ? r->rule->id : NULL);
	json_span(o, "date", rec->date);
	json_span(o, "subject", rec->subject);
	json_span(o, "message_id", rec->message_id);
	json_span(o, "sender", rec->sender);
	json_span(o, "feedback_type", rec->feedback_type);
	if (w->nheaders) {
		unsigned k;
		out_json_key(o, "headers");
		for (k = 0; k < w->nheaders; k++) {
			out_char(o, k ? ',' : '{');
			out_json_string(o, w->headers[k], strlen(w->headers[k]));
			out_char(o, ':');
			struct rebound_span v = record_header(w, rec, w->headers[k]);
			out_json_or_null(o, v.ptr, v.len);
		}
		out_char(o, '}');
	}
	out_json_key(o, "flags");
	out_char(o, '[');
	write_flags(o, rec->flags, 1);
	out_str(o, "]}\n");
}

static const char tsv_header[] =
	"file\tmessage\tkind\trecipient\toriginal_recipient\taction\tstatus\treply\ttype\tclass\t"
	"blame\tnext_action\tprovider\trule\tsisimai\tbounce_code\tremote_mta\tdate\t"
	"feedback_type\tmessage_id\tsender\tflags";

static void tsv_span(struct out *o, struct rebound_span s) { out_tsv_cell(o, s.ptr, s.len); }
static void tsv_str(struct out *o, const char *s) { out_tsv_cell(o, s, strlen(s)); }

static void write_tsv(struct writer *w, const struct rebound_record *rec, int bounce)
{
	struct out *o = w->o;
	const struct rebound_result *r = &rec->result;
	const struct rebound_class *c = r->cls;
	unsigned k;

	tsv_str(o, w->path);
	if (w->message)
		out_uint(o, w->message);
	out_char(o, '\t');
	tsv_str(o, rebound_kind_name(rec->kind));
	tsv_span(o, rec->recipient);
	tsv_span(o, rec->original_recipient);
	tsv_span(o, rec->action);
	tsv_span(o, record_status(rec));
	if (r->reply)
		out_uint(o, r->reply);
	out_char(o, '\t');
	tsv_str(o, bounce ? rebound_type_name(r->type) : "");
	tsv_str(o, bounce ? c->name : "");
	tsv_str(o, bounce ? rebound_blame_name(c->blame) : "");
	tsv_str(o, bounce ? rebound_action_name(c->action) : "");
	tsv_str(o, r->provider ? r->provider->id : "");
	tsv_str(o, bounce ? r->rule->id : "");
	tsv_str(o, bounce ? c->sisimai : "");
	if (bounce && c->bounce_code)
		out_uint(o, (unsigned long)c->bounce_code);
	out_char(o, '\t');
	tsv_span(o, rec->remote_mta);
	tsv_span(o, rec->date);
	tsv_span(o, rec->feedback_type);
	tsv_span(o, rec->message_id);
	tsv_span(o, rec->sender);
	write_flags(o, rec->flags, 0);
	out_char(o, '\t');
	for (k = 0; k < w->nheaders; k++)
		tsv_span(o, record_header(w, rec, w->headers[k]));
	if (rec->diagnostic.len)
		out_tsv_field(o, rec->diagnostic.ptr, rec->diagnostic.len);
	out_char(o, '\n');
}

/* For people: where, what kind, who, the status, then the verdict in
 * the same layout as "rebound classify". */
static void write_text(struct writer *w, const struct rebound_record *rec, int bounce)
{
	struct out *o = w->o;
	struct rebound_span st = record_status(rec);
	out_str(o, w->path);
	if (w->message) {
		out_char(o, '#');
		out_uint(o, w->message);
	}
	out_str(o, ": ");
	out_str(o, rebound_kind_name(rec->kind));
	if (!bounce) {
		out_char(o, '\n');
		return;
	}
	out_char(o, ' ');
	if (rec->recipient.len)
		out_bytes(o, rec->recipient.ptr, rec->recipient.len);
	else
		out_str(o, "(no recipient)");
	out_char(o, ' ');
	if (st.len)
		out_bytes(o, st.ptr, st.len);
	else
		out_char(o, '-');
	out_str(o, "  ");
	out_classify(o, FORMAT_TEXT, "", 0, &rec->result);
}

/* A record as an event of the summary; a message that is no bounce is
 * none. */
static void add_to_summary(struct writer *w, const struct rebound_record *rec)
{
	enum summary_event ev;
	switch (rec->kind) {
	case REBOUND_KIND_NOT_BOUNCE: return;
	case REBOUND_KIND_FEEDBACK: ev = SUMMARY_COMPLAINT; break;
	case REBOUND_KIND_AUTOREPLY: ev = SUMMARY_AUTOREPLY; break;
	case REBOUND_KIND_DELIVERED: ev = SUMMARY_DELIVERED; break;
	default:
		ev = rec->action.len >= 7 && memcmp(rec->action.ptr, "delayed", 7) == 0   ? SUMMARY_DELAYED
		     : rec->action.len >= 7 && memcmp(rec->action.ptr, "expired", 7) == 0 ? SUMMARY_EXPIRED
		                                                                         : SUMMARY_FAILED;
	}
	/* notices about one sent message (a delay, then its failure) share
	   the Message-ID of the copy they return; without one, each notice
	   stands for a message of its own */
	if (summary_add(w->summary, rec->recipient.ptr, rec->recipient.len, ev, &rec->result,
	                rec->date.ptr, rec->date.len, rec->message_id.ptr, rec->message_id.len,
	                w->path, w->message) < 0)
		w->nomem = 1;
}

static int on_record(void *ctx, const struct rebound_record *rec)
{
	struct writer *w = ctx;
	/* a message that is no bounce gets no verdict fields */
	int bounce = rec->kind != REBOUND_KIND_NOT_BOUNCE;
	if (w->summary) {
		add_to_summary(w, rec);
		return w->nomem;
	}
	if (w->format == FORMAT_JSON)
		write_json(w, rec, bounce);
	else if (w->format == FORMAT_TSV)
		write_tsv(w, rec, bounce);
	else
		write_text(w, rec, bounce);
	return w->o->failed; /* no point going on once output fails */
}

/* ---- the command ------------------------------------------------------- */

struct parse_run {
	struct rebound_query q;
	struct out o;
	struct progress progress;
	char *scratch;
	size_t scratch_cap;
	char *value_buf; /* see struct writer */
	size_t value_cap;
	struct reuse file; /* the buffer small files are read into */
	struct dircache dir;
	enum format format;
	const char *headers[MAX_HEADERS];
	unsigned nheaders;
	int status;
	struct summary *summary;
};

/* Parse one message of a file; MESSAGE is its mbox index or 0. */
static void parse_message(struct parse_run *run, const char *path, const char *msg, size_t len,
                          unsigned long message)
{
	struct writer w;
	size_t need;
	int rc;
	if (len > SIZE_MAX - REBOUND_PARSE_SCRATCH_FIXED) {
		report_error(path, strerror(EFBIG));
		run->status = 1;
		return;
	}
	need = REBOUND_PARSE_SCRATCH(len);
	if (need > run->scratch_cap) {
		free(run->scratch);
		run->scratch = malloc(need);
		run->scratch_cap = run->scratch ? need : 0;
		if (!run->scratch) {
			report_error(path, strerror(ENOMEM));
			run->status = 1;
			return;
		}
	}
	w.o = &run->o;
	w.format = run->format;
	w.path = path;
	w.message = message;
	w.headers = run->headers;
	w.nheaders = run->nheaders;
	w.summary = run->summary;
	w.value_buf = &run->value_buf;
	w.value_cap = &run->value_cap;
	w.nomem = 0;
	if (run->summary)
		summary_begin_input(run->summary); /* messages are not in time order */
	rc = rebound_parse(msg, len, &run->q, run->scratch, run->scratch_cap, on_record, &w);
	if (w.nomem) {
		report_error(path, strerror(ENOMEM));
		run->status = 1;
	}
	if (rc < 0) {
		report_error(path, rebound_strerror(rc));
		run->status = 1;
	}
}

static void collect_path(struct inputs *in, const char *path, const struct stat *st);
static void parse_inputs(struct parse_run *run, const struct inputs *in, int last_forced);

/* Returns the number of bytes read. */
static size_t parse_file(struct parse_run *run, const struct input *in)
{
	struct loaded l;
	struct stat dirst;
	size_t len;
	if (load(in, &l, &run->file, &run->dir, &dirst) != 0) {
		if (errno == EISDIR && in->named) {
			/* a directory named on the command line, listed only now */
			struct inputs sub;
			memset(&sub, 0, sizeof sub);
			collect_path(&sub, in->path, &dirst);
			if (sub.failed)
				run->status = 1;
			parse_inputs(run, &sub, 0);
			inputs_free(&sub);
			return 0;
		}
		report_error(in->path, strerror(errno));
		run->status = 1;
		return 0;
	}
	if (l.len >= 5 && memcmp(l.ptr, "From ", 5) == 0) {
		/* an mbox: every message on its own, numbered from 1 */
		struct rebound_span m;
		size_t pos = 0;
		unsigned long index = 0;
		while (rebound_mbox_next(l.ptr, l.len, &pos, &m) && !run->o.failed) {
			parse_message(run, in->path, m.ptr, m.len, ++index);
			progress_show(&run->progress, pos, 0);
		}
	} else
		parse_message(run, in->path, l.ptr, l.len, 0);
	len = l.len;
	unload(&l);
	return len;
}

/* Parse every input of IN in order; LAST_FORCED: show the progress
 * line after the last one whatever the time. */
static void parse_inputs(struct parse_run *run, const struct inputs *in, int last_forced)
{
	size_t k;
	for (k = 0; k < in->n && !run->o.failed; k++) {
		size_t len = parse_file(run, &in->v[k]);
		run->progress.files_done++;
		run->progress.bytes_done += in->v[k].size ? in->v[k].size : len;
		progress_show(&run->progress, 0, last_forced && k + 1 == in->n);
	}
}

/* Add PATH, stat'ed into ST, walking it if it is a directory. */
static void collect_path(struct inputs *in, const char *path, const struct stat *st)
{
	struct walk_level levels[PARSE_MAX_DEPTH];
	add_path(in, path, st, levels, 0);
}

/* Expand the paths of the command line into the list of inputs.  With
 * LAZY (no progress line, which needs the totals first) a path is not
 * stat'ed here: it is opened when its turn comes, and walked then if it
 * is a directory, which spares a lookup of the whole path per file. */
static void collect_inputs(struct inputs *in, char **paths, int n, int lazy)
{
	int i;
	for (i = 0; i < n; i++) {
		struct stat st;
		if (strcmp(paths[i], "-") == 0 || lazy) {
			if (inputs_push(in, paths[i], 0, 0) < 0) {
				report_error(paths[i], strerror(ENOMEM));
				in->failed = 1;
			} else
				in->v[in->n - 1].named = strcmp(paths[i], "-") != 0;
		} else if (stat(paths[i], &st) != 0) {
			report_error(paths[i], strerror(errno));
			in->failed = 1;
		} else
			collect_path(in, paths[i], &st);
	}
}

int cmd_parse(int argc, char **argv)
{
	struct parse_run run;
	struct inputs in;
	struct rebound_result probe;
	char **paths;
	int i, npaths = 0, progress = -1, only_paths = 0, err, summary = 0;
	unsigned soft_limit = SUMMARY_SOFT_LIMIT, soft_days = SUMMARY_SOFT_DAYS;
	long long as_of = (long long)time(NULL), zone = 0;
	size_t k;
	const char *v;

	memset(&run, 0, sizeof run);
	memset(&in, 0, sizeof in);
	run.format = FORMAT_TEXT;
	paths = calloc((size_t)argc + 1, sizeof *paths);
	if (!paths) {
		fprintf(stderr, "rebound: %s\n", strerror(ENOMEM));
		return 1;
	}
	/* the options first, so that a usage error reads no input */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (only_paths || a[0] != '-' || !a[1]) {
			paths[npaths++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0)
			only_paths = 1;
		else if ((v = option_value(argc, argv, &i, "--profile", "-p")))
			run.q.profile = v;
		else if ((v = option_value(argc, argv, &i, "--provider", NULL)))
			run.q.provider = v;
		else if ((v = option_value(argc, argv, &i, "--format", "-f"))) {
			if (parse_format(v, &run.format) < 0) {
				fprintf(stderr, "rebound: unknown format '%s' (use text, tsv or json)\n", v);
				free(paths);
				return 2;
			}
		} else if ((v = option_value(argc, argv, &i, "--header", "-H"))) {
			if (run.nheaders == MAX_HEADERS || !*v || strchr(v, ':')) {
				fprintf(stderr, "rebound: --header takes a field name without ':', "
				                "at most %d times\n", MAX_HEADERS);
				free(paths);
				return 2;
			}
			run.headers[run.nheaders++] = v;
		} else if (strcmp(a, "--summary") == 0)
			summary = 1;
		else if ((err = summary_option(argc, argv, &i, &soft_limit, &soft_days, &as_of, &zone)) != 0) {
			if (err < 0) {
				free(paths);
				return 2;
			}
		} else if (strcmp(a, "--progress") == 0)
			progress = 1;
		else if (strcmp(a, "--no-progress") == 0)
			progress = 0;
		else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			parse_usage(stdout);
			free(paths);
			return 0;
		} else {
			fprintf(stderr, "rebound: unknown option '%s'\n", a);
			free(paths);
			return 2;
		}
	}
	if (!npaths) {
		parse_usage(stderr);
		free(paths);
		return 2;
	}
	/* an unknown profile or provider is a usage error too */
	err = rebound_classify("", 0, &run.q, &probe);
	if (err < 0) {
		fprintf(stderr, "rebound: %s '%s' (see 'rebound list %s')\n",
		        err == REBOUND_EPROFILE ? "unknown profile" : "unknown provider",
		        err == REBOUND_EPROFILE ? run.q.profile : run.q.provider,
		        err == REBOUND_EPROFILE ? "profiles" : "providers");
		free(paths);
		return 2;
	}

	/* the progress line needs the number and sizes of the files first;
	   without it (the usual case when the output goes to a program) the
	   named paths are looked up only when read */
	if (summary && !(run.summary = summary_new(soft_limit, soft_days, as_of, zone))) {
		fprintf(stderr, "rebound: %s\n", strerror(ENOMEM));
		free(paths);
		return 1;
	}
	collect_inputs(&in, paths, npaths, !(progress == 1 || (progress < 0 && isatty(2))));
	free(paths);
	run.status = in.failed;
	run.dir.fd = -1;
	run.progress.files_total = in.n;
	run.progress.sizes_unknown = in.sizes_unknown;
	for (k = 0; k < in.n; k++)
		run.progress.bytes_total += in.v[k].size;
	run.progress.on =
		progress == 1 || (progress < 0 && isatty(2) &&
		                  (in.n >= 200 || run.progress.bytes_total >= ((unsigned long long)64 << 20)));
	run.progress.start = now_seconds();
	run.progress.last = progress == 1 ? -1.0 : run.progress.start;

	out_init(&run.o, stdout);
	if (run.format == FORMAT_TSV && !run.summary) {
		out_str(&run.o, tsv_header);
		for (k = 0; k < run.nheaders; k++) {
			out_str(&run.o, "\theader:");
			out_tsv_field(&run.o, run.headers[k], strlen(run.headers[k]));
		}
		out_str(&run.o, "\tdiagnostic\n");
	}
	parse_inputs(&run, &in, progress == 1);
	progress_end(&run.progress);
	if (run.summary)
		summary_write(run.summary, &run.o, run.format);
	out_flush(&run.o);
	if (run.o.failed || fflush(stdout) != 0) {
		fprintf(stderr, "rebound: cannot write output: %s\n", strerror(errno));
		run.status = 1;
	}
	summary_free(run.summary);
	free(run.o.buf);
	free(run.scratch);
	free(run.value_buf);
	free(run.file.buf);
	dircache_drop(&run.dir);
	inputs_free(&in);
	return run.status ? 1 : 0;
}
