/*
 * The per-client log limiter (compositor/client.c), in process: a real
 * wl_display with real clients on socketpairs, every line wlroots' logger
 * writes captured.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include "client.h"

static char lines[16][512];
static int num_lines;

static void capture(enum wlr_log_importance importance, const char *fmt,
		va_list args) {
	assert(num_lines < 16);
	vsnprintf(lines[num_lines++], sizeof(lines[0]), fmt, args);
}

static struct wl_client *connect_client(struct wl_display *display, int *peer) {
	int fds[2];
	assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
	struct wl_client *client = wl_client_create(display, fds[0]);
	assert(client != NULL);
	*peer = fds[1];
	return client;
}

int main(void) {
	wlr_log_init(WLR_INFO, capture);
	struct wl_display *display = wl_display_create();
	struct fw_clients clients;
	/* An interval no test run reaches: what is held back is a count. */
	fw_clients_init(&clients, (int64_t)3600 * 1000000000);

	int peer_a, peer_b;
	struct wl_client *a = connect_client(display, &peer_a);
	struct wl_client *b = connect_client(display, &peer_b);
	struct fw_client *ca = fw_client_get(&clients, a);
	assert(ca != NULL && fw_client_get(&clients, a) == ca);
	assert(ca->pid == getpid());
	struct fw_client *cb = fw_client_get(&clients, b);
	assert(cb != NULL && cb != ca);

	/* A flood of one kind from one client: one line. */
	int written = 0;
	for (int i = 0; i < 1000; i++) {
		written += fw_client_log(ca, FW_CLIENT_EVENT_STALL, WLR_INFO,
			"held %d", i);
	}
	assert(written == 1 && num_lines == 1);
	char want[128];
	snprintf(want, sizeof(want), "client pid %d (%s): held 0", (int)getpid(),
		ca->command);
	/* wlr_log puts "[file:line] " in front. */
	const char *text = strstr(lines[0], "] ");
	assert(text != NULL && strcmp(text + 2, want) == 0);

	/* Other kinds, and other clients, are limited on their own. */
	assert(fw_client_log(ca, FW_CLIENT_EVENT_FENCE_ERROR, WLR_ERROR, "e"));
	assert(fw_client_log(cb, FW_CLIENT_EVENT_STALL, WLR_INFO, "b held"));
	assert(num_lines == 3);

	/* Leaving says what was held back, once per kind that held any. */
	wl_client_destroy(a);
	assert(num_lines == 4);
	assert(strstr(lines[3], "999 more stall lines were held back") != NULL);
	wl_client_destroy(b);
	assert(num_lines == 4);

	fw_clients_finish(&clients);
	close(peer_a);
	close(peer_b);
	wl_display_destroy(display);
	return 0;
}
