// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libzcnet: anonymous memory for registered regions.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define ZCNET_MEM_FLAGS	(LIBZCNET_MEM_HUGETLB | LIBZCNET_MEM_SHARED | \
			 LIBZCNET_MEM_POPULATE)

/* The default huge page size from /proc/meminfo, or 2 MiB. */
static size_t zcnet_huge_page_size(void)
{
	unsigned long long kb = 0;
	char line[128];
	size_t size = 2UL << 20;
	FILE *f;

	f = fopen("/proc/meminfo", "re");
	if (!f)
		return size;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Hugepagesize: %llu kB", &kb) == 1) {
			if (kb && kb <= SIZE_MAX / 1024)
				size = (size_t)kb * 1024;
			break;
		}
	}
	fclose(f);
	return size;
}

int zcnet_mem_alloc(struct zcnet_mem *mem, size_t len, unsigned int flags)
{
	size_t align, alloc_len;
	long page;
	int mflags;
	void *addr;

	if (!mem)
		return -EINVAL;
	memset(mem, 0, sizeof(*mem));
	if (len == 0 || (flags & ~ZCNET_MEM_FLAGS))
		return -EINVAL;

	if (flags & LIBZCNET_MEM_HUGETLB) {
		align = zcnet_huge_page_size();
	} else {
		page = sysconf(_SC_PAGESIZE);
		align = page > 0 ? (size_t)page : 4096;
	}
	if (len > SIZE_MAX - (align - 1))
		return -ENOMEM;
	alloc_len = (len + align - 1) / align * align;

	mflags = MAP_ANONYMOUS;
	mflags |= (flags & LIBZCNET_MEM_SHARED) ? MAP_SHARED : MAP_PRIVATE;
	if (flags & LIBZCNET_MEM_HUGETLB)
		mflags |= MAP_HUGETLB;
	if (flags & LIBZCNET_MEM_POPULATE)
		mflags |= MAP_POPULATE;

	addr = mmap(NULL, alloc_len, PROT_READ | PROT_WRITE, mflags, -1, 0);
	if (addr == MAP_FAILED)
		return zcnet_neg_errno();

	mem->addr = addr;
	mem->len = alloc_len;
	mem->flags = flags;
	return 0;
}

void zcnet_mem_free(struct zcnet_mem *mem)
{
	if (!mem)
		return;
	if (mem->addr && mem->len)
		munmap(mem->addr, mem->len);
	memset(mem, 0, sizeof(*mem));
}
