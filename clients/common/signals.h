/*
 * clients/common/signals.h - SIGINT/SIGTERM as a pollable fd.
 *
 * The demos print their summary when interrupted (a never-signalling demo
 * is stopped that way), so the signals must arrive at the main loop, not
 * kill the process.  Call fwd_signals_block() first thing in main(), before
 * any thread exists (the fence library and the render thread inherit the
 * mask, so the signal can only be taken from the signalfd).
 */
#ifndef FWD_SIGNALS_H
#define FWD_SIGNALS_H

/* Block SIGINT and SIGTERM in this (only) thread.  0 or -1 (printed). */
int fwd_signals_block(void);

/* A signalfd (CLOEXEC, caller closes) for SIGINT and SIGTERM, or -1. */
int fwd_signals_fd(void);

/* Read one pending signal from @fd; returns its number or 0. */
int fwd_signals_read(int fd);

/*
 * For programs that block inside a library (eglSwapBuffers waits for frame
 * callbacks on Mesa's own queue, where a signalfd would never be looked
 * at): a handler for SIGINT/SIGTERM that writes the signal number to a
 * pipe and resets itself, so a second signal kills as usual.  Returns the
 * pipe's read end (CLOEXEC, non-blocking, owned by this module), or -1.
 * Read it with fwd_signals_read_handler(); fwd_signals_remove_handler()
 * restores the default actions and closes the pipe.
 */
int fwd_signals_install_handler(void);
int fwd_signals_read_handler(int fd);
void fwd_signals_remove_handler(void);

#endif
