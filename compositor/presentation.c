/*
 * wp_presentation with one feedback per commit (see presentation.h for the
 * life of a feedback and why wlroots 0.15's wlr_presentation is not used).
 */
#include <stdlib.h>
#include <wayland-server-core.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/util/addon.h>
#include <wlr/util/log.h>
#include "presentation-time-protocol.h"
#include "output.h"
#include "presentation.h"
#include "server.h"

enum fw_feedback_state {
	FW_FEEDBACK_REQUESTED,   /* its commit is not applied yet */
	FW_FEEDBACK_LATCHED,     /* its commit is the surface's current state */
	FW_FEEDBACK_SAMPLED,     /* in a committed frame, waiting for present */
};

struct fw_feedback {
	struct wl_resource *resource;        /* wp_presentation_feedback */
	enum fw_feedback_state state;
	uint32_t surface_seq;                /* the commit it belongs to */
	struct wlr_output *output;           /* SAMPLED: the frame's output */
	uint32_t output_commit_seq;          /* SAMPLED: the frame's commit_seq */
	struct wl_list link;  /* psurface->feedbacks, or presentation->sampled */
};

struct fw_presentation_surface {
	struct fw_presentation *presentation;
	struct wlr_surface *surface;
	struct wlr_addon addon;              /* on surface->addons */
	struct wl_list feedbacks;            /* REQUESTED and LATCHED */
	struct wl_listener commit;
	struct wl_list link;                 /* presentation->surfaces */
};

struct fw_presentation {
	struct fw_server *server;
	struct wl_global *global;
	clockid_t clock;
	struct wl_list sampled;              /* SAMPLED feedbacks, all surfaces */
	struct wl_list surfaces;             /* fw_presentation_surface.link */
	struct wl_list resources;            /* bound wp_presentation objects */
};

/* Sequence numbers wrap; compare them as a signed distance. */
static bool seq_before(uint32_t a, uint32_t b) {
	return (int32_t)(a - b) < 0;
}

/* ---- feedback objects ---- */

static void feedback_handle_resource_destroy(struct wl_resource *resource) {
	struct fw_feedback *fb = wl_resource_get_user_data(resource);
	wl_list_remove(&fb->link);
	free(fb);
}

/* Send "discarded" and destroy the object (which frees fb). */
static void feedback_discard(struct fw_presentation *presentation,
		struct fw_feedback *fb) {
	wp_presentation_feedback_send_discarded(fb->resource);
	presentation->server->stats.feedback_discarded++;
	wl_resource_destroy(fb->resource);
}

static void feedback_present(struct fw_presentation *presentation,
		struct fw_feedback *fb, const struct wlr_output_event_present *ev) {
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
	wp_presentation_feedback_send_presented(fb->resource,
		(uint32_t)(sec >> 32), (uint32_t)sec, (uint32_t)ev->when->tv_nsec,
		refresh, (uint32_t)((uint64_t)ev->seq >> 32), (uint32_t)ev->seq,
		ev->flags);
	presentation->server->stats.feedback_presented++;
	wl_resource_destroy(fb->resource);
}

/* ---- per-surface state ---- */

static void psurface_destroy(struct fw_presentation_surface *ps) {
	/* The surface is gone: its unshown commits never will be shown. */
	struct fw_feedback *fb, *tmp;
	wl_list_for_each_safe(fb, tmp, &ps->feedbacks, link) {
		feedback_discard(ps->presentation, fb);
	}
	wl_list_remove(&ps->commit.link);
	wl_list_remove(&ps->link);
	wlr_addon_finish(&ps->addon);
	free(ps);
}

static void psurface_addon_destroy(struct wlr_addon *addon) {
	struct fw_presentation_surface *ps = wl_container_of(addon, ps, addon);
	psurface_destroy(ps);
}

static const struct wlr_addon_interface psurface_addon_impl = {
	.name = "fw_presentation_surface",
	.destroy = psurface_addon_destroy,
};

/*
 * The surface applied a commit (its own or, for a synchronized subsurface,
 * one released by the parent).  Feedbacks of that commit are latched; older
 * ones still waiting to be shown were superseded and are discarded.
 */
static void psurface_handle_commit(struct wl_listener *listener, void *data) {
	struct fw_presentation_surface *ps = wl_container_of(listener, ps, commit);
	uint32_t current = ps->surface->current.seq;
	bool latched = false;
	struct fw_feedback *fb, *tmp;
	wl_list_for_each_safe(fb, tmp, &ps->feedbacks, link) {
		if (seq_before(fb->surface_seq, current)) {
			feedback_discard(ps->presentation, fb);
		} else if (fb->surface_seq == current) {
			fb->state = FW_FEEDBACK_LATCHED;
			latched = true;
		}
	}
	if (latched) {
		/* A commit without damage would not make the scene redraw, and the
		 * feedback would wait for the next unrelated frame; ask for one. */
		fw_output_request_frame(ps->presentation->server);
	}
}

static struct fw_presentation_surface *psurface_get_or_create(
		struct fw_presentation *presentation, struct wlr_surface *surface) {
	struct fw_presentation_surface *ps =
		fw_presentation_surface_get(presentation, surface);
	if (ps != NULL) {
		return ps;
	}
	ps = calloc(1, sizeof(*ps));
	if (ps == NULL) {
		return NULL;
	}
	ps->presentation = presentation;
	ps->surface = surface;
	wl_list_init(&ps->feedbacks);
	wlr_addon_init(&ps->addon, &surface->addons, presentation,
		&psurface_addon_impl);
	ps->commit.notify = psurface_handle_commit;
	wl_signal_add(&surface->events.commit, &ps->commit);
	wl_list_insert(&presentation->surfaces, &ps->link);
	return ps;
}

struct fw_presentation_surface *fw_presentation_surface_get(
		struct fw_presentation *presentation, struct wlr_surface *surface) {
	struct wlr_addon *addon = wlr_addon_find(&surface->addons, presentation,
		&psurface_addon_impl);
	if (addon == NULL) {
		return NULL;
	}
	struct fw_presentation_surface *ps = wl_container_of(addon, ps, addon);
	return ps;
}

size_t fw_presentation_surface_count(struct fw_presentation_surface *ps) {
	return (size_t)wl_list_length(&ps->feedbacks);
}

size_t fw_presentation_surface_discard_commit(
		struct fw_presentation_surface *ps, uint32_t seq) {
	size_t n = 0;
	struct fw_feedback *fb, *tmp;
	wl_list_for_each_safe(fb, tmp, &ps->feedbacks, link) {
		if (fb->state == FW_FEEDBACK_REQUESTED && fb->surface_seq == seq) {
			feedback_discard(ps->presentation, fb);
			n++;
		}
	}
	return n;
}

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
	fb->resource = wl_resource_create(client,
		&wp_presentation_feedback_interface,
		wl_resource_get_version(resource), id);
	if (fb->resource == NULL) {
		free(fb);
		wl_client_post_no_memory(client);
		return;
	}
	wl_list_init(&fb->link);
	wl_resource_set_implementation(fb->resource, NULL, fb,
		feedback_handle_resource_destroy);

	if (presentation == NULL) {
		/* The global is being torn down; nothing will ever be shown. */
		wp_presentation_feedback_send_discarded(fb->resource);
		wl_resource_destroy(fb->resource);
		return;
	}
	struct fw_presentation_surface *ps =
		psurface_get_or_create(presentation, surface);
	if (ps == NULL) {
		wl_resource_destroy(fb->resource);
		wl_client_post_no_memory(client);
		return;
	}
	/* The request is part of the pending state: it belongs to the commit
	 * that the next wl_surface.commit will make, whose seq is pending.seq. */
	fb->state = FW_FEEDBACK_REQUESTED;
	fb->surface_seq = surface->pending.seq;
	wl_list_remove(&fb->link);
	wl_list_insert(ps->feedbacks.prev, &fb->link);
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
	wl_resource_set_implementation(resource, &presentation_impl,
		presentation, presentation_handle_resource_destroy);
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
	wl_list_init(&presentation->sampled);
	wl_list_init(&presentation->surfaces);
	wl_list_init(&presentation->resources);
	presentation->global = wl_global_create(server->display,
		&wp_presentation_interface, 1, presentation, presentation_bind);
	if (presentation->global == NULL) {
		free(presentation);
		return NULL;
	}
	return presentation;
}

void fw_presentation_destroy(struct fw_presentation *presentation) {
	if (presentation == NULL) {
		return;
	}
	/* Clients are normally gone by now; if not, their sampled feedbacks are
	 * told the truth and per-surface state goes with the surfaces. */
	struct fw_feedback *fb, *tmp;
	wl_list_for_each_safe(fb, tmp, &presentation->sampled, link) {
		feedback_discard(presentation, fb);
	}
	struct fw_presentation_surface *ps, *ps_tmp;
	wl_list_for_each_safe(ps, ps_tmp, &presentation->surfaces, link) {
		psurface_destroy(ps);
	}
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

/* ---- fed by output.c ---- */

struct sample_ctx {
	struct fw_presentation *presentation;
	struct wlr_output *output;
};

static void sample_surface(struct wlr_surface *surface, int sx, int sy,
		void *data) {
	struct sample_ctx *ctx = data;
	struct fw_presentation_surface *ps =
		fw_presentation_surface_get(ctx->presentation, surface);
	if (ps == NULL) {
		return;
	}
	struct fw_feedback *fb, *tmp;
	wl_list_for_each_safe(fb, tmp, &ps->feedbacks, link) {
		if (fb->state != FW_FEEDBACK_LATCHED) {
			continue;
		}
		fb->state = FW_FEEDBACK_SAMPLED;
		fb->output = ctx->output;
		fb->output_commit_seq = ctx->output->commit_seq;
		wl_list_remove(&fb->link);
		wl_list_insert(ctx->presentation->sampled.prev, &fb->link);
	}
}

void fw_presentation_output_committed(struct fw_presentation *presentation,
		struct wlr_scene_output *scene_output) {
	struct sample_ctx ctx = {
		.presentation = presentation,
		.output = scene_output->output,
	};
	/* Every surface the frame covers; a surface on two outputs is sampled
	 * by whichever commits first. */
	wlr_scene_output_for_each_surface(scene_output, sample_surface, &ctx);
}

void fw_presentation_output_present(struct fw_presentation *presentation,
		const struct wlr_output_event_present *ev) {
	struct fw_feedback *fb, *tmp;
	wl_list_for_each_safe(fb, tmp, &presentation->sampled, link) {
		if (fb->output != ev->output) {
			continue;
		}
		if (fb->output_commit_seq == ev->commit_seq) {
			if (ev->presented && ev->when != NULL) {
				feedback_present(presentation, fb, ev);
			} else {
				feedback_discard(presentation, fb);
			}
		} else if (ev->presented &&
				seq_before(fb->output_commit_seq, ev->commit_seq)) {
			/* A later frame reached the screen, this one never will. */
			feedback_discard(presentation, fb);
		}
	}
}

void fw_presentation_output_destroyed(struct fw_presentation *presentation,
		struct wlr_output *output) {
	struct fw_feedback *fb, *tmp;
	wl_list_for_each_safe(fb, tmp, &presentation->sampled, link) {
		if (fb->output == output) {
			feedback_discard(presentation, fb);
		}
	}
}
