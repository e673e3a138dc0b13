// SPDX-License-Identifier: GPL-2.0-only
/* The AF_PACKET senders: send() and a TPACKET_V2 TX ring. */
/*
 * send(): one frame per call through the qdisc, its completion the return;
 * super-frames with PACKET_VNET_HDR, each send() with its virtio_net_hdr;
 * ENOBUFS (queue full) is retried, and the run ends when the device
 * released every frame (SIOCOUTQ 0). TX ring: PACKET_QDISC_BYPASS, a kick
 * per batch; a frame completes when the kernel gives its slot back
 * (TP_STATUS_AVAILABLE, set when the driver frees the skb).
 */
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "traffic.h"

#define TXRING_ENTRIES	256
#define TXRING_DATA_OFF	(TPACKET_ALIGN(sizeof(struct tpacket2_hdr)))
#define DRAIN_TIMEOUT	10.0

/* Wait until the device released every frame of the socket. */
static bool drain_socket(int fd, double *waited)
{
	double t0 = now_seconds();
	int outq;

	while (ioctl(fd, SIOCOUTQ, &outq) == 0 && outq > 0) {
		if (now_seconds() - t0 > DRAIN_TIMEOUT) {
			*waited = now_seconds() - t0;
			return false;
		}
		nanosleep(&(struct timespec){ 0, 200 * 1000 }, NULL);
	}
	*waited = now_seconds() - t0;
	return true;
}

/* Each send() starts with a virtio_net_hdr (super-frames). */
static int vnet_socket(int fd)
{
	int one = 1;

	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one))) {
		errmsg("PACKET_VNET_HDR: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void send_loop(struct tr_opts *o, struct tx_raw *t, int fd,
		      uint8_t *buf, struct tr_result *r)
{
	double ts;
	ssize_t n;

	while (!r->error) {
		ts = now_seconds();
		tr_tick(r, ts);
		if (*o->stop) {
			r->interrupted = true;
			break;
		}
		if (o->frames ? t->next >= o->frames : tr_time_up(o, r, ts))
			break;
		if (!tx_raw_allowed(t, r, 1)) {
			if (!tx_raw_wait(t, r))
				break;
			continue;
		}
		tx_raw_frame(t, buf, t->next, true);
		n = send(fd, buf, t->len, 0);
		tr_sys(r, 1);
		r->completions++;
		if (n == (ssize_t)t->len) {
			t->next++;
			r->frames++;
			r->bytes += o->size;
			if (o->bench)
				lat_add(&r->lat, ts, now_seconds());
		} else if (n >= 0) {
			r->error = EMSGSIZE;
		} else if (errno == ENOBUFS || errno == EAGAIN) {
			/* queue full: the frame was not sent */
			r->retries++;
			r->errors++;
			nanosleep(&(struct timespec){ 0, 50 * 1000 }, NULL);
			tr_sys(r, 1);
		} else if (errno != EINTR) {
			r->error = errno;
		}
	}
}

int tx_afp_send(struct tr_opts *o, struct tr_result *r)
{
	struct tx_raw t;
	uint8_t *buf;
	int fd, rc;

	rc = tx_raw_open(o, &t);
	if (rc)
		return rc;
	fd = afp_bind(afp_socket(), &o->ifc, 0);
	buf = aligned_alloc(64, (t.len + 63) & ~(size_t)63);
	if (fd < 0 || !buf || (t.hdr && vnet_socket(fd))) {
		rc = EXIT_FAILED;
		goto out;
	}
	tx_raw_frame(&t, buf, 0, false);
	tr_begin(o, r);
	send_loop(o, &t, fd, buf, r);
	if (o->bench)
		tr_end(r);
	r->undrained = !drain_socket(fd, &r->drain_s);
	if (!o->bench)
		tr_end(r);
	if (r->error == EINVAL && t.hdr && !r->frames) {
		errmsg("AF_PACKET refused the %s super-frame (EINVAL): this "
		       "kernel's PACKET_VNET_HDR takes no gso_type %u",
		       o->l4 == IPPROTO_UDP ? "UDP" : "TCP", sf_gso_type(o->l4));
		rc = tr_unavailable(r, EXIT_UNSUPPORTED);
	} else if (r->error == ENETDOWN) {
		errmsg("send on %s: interface is down", o->ifc.name);
	} else if (r->error == EMSGSIZE) {
		errmsg("send on %s: a %llu-byte frame is too large",
		       o->ifc.name, (unsigned long long)o->size);
	} else if (r->error) {
		errmsg("send on %s failed: %s", o->ifc.name,
		       strerror(r->error));
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	tx_raw_close(&t);
	return rc;
}

struct txring {
	struct tx_ring q;	/* first: the ops get it */
	int fd;
	uint64_t head, tail;
	uint8_t *map;
	size_t map_len;
	uint32_t frame_size, entries;
	double *ts;
};

static struct tpacket2_hdr *slot_hdr(const struct txring *q, uint64_t i)
{
	return (struct tpacket2_hdr *)(q->map +
				       (size_t)(i % q->entries) * q->frame_size);
}

static int txring_setup(int fd, const struct tr_opts *o, struct txring *q)
{
	struct tpacket_req req;
	int v = TPACKET_V2, one = 1;
	uint32_t block;

	q->frame_size = 128;
	while (q->frame_size < TXRING_DATA_OFF + o->size)
		q->frame_size <<= 1;
	q->entries = o->ring ? o->ring : TXRING_ENTRIES;
	block = q->frame_size < 4096 ? 4096 : q->frame_size;
	if (q->entries < block / q->frame_size)
		q->entries = block / q->frame_size;
	memset(&req, 0, sizeof(req));
	req.tp_block_size = block;
	req.tp_frame_size = q->frame_size;
	req.tp_block_nr = q->entries / (block / q->frame_size);
	req.tp_frame_nr = req.tp_block_nr * (block / q->frame_size);
	q->entries = req.tp_frame_nr;
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
		       sizeof(one)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req))) {
		errmsg("TX ring setup: %s", strerror(errno));
		return -1;
	}
	q->map_len = (size_t)req.tp_block_size * req.tp_block_nr;
	q->map = mmap(NULL, q->map_len, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_POPULATE, fd, 0);
	if (q->map == MAP_FAILED) {
		q->map = NULL;
		errmsg("mmap of the TX ring: %s", strerror(errno));
		return -1;
	}
	q->ts = calloc(q->entries, sizeof(*q->ts));
	return q->ts ? 0 : -1;
}

static uint32_t slot_status(const struct tpacket2_hdr *h)
{
	return __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
}

static uint32_t txring_reap(struct tx_ring *rq, struct tr_result *r,
			    double now)
{
	struct txring *q = (struct txring *)rq;
	uint64_t tail0 = q->tail;
	uint32_t st;

	while (q->tail < q->head) {
		st = slot_status(slot_hdr(q, q->tail));
		if (st & (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING))
			break;
		r->completions++;
		if (st & TP_STATUS_WRONG_FORMAT) {
			r->errors++;
		} else {
			r->frames++;
			r->bytes += q->q.t.o->size;
			lat_add(&r->lat, q->ts[q->tail % q->entries], now);
		}
		q->tail++;
	}
	q->q.busy = (uint32_t)(q->head - q->tail);
	q->q.free = q->entries - q->q.busy;
	return (uint32_t)(q->tail - tail0);
}

static uint32_t txring_post(struct tx_ring *rq, struct tr_result *r,
			    uint32_t n, double now)
{
	struct txring *q = (struct txring *)rq;
	uint32_t i;

	(void)r;
	for (i = 0; i < n; i++, q->head++) {
		struct tpacket2_hdr *h = slot_hdr(q, q->head);

		tx_raw_frame(&rq->t, (uint8_t *)h + TXRING_DATA_OFF,
			     rq->t.next++, true);
		h->tp_len = (uint32_t)rq->t.o->size;
		q->ts[q->head % q->entries] = now;
		__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST,
				 __ATOMIC_RELEASE);
	}
	return n;	/* busy and free: at the next reap */
}

static int txring_kick(struct tx_ring *rq, struct tr_result *r, uint32_t n)
{
	struct txring *q = (struct txring *)rq;

	if (!n && (q->tail == q->head ||
		   slot_status(slot_hdr(q, q->tail)) != TP_STATUS_SEND_REQUEST))
		return 0;
	tr_sys(r, 1);
	if (send(q->fd, NULL, 0, MSG_DONTWAIT) < 0 && errno != EAGAIN &&
	    errno != ENOBUFS)
		r->errors++;
	return 1;
}

static bool txring_idle(struct tx_ring *rq, struct tr_result *r, bool stop,
			uint32_t done)
{
	struct pollfd pfd = { .fd = ((struct txring *)rq)->fd,
			      .events = POLLOUT };

	(void)stop, (void)done;
	if (rq->busy) {
		poll(&pfd, 1, 10);
		tr_sys(r, 1);
	}
	return true;
}

int tx_afp_txring(struct tr_opts *o, struct tr_result *r)
{
	struct txring q = { .q = { .reap = txring_reap, .post = txring_post,
				   .kick = txring_kick, .idle = txring_idle } };
	uint64_t i;
	int rc;

	if (o->l4) {
		errmsg("super-frames go with AF_PACKET send(), not the TX ring");
		return EXIT_FAILED;
	}
	rc = tx_raw_open(o, &q.q.t);
	if (rc)
		return rc;
	rc = EXIT_FAILED;
	q.fd = afp_bind(afp_socket(), &o->ifc, 0);
	if (q.fd < 0 || txring_setup(q.fd, o, &q))
		goto out;
	for (i = 0; i < q.entries; i++)
		tx_raw_frame(&q.q.t, (uint8_t *)slot_hdr(&q, i) +
			     TXRING_DATA_OFF, 0, false);
	q.q.free = q.entries;
	tx_ring_run(&q.q, r);
	rc = 0;
out:
	if (q.map)
		munmap(q.map, q.map_len);
	free(q.ts);
	if (q.fd >= 0)
		close(q.fd);
	tx_raw_close(&q.q.t);
	return rc;
}
