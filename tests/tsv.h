/* tsv.h - reading tab-separated test tables (the .tsv files under tests/
 * and the shared expectations). */
#ifndef REBOUND_TSV_H
#define REBOUND_TSV_H

#include <string.h>

/* Split LINE in place at tabs into at most MAX fields; returns how many. */
static inline int tsv_split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;
	f[n++] = p;
	while (n < max && (p = strchr(p, '\t')) != NULL) {
		*p++ = '\0';
		f[n++] = p;
	}
	return n;
}

/* Drop the line end (LF or CRLF) from S. */
static inline void tsv_chomp(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

#endif
