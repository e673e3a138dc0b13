// SPDX-License-Identifier: GPL-2.0-only
/* zcnet-httpd: the open files and their read-only zcnet regions. */
/*
 * A request opens its path below the root (openat2 RESOLVE_BENEATH) and
 * looks the file up by device, inode, size and mtime: a file rewritten or
 * truncated in place since it was opened is a new entry, and the old one
 * goes once the responses that send from it complete (their pages stay
 * pinned, so a peer gets the old bytes or the new ones, never freed
 * memory). With zcnet each entry holding a file of at most the region
 * limit is mapped PROT_READ, MAP_SHARED and registered ZCNET_REGION_READONLY
 * when first sent, and stays registered while it is in the cache; unused
 * entries are dropped least recently used first when the cache is full or
 * the pinned bytes would pass their cap.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libzcnet.h"
#include "httpd.h"

static int open_beneath(int root, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, root, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

int hd_files_init(struct hd_files *fs, const char *root, unsigned int max,
		  uint64_t max_pinned)
{
	int fd;

	memset(fs, 0, sizeof(*fs));
	fs->root = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs->root < 0)
		return -errno;
	/* openat2() keeps every path below the root (Linux 5.6 and later) */
	fd = open_beneath(fs->root, ".");
	if (fd < 0) {
		close(fs->root);
		return fd;
	}
	close(fd);
	fs->max = max;
	fs->max_pinned = max_pinned;
	fs->f = calloc(max, sizeof(*fs->f));
	if (!fs->f) {
		close(fs->root);
		return -ENOMEM;
	}
	return 0;
}

void hd_files_use(struct hd_files *fs, struct zcnet_ctx *ctx)
{
	const struct zcnet_info *info = zcnet_ctx_info(ctx);

	fs->ctx = ctx;
	fs->max_region_len = info->max_region_len;
	fs->max_regions = info->max_regions - 1;	/* one is the heads' */
}

static void unpin(struct hd_files *fs, struct hd_file *f)
{
	if (f->registered) {
		zcnet_region_unregister(fs->ctx, f->region);
		fs->pinned -= f->map_len;
		f->registered = false;
	}
	if (f->map) {
		munmap(f->map, f->map_len);
		f->map = NULL;
	}
}

static void drop(struct hd_files *fs, unsigned int i)
{
	struct hd_file *f = fs->f[i];

	unpin(fs, f);
	close(f->fd);
	free(f);
	fs->f[i] = fs->f[--fs->n];
}

void hd_files_fini(struct hd_files *fs)
{
	while (fs->n)
		drop(fs, fs->n - 1);
	free(fs->f);
	if (fs->root >= 0)
		close(fs->root);
	fs->root = -1;
}

/* The least recently used entry nobody sends from (pinned only), or -1. */
static int lru_unused(const struct hd_files *fs, bool pinned_only)
{
	unsigned int i;
	int best = -1;

	for (i = 0; i < fs->n; i++) {
		const struct hd_file *f = fs->f[i];

		if (f->refs || (pinned_only && !f->registered))
			continue;
		if (best < 0 || f->used < fs->f[best]->used)
			best = (int)i;
	}
	return best;
}

int hd_file_get(struct hd_files *fs, const char *path, struct hd_file **out)
{
	struct hd_file *f;
	struct stat st;
	unsigned int i;
	int fd, victim;

	fd = open_beneath(fs->root, *path ? path : ".");
	if (fd < 0)
		return fd == -EXDEV || fd == -ELOOP || fd == -ENOTDIR ||
		       fd == -EACCES ? -ENOENT : fd;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOENT;
	}
	for (i = 0; i < fs->n; i++) {
		f = fs->f[i];
		if (f->stale || f->dev != st.st_dev || f->ino != st.st_ino)
			continue;
		if (f->size == (uint64_t)st.st_size &&
		    f->mtime_ns == (int64_t)st.st_mtim.tv_sec * 1000000000 +
				   st.st_mtim.tv_nsec) {
			close(fd);
			f->refs++;
			f->used = ++fs->tick;
			*out = f;
			return 0;
		}
		/* changed in place: the old one serves its responses */
		f->stale = true;
		if (!f->refs)
			drop(fs, i);
		break;
	}
	if (fs->n == fs->max) {
		victim = lru_unused(fs, false);
		if (victim < 0) {
			close(fd);
			return -EAGAIN;
		}
		drop(fs, (unsigned int)victim);
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = (uint64_t)st.st_size;
	f->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
		      st.st_mtim.tv_nsec;
	f->refs = 1;
	f->used = ++fs->tick;
	fs->f[fs->n++] = f;
	*out = f;
	return 0;
}

void hd_file_put(struct hd_files *fs, struct hd_file *f)
{
	unsigned int i;

	if (--f->refs || !f->stale)
		return;
	for (i = 0; i < fs->n; i++) {
		if (fs->f[i] == f) {
			drop(fs, i);
			return;
		}
	}
}

/* Room for len more pinned bytes in one more region, unused ones dropped. */
static bool make_room(struct hd_files *fs, size_t len)
{
	unsigned int regions = 0, i;
	int victim;

	for (i = 0; i < fs->n; i++)
		regions += fs->f[i]->registered;
	while (fs->pinned + len > fs->max_pinned ||
	       regions >= fs->max_regions) {
		victim = lru_unused(fs, true);
		if (victim < 0)
			return false;
		unpin(fs, fs->f[victim]);
		fs->evicted++;
		regions--;
	}
	return true;
}

bool hd_file_pin(struct hd_files *fs, struct hd_file *f)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len;
	int err;

	if (f->registered)
		return true;
	if (!fs->ctx || !f->size)
		return false;
	len = (f->size + (uint64_t)page - 1) & ~((uint64_t)page - 1);
	if (len > fs->max_region_len || len > fs->max_pinned ||
	    !make_room(fs, len))
		goto unpinnable;
	f->map = mmap(NULL, len, PROT_READ, MAP_SHARED, f->fd, 0);
	if (f->map == MAP_FAILED) {
		f->map = NULL;
		goto unpinnable;
	}
	f->map_len = len;
	err = zcnet_region_register_flags(fs->ctx, f->map, len,
					  ZCNET_REGION_READONLY, &f->region);
	if (err) {
		munmap(f->map, len);
		f->map = NULL;
		goto unpinnable;
	}
	f->registered = true;
	fs->pinned += len;
	fs->registered++;
	return true;
unpinnable:
	fs->unpinnable++;
	return false;
}
