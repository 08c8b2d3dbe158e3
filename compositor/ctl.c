/*
 * The fenceway-ctl socket (ctl.h, ctl_protocol.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <wlr/util/log.h>
#include "ctl.h"
#include "ctl_protocol.h"
#include "server.h"
#include "stalls.h"
#include "telemetry.h"

/* Connections served at once; more are closed at accept. */
#define MAX_CONNECTIONS 8
/* A connection still open this long after accept is closed. */
#define CONNECTION_TIMEOUT_MS 5000
/* Received fds kept per connection (the others are closed at once). */
#define MAX_FDS 4

struct fw_ctl {
	struct fw_server *server;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool bound;
	struct wl_event_source *source;
	struct wl_list connections; /* struct ctl_conn.link */
	int n_connections;
};

struct ctl_conn {
	struct fw_ctl *ctl;
	int fd;
	int received_fd; /* the one fd a request may carry, or -1 */
	struct wl_event_source *source, *timeout;
	char request[FW_CTL_MAX_REQUEST];
	size_t request_len;
	char *reply; /* malloc'ed, while writing */
	size_t reply_len, reply_off;
	struct wl_list link;
};

/*
 * Closing a Unix socket with unread bytes resets the connection, and the
 * peer may lose the reply: read what is left of a request first (fds in
 * it are closed by the kernel), a bounded amount.
 */
static void drain_close(int fd) {
	char sink[1024];
	for (int i = 0; i < 16; i++) {
		if (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) <= 0) {
			break;
		}
	}
	close(fd);
}

static void conn_destroy(struct ctl_conn *conn) {
	if (conn->received_fd >= 0) {
		close(conn->received_fd);
	}
	wl_event_source_remove(conn->source);
	wl_event_source_remove(conn->timeout);
	drain_close(conn->fd);
	free(conn->reply);
	wl_list_remove(&conn->link);
	conn->ctl->n_connections--;
	free(conn);
}

/* ---- the commands ---- */

static void cmd_status(struct fw_ctl *ctl, FILE *out) {
	struct fw_server *server = ctl->server;
	fputs(FW_CTL_OK, out);
	fprintf(out, "fenceway %s, pid %d; trace %s\n", FENCEWAY_VERSION,
		(int)getpid(), server->telemetry != NULL ? "running" : "off");
	fw_stalls_write_status(server->stalls, out);
}

static void cmd_trace_start(struct ctl_conn *conn, const char *name,
	FILE *out) {
	struct fw_server *server = conn->ctl->server;
	struct stat st;
	if (conn->received_fd < 0) {
		fputs(FW_CTL_ERROR "trace start needs the file's fd (SCM_RIGHTS)\n",
			out);
		return;
	}
	if (fstat(conn->received_fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		/* A pipe or socket could block the main loop on a write. */
		fputs(FW_CTL_ERROR "trace start needs a regular file\n", out);
		return;
	}
	if (server->telemetry != NULL) {
		fputs(FW_CTL_ERROR "a trace is already running\n", out);
		return;
	}
	int fd = conn->received_fd;
	conn->received_fd = -1;
	server->telemetry = fw_telemetry_create(server->commits, &server->clients,
		server->protocol_watch, fd, false);
	if (server->telemetry == NULL) {
		fputs(FW_CTL_ERROR "cannot start the trace (see the log)\n", out);
		return;
	}
	wlr_log(WLR_INFO, "fenceway-ctl: trace started%s%s",
		name[0] != '\0' ? " on " : "", name);
	fputs(FW_CTL_OK, out);
}

static void cmd_trace_stop(struct fw_ctl *ctl, FILE *out) {
	struct fw_server *server = ctl->server;
	if (server->telemetry == NULL) {
		fputs(FW_CTL_ERROR "no trace is running\n", out);
		return;
	}
	fw_telemetry_destroy(server->telemetry);
	server->telemetry = NULL;
	wlr_log(WLR_INFO, "fenceway-ctl: trace stopped");
	fputs(FW_CTL_OK, out);
}

/* The request line (NUL terminated, without its '\n') into out. */
static void run_request(struct ctl_conn *conn, const char *line, FILE *out) {
	struct fw_ctl *ctl = conn->ctl;
	size_t start_len = strlen(FW_CTL_TRACE_START);
	if (strcmp(line, FW_CTL_STATUS) == 0) {
		cmd_status(ctl, out);
	} else if (strcmp(line, FW_CTL_STALLS) == 0) {
		fputs(FW_CTL_OK, out);
		fw_stalls_write_stalls(ctl->server->stalls, out);
	} else if (strncmp(line, FW_CTL_TRACE_START, start_len) == 0 &&
		(line[start_len] == '\0' || line[start_len] == ' ')) {
		const char *name = line + start_len;
		cmd_trace_start(conn, name[0] == ' ' ? name + 1 : name, out);
	} else if (strcmp(line, FW_CTL_TRACE_STOP) == 0) {
		cmd_trace_stop(ctl, out);
	} else {
		fputs(FW_CTL_ERROR "unknown request (status, stalls, trace start, "
						   "trace stop)\n",
			out);
	}
}

/* ---- the connection ---- */

/* Write what the peer takes now; true when the reply is out (or the peer
 * gone), and the connection can close. */
static bool conn_write(struct ctl_conn *conn) {
	while (conn->reply_off < conn->reply_len) {
		ssize_t n = send(conn->fd, conn->reply + conn->reply_off,
			conn->reply_len - conn->reply_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return false;
		}
		if (n <= 0) {
			return true;
		}
		conn->reply_off += (size_t)n;
	}
	return true;
}

/* The request is complete (or broken, error set): build the reply and
 * start writing it. */
static void conn_reply(struct ctl_conn *conn, const char *error) {
	FILE *out = open_memstream(&conn->reply, &conn->reply_len);
	if (out == NULL) {
		conn_destroy(conn);
		return;
	}
	if (error != NULL) {
		fprintf(out, FW_CTL_ERROR "%s\n", error);
	} else {
		run_request(conn, conn->request, out);
	}
	if (fclose(out) != 0) {
		conn_destroy(conn);
		return;
	}
	/* Whatever the request, an fd it brought is not needed any more. */
	if (conn->received_fd >= 0) {
		close(conn->received_fd);
		conn->received_fd = -1;
	}
	if (conn_write(conn)) {
		conn_destroy(conn);
		return;
	}
	wl_event_source_fd_update(conn->source, WL_EVENT_WRITABLE);
}

/* Read what is there: bytes of the request line, and fds. */
static void conn_read(struct ctl_conn *conn) {
	char cbuf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
	struct iovec iov = {
		.iov_base = conn->request + conn->request_len,
		.iov_len = sizeof(conn->request) - 1 - conn->request_len,
	};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	ssize_t n = recvmsg(conn->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		return;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL;
		 c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			continue;
		}
		size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfds; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (conn->received_fd < 0) {
				conn->received_fd = fd;
			} else {
				close(fd);
			}
		}
	}
	if (n < 0) {
		conn_destroy(conn);
		return;
	}
	if (n == 0) {
		conn_reply(conn, "the request ended before its newline");
		return;
	}
	conn->request_len += (size_t)n;
	conn->request[conn->request_len] = '\0';
	char *newline = memchr(conn->request, '\n', conn->request_len);
	if (newline != NULL) {
		*newline = '\0';
		bool text = strlen(conn->request) == (size_t)(newline - conn->request);
		conn_reply(conn, text ? NULL : "the request holds a NUL byte");
	} else if (conn->request_len == sizeof(conn->request) - 1) {
		conn_reply(conn, "the request is too long");
	}
}

static int conn_handle_event(int fd, uint32_t mask, void *data) {
	struct ctl_conn *conn = data;
	if (conn->reply != NULL) {
		if (conn_write(conn) || (mask & (WL_EVENT_HANGUP | WL_EVENT_ERROR))) {
			conn_destroy(conn);
		}
		return 0;
	}
	conn_read(conn);
	return 0;
}

static int conn_handle_timeout(void *data) {
	struct ctl_conn *conn = data;
	wlr_log(WLR_DEBUG, "fenceway-ctl: a connection timed out");
	conn_destroy(conn);
	return 0;
}

/* ---- the listening socket ---- */

/* The peer is this process's user (SO_PEERCRED: checked by the kernel at
 * connect). */
static bool peer_allowed(int fd) {
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		return false;
	}
	if (cred.uid != geteuid()) {
		wlr_log(WLR_INFO,
			"fenceway-ctl: refused pid %d, uid %u (not the compositor's "
			"user)",
			(int)cred.pid, (unsigned)cred.uid);
		return false;
	}
	return true;
}

static void accept_one(struct fw_ctl *ctl, int fd) {
	if (!peer_allowed(fd)) {
		static const char refused[] = FW_CTL_ERROR "not your compositor\n";
		send(fd, refused, sizeof(refused) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		drain_close(fd);
		return;
	}
	struct ctl_conn *conn =
		ctl->n_connections < MAX_CONNECTIONS ? calloc(1, sizeof(*conn)) : NULL;
	if (conn == NULL) {
		close(fd);
		return;
	}
	conn->ctl = ctl;
	conn->fd = fd;
	conn->received_fd = -1;
	struct wl_event_loop *loop = ctl->server->event_loop;
	conn->source = wl_event_loop_add_fd(loop, fd, WL_EVENT_READABLE,
		conn_handle_event, conn);
	conn->timeout = wl_event_loop_add_timer(loop, conn_handle_timeout, conn);
	if (conn->source == NULL || conn->timeout == NULL) {
		if (conn->source != NULL) {
			wl_event_source_remove(conn->source);
		}
		if (conn->timeout != NULL) {
			wl_event_source_remove(conn->timeout);
		}
		close(fd);
		free(conn);
		return;
	}
	wl_event_source_timer_update(conn->timeout, CONNECTION_TIMEOUT_MS);
	wl_list_insert(&ctl->connections, &conn->link);
	ctl->n_connections++;
}

static int handle_listen(int fd, uint32_t mask, void *data) {
	struct fw_ctl *ctl = data;
	/* A few per wake-up, so that a flood cannot hold the loop. */
	for (int i = 0; i < MAX_CONNECTIONS; i++) {
		int conn_fd =
			accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (conn_fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
				errno != ECONNABORTED) {
				wlr_log_errno(WLR_DEBUG, "fenceway-ctl: accept");
			}
			break;
		}
		accept_one(ctl, conn_fd);
	}
	return 0;
}

struct fw_ctl *fw_ctl_create(struct fw_server *server, const char *dir,
	const char *socket_name) {
	struct fw_ctl *ctl = calloc(1, sizeof(*ctl));
	if (ctl == NULL) {
		wlr_log(WLR_ERROR, "fenceway-ctl: out of memory");
		return NULL;
	}
	ctl->server = server;
	ctl->fd = -1;
	wl_list_init(&ctl->connections);
	int n = snprintf(ctl->path, sizeof(ctl->path), "%s/%s" FW_CTL_SUFFIX, dir,
		socket_name);
	if (n < 0 || (size_t)n >= sizeof(ctl->path)) {
		wlr_log(WLR_ERROR, "fenceway-ctl: socket path %s/%s%s is too long", dir,
			socket_name, FW_CTL_SUFFIX);
		goto fail;
	}
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl->fd < 0) {
		wlr_log_errno(WLR_ERROR, "fenceway-ctl: socket()");
		goto fail;
	}
	/* The Wayland socket's lock is ours, so NAME.ctl is too: one left by
	 * a compositor that crashed goes. */
	struct stat st;
	if (lstat(ctl->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		unlink(ctl->path);
	}
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	memcpy(addr.sun_path, ctl->path, sizeof(addr.sun_path));
	if (bind(ctl->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		wlr_log_errno(WLR_ERROR, "fenceway-ctl: cannot bind %s", ctl->path);
		goto fail;
	}
	ctl->bound = true;
	/* The runtime directory is the user's alone already; the socket too,
	 * and SO_PEERCRED checks every peer anyway. */
	if (chmod(ctl->path, 0600) < 0 || listen(ctl->fd, MAX_CONNECTIONS) < 0) {
		wlr_log_errno(WLR_ERROR, "fenceway-ctl: cannot listen on %s",
			ctl->path);
		goto fail;
	}
	ctl->source = wl_event_loop_add_fd(server->event_loop, ctl->fd,
		WL_EVENT_READABLE, handle_listen, ctl);
	if (ctl->source == NULL) {
		wlr_log(WLR_ERROR, "fenceway-ctl: cannot watch %s", ctl->path);
		goto fail;
	}
	wlr_log(WLR_INFO, "fenceway-ctl socket: %s", ctl->path);
	return ctl;

fail:
	fw_ctl_destroy(ctl);
	return NULL;
}

void fw_ctl_destroy(struct fw_ctl *ctl) {
	if (ctl == NULL) {
		return;
	}
	struct ctl_conn *conn, *tmp;
	wl_list_for_each_safe(conn, tmp, &ctl->connections, link) {
		conn_destroy(conn);
	}
	if (ctl->source != NULL) {
		wl_event_source_remove(ctl->source);
	}
	if (ctl->fd >= 0) {
		close(ctl->fd);
	}
	if (ctl->bound) {
		unlink(ctl->path);
	}
	free(ctl);
}
