/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_DEV_H
#define _ZCNET_DEV_H

int zcnet_dev_register(void);
void zcnet_dev_unregister(void);

#endif /* _ZCNET_DEV_H */
