/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_EVENT_H
#define _ZCNET_EVENT_H

struct zcnet_ctx;
struct zcnet_eventfd;

int zcnet_event_set(struct zcnet_ctx *ctx, const struct zcnet_eventfd *ev);
bool zcnet_event_signal(struct zcnet_ctx *ctx, unsigned int which);
void zcnet_event_detach_all(struct zcnet_ctx *ctx);

#endif /* _ZCNET_EVENT_H */
