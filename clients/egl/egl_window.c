/*
 * clients/egl/egl_window.c - EGL setup for the GLES2 demo.
 */
#include "egl_window.h"

#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wayland-client.h>
#include <wayland-egl.h>
#include <GLES2/gl2.h>

/* Whole-word match in an extension string. */
static bool has_extension(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && (p = strstr(p, name)); p += n) {
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\0'))
			return true;
	}
	return false;
}

static int pin_one(struct dl_phdr_info *info, size_t size, void *data)
{
	const char *name = info->dlpi_name;
	size_t n = name ? strlen(name) : 0;
	if (n < 7 || strcmp(name + n - 7, "_dri.so") != 0)
		return 0;
	/* NOLOAD: only the copy already mapped; NODELETE sticks to it even
	 * after this handle is closed. */
	void *h = dlopen(name, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
	if (h)
		dlclose(h);
	return 0;
}

/*
 * Keep Mesa's DRI driver mapped after eglTerminate().  The driver keeps
 * process-lifetime allocations (LLVM/gallivm state) reachable only from its
 * own static data; once eglTerminate() unloads it, LeakSanitizer reports
 * them as leaks in "<unknown module>", which no suppression can name
 * (tests/sanitizers/lsan.supp suppresses the driver by name).  Pinned, they
 * stay reachable, as they would in any process that keeps GL loaded.
 */
static void pin_dri_driver(void)
{
	dl_iterate_phdr(pin_one, NULL);
}

int egl_window_init(struct egl_window *w, struct wl_display *display,
		    struct wl_surface *surface, int32_t width, int32_t height)
{
	static const EGLint config_attribs[] = {
		EGL_SURFACE_TYPE,
		EGL_WINDOW_BIT,
		EGL_RED_SIZE,
		8,
		EGL_GREEN_SIZE,
		8,
		EGL_BLUE_SIZE,
		8,
		EGL_ALPHA_SIZE,
		0,
		EGL_RENDERABLE_TYPE,
		EGL_OPENGL_ES2_BIT,
		EGL_NONE,
	};
	static const EGLint context_attribs[] = {
		EGL_CONTEXT_CLIENT_VERSION,
		2,
		EGL_NONE,
	};
	EGLint major, minor, n = 0;

	memset(w, 0, sizeof(*w));
	w->dpy = EGL_NO_DISPLAY;
	w->ctx = EGL_NO_CONTEXT;
	w->surface = EGL_NO_SURFACE;
	w->width = width;
	w->height = height;

	/* The platform must be named: with plain eglGetDisplay Mesa would
	 * have to guess what kind of native display it was given. */
	PFNEGLGETPLATFORMDISPLAYEXTPROC get_platform_display =
		(PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress(
			"eglGetPlatformDisplayEXT");
	if (!get_platform_display) {
		fprintf(stderr, "EGL lacks eglGetPlatformDisplayEXT\n");
		return -1;
	}
	w->dpy = get_platform_display(EGL_PLATFORM_WAYLAND_KHR, display, NULL);
	if (w->dpy == EGL_NO_DISPLAY ||
	    !eglInitialize(w->dpy, &major, &minor)) {
		fprintf(stderr, "cannot initialize EGL on Wayland (0x%x)\n",
			eglGetError());
		w->dpy = EGL_NO_DISPLAY;
		return -1;
	}
	pin_dri_driver();
	if (!eglBindAPI(EGL_OPENGL_ES_API) ||
	    !eglChooseConfig(w->dpy, config_attribs, &w->config, 1, &n) ||
	    n < 1) {
		fprintf(stderr, "no EGL config for GLES2 with RGB888 (0x%x)\n",
			eglGetError());
		return -1;
	}
	w->ctx = eglCreateContext(w->dpy, w->config, EGL_NO_CONTEXT,
				  context_attribs);
	if (w->ctx == EGL_NO_CONTEXT) {
		fprintf(stderr, "cannot create a GLES2 context (0x%x)\n",
			eglGetError());
		return -1;
	}
	w->native = wl_egl_window_create(surface, width, height);
	if (!w->native) {
		fprintf(stderr, "wl_egl_window_create failed\n");
		return -1;
	}
	w->surface = eglCreateWindowSurface(
		w->dpy, w->config, (EGLNativeWindowType)w->native, NULL);
	if (w->surface == EGL_NO_SURFACE ||
	    !eglMakeCurrent(w->dpy, w->surface, w->surface, w->ctx)) {
		fprintf(stderr,
			"cannot make the EGL window surface current (0x%x)\n",
			eglGetError());
		return -1;
	}
	/* Throttle on frame callbacks inside eglSwapBuffers, like any GL app. */
	eglSwapInterval(w->dpy, 1);

	const char *ext = eglQueryString(w->dpy, EGL_EXTENSIONS);
	if (has_extension(ext, "EGL_ANDROID_native_fence_sync") &&
	    has_extension(ext, "EGL_KHR_fence_sync")) {
		w->create_sync = (PFNEGLCREATESYNCKHRPROC)eglGetProcAddress(
			"eglCreateSyncKHR");
		w->destroy_sync = (PFNEGLDESTROYSYNCKHRPROC)eglGetProcAddress(
			"eglDestroySyncKHR");
		w->dup_native_fence_fd =
			(PFNEGLDUPNATIVEFENCEFDANDROIDPROC)eglGetProcAddress(
				"eglDupNativeFenceFDANDROID");
		w->has_native_fence = w->create_sync && w->destroy_sync &&
				      w->dup_native_fence_fd;
	}
	return 0;
}

int egl_window_native_fence_fd(struct egl_window *w)
{
	static const EGLint attribs[] = {
		EGL_SYNC_NATIVE_FENCE_FD_ANDROID,
		EGL_NO_NATIVE_FENCE_FD_ANDROID,
		EGL_NONE,
	};
	EGLSyncKHR sync =
		w->create_sync(w->dpy, EGL_SYNC_NATIVE_FENCE_ANDROID, attribs);
	if (sync == EGL_NO_SYNC_KHR) {
		fprintf(stderr,
			"eglCreateSyncKHR(native fence) failed (0x%x)\n",
			eglGetError());
		return -1;
	}
	/* The fence fd exists only once the commands are flushed to the GPU. */
	glFlush();
	int fd = w->dup_native_fence_fd(w->dpy, sync);
	w->destroy_sync(w->dpy, sync);
	if (fd == EGL_NO_NATIVE_FENCE_FD_ANDROID) {
		fprintf(stderr, "eglDupNativeFenceFDANDROID failed (0x%x)\n",
			eglGetError());
		return -1;
	}
	return fd;
}

void egl_window_finish(struct egl_window *w)
{
	if (w->dpy != EGL_NO_DISPLAY) {
		eglMakeCurrent(w->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE,
			       EGL_NO_CONTEXT);
		if (w->surface != EGL_NO_SURFACE)
			eglDestroySurface(w->dpy, w->surface);
		if (w->ctx != EGL_NO_CONTEXT)
			eglDestroyContext(w->dpy, w->ctx);
	}
	if (w->native)
		wl_egl_window_destroy(w->native);
	if (w->dpy != EGL_NO_DISPLAY) {
		eglTerminate(w->dpy);
		eglReleaseThread();
	}
	memset(w, 0, sizeof(*w));
	w->dpy = EGL_NO_DISPLAY;
}
