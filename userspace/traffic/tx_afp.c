// SPDX-License-Identifier: GPL-2.0-only
/*
 * zcnet-bench: AF_PACKET senders. afp-sendto sends one frame per send()
 * through the qdisc; its completion is the return of the call.
 * afp-txring writes frames into a TPACKET_V2 TX ring with
 * PACKET_QDISC_BYPASS, kicks once per batch (MSG_DONTWAIT) and sees a
 * frame complete when the kernel gives its slot back (TP_STATUS_AVAILABLE,
 * set when the driver frees the skb).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "zcnet_frame.h"

#define TXRING_ENTRIES	256
#define TXRING_DATA_OFF	(TPACKET_ALIGN(sizeof(struct tpacket2_hdr)))

static int packet_socket(const struct raw_tx *t)
{
	struct sockaddr_ll sll;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		errmsg("AF_PACKET socket: %s", strerror(errno));
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)t->ifc.ifindex;
	sll.sll_protocol = htons(ZCNET_FRAME_ETHERTYPE);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		errmsg("bind to %s: %s", t->ifc.name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int bench_afp_sendto(const struct bench_opts *o, struct bench_run *r)
{
	struct raw_tx t;
	uint8_t *buf;
	double ts, te;
	ssize_t ret;
	int fd, rc = -1;

	if (raw_open(o, &t))
		return -1;
	fd = packet_socket(&t);
	buf = aligned_alloc(64, (o->size + 63) & ~(size_t)63);
	if (fd < 0 || !buf)
		goto out;
	raw_frame_init(&t, buf);
	bench_begin(o, r);
	for (;;) {
		ts = now_seconds();
		if (bench_time_up(o, r, ts))
			break;
		if (!raw_allowed(&t, 1)) {
			raw_wait(&t);
			continue;
		}
		raw_frame_seq(&t, buf, t.next);
		ret = send(fd, buf, o->size, 0);
		te = now_seconds();
		r->completions++;
		if (ret == (ssize_t)o->size) {
			t.next++;
			r->frames++;
			r->bytes += o->size;
			lat_add(&r->lat, ts, te);
		} else {
			r->errors++;
		}
	}
	bench_end(r);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	raw_close(&t);
	return rc;
}

struct txring {
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

static int txring_setup(int fd, const struct bench_opts *o, struct txring *q)
{
	struct tpacket_req req;
	int v = TPACKET_V2, one = 1;
	uint32_t block;

	q->frame_size = 128;
	while (q->frame_size < TXRING_DATA_OFF + o->size)
		q->frame_size <<= 1;
	q->entries = o->inflight ? o->inflight : TXRING_ENTRIES;
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

int bench_afp_txring(const struct bench_opts *o, struct bench_run *r)
{
	struct txring q = { 0 };
	struct raw_tx t;
	struct pollfd pfd;
	uint64_t head = 0, tail = 0, i;
	uint32_t n, st;
	bool stop = false;
	double now;
	int fd, rc = -1;

	if (raw_open(o, &t))
		return -1;
	fd = packet_socket(&t);
	if (fd < 0 || txring_setup(fd, o, &q))
		goto out;
	for (i = 0; i < q.entries; i++)
		raw_frame_init(&t, (uint8_t *)slot_hdr(&q, i) + TXRING_DATA_OFF);
	pfd.fd = fd;
	pfd.events = POLLOUT;
	bench_begin(o, r);
	for (;;) {
		now = now_seconds();
		stop = stop || bench_time_up(o, r, now);
		while (tail < head) {
			st = slot_status(slot_hdr(&q, tail));
			if (st & (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING))
				break;
			r->completions++;
			if (st & TP_STATUS_WRONG_FORMAT) {
				r->errors++;
			} else {
				r->frames++;
				r->bytes += o->size;
				lat_add(&r->lat, q.ts[tail % q.entries], now);
			}
			tail++;
		}
		if (stop && tail == head)
			break;
		n = stop ? 0 : raw_allowed(&t, q.entries - (uint32_t)(head - tail));
		for (i = 0; i < n; i++, head++) {
			struct tpacket2_hdr *h = slot_hdr(&q, head);

			raw_frame_seq(&t, (uint8_t *)h + TXRING_DATA_OFF, t.next++);
			h->tp_len = (uint32_t)o->size;
			q.ts[head % q.entries] = now;
			__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST,
					 __ATOMIC_RELEASE);
		}
		if (n || (tail < head && slot_status(slot_hdr(&q, tail)) ==
			  TP_STATUS_SEND_REQUEST)) {
			if (send(fd, NULL, 0, MSG_DONTWAIT) < 0 &&
			    errno != EAGAIN && errno != ENOBUFS)
				r->errors++;
			continue;
		}
		if (t.gated && !stop)
			raw_wait(&t);
		else if (tail < head)
			poll(&pfd, 1, 10);
	}
	bench_end(r);
	rc = 0;
out:
	if (q.map)
		munmap(q.map, q.map_len);
	free(q.ts);
	if (fd >= 0)
		close(fd);
	raw_close(&t);
	return rc;
}
