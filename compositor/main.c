/*
 * fenceway: the environment read once into the config, the checks that
 * turn a doomed start into one line naming cause and fix, and the life of
 * the server.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wlr/util/log.h>
#include "options.h"
#include "server.h"

/* A runtime dir for the runner's client when the caller has none. */
#define PRIVATE_RUNTIME_TEMPLATE "/tmp/fenceway-runtime-XXXXXX"

static bool env_set(const char *name) {
	const char *value = getenv(name);
	return value != NULL && value[0] != '\0';
}

/* The environment forms let a test runner switch these for a whole job.
 * Only exactly "1" turns test input on, so a stray value cannot; explicit
 * sync goes off for any value but empty and "0". */
static void read_environment(struct fw_config *config) {
	const char *test_input = getenv("FENCEWAY_TEST_INPUT");
	if (test_input != NULL && strcmp(test_input, "1") == 0) {
		config->test_input = true;
	}
	const char *no_es = getenv("FENCEWAY_NO_EXPLICIT_SYNC");
	if (no_es != NULL && no_es[0] != '\0' && strcmp(no_es, "0") != 0) {
		config->no_explicit_sync = true;
	}
}

/*
 * XDG_RUNTIME_DIR, checked so that a wrong one is one line naming it, or
 * for the runner with none set a private directory made here (mkdtemp:
 * mode 0700), returned in *private_dir for main() to remove.
 */
static bool pick_runtime_dir(struct fw_config *config, char **private_dir) {
	const char *dir = getenv("XDG_RUNTIME_DIR");
	if (dir == NULL && config->command != NULL) {
		char template[] = PRIVATE_RUNTIME_TEMPLATE;
		if (mkdtemp(template) == NULL) {
			fprintf(stderr,
				"fenceway: XDG_RUNTIME_DIR is not set and "
				"making %s failed (%s); set XDG_RUNTIME_DIR to a private "
				"directory (mode 0700)\n",
				template, strerror(errno));
			return false;
		}
		*private_dir = strdup(template);
		if (*private_dir == NULL) {
			rmdir(template);
			fprintf(stderr, "fenceway: out of memory\n");
			return false;
		}
		config->runtime_dir = *private_dir;
		return true;
	}
	if (dir == NULL) {
		fprintf(stderr,
			"fenceway: XDG_RUNTIME_DIR is not set; set it to a "
			"private directory (mode 0700), or use 'fenceway [options] -- "
			"CMD', which makes one for CMD\n");
		return false;
	}
	if (dir[0] == '\0') {
		fprintf(stderr,
			"fenceway: XDG_RUNTIME_DIR is empty; set it to a "
			"private directory (mode 0700), or unset it and use "
			"'fenceway [options] -- CMD'\n");
		return false;
	}
	struct stat st;
	if (stat(dir, &st) < 0) {
		fprintf(stderr,
			"fenceway: XDG_RUNTIME_DIR=%s: %s; create it "
			"(mkdir -m 0700 '%s') or point XDG_RUNTIME_DIR at an existing "
			"directory\n",
			dir, strerror(errno), dir);
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr,
			"fenceway: XDG_RUNTIME_DIR=%s is not a directory; "
			"point it at a private directory (mode 0700)\n",
			dir);
		return false;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		fprintf(stderr,
			"fenceway: XDG_RUNTIME_DIR=%s is not writable by "
			"this user (%s); point it at a directory you own (mode "
			"0700)\n",
			dir, strerror(errno));
		return false;
	}
	config->runtime_dir = dir;
	return true;
}

static bool has_dri_node(const char *prefix) {
	DIR *dri = opendir("/dev/dri");
	if (dri == NULL) {
		return false;
	}
	bool found = false;
	struct dirent *entry;
	while (!found && (entry = readdir(dri)) != NULL) {
		found = strncmp(entry->d_name, prefix, strlen(prefix)) == 0;
	}
	closedir(dri);
	return found;
}

/* stdin is a virtual console (/dev/ttyN), where a session can be had. */
static bool on_vt(void) {
	const char *tty = isatty(STDIN_FILENO) ? ttyname(STDIN_FILENO) : NULL;
	return tty != NULL && strncmp(tty, "/dev/tty", 8) == 0 && tty[8] >= '0' &&
		tty[8] <= '9';
}

/*
 * Without --headless, wlroots' autocreate nests when WAYLAND_DISPLAY or
 * DISPLAY is set; otherwise it asks libseat for a session and waits about
 * 10 s for one before it fails without saying why.  When there is neither
 * a display nor any way to a DRM session (no DRM card, or no VT, seatd,
 * logind session or chosen libseat backend), say so at once.
 */
static bool backend_possible(const struct fw_config *config) {
	if (config->headless || env_set("WAYLAND_DISPLAY") ||
		env_set("WAYLAND_SOCKET") || env_set("DISPLAY") ||
		env_set("WLR_BACKENDS")) {
		return true;
	}
	bool session = env_set("LIBSEAT_BACKEND") || env_set("XDG_SESSION_ID") ||
		access("/run/seatd.sock", F_OK) == 0 || on_vt();
	if (session && has_dri_node("card")) {
		return true;
	}
	fprintf(stderr,
		"fenceway: no display to run in (WAYLAND_DISPLAY and "
		"DISPLAY are unset) and no %s for a DRM session; use --headless\n",
		session ? "DRM device (/dev/dri/card*)" : "seat (VT, seatd or logind)");
	return false;
}

/*
 * Every client costs an fd, and so does every buffer, timeline and fence a
 * client hands over: raise the soft fd limit to the hard one (as sway
 * does).  Children get the limit fenceway was started with back: a program
 * written for the usual 1024 may still use select().
 */
static void raise_fd_limit(struct fw_config *config) {
	struct rlimit limit;
	if (getrlimit(RLIMIT_NOFILE, &limit) < 0 ||
		limit.rlim_cur >= limit.rlim_max) {
		return;
	}
	rlim_t original = limit.rlim_cur;
	limit.rlim_cur = limit.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &limit) < 0) {
		wlr_log_errno(WLR_INFO, "cannot raise the fd limit from %llu",
			(unsigned long long)original);
		return;
	}
	config->child_nofile = original;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
	struct FTW *ftw) {
	if (remove(path) < 0) {
		wlr_log_errno(WLR_ERROR, "cannot remove %s", path);
	}
	return 0;
}

int main(int argc, char *argv[]) {
	struct fw_config config;
	enum wlr_log_importance level;
	int status = fw_options_parse(argc, argv, &config, &level);
	if (status >= 0) {
		return status;
	}
	read_environment(&config);
	config.handle_signals = true;
	config.no_render_node = !has_dri_node("renderD");

	wlr_log_init(level, NULL);
	char *private_dir = NULL;
	if (!pick_runtime_dir(&config, &private_dir) ||
		!backend_possible(&config)) {
		if (private_dir != NULL) {
			rmdir(private_dir);
			free(private_dir);
		}
		return 1;
	}
	if (private_dir != NULL) {
		wlr_log(WLR_INFO,
			"XDG_RUNTIME_DIR is not set: using %s, removed "
			"at exit",
			private_dir);
	}
	raise_fd_limit(&config);

	struct fw_server server = {0};
	status = 1;
	if (fw_server_init(&server, &config)) {
		fw_server_run(&server);
		fw_server_finish(&server);
		status = server.exit_status;
	}
	if (private_dir != NULL) {
		/* The command may have left files in it; nothing there is
		 * anyone else's.  Depth first, symlinks not followed. */
		nftw(private_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		free(private_dir);
	}
	return status;
}
