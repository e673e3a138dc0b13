// SPDX-License-Identifier: GPL-2.0
/* Contexts of /dev/zcnet: ioctl wrappers, rings, stats, bind and params. */
#include "zcnet_util.h"

#define ZC_STAT(f) { #f, offsetof(struct zcnet_stats, f) }
const struct zc_stat_field zc_stat_fields[] = {
	ZC_STAT(tx_kicks), ZC_STAT(tx_descs), ZC_STAT(tx_nops),
	ZC_STAT(tx_frames), ZC_STAT(tx_bytes), ZC_STAT(tx_zerocopy),
	ZC_STAT(tx_copied), ZC_STAT(tx_rejected), ZC_STAT(tx_busy),
	ZC_STAT(tx_dev_errors), ZC_STAT(cq_posted), ZC_STAT(cq_signals),
	ZC_STAT(ring_errors), ZC_STAT(rx_frames), ZC_STAT(rx_bytes),
	ZC_STAT(rx_drop_nobuf), ZC_STAT(rx_drop_size), ZC_STAT(rx_truncated),
	ZC_STAT(rx_filter_miss), ZC_STAT(rx_fill_rejected),
	ZC_STAT(rx_signals), ZC_STAT(sock_zc_bytes),
	ZC_STAT(sock_copied_bytes), ZC_STAT(sock_resumes),
	ZC_STAT(sock_errors), ZC_STAT(regions), ZC_STAT(pinned_pages),
	ZC_STAT(inflight), ZC_STAT(module_pinned_pages),
	ZC_STAT(module_contexts), ZC_STAT(rx_drop_split),
};
#undef ZC_STAT

const size_t zc_nr_stat_fields =
	sizeof(zc_stat_fields) / sizeof(zc_stat_fields[0]);

int zc_open(void)
{
	return open(ZC_DEV_PATH, O_RDWR | O_CLOEXEC);
}

long zc_get_info(int fd, struct zcnet_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return zc_ioctl(fd, ZCNET_IOC_GET_INFO, info);
}

long zc_setup(int fd, __u32 tx, __u32 cq, __u32 fill, __u32 rx)
{
	return zc_setup_flags(fd, 0, tx, cq, fill, rx);
}

long zc_setup_flags(int fd, __u32 flags, __u32 tx, __u32 cq, __u32 fill,
		    __u32 rx)
{
	struct zcnet_setup s = {
		.size = sizeof(s),
		.flags = flags,
		.tx_entries = tx,
		.cq_entries = cq,
		.fill_entries = fill,
		.rx_entries = rx,
	};

	return zc_ioctl(fd, ZCNET_IOC_SETUP, &s);
}

long zc_get_offsets(int fd, struct zcnet_offsets *off)
{
	memset(off, 0, sizeof(*off));
	off->size = sizeof(*off);
	return zc_ioctl(fd, ZCNET_IOC_GET_OFFSETS, off);
}

long zc_get_stats(int fd, struct zcnet_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return zc_ioctl(fd, ZCNET_IOC_GET_STATS, st);
}

long zc_reg(int fd, const void *addr, __u64 len, __u32 *id)
{
	struct zcnet_region_reg r = {
		.size = sizeof(r),
		.addr = (__u64)(uintptr_t)addr,
		.len = len,
	};
	long ret = zc_ioctl(fd, ZCNET_IOC_REG_REGION, &r);

	if (!ret && id)
		*id = r.id;
	return ret;
}

long zc_reg_raw(int fd, __u64 addr, __u64 len)
{
	struct zcnet_region_reg r = {
		.size = sizeof(r),
		.addr = addr,
		.len = len,
	};

	return zc_ioctl(fd, ZCNET_IOC_REG_REGION, &r);
}

long zc_unreg(int fd, __u32 id)
{
	struct zcnet_region_unreg u = { .size = sizeof(u), .id = id };

	return zc_ioctl(fd, ZCNET_IOC_UNREG_REGION, &u);
}

long zc_import(int fd, int src_fd, __u32 id, __u32 *new_id)
{
	struct zcnet_region_import imp = {
		.size = sizeof(imp), .fd = src_fd, .id = id,
	};
	long ret = zc_ioctl(fd, ZCNET_IOC_IMPORT_REGION, &imp);

	if (!ret && new_id)
		*new_id = imp.new_id;
	return ret;
}

long zc_set_eventfd(int fd, __u32 which, int efd)
{
	struct zcnet_eventfd e = {
		.size = sizeof(e),
		.which = which,
		.fd = efd,
	};

	return zc_ioctl(fd, ZCNET_IOC_SET_EVENTFD, &e);
}

long zc_kick(int fd, __u32 budget)
{
	struct zcnet_kick k = { .size = sizeof(k), .budget = budget };

	return zc_ioctl(fd, ZCNET_IOC_KICK, &k);
}

int zc_ring_map(int fd, const struct zcnet_ring_offset *ro, struct zc_ring *r)
{
	void *p;

	memset(r, 0, sizeof(*r));
	if (!ro->entries)
		return 0;
	p = mmap(NULL, ro->mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)ro->mmap_offset);
	if (p == MAP_FAILED)
		return -errno;
	r->map = p;
	r->map_len = ro->mmap_len;
	r->producer = (__u32 *)((char *)p + ro->producer);
	r->consumer = (__u32 *)((char *)p + ro->consumer);
	r->flags = (__u32 *)((char *)p + ro->flags);
	r->desc = (char *)p + ro->desc;
	r->entries = ro->entries;
	r->mask = ro->entries - 1;
	r->entry_size = ro->entry_size;
	return 0;
}

void zc_ring_unmap(struct zc_ring *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	memset(r, 0, sizeof(*r));
}

__u32 zc_load_acquire(const __u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

__u32 zc_load_relaxed(const __u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void zc_store_release(__u32 *p, __u32 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

void *zc_ring_slot(const struct zc_ring *r, __u32 idx)
{
	return r->desc + (size_t)(idx & r->mask) * r->entry_size;
}

int zc_ring_push(struct zc_ring *r, const void *src, size_t size)
{
	__u32 prod = zc_load_relaxed(r->producer);
	__u32 cons = zc_load_acquire(r->consumer);

	if (prod - cons >= r->entries)
		return -ENOSPC;
	memcpy(zc_ring_slot(r, prod), src, size);
	zc_store_release(r->producer, prod + 1);
	return 0;
}

int zc_ring_pop(struct zc_ring *r, void *dst, size_t size)
{
	__u32 cons = zc_load_relaxed(r->consumer);
	__u32 prod = zc_load_acquire(r->producer);

	if (prod == cons)
		return -EAGAIN;
	memcpy(dst, zc_ring_slot(r, cons), size);
	zc_store_release(r->consumer, cons + 1);
	return 0;
}

int zc_tx_push(struct zc_ring *tx, const struct zcnet_tx_desc *d)
{
	return zc_ring_push(tx, d, sizeof(*d));
}

int zc_cq_pop(struct zc_ring *cq, struct zcnet_cq_entry *e)
{
	return zc_ring_pop(cq, e, sizeof(*e));
}

int zc_fill_push(struct zc_ring *r, const struct zcnet_fill_desc *d)
{
	return zc_ring_push(r, d, sizeof(*d));
}

int zc_rx_pop(struct zc_ring *r, struct zcnet_rx_desc *e)
{
	return zc_ring_pop(r, e, sizeof(*e));
}

__u32 zc_cq_ready(const struct zc_ring *cq)
{
	return zc_load_acquire(cq->producer) - zc_load_relaxed(cq->consumer);
}

struct zcnet_tx_desc zc_nop(__u16 region, __u64 offset,
			    __u32 len, __u64 cookie)
{
	struct zcnet_tx_desc d = {
		.offset = offset,
		.len = len,
		.region = region,
		.flags = ZCNET_TX_NOP,
		.cookie = cookie,
	};

	return d;
}

void zc_ctx_close(struct zc_ctx *c)
{
	zc_ring_unmap(&c->tx);
	zc_ring_unmap(&c->cq);
	zc_ring_unmap(&c->fill);
	zc_ring_unmap(&c->rx);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

long zc_ctx_open(struct zc_ctx *c, __u32 tx, __u32 cq, __u32 fill, __u32 rx)
{
	return zc_ctx_open_flags(c, 0, tx, cq, fill, rx);
}

long zc_ctx_open_flags(struct zc_ctx *c, __u32 flags, __u32 tx, __u32 cq,
		       __u32 fill, __u32 rx)
{
	long ret;

	memset(c, 0, sizeof(*c));
	c->fd = zc_open();
	if (c->fd < 0)
		return -errno;
	ret = zc_setup_flags(c->fd, flags, tx, cq, fill, rx);
	if (!ret)
		ret = zc_get_offsets(c->fd, &c->off);
	if (!ret)
		ret = zc_ring_map(c->fd, &c->off.tx, &c->tx);
	if (!ret)
		ret = zc_ring_map(c->fd, &c->off.cq, &c->cq);
	if (!ret)
		ret = zc_ring_map(c->fd, &c->off.fill, &c->fill);
	if (!ret)
		ret = zc_ring_map(c->fd, &c->off.rx, &c->rx);
	if (ret)
		zc_ctx_close(c);
	return ret;
}

__u64 zc_stat_value(const struct zcnet_stats *st,
		    const struct zc_stat_field *f)
{
	__u64 v;

	memcpy(&v, (const char *)st + f->off, sizeof(v));
	return v;
}

int zc_settle_for(int fd, struct zcnet_stats *st, unsigned int ms)
{
	uint64_t end = zc_now_ms() + ms;
	long ret;

	for (;;) {
		ret = zc_get_stats(fd, st);
		if (ret)
			return (int)ret;
		if (st->module_contexts == 1 && st->module_pinned_pages == 0)
			return 0;
		if (zc_now_ms() > end)
			return -EBUSY;
		zc_sleep_ms(20);
	}
}

int zc_settle(int fd, struct zcnet_stats *st)
{
	return zc_settle_for(fd, st, ZC_SETTLE_MS);
}

__u64 zc_wait_module_pinned(int fd, __u64 want)
{
	uint64_t end = zc_now_ms() + ZC_SETTLE_MS;
	struct zcnet_stats st;

	for (;;) {
		if (zc_get_stats(fd, &st))
			return ~0ULL;
		if (st.module_pinned_pages == want || zc_now_ms() > end)
			return st.module_pinned_pages;
		zc_sleep_ms(20);
	}
}

__u64 zc_wait_module_contexts(int fd, __u64 want)
{
	uint64_t end = zc_now_ms() + ZC_SETTLE_MS;
	struct zcnet_stats st;

	for (;;) {
		if (zc_get_stats(fd, &st))
			return ~0ULL;
		if (st.module_contexts == want || zc_now_ms() > end)
			return st.module_contexts;
		zc_sleep_ms(20);
	}
}

int zc_dev_present(void)
{
	return access(ZC_DEV_PATH, F_OK) == 0;
}

long zc_bind(int fd, __u32 flags, __u32 ifindex, __u32 queue)
{
	struct zcnet_bind b = {
		.size = sizeof(b),
		.flags = flags,
		.ifindex = ifindex,
		.queue = queue,
	};

	return zc_ioctl(fd, ZCNET_IOC_BIND, &b);
}

long zc_bind_rx(int fd, __u32 flags, int ifindex, __u32 match, __u16 value,
		__u32 rx_queue)
{
	struct zcnet_bind b = {
		.size = sizeof(b),
		.flags = flags,
		.ifindex = (__u32)ifindex,
		.queue = ZCNET_QUEUE_ANY,
		.rx_match = match,
		.rx_queue = rx_queue,
	};

	if (match == ZCNET_RX_MATCH_ETHERTYPE)
		b.rx_ethertype = value;
	else if (match == ZCNET_RX_MATCH_UDP)
		b.rx_port = value;
	return zc_ioctl(fd, ZCNET_IOC_BIND, &b);
}

long zc_unbind(int fd, __u32 flags)
{
	struct zcnet_unbind u = { .size = sizeof(u), .flags = flags };

	return zc_ioctl(fd, ZCNET_IOC_UNBIND, &u);
}

long zc_set_param(int fd, __u32 param, __u64 value)
{
	struct zcnet_param p = {
		.size = sizeof(p),
		.param = param,
		.value = value,
	};

	return zc_ioctl(fd, ZCNET_IOC_SET_PARAM, &p);
}

long zc_get_param(int fd, __u32 param, __u64 *value)
{
	struct zcnet_param p = { .size = sizeof(p), .param = param };
	long ret = zc_ioctl(fd, ZCNET_IOC_GET_PARAM, &p);

	if (!ret)
		*value = p.value;
	return ret;
}

struct zcnet_tx_desc zc_raw(__u16 region, __u64 offset,
			    __u32 len, __u64 cookie)
{
	struct zcnet_tx_desc d = {
		.offset = offset,
		.len = len,
		.region = region,
		.cookie = cookie,
	};

	return d;
}

long zc_sock_attach(int fd, int sfd, __u64 addr, __u32 *slot)
{
	struct zcnet_sock_attach a = {
		.size = sizeof(a), .fd = sfd, .addr = addr,
	};
	long ret = zc_ioctl(fd, ZCNET_IOC_SOCK_ATTACH, &a);

	if (!ret && slot)
		*slot = a.slot;
	return ret;
}

long zc_sock_detach(int fd, __u32 slot)
{
	struct zcnet_sock_detach d = { .size = sizeof(d), .slot = slot };

	return zc_ioctl(fd, ZCNET_IOC_SOCK_DETACH, &d);
}

struct zcnet_tx_desc zc_sock_desc(__u32 region, __u64 offset,
				  __u32 len, __u32 slot,
				  __u64 cookie)
{
	struct zcnet_tx_desc d = {
		.offset = offset, .len = len, .region = (__u16)region,
		.flags = ZCNET_TX_SOCK, .sock = (__u16)slot, .cookie = cookie,
	};

	return d;
}

__u64 zc_features(void)
{
	struct zcnet_info info;
	int fd = zc_open();
	long ret;

	if (fd < 0)
		return 0;
	ret = zc_get_info(fd, &info);
	close(fd);
	return ret ? 0 : info.features;
}

unsigned int zc_ring_collect(struct zc_ctx *c, struct zc_ring *r, void *out,
			     size_t size, unsigned int want,
			     unsigned int timeout_ms)
{
	uint64_t end = zc_now_ms() + timeout_ms;
	unsigned int got = 0;

	while (got < want) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		uint64_t now;

		if (!zc_ring_pop(r, (char *)out + got * size, size)) {
			got++;
			continue;
		}
		now = zc_now_ms();
		if (now >= end)
			break;
		poll(&p, 1, end - now > 100 ? 100 : (int)(end - now));
	}
	return got;
}

unsigned int zc_cq_collect(struct zc_ctx *c,
			   struct zcnet_cq_entry *out,
			   unsigned int want,
			   unsigned int timeout_ms)
{
	return zc_ring_collect(c, &c->cq, out, sizeof(*out), want, timeout_ms);
}

__u32 zc_tx_pending(const struct zc_ring *tx)
{
	return zc_load_relaxed(tx->producer) - zc_load_acquire(tx->consumer);
}

long zc_efd_read(int efd)
{
	__u64 v;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return -errno;
	return (long)v;
}

long zc_keep_zero_copy(int fd)
{
	long v = zc_module_param("tx_copy_threshold");

	if (v < 0)
		return v;
	return zc_set_param(fd, ZCNET_PARAM_TX_COPY_THRESHOLD,
			    (__u64)(v < 65535 ? v : 65535));
}
