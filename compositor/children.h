/*
 * Processes the compositor starts (-s): their environment and their end.
 *
 * A child gets WAYLAND_DISPLAY and XDG_RUNTIME_DIR through the environment
 * array handed to execve, built from the compositor's environment plus
 * these two; the compositor's own environment is never changed.
 */
#ifndef FENCEWAY_CHILDREN_H
#define FENCEWAY_CHILDREN_H

#include <stdbool.h>

struct fw_server;

/* Start the -s command (if any) once the socket listens; watches SIGCHLD
 * while a child may run.  false: the command could not be started (one
 * ERROR line says why). */
bool fw_children_start(struct fw_server *server);

/* Stop watching SIGCHLD.  Children keep running (a -s command is not tied
 * to the compositor's life). */
void fw_children_finish(struct fw_server *server);

#endif
