/*
 * Starting and reaping the compositor's children.  The environment array is
 * built before fork: the fence library's helper threads may hold malloc's
 * lock at that moment, so the child only calls async-signal-safe functions.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <wlr/util/log.h>
#include "children.h"
#include "server.h"
#include "socket.h"

extern char **environ;

/* What a child is given: environ's strings (shared, not copied) without
 * the variables that must point at us, then ours. */
struct child_env {
	char **envp;
	char *display;     /* "WAYLAND_DISPLAY=NAME", owned */
	char *runtime_dir; /* "XDG_RUNTIME_DIR=DIR", owned */
};

static bool overridden(const char *entry) {
	/* WAYLAND_SOCKET would hand the child our own parent's connection. */
	static const char *const prefixes[] = {
		"WAYLAND_DISPLAY=",
		"WAYLAND_SOCKET=",
		"XDG_RUNTIME_DIR=",
	};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (strncmp(entry, prefixes[i], strlen(prefixes[i])) == 0) {
			return true;
		}
	}
	return false;
}

static void child_env_free(struct child_env *env) {
	free(env->envp);
	free(env->display);
	free(env->runtime_dir);
}

static bool child_env_build(struct fw_server *server, struct child_env *env) {
	*env = (struct child_env){0};
	size_t n = 0;
	while (environ[n] != NULL) {
		n++;
	}
	env->envp = calloc(n + 3, sizeof(*env->envp));
	if (env->envp == NULL ||
		asprintf(&env->display, "WAYLAND_DISPLAY=%s",
			fw_socket_name(server->socket)) < 0 ||
		asprintf(&env->runtime_dir, "XDG_RUNTIME_DIR=%s",
			server->config.runtime_dir) < 0) {
		/* asprintf leaves its pointer undefined on failure. */
		env->display = env->runtime_dir = NULL;
		child_env_free(env);
		return false;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!overridden(environ[i])) {
			env->envp[k++] = environ[i];
		}
	}
	env->envp[k++] = env->display;
	env->envp[k++] = env->runtime_dir;
	return true;
}

/*
 * Fork and exec file (searched in PATH) with argv and the child
 * environment.  An exec failure comes back through a close-on-exec pipe,
 * so it is reported here, by name, instead of as a status 127 later.
 * Returns the pid, or -1 after one ERROR line.
 */
static pid_t spawn(struct fw_server *server, const char *file,
	char *const argv[]) {
	struct child_env env;
	if (!child_env_build(server, &env)) {
		wlr_log(WLR_ERROR, "cannot run %s: out of memory", file);
		return -1;
	}
	struct rlimit nofile;
	bool restore_nofile = server->config.child_nofile > 0 &&
		getrlimit(RLIMIT_NOFILE, &nofile) == 0;
	if (restore_nofile) {
		nofile.rlim_cur = server->config.child_nofile;
	}
	int report[2];
	if (pipe2(report, O_CLOEXEC) < 0) {
		wlr_log_errno(WLR_ERROR, "cannot run %s: pipe", file);
		child_env_free(&env);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(report[0]);
		/* The event loop blocks the signals it turned into signalfds, and
		 * an ignored SIGPIPE would survive exec: give the child neither. */
		sigset_t set;
		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		if (server->config.handle_signals) {
			signal(SIGPIPE, SIG_DFL);
		}
		if (restore_nofile) {
			setrlimit(RLIMIT_NOFILE, &nofile);
		}
		execvpe(file, argv, env.envp);
		int err = errno;
		(void)!write(report[1], &err, sizeof(err));
		_exit(127);
	}
	int fork_err = errno;
	close(report[1]);
	child_env_free(&env);
	if (pid < 0) {
		close(report[0]);
		wlr_log(WLR_ERROR, "cannot run %s: fork: %s", file, strerror(fork_err));
		return -1;
	}
	int exec_err;
	ssize_t got;
	do {
		got = read(report[0], &exec_err, sizeof(exec_err));
	} while (got < 0 && errno == EINTR);
	close(report[0]);
	if (got == (ssize_t)sizeof(exec_err)) {
		waitpid(pid, NULL, 0);
		wlr_log(WLR_ERROR, "cannot run %s: %s", file, strerror(exec_err));
		return -1;
	}
	return pid;
}

/* "status N" or "signal N": what a log line says about an exit. */
static void log_exit(const char *what, int status) {
	wlr_log(WLR_INFO, "%s exited (%s %d)", what,
		WIFEXITED(status) ? "status" : "signal",
		WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

/* Reap child if it has exited; true then. */
static bool reaped(pid_t child, int *status) {
	return child > 0 && waitpid(child, status, WNOHANG) == child;
}

static int handle_sigchld(int signo, void *data) {
	struct fw_server *server = data;
	/* Reap only what we started: other children (if a library forks) are
	 * not ours to collect. */
	int status;
	if (reaped(server->startup_pid, &status)) {
		log_exit("startup command", status);
		server->startup_pid = 0;
	}
	if (reaped(server->command_pid, &status)) {
		log_exit("command", status);
		server->command_pid = 0;
		/* A shell's convention, so that CI sees what it would have seen
		 * running the command directly. */
		server->exit_status =
			WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		fw_server_terminate(server);
	}
	return 0;
}

bool fw_children_start(struct fw_server *server) {
	const struct fw_config *config = &server->config;
	if (config->startup_cmd == NULL && config->command == NULL) {
		return true;
	}
	/* Watched before the fork: an exit before the source exists would be
	 * lost (the signal is blocked only once the source is added). */
	server->sigchld = wl_event_loop_add_signal(server->event_loop, SIGCHLD,
		handle_sigchld, server);
	if (server->sigchld == NULL) {
		wlr_log(WLR_ERROR, "cannot watch SIGCHLD");
		return false;
	}
	if (config->startup_cmd != NULL) {
		char *const argv[] = {
			"/bin/sh",
			"-c",
			(char *)config->startup_cmd,
			NULL,
		};
		server->startup_pid = spawn(server, argv[0], argv);
		if (server->startup_pid < 0) {
			server->startup_pid = 0;
			return false;
		}
		wlr_log(WLR_INFO, "startup command pid %d: %s",
			(int)server->startup_pid, config->startup_cmd);
	}
	if (config->command != NULL) {
		server->command_pid =
			spawn(server, config->command[0], config->command);
		if (server->command_pid < 0) {
			server->command_pid = 0;
			return false;
		}
		wlr_log(WLR_INFO, "command pid %d: %s", (int)server->command_pid,
			config->command[0]);
	}
	return true;
}

bool fw_children_forward_signal(struct fw_server *server, int signo) {
	if (server->command_pid <= 0) {
		return false;
	}
	if (kill(server->command_pid, signo) < 0) {
		wlr_log_errno(WLR_ERROR, "cannot signal the command");
		return false;
	}
	return true;
}

void fw_children_finish(struct fw_server *server) {
	if (server->sigchld != NULL) {
		wl_event_source_remove(server->sigchld);
		server->sigchld = NULL;
	}
	if (server->command_pid > 0) {
		wlr_log(WLR_INFO, "command pid %d still running: sent SIGTERM",
			(int)server->command_pid);
		kill(server->command_pid, SIGTERM);
		server->command_pid = 0;
	}
}
