/*
 * clients/demo/label.h - the strip at the top of every fenceway-demo
 * window that says what the window uses and how it is doing: a first line
 * naming its sync (e.g. "syncobj timeline, GPU 4 ms") and a second with
 * live counts (frames presented, early presents).
 *
 * Text is laid out by pango and drawn by cairo straight into the shm
 * buffer (XRGB8888 is cairo's RGB24).  The label is drawn by the main
 * thread before the frame's commit, like a toolkit's title bar: it is
 * finished when committed, and only the rows below it are "GPU" work (the
 * poison clear, then the finished frame).
 *
 * Ownership: the caller owns the struct demo_label; the pixels passed to
 * demo_label_draw() are borrowed for the call.
 */
#ifndef DEMO_LABEL_H
#define DEMO_LABEL_H

#include <stdint.h>

struct demo_label;

/* Rows [0, demo_label_height(h)) of a window @h rows high hold the label
 * (0: the window is too small for one). */
int32_t demo_label_height(int32_t height);

/* A label for windows @width x @height.  NULL (printed) on failure. */
struct demo_label *demo_label_create(int32_t width, int32_t height);
void demo_label_destroy(struct demo_label *label);

/* Draw @line1 and @line2 on @rgb into the label rows of @pixels. */
void demo_label_draw(struct demo_label *label, uint32_t *pixels, int32_t stride,
		     uint32_t rgb, const char *line1, const char *line2);

#endif
