/*
 * Optional modules: the list of built-ins and the bookkeeping that runs
 * their init at setup and their finish at shutdown.
 */
#include <stdlib.h>
#include <wlr/util/log.h>
#include "modules.h"
#include "server.h"
#ifdef FW_HAVE_EXPLICIT_SYNC
#include "explicit_sync.h"
#endif

/*
 * Built-in modules, initialised in this order by fw_server_init().
 * ---> The explicit-sync globals register here, e.g.
 *          #if FW_HAVE_EXPLICIT_SYNC
 *          &fw_explicit_sync_module,
 *          #endif
 */
const struct fw_module *const fw_builtin_modules[] = {
#ifdef FW_HAVE_EXPLICIT_SYNC
	&fw_explicit_sync_module,
#endif
	NULL,
};

struct fw_module_instance {
	const struct fw_module *module;
	void *state;
	struct wl_list link; /* fw_server.modules */
};

bool fw_server_add_module(struct fw_server *server,
	const struct fw_module *module) {
	struct fw_module_instance *inst = calloc(1, sizeof(*inst));
	if (inst == NULL) {
		wlr_log(WLR_ERROR, "module %s: out of memory", module->name);
		return false;
	}
	inst->module = module;
	if (module->init != NULL && !module->init(server, &inst->state)) {
		wlr_log(WLR_ERROR, "module %s failed to initialise", module->name);
		free(inst);
		return false;
	}
	/* Insert at the head so that walking the list finishes in reverse. */
	wl_list_insert(&server->modules, &inst->link);
	wlr_log(WLR_INFO, "module %s initialised", module->name);
	return true;
}

void fw_server_finish_modules(struct fw_server *server) {
	struct fw_module_instance *inst, *tmp;
	wl_list_for_each_safe(inst, tmp, &server->modules, link) {
		if (inst->module->finish != NULL) {
			inst->module->finish(server, inst->state);
		}
		wl_list_remove(&inst->link);
		free(inst);
	}
}
