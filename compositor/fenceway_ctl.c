/*
 * fenceway-ctl: ask a running fenceway for its status, its stalls, or to
 * start and stop a trace (docs/telemetry.md).  ctl_protocol.h has the wire
 * format; this tool only sends one line (and, for trace start, the fd of
 * the file it opened itself) and prints the reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "ctl_protocol.h"

static const char usage[] =
	"Usage: fenceway-ctl [-s NAME] COMMAND\n"
	"\n"
	"  status             clients, surfaces, held commits and what each\n"
	"                     waits for, pending releases, per-client summary\n"
	"  stalls             the clients stalled right now\n"
	"  trace start FILE   start a trace (Chrome trace-event JSON) into FILE\n"
	"  trace stop         end it (the file is then strict JSON)\n"
	"\n"
	"  -s NAME            the compositor's Wayland socket (default:\n"
	"                     $WAYLAND_DISPLAY); its control socket is\n"
	"                     $XDG_RUNTIME_DIR/NAME.ctl\n"
	"  -h, --help         show this help\n";

static int bad_usage(const char *what) {
	fprintf(stderr, "fenceway-ctl: %s\n%s", what, usage);
	return 2;
}

/* The control socket's path for the Wayland socket name (or path). */
static int control_path(const char *name, char *path, size_t size) {
	const char *dir = getenv("XDG_RUNTIME_DIR");
	int n;
	if (name[0] == '/') {
		n = snprintf(path, size, "%s" FW_CTL_SUFFIX, name);
	} else if (dir == NULL || dir[0] == '\0') {
		fprintf(stderr, "fenceway-ctl: XDG_RUNTIME_DIR is not set\n");
		return -1;
	} else {
		n = snprintf(path, size, "%s/%s" FW_CTL_SUFFIX, dir, name);
	}
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "fenceway-ctl: the socket path is too long\n");
		return -1;
	}
	return 0;
}

/* Send line (with fd when >= 0) in one message: 0 or a negative errno. */
static int send_request(int sock, const char *line, int fd) {
	struct iovec iov = {.iov_base = (void *)line, .iov_len = strlen(line)};
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	ssize_t n;
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		return -errno;
	}
	return (size_t)n == iov.iov_len ? 0 : -EMSGSIZE;
}

/* Print the reply: its first line decides the exit status (0 for "ok",
 * 1 for "error: ..." on stderr), the rest goes to stdout. */
static int print_reply(int sock) {
	char buf[4096];
	size_t have = 0;
	bool first_done = false, ok = false;
	for (;;) {
		ssize_t n = read(sock, buf + have, sizeof(buf) - have);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && errno == ECONNRESET && first_done) {
			/* A refusal closes before our request is read; the reply
			 * is already here. */
			break;
		}
		if (n < 0) {
			perror("fenceway-ctl: read");
			return 1;
		}
		if (n == 0) {
			break;
		}
		have += (size_t)n;
		if (!first_done) {
			char *nl = memchr(buf, '\n', have);
			if (nl == NULL && have < sizeof(buf)) {
				continue;
			}
			size_t first_len = nl != NULL ? (size_t)(nl - buf) + 1 : have;
			ok = strncmp(buf, FW_CTL_OK, first_len) == 0;
			if (!ok) {
				fprintf(stderr, "fenceway-ctl: %.*s", (int)first_len, buf);
			}
			first_done = true;
			memmove(buf, buf + first_len, have - first_len);
			have -= first_len;
		}
		fwrite(buf, 1, have, stdout);
		have = 0;
	}
	if (!first_done) {
		fprintf(stderr,
			"fenceway-ctl: the compositor closed the "
			"connection without a reply\n");
		return 1;
	}
	return ok ? 0 : 1;
}

int main(int argc, char *argv[]) {
	const char *name = getenv("WAYLAND_DISPLAY");
	int i = 1;
	if (i < argc &&
		(strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	if (i < argc && strcmp(argv[i], "-s") == 0) {
		if (i + 1 >= argc) {
			return bad_usage("-s needs a socket name");
		}
		name = argv[i + 1];
		i += 2;
	}
	if (name == NULL || name[0] == '\0') {
		name = "wayland-0";
	}
	char line[FW_CTL_MAX_REQUEST];
	int fd = -1;
	int rest = argc - i;
	if (rest == 1 &&
		(strcmp(argv[i], FW_CTL_STATUS) == 0 ||
			strcmp(argv[i], FW_CTL_STALLS) == 0)) {
		snprintf(line, sizeof(line), "%s\n", argv[i]);
	} else if (rest == 2 && strcmp(argv[i], "trace") == 0 &&
		strcmp(argv[i + 1], "stop") == 0) {
		snprintf(line, sizeof(line), FW_CTL_TRACE_STOP "\n");
	} else if (rest == 3 && strcmp(argv[i], "trace") == 0 &&
		strcmp(argv[i + 1], "start") == 0) {
		const char *file = argv[i + 2];
		int n = snprintf(line, sizeof(line), FW_CTL_TRACE_START " %s\n", file);
		if (n < 0 || (size_t)n >= sizeof(line) || strchr(file, '\n') != NULL) {
			/* The name is only for the compositor's log. */
			snprintf(line, sizeof(line), FW_CTL_TRACE_START "\n");
		}
		fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "fenceway-ctl: %s: %s\n", file, strerror(errno));
			return 1;
		}
	} else {
		return bad_usage(rest == 0 ? "a command is needed" : "unknown command");
	}

	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (control_path(name, addr.sun_path, sizeof(addr.sun_path)) < 0) {
		if (fd >= 0) {
			close(fd);
		}
		return 1;
	}
	int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr, "fenceway-ctl: cannot connect to %s: %s\n",
			addr.sun_path, strerror(errno));
		if (sock >= 0) {
			close(sock);
		}
		if (fd >= 0) {
			close(fd);
		}
		return 1;
	}
	int ret = send_request(sock, line, fd);
	if (fd >= 0) {
		/* The compositor has its own copy now. */
		close(fd);
	}
	if (ret == 0 || ret == -EPIPE || ret == -ECONNRESET) {
		/* Also when the compositor closed first: a refusal is said
		 * before it reads anything. */
		shutdown(sock, SHUT_WR);
		ret = print_reply(sock);
	} else {
		fprintf(stderr, "fenceway-ctl: send: %s\n", strerror(-ret));
		ret = 1;
	}
	close(sock);
	return ret;
}
