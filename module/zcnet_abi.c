// SPDX-License-Identifier: GPL-2.0
/* Copying the versioned ioctl arguments in and out, by their size word. */
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "zcnet_abi.h"

/*
 * Every argument starts with __u32 size, __u32 flags. Older callers pass a
 * shorter struct (the kernel zero-fills the rest), newer ones a longer one
 * whose unknown tail must be zero. The first word says how much to read.
 */
int zcnet_abi_copy_in(void *karg, size_t ksize, size_t min_size,
		      const void __user *uarg, u32 *usize)
{
	u32 size;

	if (get_user(size, (const u32 __user *)uarg))
		return -EFAULT;
	if (size < min_size)
		return -EINVAL;
	if (size > PAGE_SIZE)
		return -E2BIG;
	*usize = size;
	return copy_struct_from_user(karg, ksize, uarg, size);
}

/* For structs the kernel fills: reads only size and flags. */
int zcnet_abi_copy_in_hdr(void *karg, size_t min_size,
			  const void __user *uarg, u32 *usize)
{
	u32 hdr[2];

	if (copy_from_user(hdr, uarg, sizeof(hdr)))
		return -EFAULT;
	if (hdr[0] < min_size)
		return -EINVAL;
	if (hdr[0] > PAGE_SIZE)
		return -E2BIG;
	*usize = hdr[0];
	memcpy(karg, hdr, sizeof(hdr));
	return 0;
}

/* Writes what both sides know, zeroes the caller's unknown tail. */
int zcnet_abi_copy_out(void __user *uarg, u32 usize, void *karg,
		       size_t ksize)
{
	u32 n = min_t(size_t, usize, ksize);

	*(u32 *)karg = n;
	if (copy_to_user(uarg, karg, n))
		return -EFAULT;
	if (usize > n && clear_user(uarg + n, usize - n))
		return -EFAULT;
	return 0;
}
