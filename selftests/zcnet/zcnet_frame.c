// SPDX-License-Identifier: GPL-2.0
/* Test frames: fill and tag, receive checks, batches and streams. */
#include "zcnet_util.h"

void zc_frame_fill(unsigned char *p, __u32 len,
		   const unsigned char *dst,
		   const unsigned char *src, __u32 run, __u32 seq)
{
	__u32 tag[4] = { htonl(ZC_FRAME_MAGIC), htonl(run), htonl(seq),
			 htonl(len) };
	unsigned char hdr[ZC_ETH_HLEN];
	__u32 i;

	memcpy(hdr, dst, ZC_ETH_ALEN);
	memcpy(hdr + ZC_ETH_ALEN, src, ZC_ETH_ALEN);
	hdr[12] = ZC_ETH_P_TEST >> 8;
	hdr[13] = ZC_ETH_P_TEST & 0xff;
	for (i = 0; i < len; i++) {
		if (i < ZC_ETH_HLEN)
			p[i] = hdr[i];
		else if (i < ZC_FRAME_TAGGED)
			p[i] = ((unsigned char *)tag)[i - ZC_ETH_HLEN];
		else
			p[i] = (unsigned char)(seq * 131u + i * 7u + run + (i >> 8));
	}
}

int zc_frame_tag(const unsigned char *p, size_t len, __u32 *run, __u32 *seq)
{
	__u32 tag[4];

	if (len < ZC_FRAME_TAGGED || p[12] != (ZC_ETH_P_TEST >> 8) ||
	    p[13] != (ZC_ETH_P_TEST & 0xff))
		return -EINVAL;
	memcpy(tag, p + ZC_ETH_HLEN, sizeof(tag));
	if (ntohl(tag[0]) != ZC_FRAME_MAGIC)
		return -EINVAL;
	*run = ntohl(tag[1]);
	*seq = ntohl(tag[2]);
	return 0;
}

__u32 zc_new_run(void)
{
	static __u32 counter;

	return ((__u32)getpid() << 12) ^ (__u32)(zc_now_ms() << 20) ^
	       (++counter * 0x9e3779b9u);
}

void zc_rx_expect(int s, __u32 run, struct zc_rx_expect *exp,
		  unsigned int n, unsigned int timeout_ms,
		  struct zc_rx_report *rep)
{
	static unsigned char buf[65536];
	uint64_t end = zc_now_ms() + timeout_ms;
	unsigned int i;
	long last = -1;

	memset(rep, 0, sizeof(*rep));
	rep->first_missing = -1;
	rep->first_bad = -1;
	rep->first_stray = -1;
	for (i = 0; i < n; i++) {
		exp[i].seen = 0;
		exp[i].bad = 0;
		if (exp[i].want == 1)
			rep->wanted++;
	}
	for (;;) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		struct zc_rx_expect *e;
		__u32 r, seq;
		ssize_t len;
		uint64_t now;

		if (rep->complete == rep->wanted)
			break;
		len = recv(s, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		if (len < 0) {
			if (errno != EAGAIN && errno != EINTR)
				break;
			now = zc_now_ms();
			if (now >= end)
				break;
			poll(&p, 1, end - now > 100 ? 100 : (int)(end - now));
			continue;
		}
		if (zc_frame_tag(buf, (size_t)len < sizeof(buf) ? (size_t)len :
				 sizeof(buf), &r, &seq) || r != run)
			continue;
		if (seq >= n || exp[seq].want == 0) {
			if (!rep->stray++)
				rep->first_stray = (int)seq;
			continue;
		}
		e = &exp[seq];
		if ((long)seq < last)
			rep->reordered++;
		last = seq;
		if (e->data && ((size_t)len != e->len ||
				memcmp(buf, e->data, e->len))) {
			if (!e->bad++ && rep->first_bad < 0)
				rep->first_bad = (int)seq;
			rep->bad++;
			continue;
		}
		if (e->seen++)
			rep->dups++;
		else if (e->want == 1)
			rep->complete++;
	}
	for (i = 0; i < n; i++) {
		if (exp[i].want == 1 && !exp[i].seen) {
			rep->first_missing = (int)i;
			break;
		}
	}
}

void zc_rx_drain(int s)
{
	char b[64];

	while (recv(s, b, sizeof(b), MSG_DONTWAIT | MSG_TRUNC) >= 0)
		;
}

__u64 zc_batch_cookie(__u32 run, unsigned int i)
{
	return ((__u64)run << 32) | i;
}

int zc_batch_run(struct zc_ctx *c, struct zc_batch *b, int rx_fd, int tap_fd)
{
	struct zcnet_cq_entry *ents;
	struct zc_rx_expect *exp;
	uint64_t end;
	unsigned int i, got = 0;

	b->run = zc_new_run();
	b->collected = b->unknown = b->extra = 0;
	b->rx_checked = b->tap_checked = false;
	memset(&b->rx, 0, sizeof(b->rx));
	memset(&b->tap, 0, sizeof(b->tap));
	if (b->n > c->tx.entries - zc_tx_pending(&c->tx))
		return -ENOSPC;
	ents = calloc(b->n + 1, sizeof(*ents));
	exp = calloc(b->n + 1, sizeof(*exp));
	if (!ents || !exp) {
		free(ents);
		free(exp);
		return -ENOMEM;
	}
	for (i = 0; i < b->n; i++) {
		struct zc_frame *f = &b->f[i];

		f->ncomp = 0;
		f->result = 0;
		f->cflags = 0;
		if (f->data)
			zc_frame_fill(f->data, f->len, b->dst, b->src, b->run, i);
	}
	for (i = 0; i < b->n; i++) {
		struct zc_frame *f = &b->f[i];
		struct zcnet_tx_desc d = {
			.offset = f->offset,
			.len = f->len,
			.region = f->region,
			.flags = f->flags,
			.cookie = zc_batch_cookie(b->run, i),
			.sock = f->sock,
			.reserved0 = f->reserved0,
			.reserved1 = f->reserved1,
		};

		zc_tx_push(&c->tx, &d);
	}
	b->kick = zc_kick(c->fd, 0);
	if (b->kick < 0) {
		free(ents);
		free(exp);
		return (int)b->kick;
	}
	end = zc_now_ms() + ZC_CQ_WAIT_MS;
	while (got < b->n && zc_now_ms() < end) {
		got += zc_cq_collect(c, ents + got, b->n - got, 100);
		if (!b->kick_once && got < b->n && zc_tx_pending(&c->tx))
			zc_kick(c->fd, 0);
	}
	b->collected = got;
	for (i = 0; i < got; i++) {
		__u64 ck = ents[i].cookie;
		struct zc_frame *f;

		if ((ck >> 32) != b->run || (ck & 0xffffffffu) >= b->n) {
			b->unknown++;
			continue;
		}
		f = &b->f[ck & 0xffffffffu];
		f->ncomp++;
		f->result = ents[i].result;
		f->cflags = ents[i].flags;
	}
	b->extra = zc_cq_ready(&c->cq);
	for (i = 0; i < b->n; i++) {
		exp[i].data = b->f[i].data;
		exp[i].len = b->f[i].len;
		exp[i].want = b->f[i].arrive;
	}
	if (rx_fd >= 0) {
		zc_rx_expect(rx_fd, b->run, exp, b->n, ZC_RX_WAIT_MS, &b->rx);
		b->rx_checked = true;
	}
	if (tap_fd >= 0) {
		zc_rx_expect(tap_fd, b->run, exp, b->n, ZC_RX_WAIT_MS, &b->tap);
		b->tap_checked = true;
	}
	free(ents);
	free(exp);
	return 0;
}

void zc_problem(char *msg, size_t size, int *n, const char *fmt, ...)
{
	size_t used = strlen(msg);
	va_list ap;

	if ((*n)++ >= 6 || used + 2 >= size)
		return;
	if (used)
		strcat(msg, "; ");
	used = strlen(msg);
	va_start(ap, fmt);
	vsnprintf(msg + used, size - used, fmt, ap);
	va_end(ap);
}

void zc_rx_problems(const char *who, const struct zc_rx_report *r,
		    bool ordered, char *msg, size_t size, int *n)
{
	if (r->complete != r->wanted)
		zc_problem(msg, size, n, "%s: %u of %u frames missing (first seq %d)",
			   who, r->wanted - r->complete, r->wanted,
			   r->first_missing);
	if (r->bad)
		zc_problem(msg, size, n, "%s: %u frames with wrong bytes or length (first seq %d)",
			   who, r->bad, r->first_bad);
	if (r->dups)
		zc_problem(msg, size, n, "%s: %u duplicates", who, r->dups);
	if (r->stray)
		zc_problem(msg, size, n, "%s: %u frames that must not arrive (first seq %d)",
			   who, r->stray, r->first_stray);
	if (ordered && r->reordered)
		zc_problem(msg, size, n, "%s: %u frames out of ring order",
			   who, r->reordered);
}

int zc_batch_check(const struct zc_batch *b, char *msg, size_t size)
{
	unsigned int i;
	int n = 0;

	msg[0] = '\0';
	if (b->collected != b->n)
		zc_problem(msg, size, &n, "%u of %u completions in %u ms",
			   b->collected, b->n, ZC_CQ_WAIT_MS);
	if (b->unknown)
		zc_problem(msg, size, &n, "%u completions with unknown cookies",
			   b->unknown);
	if (b->extra)
		zc_problem(msg, size, &n, "%u completions more than descriptors",
			   b->extra);
	for (i = 0; i < b->n; i++) {
		const struct zc_frame *f = &b->f[i];
		__s32 want = f->good ? (__s32)f->len : f->want;
		bool copied = f->cflags & ZCNET_CQE_COPIED;

		if (f->ncomp != 1) {
			zc_problem(msg, size, &n, "frame %u (len %u): %u completions",
				   i, f->len, f->ncomp);
			continue;
		}
		if (f->result != want)
			zc_problem(msg, size, &n, "frame %u (len %u): result %d, want %d",
				   i, f->len, f->result, want);
		if (f->cflags & ~(__u32)ZCNET_CQE_COPIED)
			zc_problem(msg, size, &n, "frame %u: unknown flags 0x%x",
				   i, f->cflags);
		if (f->good && f->copied >= 0 && copied != (f->copied == 1))
			zc_problem(msg, size, &n, "frame %u (len %u): COPIED %s, want %s",
				   i, f->len, copied ? "set" : "clear",
				   f->copied ? "set" : "clear");
		if (!f->good && f->cflags)
			zc_problem(msg, size, &n, "frame %u: rejected with flags 0x%x",
				   i, f->cflags);
	}
	if (b->rx_checked)
		zc_rx_problems("peer", &b->rx, b->ordered, msg, size, &n);
	if (b->tap_checked)
		zc_rx_problems("tap", &b->tap, b->ordered, msg, size, &n);
	return n;
}

void zc_batch_copies(const struct zc_batch *b, __u64 *copied, __u64 *zerocopy)
{
	unsigned int i;

	*copied = *zerocopy = 0;
	for (i = 0; i < b->n; i++) {
		const struct zc_frame *f = &b->f[i];

		if (f->ncomp != 1 || f->result != (__s32)f->len)
			continue;
		if (f->cflags & ZCNET_CQE_COPIED)
			(*copied)++;
		else
			(*zerocopy)++;
	}
}

int zc_stream_init(struct zc_stream *s, struct zc_ctx *c,
		   __u16 region, __u32 nslots, __u32 len,
		   __u64 max)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->region = region;
	s->nslots = nslots;
	s->len = len;
	s->max = max;
	s->count = calloc(max, 1);
	s->result = calloc(max, sizeof(*s->result));
	if (!s->count || !s->result) {
		free(s->count);
		free(s->result);
		return -ENOMEM;
	}
	return 0;
}

void zc_stream_free(struct zc_stream *s)
{
	free(s->count);
	free(s->result);
	s->count = NULL;
	s->result = NULL;
}

void zc_stream_reap(struct zc_stream *s)
{
	struct zcnet_cq_entry e;

	while (!zc_cq_pop(&s->c->cq, &e)) {
		if (e.cookie >= s->pushed) {
			s->unknown++;
			continue;
		}
		if (s->count[e.cookie]) {
			s->dups++;
			if (s->count[e.cookie] < 255)
				s->count[e.cookie]++;
			continue;
		}
		s->count[e.cookie] = 1;
		s->result[e.cookie] = e.result;
		s->completed++;
	}
}

void zc_stream_step(struct zc_stream *s, unsigned int burst)
{
	unsigned int i;
	long k;

	zc_stream_reap(s);
	for (i = 0; i < burst && s->pushed < s->max; i++) {
		struct zcnet_tx_desc d = zc_raw(s->region,
						(s->pushed % s->nslots) * ZC_SLOT,
						s->len, s->pushed);

		if (zc_tx_push(&s->c->tx, &d))
			break;
		s->pushed++;
	}
	k = zc_kick(s->c->fd, 0);
	if (k < 0 && !s->kick_err)
		s->kick_err = k;
	zc_stream_reap(s);
}

__u64 zc_stream_consumed(const struct zc_stream *s)
{
	return zc_load_acquire(s->c->tx.consumer);
}

int zc_stream_finish(struct zc_stream *s, unsigned int timeout_ms)
{
	uint64_t end = zc_now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = s->c->fd, .events = POLLIN };

		zc_stream_reap(s);
		if (s->completed == s->pushed)
			return 0;
		if (zc_now_ms() > end)
			return -ETIMEDOUT;
		if (zc_tx_pending(&s->c->tx)) {
			long k = zc_kick(s->c->fd, 0);

			if (k < 0 && !s->kick_err)
				s->kick_err = k;
		}
		poll(&p, 1, 50);
	}
}

void zc_stream_check(const struct zc_stream *s, __u64 from,
		     __u64 to, const __s32 *allowed,
		     unsigned int nallowed, const char *what,
		     char *msg, size_t size, int *np,
		     __u64 *hist)
{
	__u64 missing = 0, dups = 0, wrong = 0, i;
	long first_missing = -1, first_dup = -1, first_wrong = -1;
	__s32 wrong_result = 0;
	unsigned int j;

	if (hist)
		memset(hist, 0, sizeof(*hist) * nallowed);
	for (i = from; i < to && i < s->max; i++) {
		bool ok = false;

		if (!s->count[i]) {
			if (!missing++)
				first_missing = (long)i;
			continue;
		}
		if (s->count[i] > 1 && !dups++)
			first_dup = (long)i;
		for (j = 0; j < nallowed; j++) {
			__s32 a = allowed[j] == ZC_STREAM_LEN ? (__s32)s->len :
								 allowed[j];

			if (s->result[i] == a) {
				ok = true;
				if (hist)
					hist[j]++;
				break;
			}
		}
		if (!ok && !wrong++) {
			first_wrong = (long)i;
			wrong_result = s->result[i];
		}
	}
	if (missing)
		zc_problem(msg, size, np, "%s: %llu without completion (first %ld)",
			   what, (unsigned long long)missing, first_missing);
	if (dups)
		zc_problem(msg, size, np, "%s: %llu completed more than once (first %ld)",
			   what, (unsigned long long)dups, first_dup);
	if (wrong)
		zc_problem(msg, size, np, "%s: %llu with an unexpected result (first %ld: %d)",
			   what, (unsigned long long)wrong, first_wrong,
			   wrong_result);
}
