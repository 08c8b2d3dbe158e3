/*
 * The listening socket: lock, bind and accept, as libwayland's
 * wl_display_add_socket does, but with an event source fenceway owns.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <wlr/util/log.h>
#include "socket.h"

/* wayland-0 .. wayland-32, the range libwayland's auto socket tries. */
#define AUTO_NAME_MAX 32
#define LOCK_SUFFIX ".lock"
#define LISTEN_BACKLOG 128

/* How long accepting pauses when it fails for want of something that only
 * time can bring back (memory, or fds when no spare fd could be kept). */
#define ACCEPT_RETRY_MS 200

struct fw_socket {
	struct wl_display *display;     /* not owned */
	int fd;                         /* listening socket */
	int lock_fd;                    /* NAME.lock, flock held */
	struct wl_event_source *source; /* fd readable: accept */
	bool bound;                     /* path is ours to unlink */
	/* Out of fds: a connection still waiting keeps the (level-triggered)
	 * socket readable, and accept fails each time, so the loop would spin.
	 * The spare fd (/dev/null) is closed to make room for one accept of
	 * that connection, which is closed at once, then taken back.  Without
	 * a spare, accepting pauses until the retry timer. */
	int spare_fd;
	struct wl_event_source *retry; /* re-enables source */
	bool exhausted;                /* in an episode: logged once */
	char name[64];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char lock_path[sizeof(((struct sockaddr_un *)0)->sun_path) +
		sizeof(LOCK_SUFFIX)];
};

static int open_spare(void) {
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void pause_accepting(struct fw_socket *sock) {
	wl_event_source_fd_update(sock->source, 0);
	wl_event_source_timer_update(sock->retry, ACCEPT_RETRY_MS);
}

static int handle_retry(void *data) {
	struct fw_socket *sock = data;
	if (sock->spare_fd < 0) {
		sock->spare_fd = open_spare();
	}
	wl_event_source_fd_update(sock->source, WL_EVENT_READABLE);
	return 0;
}

/* The connection waiting first is refused (accepted and closed), so that
 * the socket stops being readable for it; it sees its connection closed. */
/* One line per episode, however many clients it refuses. */
static void note_exhausted(struct fw_socket *sock, int err) {
	if (!sock->exhausted) {
		sock->exhausted = true;
		wlr_log(WLR_ERROR,
			"socket %s: out of file descriptors (%s); "
			"refusing new clients until some are freed",
			sock->name, strerror(err));
	}
}

static void refuse_one(struct fw_socket *sock, int err) {
	note_exhausted(sock, err);
	if (sock->spare_fd >= 0) {
		close(sock->spare_fd);
		int doomed = accept4(sock->fd, NULL, NULL, SOCK_CLOEXEC);
		if (doomed >= 0) {
			close(doomed);
		}
		sock->spare_fd = open_spare();
	}
	if (sock->spare_fd < 0) {
		pause_accepting(sock);
	}
}

static int handle_readable(int fd, uint32_t mask, void *data) {
	struct fw_socket *sock = data;
	int client_fd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (client_fd < 0) {
		int err = errno;
		if (err == EMFILE || err == ENFILE) {
			refuse_one(sock, err);
		} else if (err != EAGAIN && err != EINTR && err != ECONNABORTED) {
			wlr_log(WLR_ERROR, "socket %s: accept: %s", sock->name,
				strerror(err));
			pause_accepting(sock);
		}
		return 0;
	}
	/* The event loop dups the client's fd, so the accept can succeed
	 * with the last free fd and wl_client_create() still run out: the
	 * same episode, and the connection is refused the same way. */
	if (wl_client_create(sock->display, client_fd) == NULL) {
		int err = errno;
		close(client_fd);
		if (err == EMFILE || err == ENFILE) {
			note_exhausted(sock, err);
		} else {
			wlr_log(WLR_ERROR, "socket %s: cannot create a client: %s",
				sock->name, strerror(err));
		}
		return 0;
	}
	if (sock->exhausted) {
		sock->exhausted = false;
		wlr_log(WLR_INFO, "socket %s: accepting clients again", sock->name);
	}
	return 0;
}

enum lock_result { LOCKED, IN_USE, FAILED };

/*
 * Take NAME.lock the way libwayland does, so that two compositors (ours or
 * not) never share a name.  Only with the lock held may a socket file left
 * by a dead compositor be removed.
 */
static enum lock_result lock_name(struct fw_socket *sock) {
	sock->lock_fd = open(sock->lock_path, O_CREAT | O_CLOEXEC | O_RDWR,
		S_IRUSR | S_IWUSR | S_IRGRP | S_IWGRP);
	if (sock->lock_fd < 0) {
		wlr_log_errno(WLR_ERROR, "cannot create %s", sock->lock_path);
		return FAILED;
	}
	if (flock(sock->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		int err = errno;
		close(sock->lock_fd);
		sock->lock_fd = -1;
		if (err == EWOULDBLOCK) {
			return IN_USE;
		}
		wlr_log(WLR_ERROR, "cannot lock %s: %s", sock->lock_path,
			strerror(err));
		return FAILED;
	}
	struct stat st;
	if (lstat(sock->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			wlr_log(WLR_ERROR, "%s exists and is not a socket", sock->path);
			return FAILED;
		}
		if (unlink(sock->path) < 0) {
			wlr_log_errno(WLR_ERROR, "cannot remove the stale %s", sock->path);
			return FAILED;
		}
	} else if (errno != ENOENT) {
		wlr_log_errno(WLR_ERROR, "cannot check %s", sock->path);
		return FAILED;
	}
	return LOCKED;
}

static bool set_name(struct fw_socket *sock, const char *dir,
	const char *name) {
	int n = snprintf(sock->name, sizeof(sock->name), "%s", name);
	int p = snprintf(sock->path, sizeof(sock->path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(sock->name) || p < 0 ||
		(size_t)p >= sizeof(sock->path)) {
		wlr_log(WLR_ERROR, "socket path %s/%s is too long", dir, name);
		return false;
	}
	snprintf(sock->lock_path, sizeof(sock->lock_path), "%s%s", sock->path,
		LOCK_SUFFIX);
	return true;
}

static bool bind_and_listen(struct fw_socket *sock) {
	sock->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock->fd < 0) {
		wlr_log_errno(WLR_ERROR, "socket %s: socket()", sock->name);
		return false;
	}
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	memcpy(addr.sun_path, sock->path, sizeof(addr.sun_path));
	if (bind(sock->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		wlr_log_errno(WLR_ERROR, "cannot bind %s", sock->path);
		return false;
	}
	sock->bound = true;
	if (listen(sock->fd, LISTEN_BACKLOG) < 0) {
		wlr_log_errno(WLR_ERROR, "cannot listen on %s", sock->path);
		return false;
	}
	struct wl_event_loop *loop = wl_display_get_event_loop(sock->display);
	sock->source = wl_event_loop_add_fd(loop, sock->fd, WL_EVENT_READABLE,
		handle_readable, sock);
	sock->retry = wl_event_loop_add_timer(loop, handle_retry, sock);
	if (sock->source == NULL || sock->retry == NULL) {
		wlr_log(WLR_ERROR, "socket %s: cannot watch it", sock->name);
		return false;
	}
	return true;
}

struct fw_socket *fw_socket_create(struct wl_display *display, const char *dir,
	const char *name) {
	struct fw_socket *sock = calloc(1, sizeof(*sock));
	if (sock == NULL) {
		return NULL;
	}
	sock->display = display;
	sock->fd = -1;
	sock->lock_fd = -1;
	sock->spare_fd = open_spare();

	enum lock_result locked = FAILED;
	if (name != NULL) {
		if (set_name(sock, dir, name)) {
			locked = lock_name(sock);
		}
		if (locked == IN_USE) {
			wlr_log(WLR_ERROR,
				"socket %s is in use (another compositor?); "
				"name another with --socket",
				name);
		}
	} else {
		for (int i = 0; i <= AUTO_NAME_MAX; i++) {
			char auto_name[32];
			snprintf(auto_name, sizeof(auto_name), "wayland-%d", i);
			if (!set_name(sock, dir, auto_name)) {
				break;
			}
			locked = lock_name(sock);
			if (locked != IN_USE) {
				break;
			}
		}
		if (locked == IN_USE) {
			wlr_log(WLR_ERROR,
				"no free socket in %s: wayland-0 to "
				"wayland-%d are in use (name one with --socket)",
				dir, AUTO_NAME_MAX);
		}
	}
	if (locked != LOCKED || !bind_and_listen(sock)) {
		fw_socket_destroy(sock);
		return NULL;
	}
	return sock;
}

const char *fw_socket_name(const struct fw_socket *sock) {
	return sock->name;
}

void fw_socket_destroy(struct fw_socket *sock) {
	if (sock == NULL) {
		return;
	}
	if (sock->source != NULL) {
		wl_event_source_remove(sock->source);
	}
	if (sock->retry != NULL) {
		wl_event_source_remove(sock->retry);
	}
	if (sock->spare_fd >= 0) {
		close(sock->spare_fd);
	}
	if (sock->fd >= 0) {
		close(sock->fd);
	}
	if (sock->bound) {
		unlink(sock->path);
	}
	/* Without the lock both files may be another compositor's. */
	if (sock->lock_fd >= 0) {
		unlink(sock->lock_path);
		close(sock->lock_fd);
	}
	free(sock);
}
