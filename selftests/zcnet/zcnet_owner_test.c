// SPDX-License-Identifier: GPL-2.0
/*
 * zcnet: whose credentials the sends the kernel resumes by itself carry.
 *
 * When an attached socket's send buffer is full, the kick returns and the
 * rest of the slot's queue is sent later by a work item on a kworker, as
 * the socket gets room. That work must take on the credentials of the
 * process that opened the context (zcnet_kctx_as_owner()), as io_uring's
 * SQPOLL thread does, so that security modules and audit see the owner
 * and not the kworker's root. A BPF LSM program on socket_sendmsg, loaded
 * with raw bpf(2) calls (no libbpf: its BTF id comes from a small walk of
 * /sys/kernel/btf/vmlinux), counts the sendmsg() calls on our socket (it
 * learns the socket's address from one send of a magic length) by the
 * caller's uid and by whether the caller is the owner's process. A child
 * that turned uid 4242 opens /dev/zcnet (made world-accessible for the
 * test, and restored), attaches one end of a loopback TCP pair with small
 * buffers whose other end nobody reads yet, queues 4 MiB of zero-copy
 * descriptors and kicks once; then the parent reads. Checks: the kernel
 * resumed (sock_resumes), the program saw sends on our socket from tasks
 * other than the owner's process (the work item), all as uid 4242, and
 * none as any other uid; every descriptor completes once, in order, in
 * full, and the reader gets every byte. Before the change the resumed
 * sends ran as uid 0. Kernels without the BPF LSM (no BTF, no
 * bpf_lsm_socket_sendmsg, "bpf" not among the active LSMs) SKIP, as does a
 * build without ZCNET_FEAT_TX_SOCK.
 */
#include <sys/mount.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/btf.h>

#include "../kselftest_harness.h"
#include "zcnet_util.h"

#define OWNER_UID	4242
#define MAGIC_LEN	1237	/* the send that names our socket */
#define NDESC		64U
#define DESC_LEN	(64U << 10)	/* above the 8 KiB copy threshold */
#define NBUF		4U	/* buffers the descriptors cycle over */
#define RING		128U
#define SNDBUF		(16 << 10)
#define RCVBUF		(16 << 10)
#define MEMLOCK		(1U << 20)
#define KICK_WAIT_MS	30000U
#define WAIT_MS		40000U
#define EOF_WAIT_MS	10000U
#define TOTAL_BYTES	((uint64_t)MAGIC_LEN + (uint64_t)NDESC * DESC_LEN)

#define BTF_PATH	"/sys/kernel/btf/vmlinux"
#define LSM_HOOK	"bpf_lsm_socket_sendmsg"
#define SECFS_DIR	"/sys/kernel/security"

/* ------------------------------------------------------------------ */
/* BPF instructions, as the kernel's include/linux/filter.h spells them */
/* ------------------------------------------------------------------ */

#define BPF_RAW_INSN(c, d, s, o, i)					\
	((struct bpf_insn){ .code = (c), .dst_reg = (d),		\
			    .src_reg = (s), .off = (o), .imm = (i) })
#define BPF_MOV64_REG(d, s)						\
	BPF_RAW_INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define BPF_MOV32_REG(d, s)						\
	BPF_RAW_INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define BPF_MOV64_IMM(d, i)						\
	BPF_RAW_INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define BPF_ALU64_IMM(op, d, i)						\
	BPF_RAW_INSN(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define BPF_LDX_MEM(sz, d, s, o)					\
	BPF_RAW_INSN(BPF_LDX | (sz) | BPF_MEM, d, s, o, 0)
#define BPF_STX_MEM(sz, d, s, o)					\
	BPF_RAW_INSN(BPF_STX | (sz) | BPF_MEM, d, s, o, 0)
#define BPF_ST_MEM(sz, d, o, i)						\
	BPF_RAW_INSN(BPF_ST | (sz) | BPF_MEM, d, 0, o, i)
#define BPF_ATOMIC_ADD64(d, s, o)					\
	BPF_RAW_INSN(BPF_STX | BPF_DW | BPF_ATOMIC, d, s, o, BPF_ADD)
#define BPF_JMP_IMM(op, d, i, o)					\
	BPF_RAW_INSN(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define BPF_JMP_REG(op, d, s, o)					\
	BPF_RAW_INSN(BPF_JMP | (op) | BPF_X, d, s, o, 0)
#define BPF_JMP_A(o)		BPF_RAW_INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define BPF_EMIT_CALL(f)	BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define BPF_EXIT_INSN()	BPF_RAW_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
/* two instructions: an array initialiser's, as in the kernel */
#define BPF_LD_MAP_FD(d, fd)						\
	BPF_RAW_INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), \
	BPF_RAW_INSN(0, 0, 0, 0, 0)

#define R0	BPF_REG_0
#define R1	BPF_REG_1
#define R2	BPF_REG_2
#define R6	BPF_REG_6
#define R7	BPF_REG_7
#define R8	BPF_REG_8
#define R9	BPF_REG_9
#define R10	BPF_REG_10

/* The map: one entry of these u64 slots. */
enum {
	V_SOCK,		/* the struct socket * of the magic send */
	V_LATCHES,	/* magic sends that named it (must be 1) */
	V_OWN,		/* sends on it by the owner's process, as it */
	V_WORKER,	/* by any other task (the work item), as the owner */
	V_OTHER,	/* by anyone as another uid */
	V_OTHER_ID,	/* uid_gid of the last of those */
	V_TGID,		/* in: the owner's process */
	V_WORKER_TGID,	/* the last task counted in V_WORKER */
	V_NR
};

#define V(slot)		((slot) * 8)

/*
 * socket_sendmsg(struct socket *sock, struct msghdr *msg, int size): the
 * context is the arguments, a u64 each. R7 = sock, R8 = size, R9 = the
 * map's value. The first sock sent MAGIC_LEN bytes is ours; each send on
 * it is counted by uid and task. Never denies. A jump's offset counts from
 * the next instruction; the comments number the instructions and name
 * the jumps' targets.
 */
static int prog_insns(struct bpf_insn *insn, size_t max, int map_fd)
{
	const struct bpf_insn prog[] = {
		BPF_MOV64_REG(R6, R1),				/* 0 */
		BPF_LDX_MEM(BPF_DW, R7, R6, 0),			/* 1 */
		BPF_LDX_MEM(BPF_DW, R8, R6, 16),		/* 2 */
		BPF_MOV32_REG(R8, R8),				/* 3 */
		BPF_ST_MEM(BPF_W, R10, -4, 0),			/* 4 */
		BPF_MOV64_REG(R2, R10),				/* 5 */
		BPF_ALU64_IMM(BPF_ADD, R2, -4),			/* 6 */
		BPF_LD_MAP_FD(R1, map_fd),			/* 7, 8 */
		BPF_EMIT_CALL(BPF_FUNC_map_lookup_elem),	/* 9 */
		BPF_JMP_IMM(BPF_JEQ, R0, 0, 25),		/* 10 -> out */
		BPF_MOV64_REG(R9, R0),				/* 11 */
		BPF_LDX_MEM(BPF_DW, R1, R9, V(V_SOCK)),		/* 12 */
		BPF_JMP_REG(BPF_JEQ, R1, R7, 5),		/* 13 -> ours */
		BPF_JMP_IMM(BPF_JNE, R1, 0, 21),		/* 14 -> out */
		BPF_JMP_IMM(BPF_JNE, R8, MAGIC_LEN, 20),	/* 15 -> out */
		BPF_STX_MEM(BPF_DW, R9, R7, V(V_SOCK)),		/* 16 */
		BPF_MOV64_IMM(R1, 1),				/* 17 */
		BPF_ATOMIC_ADD64(R9, R1, V(V_LATCHES)),		/* 18 */
		BPF_EMIT_CALL(BPF_FUNC_get_current_uid_gid),	/* 19 ours */
		BPF_MOV32_REG(R1, R0),				/* 20 */
		BPF_JMP_IMM(BPF_JNE, R1, OWNER_UID, 11),	/* 21 -> else */
		BPF_EMIT_CALL(BPF_FUNC_get_current_pid_tgid),	/* 22 */
		BPF_ALU64_IMM(BPF_RSH, R0, 32),			/* 23 */
		BPF_LDX_MEM(BPF_DW, R1, R9, V(V_TGID)),		/* 24 */
		BPF_JMP_REG(BPF_JEQ, R0, R1, 4),		/* 25 -> own */
		BPF_STX_MEM(BPF_DW, R9, R0, V(V_WORKER_TGID)),	/* 26 */
		BPF_MOV64_IMM(R1, 1),				/* 27 */
		BPF_ATOMIC_ADD64(R9, R1, V(V_WORKER)),		/* 28 */
		BPF_JMP_A(6),					/* 29 -> out */
		BPF_MOV64_IMM(R1, 1),				/* 30 own */
		BPF_ATOMIC_ADD64(R9, R1, V(V_OWN)),		/* 31 */
		BPF_JMP_A(3),					/* 32 -> out */
		BPF_STX_MEM(BPF_DW, R9, R0, V(V_OTHER_ID)),	/* 33 else */
		BPF_MOV64_IMM(R1, 1),				/* 34 */
		BPF_ATOMIC_ADD64(R9, R1, V(V_OTHER)),		/* 35 */
		BPF_MOV64_IMM(R0, 0),				/* 36 out */
		BPF_EXIT_INSN(),				/* 37 */
	};

	if (ARRAY_SIZE(prog) > max)
		return -E2BIG;
	memcpy(insn, prog, sizeof(prog));
	return (int)ARRAY_SIZE(prog);
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return zc_err(syscall(__NR_bpf, cmd, attr, sizeof(*attr)));
}

static int map_create(void)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = sizeof(__u32);
	a.value_size = V_NR * sizeof(__u64);
	a.max_entries = 1;
	return (int)sys_bpf(BPF_MAP_CREATE, &a);
}

static long map_rw(int fd, __u64 *val, bool write)
{
	union bpf_attr a;
	__u32 key = 0;

	memset(&a, 0, sizeof(a));
	a.map_fd = (__u32)fd;
	a.key = (__u64)(uintptr_t)&key;
	a.value = (__u64)(uintptr_t)val;
	a.flags = write ? BPF_ANY : 0;
	return sys_bpf(write ? BPF_MAP_UPDATE_ELEM : BPF_MAP_LOOKUP_ELEM, &a);
}

/* fd, or -errno with the verifier's log in log (if it gave one). */
static int prog_load(int map_fd, __u32 btf_id, char *log, size_t log_size)
{
	struct bpf_insn insn[64];
	union bpf_attr a;
	int n = prog_insns(insn, ARRAY_SIZE(insn), map_fd);
	long fd;

	log[0] = '\0';
	if (n < 0)
		return n;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_LSM;
	a.expected_attach_type = BPF_LSM_MAC;
	a.attach_btf_id = btf_id;
	a.insns = (__u64)(uintptr_t)insn;
	a.insn_cnt = (__u32)n;
	a.license = (__u64)(uintptr_t)"GPL";
	memcpy(a.prog_name, "zcnet_owner", sizeof("zcnet_owner"));
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return (int)fd;
	/* again with the log: a short buffer could fail a good load */
	a.log_level = 1;
	a.log_buf = (__u64)(uintptr_t)log;
	a.log_size = (__u32)log_size;
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	return (int)fd;
}

/* A link fd (the program runs until it is closed), or -errno. */
static int prog_attach(int prog_fd, long *err2)
{
	union bpf_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.raw_tracepoint.name = 0;
	a.raw_tracepoint.prog_fd = (__u32)prog_fd;
	fd = sys_bpf(BPF_RAW_TRACEPOINT_OPEN, &a);
	if (fd >= 0)
		return (int)fd;
	*err2 = fd;
	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (__u32)prog_fd;
	a.link_create.attach_type = BPF_LSM_MAC;
	return (int)sys_bpf(BPF_LINK_CREATE, &a);
}

/* ------------------------------------------------------------------ */
/* BTF: the id of a FUNC                                               */
/* ------------------------------------------------------------------ */

/* Bytes that follow struct btf_type for a kind, or -1 if unknown. */
static long btf_tail(unsigned int kind, unsigned int vlen)
{
	switch (kind) {
	case BTF_KIND_INT:
		return sizeof(__u32);
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (long)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (long)vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return (long)vlen * sizeof(struct btf_param);
	case BTF_KIND_VAR:
		return sizeof(struct btf_var);
	case BTF_KIND_DATASEC:
		return (long)vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG:
		return sizeof(struct btf_decl_tag);
	case BTF_KIND_ENUM64:
		return (long)vlen * sizeof(struct btf_enum64);
	}
	return -1;
}

static void *read_all(const char *path, size_t *len)
{
	size_t size = 8 << 20, got = 0;
	char *buf = malloc(size);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (got == size) {
			char *nb = realloc(buf, size * 2);

			if (!nb)
				break;
			buf = nb;
			size *= 2;
		}
		n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0) {
				close(fd);
				*len = got;
				return buf;
			}
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	free(buf);
	return NULL;
}

/*
 * The type id of the FUNC called name in the kernel's BTF: > 0, 0 when
 * there is none, -ENOENT without BTF, -EINVAL when the blob makes no sense
 * (why says where).
 */
static long btf_func_id(const char *name, char *why, size_t wsize)
{
	const struct btf_header *h;
	const char *types, *strs, *p, *end;
	size_t len = 0, nlen = strlen(name);
	__u32 id = 1;
	long ret = 0;
	char *blob;

	why[0] = '\0';
	blob = read_all(BTF_PATH, &len);
	if (!blob)
		return errno == ENOENT ? -ENOENT : -EIO;
	h = (const struct btf_header *)blob;
	if (len < sizeof(*h) || h->magic != BTF_MAGIC ||
	    h->hdr_len < sizeof(*h) || h->hdr_len > len ||
	    (uint64_t)h->type_off + h->type_len > len - h->hdr_len ||
	    (uint64_t)h->str_off + h->str_len > len - h->hdr_len) {
		snprintf(why, wsize, "bad BTF header (%zu bytes)", len);
		free(blob);
		return -EINVAL;
	}
	types = blob + h->hdr_len + h->type_off;
	strs = blob + h->hdr_len + h->str_off;
	end = types + h->type_len;
	for (p = types; p < end; id++) {
		const struct btf_type *t = (const struct btf_type *)p;
		unsigned int kind;
		long tail;

		if ((size_t)(end - p) < sizeof(*t)) {
			snprintf(why, wsize, "type %u cut short", id);
			ret = -EINVAL;
			break;
		}
		kind = BTF_INFO_KIND(t->info);
		tail = btf_tail(kind, BTF_INFO_VLEN(t->info));
		if (tail < 0 || (size_t)(end - p) - sizeof(*t) < (size_t)tail) {
			snprintf(why, wsize, "type %u: kind %u, %ld bytes", id,
				 kind, tail);
			ret = -EINVAL;
			break;
		}
		if (kind == BTF_KIND_FUNC && t->name_off < h->str_len &&
		    h->str_len - t->name_off > nlen &&
		    !memcmp(strs + t->name_off, name, nlen + 1)) {
			ret = id;
			break;
		}
		p += sizeof(*t) + (size_t)tail;
	}
	free(blob);
	return ret;
}

/* ------------------------------------------------------------------ */
/* the active LSMs                                                     */
/* ------------------------------------------------------------------ */

/*
 * securityfs's "lsm" (the active LSMs, comma-separated) into buf: 0 or
 * -errno. Where securityfs is not mounted, a child mounts it in a mount
 * namespace of its own, so nothing changes for the rest of the system.
 */
static int lsm_list(char *buf, size_t size)
{
	ssize_t n;
	int p[2];
	pid_t pid;

	if (zc_read_file(SECFS_DIR "/lsm", buf, size) > 0)
		return 0;
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = zc_fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -EAGAIN;
	}
	if (pid == 0) {
		char b[256];

		close(p[0]);
		if (unshare(CLONE_NEWNS))
			_exit(1);
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
		if (mount("securityfs", SECFS_DIR, "securityfs", 0, NULL))
			_exit(2);
		n = zc_read_file(SECFS_DIR "/lsm", b, sizeof(b));
		if (n > 0)
			zc_write_full(p[1], b, (size_t)n);
		_exit(n > 0 ? 0 : 3);
	}
	close(p[1]);
	n = read(p[0], buf, size - 1);
	close(p[0]);
	zc_wait(pid);
	if (n <= 0)
		return -ENOENT;
	buf[n] = '\0';
	return 0;
}

static bool lsm_has(const char *list, const char *name)
{
	size_t len = strlen(name);
	const char *s = list;

	while ((s = strstr(s, name))) {
		if ((s == list || s[-1] == ',') &&
		    (s[len] == ',' || s[len] == '\0' || s[len] == '\n'))
			return true;
		s += len;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* the owner: an unprivileged child                                    */
/* ------------------------------------------------------------------ */

enum step {
	STEP_USER = 1, STEP_GO, STEP_MAGIC, STEP_OPEN, STEP_MEM, STEP_REG,
	STEP_ATTACH, STEP_PUSH, STEP_KICK, STEP_KICKED, STEP_DONE,
};

static const char *const step_names[] = {
	[STEP_USER] = "becoming uid 4242",
	[STEP_GO] = "waiting for the parent",
	[STEP_MAGIC] = "the magic send",
	[STEP_OPEN] = "opening a context",
	[STEP_MEM] = "allocating memory",
	[STEP_REG] = "registering memory",
	[STEP_ATTACH] = "attaching the socket",
	[STEP_PUSH] = "pushing descriptors",
	[STEP_KICK] = "the kick",
	[STEP_KICKED] = "after the kick",
	[STEP_DONE] = "done",
};

/* What the child reports: once after the kick, once at the end. */
struct kid {
	int step;		/* the step reached, or that failed */
	int err;		/* -errno of the failed step, 0 */
	long kick;		/* the kick's result */
	unsigned int done_at_kick;	/* completions when it returned */
	unsigned int completed;		/* completions popped */
	unsigned int once;		/* completed exactly once */
	unsigned int bad_result;	/* result not DESC_LEN */
	__s32 first_bad_result;
	unsigned int bad_flags;		/* flags other than COPIED */
	unsigned int out_of_order;
	unsigned int unknown;		/* cookies never pushed */
	unsigned int extra;		/* left on the CQ afterwards */
	__u64 sock_resumes;
	__u64 tx_descs;
	__u64 inflight;
};

static unsigned char buf_byte(unsigned int b, size_t k)
{
	return (unsigned char)(b * 71 + k * 131 + (k >> 8) + (k >> 13));
}

/* The byte at stream position p (the magic send's bytes first). */
static unsigned char stream_byte(uint64_t p)
{
	uint64_t q;

	if (p < MAGIC_LEN)
		return 0x5a;
	q = p - MAGIC_LEN;
	return buf_byte((unsigned int)((q / DESC_LEN) % NBUF), q % DESC_LEN);
}

static void kid_report(int fd, const struct kid *k)
{
	zc_write_full(fd, k, sizeof(*k));
}

__attribute__((noreturn))
static void kid_fail(int fd, struct kid *k, int step, long err)
{
	k->step = step;
	k->err = err ? (int)err : -EIO;
	kid_report(fd, k);
	_exit(0);
}

__attribute__((noreturn))
static void owner_child(int go_fd, int rep_fd, int tx)
{
	unsigned char seen[NDESC] = { 0 };
	struct zcnet_stats st;
	struct zc_ctx c = { .fd = -1 };
	struct kid k = { 0 };
	unsigned char *mem, magic[MAGIC_LEN];
	uint64_t end;
	__u32 id, slot, i;
	size_t j;
	long ret;
	char go;

	ret = zc_become_user(OWNER_UID, MEMLOCK);
	if (ret)
		kid_fail(rep_fd, &k, STEP_USER, ret);
	if (read(go_fd, &go, 1) != 1)
		kid_fail(rep_fd, &k, STEP_GO, -EPIPE);
	memset(magic, 0x5a, sizeof(magic));
	ret = zc_err(send(tx, magic, sizeof(magic), MSG_NOSIGNAL));
	if (ret != MAGIC_LEN)
		kid_fail(rep_fd, &k, STEP_MAGIC, ret < 0 ? ret : -EIO);
	ret = zc_ctx_open(&c, RING, RING, 0, 0);
	if (ret)
		kid_fail(rep_fd, &k, STEP_OPEN, ret);
	mem = zc_alloc_pages((size_t)NBUF * DESC_LEN / zc_page_size());
	if (!mem)
		kid_fail(rep_fd, &k, STEP_MEM, -ENOMEM);
	for (i = 0; i < NBUF; i++)
		for (j = 0; j < DESC_LEN; j++)
			mem[(size_t)i * DESC_LEN + j] = buf_byte(i, j);
	ret = zc_reg(c.fd, mem, (__u64)NBUF * DESC_LEN, &id);
	if (ret)
		kid_fail(rep_fd, &k, STEP_REG, ret);
	ret = zc_sock_attach(c.fd, tx, 0, &slot);
	if (ret)
		kid_fail(rep_fd, &k, STEP_ATTACH, ret);
	for (i = 0; i < NDESC; i++) {
		__u64 off = (__u64)(i % NBUF) * DESC_LEN;
		struct zcnet_tx_desc d = zc_sock_desc(id, off, DESC_LEN, slot,
						      i);

		ret = zc_tx_push(&c.tx, &d);
		if (ret)
			kid_fail(rep_fd, &k, STEP_PUSH, ret);
	}
	k.kick = zc_kick(c.fd, 0);
	if (k.kick < 0)
		kid_fail(rep_fd, &k, STEP_KICK, k.kick);
	k.done_at_kick = zc_cq_ready(&c.cq);
	k.step = STEP_KICKED;
	kid_report(rep_fd, &k);

	/* no more kicks: the kernel must finish by itself */
	end = zc_now_ms() + WAIT_MS;
	while (k.completed < NDESC && zc_now_ms() < end) {
		struct zcnet_cq_entry e;

		if (zc_cq_collect(&c, &e, 1, 200) != 1)
			continue;
		if (e.cookie >= NDESC) {
			k.unknown++;
			continue;
		}
		if (e.cookie != k.completed)
			k.out_of_order++;
		k.completed++;
		seen[e.cookie]++;
		if (seen[e.cookie] == 1)
			k.once++;
		else if (seen[e.cookie] == 2)
			k.once--;	/* no longer exactly once */
		if (e.result != (__s32)DESC_LEN && !k.bad_result++)
			k.first_bad_result = e.result;
		if (e.flags & ~(__u32)ZCNET_CQE_COPIED)
			k.bad_flags++;
	}
	zc_sleep_ms(100);
	k.extra = zc_cq_ready(&c.cq);
	ret = zc_get_stats(c.fd, &st);
	if (!ret) {
		k.sock_resumes = st.sock_resumes;
		k.tx_descs = st.tx_descs;
		k.inflight = st.inflight;
	}
	zc_sock_detach(c.fd, slot);
	zc_ctx_close(&c);
	close(tx);
	k.step = STEP_DONE;
	k.err = (int)ret;
	kid_report(rep_fd, &k);
	_exit(0);
}

/* Read one report, waiting up to ms: 0 or -errno. */
static int kid_read(int fd, struct kid *k, unsigned int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	do {
		n = poll(&p, 1, (int)ms);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n ? -errno : -ETIMEDOUT;
	return zc_read_full(fd, k, sizeof(*k));
}

/* ------------------------------------------------------------------ */
/* the reader                                                          */
/* ------------------------------------------------------------------ */

struct reader {
	uint64_t bytes;
	uint64_t bad;		/* bytes not matching the stream */
	uint64_t first_bad;
	bool eof;
	int err;
};

/* Read fd until EOF, want bytes have come and no EOF for eof_ms, or ms. */
static void reader_run(int fd, struct reader *r, unsigned int ms)
{
	unsigned char *buf = malloc(1 << 16);
	uint64_t end = zc_now_ms() + ms;
	uint64_t eof_end = 0;

	while (buf) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = zc_now_ms();
		ssize_t n, i;

		if (r->bytes >= TOTAL_BYTES && !eof_end)
			eof_end = now + EOF_WAIT_MS;
		if (now > end || (eof_end && now > eof_end))
			break;
		if (poll(&p, 1, 200) <= 0)
			continue;
		n = read(fd, buf, 1 << 16);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			r->err = -errno;
			break;
		}
		if (n == 0) {
			r->eof = true;
			break;
		}
		for (i = 0; i < n; i++) {
			if (buf[i] != stream_byte(r->bytes + (uint64_t)i) &&
			    !r->bad++)
				r->first_bad = r->bytes + (uint64_t)i;
		}
		r->bytes += (uint64_t)n;
	}
	if (!buf)
		r->err = -ENOMEM;
	free(buf);
}

/* A loopback TCP pair with small buffers: 0 or -errno. */
static int tcp_pair(int *tx, int *rx)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int l, s, c, snd = SNDBUF, rcv = RCVBUF, err = 0;

	*tx = *rx = -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return -errno;
	/* the accepted socket inherits the small receive buffer */
	if (setsockopt(l, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)) ||
	    bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &alen)) {
		err = -errno;
		close(l);
		return err;
	}
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd)) ||
	    connect(s, (struct sockaddr *)&a, sizeof(a))) {
		err = -errno;
		if (s >= 0)
			close(s);
		close(l);
		return err;
	}
	c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	err = c < 0 ? -errno : 0;
	close(l);
	if (err) {
		close(s);
		return err;
	}
	*tx = s;
	*rx = c;
	return 0;
}

/* ------------------------------------------------------------------ */
/* the test                                                            */
/* ------------------------------------------------------------------ */

FIXTURE(owner) {
	int map_fd, prog_fd, link_fd;
	bool chmodded;
	mode_t old_mode;
	char log[1 << 16];
};

FIXTURE_SETUP(owner)
{
	char why[128], lsms[256];
	const char *skip;
	long id, err2 = 0;
	int ret;

	self->map_fd = self->prog_fd = self->link_fd = -1;
	self->chmodded = false;
	skip = zc_fixture_skip(ZCNET_FEAT_TX_SOCK, NULL);
	if (skip)
		SKIP(return, "%s", skip);
	id = btf_func_id(LSM_HOOK, why, sizeof(why));
	if (id == -ENOENT)
		SKIP(return, "no BPF LSM in this kernel: no %s (BTF)",
		     BTF_PATH);
	ASSERT_LE(0, id) TH_LOG("%s: %s", BTF_PATH, why);
	if (!id)
		SKIP(return, "no BPF LSM in this kernel: BTF has no %s",
		     LSM_HOOK);
	ret = lsm_list(lsms, sizeof(lsms));
	if (!ret && !lsm_has(lsms, "bpf"))
		SKIP(return, "the BPF LSM is not active (lsm=%s)",
		     strtok(lsms, "\n"));
	if (ret)
		TH_LOG("active LSMs unknown (%s): trying anyway",
		       strerror(-ret));
	self->map_fd = map_create();
	ASSERT_LE(0, self->map_fd) TH_LOG("BPF_MAP_CREATE: %s",
					  strerror(-self->map_fd));
	self->prog_fd = prog_load(self->map_fd, (__u32)id, self->log,
				  sizeof(self->log));
	ASSERT_LE(0, self->prog_fd)
		TH_LOG("BPF_PROG_LOAD (%s, BTF id %ld): %s\n%s", LSM_HOOK, id,
		       strerror(-self->prog_fd), self->log);
	self->link_fd = prog_attach(self->prog_fd, &err2);
	ASSERT_LE(0, self->link_fd)
		TH_LOG("attach: BPF_RAW_TRACEPOINT_OPEN: %s, BPF_LINK_CREATE: %s",
		       strerror((int)-err2), strerror(-self->link_fd));
}

/* The program goes with the test process's fds; the mode is put back. */
FIXTURE_TEARDOWN_PARENT(owner)
{
	if (self->chmodded && chmod(ZC_DEV_PATH, self->old_mode))
		fprintf(stderr, "# could not restore the mode of %s\n",
			ZC_DEV_PATH);
}

TEST_F_TIMEOUT(owner, resumed_sends_carry_owner_creds, 120)
{
	struct reader r = { 0 };
	struct kid k1 = { 0 }, k2 = { 0 };
	__u64 v[V_NR] = { 0 };
	int tx, rx, go[2], rep[2], ret;
	struct stat sb;
	pid_t pid;

	ASSERT_EQ(0, stat(ZC_DEV_PATH, &sb));
	self->old_mode = sb.st_mode & 07777;
	ASSERT_EQ(0, chmod(ZC_DEV_PATH, 0666));
	self->chmodded = true;
	ret = tcp_pair(&tx, &rx);
	ASSERT_EQ(0, ret) TH_LOG("loopback TCP pair: %s", strerror(-ret));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	pid = zc_fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(go[1]);
		close(rep[0]);
		close(rx);
		close(self->link_fd);
		close(self->prog_fd);
		close(self->map_fd);
		owner_child(go[0], rep[1], tx);
	}
	close(go[0]);
	close(rep[1]);
	close(tx);
	v[V_TGID] = (__u64)pid;
	ASSERT_EQ(0, map_rw(self->map_fd, v, true));
	ASSERT_EQ(1, write(go[1], "g", 1));

	ret = kid_read(rep[0], &k1, KICK_WAIT_MS);
	ASSERT_EQ(0, ret) TH_LOG("no word from the owner: %s", strerror(-ret));
	ASSERT_EQ(STEP_KICKED, k1.step)
		TH_LOG("the owner failed at %s: %s", step_names[k1.step],
		       strerror(-k1.err));
	TH_LOG("the kick consumed %ld, %u completed when it returned",
	       k1.kick, k1.done_at_kick);
	EXPECT_EQ((long)NDESC, k1.kick);
	/* 4 MiB cannot fit in the socket and an unread receiver */
	EXPECT_GT(NDESC, k1.done_at_kick)
		TH_LOG("the socket never filled: nothing was left to resume");

	reader_run(rx, &r, WAIT_MS);
	ret = kid_read(rep[0], &k2, WAIT_MS);
	zc_wait(pid);
	close(rx);
	close(go[1]);
	close(rep[0]);
	ASSERT_EQ(0, ret) TH_LOG("no final word from the owner: %s",
				 strerror(-ret));
	ASSERT_EQ(STEP_DONE, k2.step);
	ASSERT_EQ(0, map_rw(self->map_fd, v, false));

	TH_LOG("owner: %u completed (%u once, %u out of order, %u bad, %u unknown, %u extra)",
	       k2.completed, k2.once, k2.out_of_order, k2.bad_result,
	       k2.unknown, k2.extra);
	TH_LOG("owner: sock_resumes %llu, inflight %llu",
	       (unsigned long long)k2.sock_resumes,
	       (unsigned long long)k2.inflight);
	TH_LOG("reader: %llu of %llu bytes, %llu bad (first at %llu), eof %d, err %d",
	       (unsigned long long)r.bytes, (unsigned long long)TOTAL_BYTES,
	       (unsigned long long)r.bad, (unsigned long long)r.first_bad,
	       r.eof, r.err);
	TH_LOG("sendmsg on our socket: %llu latch, %llu by the owner's process",
	       (unsigned long long)v[V_LATCHES], (unsigned long long)v[V_OWN]);
	TH_LOG("sendmsg on our socket: %llu by other tasks as uid %d (last tgid %llu)",
	       (unsigned long long)v[V_WORKER], OWNER_UID,
	       (unsigned long long)v[V_WORKER_TGID]);
	TH_LOG("sendmsg on our socket: %llu as another uid (last uid %llu gid %llu)",
	       (unsigned long long)v[V_OTHER],
	       (unsigned long long)(v[V_OTHER_ID] & 0xffffffffu),
	       (unsigned long long)(v[V_OTHER_ID] >> 32));

	/* the stream went through, each descriptor once, in order, whole */
	EXPECT_EQ(0, k2.err);
	EXPECT_EQ(NDESC, k2.completed);
	EXPECT_EQ(NDESC, k2.once);
	EXPECT_EQ(0U, k2.out_of_order);
	EXPECT_EQ(0U, k2.bad_result)
		TH_LOG("first bad result %d", k2.first_bad_result);
	EXPECT_EQ(0U, k2.bad_flags);
	EXPECT_EQ(0U, k2.unknown);
	EXPECT_EQ(0U, k2.extra);
	EXPECT_EQ(TOTAL_BYTES, r.bytes);
	EXPECT_EQ(0U, r.bad);
	EXPECT_EQ(0, r.err);
	EXPECT_TRUE(r.eof);
	/* the path under test ran */
	EXPECT_LT(0U, k2.sock_resumes)
		TH_LOG("the kernel never resumed: the work item was not exercised");
	/* the program saw our socket, from the owner's own sends on */
	ASSERT_EQ(1U, v[V_LATCHES])
		TH_LOG("the program never saw the magic send: no hook ran");
	EXPECT_LE(2U, v[V_OWN]) TH_LOG("the magic send and the kick's");
	/* and the resumed sends as the owner, never as anyone else */
	EXPECT_LT(0U, v[V_WORKER])
		TH_LOG("no send on the socket from the work item as uid %d",
		       OWNER_UID);
	EXPECT_EQ(0U, v[V_OTHER])
		TH_LOG("%llu sends on the socket as uid %llu, not the owner's %d",
		       (unsigned long long)v[V_OTHER],
		       (unsigned long long)(v[V_OTHER_ID] & 0xffffffffu),
		       OWNER_UID);
}

TEST_HARNESS_MAIN
