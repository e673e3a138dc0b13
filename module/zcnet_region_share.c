// SPDX-License-Identifier: GPL-2.0
/* Importing a region from another context: who may, and which pages. */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/rcupdate.h>

#include "zcnet_ctx.h"
#include "zcnet_dev.h"
#include "zcnet_region.h"

/*
 * As SysV IPC decides access to a segment (ipcperms()): the same effective
 * user as the registrant, or CAP_IPC_OWNER in the user namespace of the
 * registrant's credentials. Both the caller and the opener of the
 * importing file must pass, as for binding, so that an fd opened by one
 * user and handed to another imports nothing the opener could not.
 */
static bool zcnet_region_may_import(const struct cred *owner,
				    struct file *file)
{
	const struct cred *opener = file->f_cred;

	if (!uid_eq(current_euid(), owner->euid) &&
	    !ns_capable(owner->user_ns, CAP_IPC_OWNER))
		return false;
	return uid_eq(opener->euid, owner->euid) ||
	       file_ns_capable(file, owner->user_ns, CAP_IPC_OWNER);
}

/* A reference on the pages of region id in the context behind fd. */
static struct zcnet_pinned *zcnet_region_source(int fd, u32 id)
{
	struct zcnet_pinned *p = NULL;
	struct zcnet_region *r;
	struct file *src;

	src = fget(fd);
	if (!src)
		return ERR_PTR(-EBADF);
	if (!zcnet_dev_file(src)) {
		fput(src);
		return ERR_PTR(-EINVAL);
	}
	rcu_read_lock();
	r = zcnet_region_lookup(src->private_data, id);
	if (r)
		p = zcnet_pin_tryget(&r->pin);
	rcu_read_unlock();
	fput(src);
	return p ? p : ERR_PTR(-ENOENT);
}

/*
 * Writes the id in this context to *uid, and the region's flags to *uflags,
 * before the region is usable.
 */
int zcnet_region_add_import(struct zcnet_kctx *ctx, struct file *file,
			    const struct zcnet_region_import *imp,
			    u32 __user *uid, u32 __user *uflags)
{
	struct zcnet_pinned *p;

	if (imp->flags || imp->region_flags || imp->reserved1)
		return -EINVAL;
	p = zcnet_region_source(imp->fd, imp->id);
	if (IS_ERR(p))
		return PTR_ERR(p);
	if (!zcnet_region_may_import(p->cred, file)) {
		zcnet_pin_put(p);
		return -EPERM;
	}
	return zcnet_region_insert_pinned(ctx, p, uid, uflags);
}
