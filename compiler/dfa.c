/*
 * dfa.c - NFA to DFA, minimisation, canonical numbering.
 *
 * The DFA searches: every pattern not anchored with '^' may start at any
 * position.  Instead of carrying those start states in every subset we
 * keep them implicit (the "background") and add their moves in at each
 * step, so subsets hold only patterns in progress.
 *
 * Canonical form: states are numbered breadth-first from the start
 * state, trying symbol classes in ascending order, with the states that
 * end an atom placed last.  Each state is named after the shortest text
 * that reaches it, so generated tables refer to states by name and a
 * small change of the patterns gives a small change of the output.
 * dfa_order_by_use then moves the states the examples visit most to the
 * front, in coarse tiers, keeping that order within each tier.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dfa.h"

/* ---- integer sets ---- */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

struct builder {
	const struct nfa *n;
	int nclasses;
	int *class_of;           /* [NSYM] */
	uint8_t *in_set;         /* [nsets * nclasses]: does set include class */
	int *stamp, gen;         /* for closures */
	int *background;         /* [nstates]: member of the background */
	int *stack;
	VEC(int) tmp;
	/* DFA states as sorted NFA-state sets in one pool */
	VEC(int) pool;
	VEC(int) off;            /* start of each set in pool; set i ends at off[i+1] */
	int *hash;               /* open addressing: DFA state + 1, 0 empty */
	int hcap;
	VEC(int) trans;
	int max_states;
	int **root_move;         /* per class: sorted set, and sizes */
	int *root_len;
};

static unsigned hash_set(const int *v, int n)
{
	unsigned h = 2166136261u;
	int i;
	for (i = 0; i < n; i++) {
		h ^= (unsigned)v[i];
		h *= 16777619u;
	}
	return h ^ (unsigned)n;
}

static int set_len(const struct builder *b, int s)
{
	return b->off.v[s + 1] - b->off.v[s];
}

static void rehash(struct builder *b)
{
	int cap = b->hcap ? b->hcap * 2 : 1024, i, nstates = b->off.n - 1;
	free(b->hash);
	b->hash = xcalloc((size_t)cap, sizeof *b->hash);
	b->hcap = cap;
	for (i = 0; i < nstates; i++) {
		unsigned h = hash_set(&b->pool.v[b->off.v[i]], set_len(b, i)) & (unsigned)(cap - 1);
		while (b->hash[h])
			h = (h + 1) & (unsigned)(cap - 1);
		b->hash[h] = i + 1;
	}
}

/* The DFA state for sorted set V, created if new; -1 past the limit. */
static int intern(struct builder *b, const int *v, int n)
{
	unsigned h;
	int nstates = b->off.n - 1, i;
	if ((nstates + 1) * 2 > b->hcap)
		rehash(b);
	h = hash_set(v, n) & (unsigned)(b->hcap - 1);
	while (b->hash[h]) {
		int s = b->hash[h] - 1;
		if (set_len(b, s) == n && memcmp(&b->pool.v[b->off.v[s]], v, (size_t)n * sizeof *v) == 0)
			return s;
		h = (h + 1) & (unsigned)(b->hcap - 1);
	}
	if (nstates >= b->max_states)
		return -1;
	for (i = 0; i < n; i++)
		vec_push(&b->pool, v[i]);
	vec_push(&b->off, b->pool.n);
	b->hash[h] = nstates + 1;
	return nstates;
}

/* Close b->tmp under epsilon moves, sort it, drop background states.
 * States that only lead on (no symbol to read, no atom to accept) are
 * left out of the set: two sets that differ only in those behave alike,
 * and keeping them would make the construction build the same state
 * twice, for minimisation to merge again. */
static void close_tmp(struct builder *b, int drop_background)
{
	int sp = 0, i, n = 0;
	b->gen++;
	for (i = 0; i < b->tmp.n; i++)
		if (b->stamp[b->tmp.v[i]] != b->gen) {
			b->stamp[b->tmp.v[i]] = b->gen;
			b->stack[sp++] = b->tmp.v[i];
		}
	b->tmp.n = 0;
	while (sp) {
		int s = b->stack[--sp];
		const struct nfa_state *x = &b->n->st.v[s];
		if (x->set >= 0 || x->atom >= 0)
			vec_push(&b->tmp, s);
		if (x->eps1 >= 0 && b->stamp[x->eps1] != b->gen) {
			b->stamp[x->eps1] = b->gen;
			b->stack[sp++] = x->eps1;
		}
		if (x->eps2 >= 0 && b->stamp[x->eps2] != b->gen) {
			b->stamp[x->eps2] = b->gen;
			b->stack[sp++] = x->eps2;
		}
	}
	qsort(b->tmp.v, (size_t)b->tmp.n, sizeof *b->tmp.v, cmp_int);
	if (drop_background) {
		for (i = 0; i < b->tmp.n; i++)
			if (!b->background[b->tmp.v[i]])
				b->tmp.v[n++] = b->tmp.v[i];
		b->tmp.n = n;
	}
}

/* Set b->tmp to the symbol-class-C successors of the NFA states V. */
static void move(struct builder *b, const int *v, int n, int c)
{
	int i;
	b->tmp.n = 0;
	for (i = 0; i < n; i++) {
		const struct nfa_state *x = &b->n->st.v[v[i]];
		if (x->set >= 0 && b->in_set[x->set * b->nclasses + c])
			vec_push(&b->tmp, x->next);
	}
}

static void compute_classes(const struct nfa *n, struct dfa *d, int *class_of)
{
	int words = (n->sets.n + 63) / 64, sym, i, j, nclasses = 0;
	uint64_t *sig = xcalloc((size_t)NSYM * (size_t)(words ? words : 1), sizeof *sig);
	int *first = xmalloc(NSYM * sizeof *first);
	int nsyms = n->uses_eof ? NSYM : 256;

	for (i = 0; i < n->sets.n; i++)
		for (sym = 0; sym < nsyms; sym++)
			if (charset_has(&n->sets.v[i], sym))
				sig[sym * words + i / 64] |= (uint64_t)1 << (i % 64);
	/* classes numbered by their smallest symbol, which makes them
	 * canonical; a byte of 128 and up never shares a class with an ASCII
	 * byte, so that the runtime can take every such byte the same way */
	for (sym = 0; sym < nsyms; sym++) {
		class_of[sym] = -1;
		for (j = 0; j < nclasses; j++)
			if ((first[j] >= 128 && first[j] < 256) == (sym >= 128 && sym < 256) &&
			    memcmp(&sig[first[j] * words], &sig[sym * words],
			           (size_t)words * sizeof *sig) == 0) {
				class_of[sym] = j;
				break;
			}
		if (class_of[sym] < 0) {
			first[nclasses] = sym;
			class_of[sym] = nclasses++;
		}
	}
	/* then those with an ASCII byte or the end mark first, those of bytes
	 * of 128 and up alone after them: the runtime gives only the first
	 * kind a column of their own (ASCII text never reads the others) */
	{
		int *renum = xmalloc(NSYM * sizeof *renum), *f2 = xmalloc(NSYM * sizeof *f2), k = 0, pass;
		for (pass = 0; pass < 2; pass++)
			for (j = 0; j < nclasses; j++)
				if ((first[j] >= 128 && first[j] < 256) == pass) {
					renum[j] = k;
					f2[k++] = first[j];
				}
		for (j = 0; j < nclasses; j++)
			first[j] = f2[j];
		for (sym = 0; sym < nsyms; sym++)
			class_of[sym] = renum[class_of[sym]];
		for (d->ndense = 0; d->ndense < nclasses; d->ndense++)
			if (first[d->ndense] >= 128 && first[d->ndense] < 256)
				break;
		free(renum);
		free(f2);
	}
	if (!n->uses_eof)
		class_of[SYM_EOF] = -1;
	d->nclasses = nclasses;
	for (sym = 0; sym < 256; sym++)
		d->byte_class[sym] = (uint8_t)class_of[sym];
	d->eof_class = n->uses_eof ? class_of[SYM_EOF] : -1;
	for (j = 0; j < nclasses; j++)
		d->class_rep[j] = first[j];
	free(sig);
	free(first);
}

/* ---- minimisation (Moore's partition refinement) ---- */

/* Two -1-terminated atom lists, compared without reading past the shorter. */
static int same_atom_list(const int *a, const int *b)
{
	size_t i = 0;
	while (a[i] == b[i] && a[i] >= 0)
		i++;
	return a[i] == b[i];
}

static int *minimise(int nstates, int nclasses, const int *trans, int **accept, int *nblocks_out)
{
	int *block = xmalloc((size_t)nstates * sizeof *block);
	int *next = xmalloc((size_t)nstates * sizeof *next);
	int *sig = xmalloc((size_t)(nclasses + 1) * sizeof *sig);
	int nblocks = 0, s, c, cap = 1024, *table = NULL, *sigs = NULL, nsig;

	/* first split: by the atoms a state ends, blocks numbered in order of
	 * first appearance (a hash of the lists keeps this linear) */
	while (cap < nstates * 2)
		cap *= 2;
	table = xcalloc((size_t)cap, sizeof *table);
	for (s = 0; s < nstates; s++) {
		int n = 0;
		unsigned h;
		while (accept[s][n] >= 0)
			n++;
		h = hash_set(accept[s], n) & (unsigned)(cap - 1);
		for (;;) {
			int t = table[h] - 1;
			if (t < 0) {
				table[h] = s + 1;
				block[s] = nblocks++;
				break;
			}
			if (same_atom_list(accept[s], accept[t])) {
				block[s] = block[t];
				break;
			}
			h = (h + 1) & (unsigned)(cap - 1);
		}
	}
	free(table);

	for (;;) {
		int nnew = 0;
		while (cap < nstates * 2)
			cap *= 2;
		table = xcalloc((size_t)cap, sizeof *table);
		sigs = xmalloc((size_t)nstates * (size_t)(nclasses + 1) * sizeof *sigs);
		nsig = 0;
		for (s = 0; s < nstates; s++) {
			unsigned h;
			sig[0] = block[s];
			for (c = 0; c < nclasses; c++)
				sig[c + 1] = block[trans[s * nclasses + c]];
			h = hash_set(sig, nclasses + 1) & (unsigned)(cap - 1);
			for (;;) {
				if (!table[h]) {
					memcpy(&sigs[nsig * (nclasses + 1)], sig,
					       (size_t)(nclasses + 1) * sizeof *sig);
					table[h] = ++nsig;
					next[s] = nnew++;
					break;
				}
				if (memcmp(&sigs[(table[h] - 1) * (nclasses + 1)], sig,
				           (size_t)(nclasses + 1) * sizeof *sig) == 0) {
					next[s] = table[h] - 1;
					break;
				}
				h = (h + 1) & (unsigned)(cap - 1);
			}
		}
		free(table);
		free(sigs);
		memcpy(block, next, (size_t)nstates * sizeof *block);
		if (nnew == nblocks)
			break;
		nblocks = nnew;
	}
	free(next);
	free(sig);
	*nblocks_out = nblocks;
	return block;
}

/* ---- names ---- */

static char *state_name(const struct dfa *d, const int *path, int len)
{
	char buf[512];
	size_t n = 0;
	int i;
	for (i = 0; i < len && n < sizeof buf - 8; i++) {
		int sym = d->class_rep[path[i]];
		if (sym >= 'A' && sym <= 'Z')
			sym += 32;
		if ((sym >= 'a' && sym <= 'z') || (sym >= '0' && sym <= '9'))
			buf[n++] = (char)sym;
		else if (d->byte_class[' '] == path[i])
			buf[n++] = '_'; /* the white-space class reads as a word break */
		else if (sym == SYM_EOF)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "_eof");
		else
			n += (size_t)snprintf(buf + n, sizeof buf - n, "_%02x", sym);
	}
	buf[n] = '\0';
	/* long names are cut and made unique again with a hash of the whole */
	if (n > 28) {
		unsigned h = hash_set(path, len);
		snprintf(buf + 20, sizeof buf - 20, "_%08x", h);
	}
	return xstrdup(buf);
}

/*
 * Names cut short may still collide: make them unique in order.  Name i
 * gets "_K" appended when K earlier names (as they stand after their own
 * renaming) equal it.  A hash of the names seen so far and how often
 * keeps this linear; a rule base has tens of thousands of states.
 */
static unsigned hash_name(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static void unique_names(char **names, int n)
{
	int cap = 1024, i;
	int *seen, *count;
	while (cap < n * 2)
		cap *= 2;
	seen = xcalloc((size_t)cap, sizeof *seen); /* name index + 1 */
	count = xcalloc((size_t)cap, sizeof *count);
	for (i = 0; i < n; i++) {
		unsigned h = hash_name(names[i]) & (unsigned)(cap - 1);
		while (seen[h] && strcmp(names[seen[h] - 1], names[i]) != 0)
			h = (h + 1) & (unsigned)(cap - 1);
		if (seen[h]) {
			char buf[600];
			snprintf(buf, sizeof buf, "%s_%d", names[i], count[h]);
			free(names[i]);
			names[i] = xstrdup(buf);
			h = hash_name(names[i]) & (unsigned)(cap - 1);
			while (seen[h] && strcmp(names[seen[h] - 1], names[i]) != 0)
				h = (h + 1) & (unsigned)(cap - 1);
		}
		if (!seen[h])
			seen[h] = i + 1;
		count[h]++;
	}
	free(seen);
	free(count);
}

/* With COUNT_ONLY, stop after the subset construction (the states the
 * limit is about) and return their number. */
/* Fill WHY from the states built before B passed its limit. */
static void explain_refusal(const struct builder *b, struct dfa_refusal *why)
{
	int i, c, k;
	memset(why->held, 0, (size_t)b->n->st.n * sizeof *why->held);
	for (i = 0; i < b->pool.n; i++)
		why->held[b->pool.v[i]]++;
	why->work = b->pool.n;
	for (c = 0; c < b->nclasses; c++)
		for (k = 0; k < b->root_len[c]; k++)
			why->held[b->root_move[c][k]] = 0;
}

static int build(const struct nfa *n, int max_states, struct dfa *d, int count_only,
                 struct dfa_refusal *why)
{
	struct builder b;
	int c, s, i, nstates, nblocks, *block, *order, *pos, *parent, *via, head, tail;
	int *acc_atoms;
	int **accept;

	memset(d, 0, sizeof *d);
	memset(&b, 0, sizeof b);
	/* never NULL, even with no patterns at all: memcpy and qsort need that */
	b.tmp.v = vec_grow(NULL, &b.tmp.cap, 1, sizeof *b.tmp.v);
	b.pool.v = vec_grow(NULL, &b.pool.cap, 1, sizeof *b.pool.v);
	b.n = n;
	b.max_states = max_states;
	b.class_of = xmalloc(NSYM * sizeof *b.class_of);
	compute_classes(n, d, b.class_of);
	b.nclasses = d->nclasses;
	b.in_set = xcalloc((size_t)(n->sets.n ? n->sets.n : 1) * (size_t)b.nclasses, 1);
	for (i = 0; i < n->sets.n; i++)
		for (c = 0; c < b.nclasses; c++)
			b.in_set[i * b.nclasses + c] = (uint8_t)charset_has(&n->sets.v[i], d->class_rep[c]);
	b.stamp = xcalloc((size_t)n->st.n + 1, sizeof *b.stamp);
	b.stack = xmalloc(((size_t)n->st.n + 1) * sizeof *b.stack);
	b.background = xcalloc((size_t)n->st.n + 1, sizeof *b.background);

	/* the background: every floating start, always in progress */
	for (i = 0; i < n->floating.n; i++)
		vec_push(&b.tmp, n->floating.v[i]);
	close_tmp(&b, 0);
	for (i = 0; i < b.tmp.n; i++)
		b.background[b.tmp.v[i]] = 1;
	{
		int *bg = xmalloc(((size_t)b.tmp.n + 1) * sizeof *bg), nbg = b.tmp.n;
		memcpy(bg, b.tmp.v, (size_t)nbg * sizeof *bg);
		b.root_move = xmalloc((size_t)b.nclasses * sizeof *b.root_move);
		b.root_len = xmalloc((size_t)b.nclasses * sizeof *b.root_len);
		for (c = 0; c < b.nclasses; c++) {
			move(&b, bg, nbg, c);
			close_tmp(&b, 1);
			b.root_move[c] = xmalloc(((size_t)b.tmp.n + 1) * sizeof(int));
			memcpy(b.root_move[c], b.tmp.v, (size_t)b.tmp.n * sizeof(int));
			b.root_len[c] = b.tmp.n;
		}
		free(bg);
	}

	vec_push(&b.off, 0);
	for (i = 0; i < n->anchored.n; i++)
		vec_push(&b.tmp, n->anchored.v[i]);
	b.tmp.n = n->anchored.n;
	for (i = 0; i < n->anchored.n; i++)
		b.tmp.v[i] = n->anchored.v[i];
	close_tmp(&b, 1);
	intern(&b, b.tmp.v, b.tmp.n);

	for (s = 0; s < b.off.n - 1; s++) {
		for (c = 0; c < b.nclasses; c++) {
			int len = set_len(&b, s), t, k, m;
			int *cur = xmalloc(((size_t)len + 1) * sizeof *cur);
			memcpy(cur, &b.pool.v[b.off.v[s]], (size_t)len * sizeof *cur);
			move(&b, cur, len, c);
			free(cur);
			close_tmp(&b, 1);
			/* merge in the background's own moves */
			m = b.tmp.n;
			for (k = 0; k < b.root_len[c]; k++)
				vec_push(&b.tmp, b.root_move[c][k]);
			if (b.root_len[c] && m) {
				int w = 0;
				qsort(b.tmp.v, (size_t)b.tmp.n, sizeof *b.tmp.v, cmp_int);
				for (k = 0; k < b.tmp.n; k++)
					if (w == 0 || b.tmp.v[w - 1] != b.tmp.v[k])
						b.tmp.v[w++] = b.tmp.v[k];
				b.tmp.n = w;
			}
			t = intern(&b, b.tmp.v, b.tmp.n);
			if (t < 0)
				goto too_big;
			vec_push(&b.trans, t);
		}
	}
	nstates = b.off.n - 1;
	if (count_only)
		goto release;

	/* atoms each state ends */
	accept = xmalloc((size_t)nstates * sizeof *accept);
	acc_atoms = xmalloc(((size_t)n->st.n + 1) * sizeof *acc_atoms);
	for (s = 0; s < nstates; s++) {
		int na = 0;
		for (i = b.off.v[s]; i < b.off.v[s + 1]; i++)
			if (n->st.v[b.pool.v[i]].atom >= 0)
				acc_atoms[na++] = n->st.v[b.pool.v[i]].atom;
		qsort(acc_atoms, (size_t)na, sizeof *acc_atoms, cmp_int);
		accept[s] = xmalloc(((size_t)na + 1) * sizeof **accept);
		memcpy(accept[s], acc_atoms, (size_t)na * sizeof *acc_atoms);
		accept[s][na] = -1;
	}
	free(acc_atoms);

	block = minimise(nstates, b.nclasses, b.trans.v, accept, &nblocks);

	/* canonical order over blocks: breadth first from the start */
	order = xmalloc((size_t)nblocks * sizeof *order);
	pos = xmalloc((size_t)nblocks * sizeof *pos);
	parent = xmalloc((size_t)nblocks * sizeof *parent);
	via = xmalloc((size_t)nblocks * sizeof *via);
	{
		int *rep = xmalloc((size_t)nblocks * sizeof *rep);
		for (i = 0; i < nblocks; i++)
			pos[i] = rep[i] = -1;
		for (s = nstates - 1; s >= 0; s--)
			rep[block[s]] = s;
		head = tail = 0;
		order[tail++] = block[0];
		pos[block[0]] = 0;
		parent[block[0]] = -1;
		via[block[0]] = -1;
		while (head < tail) {
			int bl = order[head++];
			for (c = 0; c < b.nclasses; c++) {
				int to = block[b.trans.v[rep[bl] * b.nclasses + c]];
				if (pos[to] < 0) {
					pos[to] = tail;
					order[tail++] = to;
					parent[to] = bl;
					via[to] = c;
				}
			}
		}
		/* every block is reachable: minimisation only merges reachable states */
		{
			int *final = xmalloc((size_t)nblocks * sizeof *final), nf = 0, pass;
			int *number = xmalloc((size_t)nblocks * sizeof *number);
			for (pass = 0; pass < 2; pass++)
				for (i = 0; i < tail; i++) {
					int bl = order[i], accepting = accept[rep[bl]][0] >= 0;
					if (accepting == pass)
						final[nf++] = bl;
				}
			for (i = 0; i < nf; i++)
				number[final[i]] = i;
			d->nstates = nf;
			d->start = number[block[0]];
			d->first_accept = nf;
			for (i = 0; i < nf; i++)
				if (accept[rep[final[i]]][0] >= 0) {
					d->first_accept = i;
					break;
				}
			d->trans = xmalloc((size_t)nf * (size_t)b.nclasses * sizeof *d->trans);
			d->accept = xmalloc((size_t)nf * sizeof *d->accept);
			d->names = xmalloc((size_t)nf * sizeof *d->names);
			d->path = xmalloc((size_t)nf * sizeof *d->path);
			d->depth = xmalloc((size_t)nf * sizeof *d->depth);
			d->idle = -1;
			for (i = 0; i < nf; i++) {
				int bl = final[i], r = rep[bl], len = 0, k;
				int path[600], walk;
				for (c = 0; c < b.nclasses; c++)
					d->trans[i * b.nclasses + c] = number[block[b.trans.v[r * b.nclasses + c]]];
				k = 0;
				while (accept[r][k] >= 0)
					k++;
				d->accept[i] = xmalloc(((size_t)k + 1) * sizeof **d->accept);
				memcpy(d->accept[i], accept[r], ((size_t)k + 1) * sizeof **d->accept);
				if (set_len(&b, r) == 0 && accept[r][0] < 0 && bl != block[0])
					d->idle = i;
				for (walk = bl; parent[walk] >= 0 && len < 600; walk = parent[walk])
					path[len++] = via[walk];
				/* path is reversed */
				for (k = 0; k < len / 2; k++) {
					int tmp = path[k];
					path[k] = path[len - 1 - k];
					path[len - 1 - k] = tmp;
				}
				d->path[i] = xmalloc(((size_t)len + 1) * sizeof **d->path);
				memcpy(d->path[i], path, (size_t)len * sizeof *path);
				d->depth[i] = len;
				if (i == d->start)
					d->names[i] = xstrdup("start");
				else if (i == d->idle)
					d->names[i] = xstrdup("idle");
				else
					d->names[i] = state_name(d, path, len);
			}
			unique_names(d->names, nf);
			free(final);
			free(number);
		}
		free(rep);
	}
	for (s = 0; s < nstates; s++)
		free(accept[s]);
	free(accept);
	free(block);
	free(order);
	free(pos);
	free(parent);
	free(via);
	for (c = 0; c < b.nclasses; c++)
		free(b.root_move[c]);
	free(b.root_move);
	free(b.root_len);
	free(b.class_of);
	free(b.in_set);
	free(b.stamp);
	free(b.stack);
	free(b.background);
	free(b.tmp.v);
	free(b.pool.v);
	free(b.off.v);
	free(b.hash);
	free(b.trans.v);
	return 0;

too_big:
	nstates = -1;
	if (why)
		explain_refusal(&b, why);
release:
	for (c = 0; c < b.nclasses; c++)
		free(b.root_move[c]);
	free(b.root_move);
	free(b.root_len);
	free(b.class_of);
	free(b.in_set);
	free(b.stamp);
	free(b.stack);
	free(b.background);
	free(b.tmp.v);
	free(b.pool.v);
	free(b.off.v);
	free(b.hash);
	free(b.trans.v);
	memset(d, 0, sizeof *d);
	return nstates;
}

int dfa_build(const struct nfa *n, int max_states, struct dfa *d, struct dfa_refusal *why)
{
	return build(n, max_states, d, 0, why) < 0 ? -1 : 0;
}

int dfa_count_states(const struct nfa *n, int max_states)
{
	struct dfa d;
	return build(n, max_states, &d, 1, NULL);
}

int dfa_rare_rows(const struct dfa *d, int *deflt, int *row_of)
{
	int nrare = d->nclasses - d->ndense, n = d->nstates, c, s, nrows = 1, h, hcap;
	int *count, *owner;
	if (nrare <= 0 || n <= 0)
		return 0;
	count = xcalloc((size_t)n, sizeof *count);
	for (c = d->ndense; c < d->nclasses; c++) {
		int best = 0;
		for (s = 0; s < n; s++)
			count[s] = 0;
		/* the most common target, the smallest state on a tie */
		for (s = 0; s < n; s++) {
			int to = d->trans[s * d->nclasses + c];
			if (++count[to] > count[best] || (count[to] == count[best] && to < best))
				best = to;
		}
		deflt[c - d->ndense] = best;
	}
	free(count);
	/* states with the same next states on every rare class share a row
	 * (most rows are repeats: the states just after the end of a phrase
	 * that wants a word boundary all accept on any such byte); OWNER
	 * holds, by the hash of a row, the first state that has it */
	hcap = 1024;
	while (hcap < 2 * n)
		hcap *= 2;
	owner = xmalloc((size_t)hcap * sizeof *owner);
	for (h = 0; h < hcap; h++)
		owner[h] = -1;
	for (s = 0; s < n; s++) {
		const int *row = &d->trans[s * d->nclasses + d->ndense];
		unsigned hash = 2166136261u;
		row_of[s] = 0;
		for (c = 0; c < nrare; c++)
			if (row[c] != deflt[c])
				break;
		if (c == nrare)
			continue;
		for (c = 0; c < nrare; c++)
			hash = (hash ^ (unsigned)row[c]) * 16777619u;
		for (h = (int)(hash & (unsigned)(hcap - 1));; h = (h + 1) & (hcap - 1)) {
			int o = owner[h];
			if (o < 0) {
				owner[h] = s;
				row_of[s] = nrows++;
				break;
			}
			if (!memcmp(row, &d->trans[o * d->nclasses + d->ndense], (size_t)nrare * sizeof *row)) {
				row_of[s] = row_of[o];
				break;
			}
		}
	}
	free(owner);
	return nrows > 65535 ? 0 : nrows;
}

void dfa_free(struct dfa *d)
{
	int i;
	for (i = 0; i < d->nstates; i++) {
		free(d->accept[i]);
		free(d->names[i]);
		free(d->path[i]);
	}
	free(d->accept);
	free(d->names);
	free(d->path);
	free(d->depth);
	free(d->trans);
	memset(d, 0, sizeof *d);
}

/* ---- order by use ---- */

/* A coarse measure of how often a state is visited: 0 never, then one
 * step per factor of four, so that a few more or fewer visits (an example
 * added or changed) seldom move a state. */
static int use_tier(long visits)
{
	int t = 0;
	if (visits <= 0)
		return 0;
	for (t = 1; visits >= 4; visits /= 4)
		t++;
	return t;
}

struct tier_key {
	int tier, accepting, old;
};

static int cmp_tier_key(const void *x, const void *y)
{
	const struct tier_key *a = x, *b = y;
	if (a->accepting != b->accepting)
		return a->accepting - b->accepting;
	if (a->tier != b->tier)
		return b->tier - a->tier;
	return (a->old > b->old) - (a->old < b->old);
}

void dfa_order_by_use(struct dfa *d, const long *visits)
{
	int n = d->nstates, nc = d->nclasses, i, c;
	struct tier_key *key = xmalloc((size_t)n * sizeof *key);
	int *number = xmalloc((size_t)n * sizeof *number);
	int *trans = xmalloc((size_t)n * (size_t)nc * sizeof *trans);
	int **accept = xmalloc((size_t)n * sizeof *accept);
	char **names = xmalloc((size_t)n * sizeof *names);
	int **path = xmalloc((size_t)n * sizeof *path);
	int *depth = xmalloc((size_t)n * sizeof *depth);

	for (i = 0; i < n; i++) {
		key[i].tier = use_tier(visits[i]);
		key[i].accepting = i >= d->first_accept;
		key[i].old = i;
	}
	qsort(key, (size_t)n, sizeof *key, cmp_tier_key);
	for (i = 0; i < n; i++)
		number[key[i].old] = i;
	for (i = 0; i < n; i++) {
		int to = number[i];
		for (c = 0; c < nc; c++)
			trans[to * nc + c] = number[d->trans[i * nc + c]];
		accept[to] = d->accept[i];
		names[to] = d->names[i];
		path[to] = d->path[i];
		depth[to] = d->depth[i];
	}
	free(d->trans);
	free(d->accept);
	free(d->names);
	free(d->path);
	free(d->depth);
	d->trans = trans;
	d->accept = accept;
	d->names = names;
	d->path = path;
	d->depth = depth;
	d->start = number[d->start];
	if (d->idle >= 0)
		d->idle = number[d->idle];
	/* accepting states stay last, so first_accept keeps its value */
	free(number);
	free(key);
}
