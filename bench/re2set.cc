/*
 * re2set.cc - contender: RE2::Set over the exported patterns.
 *
 *   re2set [-a] PATTERNS < lines
 *
 * All patterns go into one unanchored RE2::Set (case-insensitive, Latin-1
 * so that "\xc3" means the byte, as it does for rebound), and each line
 * gets one Set::Match, which reports every pattern that occurs in it:
 * the same question rebound's one-pass DFA answers.  RE2 builds its DFA
 * lazily and caches states within max_mem; a cache overflow makes Match
 * fail, which is reported rather than hidden.
 */
#include <re2/re2.h>
#include <re2/set.h>

#include <string>
#include <vector>

#include "bench-patterns.h"

int main(int argc, char **argv)
{
	int all = 0, a = 1;
	if (a < argc && strcmp(argv[a], "-a") == 0) {
		all = 1;
		a++;
	}
	if (a + 1 != argc) {
		fprintf(stderr, "usage: re2set [-a] PATTERNS < lines\n");
		return 2;
	}
	struct bpatterns pats;
	bpatterns_load(&pats, argv[a], "re2set");

	RE2::Options opt;
	opt.set_encoding(RE2::Options::EncodingLatin1);
	opt.set_case_sensitive(false);
	opt.set_never_capture(true);
	opt.set_log_errors(false);
	opt.set_max_mem((int64_t)1 << 30);
	RE2::Set set(opt, RE2::UNANCHORED);
	for (size_t i = 0; i < pats.n; i++) {
		std::string err;
		if (set.Add(pats.v[i], &err) != (int)i) {
			fprintf(stderr, "re2set: pattern %zu /%s/: %s\n", i, pats.v[i], err.c_str());
			return 2;
		}
	}
	if (!set.Compile()) {
		fprintf(stderr, "re2set: the set does not compile (out of memory?)\n");
		return 2;
	}

	struct lines in;
	static struct bout out;
	const char *text;
	size_t len;
	unsigned long long lines = 0, matched = 0, hits = 0, failures = 0;
	std::vector<int> v;
	std::vector<unsigned> ids;
	if (blines_init(&in, stdin) < 0)
		return 1;
	while (lines_next(&in, &text, &len)) {
		RE2::Set::ErrorInfo info;
		v.clear();
		if (!set.Match(re2::StringPiece(text, len), &v, &info) &&
		    info.kind != RE2::Set::kNoError)
			failures++;
		ids.assign(v.begin(), v.end());
		lines++;
		matched += !ids.empty();
		hits += ids.size();
		breport(&out, ids.data(), ids.size(), all);
	}
	bout_flush(&out);
	fprintf(stderr, "re2set: %zu patterns, %llu lines, %llu with a match, %llu matches, %llu failed\n",
	        pats.n, lines, matched, hits, failures);
	return in.error || out.failed || failures ? 1 : 0;
}
