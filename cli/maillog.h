/* maillog.h - the "rebound log" subcommand: MTA log files. */
#ifndef REBOUND_CLI_MAILLOG_H
#define REBOUND_CLI_MAILLOG_H

/* Runs "rebound log" with ARGV[0] = "log"; returns the exit status. */
int cmd_log(int argc, char **argv);

#endif
