// SPDX-License-Identifier: GPL-2.0
/* The /dev/zcnet misc device and its file operations. */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>

#include "zcnet_ctx.h"
#include "zcnet_dev.h"
#include "zcnet_fdinfo.h"
#include "zcnet_ioctl.h"
#include "zcnet_rx_poll.h"

static int zcnet_dev_open(struct inode *inode, struct file *file)
{
	struct zcnet_kctx *ctx = zcnet_kctx_alloc(file->f_cred);

	if (!ctx)
		return -ENOMEM;
	file->private_data = ctx;
	return stream_open(inode, file);
}

static int zcnet_dev_release(struct inode *inode, struct file *file)
{
	zcnet_kctx_release(file->private_data);
	return 0;
}

static int zcnet_dev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct zcnet_kctx *ctx = file->private_data;
	u64 offset = (u64)vma->vm_pgoff << PAGE_SHIFT;
	struct zcnet_kring *ring;
	int i;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	for (i = 0; i < ZCNET_RING_NR; i++) {
		ring = zcnet_kctx_ring(ctx, i);
		if (ring && ring->mmap_offset == offset)
			break;
	}
	if (i == ZCNET_RING_NR)
		return -EINVAL;
	return zcnet_kring_mmap(ring, vma);
}

static __poll_t zcnet_dev_poll(struct file *file, poll_table *wait)
{
	__poll_t want = poll_requested_events(wait) | EPOLLERR | EPOLLHUP;
	struct zcnet_kctx *ctx = file->private_data;
	struct zcnet_kring *ring;
	__poll_t mask = 0;
	u32 n;

	poll_wait(file, &ctx->wq, wait);

	ring = zcnet_kctx_ring(ctx, ZCNET_RING_TX);
	if (ring) {
		if (zcnet_kring_user_room(ring, &n))
			mask |= EPOLLERR;
		else if (n)
			mask |= EPOLLOUT | EPOLLWRNORM;
	}
	ring = zcnet_kctx_ring(ctx, ZCNET_RING_CQ);
	if (ring) {
		if (zcnet_kring_user_pending(ring, &n))
			mask |= EPOLLERR;
		else if (n)
			mask |= EPOLLIN | EPOLLRDNORM;
	}
	ring = zcnet_kctx_ring(ctx, ZCNET_RING_RX);
	if (ring) {
		if (!(mask & want) && (want & EPOLLIN))
			zcnet_rx_busy_poll(ctx, ring, wait && wait->_qproc);
		if (zcnet_kring_user_pending(ring, &n))
			mask |= EPOLLERR;
		else if (n)
			mask |= EPOLLIN | EPOLLRDNORM;
	}
	return mask;
}

static void zcnet_dev_show_fdinfo(struct seq_file *m, struct file *file)
{
	zcnet_stats_show_fdinfo(m, file->private_data);
	zcnet_fdinfo_show(m, file->private_data);
}

static const struct file_operations zcnet_dev_fops = {
	.owner = THIS_MODULE,
	.open = zcnet_dev_open,
	.release = zcnet_dev_release,
	.unlocked_ioctl = zcnet_ioctl_dispatch,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = zcnet_dev_mmap,
	.poll = zcnet_dev_poll,
	.show_fdinfo = zcnet_dev_show_fdinfo,
};

/* Whether file is an open /dev/zcnet, whose private_data is a context. */
bool zcnet_dev_file(const struct file *file)
{
	return file->f_op == &zcnet_dev_fops;
}

static struct miscdevice zcnet_dev_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = ZCNET_DEVICE_NAME,
	.fops = &zcnet_dev_fops,
};

int zcnet_dev_register(void)
{
	return misc_register(&zcnet_dev_misc);
}

void zcnet_dev_unregister(void)
{
	misc_deregister(&zcnet_dev_misc);
}
