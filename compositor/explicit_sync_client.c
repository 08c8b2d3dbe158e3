/*
 * Per-client bookkeeping for explicit sync: how many timelines a client
 * holds (a cap) and whether we have already posted it an error; and the
 * errors we post, through its compositor-wide record (client.h), which
 * keeps the budgets and limits the log lines.
 *
 * The record hangs off the wl_client's destroy signal, so finding it is a
 * wl_client_get_destroy_listener() lookup and it goes away with the client.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wayland-server-core.h>
#include <wlr/util/log.h>
#include "explicit_sync_private.h"
#include "server.h"

static void client_handle_destroy(struct wl_listener *listener, void *data) {
	struct fw_es_client *esc = wl_container_of(listener, esc, destroy);
	/* Releases still owed for this client's commits will find nobody to
	 * answer (their timelines are still signalled). */
	struct fw_es_record *record;
	wl_list_for_each(record, &esc->es->records, link) {
		if (record->client == esc->client) {
			record->client = NULL;
		}
	}
	wl_list_remove(&esc->destroy.link);
	wl_list_remove(&esc->link);
	free(esc);
}

struct fw_es_client *fw_es_client_find(struct fw_es *es,
	struct wl_client *client) {
	/* Several modules could use the same notify function on one client only
	 * if they shared this file; there is one fw_es per process. */
	struct wl_listener *listener =
		wl_client_get_destroy_listener(client, client_handle_destroy);
	if (listener == NULL) {
		return NULL;
	}
	struct fw_es_client *esc = wl_container_of(listener, esc, destroy);
	return esc->es == es ? esc : NULL;
}

struct fw_es_client *fw_es_client_get(struct fw_es *es,
	struct wl_client *client) {
	struct fw_es_client *esc = fw_es_client_find(es, client);
	if (esc != NULL) {
		return esc;
	}
	esc = calloc(1, sizeof(*esc));
	if (esc == NULL) {
		wl_client_post_no_memory(client);
		return NULL;
	}
	esc->es = es;
	esc->client = client;
	esc->destroy.notify = client_handle_destroy;
	wl_client_add_destroy_listener(client, &esc->destroy);
	wl_list_insert(&es->clients, &esc->link);
	return esc;
}

bool fw_es_client_failed(struct fw_es *es, struct wl_client *client) {
	struct fw_es_client *esc = fw_es_client_find(es, client);
	return esc != NULL && esc->error_posted;
}

static void mark_failed(struct fw_es *es, struct wl_client *client) {
	/* If even this allocation fails the client was sent no_memory, which
	 * disconnects it just the same. */
	struct fw_es_client *esc = fw_es_client_get(es, client);
	if (esc != NULL) {
		esc->error_posted = true;
	}
}

void fw_es_post_error(struct fw_es *es, struct wl_resource *resource,
	uint32_t code, const char *fmt, ...) {
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	struct wl_client *client = wl_resource_get_client(resource);
	struct fw_client *record = fw_client_get(&es->server->clients, client);
	if (record != NULL) {
		fw_client_log(record, FW_CLIENT_EVENT_PROTOCOL_ERROR, WLR_INFO,
			"%s@%u error %u: %s", wl_resource_get_class(resource),
			wl_resource_get_id(resource), code, msg);
	}
	mark_failed(es, client);
	wl_resource_post_error(resource, code, "%s", msg);
}

void fw_es_post_no_memory(struct fw_es *es, struct wl_client *client) {
	mark_failed(es, client);
	wl_client_post_no_memory(client);
}

struct fw_client *fw_es_client_record(struct fw_es *es,
	struct wl_client *client) {
	struct fw_client *record = fw_client_get(&es->server->clients, client);
	if (record == NULL) {
		/* fw_client_get sent no_memory. */
		mark_failed(es, client);
	}
	return record;
}

/* Log (through the client's limiter) and disconnect with msg. */
static void disconnect(struct fw_es *es, struct wl_client *client,
	const char *msg) {
	struct fw_client *record = fw_es_client_record(es, client);
	if (record == NULL) {
		return;
	}
	fw_client_log(record, FW_CLIENT_EVENT_LIMIT, WLR_ERROR, "disconnected: %s",
		msg);
	mark_failed(es, client);
	wl_client_post_implementation_error(client, "%s", msg);
}

void fw_es_post_cap_error(struct fw_es *es, struct wl_client *client,
	const char *fmt, ...) {
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	disconnect(es, client, msg);
}

void fw_es_post_budget_error(struct fw_es *es, struct wl_client *client,
	enum fw_budget budget, const char *fmt, ...) {
	struct fw_client *record = fw_es_client_record(es, client);
	if (record == NULL) {
		return;
	}
	char msg[256];
	fw_client_budget_text(record, budget, msg, sizeof(msg));
	size_t len = strlen(msg);
	snprintf(msg + len, sizeof(msg) - len, ": ");
	len = strlen(msg);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg + len, sizeof(msg) - len, fmt, ap);
	va_end(ap);
	disconnect(es, client, msg);
}
