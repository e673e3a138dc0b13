/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_EVENT_H
#define _ZCNET_EVENT_H

struct zcnet_kctx;
struct zcnet_eventfd;

int zcnet_event_set(struct zcnet_kctx *ctx, const struct zcnet_eventfd *ev);
void zcnet_event_signal(struct zcnet_kctx *ctx, unsigned int which);
void zcnet_event_detach_all(struct zcnet_kctx *ctx);

#endif /* _ZCNET_EVENT_H */
