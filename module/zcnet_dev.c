// SPDX-License-Identifier: GPL-2.0
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>

#include "zcnet_ctx.h"
#include "zcnet_dev.h"
#include "zcnet_ioctl.h"

static int zcnet_open(struct inode *inode, struct file *file)
{
	struct zcnet_ctx *ctx = zcnet_ctx_alloc(file->f_cred);

	if (!ctx)
		return -ENOMEM;
	file->private_data = ctx;
	return stream_open(inode, file);
}

static int zcnet_release(struct inode *inode, struct file *file)
{
	zcnet_ctx_release(file->private_data);
	return 0;
}

static int zcnet_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct zcnet_ctx *ctx = file->private_data;
	u64 offset = (u64)vma->vm_pgoff << PAGE_SHIFT;
	struct zcnet_ring *ring;
	int i;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	for (i = 0; i < ZCNET_RING_NR; i++) {
		ring = zcnet_ctx_ring(ctx, i);
		if (ring && ring->mmap_offset == offset)
			break;
	}
	if (i == ZCNET_RING_NR)
		return -EINVAL;
	return zcnet_ring_mmap(ring, vma);
}

static __poll_t zcnet_poll(struct file *file, poll_table *wait)
{
	struct zcnet_ctx *ctx = file->private_data;
	struct zcnet_ring *ring;
	__poll_t mask = 0;
	u32 n;

	poll_wait(file, &ctx->wq, wait);

	ring = zcnet_ctx_ring(ctx, ZCNET_RING_TX);
	if (ring) {
		if (zcnet_ring_user_room(ring, &n))
			mask |= EPOLLERR;
		else if (n)
			mask |= EPOLLOUT | EPOLLWRNORM;
	}
	ring = zcnet_ctx_ring(ctx, ZCNET_RING_CQ);
	if (ring) {
		if (zcnet_ring_user_pending(ring, &n))
			mask |= EPOLLERR;
		else if (n)
			mask |= EPOLLIN | EPOLLRDNORM;
	}
	ring = zcnet_ctx_ring(ctx, ZCNET_RING_RX);
	if (ring) {
		if (zcnet_ring_user_pending(ring, &n))
			mask |= EPOLLERR;
		else if (n)
			mask |= EPOLLIN | EPOLLRDNORM;
	}
	return mask;
}

static void zcnet_show_fdinfo(struct seq_file *m, struct file *file)
{
	zcnet_stats_show_fdinfo(m, file->private_data);
}

static const struct file_operations zcnet_fops = {
	.owner = THIS_MODULE,
	.open = zcnet_open,
	.release = zcnet_release,
	.unlocked_ioctl = zcnet_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = zcnet_mmap,
	.poll = zcnet_poll,
	.show_fdinfo = zcnet_show_fdinfo,
};

static struct miscdevice zcnet_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = ZCNET_DEVICE_NAME,
	.fops = &zcnet_fops,
};

int zcnet_dev_register(void)
{
	return misc_register(&zcnet_misc);
}

void zcnet_dev_unregister(void)
{
	misc_deregister(&zcnet_misc);
}
