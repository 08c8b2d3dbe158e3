/*
 * clients/egl/sync_surface.c - acquire fences and release bookkeeping.
 */
#include "sync_surface.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fenceway/sync.h>

#include "linux-explicit-synchronization-unstable-v1-client-protocol.h"
#include "../common/display.h"
#include "../common/stats.h"

struct egl_release {
	struct egl_sync_surface *owner;
	struct zwp_linux_buffer_release_v1 *obj;
	struct wl_list link;
};

static void release_done(struct egl_release *r)
{
	zwp_linux_buffer_release_v1_destroy(r->obj);
	wl_list_remove(&r->link);
	free(r);
}

static void fenced_release(void *data, struct zwp_linux_buffer_release_v1 *obj,
			   int32_t fd)
{
	struct egl_release *r = data;
	struct fwd_stats *stats = r->owner->stats;

	stats->rel_fenced++;
	/* Mesa waits for wl_buffer.release itself; we only check that what
	 * came is a sync file at all. */
	if (fw_sync_file_kind(fd) == FW_SYNC_FILE_NONE) {
		fprintf(stderr,
			"fenced_release sent something that is not a sync file\n");
		stats->fence_errors++;
	}
	close(fd);
	release_done(r);
}

static void immediate_release(void *data,
			      struct zwp_linux_buffer_release_v1 *obj)
{
	struct egl_release *r = data;
	r->owner->stats->rel_immediate++;
	release_done(r);
}

static const struct zwp_linux_buffer_release_v1_listener release_listener = {
	.fenced_release = fenced_release,
	.immediate_release = immediate_release,
};

int egl_sync_surface_init(struct egl_sync_surface *s, struct fwd_display *d,
			  struct wl_surface *surface, struct fwd_stats *stats)
{
	memset(s, 0, sizeof(*s));
	wl_list_init(&s->releases);
	s->stats = stats;
	if (!d->explicit_sync) {
		fprintf(stderr,
			"the compositor offers no zwp_linux_explicit_synchronization_v1 "
			"(explicit sync disabled?); try --protocol none\n");
		return -1;
	}
	s->sync = zwp_linux_explicit_synchronization_v1_get_synchronization(
		d->explicit_sync, surface);
	return 0;
}

void egl_sync_surface_finish(struct egl_sync_surface *s)
{
	struct egl_release *r, *tmp;
	if (!s->releases.next)
		return; /* never initialised */
	wl_list_for_each_safe(r, tmp, &s->releases, link) release_done(r);
	if (s->sync)
		zwp_linux_surface_synchronization_v1_destroy(s->sync);
	s->sync = NULL;
}

int egl_sync_surface_prepare(struct egl_sync_surface *s, int fd)
{
	struct egl_release *r = calloc(1, sizeof(*r));
	if (!r) {
		fprintf(stderr, "out of memory\n");
		return -1;
	}
	zwp_linux_surface_synchronization_v1_set_acquire_fence(s->sync, fd);
	r->owner = s;
	r->obj = zwp_linux_surface_synchronization_v1_get_release(s->sync);
	zwp_linux_buffer_release_v1_add_listener(r->obj, &release_listener, r);
	wl_list_insert(&s->releases, &r->link);
	return 0;
}
