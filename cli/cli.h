/* cli.h - pieces shared by the rebound command's subcommands. */
#ifndef REBOUND_CLI_H
#define REBOUND_CLI_H

#include "rebound.h"

/* "--name value", "--name=value" or "-n value" at argv[*i]: the value
 * (advancing *i past it), or NULL if argv[*i] is another option. */
const char *option_value(int argc, char **argv, int *i, const char *lng, const char *shrt);

#endif
