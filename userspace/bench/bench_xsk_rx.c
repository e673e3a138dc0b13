// SPDX-License-Identifier: GPL-2.0-only
/* zcnet-bench recv af-xdp-copy: an AF_XDP socket in copy mode, receiving. */
/*
 * Its XDP program sends frames of the test ethertype to the socket bound
 * to their queue and everything else to the stack, as zcnet's ethertype
 * rule does: libxdp's default program would take every frame of the
 * queue, the generator's control connection included. Native XDP is tried
 * first, then generic (SKB) mode. The bind asks for XDP_COPY. Each frame
 * is one 4 KiB chunk of the umem. The FILL ring has room for twice the
 * chunks: the kernel publishes what it took from FILL in batches, so a
 * chunk taken from RX must find room there even when the kernel has not
 * yet said it took it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include "bench.h"
#include "frame.h"

#define XR_CHUNK	4096
#define XR_CHUNKS	8192
#define XR_RX		8192
#define XR_BATCH	64
#define XR_HEADROOM	256	/* XDP_PACKET_HEADROOM */

struct xsk_rx {
	struct rx_method m;	/* first */
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	int map_fd, prog_fd;
	unsigned int ifindex;
	uint32_t xdp_flags;	/* the mode the program is attached in */
	struct xsk_ring_prod fq;
	struct xsk_ring_cons cq, rx;
	uint8_t *area;
};

static int xr_take(struct rx_method *m, int ms)
{
	struct xsk_rx *x = (struct xsk_rx *)m;
	uint32_t n, i, idx, fidx = 0;
	int k;

	while (!(n = xsk_ring_cons__peek(&x->rx, XR_BATCH, &idx))) {
		k = rxb_poll(m->b, xsk_socket__fd(x->xsk), ms);
		if (k <= 0)
			return k;
	}
	if (xsk_ring_prod__reserve(&x->fq, n, &fidx) != n) {
		errmsg("AF_XDP: no room on the FILL ring");
		return -1;
	}
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d;

		d = xsk_ring_cons__rx_desc(&x->rx, idx + i);
		rxb_frame(m->b, xsk_umem__get_data(x->area, d->addr), d->len);
		*xsk_ring_prod__fill_addr(&x->fq, fidx + i) =
			xsk_umem__extract_addr(d->addr) &
			~(uint64_t)(XR_CHUNK - 1);
	}
	xsk_ring_cons__release(&x->rx, n);
	xsk_ring_prod__submit(&x->fq, n);
	if (xsk_ring_prod__needs_wakeup(&x->fq)) {
		m->b->syscalls++;
		recvfrom(xsk_socket__fd(x->xsk), NULL, 0, MSG_DONTWAIT, NULL,
			 NULL);
	}
	return (int)n;
}

/* The libraries' warnings only: their notes would fill the log. */
static int bpf_warnings(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int xdp_warnings(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	return level == LIBXDP_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

#define XR_INSN(c, d, s_, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s_), \
			    .off = (o), .imm = (i) })

/*
 * if (data + 14 > data_end || eth->h_proto != htons(ETHERTYPE))
 *	return XDP_PASS;
 * return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
 */
static int xr_prog_load(int map_fd)
{
	const struct bpf_insn insns[] = {
		XR_INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1,
			offsetof(struct xdp_md, data), 0),
		XR_INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1,
			offsetof(struct xdp_md, data_end), 0),
		XR_INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_4, BPF_REG_2, 0, 0),
		XR_INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_4, 0, 0, 14),
		XR_INSN(BPF_JMP | BPF_JGT | BPF_X, BPF_REG_4, BPF_REG_3, 8, 0),
		XR_INSN(BPF_LDX | BPF_MEM | BPF_H, BPF_REG_5, BPF_REG_2, 12, 0),
		XR_INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 6,
			htons(ZCNET_FRAME_ETHERTYPE)),
		XR_INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1,
			offsetof(struct xdp_md, rx_queue_index), 0),
		XR_INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1,
			BPF_PSEUDO_MAP_FD, 0, map_fd),
		XR_INSN(0, 0, 0, 0, 0),
		XR_INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, XDP_PASS),
		XR_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_redirect_map),
		XR_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		XR_INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS),
		XR_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	static char log[4096];
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_buf = log,
		    .log_size = sizeof(log), .log_level = 1);
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "zcnet_xsk_rx", "GPL", insns,
			   sizeof(insns) / sizeof(insns[0]), &opts);
	if (fd < 0)
		fprintf(stderr, "%s: the verifier refused the XDP program: %s\n",
			util_prog, log);
	return fd;
}

/* The program in native XDP, else generic; the error of the last try. */
static int xr_attach(struct rx_bench *b, struct xsk_rx *x, uint32_t queue)
{
	static const struct { uint32_t flags; const char *name; } modes[] = {
		{ XDP_FLAGS_DRV_MODE, "native" },
		{ XDP_FLAGS_SKB_MODE, "generic" },
	};
	int err = -EINVAL;

	x->ifindex = if_nametoindex(b->o->ifc.name);
	if (!x->ifindex)
		return -errno;
	x->map_fd = bpf_map_create(BPF_MAP_TYPE_XSKMAP, "zcnet_xsks",
				   sizeof(int), sizeof(int), queue + 1, NULL);
	if (x->map_fd < 0)
		return x->map_fd;
	x->prog_fd = xr_prog_load(x->map_fd);
	if (x->prog_fd < 0)
		return x->prog_fd;
	for (size_t i = b->x->xdp_generic; i < 2; i++) {
		/* never in place of someone else's program */
		err = bpf_xdp_attach(x->ifindex, x->prog_fd, modes[i].flags |
				     XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		if (!err) {
			x->xdp_flags = modes[i].flags;
			snprintf(b->mode, sizeof(b->mode), "xdp=%s",
				 modes[i].name);
			return 0;
		}
		fprintf(stderr, "%s: %s XDP on %s: %s\n", util_prog,
			modes[i].name, b->o->ifc.name, strerror(-err));
	}
	return err;
}

static int xr_socket(struct rx_bench *b, struct xsk_rx *x, uint32_t queue)
{
	struct xsk_socket_config cfg = {
		.rx_size = XR_RX,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = x->xdp_flags,
		.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP,
	};
	size_t len = strlen(b->mode);
	int err;

	err = xsk_socket__create(&x->xsk, b->o->ifc.name, queue, x->umem,
				 &x->rx, NULL, &cfg);
	if (err) {
		x->xsk = NULL;
		return err;
	}
	snprintf(b->mode + len, sizeof(b->mode) - len, " queue=%u", queue);
	return xsk_socket__update_xskmap(x->xsk, x->map_fd);
}

int bench_xsk_rx(struct rx_bench *b)
{
	struct xsk_umem_config ucfg = {
		.fill_size = XR_CHUNKS * 2,
		.comp_size = XSK_RING_CONS__DEFAULT_NUM_DESCS,
		.frame_size = XR_CHUNK,
	};
	struct xsk_rx x = { .m = { .b = b, .take = xr_take }, .map_fd = -1,
			    .prog_fd = -1 };
	size_t len = (size_t)XR_CHUNKS * XR_CHUNK;
	uint32_t queue = b->o->queue == UINT32_MAX ? 0 : b->o->queue, i, idx;
	struct xdp_statistics st;
	socklen_t slen = sizeof(st);
	int err, rc = -1;

	libbpf_set_print(bpf_warnings);
	libxdp_set_print(xdp_warnings);
	if (b->o->size > XR_CHUNK - XR_HEADROOM) {
		snprintf(b->unavailable, sizeof(b->unavailable), "frames over "
			 "%d bytes need multi-buffer AF_XDP, which this method "
			 "does not do", XR_CHUNK - XR_HEADROOM);
		return -1;
	}
	x.area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
		      MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (x.area == MAP_FAILED) {
		errmsg("umem: %s", strerror(errno));
		return -1;
	}
	err = xsk_umem__create(&x.umem, x.area, len, &x.fq, &x.cq, &ucfg);
	if (err) {
		snprintf(b->unavailable, sizeof(b->unavailable),
			 "xsk_umem__create: %s", strerror(-err));
		goto out;
	}
	err = xr_attach(b, &x, queue);
	if (err) {
		snprintf(b->unavailable, sizeof(b->unavailable), "XDP program "
			 "on %s: %s", b->o->ifc.name, strerror(-err));
		goto out;
	}
	err = xr_socket(b, &x, queue);
	if (err) {
		snprintf(b->unavailable, sizeof(b->unavailable), "AF_XDP "
			 "socket on %s queue %u: %s", b->o->ifc.name, queue,
			 strerror(-err));
		goto out;
	}
	if (xsk_ring_prod__reserve(&x.fq, XR_CHUNKS, &idx) != XR_CHUNKS) {
		errmsg("AF_XDP: the FILL ring takes fewer than %d", XR_CHUNKS);
		goto out;
	}
	for (i = 0; i < XR_CHUNKS; i++)
		*xsk_ring_prod__fill_addr(&x.fq, idx + i) =
			(uint64_t)i * XR_CHUNK;
	xsk_ring_prod__submit(&x.fq, XR_CHUNKS);
	rc = rxb_run(&x.m);
	if (!getsockopt(xsk_socket__fd(x.xsk), SOL_XDP, XDP_STATISTICS, &st,
			&slen))
		b->drops = st.rx_dropped + st.rx_ring_full +
			   st.rx_invalid_descs;
out:
	if (x.xsk)
		xsk_socket__delete(x.xsk);
	if (x.xdp_flags) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, detach,
			    .old_prog_fd = x.prog_fd);

		/* only if it is still ours */
		bpf_xdp_detach(x.ifindex, x.xdp_flags, &detach);
	}
	if (x.prog_fd >= 0)
		close(x.prog_fd);
	if (x.map_fd >= 0)
		close(x.map_fd);
	if (x.umem)
		xsk_umem__delete(x.umem);
	munmap(x.area, len);
	return rc;
}
