/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_SOCK_SEND_H
#define _ZCNET_SOCK_SEND_H

#include <linux/types.h>

struct zcnet_kctx;
struct zcnet_region;
struct zcnet_sock;
struct zcnet_tx_desc;

int zcnet_sock_send_queue(struct zcnet_kctx *ctx, const struct zcnet_tx_desc *d,
			  struct zcnet_region *r, int err, s32 *result);
void zcnet_sock_send_push(struct zcnet_sock *s, bool may_wait);
void zcnet_sock_send_cancel(struct zcnet_sock *s);

#endif /* _ZCNET_SOCK_SEND_H */
