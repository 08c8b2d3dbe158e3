/*
 * clients/egl/acquire.h - where the GLES2 demo's acquire fence comes from.
 *
 *   native    EGL_ANDROID_native_fence_sync: an EGL fence for the frame's
 *             GL commands, its native fd dup'd and sent as the acquire
 *             fence (a kernel sync_file the GPU driver signals).
 *   fallback  the driver has no native fences (llvmpipe here): a fence from
 *             sync/ sent as a soft sync file, signalled by us once glFinish()
 *             says the GPU work is done, i.e. after eglSwapBuffers() has
 *             committed: the commit still goes out before the signal.
 *   none      --protocol none: no acquire fence at all.
 * FENCEWAY_EGL_NO_NATIVE_FENCE=1 forces the fallback even where native
 * fences exist (to test that path on real hardware).
 *
 * Ownership: struct egl_acquire is owned by the caller; the pending fence
 * in it is released by egl_acquire_finish().
 */
#ifndef EGL_ACQUIRE_H
#define EGL_ACQUIRE_H

#include <stdbool.h>
#include <stdint.h>

struct egl_window;
struct fw_fence;
struct fwd_frame;

enum egl_acquire_path {
	EGL_ACQUIRE_NONE,
	EGL_ACQUIRE_NATIVE,
	EGL_ACQUIRE_FALLBACK,
};

struct egl_acquire {
	enum egl_acquire_path path;
	uint64_t context;	  /* fence context of fallback fences */
	struct fw_fence *pending; /* fallback: this frame's fence */
};

void egl_acquire_init(struct egl_acquire *a, bool explicit_sync,
		      const struct egl_window *w);
void egl_acquire_finish(struct egl_acquire *a);
const char *egl_acquire_path_name(enum egl_acquire_path p);

/*
 * After drawing frame @seq, before eglSwapBuffers(): the acquire fence fd
 * (caller sends and closes it), or -1 (printed) on failure.
 */
int egl_acquire_fence_fd(struct egl_acquire *a, struct egl_window *w,
			 uint64_t seq);

/*
 * After eglSwapBuffers() (the commit is out): fallback path only, wait for
 * the GPU, record the time in @frame and signal.  0 or -1 (printed).
 */
int egl_acquire_after_swap(struct egl_acquire *a, struct fwd_frame *frame);

#endif
