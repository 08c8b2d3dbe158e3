/*
 * fw-es-client SCENARIO: one explicit-sync conformance scenario per run
 * (es-scenarios.h).  Without an argument, lists the scenarios.
 */
#include <stdio.h>
#include <string.h>
#include "es-scenarios.h"

static const struct {
	const char *name;
	int (*run)(void);
} scenarios[] = {
	{ "so-surface-exists", so_surface_exists },
	{ "so-after-sync-v1", so_after_sync_v1 },
	{ "so-invalid-timeline", so_invalid_timeline },
	{ "so-invalid-timeline-sync-file", so_invalid_timeline_sync_file },
	{ "so-no-surface-acquire", so_no_surface_acquire },
	{ "so-no-surface-release", so_no_surface_release },
	{ "so-no-buffer-acquire", so_no_buffer_acquire },
	{ "so-no-buffer-release", so_no_buffer_release },
	{ "so-no-buffer-both", so_no_buffer_both },
	{ "so-no-buffer-null-attach", so_no_buffer_null_attach },
	{ "so-no-buffer-before-conflict", so_no_buffer_before_conflict },
	{ "so-no-acquire-point", so_no_acquire_point },
	{ "so-no-acquire-before-release", so_no_acquire_before_release },
	{ "so-no-release-point", so_no_release_point },
	{ "so-conflicting-equal", so_conflicting_equal },
	{ "so-conflicting-greater", so_conflicting_greater },
	{ "v1-synchronization-exists", v1_synchronization_exists },
	{ "v1-after-syncobj", v1_after_syncobj },
	{ "v1-invalid-fence", v1_invalid_fence },
	{ "v1-invalid-fence-timeline", v1_invalid_fence_timeline },
	{ "v1-no-surface-fence", v1_no_surface_fence },
	{ "v1-no-surface-release", v1_no_surface_release },
	{ "v1-duplicate-fence", v1_duplicate_fence },
	{ "v1-duplicate-release", v1_duplicate_release },
	{ "v1-no-buffer-fence", v1_no_buffer_fence },
	{ "v1-no-buffer-release", v1_no_buffer_release },
	{ "v1-no-buffer-null-attach", v1_no_buffer_null_attach },
	{ "so-ok-empty-commit", so_ok_empty_commit },
	{ "so-ok-null-attach", so_ok_null_attach },
	{ "so-ok-different-timelines", so_ok_different_timelines },
	{ "so-ok-same-timeline-two-objects", so_ok_same_timeline_two_objects },
	{ "so-ok-replace-point", so_ok_replace_point },
	{ "so-ok-timeline-destroyed", so_ok_timeline_destroyed },
	{ "so-ok-shm", so_ok_shm },
	{ "v1-ok-shm", v1_ok_shm },
	{ "v1-ok-release-after-commit", v1_ok_release_after_commit },
	{ "so-hold", so_hold },
	{ "so-timeline-error", so_timeline_error },
	{ "so-null-attach-behind-held", so_null_attach_behind_held },
	{ "so-hold-then-exit", so_hold_then_exit },
	{ "so-hold-forever", so_hold_forever },
	{ "v1-hold-early-release", v1_hold_early_release },
	{ "v1-producer-killed", v1_producer_killed },
	{ "so-subsurface-hold", so_subsurface_hold },
	{ "so-release-on-destroy", so_release_on_destroy },
	{ "v1-hold-forever", v1_hold_forever },
	{ "so-flood-no-attach", so_flood_no_attach },
	{ "so-flood-held-child-parent", so_flood_held_child_parent },
	{ "so-parent-released-desync", so_parent_released_desync },
	{ "so-parent-released-destroy", so_parent_released_destroy },
	{ "so-release-new-buffer", so_release_new_buffer },
	{ "so-release-same-buffer", so_release_same_buffer },
	{ "so-release-two-surfaces", so_release_two_surfaces },
	{ "v1-release-new-buffer", v1_release_new_buffer },
	{ "v1-release-same-buffer", v1_release_same_buffer },
	{ "v1-release-two-surfaces", v1_release_two_surfaces },
	{ "so-release-fullscreen", so_release_fullscreen },
	{ "so-cap-commits", so_cap_commits },
	{ "so-cap-timelines", so_cap_timelines },
	{ "so-budget-hog", so_budget_hog },
	{ "so-budget-innocent", so_budget_innocent },
	{ "so-budget-waits", so_budget_waits },
	{ "so-budget-shared", so_budget_shared },
	{ "v1-budget-fences", v1_budget_fences },
};

int main(int argc, char *argv[]) {
	size_t n = sizeof(scenarios) / sizeof(scenarios[0]);
	if (argc != 2) {
		for (size_t i = 0; i < n; i++) {
			printf("%s\n", scenarios[i].name);
		}
		return argc == 1 ? 0 : 2;
	}
	/* Output goes to a file in the tests: keep the order with stderr. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(argv[1], scenarios[i].name) == 0) {
			return scenarios[i].run();
		}
	}
	fprintf(stderr, "unknown scenario %s\n", argv[1]);
	return 2;
}
