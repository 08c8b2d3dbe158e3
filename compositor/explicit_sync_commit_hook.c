/*
 * The pre-commit hook.
 *
 * wlroots 0.15 has no signal that fires when a client commits, before the
 * state is applied (0.16 added client_commit).  libwayland-server gives us
 * one anyway: wl_client_connection_data() calls every protocol logger for a
 * request after demarshalling it and *before* its handler runs.  So a logger
 * that spots wl_surface.commit can look at the surface's pending state --
 * exactly what the commit will apply -- and take wlr_surface_lock_pending()
 * before wlroots decides between applying and caching it (DESIGN §2).
 *
 * The logger runs for every message in both directions, so it leaves as
 * fast as it can for anything that is not a wl_surface.commit request.
 */
#include <string.h>
#include <wayland-server-core.h>
#include <wayland-server-protocol.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/util/log.h>
#include "explicit_sync_private.h"
#include "surface_sync.h"

static void commit_hook(void *user_data, enum wl_protocol_logger_type type,
		const struct wl_protocol_logger_message *message) {
	struct fw_es *es = user_data;
	if (type != WL_PROTOCOL_LOGGER_REQUEST ||
			message->message_opcode != es->surface_commit_opcode) {
		return;
	}
	/* The wl_message comes from the interface the resource was created
	 * with; wlroots creates wl_surface with libwayland's own table, so a
	 * pointer comparison identifies wl_surface.commit without strcmp. */
	if (message->message !=
			&wl_surface_interface.methods[es->surface_commit_opcode]) {
		return;
	}
	struct wl_resource *resource = message->resource;
	if (fw_es_client_failed(es, wl_resource_get_client(resource))) {
		/* A client we posted an error to gets nothing more from us. */
		return;
	}
	struct wlr_surface *surface = wlr_surface_from_resource(resource);
	struct fw_es_surface *ess = fw_es_surface_find(es, surface);
	if (ess == NULL) {
		/* Never asked for explicit sync: plain implicit behaviour. */
		return;
	}
	fw_es_surface_handle_commit_request(ess);
}

bool fw_es_commit_hook_init(struct fw_es *es) {
	/* The server header has no opcode macros; look the request up once. */
	es->surface_commit_opcode = -1;
	for (int i = 0; i < wl_surface_interface.method_count; i++) {
		if (strcmp(wl_surface_interface.methods[i].name, "commit") == 0) {
			es->surface_commit_opcode = i;
		}
	}
	if (es->surface_commit_opcode < 0) {
		wlr_log(WLR_ERROR, "explicit-sync: wl_surface has no commit request?");
		return false;
	}
	es->logger = wl_display_add_protocol_logger(es->display, commit_hook, es);
	if (es->logger == NULL) {
		wlr_log(WLR_ERROR, "explicit-sync: cannot add the commit hook");
		return false;
	}
	return true;
}

void fw_es_commit_hook_finish(struct fw_es *es) {
	if (es->logger != NULL) {
		wl_protocol_logger_destroy(es->logger);
		es->logger = NULL;
	}
}
