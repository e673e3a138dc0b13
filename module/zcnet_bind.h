/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_BIND_H
#define _ZCNET_BIND_H

struct file;
struct zcnet_bind;
struct zcnet_ctx;
struct zcnet_unbind;

int zcnet_bind(struct zcnet_ctx *ctx, struct file *file,
	       const struct zcnet_bind *b);
int zcnet_unbind(struct zcnet_ctx *ctx, const struct zcnet_unbind *u);
void zcnet_unbind_all(struct zcnet_ctx *ctx);
int zcnet_bind_init(void);
void zcnet_bind_exit(void);

#endif /* _ZCNET_BIND_H */
