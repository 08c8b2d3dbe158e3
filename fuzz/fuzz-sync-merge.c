/*
 * fuzz-sync-merge.c - sync_file_info() and merges over arbitrary fence
 * sets, through the libsync API as an application drives it.
 *
 * Input: a program of two-byte operations [op][arg] on up to 4 soft
 * timelines (named t0..t3) and 16 sync files: make a timeline, make a
 * fence on a point, merge two files (sync_merge, or fw_fence_merge of
 * their fences), advance a timeline, destroy one (its pending fences fail
 * with -ENOENT), put one in error, dup or close a file, describe a file.
 * Every description is checked against itself (counts add up, the file's
 * status matches its points, sync_wait agrees, the legacy info agrees) and
 * against a model of the timelines: a timeline never advanced and never
 * failed has every point of it active; one advanced past every point made
 * on it, before any failure, has every point of it signalled.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <fenceway/libsync.h>
#include <fenceway/sync_file.h>
#include <fenceway/timeline.h>

#include "fuzz.h"

#define NTL 4
#define NFILES 16
#define MAX_POINT 16

struct tl_model {
	int fd;              /* -1: none, or destroyed */
	uint64_t value;
	uint64_t max_point;  /* the highest point a fence was made on */
	bool failed;         /* destroyed or put in error with points pending */
	bool used;           /* points exist that may outlive the fd */
};

struct state {
	struct tl_model tl[NTL];
	int files[NFILES];      /* sync file fds, -1: free slot */
};

/* Index of timeline "tN" from a point's obj_name, or -1. */
static int timeline_of(const char *name)
{
	if (name[0] == 't' && name[1] >= '0' && name[1] < '0' + NTL &&
	    name[2] == '\0')
		return name[1] - '0';
	return -1;
}

static void describe(struct state *s, int fd)
{
	struct sync_file_info *info = sync_file_info(fd);
	struct sync_fence_info_data *legacy;
	const struct sync_fence_info *pts;
	struct sync_pt_info *pt = NULL;
	int counts[3] = { 0 }, n;
	bool any_active = false, any_error = false;

	FUZZ_CHECK(info != NULL);
	pts = sync_get_fence_info(info);
	n = (int)info->num_fences;
	FUZZ_CHECK(n >= 1);
	for (int i = 0; i < n; i++) {
		int st = pts[i].status, k = timeline_of(pts[i].obj_name);

		FUZZ_CHECK(st == 0 || st == 1 || (st < 0 && st >= -4095));
		counts[st < 0 ? 2 : st]++;
		any_active |= st == 0;
		any_error |= st < 0;
		if (k < 0 || !s->tl[k].used)
			continue;
		if (!s->tl[k].failed && s->tl[k].value == 0)
			FUZZ_CHECK(st == 0);
		if (!s->tl[k].failed && s->tl[k].value >= s->tl[k].max_point)
			FUZZ_CHECK(st == 1);
	}
	/* A merge is pending while any part is, failed if any part failed. */
	if (any_active)
		FUZZ_CHECK(info->status == 0);
	else if (any_error)
		FUZZ_CHECK(info->status < 0);
	else
		FUZZ_CHECK(info->status == 1);
	FUZZ_CHECK(sync_fence_size(fd) == n);
	FUZZ_CHECK(sync_fence_count_with_status(fd, 0) == counts[0]);
	FUZZ_CHECK(sync_fence_count_with_status(fd, 1) == counts[1]);
	FUZZ_CHECK(sync_fence_count_with_status(fd, -1) == counts[2]);
	FUZZ_CHECK((sync_wait(fd, 0) > 0) == (info->status != 0));

	legacy = sync_fence_info(fd);
	FUZZ_CHECK(legacy && legacy->status == info->status);
	for (int i = 0; (pt = sync_pt_info(legacy, pt)); i++) {
		FUZZ_CHECK(i < n && pt->status == pts[i].status);
		FUZZ_CHECK(strcmp(pt->obj_name, pts[i].obj_name) == 0);
	}
	FUZZ_CHECK(legacy->len == sizeof(*legacy) + n * sizeof(*pt));
	sync_fence_info_free(legacy);
	sync_file_info_free(info);
}

static int *free_file(struct state *s)
{
	for (int i = 0; i < NFILES; i++)
		if (s->files[i] < 0)
			return &s->files[i];
	return NULL;
}

/* The nth open file (wrapping), or -1 if none is open. */
static int pick_file(struct state *s, uint8_t n)
{
	int open = 0;

	for (int i = 0; i < NFILES; i++)
		open += s->files[i] >= 0;
	if (!open)
		return -1;
	n %= open;
	for (int i = 0; i < NFILES; i++)
		if (s->files[i] >= 0 && n-- == 0)
			return i;
	return -1;
}

static void new_timeline(struct tl_model *t, int k)
{
	struct fw_timeline *tl;
	char name[4] = { 't', (char)('0' + k), '\0' };

	if (t->fd >= 0 || t->used)
		return; /* names stay unique: one timeline per slot */
	FUZZ_CHECK(fw_timeline_create(name, &tl) == 0);
	t->fd = fw_timeline_export_fd(tl);
	FUZZ_CHECK(t->fd >= 0);
	fw_timeline_put(tl);
	t->value = 0;
	t->max_point = 0;
	t->failed = false;
}

/* fw_fence_merge of two files' fences, out as a new sync file. */
static int fw_merge(int a, int b)
{
	struct fw_fence *f[2] = { fw_sync_file_get_fence(a), NULL }, *m = NULL;
	int fd = -1;

	FUZZ_CHECK(f[0] != NULL);
	f[1] = fw_sync_file_get_fence(b);
	FUZZ_CHECK(f[1] != NULL);
	m = fw_fence_merge(f, 2);
	FUZZ_CHECK(m != NULL);
	fd = fw_sync_file_create(m);
	FUZZ_CHECK(fd >= 0);
	fw_fence_put(m);
	fw_fence_put(f[1]);
	fw_fence_put(f[0]);
	return fd;
}

static void step(struct state *s, uint8_t op, uint8_t arg)
{
	struct tl_model *t = &s->tl[arg % NTL];
	int i = pick_file(s, arg), j = pick_file(s, arg >> 4), *slot;
	struct fw_timeline *tl;

	switch (op % 10) {
	case 0:
		new_timeline(t, arg % NTL);
		break;
	case 1: /* fence on point 1..MAX_POINT */
		slot = free_file(s);
		if (t->fd < 0 || !slot)
			break;
		*slot = sw_sync_fence_create(t->fd, "f", 1 + (arg >> 4));
		FUZZ_CHECK(*slot >= 0);
		t->used = true;
		if (1u + (arg >> 4) > t->max_point)
			t->max_point = 1 + (arg >> 4);
		break;
	case 2:
	case 3:
		slot = free_file(s);
		if (i < 0 || !slot)
			break;
		*slot = op % 10 == 2 ? sync_merge("m", s->files[i], s->files[j])
				     : fw_merge(s->files[i], s->files[j]);
		FUZZ_CHECK(*slot >= 0);
		break;
	case 4:
		if (t->fd < 0)
			break;
		FUZZ_CHECK(sw_sync_timeline_inc(t->fd, arg >> 4) == 0);
		t->value += arg >> 4;
		break;
	case 5:
		if (t->fd < 0)
			break;
		sw_sync_timeline_destroy(t->fd);
		t->fd = -1;
		t->failed |= t->value < t->max_point;
		break;
	case 6:
		if (t->fd < 0)
			break;
		FUZZ_CHECK(fw_timeline_import(t->fd, &tl) == 0);
		FUZZ_CHECK(fw_timeline_set_error(tl, -EIO) == 0);
		fw_timeline_put(tl);
		/* Sticky: every point above the value fails, now and later. */
		t->failed = true;
		break;
	case 7:
		slot = free_file(s);
		if (i < 0 || !slot)
			break;
		*slot = fcntl(s->files[i], F_DUPFD_CLOEXEC, 0);
		FUZZ_CHECK(*slot >= 0);
		break;
	case 8:
		if (i < 0)
			break;
		close(s->files[i]);
		s->files[i] = -1;
		break;
	default:
		if (i >= 0)
			describe(s, s->files[i]);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct state s;

	for (int k = 0; k < NTL; k++)
		s.tl[k] = (struct tl_model){ .fd = -1 };
	for (int i = 0; i < NFILES; i++)
		s.files[i] = -1;
	/* Bounded work per input: at most 64 operations. */
	for (int n = 0; n < 64 && in.left >= 2; n++) {
		uint8_t op = fuzz_u8(&in);

		step(&s, op, fuzz_u8(&in));
	}
	for (int i = 0; i < NFILES; i++) {
		if (s.files[i] >= 0) {
			describe(&s, s.files[i]);
			close(s.files[i]);
		}
	}
	for (int k = 0; k < NTL; k++)
		sw_sync_timeline_destroy(s.tl[k].fd);
	return 0;
}
