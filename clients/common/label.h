/*
 * clients/common/label.h - the strip at the top of every demo window that
 * says what the window uses and how it is doing: a first line naming its
 * sync (e.g. "syncobj timeline, GPU 4 ms") and a second with live counts
 * (frames presented, early presents).
 *
 * Text is laid out by pango and drawn by cairo into XRGB8888 pixels
 * (cairo's RGB24).  fenceway-demo draws it straight into the shm buffer on
 * the main thread before the frame's commit, like a toolkit's title bar:
 * it is finished when committed, and only the rows below it are "GPU" work
 * (the poison clear, then the finished frame).  fenceway-demo-egl uploads
 * the same pixels as a texture.
 *
 * Ownership: the caller owns the struct fwd_label; the pixels passed to
 * fwd_label_draw() are borrowed for the call.
 */
#ifndef FWD_LABEL_H
#define FWD_LABEL_H

#include <stdint.h>

struct fwd_label;

/* Rows [0, fwd_label_height(h)) of a window @h rows high hold the label
 * (0: the window is too small for one). */
int32_t fwd_label_height(int32_t height);

/* A label for windows @width x @height.  NULL (printed) on failure. */
struct fwd_label *fwd_label_create(int32_t width, int32_t height);
void fwd_label_destroy(struct fwd_label *label);

/* Draw @line1 and @line2 on @rgb into the label rows of @pixels. */
void fwd_label_draw(struct fwd_label *label, uint32_t *pixels, int32_t stride,
		    uint32_t rgb, const char *line1, const char *line2);

#endif
