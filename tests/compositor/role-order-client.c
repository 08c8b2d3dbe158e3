/*
 * Test client: the defunct_role_object rule (docs/compositor.md, "A surface
 * outlived by its role object") from a real client on a real socket.
 *
 *   fw-test-role-order-client toplevel | popup
 *
 * Two connections.  The bystander maps a toplevel and keeps it.  The
 * culprit makes a toplevel (configured), or a popup of one, and destroys
 * the role's wl_surface while the xdg_toplevel or xdg_popup lives; its
 * next roundtrip must fail with wl_surface error 4 on that surface.
 * libwayland prints the error's message on stderr, where the test reads
 * it.  Then the bystander's roundtrip must succeed and its toplevel still
 * take requests.
 *
 * Prints one line per step; exit status 0 when the compositor behaved, 1
 * when it did not, 2 when the setup failed (wtc_die).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "wl-test-client.h"

/* wl_surface.error.defunct_role_object; libwayland 1.21's headers lack it
 * (docs/compositor.md). */
#define DEFUNCT_ROLE_OBJECT 4

static int fail(const char *what) {
	printf("FAIL: %s\n", what);
	return 1;
}

struct popup {
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_popup *popup;
};

/* A popup of parent, placed in its first 10x10 pixels. */
static void popup_init(struct popup *p, struct wtc_conn *c,
	struct wtc_toplevel *parent) {
	struct xdg_positioner *positioner =
		xdg_wm_base_create_positioner(c->wm_base);
	xdg_positioner_set_size(positioner, 10, 10);
	xdg_positioner_set_anchor_rect(positioner, 0, 0, 1, 1);
	p->surface = wl_compositor_create_surface(c->compositor);
	p->xdg_surface = xdg_wm_base_get_xdg_surface(c->wm_base, p->surface);
	p->popup =
		xdg_surface_get_popup(p->xdg_surface, parent->xdg_surface, positioner);
	xdg_positioner_destroy(positioner);
	if (wl_display_roundtrip(c->display) < 0) {
		wtc_die("the popup was refused");
	}
}

int main(int argc, char **argv) {
	if (argc != 2 ||
		(strcmp(argv[1], "toplevel") != 0 && strcmp(argv[1], "popup") != 0)) {
		wtc_die("usage: %s toplevel | popup", argv[0]);
	}
	bool popup = strcmp(argv[1], "popup") == 0;

	struct wtc_conn bystander = {0};
	wtc_connect(&bystander);
	struct wtc_toplevel keep = {0};
	wtc_toplevel_init(&keep, &bystander, "role-order bystander");
	wtc_toplevel_configure(&keep);

	struct wtc_conn culprit = {0};
	wtc_connect(&culprit);
	struct wtc_toplevel tl = {0};
	wtc_toplevel_init(&tl, &culprit, "role-order culprit");
	wtc_toplevel_configure(&tl);
	struct popup pop = {0};
	if (popup) {
		popup_init(&pop, &culprit, &tl);
	}
	struct wl_surface *victim = popup ? pop.surface : tl.surface;
	uint32_t victim_id = wl_proxy_get_id((struct wl_proxy *)victim);
	printf("destroying wl_surface@%u before its xdg_%s\n", victim_id, argv[1]);
	fflush(stdout);
	/* wl_surface.destroy on the wire, the proxy kept: libwayland reports
	 * an error on a proxy already destroyed as "[destroyed object]",
	 * without its interface and id. */
	wl_proxy_marshal_flags((struct wl_proxy *)victim, WL_SURFACE_DESTROY, NULL,
		wl_proxy_get_version((struct wl_proxy *)victim), 0);
	if (wl_display_roundtrip(culprit.display) >= 0) {
		return fail("the culprit's roundtrip succeeded");
	}
	if (wl_display_get_error(culprit.display) != EPROTO) {
		return fail("the culprit lost its connection without a protocol "
					"error");
	}
	const struct wl_interface *iface = NULL;
	uint32_t id = 0;
	uint32_t code = wl_display_get_protocol_error(culprit.display, &iface, &id);
	printf("culprit: %s@%u error %u\n", iface != NULL ? iface->name : "?", id,
		code);
	fflush(stdout);
	if (iface != &wl_surface_interface || id != victim_id ||
		code != DEFUNCT_ROLE_OBJECT) {
		return fail("not wl_surface error 4 (defunct_role_object) on the "
					"destroyed surface");
	}
	/* On a connection in error the destroy requests only free the
	 * proxies. */
	if (popup) {
		xdg_popup_destroy(pop.popup);
		xdg_surface_destroy(pop.xdg_surface);
		wl_surface_destroy(pop.surface);
	}
	wtc_toplevel_finish(&tl);
	wtc_disconnect(&culprit);

	/* The bystander is untouched: its connection and its window work. */
	xdg_toplevel_set_title(keep.toplevel, "role-order bystander, after");
	if (wl_display_roundtrip(bystander.display) < 0) {
		return fail("the bystander's roundtrip failed");
	}
	printf("bystander: roundtrip ok\n");
	wtc_toplevel_finish(&keep);
	wtc_disconnect(&bystander);
	return 0;
}
