/*
 * The commit tracker (see commit.h for the life of a commit and the hooks).
 *
 * wlroots 0.15 has no signal that fires when a client commits, before the
 * state is applied (0.16 added client_commit).  libwayland-server gives us
 * one anyway: wl_client_connection_data() calls the protocol logger for a
 * request after demarshalling it and *before* its handler runs.  So an
 * observer of wl_surface.commit on the protocol watch (protocol_watch.h)
 * sees the surface's pending state -- exactly what the commit will apply --
 * and can take wlr_surface_lock_pending() before wlroots decides between
 * applying and caching it.
 *
 * Holding uses wlroots' own tool: wlr_surface_lock_pending() makes the
 * commit about to happen land in the surface's cached states instead of
 * being applied; wlr_surface_unlock_cached(seq) lets it, and everything
 * queued behind it, through in order.  Other surfaces never notice.
 *
 * Outputs: when one surface exactly covers an output, wlroots 0.15's scene
 * hands the client's buffer to the output instead of compositing (direct
 * scan-out, docs/compositor.md).  The output reads that buffer until a later
 * output commit replaces it -- on KMS until the page flip to the new buffer,
 * the present event of that commit.  So each output's buffer of its last
 * commit and of its last presented commit are followed; a superseded commit
 * whose buffer is either retires only once neither is.  Buffers are compared
 * by pointer: an output holds a lock on a buffer while it uses it, so a
 * match is never a freed buffer, and a stale pointer can at worst delay a
 * retirement to the next output commit, never advance it.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <wayland-server-core.h>
#include <wayland-server-protocol.h>
#include <wlr/backend.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/types/wlr_compositor.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/util/addon.h>
#include <wlr/util/log.h>
#include "commit.h"
#include "commit_parent_locks.h"
#include "protocol_watch.h"
#include "server.h"

struct fw_commit {
	struct fw_commit_tracker *tracker;
	struct fw_commit_surface *cs; /* NULL once the surface is gone */
	struct wl_client *client;     /* NULL once the surface is gone */
	uint32_t seq;
	bool attach, null_attach;
	bool over_cap; /* during request only */
	bool held, applied, superseded, frame_done, deferred;
	bool fence_failed; /* reported during request, said after it */

	/* Held: what for, as its holder describes it. */
	fw_commit_describe_fn describe;
	void *describe_data;
	bool waits_on_point;
	uint64_t wait_point;
	struct fw_parent_locks *parent_locks;
	struct wl_list held_link; /* tracker->held while held */

	/* In a committed frame, waiting for its present event. */
	struct wlr_output *frame_output; /* NULL when not sampled */
	uint32_t frame_seq;
	struct wl_list frame_link; /* tracker->sampled */

	/* The buffer wlroots showed for it once applied (attaching commits):
	 * compared with what outputs scan out, never dereferenced. */
	struct wlr_buffer *shown_buffer;

	/* cs->queue while not applied; tracker->deferred while deferred. */
	struct wl_list link;
	struct wl_list all_link; /* tracker->commits */
	void *slots[FW_COMMIT_MAX_SUBSCRIBERS];
};

struct fw_commit_surface {
	struct fw_commit_tracker *tracker;
	struct wlr_surface *surface;
	struct wl_client *client;
	struct wlr_addon addon; /* on surface->addons */
	struct wl_listener commit;
	struct wl_list queue; /* fw_commit.link, not applied */
	size_t n_queued, n_held;
	struct fw_commit *buffer_commit; /* applied attach, not superseded */
	struct fw_commit *other;         /* applied after it, not attaching */
	struct fw_commit *latched;       /* applied, in no frame yet */
	struct wl_list link;             /* tracker->surfaces */
};

struct fw_commit_output {
	struct fw_commit_tracker *tracker;
	struct wlr_output *output;
	struct wlr_buffer *attached;  /* buffer of the commit in progress */
	struct wlr_buffer *committed; /* buffer of the last commit */
	uint32_t committed_seq;
	struct wlr_buffer *shown; /* buffer of the last presented one */
	struct wl_listener precommit, commit, present, destroy;
	struct wl_list link; /* tracker->outputs */
};

struct fw_commit_tracker {
	struct fw_server *server;
	struct fw_commit *requesting; /* in its request hooks */
	struct {
		const struct fw_commit_hooks *hooks;
		void *data;
	} subs[FW_COMMIT_MAX_SUBSCRIBERS];
	struct wl_list surfaces;     /* fw_commit_surface.link */
	struct wl_list commits;      /* fw_commit.all_link, every one */
	struct wl_list held;         /* fw_commit.held_link */
	struct wl_list sampled;      /* fw_commit.frame_link */
	struct wl_list deferred;     /* fw_commit.link */
	struct wl_list outputs;      /* fw_commit_output.link */
	struct wl_list parent_locks; /* commit_parent_locks.c */
	struct wl_listener new_output, backend_destroy;
};

/* Call hook on every subscriber that has it, in subscription order. */
#define EMIT(t, hook, ...) \
	for (int i_ = 0; i_ < FW_COMMIT_MAX_SUBSCRIBERS; i_++) \
		if ((t)->subs[i_].hooks != NULL && (t)->subs[i_].hooks->hook) \
	(t)->subs[i_].hooks->hook(__VA_ARGS__, (t)->subs[i_].data)

/* Sequence numbers wrap; compare them as a signed distance. */
static bool seq_before(uint32_t a, uint32_t b) {
	return (int32_t)(a - b) < 0;
}

/* ---- the end of a commit ---- */

static bool buffer_on_output(struct fw_commit_tracker *t,
	struct wlr_buffer *buffer) {
	struct fw_commit_output *o;
	wl_list_for_each(o, &t->outputs, link) {
		if (o->committed == buffer || o->shown == buffer) {
			return true;
		}
	}
	return false;
}

/* Retire and free c if nothing is left to wait for. */
static void commit_try_retire(struct fw_commit *c) {
	struct fw_commit_tracker *t = c->tracker;
	if (!c->superseded || !c->frame_done) {
		return;
	}
	if (c->shown_buffer != NULL && buffer_on_output(t, c->shown_buffer)) {
		if (!c->deferred) {
			c->deferred = true;
			wl_list_insert(t->deferred.prev, &c->link);
			wlr_log(WLR_DEBUG,
				"commit %" PRIu32 " superseded while an "
				"output scans its buffer out; release deferred",
				c->seq);
		}
		return;
	}
	if (c->deferred) {
		wl_list_remove(&c->link);
	}
	EMIT(t, retired, c);
	for (int i = 0; i < FW_COMMIT_MAX_SUBSCRIBERS; i++) {
		assert(c->slots[i] == NULL);
	}
	assert(!c->held && c->frame_output == NULL);
	wl_list_remove(&c->all_link);
	free(c);
}

/* The frame fate of c is known: presented with event, or (NULL) not. */
static void commit_frame_done(struct fw_commit *c,
	const struct wlr_output_event_present *event) {
	assert(!c->frame_done);
	if (c->frame_output != NULL) {
		wl_list_remove(&c->frame_link);
		c->frame_output = NULL;
	}
	c->frame_done = true;
	if (event != NULL) {
		EMIT(c->tracker, presented, c, event);
	} else {
		EMIT(c->tracker, discarded, c);
	}
	commit_try_retire(c);
}

static void commit_supersede(struct fw_commit *c) {
	assert(!c->superseded);
	c->superseded = true;
	EMIT(c->tracker, superseded, c);
	commit_try_retire(c);
}

static void release_deferred(struct fw_commit_tracker *t) {
	struct fw_commit *c, *tmp;
	wl_list_for_each_safe(c, tmp, &t->deferred, link) {
		commit_try_retire(c);
	}
}

/* ---- holding ---- */

/* Drop the hold; unlock_self lets the surface's cached state go too (which
 * may apply it and free c: nothing touches c after). */
static void end_hold(struct fw_commit *c, bool unlock_self) {
	assert(c->held);
	c->held = false;
	wl_list_remove(&c->held_link);
	struct fw_parent_locks *locks = c->parent_locks;
	c->parent_locks = NULL;
	if (unlock_self) {
		c->cs->n_held--;
		wlr_surface_unlock_cached(c->cs->surface, c->seq);
	}
	fw_parent_locks_release(locks);
}

bool fw_commit_hold(struct fw_commit *c, fw_commit_describe_fn describe,
	void *data, const uint64_t *point) {
	struct fw_commit_tracker *t = c->tracker;
	assert(t->requesting == c && !c->held);
	struct wlr_surface *surface = c->cs->surface;
	bool oom;
	c->parent_locks = fw_parent_locks_take(&t->parent_locks, surface, &oom);
	if (oom) {
		return false;
	}
	uint32_t seq = wlr_surface_lock_pending(surface);
	assert(seq == c->seq);
	c->held = true;
	c->cs->n_held++;
	c->describe = describe;
	c->describe_data = data;
	c->waits_on_point = point != NULL;
	c->wait_point = point != NULL ? *point : 0;
	wl_list_insert(t->held.prev, &c->held_link);
	wlr_log(WLR_DEBUG, "wl_surface@%" PRIu32 " commit %" PRIu32 " held",
		wl_resource_get_id(surface->resource), c->seq);
	return true;
}

void fw_commit_unhold(struct fw_commit *c) {
	assert(c->held && c->cs != NULL && c->tracker->requesting == NULL);
	wlr_log(WLR_DEBUG, "wl_surface@%" PRIu32 " commit %" PRIu32 " let go",
		wl_resource_get_id(c->cs->surface->resource), c->seq);
	EMIT(c->tracker, acquired, c);
	end_hold(c, true);
}

void fw_commit_describe_wait(const struct fw_commit *c, char *buf, size_t len) {
	assert(len > 0);
	buf[0] = '\0';
	if (c->held && c->describe != NULL) {
		c->describe(c, c->describe_data, buf, len);
	}
}

bool fw_commit_wait_point(const struct fw_commit *c, uint64_t *point) {
	if (!c->held || !c->waits_on_point) {
		return false;
	}
	*point = c->wait_point;
	return true;
}

void fw_commit_fence_failed(struct fw_commit *c) {
	struct fw_commit_tracker *t = c->tracker;
	assert(t->requesting == NULL || t->requesting == c);
	if (t->requesting == c) {
		/* Subscribers after the caller have not seen the commit yet. */
		c->fence_failed = true;
		return;
	}
	EMIT(t, fence_failed, c);
}

/* ---- surfaces ---- */

static void commit_apply(struct fw_commit_surface *cs, struct fw_commit *c) {
	c->applied = true;
	if (c->attach && cs->surface->buffer != NULL) {
		c->shown_buffer = &cs->surface->buffer->base;
	}
	EMIT(cs->tracker, applied, c);
	struct fw_commit *latched = cs->latched, *other = cs->other;
	cs->latched = c;
	cs->other = NULL;
	if (latched != NULL) {
		commit_frame_done(latched, NULL);
	}
	if (other != NULL) {
		commit_supersede(other);
	}
	if (!c->attach) {
		cs->other = c;
		return;
	}
	struct fw_commit *previous = cs->buffer_commit;
	cs->buffer_commit = c;
	if (previous != NULL) {
		commit_supersede(previous);
	}
}

/*
 * wlroots applied a state of this surface (its own commit, a cached one a
 * hold let go, or one a parent applied for a synchronized child): every
 * commit up to that state's seq is applied, in order.
 */
static void cs_handle_commit(struct wl_listener *listener, void *data) {
	struct fw_commit_surface *cs = wl_container_of(listener, cs, commit);
	uint32_t seq = cs->surface->current.seq;
	while (!wl_list_empty(&cs->queue)) {
		struct fw_commit *c = wl_container_of(cs->queue.next, c, link);
		if (seq_before(seq, c->seq)) {
			break;
		}
		/* A held commit stays cached: our lock is on it. */
		assert(!c->held);
		wl_list_remove(&c->link);
		wl_list_init(&c->link);
		cs->n_queued--;
		commit_apply(cs, c);
	}
}

/*
 * The wl_surface goes, with every state wlroots still caches for it.
 * Commits never applied never will be; the applied ones are superseded.
 * Our lock on the surface dies with its cached states.
 */
static void cs_destroy(struct fw_commit_surface *cs) {
	struct fw_commit_tracker *t = cs->tracker;
	struct fw_commit *latched = cs->latched, *other = cs->other;
	struct fw_commit *current = cs->buffer_commit;
	struct fw_commit *c, *tmp;
	wl_list_for_each(c, &t->commits, all_link) {
		if (c->cs == cs) {
			c->cs = NULL;
			c->client = NULL;
		}
	}
	wl_list_for_each_safe(c, tmp, &cs->queue, link) {
		wl_list_remove(&c->link);
		wl_list_init(&c->link);
		if (c->held) {
			end_hold(c, false);
		}
		commit_frame_done(c, NULL);
		commit_supersede(c);
	}
	if (latched != NULL) {
		commit_frame_done(latched, NULL);
	}
	if (other != NULL) {
		commit_supersede(other);
	}
	if (current != NULL) {
		commit_supersede(current);
	}
	wl_list_remove(&cs->commit.link);
	wl_list_remove(&cs->link);
	wlr_addon_finish(&cs->addon);
	free(cs);
}

static void cs_addon_destroy(struct wlr_addon *addon) {
	struct fw_commit_surface *cs = wl_container_of(addon, cs, addon);
	cs_destroy(cs);
}

static const struct wlr_addon_interface cs_addon_impl = {
	.name = "fw_commit_surface",
	.destroy = cs_addon_destroy,
};

static struct fw_commit_surface *cs_find(struct fw_commit_tracker *t,
	struct wlr_surface *surface) {
	struct wlr_addon *addon =
		wlr_addon_find(&surface->addons, t, &cs_addon_impl);
	struct fw_commit_surface *cs;
	return addon != NULL ? wl_container_of(addon, cs, addon) : NULL;
}

static struct fw_commit_surface *cs_get(struct fw_commit_tracker *t,
	struct wlr_surface *surface) {
	struct fw_commit_surface *cs = cs_find(t, surface);
	if (cs != NULL) {
		return cs;
	}
	cs = calloc(1, sizeof(*cs));
	if (cs == NULL) {
		return NULL;
	}
	cs->tracker = t;
	cs->surface = surface;
	cs->client = wl_resource_get_client(surface->resource);
	wl_list_init(&cs->queue);
	wlr_addon_init(&cs->addon, &surface->addons, t, &cs_addon_impl);
	cs->commit.notify = cs_handle_commit;
	wl_signal_add(&surface->events.commit, &cs->commit);
	wl_list_insert(&t->surfaces, &cs->link);
	return cs;
}

/* ---- the pre-commit hook ---- */

/*
 * On 0.15 the role's precommit runs when the request arrives, not when the
 * state is applied: a NULL attach queued behind held commits unmaps an xdg
 * surface (and forgets that it was configured) at once.  The held commits
 * would then be applied with a buffer on an unmapped, unconfigured
 * xdg_surface -- a protocol error for the client -- or, for a subsurface,
 * map it again for a moment.  The NULL attach supersedes them before
 * anything could show them, so they are applied as NULL attaches too:
 * unmapped, retired exactly once, never shown.
 */
static void unmap_cached(struct wlr_surface *surface) {
	struct wlr_surface_state *cached;
	wl_list_for_each(cached, &surface->cached, cached_state_link) {
		if (!(cached->committed & WLR_SURFACE_STATE_BUFFER) ||
			cached->buffer == NULL) {
			continue;
		}
		wlr_buffer_unlock(cached->buffer);
		cached->buffer = NULL;
		cached->buffer_width = cached->buffer_height = 0;
		cached->width = cached->height = 0;
		wlr_log(WLR_DEBUG,
			"wl_surface@%" PRIu32 " commit %" PRIu32
			" superseded by a NULL attach while cached",
			wl_resource_get_id(surface->resource), cached->seq);
	}
}

static void handle_commit_request(struct fw_commit_tracker *t,
	struct wlr_surface *surface) {
	struct wl_client *client = wl_resource_get_client(surface->resource);
	struct fw_commit_surface *cs = cs_get(t, surface);
	struct fw_commit *c = cs != NULL ? calloc(1, sizeof(*c)) : NULL;
	if (c == NULL) {
		/* Keep wlroots from applying what nobody tracks; the client goes. */
		wl_client_post_no_memory(client);
		wlr_surface_lock_pending(surface);
		return;
	}
	c->tracker = t;
	c->cs = cs;
	c->client = client;
	c->seq = surface->pending.seq;
	c->attach = (surface->pending.committed & WLR_SURFACE_STATE_BUFFER) != 0;
	c->null_attach = c->attach && surface->pending.buffer == NULL;
	wl_list_init(&c->held_link);
	wl_list_init(&c->frame_link);
	wl_list_insert(t->commits.prev, &c->all_link);
	/* Every commit cached behind one of our locks counts, whatever it
	 * carries: the cap bounds what a client can pile up. */
	bool locked =
		cs->n_held > 0 || fw_parent_locks_on(&t->parent_locks, surface) > 0;
	c->over_cap = locked && cs->n_queued >= FW_COMMIT_MAX_CACHED;
	wl_list_insert(cs->queue.prev, &c->link);
	cs->n_queued++;

	t->requesting = c;
	bool ok = true;
	for (int i = 0; i < FW_COMMIT_MAX_SUBSCRIBERS && ok; i++) {
		if (t->subs[i].hooks != NULL && t->subs[i].hooks->request != NULL) {
			ok = t->subs[i].hooks->request(c, t->subs[i].data);
		}
	}
	if (ok && c->over_cap) {
		struct fw_client *record = fw_client_get(&t->server->clients, client);
		if (record != NULL) {
			fw_client_log(record, FW_CLIENT_EVENT_LIMIT, WLR_ERROR,
				"disconnected: %s", FW_COMMIT_CAP_MESSAGE);
		}
		wl_client_post_implementation_error(client, "%s",
			FW_COMMIT_CAP_MESSAGE);
		ok = false;
	}
	t->requesting = NULL;
	c->over_cap = false;
	if (!ok) {
		/* An error is posted, but wlroots' handler still runs after us and
		 * would apply the state: it stays cached until the client, which
		 * libwayland disconnects when this request returns, is gone. */
		if (!c->held) {
			wlr_surface_lock_pending(surface);
		}
		return;
	}
	if (c->null_attach && locked && cs->n_queued > 1) {
		unmap_cached(surface);
	}
	if (c->fence_failed) {
		EMIT(t, fence_failed, c);
	}
	if (c->held) {
		EMIT(t, held, c);
	}
}

static void observe_commit(const struct wl_protocol_logger_message *message,
	void *data) {
	handle_commit_request(data, wlr_surface_from_resource(message->resource));
}

static void observe_set_desync(const struct wl_protocol_logger_message *message,
	void *data) {
	struct fw_commit_tracker *t = data;
	struct wlr_subsurface *sub = wl_resource_get_user_data(message->resource);
	if (sub != NULL) {
		fw_parent_locks_desync(&t->parent_locks, sub);
	}
}

/* ---- outputs ---- */

static void sample_surface(struct wlr_surface *surface, int sx, int sy,
	void *data) {
	struct fw_commit_output *o = data;
	struct fw_commit_surface *cs = cs_find(o->tracker, surface);
	if (cs == NULL || cs->latched == NULL) {
		return;
	}
	struct fw_commit *c = cs->latched;
	cs->latched = NULL;
	c->frame_output = o->output;
	c->frame_seq = o->output->commit_seq;
	wl_list_insert(o->tracker->sampled.prev, &c->frame_link);
}

/* 0.15's commit event leaves its buffer NULL for a scanned-out client
 * buffer; the pending state still names it at precommit. */
static void output_handle_precommit(struct wl_listener *listener, void *data) {
	struct fw_commit_output *o = wl_container_of(listener, o, precommit);
	o->attached = (o->output->pending.committed & WLR_OUTPUT_STATE_BUFFER)
		? o->output->pending.buffer
		: NULL;
}

static void output_handle_commit(struct wl_listener *listener, void *data) {
	struct fw_commit_output *o = wl_container_of(listener, o, commit);
	const struct wlr_output_event_commit *event = data;
	if (!(event->committed & WLR_OUTPUT_STATE_BUFFER)) {
		return;
	}
	o->committed = event->buffer != NULL ? event->buffer : o->attached;
	o->attached = NULL;
	o->committed_seq = o->output->commit_seq;
	/* The latest applied commit of every surface in the frame is in it (a
	 * surface on two outputs: whichever commits first). */
	struct wlr_scene_output *scene_output =
		wlr_scene_get_scene_output(o->tracker->server->scene, o->output);
	if (scene_output != NULL) {
		wlr_scene_output_for_each_surface(scene_output, sample_surface, o);
	}
	release_deferred(o->tracker);
}

static void output_handle_present(struct wl_listener *listener, void *data) {
	struct fw_commit_output *o = wl_container_of(listener, o, present);
	const struct wlr_output_event_present *event = data;
	if (event->commit_seq == o->committed_seq) {
		/* Presented: the buffer before it is free.  Not: the old stays. */
		if (event->presented) {
			o->shown = o->committed;
		} else {
			o->committed = o->shown;
		}
	}
	struct fw_commit *c, *tmp;
	wl_list_for_each_safe(c, tmp, &o->tracker->sampled, frame_link) {
		if (c->frame_output != o->output) {
			continue;
		}
		if (c->frame_seq == event->commit_seq) {
			commit_frame_done(c,
				event->presented && event->when != NULL ? event : NULL);
		} else if (event->presented &&
			seq_before(c->frame_seq, event->commit_seq)) {
			/* A later frame reached the screen, this one never will. */
			commit_frame_done(c, NULL);
		}
	}
	release_deferred(o->tracker);
}

static void output_untrack(struct fw_commit_output *o) {
	wl_list_remove(&o->precommit.link);
	wl_list_remove(&o->commit.link);
	wl_list_remove(&o->present.link);
	wl_list_remove(&o->destroy.link);
	wl_list_remove(&o->link);
	free(o);
}

static void output_handle_destroy(struct wl_listener *listener, void *data) {
	struct fw_commit_output *o = wl_container_of(listener, o, destroy);
	struct fw_commit_tracker *t = o->tracker;
	struct fw_commit *c, *tmp;
	wl_list_for_each_safe(c, tmp, &t->sampled, frame_link) {
		if (c->frame_output == o->output) {
			commit_frame_done(c, NULL);
		}
	}
	output_untrack(o);
	release_deferred(t);
}

static void handle_new_output(struct wl_listener *listener, void *data) {
	struct fw_commit_tracker *t = wl_container_of(listener, t, new_output);
	struct wlr_output *output = data;
	struct fw_commit_output *o = calloc(1, sizeof(*o));
	if (o == NULL) {
		/* Without it a scanned-out buffer could be released a frame early
		 * and its frames never presented; say so rather than fail. */
		wlr_log(WLR_ERROR, "commit tracker: out of memory for output %s",
			output->name);
		return;
	}
	o->tracker = t;
	o->output = output;
	o->precommit.notify = output_handle_precommit;
	wl_signal_add(&output->events.precommit, &o->precommit);
	o->commit.notify = output_handle_commit;
	wl_signal_add(&output->events.commit, &o->commit);
	o->present.notify = output_handle_present;
	wl_signal_add(&output->events.present, &o->present);
	o->destroy.notify = output_handle_destroy;
	wl_signal_add(&output->events.destroy, &o->destroy);
	wl_list_insert(&t->outputs, &o->link);
}

static void handle_backend_destroy(struct wl_listener *listener, void *data) {
	struct fw_commit_tracker *t = wl_container_of(listener, t, backend_destroy);
	wl_list_remove(&t->new_output.link);
	wl_list_init(&t->new_output.link);
	wl_list_remove(&t->backend_destroy.link);
	wl_list_init(&t->backend_destroy.link);
}

/* ---- subscribers ---- */

int fw_commit_subscribe(struct fw_commit_tracker *t,
	const struct fw_commit_hooks *hooks, void *data) {
	for (int i = 0; i < FW_COMMIT_MAX_SUBSCRIBERS; i++) {
		if (t->subs[i].hooks == NULL) {
			t->subs[i].hooks = hooks;
			t->subs[i].data = data;
			return i;
		}
	}
	return -1;
}

void fw_commit_unsubscribe(struct fw_commit_tracker *t, int sub) {
	const struct fw_commit_hooks *hooks = t->subs[sub].hooks;
	void *data = t->subs[sub].data;
	assert(hooks != NULL);
	struct fw_commit *c;
	wl_list_for_each(c, &t->commits, all_link) {
		if (c->slots[sub] == NULL) {
			continue;
		}
		if (!c->frame_done && hooks->discarded != NULL) {
			hooks->discarded(c, data);
		}
		if (!c->superseded && hooks->superseded != NULL) {
			hooks->superseded(c, data);
		}
		if (hooks->retired != NULL) {
			hooks->retired(c, data);
		}
		assert(c->slots[sub] == NULL);
	}
	t->subs[sub].hooks = NULL;
	t->subs[sub].data = NULL;
}

void *fw_commit_get_slot(const struct fw_commit *c, int sub) {
	return c->slots[sub];
}

void fw_commit_set_slot(struct fw_commit *c, int sub, void *data) {
	c->slots[sub] = data;
}

struct wlr_surface *fw_commit_surface(const struct fw_commit *c) {
	return c->cs != NULL ? c->cs->surface : NULL;
}

struct wl_client *fw_commit_client(const struct fw_commit *c) {
	return c->client;
}

uint32_t fw_commit_seq(const struct fw_commit *c) {
	return c->seq;
}

bool fw_commit_attaches(const struct fw_commit *c) {
	return c->attach;
}

bool fw_commit_null_attach(const struct fw_commit *c) {
	return c->null_attach;
}

bool fw_commit_over_cap(const struct fw_commit *c) {
	return c->over_cap;
}

struct fw_commit *fw_commit_previous_attach(struct fw_commit *c) {
	if (c->cs == NULL) {
		return NULL;
	}
	struct fw_commit *prev = c;
	while (prev->link.prev != &c->cs->queue) {
		prev = wl_container_of(prev->link.prev, prev, link);
		if (prev->attach) {
			return prev;
		}
	}
	return c->cs->buffer_commit;
}

/* ---- the tracker ---- */

struct fw_commit_tracker *fw_commit_tracker_create(struct fw_server *server) {
	struct fw_commit_tracker *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		wlr_log(WLR_ERROR, "commit tracker: out of memory");
		return NULL;
	}
	t->server = server;
	wl_list_init(&t->surfaces);
	wl_list_init(&t->commits);
	wl_list_init(&t->held);
	wl_list_init(&t->sampled);
	wl_list_init(&t->deferred);
	wl_list_init(&t->outputs);
	wl_list_init(&t->parent_locks);
	/* wlroots creates these resources with libwayland's own interface
	 * tables, which is what the watch matches. */
	if (!fw_protocol_watch_add(server->protocol_watch, &wl_surface_interface,
			WL_PROTOCOL_LOGGER_REQUEST, "commit", observe_commit, t) ||
		!fw_protocol_watch_add(server->protocol_watch, &wl_subsurface_interface,
			WL_PROTOCOL_LOGGER_REQUEST, "set_desync", observe_set_desync, t)) {
		wlr_log(WLR_ERROR, "commit tracker: cannot install the commit hook");
		fw_protocol_watch_remove(server->protocol_watch, t);
		free(t);
		return NULL;
	}
	t->new_output.notify = handle_new_output;
	wl_signal_add(&server->backend->events.new_output, &t->new_output);
	t->backend_destroy.notify = handle_backend_destroy;
	wl_signal_add(&server->backend->events.destroy, &t->backend_destroy);
	return t;
}

void fw_commit_tracker_destroy(struct fw_commit_tracker *t) {
	if (t == NULL) {
		return;
	}
	for (int i = 0; i < FW_COMMIT_MAX_SUBSCRIBERS; i++) {
		assert(t->subs[i].hooks == NULL);
	}
	/* Clients, and with them every surface, are gone by now. */
	assert(wl_list_empty(&t->surfaces) && wl_list_empty(&t->held) &&
		wl_list_empty(&t->parent_locks));
	struct fw_commit_output *o, *otmp;
	wl_list_for_each_safe(o, otmp, &t->outputs, link) {
		output_untrack(o);
	}
	/* What is left waited for outputs; no subscriber needs it. */
	struct fw_commit *c, *tmp;
	wl_list_for_each_safe(c, tmp, &t->commits, all_link) {
		free(c);
	}
	wl_list_remove(&t->new_output.link);
	wl_list_remove(&t->backend_destroy.link);
	fw_protocol_watch_remove(t->server->protocol_watch, t);
	free(t);
}
