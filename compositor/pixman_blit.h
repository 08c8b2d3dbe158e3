/*
 * Straight copies for untransformed textures on wlroots 0.15's pixman
 * renderer (docs/compositor.md, "Rendering with pixman").
 */
#ifndef FENCEWAY_PIXMAN_BLIT_H
#define FENCEWAY_PIXMAN_BLIT_H

struct wlr_renderer;

/*
 * If @renderer is wlroots' pixman renderer, return a renderer that does
 * everything through it but composites a texture placed at whole-pixel
 * offsets, unscaled and uncropped, as a plain copy at that offset; the
 * returned renderer owns @renderer and destroys it with itself.  Any other
 * renderer (and @renderer again if memory runs out) is returned as it is.
 */
struct wlr_renderer *fw_pixman_blit_wrap(struct wlr_renderer *renderer);

#endif
