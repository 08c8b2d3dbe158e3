/*
 * clients/egl/egl_window.h - EGL on a Wayland surface, GLES2 context.
 *
 * Mesa's EGL on the Wayland platform; here that is llvmpipe (software,
 * LIBGL_ALWAYS_SOFTWARE=1), which presents through wl_shm buffers that
 * Mesa allocates and recycles on wl_buffer.release by itself.  We only add
 * the acquire fence and the release bookkeeping around eglSwapBuffers().
 *
 * Ownership: struct egl_window is owned by the caller; everything in it is
 * released by egl_window_finish().
 */
#ifndef EGL_WINDOW_H
#define EGL_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include <EGL/egl.h>
#include <EGL/eglext.h>

struct wl_display;
struct wl_surface;
struct wl_egl_window;

struct egl_window {
	EGLDisplay dpy;
	EGLConfig config;
	EGLContext ctx;
	EGLSurface surface;
	struct wl_egl_window *native;
	int32_t width, height;

	/* EGL_ANDROID_native_fence_sync (with EGL_KHR_fence_sync under it). */
	bool has_native_fence;
	PFNEGLCREATESYNCKHRPROC create_sync;
	PFNEGLDESTROYSYNCKHRPROC destroy_sync;
	PFNEGLDUPNATIVEFENCEFDANDROIDPROC dup_native_fence_fd;
};

/*
 * Set up EGL for @surface at @width x @height and make the context current
 * in the calling thread.  0, or -1 after printing why.
 */
int egl_window_init(struct egl_window *w, struct wl_display *display,
		    struct wl_surface *surface, int32_t width, int32_t height);
void egl_window_finish(struct egl_window *w);

/*
 * A native fence fd (caller owns) for the GL commands issued so far, or -1
 * (printed) — only when has_native_fence.
 */
int egl_window_native_fence_fd(struct egl_window *w);

#endif
