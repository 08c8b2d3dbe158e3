/*
 * The command line: parsed into struct fw_config and a log level.  Only
 * what argv says; the environment is main.c's.
 */
#ifndef FENCEWAY_OPTIONS_H
#define FENCEWAY_OPTIONS_H

#include <wlr/util/log.h>
#include "server.h"

/*
 * Fill config (defaults first) and *level from argv.  Strings in config
 * point into argv.  Returns -1 when the server is to run, else the exit
 * status for main(): 0 after --help or --version, 2 after a bad argument
 * (one line naming it, then the usage, on stderr).
 */
int fw_options_parse(int argc, char *argv[], struct fw_config *config,
	enum wlr_log_importance *level);

#endif
