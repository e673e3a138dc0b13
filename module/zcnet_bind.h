/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_BIND_H
#define _ZCNET_BIND_H

struct file;
struct zcnet_bind;
struct zcnet_kctx;
struct zcnet_unbind;

int zcnet_bind_add(struct zcnet_kctx *ctx, struct file *file,
		   const struct zcnet_bind *b);
int zcnet_bind_remove(struct zcnet_kctx *ctx, const struct zcnet_unbind *u);
void zcnet_bind_remove_all(struct zcnet_kctx *ctx);
int zcnet_bind_init(void);
void zcnet_bind_exit(void);

#endif /* _ZCNET_BIND_H */
