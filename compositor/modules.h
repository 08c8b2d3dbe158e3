/*
 * Optional compositor modules (the explicit-sync protocols plug in here).
 *
 * A module is a pair of callbacks run with the server.  init runs once the
 * core is built -- backend, renderer, scene, every core global, the seat and
 * the presentation object exist -- but before the backend starts and before
 * the Wayland socket is opened, so no client can see the display without
 * the module's globals.  finish runs at shutdown after every client has been
 * disconnected and before the core is torn down, in reverse order of init.
 *
 * To add a built-in module, list it in fw_builtin_modules[] in modules.c
 * (the only edit needed outside the module's own files).
 */
#ifndef FENCEWAY_MODULES_H
#define FENCEWAY_MODULES_H

#include <stdbool.h>

struct fw_server;

struct fw_module {
	const char *name;
	/*
	 * Return false to abort startup (the compositor then exits non-zero).
	 * *state starts NULL; whatever the module stores there is its own and
	 * is handed back to finish.
	 */
	bool (*init)(struct fw_server *server, void **state);
	/* May be NULL.  Frees whatever init allocated. */
	void (*finish)(struct fw_server *server, void *state);
};

/* NULL-terminated; defined in modules.c.  The structs are static data. */
extern const struct fw_module *const fw_builtin_modules[];

/*
 * Run module->init now and remember it for shutdown.  module must outlive
 * the server (static data).  Returns false when init failed; the module is
 * then not remembered and its finish is not called.
 */
bool fw_server_add_module(struct fw_server *server,
	const struct fw_module *module);

/* Run every remembered module's finish, last added first (server.c). */
void fw_server_finish_modules(struct fw_server *server);

#endif
