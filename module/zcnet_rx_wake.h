/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_RX_WAKE_H
#define _ZCNET_RX_WAKE_H

#include <linux/types.h>

struct seq_file;
struct zcnet_kctx;

void zcnet_rx_wake_init(struct zcnet_kctx *ctx);
void zcnet_rx_wake_stop(struct zcnet_kctx *ctx);
int zcnet_rx_wake_set(struct zcnet_kctx *ctx, u32 param, u64 value);
int zcnet_rx_wake_get(struct zcnet_kctx *ctx, u32 param, u64 *value);
bool zcnet_rx_wake_hold(struct zcnet_kctx *ctx, u32 unsignalled);
void zcnet_rx_wake_show_fdinfo(struct seq_file *m, struct zcnet_kctx *ctx);

#endif /* _ZCNET_RX_WAKE_H */
