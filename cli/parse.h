/* parse.h - the "rebound parse" subcommand: whole bounce messages. */
#ifndef REBOUND_CLI_PARSE_H
#define REBOUND_CLI_PARSE_H

/* Runs "rebound parse" with ARGV[0] = "parse"; returns the exit status. */
int cmd_parse(int argc, char **argv);

#endif
