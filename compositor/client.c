/*
 * Client records and the per-client log limiter (client.h).
 */
#include <assert.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "client.h"

static const char *const event_names[FW_CLIENT_EVENT_COUNT] = {
	[FW_CLIENT_EVENT_STALL] = "stall",
	[FW_CLIENT_EVENT_FENCE_ERROR] = "fence error",
	[FW_CLIENT_EVENT_PROTOCOL_ERROR] = "protocol error",
	[FW_CLIENT_EVENT_LIMIT] = "limit",
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
	wl_list_remove(&client->link);
	free(client);
}

void fw_clients_init(struct fw_clients *clients, int64_t log_interval_ns) {
	assert(log_interval_ns > 0);
	clients->log_interval_ns = log_interval_ns;
	wl_list_init(&clients->clients);
}

void fw_clients_finish(struct fw_clients *clients) {
	/* Client records die with their clients, which are gone by now. */
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
