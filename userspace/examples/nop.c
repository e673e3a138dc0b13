// SPDX-License-Identifier: GPL-2.0
/* The example of Documentation/userspace-api.rst: NOPs and their completions. */
#include <libzcnet.h>
#include <stdio.h>

int main(void)
{
	struct zcnet_ctx *ctx;
	struct zcnet_mem mem;
	__u32 region, idx, n, i;
	int err;

	err = zcnet_open(&ctx);
	if (err) {
		fprintf(stderr, "zcnet_open: %d\n", err);
		return 1;
	}
	err = zcnet_setup(ctx, 64, 64, 0, 0);
	if (!err)
		err = zcnet_mem_alloc(&mem, 1 << 20, 0);
	if (!err)
		err = zcnet_region_register(ctx, mem.addr, mem.len, &region);
	if (!err)
		err = zcnet_eventfd_create(ctx, ZCNET_EVENTFD_CQ);
	if (err < 0)
		goto out;

	n = zcnet_ring_reserve(zcnet_tx_ring(ctx), 16, &idx);
	for (i = 0; i < n; i++) {
		struct zcnet_tx_desc *d = zcnet_ring_tx_desc(zcnet_tx_ring(ctx), idx + i);

		*d = (struct zcnet_tx_desc){ .region = region, .offset = i * 1500,
					     .len = 1500, .flags = ZCNET_TX_NOP,
					     .cookie = i };
	}
	zcnet_ring_submit(zcnet_tx_ring(ctx), n);
	printf("kernel took %d descriptors\n", zcnet_kick(ctx, 0));

	err = zcnet_eventfd_wait(ctx, ZCNET_EVENTFD_CQ, 1000, NULL);
	n = zcnet_ring_peek(zcnet_cq_ring(ctx), 64, &idx);
	for (i = 0; i < n; i++) {
		const struct zcnet_cq_entry *c = zcnet_ring_cq_entry(zcnet_cq_ring(ctx), idx + i);

		printf("cookie %llu result %d%s\n", (unsigned long long)c->cookie,
		       c->result, c->flags & ZCNET_CQE_COPIED ? " copied" : "");
	}
	zcnet_ring_release(zcnet_cq_ring(ctx), n);
out:
	zcnet_close(ctx);
	return err < 0;
}
