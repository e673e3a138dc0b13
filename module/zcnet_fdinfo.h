/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCNET_FDINFO_H
#define _ZCNET_FDINFO_H

struct seq_file;
struct zcnet_kctx;

void zcnet_fdinfo_show(struct seq_file *m, struct zcnet_kctx *ctx);

#endif /* _ZCNET_FDINFO_H */
