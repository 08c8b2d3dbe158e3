/*
 * wp_presentation with one feedback per commit (see presentation.h).
 *
 * A feedback waits on presentation->pending until its surface commits; the
 * commit tracker's request hook then moves it into the commit's slot (a
 * struct commit_feedbacks), and the commit's presented or discarded hook
 * answers it.  A feedback whose surface goes before committing is
 * discarded.
 */
#include <assert.h>
#include <stdlib.h>
#include <wayland-server-core.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_surface.h>
#include "commit.h"
#include "output.h"
#include "presentation-time-protocol.h"
#include "presentation.h"
#include "server.h"

struct fw_feedback {
	struct fw_presentation *presentation;
	struct wl_resource *resource; /* wp_presentation_feedback */
	/* While pending: the surface and the seq of the commit it belongs to. */
	struct wlr_surface *surface;
	uint32_t seq;
	struct wl_listener surface_destroy;
	struct wl_list link; /* presentation->pending, or commit_feedbacks */
};

/* A commit's slot: its feedbacks. */
struct commit_feedbacks {
	struct wl_list feedbacks; /* fw_feedback.link */
};

struct fw_presentation {
	struct fw_server *server;
	struct wl_global *global;
	clockid_t clock;
	int sub;                  /* on server->commits */
	struct wl_list pending;   /* fw_feedback.link */
	struct wl_list resources; /* bound wp_presentation objects */
};

/* ---- feedback objects ---- */

static void feedback_handle_resource_destroy(struct wl_resource *resource) {
	struct fw_feedback *fb = wl_resource_get_user_data(resource);
	wl_list_remove(&fb->surface_destroy.link);
	wl_list_remove(&fb->link);
	free(fb);
}

/* Send "discarded" and destroy the object (which frees fb). */
static void feedback_discard(struct fw_feedback *fb) {
	wp_presentation_feedback_send_discarded(fb->resource);
	if (fb->presentation != NULL) {
		fb->presentation->server->stats.feedback_discarded++;
	}
	wl_resource_destroy(fb->resource);
}

static void feedback_present(struct fw_feedback *fb,
	const struct wlr_output_event_present *ev) {
	/* sync_output first: one for each wl_output the client bound for the
	 * output the frame went to, as the protocol asks. */
	struct wl_client *client = wl_resource_get_client(fb->resource);
	struct wl_resource *output_resource;
	wl_resource_for_each(output_resource, &ev->output->resources) {
		if (wl_resource_get_client(output_resource) == client) {
			wp_presentation_feedback_send_sync_output(fb->resource,
				output_resource);
		}
	}
	uint64_t sec = (uint64_t)ev->when->tv_sec;
	uint32_t refresh = ev->refresh > 0 ? (uint32_t)ev->refresh : 0;
	wp_presentation_feedback_send_presented(fb->resource, (uint32_t)(sec >> 32),
		(uint32_t)sec, (uint32_t)ev->when->tv_nsec, refresh,
		(uint32_t)((uint64_t)ev->seq >> 32), (uint32_t)ev->seq, ev->flags);
	fb->presentation->server->stats.feedback_presented++;
	wl_resource_destroy(fb->resource);
}

static void feedback_handle_surface_destroy(struct wl_listener *listener,
	void *data) {
	struct fw_feedback *fb = wl_container_of(listener, fb, surface_destroy);
	/* Its commit will never be made. */
	feedback_discard(fb);
}

/* ---- the commit hooks ---- */

static bool handle_request(struct fw_commit *commit, void *data) {
	struct fw_presentation *presentation = data;
	struct wlr_surface *surface = fw_commit_surface(commit);
	uint32_t seq = fw_commit_seq(commit);
	struct commit_feedbacks *set = NULL;
	struct fw_feedback *fb, *tmp;
	wl_list_for_each_safe(fb, tmp, &presentation->pending, link) {
		if (fb->surface != surface || fb->seq != seq) {
			continue;
		}
		if (set == NULL) {
			set = calloc(1, sizeof(*set));
			if (set == NULL) {
				/* It stays pending and is discarded with its surface. */
				wl_client_post_no_memory(fw_commit_client(commit));
				return true;
			}
			wl_list_init(&set->feedbacks);
		}
		wl_list_remove(&fb->surface_destroy.link);
		wl_list_init(&fb->surface_destroy.link);
		fb->surface = NULL;
		wl_list_remove(&fb->link);
		wl_list_insert(set->feedbacks.prev, &fb->link);
	}
	if (set != NULL) {
		fw_commit_set_slot(commit, presentation->sub, set);
	}
	return true;
}

static void handle_applied(struct fw_commit *commit, void *data) {
	struct fw_presentation *presentation = data;
	if (fw_commit_get_slot(commit, presentation->sub) != NULL) {
		/* A commit without damage would not make the scene redraw, and the
		 * feedback would wait for the next unrelated frame; ask for one. */
		fw_output_request_frame(presentation->server);
	}
}

/* Answer every feedback of commit (event NULL: discarded). */
static void answer(struct fw_presentation *presentation,
	struct fw_commit *commit, const struct wlr_output_event_present *ev) {
	struct commit_feedbacks *set =
		fw_commit_get_slot(commit, presentation->sub);
	if (set == NULL) {
		return;
	}
	fw_commit_set_slot(commit, presentation->sub, NULL);
	struct fw_feedback *fb, *tmp;
	wl_list_for_each_safe(fb, tmp, &set->feedbacks, link) {
		if (ev != NULL) {
			feedback_present(fb, ev);
		} else {
			feedback_discard(fb);
		}
	}
	assert(wl_list_empty(&set->feedbacks));
	free(set);
}

static void handle_presented(struct fw_commit *commit,
	const struct wlr_output_event_present *event, void *data) {
	answer(data, commit, event);
}

static void handle_discarded(struct fw_commit *commit, void *data) {
	answer(data, commit, NULL);
}

static const struct fw_commit_hooks presentation_hooks = {
	.request = handle_request,
	.applied = handle_applied,
	.presented = handle_presented,
	.discarded = handle_discarded,
};

/* ---- the global ---- */

static void presentation_handle_destroy(struct wl_client *client,
	struct wl_resource *resource) {
	wl_resource_destroy(resource);
}

static void presentation_handle_feedback(struct wl_client *client,
	struct wl_resource *resource, struct wl_resource *surface_resource,
	uint32_t id) {
	struct fw_presentation *presentation = wl_resource_get_user_data(resource);
	struct wlr_surface *surface = wlr_surface_from_resource(surface_resource);

	struct fw_feedback *fb = calloc(1, sizeof(*fb));
	if (fb == NULL) {
		wl_client_post_no_memory(client);
		return;
	}
	fb->resource =
		wl_resource_create(client, &wp_presentation_feedback_interface,
			wl_resource_get_version(resource), id);
	if (fb->resource == NULL) {
		free(fb);
		wl_client_post_no_memory(client);
		return;
	}
	wl_list_init(&fb->link);
	wl_list_init(&fb->surface_destroy.link);
	wl_resource_set_implementation(fb->resource, NULL, fb,
		feedback_handle_resource_destroy);
	if (presentation == NULL) {
		/* The global is being torn down; nothing will ever be shown. */
		feedback_discard(fb);
		return;
	}
	/* The request is part of the pending state: it belongs to the commit
	 * that the next wl_surface.commit will make, whose seq is pending.seq. */
	fb->presentation = presentation;
	fb->surface = surface;
	fb->seq = surface->pending.seq;
	fb->surface_destroy.notify = feedback_handle_surface_destroy;
	wl_signal_add(&surface->events.destroy, &fb->surface_destroy);
	wl_list_insert(presentation->pending.prev, &fb->link);
}

static const struct wp_presentation_interface presentation_impl = {
	.destroy = presentation_handle_destroy,
	.feedback = presentation_handle_feedback,
};

static void presentation_handle_resource_destroy(struct wl_resource *resource) {
	wl_list_remove(wl_resource_get_link(resource));
}

static void presentation_bind(struct wl_client *client, void *data,
	uint32_t version, uint32_t id) {
	struct fw_presentation *presentation = data;
	struct wl_resource *resource = wl_resource_create(client,
		&wp_presentation_interface, (int)version, id);
	if (resource == NULL) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &presentation_impl, presentation,
		presentation_handle_resource_destroy);
	wl_list_insert(&presentation->resources, wl_resource_get_link(resource));
	wp_presentation_send_clock_id(resource, (uint32_t)presentation->clock);
}

struct fw_presentation *fw_presentation_create(struct fw_server *server,
	clockid_t clock) {
	struct fw_presentation *presentation = calloc(1, sizeof(*presentation));
	if (presentation == NULL) {
		return NULL;
	}
	presentation->server = server;
	presentation->clock = clock;
	wl_list_init(&presentation->pending);
	wl_list_init(&presentation->resources);
	presentation->sub =
		fw_commit_subscribe(server->commits, &presentation_hooks, presentation);
	presentation->global = wl_global_create(server->display,
		&wp_presentation_interface, 1, presentation, presentation_bind);
	if (presentation->sub < 0 || presentation->global == NULL) {
		if (presentation->sub >= 0) {
			fw_commit_unsubscribe(server->commits, presentation->sub);
		}
		if (presentation->global != NULL) {
			wl_global_destroy(presentation->global);
		}
		free(presentation);
		return NULL;
	}
	return presentation;
}

void fw_presentation_destroy(struct fw_presentation *presentation) {
	if (presentation == NULL) {
		return;
	}
	/* Clients are normally gone by now; if not, their feedbacks are told
	 * the truth: nothing will be shown any more. */
	struct fw_feedback *fb, *tmp;
	wl_list_for_each_safe(fb, tmp, &presentation->pending, link) {
		feedback_discard(fb);
	}
	fw_commit_unsubscribe(presentation->server->commits, presentation->sub);
	/* Bound objects outlive us only if clients are still connected: make
	 * them inert (their feedback requests are then discarded at once). */
	struct wl_resource *resource, *res_tmp;
	wl_resource_for_each_safe(resource, res_tmp, &presentation->resources) {
		wl_resource_set_user_data(resource, NULL);
		wl_list_remove(wl_resource_get_link(resource));
		wl_list_init(wl_resource_get_link(resource));
	}
	wl_global_destroy(presentation->global);
	free(presentation);
}
