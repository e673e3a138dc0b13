/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_DEV_H
#define _ZCNET_DEV_H

#include <linux/types.h>

struct file;

bool zcnet_dev_file(const struct file *file);
int zcnet_dev_register(void);
void zcnet_dev_unregister(void);

#endif /* _ZCNET_DEV_H */
