// SPDX-License-Identifier: GPL-2.0
/* The ioctl calls: argument copying and dispatch to the objects. */
#include <linux/fs.h>
#include <linux/nospec.h>

#include "zcnet_abi.h"
#include "zcnet_bind.h"
#include "zcnet_ctx.h"
#include "zcnet_event.h"
#include "zcnet_ioctl.h"
#include "zcnet_region.h"
#include "zcnet_rx_poll.h"
#include "zcnet_rx_wake.h"
#include "zcnet_sock_slot.h"
#include "zcnet_tx_kick.h"
#include "zcnet_tx_vnet.h"

#define ZCNET_FEATURES	(ZCNET_FEAT_RINGS | ZCNET_FEAT_REGIONS | \
			 ZCNET_FEAT_EVENTFD | ZCNET_FEAT_TX_NOP | \
			 ZCNET_FEAT_TX_RAW | ZCNET_FEAT_RX | \
			 ZCNET_FEAT_TX_SOCK | ZCNET_FEAT_TX_GSO | \
			 ZCNET_FEAT_RX_SHARED | ZCNET_FEAT_REGION_IMPORT | \
			 ZCNET_FEAT_BUSY_POLL_IF | ZCNET_FEAT_TX_VNET_HDR | \
			 ZCNET_FEAT_TIMESTAMPS | ZCNET_FEAT_REGION_READONLY | \
			 ZCNET_FEAT_RX_WAKE)

#define ZCNET_COPY_IN(k, uarg, usize, VER0) \
	zcnet_abi_copy_in(&(k), sizeof(k), VER0, uarg, usize)
#define ZCNET_COPY_IN_HDR(k, uarg, usize, VER0) \
	zcnet_abi_copy_in_hdr(&(k), VER0, uarg, usize)

static long zcnet_ioc_info(struct file *file, struct zcnet_kctx *ctx,
				void __user *uarg)
{
	struct zcnet_info info = {};
	u32 usize;
	int err;

	err = ZCNET_COPY_IN_HDR(info, uarg, &usize, ZCNET_INFO_SIZE_VER0);
	if (err)
		return err;
	if (info.flags)
		return -EINVAL;
	info = (struct zcnet_info) {
		.abi_version = ZCNET_ABI_VERSION,
		.ring_min_entries = ZCNET_RING_MIN_ENTRIES,
		.ring_max_entries = ZCNET_RING_MAX_ENTRIES,
		.max_regions = ZCNET_MAX_REGIONS,
		.features = ZCNET_FEATURES,
		.max_region_len = ZCNET_MAX_REGION_LEN,
		.max_sockets = ctx->max_sockets,
		.tx_desc_size = sizeof(struct zcnet_tx_desc),
		.cq_entry_size = sizeof(struct zcnet_cq_entry),
		.fill_desc_size = sizeof(struct zcnet_fill_desc),
		.rx_desc_size = sizeof(struct zcnet_rx_desc),
		.tx_vnet_gso = zcnet_tx_vnet_gso_types(),
	};
	return zcnet_abi_copy_out(uarg, usize, &info, sizeof(info));
}

static long zcnet_ioc_setup(struct file *file, struct zcnet_kctx *ctx,
				void __user *uarg)
{
	struct zcnet_setup s;
	u32 usize;
	int err;

	err = ZCNET_COPY_IN(s, uarg, &usize, ZCNET_SETUP_SIZE_VER0);
	return err ? err : zcnet_kctx_setup(ctx, &s);
}

static long zcnet_ioc_offsets(struct file *file, struct zcnet_kctx *ctx,
				void __user *uarg)
{
	struct zcnet_offsets off = {};
	struct zcnet_ring_offset *ro[ZCNET_RING_NR] = {
		&off.tx, &off.cq, &off.fill, &off.rx,
	};
	struct zcnet_kring *ring;
	u32 usize;
	int i, err;

	err = ZCNET_COPY_IN_HDR(off, uarg, &usize, ZCNET_OFFSETS_SIZE_VER0);
	if (err)
		return err;
	if (off.flags)
		return -EINVAL;
	if (!zcnet_kctx_ready(ctx))
		return -ENXIO;
	for (i = 0; i < ZCNET_RING_NR; i++) {
		ring = zcnet_kctx_ring(ctx, i);
		if (ring)
			zcnet_kring_offsets(ring, ro[i]);
	}
	return zcnet_abi_copy_out(uarg, usize, &off, sizeof(off));
}

static long zcnet_ioc_reg(struct file *file, struct zcnet_kctx *ctx,
				void __user *uarg)
{
	struct zcnet_region_reg reg;
	u32 usize;
	int err;

	err = ZCNET_COPY_IN(reg, uarg, &usize, ZCNET_REGION_REG_SIZE_VER0);
	if (err)
		return err;
	return zcnet_region_add(ctx, &reg, uarg +
				offsetof(struct zcnet_region_reg, id));
}

static long zcnet_ioc_unreg(struct file *file, struct zcnet_kctx *ctx,
				void __user *uarg)
{
	struct zcnet_region_unreg u;
	u32 usize;
	int err;

	err = ZCNET_COPY_IN(u, uarg, &usize, ZCNET_REGION_UNREG_SIZE_VER0);
	if (err)
		return err;
	if (u.flags || u.reserved)
		return -EINVAL;
	return zcnet_region_remove(ctx, u.id);
}

static long zcnet_ioc_import(struct file *file, struct zcnet_kctx *ctx,
				void __user *uarg)
{
	struct zcnet_region_import imp;
	u32 usize;
	int err;

	err = ZCNET_COPY_IN(imp, uarg, &usize, ZCNET_REGION_IMPORT_SIZE_VER0);
	if (err)
		return err;
	return zcnet_region_add_import(ctx, file, &imp,
				       uarg + offsetof(struct zcnet_region_import,
						       new_id),
				       uarg + offsetof(struct zcnet_region_import,
						       region_flags));
}

static long zcnet_ioc_eventfd(struct file *file, struct zcnet_kctx *ctx,
				void __user *uarg)
{
	struct zcnet_eventfd ev;
	u32 usize;
	int err;

	err = ZCNET_COPY_IN(ev, uarg, &usize, ZCNET_EVENTFD_SIZE_VER0);
	return err ? err : zcnet_event_set(ctx, &ev);
}

static long zcnet_ioc_stats(struct file *file, struct zcnet_kctx *ctx,
				void __user *uarg)
{
	struct zcnet_stats st = {};
	u32 usize;
	int err;

	err = ZCNET_COPY_IN_HDR(st, uarg, &usize, ZCNET_STATS_SIZE_VER0);
	if (err)
		return err;
	if (st.flags)
		return -EINVAL;
	zcnet_stats_fill(ctx, &st);
	return zcnet_abi_copy_out(uarg, usize, &st, sizeof(st));
}

static long zcnet_ioc_kick(struct file *file, struct zcnet_kctx *ctx,
				void __user *uarg)
{
	struct zcnet_kick k;
	u32 usize;
	int err;

	err = ZCNET_COPY_IN(k, uarg, &usize, ZCNET_KICK_SIZE_VER0);
	if (err)
		return err;
	if (k.flags || k.reserved)
		return -EINVAL;
	return zcnet_tx_kick(ctx, k.budget);
}

static long zcnet_ioc_bind(struct file *file, struct zcnet_kctx *ctx,
				void __user *uarg)
{
	struct zcnet_bind b;
	u32 usize;
	int err;

	err = ZCNET_COPY_IN(b, uarg, &usize, ZCNET_BIND_SIZE_VER0);
	return err ? err : zcnet_bind_add(ctx, file, &b);
}

static long zcnet_ioc_unbind(struct file *file, struct zcnet_kctx *ctx,
				void __user *uarg)
{
	struct zcnet_unbind u;
	u32 usize;
	int err;

	err = ZCNET_COPY_IN(u, uarg, &usize, ZCNET_UNBIND_SIZE_VER0);
	return err ? err : zcnet_bind_remove(ctx, &u);
}

static int zcnet_param_in(struct zcnet_param *p, void __user *uarg)
{
	u32 usize;
	int err;

	err = ZCNET_COPY_IN(*p, uarg, &usize, ZCNET_PARAM_SIZE_VER0);
	if (err)
		return err;
	return p->flags || p->reserved ? -EINVAL : 0;
}

static long zcnet_ioc_param(struct file *file, struct zcnet_kctx *ctx,
				void __user *uarg)
{
	struct zcnet_param p;
	int err;

	err = zcnet_param_in(&p, uarg);
	if (err)
		return err;
	switch (p.param) {
	case ZCNET_PARAM_TX_COPY_THRESHOLD:
		if (p.value > ZCNET_COPY_THRESHOLD_MAX)
			return -EINVAL;
		mutex_lock(&ctx->tx_lock);
		WRITE_ONCE(ctx->tx_copy_threshold, p.value);
		ctx->tx_copy_threshold_set = true;
		mutex_unlock(&ctx->tx_lock);
		return 0;
	case ZCNET_PARAM_SOCK_COPY_THRESHOLD:
		if (p.value > ZCNET_SOCK_COPY_THRESHOLD_MAX)
			return -EINVAL;
		WRITE_ONCE(ctx->sock_copy_threshold, p.value);
		return 0;
	case ZCNET_PARAM_BUSY_POLL_USEC:
	case ZCNET_PARAM_BUSY_POLL_BUDGET:
		return zcnet_rx_poll_set(ctx, p.param, p.value);
	case ZCNET_PARAM_RX_WAKE_FRAMES:
	case ZCNET_PARAM_RX_WAKE_USEC:
		return zcnet_rx_wake_set(ctx, p.param, p.value);
	}
	return -EINVAL;
}

static long zcnet_ioc_get_param(struct file *file, struct zcnet_kctx *ctx,
				void __user *uarg)
{
	struct zcnet_param p;
	int err;

	err = zcnet_param_in(&p, uarg);
	if (err)
		return err;
	switch (p.param) {
	case ZCNET_PARAM_TX_COPY_THRESHOLD:
		p.value = READ_ONCE(ctx->tx_copy_threshold);
		break;
	case ZCNET_PARAM_SOCK_COPY_THRESHOLD:
		p.value = READ_ONCE(ctx->sock_copy_threshold);
		break;
	case ZCNET_PARAM_BUSY_POLL_USEC:
	case ZCNET_PARAM_BUSY_POLL_BUDGET:
		err = zcnet_rx_poll_get(ctx, p.param, &p.value);
		break;
	case ZCNET_PARAM_RX_WAKE_FRAMES:
	case ZCNET_PARAM_RX_WAKE_USEC:
		err = zcnet_rx_wake_get(ctx, p.param, &p.value);
		break;
	default:
		return -EINVAL;
	}
	if (err)
		return err;
	if (put_user(p.value, (u64 __user *)(uarg +
					     offsetof(struct zcnet_param, value))))
		return -EFAULT;
	return 0;
}

static long zcnet_ioc_sock_attach(struct file *file, struct zcnet_kctx *ctx,
				void __user *uarg)
{
	struct zcnet_sock_attach a;
	u32 usize;
	int err;

	err = ZCNET_COPY_IN(a, uarg, &usize, ZCNET_SOCK_ATTACH_SIZE_VER0);
	if (err)
		return err;
	return zcnet_sock_add(ctx, &a, uarg +
			      offsetof(struct zcnet_sock_attach, slot));
}

static long zcnet_ioc_sock_detach(struct file *file, struct zcnet_kctx *ctx,
				void __user *uarg)
{
	struct zcnet_sock_detach dt;
	u32 usize;
	int err;

	err = ZCNET_COPY_IN(dt, uarg, &usize, ZCNET_SOCK_DETACH_SIZE_VER0);
	if (err)
		return err;
	if (dt.flags || dt.reserved)
		return -EINVAL;
	return zcnet_sock_remove(ctx, dt.slot);
}

static const struct zcnet_ioctl_desc {
	unsigned int cmd;
	long (*fn)(struct file *file, struct zcnet_kctx *ctx,
		   void __user *uarg);
} zcnet_ioctls[] = {
	[_IOC_NR(ZCNET_IOC_GET_INFO)] = { ZCNET_IOC_GET_INFO, zcnet_ioc_info },
	[_IOC_NR(ZCNET_IOC_SETUP)] = { ZCNET_IOC_SETUP, zcnet_ioc_setup },
	[_IOC_NR(ZCNET_IOC_GET_OFFSETS)] = { ZCNET_IOC_GET_OFFSETS, zcnet_ioc_offsets },
	[_IOC_NR(ZCNET_IOC_REG_REGION)] = { ZCNET_IOC_REG_REGION, zcnet_ioc_reg },
	[_IOC_NR(ZCNET_IOC_UNREG_REGION)] = { ZCNET_IOC_UNREG_REGION, zcnet_ioc_unreg },
	[_IOC_NR(ZCNET_IOC_SET_EVENTFD)] = { ZCNET_IOC_SET_EVENTFD, zcnet_ioc_eventfd },
	[_IOC_NR(ZCNET_IOC_GET_STATS)] = { ZCNET_IOC_GET_STATS, zcnet_ioc_stats },
	[_IOC_NR(ZCNET_IOC_KICK)] = { ZCNET_IOC_KICK, zcnet_ioc_kick },
	[_IOC_NR(ZCNET_IOC_BIND)] = { ZCNET_IOC_BIND, zcnet_ioc_bind },
	[_IOC_NR(ZCNET_IOC_UNBIND)] = { ZCNET_IOC_UNBIND, zcnet_ioc_unbind },
	[_IOC_NR(ZCNET_IOC_SOCK_ATTACH)] = { ZCNET_IOC_SOCK_ATTACH, zcnet_ioc_sock_attach },
	[_IOC_NR(ZCNET_IOC_SOCK_DETACH)] = { ZCNET_IOC_SOCK_DETACH, zcnet_ioc_sock_detach },
	[_IOC_NR(ZCNET_IOC_SET_PARAM)] = { ZCNET_IOC_SET_PARAM, zcnet_ioc_param },
	[_IOC_NR(ZCNET_IOC_GET_PARAM)] = { ZCNET_IOC_GET_PARAM, zcnet_ioc_get_param },
	[_IOC_NR(ZCNET_IOC_IMPORT_REGION)] = { ZCNET_IOC_IMPORT_REGION, zcnet_ioc_import },
};

/* Matches type, number and direction; the size field in the struct rules. */
long zcnet_ioctl_dispatch(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	const unsigned int ignore = _IOC_SIZEMASK << _IOC_SIZESHIFT;
	const struct zcnet_ioctl_desc *d;
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != ZCNET_IOC_MAGIC || nr >= ARRAY_SIZE(zcnet_ioctls))
		return -ENOTTY;
	d = &zcnet_ioctls[array_index_nospec(nr, ARRAY_SIZE(zcnet_ioctls))];
	if (!d->fn || ((cmd ^ d->cmd) & ~ignore))
		return -ENOTTY;
	return d->fn(file, file->private_data, (void __user *)arg);
}
