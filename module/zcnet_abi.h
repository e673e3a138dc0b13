/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_ABI_H
#define _ZCNET_ABI_H

#include <linux/types.h>

int zcnet_abi_copy_in(void *karg, size_t ksize, size_t min_size,
		      const void __user *uarg, u32 *usize);
int zcnet_abi_copy_in_hdr(void *karg, size_t min_size,
			  const void __user *uarg, u32 *usize);
int zcnet_abi_copy_out(void __user *uarg, u32 usize, void *karg,
		       size_t ksize);

#endif /* _ZCNET_ABI_H */
