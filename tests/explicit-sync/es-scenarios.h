/*
 * The scenarios of fw-es-client, one function each (es-main.c lists them).
 * A scenario returns (or exits with) 0 on success, 1 when the compositor
 * misbehaved, 2 when the test environment is broken.
 */
#ifndef FW_ES_SCENARIOS_H
#define FW_ES_SCENARIOS_H

/* es-errors.c */
int so_surface_exists(void);
int so_after_sync_v1(void);
int so_invalid_timeline(void);
int so_invalid_timeline_sync_file(void);
int so_no_surface_acquire(void);
int so_no_surface_release(void);
int so_no_buffer_acquire(void);
int so_no_buffer_release(void);
int so_no_buffer_both(void);
int so_no_buffer_null_attach(void);
int so_no_buffer_before_conflict(void);
int so_no_acquire_point(void);
int so_no_acquire_before_release(void);
int so_no_release_point(void);
int so_conflicting_equal(void);
int so_conflicting_greater(void);
int v1_synchronization_exists(void);
int v1_after_syncobj(void);
int v1_invalid_fence(void);
int v1_invalid_fence_timeline(void);
int v1_no_surface_fence(void);
int v1_no_surface_release(void);
int v1_duplicate_fence(void);
int v1_duplicate_release(void);
int v1_no_buffer_fence(void);
int v1_no_buffer_release(void);
int v1_no_buffer_null_attach(void);

/* es-ok.c */
int so_ok_empty_commit(void);
int so_ok_null_attach(void);
int so_ok_different_timelines(void);
int so_ok_same_timeline_two_objects(void);
int so_ok_replace_point(void);
int so_ok_timeline_destroyed(void);
int so_ok_shm(void);
int v1_ok_shm(void);
int v1_ok_release_after_commit(void);

/* es-hold.c */
int so_hold(void);
int so_timeline_error(void);
int so_null_attach_behind_held(void);
int so_hold_then_exit(void);
int so_hold_forever(void);
int v1_hold_early_release(void);
int v1_producer_killed(void);
int so_subsurface_hold(void);
int so_release_on_destroy(void);
int v1_hold_forever(void);
int so_flood_no_attach(void);
int so_flood_held_child_parent(void);
int so_parent_released_desync(void);
int so_parent_released_destroy(void);

/* es-release.c */
int so_release_new_buffer(void);
int so_release_same_buffer(void);
int so_release_two_surfaces(void);
int v1_release_new_buffer(void);
int v1_release_same_buffer(void);
int v1_release_two_surfaces(void);
int so_release_fullscreen(void);

/* es-caps.c */
int so_cap_commits(void);
int so_cap_timelines(void);

/* es-budget.c */
int so_budget_hog(void);
int so_budget_innocent(void);
int so_budget_waits(void);
int so_budget_shared(void);
int v1_budget_fences(void);

#endif
