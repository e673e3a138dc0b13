/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_IOCTL_H
#define _ZCNET_IOCTL_H

struct file;

long zcnet_ioctl_dispatch(struct file *file, unsigned int cmd,
			  unsigned long arg);

#endif /* _ZCNET_IOCTL_H */
