/*
 * clients/egl/acquire.c - native fence or sync/ fence for the GLES2 demo.
 */
#include "acquire.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <GLES2/gl2.h>
#include <fenceway/sync.h>

#include "../common/stats.h"
#include "egl_window.h"

const char *egl_acquire_path_name(enum egl_acquire_path p)
{
	switch (p) {
	case EGL_ACQUIRE_NATIVE:
		return "native-fence";
	case EGL_ACQUIRE_FALLBACK:
		return "sync-fallback";
	default:
		return "none";
	}
}

void egl_acquire_init(struct egl_acquire *a, bool explicit_sync,
		      const struct egl_window *w)
{
	const char *force = getenv("FENCEWAY_EGL_NO_NATIVE_FENCE");

	memset(a, 0, sizeof(*a));
	if (!explicit_sync)
		a->path = EGL_ACQUIRE_NONE;
	else if (w->has_native_fence && !(force && strcmp(force, "1") == 0))
		a->path = EGL_ACQUIRE_NATIVE;
	else
		a->path = EGL_ACQUIRE_FALLBACK;
	a->context = fw_fence_context_alloc(1);
}

void egl_acquire_finish(struct egl_acquire *a)
{
	fw_fence_put(a->pending);
	a->pending = NULL;
}

int egl_acquire_fence_fd(struct egl_acquire *a, struct egl_window *w,
			 uint64_t seq)
{
	switch (a->path) {
	case EGL_ACQUIRE_NATIVE:
		return egl_window_native_fence_fd(w);
	case EGL_ACQUIRE_FALLBACK: {
		/* The previous frame's fence was signalled after its swap. */
		fw_fence_put(a->pending);
		a->pending =
			fw_fence_create(a->context, seq, "fenceway-demo-egl");
		if (!a->pending) {
			fprintf(stderr, "fw_fence_create: %m\n");
			return -1;
		}
		int fd = fw_sync_file_create(a->pending);
		if (fd < 0)
			fprintf(stderr, "fw_sync_file_create: %s\n",
				strerror(-fd));
		return fd < 0 ? -1 : fd;
	}
	default:
		return -1;
	}
}

int egl_acquire_after_swap(struct egl_acquire *a, struct fwd_frame *frame)
{
	if (a->path != EGL_ACQUIRE_FALLBACK || !a->pending)
		return 0;
	/* Everything up to and including the swap's copy-out is done. */
	glFinish();
	fwd_stats_acquire_signalled(frame);
	int err = fw_fence_signal(a->pending, 0);
	if (err < 0) {
		fprintf(stderr,
			"frame %" PRIu64
			": cannot signal the acquire fence: %s\n",
			frame->seq, strerror(-err));
		return -1;
	}
	return 0;
}
