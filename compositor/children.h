/*
 * Processes the compositor starts (-s, and the runner's -- CMD): their
 * environment and their end.
 *
 * A child gets WAYLAND_DISPLAY and XDG_RUNTIME_DIR through the environment
 * array handed to execve, built from the compositor's environment plus
 * these two; the compositor's own environment is never changed.
 */
#ifndef FENCEWAY_CHILDREN_H
#define FENCEWAY_CHILDREN_H

#include <stdbool.h>

struct fw_server;

/*
 * Start the -s command and the runner's command (those configured) once the
 * socket listens; watches SIGCHLD while a child may run.  When the runner's
 * command exits, the server stops with its status (128 + N for signal N).
 * false: a command could not be started (one ERROR line says why).
 */
bool fw_children_start(struct fw_server *server);

/* Pass signo on to the runner's command if it runs (true), else false. */
bool fw_children_forward_signal(struct fw_server *server, int signo);

/*
 * Stop watching SIGCHLD.  A runner's command still running (the server
 * stopped first) gets SIGTERM; a -s command is not tied to the
 * compositor's life and keeps running.
 */
void fw_children_finish(struct fw_server *server);

#endif
