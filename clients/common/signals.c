/*
 * clients/common/signals.c - signalfd for the demos.
 */
#include "signals.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <unistd.h>

static void interesting(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}

int fwd_signals_block(void)
{
	sigset_t set;
	interesting(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		perror("sigprocmask");
		return -1;
	}
	return 0;
}

int fwd_signals_fd(void)
{
	sigset_t set;
	interesting(&set);
	int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		perror("signalfd");
	return fd;
}

int fwd_signals_read(int fd)
{
	struct signalfd_siginfo info;
	if (read(fd, &info, sizeof(info)) != (ssize_t)sizeof(info))
		return 0;
	return (int)info.ssi_signo;
}

static int handler_pipe[2] = {-1, -1};

static void on_signal(int signo)
{
	/* Async-signal-safe: one write of the number; a full pipe only means
	 * an earlier signal is still unread. */
	unsigned char b = (unsigned char)signo;
	ssize_t r = write(handler_pipe[1], &b, 1);
	(void)r;
}

int fwd_signals_install_handler(void)
{
	if (handler_pipe[0] >= 0)
		return handler_pipe[0];
	if (pipe2(handler_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		perror("pipe2");
		return -1;
	}
	struct sigaction sa = {.sa_handler = on_signal,
			       .sa_flags = SA_RESETHAND | SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return handler_pipe[0];
}

int fwd_signals_read_handler(int fd)
{
	unsigned char b;
	return read(fd, &b, 1) == 1 ? b : 0;
}

void fwd_signals_remove_handler(void)
{
	if (handler_pipe[0] < 0)
		return;
	/* Handlers first, so none can write into a closed (or reused) fd. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	close(handler_pipe[0]);
	close(handler_pipe[1]);
	handler_pipe[0] = handler_pipe[1] = -1;
}
