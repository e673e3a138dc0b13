/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_TX_KICK_H
#define _ZCNET_TX_KICK_H

#include <linux/types.h>

struct work_struct;
struct zcnet_kctx;
struct zcnet_tx_desc;

int zcnet_tx_desc_check(const struct zcnet_tx_desc *d);
int zcnet_tx_kick(struct zcnet_kctx *ctx, u32 budget);
void zcnet_tx_forget(struct zcnet_kctx *ctx);
void zcnet_tx_retry_work(struct work_struct *work);

#endif /* _ZCNET_TX_KICK_H */
