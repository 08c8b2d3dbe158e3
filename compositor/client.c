/*
 * Client records, the per-client log limiter and budgets (client.h).
 */
#include <assert.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "client.h"

static const char *const event_names[FW_CLIENT_EVENT_COUNT] = {
	[FW_CLIENT_EVENT_STALL] = "stall",
	[FW_CLIENT_EVENT_FENCE_ERROR] = "fence error",
	[FW_CLIENT_EVENT_PROTOCOL_ERROR] = "protocol error",
	[FW_CLIENT_EVENT_LIMIT] = "limit",
};

static const char *const budget_names[FW_BUDGET_COUNT] = {
	[FW_BUDGET_FDS] = "fd budget",
	[FW_BUDGET_WAITS] = "wait budget",
};

static int64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The command name the kernel keeps for @pid (15 characters at most). */
static void read_command(pid_t pid, char *buf, size_t size) {
	snprintf(buf, size, "?");
	if (pid <= 0) {
		return;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return;
	}
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0) {
		snprintf(buf, size, "?");
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static void client_free(struct fw_client *client) {
	for (int budget = 0; budget < FW_BUDGET_COUNT; budget++) {
		/* Whatever was charged holds a reference: all given back. */
		assert(client->charged[budget] == 0);
	}
	wl_list_remove(&client->link);
	free(client);
}

static void client_handle_destroy(struct wl_listener *listener, void *data) {
	struct fw_client *client = wl_container_of(listener, client, destroy);
	for (int kind = 0; kind < FW_CLIENT_EVENT_COUNT; kind++) {
		if (client->log[kind].suppressed > 0) {
			wlr_log(WLR_INFO,
				"client pid %d (%s): %" PRIu64 " more %s "
				"lines were held back",
				(int)client->pid, client->command, client->log[kind].suppressed,
				event_names[kind]);
		}
	}
	wl_list_remove(&client->destroy.link);
	client->wl_client = NULL;
	fw_client_unref(client);
}

void fw_budget_defaults(uint64_t nofile, uint32_t budget[FW_BUDGET_COUNT]) {
	uint64_t reserve =
		nofile / 8 > FW_BUDGET_RESERVE_MIN ? nofile / 8 : FW_BUDGET_RESERVE_MIN;
	uint64_t fds = nofile > reserve ? (nofile - reserve) / 3 : 0;
	if (fds < FW_BUDGET_FDS_MIN) {
		fds = FW_BUDGET_FDS_MIN;
	} else if (fds > FW_BUDGET_FDS_MAX) {
		fds = FW_BUDGET_FDS_MAX;
	}
	budget[FW_BUDGET_FDS] = (uint32_t)fds;
	budget[FW_BUDGET_WAITS] = FW_BUDGET_WAITS_DEFAULT;
}

void fw_clients_init(struct fw_clients *clients, int64_t log_interval_ns,
	const uint32_t budget[FW_BUDGET_COUNT]) {
	assert(log_interval_ns > 0);
	clients->log_interval_ns = log_interval_ns;
	wl_list_init(&clients->clients);

	struct rlimit limit = {0};
	uint64_t nofile = 1024;
	if (getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
		limit.rlim_cur != RLIM_INFINITY) {
		nofile = limit.rlim_cur;
	}
	uint32_t defaults[FW_BUDGET_COUNT];
	fw_budget_defaults(nofile, defaults);
	for (int i = 0; i < FW_BUDGET_COUNT; i++) {
		clients->budget[i] = budget[i] > 0 ? budget[i] : defaults[i];
	}
	wlr_log(WLR_INFO,
		"client budgets: %" PRIu32 " fds, %" PRIu32 " waits per client "
		"(fd limit %" PRIu64 ")",
		clients->budget[FW_BUDGET_FDS], clients->budget[FW_BUDGET_WAITS],
		nofile);
}

void fw_clients_finish(struct fw_clients *clients) {
	/* Records die with their clients and with the last object charged to
	 * them: both are gone by now. */
	assert(wl_list_empty(&clients->clients));
}

struct fw_client *fw_client_get(struct fw_clients *clients,
	struct wl_client *wl_client) {
	struct wl_listener *listener =
		wl_client_get_destroy_listener(wl_client, client_handle_destroy);
	if (listener != NULL) {
		struct fw_client *client = wl_container_of(listener, client, destroy);
		assert(client->clients == clients);
		return client;
	}
	struct fw_client *client = calloc(1, sizeof(*client));
	if (client == NULL) {
		wl_client_post_no_memory(wl_client);
		return NULL;
	}
	client->clients = clients;
	client->wl_client = wl_client;
	client->refs = 1; /* the client's, given back at its destroy signal */
	wl_client_get_credentials(wl_client, &client->pid, NULL, NULL);
	read_command(client->pid, client->command, sizeof(client->command));
	client->destroy.notify = client_handle_destroy;
	wl_client_add_destroy_listener(wl_client, &client->destroy);
	wl_list_insert(&clients->clients, &client->link);
	return client;
}

bool fw_client_log(struct fw_client *client, enum fw_client_event kind,
	enum wlr_log_importance importance, const char *fmt, ...) {
	assert(kind >= 0 && kind < FW_CLIENT_EVENT_COUNT);
	int64_t now = now_ns();
	if (client->log[kind].last_ns != 0 &&
		now - client->log[kind].last_ns < client->clients->log_interval_ns) {
		client->log[kind].suppressed++;
		return false;
	}
	char text[512];
	va_list args;
	va_start(args, fmt);
	vsnprintf(text, sizeof(text), fmt, args);
	va_end(args);
	if (client->log[kind].suppressed > 0) {
		wlr_log(importance,
			"client pid %d (%s): %s (%" PRIu64 " more "
			"held back)",
			(int)client->pid, client->command, text,
			client->log[kind].suppressed);
	} else {
		wlr_log(importance, "client pid %d (%s): %s", (int)client->pid,
			client->command, text);
	}
	client->log[kind].last_ns = now;
	client->log[kind].suppressed = 0;
	return true;
}

struct fw_client *fw_client_ref(struct fw_client *client) {
	assert(client->refs > 0);
	client->refs++;
	return client;
}

void fw_client_unref(struct fw_client *client) {
	if (client == NULL) {
		return;
	}
	assert(client->refs > 0);
	if (--client->refs == 0) {
		client_free(client);
	}
}

bool fw_client_charge(struct fw_client *client, enum fw_budget budget,
	uint32_t n) {
	assert(budget >= 0 && budget < FW_BUDGET_COUNT);
	uint32_t limit = client->clients->budget[budget];
	if (n > limit || client->charged[budget] > limit - n) {
		return false;
	}
	client->charged[budget] += n;
	return true;
}

void fw_client_uncharge(struct fw_client *client, enum fw_budget budget,
	uint32_t n) {
	assert(budget >= 0 && budget < FW_BUDGET_COUNT);
	assert(client->charged[budget] >= n);
	client->charged[budget] -= n;
}

void fw_client_budget_text(const struct fw_client *client,
	enum fw_budget budget, char *buf, size_t size) {
	assert(budget >= 0 && budget < FW_BUDGET_COUNT);
	snprintf(buf, size, "%s (%" PRIu32 ") exceeded", budget_names[budget],
		client->clients->budget[budget]);
}
