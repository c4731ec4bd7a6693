/*
 * fuzz_log.c - libFuzzer harness for "rebound log" (cli/maillog.c).
 *
 * The input is a log file, so every sample log is a seed and every
 * reproducer a plain log.  The reader and its parts in files of their own
 * (Exchange, the ESP feeds and their JSON reader, Haraka, OpenSMTPD) are
 * included whole, so that their static functions run exactly as in the command:
 * lines are read from the input through fmemopen, records go to a
 * memory-only buffer, and the queue of Postfix deferrals is settled and
 * freed at the end.  The length picks the output format, whether
 * deliveries are reported and whether the records are folded into a
 * per-recipient summary (whose date reading then sees every date the
 * logs hold).
 */
#include <stdint.h>
#include "maillog.c"
#include "logjson.c"
#include "maillog_esp.c"
#include "maillog_exchange.c"
#include "maillog_haraka.c"
#include "maillog_smtpd.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the reader's option parsing is not under test */
const char *option_value(int argc, char **argv, int *i, const char *lng, const char *shrt)
{
	(void)argc, (void)argv, (void)i, (void)lng, (void)shrt;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum format formats[] = {FORMAT_TEXT, FORMAT_TSV, FORMAT_JSON};
	struct log_run *run;
	char *scratch, *copy;
	FILE *in;
	if (!size)
		return 0;
	/* fmemopen may write a NUL into its buffer: give it a copy */
	if (!(copy = malloc(size)))
		return 0;
	memcpy(copy, data, size);
	run = calloc(1, sizeof *run);
	scratch = malloc(REBOUND_MAX_TEXT);
	in = fmemopen(copy, size, "r");
	if (run && scratch && in) {
		run->format = formats[size % 3];
		run->with_delivered = (size >> 2) & 1;
		run->final_only = (size >> 3) & 1;
		/* a fixed "now", so that a reproducer replays the same way */
		if ((size >> 4) & 1)
			run->summary = summary_new(1 + (unsigned)(size >> 5) % 6, (unsigned)(size >> 8) % 4,
			                           1795000000LL, ((long long)(size >> 10) % 29 - 14) * 3600);
		out_init(&run->o, NULL);
		read_stream(run, "fuzz", in, scratch);
		report_pending_expiries(run);
		if (run->summary)
			summary_write(run->summary, &run->o, run->format);
		if (!run->o.failed && run->o.n && run->o.buf[run->o.n - 1] != '\n')
			abort(); /* every record ends its line */
	}
	if (in)
		fclose(in);
	if (run)
		log_run_free(run);
	free(scratch);
	free(copy);
	return 0;
}
