/*
 * The per-client log limiter and budgets (compositor/client.c), in
 * process: a real wl_display with real clients on socketpairs, every line
 * wlroots' logger writes captured.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
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
	/* The defaults follow the fd limit: a reserve of max(256, limit/8),
	 * a third of the rest per client, 16..4096. */
	uint32_t defaults[FW_BUDGET_COUNT];
	fw_budget_defaults(1024, defaults);
	assert(defaults[FW_BUDGET_FDS] == 256 && defaults[FW_BUDGET_WAITS] == 256);
	fw_budget_defaults(8192, defaults);
	assert(defaults[FW_BUDGET_FDS] == (8192 - 1024) / 3);
	fw_budget_defaults(1048576, defaults);
	assert(defaults[FW_BUDGET_FDS] == 4096);
	fw_budget_defaults(100, defaults);
	assert(defaults[FW_BUDGET_FDS] == 16);

	struct fw_clients clients;
	/* An interval no test run reaches: what is held back is a count.
	 * Small budgets given; waits left to the default. */
	const uint32_t budget[FW_BUDGET_COUNT] = {[FW_BUDGET_FDS] = 3};
	fw_clients_init(&clients, (int64_t)3600 * 1000000000, budget);
	assert(num_lines == 1 &&
		strstr(lines[0], "client budgets: 3 fds, 256 waits per client") !=
			NULL);
	num_lines = 0;

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

	/* Budgets: up to the budget and not one more; a failed charge counts
	 * nothing; each client has its own. */
	assert(fw_client_charge(ca, FW_BUDGET_FDS, 2));
	assert(!fw_client_charge(ca, FW_BUDGET_FDS, 2));
	assert(fw_client_charge(ca, FW_BUDGET_FDS, 1));
	assert(!fw_client_charge(ca, FW_BUDGET_FDS, 1));
	assert(!fw_client_charge(ca, FW_BUDGET_FDS, UINT32_MAX));
	assert(fw_client_charge(cb, FW_BUDGET_FDS, 3));
	fw_client_uncharge(cb, FW_BUDGET_FDS, 3);
	fw_client_uncharge(ca, FW_BUDGET_FDS, 1);
	assert(fw_client_charge(ca, FW_BUDGET_FDS, 1));
	char budget_text[64];
	fw_client_budget_text(ca, FW_BUDGET_FDS, budget_text, sizeof(budget_text));
	assert(strcmp(budget_text, "fd budget (3) exceeded") == 0);
	fw_client_budget_text(ca, FW_BUDGET_WAITS, budget_text,
		sizeof(budget_text));
	assert(strcmp(budget_text, "wait budget (256) exceeded") == 0);

	/* An object still charged to a client keeps its record after the
	 * client left, and gives its charge back later. */
	fw_client_ref(ca);
	/* Leaving says what was held back, once per kind that held any. */
	wl_client_destroy(a);
	assert(num_lines == 4);
	assert(strstr(lines[3], "999 more stall lines were held back") != NULL);
	assert(ca->wl_client == NULL && ca->charged[FW_BUDGET_FDS] == 3);
	fw_client_uncharge(ca, FW_BUDGET_FDS, 3);
	fw_client_unref(ca);
	wl_client_destroy(b);
	assert(num_lines == 4);

	fw_clients_finish(&clients);
	close(peer_a);
	close(peer_b);
	wl_display_destroy(display);
	return 0;
}
