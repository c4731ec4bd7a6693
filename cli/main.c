/*
 * main.c - the rebound command.
 *
 *   rebound classify [OPTIONS] [TEXT...]   classify replies (or stdin lines)
 *   rebound explain  [OPTIONS] [TEXT...]   show every rule that applies
 *   rebound parse    [OPTIONS] PATH...      read whole bounce messages (parse.c)
 *   rebound log      [OPTIONS] [FILE...]    read MTA logs (maillog.c)
 *   rebound list classes|rules|providers|profiles
 *
 * Exit status: 0 success, 1 input could not be read, 2 usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "lines.h"
#include "maillog.h"
#include "output.h"
#include "parse.h"

static void usage(FILE *f)
{
	fputs("usage: rebound COMMAND [OPTION]... [ARG]...\n"
	      "Tell what a bounce means.\n\n"
	      "Commands:\n"
	      "  classify [TEXT]...   classify each TEXT, or each line of standard input\n"
	      "  explain [TEXT]...    show every rule that applies, the winner, and advice\n"
	      "  parse PATH...        read bounce messages (files, -, maildirs, mboxes);\n"
	      "                       one record per recipient ('rebound parse --help')\n"
	      "  log [FILE]...        read the logs of Postfix, Sendmail, Exim, qmail, PowerMTA,\n"
	      "                       KumoMTA, Exchange, OpenSMTPD or Haraka, and the bounce\n"
	      "                       events of SES, SendGrid, Mailgun, Postmark, SparkPost,\n"
	      "                       Mandrill, Mailjet, Brevo, Resend, Postal; one record\n"
	      "                       per failed or deferred recipient\n"
	      "                       ('rebound log --help')\n"
	      "                       parse and log --summary: one line per recipient with a\n"
	      "                       decision (suppress, back-off, retry, fix-sender, ok)\n"
	      "  list WHAT            list classes, rules, providers or profiles\n\n"
	      "Options of classify and explain:\n"
	      "  -p, --profile NAME   use a profile of overrides (see 'rebound list profiles')\n"
	      "  -f, --format FMT     text, tsv or json (JSON Lines); default text\n"
	      "      --host NAME      remote MTA host the reply came from\n"
	      "      --domain NAME    recipient domain\n"
	      "      --provider ID    assume this provider instead of detecting it\n"
	      "      --status CODE    enhanced status known from elsewhere (e.g. a DSN)\n\n"
	      "  -h, --help           show this help\n"
	      "  -V, --version        show the version and the rule base fingerprint\n", f);
}

/* "--name value", "--name=value" or "-n value"; returns the value or NULL. */
const char *option_value(int argc, char **argv, int *i, const char *lng, const char *shrt)
{
	const char *a = argv[*i];
	size_t n = strlen(lng);
	if (strncmp(a, lng, n) == 0 && a[n] == '=')
		return a + n + 1;
	if (strcmp(a, lng) == 0 || (shrt && strcmp(a, shrt) == 0)) {
		if (*i + 1 >= argc) {
			fprintf(stderr, "rebound: option '%s' needs a value\n", a);
			exit(2);
		}
		return argv[++*i];
	}
	return NULL;
}

struct classify_opts {
	struct rebound_query q;
	enum format format;
	int explain;
	int nargs;
	char **args;
};

static int parse_classify_args(int argc, char **argv, struct classify_opts *o)
{
	int i;
	const char *v;
	memset(o, 0, sizeof *o);
	o->args = calloc((size_t)argc + 1, sizeof *o->args);
	if (!o->args)
		return -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			for (i++; i < argc; i++)
				o->args[o->nargs++] = argv[i];
			break;
		}
		if ((v = option_value(argc, argv, &i, "--profile", "-p")))
			o->q.profile = v;
		else if ((v = option_value(argc, argv, &i, "--format", "-f"))) {
			if (parse_format(v, &o->format) < 0) {
				fprintf(stderr, "rebound: unknown format '%s' (use text, tsv or json)\n", v);
				return -1;
			}
		} else if ((v = option_value(argc, argv, &i, "--host", NULL)))
			o->q.remote_host = v;
		else if ((v = option_value(argc, argv, &i, "--domain", NULL)))
			o->q.recipient_domain = v;
		else if ((v = option_value(argc, argv, &i, "--provider", NULL)))
			o->q.provider = v;
		else if ((v = option_value(argc, argv, &i, "--status", NULL)))
			o->q.status = v;
		else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			exit(0);
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "rebound: unknown option '%s'\n", a);
			return -1;
		} else
			o->args[o->nargs++] = argv[i];
	}
	return 0;
}

/* Check the profile and provider names once, before any input is read. */
static int check_query(const struct rebound_query *q)
{
	struct rebound_result r;
	int err = rebound_classify("", 0, q, &r);
	size_t i;
	if (err == REBOUND_EPROFILE) {
		fprintf(stderr, "rebound: unknown profile '%s'; known profiles: default", q->profile);
		for (i = 0; i < rebound_profile_count(); i++)
			fprintf(stderr, ", %s", rebound_profile_name(i));
		fputc('\n', stderr);
		return -1;
	}
	if (err == REBOUND_EPROVIDER) {
		fprintf(stderr, "rebound: unknown provider '%s' (see 'rebound list providers')\n",
		        q->provider);
		return -1;
	}
	return 0;
}

struct explain_ctx {
	struct out *o;
	int n;
};

static void explain_rule(void *ctx, const struct rebound_rule *rule,
                         const struct rebound_class *cls, int won)
{
	struct explain_ctx *e = ctx;
	struct out *o = e->o;
	out_str(o, won ? "  * " : "    ");
	out_str(o, rule->id);
	out_str(o, " -> ");
	out_str(o, cls->name);
	if (rule->profile) {
		out_str(o, " (profile ");
		out_str(o, rule->profile);
		out_str(o, ")");
	}
	out_str(o, "  ");
	out_str(o, rule->file);
	out_char(o, ':');
	out_uint(o, rule->line);
	out_char(o, '\n');
	e->n++;
}

static const char *source_word(enum rebound_provider_source s)
{
	switch (s) {
	case REBOUND_PROVIDER_FROM_QUERY: return "named on the command line";
	case REBOUND_PROVIDER_FROM_MARKER: return "recognised from a marker in the text";
	case REBOUND_PROVIDER_FROM_HOST: return "recognised from the remote host";
	case REBOUND_PROVIDER_FROM_DOMAIN: return "recognised from the recipient domain";
	default: return "";
	}
}

static void explain_one(struct out *o, const struct classify_opts *opt, const char *text,
                        size_t len)
{
	struct rebound_result r;
	struct explain_ctx e;
	const struct rebound_class *c;
	e.o = o;
	e.n = 0;
	out_str(o, "reply:    ");
	out_bytes(o, text, len);
	out_str(o, "\ncodes:    ");
	rebound_explain(text, len, &opt->q, &r, NULL, NULL);
	if (r.reply)
		out_uint(o, r.reply);
	else
		out_str(o, "(no reply code)");
	out_str(o, " ");
	out_str(o, *r.status ? r.status : "(no enhanced status)");
	if (r.flags & REBOUND_F_STATUS_FROM_QUERY)
		out_str(o, " (status from --status)");
	out_str(o, "\nprovider: ");
	if (r.provider) {
		out_str(o, r.provider->name);
		out_str(o, ", ");
		out_str(o, source_word(r.provider_source));
	} else
		out_str(o, "none recognised");
	out_str(o, "\nrules that apply, strongest first (* decided):\n");
	rebound_explain(text, len, &opt->q, &r, explain_rule, &e);
	if (!e.n)
		out_str(o, "    (none)\n");
	c = r.cls;
	out_str(o, "result:   ");
	out_str(o, c->name);
	out_str(o, ", type ");
	out_str(o, rebound_type_name(r.type));
	out_str(o, ", blame ");
	out_str(o, rebound_blame_name(c->blame));
	out_str(o, ", action ");
	out_str(o, rebound_action_name(c->action));
	if (r.retry_after) {
		out_str(o, ", retry after ");
		out_uint(o, r.retry_after);
		out_str(o, " s");
	}
	out_str(o, "\nmeaning:  ");
	out_str(o, c->description);
	out_str(o, "\nadvice:   ");
	out_str(o, c->advice);
	out_str(o, "\nelsewhere: Sisimai ");
	out_str(o, *c->sisimai ? c->sisimai : "-");
	out_str(o, ", bounce code ");
	if (c->bounce_code)
		out_uint(o, (unsigned long)c->bounce_code);
	else
		out_str(o, "-");
	out_str(o, ", PowerMTA ");
	out_str(o, *c->powermta ? c->powermta : "-");
	out_str(o, ", category ");
	out_str(o, rebound_category_name(c->category));
	out_str(o, "\n\n");
}

static int cmd_classify(int argc, char **argv, int explain)
{
	struct classify_opts opt;
	struct out o;
	int i, status = 0;

	if (parse_classify_args(argc, argv, &opt) < 0 || check_query(&opt.q) < 0) {
		free(opt.args);
		return 2;
	}
	out_init(&o, stdout);
	if (!explain)
		out_classify_header(&o, opt.format);
	if (opt.nargs) {
		for (i = 0; i < opt.nargs; i++) {
			struct rebound_result r;
			size_t len = strlen(opt.args[i]);
			if (explain)
				explain_one(&o, &opt, opt.args[i], len);
			else {
				rebound_classify(opt.args[i], len, &opt.q, &r);
				out_classify(&o, opt.format, opt.args[i], len, &r);
			}
		}
	} else {
		struct lines in;
		const char *text;
		size_t len;
		lines_init(&in, stdin);
		while (lines_next(&in, &text, &len)) {
			if (explain)
				explain_one(&o, &opt, text, len);
			else {
				struct rebound_result r;
				rebound_classify(text, len, &opt.q, &r);
				out_classify(&o, opt.format, text, len, &r);
			}
		}
		if (in.error) {
			fprintf(stderr, "rebound: standard input: line %lu: %s\n", in.lineno + 1,
			        strerror(errno));
			status = 1;
		}
		lines_free(&in);
	}
	out_flush(&o);
	if (o.failed || fflush(stdout) != 0) {
		fprintf(stderr, "rebound: cannot write output: %s\n", strerror(errno));
		status = 1;
	}
	free(o.buf);
	free(opt.args);
	return status;
}

static int cmd_list(int argc, char **argv)
{
	size_t i;
	const char *what = argc > 1 ? argv[1] : "";
	if (strcmp(what, "classes") == 0) {
		for (i = 0; i < rebound_class_count(); i++) {
			const struct rebound_class *c = rebound_class_at(i);
			printf("%-24s %-12s %-9s %-19s %s\n", c->name, rebound_type_name(c->type),
			       rebound_blame_name(c->blame), rebound_action_name(c->action), c->description);
		}
	} else if (strcmp(what, "rules") == 0) {
		for (i = 0; i < rebound_rule_count(); i++) {
			const struct rebound_rule *r = rebound_rule_at(i);
			printf("%-40s %s:%u%s%s\n", r->id, r->file, r->line, r->profile ? " profile " : "",
			       r->profile ? r->profile : "");
		}
	} else if (strcmp(what, "providers") == 0) {
		for (i = 0; i < rebound_provider_count(); i++)
			printf("%-12s %s\n", rebound_provider_at(i)->id, rebound_provider_at(i)->name);
	} else if (strcmp(what, "profiles") == 0) {
		printf("%-12s %s\n", "default", "the built-in decisions, documented in doc/rules.md");
		for (i = 0; i < rebound_profile_count(); i++)
			printf("%-12s %s\n", rebound_profile_name(i), rebound_profile_description(i));
	} else {
		fprintf(stderr, "rebound: list what? (classes, rules, providers or profiles)\n");
		return 2;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	if (!cmd) {
		usage(stderr);
		return 2;
	}
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
		printf("rebound %s (rules %s)\n", rebound_version(), rebound_rules_fingerprint());
		return 0;
	}
	if (strcmp(cmd, "classify") == 0)
		return cmd_classify(argc - 1, argv + 1, 0);
	if (strcmp(cmd, "explain") == 0)
		return cmd_classify(argc - 1, argv + 1, 1);
	if (strcmp(cmd, "parse") == 0)
		return cmd_parse(argc - 1, argv + 1);
	if (strcmp(cmd, "log") == 0)
		return cmd_log(argc - 1, argv + 1);
	if (strcmp(cmd, "list") == 0)
		return cmd_list(argc - 1, argv + 1);
	fprintf(stderr, "rebound: unknown command '%s' (try 'rebound --help')\n", cmd);
	return 2;
}
