/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * zcnet: zero-copy networking from registered user memory.
 *
 * A program opens /dev/zcnet (one open file is one context), sets up its
 * rings with ZCNET_IOC_SETUP, reads where they live with
 * ZCNET_IOC_GET_OFFSETS, mmaps each ring (MAP_SHARED) at the reported
 * mmap_offset, registers memory with ZCNET_IOC_REG_REGION, and then produces
 * descriptors that point into that memory.
 *
 * Extensible structs
 *   Every ioctl argument starts with __u32 size and __u32 flags. The caller
 *   sets size to sizeof() of the struct it was compiled with. The kernel
 *   accepts any size from the struct's _SIZE_VER0 up to one page:
 *   - shorter than _SIZE_VER0:                     EINVAL
 *   - longer than the kernel knows, tail non-zero:  E2BIG
 *   - longer than the kernel knows, tail zero:      accepted
 *   A size above 4096 is E2BIG. Unknown flag bits and non-zero reserved
 *   fields: EINVAL. For the structs the kernel fills (GET_INFO, GET_OFFSETS,
 *   GET_STATS) only size and flags are read, so the tail rule does not
 *   apply; the kernel writes min(size, kernel size) bytes, zeroes the rest
 *   of the caller's struct, and stores the number of bytes it filled in
 *   size.
 *
 * Ioctl numbers
 *   The kernel matches an ioctl on its type, number and direction; the size
 *   encoded in the number is ignored, the size field is authoritative. An
 *   unknown ioctl gets ENOTTY. Ioctls of capabilities this build does not
 *   offer (see zcnet_info.features) get EOPNOTSUPP.
 *
 * Rings
 *   Four single-producer/single-consumer rings of fixed-size entries:
 *     TX    user -> kernel  struct zcnet_tx_desc   what to send
 *     CQ    kernel -> user  struct zcnet_cq_entry  one per accepted TX desc
 *     FILL  user -> kernel  struct zcnet_fill_desc buffers for receive
 *     RX    kernel -> user  struct zcnet_rx_desc   received frames
 *   With ZCNET_SETUP_CQ_TSTAMP or ZCNET_SETUP_RX_TSTAMP the CQ or RX
 *   entries are the longer struct zcnet_cq_entry_ts or zcnet_rx_desc_ts,
 *   which start with the default ones (see "Timestamps" below). Step
 *   from entry to entry by zcnet_ring_offset.entry_size.
 *   Sizes are powers of two in [ZCNET_RING_MIN_ENTRIES,
 *   ZCNET_RING_MAX_ENTRIES]. TX and CQ are set up together, as are FILL and
 *   RX; a pair may be left out by giving both sizes as 0. Ring memory, like
 *   all of a context's long-lived kernel memory, is charged to the memory
 *   cgroup of the task that allocates it (ZCNET_IOC_SETUP): beyond its
 *   memory.max, ENOMEM. A ring mapping keeps the context alive after its
 *   fd is closed, and stays charged until the last mapping goes.
 *
 *   Each ring is one mapping holding a producer index, a consumer index, a
 *   flags word and the entries, each group on its own cache line. Their byte
 *   offsets inside the mapping are reported in struct zcnet_ring_offset and
 *   must not be assumed. Indices are free-running __u32 counters; entry i
 *   lives at slot (i & (entries - 1)). The ring holds (producer - consumer)
 *   entries, never more than entries.
 *
 * Memory ordering (the same protocol on all four rings)
 *   Producer:                          Consumer:
 *     if (prod - LOAD_ACQ(cons) < n) (C)  if (LOAD_ACQ(prod) != cons)   (B)
 *       write entry[prod & mask]            read entry[cons & mask]
 *       STORE_REL(prod, prod + 1)    (A)    STORE_REL(cons, cons + 1)   (D)
 *   (A) pairs with (B): a consumer that sees the new producer sees the
 *   entry. (D) pairs with (C): a producer that sees the new consumer may
 *   overwrite the slot, because the consumer has finished reading it. In
 *   C11 terms: __atomic_load_n with __ATOMIC_ACQUIRE and __atomic_store_n
 *   with __ATOMIC_RELEASE.
 *
 *   The kernel reads each user-written entry exactly once into a private
 *   copy and validates that copy. It keeps its own copy of the indices it
 *   owns and only publishes them. A user producer index more than the ring
 *   size ahead of the kernel's consumer is corrupt: ZCNET_IOC_KICK fails with
 *   EINVAL, poll reports POLLERR, ring_errors counts it, nothing is consumed.
 *
 * Completions
 *   Every TX descriptor the kernel consumes gets exactly one CQ entry,
 *   carrying its cookie. The kernel never consumes more TX descriptors than
 *   it has free CQ slots for, so a completion is never dropped: keep the CQ
 *   drained. The CQ eventfd is signalled at most once per batch of
 *   completions the kernel posts together, and only when the CQ producer
 *   moved since the last signal. poll() on the zcnet fd reports POLLIN while
 *   the CQ or the RX ring holds entries and POLLOUT while the TX ring has
 *   room.
 *
 * fork
 *   Ring mappings are not VM_DONTCOPY. A child inherits them as shared
 *   mappings of the same ring memory, and the fd as the same context:
 *   what either process writes to a ring the other sees, either may kick,
 *   and completions of both land on the one CQ. The rings stay
 *   single-producer and single-consumer, so the two processes must not
 *   produce (or consume) on the same ring at once. Registered memory stays
 *   pinned once, for the context. Private anonymous region memory that is
 *   pinned is copied for the child at fork, so the kernel keeps sending
 *   from the parent's pages: a child that fills frames needs shared
 *   memory (memfd or MAP_SHARED). The context lives until the last fd and
 *   mapping in any process is gone.
 */
#ifndef _UAPI_LINUX_ZCNET_H
#define _UAPI_LINUX_ZCNET_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define ZCNET_DEVICE_NAME	"zcnet"
#define ZCNET_ABI_VERSION	1

/* Limits, also reported at run time by ZCNET_IOC_GET_INFO. */
#define ZCNET_RING_MIN_ENTRIES	8
#define ZCNET_RING_MAX_ENTRIES	32768
#define ZCNET_MAX_REGIONS	64
/*
 * Socket slots: zcnet_info.max_sockets is the authority (up to 65535, set
 * by the module parameter max_sockets, 4096 by default). ZCNET_MAX_SOCKETS
 * is the fewest any kernel of this ABI offers. Slots are handed out lowest
 * free first, so a program that never holds more than n attached sockets
 * gets slots below n, and an array of n entries indexed by slot is enough.
 */
#define ZCNET_MAX_SOCKETS	16
#define ZCNET_MAX_SOCKETS_LIMIT	65535

/* zcnet_info.features */
#define ZCNET_FEAT_RINGS	(1ULL << 0)	/* setup, offsets, mmap, kick */
#define ZCNET_FEAT_REGIONS	(1ULL << 1)	/* registered memory */
#define ZCNET_FEAT_EVENTFD	(1ULL << 2)	/* CQ and RX eventfds, poll */
#define ZCNET_FEAT_TX_NOP	(1ULL << 3)	/* ZCNET_TX_NOP descriptors */
#define ZCNET_FEAT_TX_RAW	(1ULL << 4)	/* raw frames on a bound device */
#define ZCNET_FEAT_RX		(1ULL << 5)	/* receive into posted buffers */
#define ZCNET_FEAT_TX_SOCK	(1ULL << 6)	/* send on attached sockets */
#define ZCNET_FEAT_TX_GSO	(1ULL << 7)	/* ZCNET_TX_GSO on UDP slots */
#define ZCNET_FEAT_RX_SHARED	(1ULL << 8)	/* contexts per device, RX queue */
#define ZCNET_FEAT_REGION_IMPORT (1ULL << 9)	/* ZCNET_IOC_IMPORT_REGION */
#define ZCNET_FEAT_BUSY_POLL	(1ULL << 10)	/* ZCNET_PARAM_BUSY_POLL_* */
#define ZCNET_FEAT_TX_VNET_HDR	(1ULL << 11)	/* ZCNET_TX_VNET_HDR raw frames */
#define ZCNET_FEAT_TIMESTAMPS	(1ULL << 12)	/* ZCNET_SETUP_*_TSTAMP */
#define ZCNET_FEAT_REGION_READONLY (1ULL << 13)	/* ZCNET_REGION_READONLY */
#define ZCNET_FEAT_RX_WAKE	(1ULL << 14)	/* ZCNET_PARAM_RX_WAKE_* */

struct zcnet_info {
	__u32 size;
	__u32 flags;			/* must be 0 */
	__u32 abi_version;		/* ZCNET_ABI_VERSION */
	__u32 ring_min_entries;
	__u32 ring_max_entries;
	__u32 max_regions;
	__u64 features;			/* ZCNET_FEAT_* this build offers */
	__u64 max_region_len;		/* bytes */
	__u32 max_sockets;		/* slots per context */
	__u32 tx_desc_size;		/* sizeof of each ring's entry */
	__u32 cq_entry_size;
	__u32 fill_desc_size;
	__u32 rx_desc_size;
	__u32 tx_vnet_gso;		/* 1 << gso_type, see ZCNET_TX_VNET_HDR */
};
#define ZCNET_INFO_SIZE_VER0	64

/*
 * Timestamps (ZCNET_FEAT_TIMESTAMPS). A program asks for them at setup, per
 * ring, with zcnet_setup.flags; other bits are EINVAL, as is a flag for a
 * ring that is not set up (cq_entries or rx_entries 0). Without the flags
 * every ring has the layout and entry size it always had.
 *
 *   ZCNET_SETUP_CQ_TSTAMP: CQ entries are struct zcnet_cq_entry_ts, a
 *   struct zcnet_cq_entry followed by a 64-bit stamp: the time the kernel
 *   learned the buffer was free and posted the completion. For a raw
 *   frame that is when the driver released the last of its pages, for a
 *   socket descriptor when the stack did (TCP: once the data was
 *   acknowledged), for one the stack or the kernel copied when the copy
 *   was done. Descriptors that complete at submit, a NOP and a
 *   descriptor rejected with -errno, are stamped when the kick posts
 *   their completion: a NOP's stamp tells when the kernel consumed it.
 *   Completions of one socket slot come in ring order, so one whose
 *   pages came back before an earlier one's is stamped with the later
 *   time. The CQ is stamped as it is filled: stamps never decrease from
 *   one CQ entry to the next.
 *
 *   ZCNET_SETUP_RX_TSTAMP: RX entries are struct zcnet_rx_desc_ts, a
 *   struct zcnet_rx_desc followed by a 64-bit stamp: the time zcnet took
 *   the frame from the device's receive path, before it looked for a
 *   buffer. All frames split from one GRO or GSO packet carry the same
 *   stamp. It is later than the time the frame reached the host, by the
 *   interrupt and softirq latency, and is not the skb's own receive
 *   timestamp, which counts CLOCK_REALTIME.
 *
 * Stamps are nanoseconds of CLOCK_MONOTONIC, as clock_gettime() reads it,
 * taken in software by the kernel (ktime_get_ns()), and are then flagged
 * ZCNET_CQE_TSTAMP_SW or ZCNET_RX_TSTAMP_SW. An entry of the stamped
 * layout without such a flag carries no stamp (tstamp is 0); a later
 * kernel may add other kinds of stamp (from the NIC's clock) under flags
 * of their own, so read the stamp only when a flag says what it is.
 * zcnet_ring_offset.entry_size reports the entry size in force for each
 * ring (ZCNET_CQ_ENTRY_TS_SIZE, ZCNET_RX_DESC_TS_SIZE); zcnet_info's
 * cq_entry_size and rx_desc_size keep reporting the default layouts.
 */
#define ZCNET_SETUP_CQ_TSTAMP	(1U << 0)	/* struct zcnet_cq_entry_ts */
#define ZCNET_SETUP_RX_TSTAMP	(1U << 1)	/* struct zcnet_rx_desc_ts */

struct zcnet_setup {
	__u32 size;
	__u32 flags;			/* ZCNET_SETUP_* */
	__u32 tx_entries;		/* 0 (with cq_entries 0) or a power of 2 */
	__u32 cq_entries;
	__u32 fill_entries;		/* 0 (with rx_entries 0) or a power of 2 */
	__u32 rx_entries;
	__u64 reserved[2];
};
#define ZCNET_SETUP_SIZE_VER0	40

/* Where one ring lives. All fields are written by the kernel. */
struct zcnet_ring_offset {
	__u64 mmap_offset;		/* pass as mmap()'s offset */
	__u64 mmap_len;			/* largest length mmap() accepts */
	__u32 producer;			/* byte offsets inside the mapping */
	__u32 consumer;
	__u32 flags;
	__u32 desc;
	__u32 entries;			/* 0: this ring was not set up */
	__u32 entry_size;
};

struct zcnet_offsets {
	__u32 size;
	__u32 flags;			/* must be 0 */
	struct zcnet_ring_offset tx;
	struct zcnet_ring_offset cq;
	struct zcnet_ring_offset fill;
	struct zcnet_ring_offset rx;
};
#define ZCNET_OFFSETS_SIZE_VER0	168

/*
 * Registered memory. addr and len must be page aligned, len non-zero and at
 * most max_region_len (else EINVAL); addr + len must not wrap (EOVERFLOW)
 * and must be mapped (EFAULT); the range must not overlap a region of the
 * same context (EEXIST); at most max_regions per context (ENOSPC). Private
 * or shared anonymous memory, memfd/shmem and hugetlb mappings are
 * accepted; with ZCNET_REGION_READONLY also regular files (below). Other
 * mappings: EOPNOTSUPP. The pages are pinned long-term and charged to
 * RLIMIT_MEMLOCK unless the caller has CAP_IPC_LOCK (over the limit:
 * ENOMEM), and to the process's pinned memory (VmPin). The kernel returns
 * the region id that descriptors use. Unknown flags: EINVAL.
 *
 * Read-only regions (ZCNET_REGION_READONLY, with ZCNET_FEAT_REGION_READONLY)
 *   The kernel never writes to the pages: the region is for transmit. A FILL descriptor naming it is consumed
 *   and skipped as any rejected one (rx_fill_rejected); TX descriptors
 *   use it as any region. A region imported from a read-only one is
 *   read-only too, and the import reports it (region_flags).
 *   The mapping must be readable (else EFAULT). It may be anonymous,
 *   memfd/shmem or hugetlb memory as above; writable memory is then pinned
 *   as for any region (faulted in), only kept out of receive. Memory
 *   mapped without PROT_WRITE is pinned for reading: a private anonymous
 *   page never written may be the kernel's shared zero page, and writes
 *   after an mprotect() do not reach the region. It may also be a mapping
 *   of a regular file (ext4, xfs, NFS, ramfs...): its page-cache pages are
 *   pinned for reading, so a file is sent without being read into user
 *   memory, as sendfile(2) does.
 *   Such a mapping must be MAP_SHARED (MAP_PRIVATE: EOPNOTSUPP) and
 *   without PROT_WRITE (EACCES); the file may be opened O_RDONLY. A file
 *   on DAX has no page cache and cannot be pinned long-term: EOPNOTSUPP.
 *   Without ZCNET_REGION_READONLY a regular file mapping is EOPNOTSUPP
 *   (the kernel does not pin a file's pages for writing), and a mapping
 *   without PROT_WRITE is EFAULT (the pin for writing fails).
 *   Pages are read from the file (faulted in) at registration; the
 *   region covers only whole pages of the mapping, and beyond the end of
 *   the file there is nothing to pin (EFAULT, as mmap's SIGBUS).
 *   The file may change while it is registered; nothing unsafe happens,
 *   since the pinned pages stay valid memory, held by the region until it
 *   is gone. What the peer receives is the pinned pages as they are when
 *   the stack reads them:
 *   - a write(2) or a writable mapping of the file updates the same
 *     page-cache pages in place, so a send in flight, or a later one, may
 *     carry new data, or a mix, as with sendfile(2);
 *   - truncation removes the pages past the new end from the file but not
 *     from the region: the region keeps sending the data they held (old
 *     data), and a page the file later grows again is a new page the
 *     region does not see; the page the new end falls in stays in the
 *     file, and the file system zeroes its bytes past the end in place.
 *   Register the file again to follow it. Memory cgroup: the page cache
 *   stays charged to whoever read it in, as for any file.
 */
#define ZCNET_REGION_READONLY	(1U << 0)	/* pinned for reading: TX only */

struct zcnet_region_reg {
	__u32 size;
	__u32 flags;			/* ZCNET_REGION_* */
	__u64 addr;
	__u64 len;
	__u32 id;			/* out */
	__u32 reserved;
};
#define ZCNET_REGION_REG_SIZE_VER0	32

/*
 * ENOENT: no such region. EBUSY: descriptors of this context using it are
 * in flight. It removes the region from this context only: other contexts
 * that imported it (or that it was imported from) keep using it.
 */
struct zcnet_region_unreg {
	__u32 size;
	__u32 flags;			/* must be 0 */
	__u32 id;
	__u32 reserved;
};
#define ZCNET_REGION_UNREG_SIZE_VER0	16

/*
 * Memory shared between contexts (ZCNET_FEAT_REGION_IMPORT). Import puts
 * region id of the context open at fd into this context's table, under a
 * new id that the kernel stores in new_id. Both ids then name the same
 * pinned pages: a frame received into them on one context can be sent by
 * another without a copy. Nothing is pinned or charged again: the pages
 * stay pinned once, charged to the user and the process that registered
 * them (RLIMIT_MEMLOCK, pinned_vm, memory cgroup). The importing context
 * is charged only for its small table entry. zcnet_stats.regions and
 * pinned_pages count the region in every context that holds it;
 * module_pinned_pages counts its pages once.
 *
 * Lifetime: each context's entry is its own. UNREG_REGION removes only
 * the caller's entry, and is EBUSY only while descriptors of the caller's
 * context that use it are in flight; those of other contexts do not
 * count, and keep the pages pinned until they complete. The pages are
 * unpinned and uncharged when the last context has removed its entry (by
 * UNREG_REGION or by closing) and the last descriptor of any context
 * using them has completed. So the exporting context may be closed first:
 * importers keep working. A region imported from an importer is the same
 * region, and may be imported again from any context that holds it.
 *
 * fork: a child inherits the fd as the same context, and may open its own
 * context and import from the inherited fd. It gets the pages pinned at
 * registration: for private anonymous memory those stay the parent's (see
 * fork above), so a child that writes frames needs shared memory.
 *
 * Who may import: the caller and the opener of this context must each be
 * the registrant's effective user, or hold CAP_IPC_OWNER in the user
 * namespace of the registrant's credentials, as for SysV shared memory;
 * else EPERM.
 *
 * Errors: flags or reserved non-zero: EINVAL. fd not open: EBADF. fd not a
 * zcnet context: EINVAL. No region id in that context: ENOENT. This
 * context already holds those pages, by any id (an import from itself, or
 * a second import of one region): EEXIST. Table full (max_regions):
 * ENOSPC. Imported regions are not compared with the addresses of later
 * registrations (the EEXIST rule of ZCNET_IOC_REG_REGION), as they may
 * live in another process.
 *
 * region_flags (out, 0 on input, else EINVAL): the region's ZCNET_REGION_*
 * flags, as registered (ZCNET_REGION_READONLY: no FILL into it). A kernel
 * without ZCNET_FEAT_REGION_READONLY leaves it 0.
 */
struct zcnet_region_import {
	__u32 size;
	__u32 flags;			/* must be 0 */
	__s32 fd;			/* another zcnet context */
	__u32 id;			/* region id in that context */
	__u32 new_id;			/* out: its id in this context */

	/* __extension__: C99 programs may include this header too. */
	__extension__ union {
		__u32 region_flags;	/* out: ZCNET_REGION_*; in: 0 */
		__u32 reserved0;	/* its old name; do not use */
	};
	__u64 reserved1;
};
#define ZCNET_REGION_IMPORT_SIZE_VER0	32

#define ZCNET_EVENTFD_CQ	0
#define ZCNET_EVENTFD_RX	1

/* Attach (fd >= 0), replace, or detach (fd == -1) an eventfd. */
struct zcnet_eventfd {
	__u32 size;
	__u32 flags;			/* must be 0 */
	__u32 which;			/* ZCNET_EVENTFD_CQ or ZCNET_EVENTFD_RX */
	__s32 fd;
};
#define ZCNET_EVENTFD_SIZE_VER0	16

/*
 * Consume TX descriptors. The ioctl returns how many it consumed: all that
 * are available, bounded by free CQ slots, by budget (0: no bound) and by a
 * busy device queue. The ring's indices are checked first: a corrupt
 * producer index is EINVAL whatever else holds the kick back. A descriptor
 * breaking a rule completes with -EINVAL (unknown flag, reserved or sock
 * field non-zero, len 0 or above ZCNET_TX_LEN_MAX, region not registered,
 * buffer outside its region, NOP with other flags, MORE or GSO without
 * SOCK, gso_size without GSO). A
 * raw descriptor with no device bound completes with -ENXIO, a socket
 * descriptor with no socket in its slot with -ENOTCONN.
 *
 * A descriptor whose kernel state cannot be allocated is not consumed: the
 * kick stops before it and returns how many it consumed, or ENOMEM if
 * none. It stays on the ring for a later kick, so a socket slot's
 * completions keep their order and its stream has no hole.
 *
 * When a busy device queue stops a kick, the kernel finishes by itself
 * what that kick asked for (the descriptors that were on the ring when it
 * ran, within its budget and the CQ slots free then) as the queue drains,
 * and never consumes descriptors produced after the kick: those wait for
 * the next one. It stops short when the ring's indices turn corrupt, when
 * state cannot be allocated, when TX is unbound, or when another kick
 * took the CQ slots meanwhile (the frames it had already consumed still
 * go out). Sends
 * the kernel carries on by itself (after a busy queue, or on a socket that
 * was full) run with the credentials of the process that opened the
 * context, so security modules and audit see its owner, and what they
 * allocate is charged to the memory cgroup that process was in when it
 * opened the context.
 */
struct zcnet_kick {
	__u32 size;
	__u32 flags;			/* must be 0 */
	__u32 budget;
	__u32 reserved;
};
#define ZCNET_KICK_SIZE_VER0	16

/*
 * Socket descriptors (ZCNET_TX_SOCK, sock = slot of ZCNET_IOC_SOCK_ATTACH)
 * hand the buffer's pages to the slot's socket without a copy. The
 * completion comes when the stack has released them: for TCP once the data
 * is acknowledged, or when a reset or close discards it, as with
 * MSG_ZEROCOPY. result is len or -errno; ZCNET_CQE_COPIED is set when the
 * stack copied after all (loopback or another local peer, a route without
 * scatter-gather, a UDP datagram that needs fragments) and when len is at
 * most the slot's copy threshold (ZCNET_PARAM_SOCK_COPY_THRESHOLD).
 *   TCP: descriptors form one byte stream in ring order. ZCNET_TX_MORE
 *   works as MSG_MORE. A bounded run of zero-copy descriptors sent one
 *   after another shares one notification, as consecutive MSG_ZEROCOPY
 *   sends do, so that TCP fills its segments across them: they complete
 *   together, and ZCNET_CQE_COPIED is the run's, on all of its members
 *   that succeed when the stack copied any of its data (a descriptor split
 *   over two runs carries the flags of both). The run ends, at the latest,
 *   when the socket is out of room or nothing more is queued. A full send
 *   buffer never blocks the kick; the rest goes out when the socket has
 *   room again (sock_resumes counts it). Once a descriptor fails or is
 *   rejected, later ones on that slot complete with -EPIPE. A socket error
 *   (ECONNRESET) is reported in the completion of the descriptor that met
 *   it, and so no longer pending on the socket.
 *   UDP: each descriptor is one datagram; ZCNET_TX_MORE is -EINVAL.
 *   With ZCNET_TX_GSO it is a train of datagrams of gso_size bytes of
 *   payload each (the last may be shorter), as UDP_SEGMENT sends it: one
 *   completion for the whole train, zero copy where the route allows it.
 *   The socket's own UDP_SEGMENT option is ignored: without ZCNET_TX_GSO a
 *   descriptor is one datagram. Rejected at submit: gso_size 0, more
 *   segments than the kernel's UDP_MAX_SEGMENTS (128 on Debian's 6.1 and
 *   6.12), ZCNET_TX_GSO on a TCP slot (-EINVAL); len above
 *   ZCNET_UDP_GSO_MAX on an IPv4 socket or ZCNET_UDP6_GSO_MAX on an IPv6
 *   one (-EMSGSIZE). The stack's own checks complete the descriptor with
 *   its errno, as for sendmsg() with UDP_SEGMENT: a segment that with its
 *   headers exceeds the path MTU (-EMSGSIZE), SO_NO_CHECK (-EINVAL), an
 *   IPsec route (-EIO), and on 6.1 a route without checksum offload
 *   (-EIO; 6.12 checksums in software and reports ZCNET_CQE_COPIED).
 * Completions of one slot arrive in ring order. No socket attached in the
 * slot: -ENOTCONN. Slot detached or context closed before the socket took
 * the descriptor: -ECANCELED, or the bytes it took of a descriptor it took
 * only in part.
 */

/*
 * Bind raw-frame TX and/or RX to a device of the caller's network namespace.
 * ZCNET_BIND_TX needs CAP_NET_RAW, as a packet socket does. ZCNET_BIND_RX
 * takes frames away from the stack, as a bridge or bond port does, and so
 * needs CAP_NET_ADMIN. Both the calling task and the process that opened
 * the file must hold the capability in the user namespace that owns the
 * network namespace (else EPERM), as for a socket (sk_ns_capable()): an fd
 * opened without it and handed to a privileged process binds nothing. No
 * such device: ENODEV. Device not up: ENETDOWN. queue not ZCNET_QUEUE_ANY
 * and not below the device's TX queue count: EINVAL. Already bound: EBUSY.
 * rx_* fields without ZCNET_BIND_RX: EINVAL. ZCNET_BIND_TX | ZCNET_BIND_RX
 * binds both to the device, or neither. ZCNET_QUEUE_ANY picks one
 * queue for the context at bind time, so its frames leave in ring order.
 *
 * Raw TX: each descriptor is one link-layer frame, header included, at
 * least the device's hard_header_len and at most MTU + hard_header_len
 * bytes long, or 4 more on Ethernet when the frame's ethertype is an
 * 802.1Q (0x8100) or 802.1ad (0x88a8) tag (AF_PACKET allows the same for
 * 802.1Q); else the descriptor completes with -EINVAL. A descriptor whose
 * kernel state cannot be allocated is not consumed, as for sockets (see
 * ZCNET_IOC_KICK); a frame whose skb cannot be allocated completes with
 * -ENOMEM. The kernel copies the link-layer header (or the whole frame, up
 * to the
 * ZCNET_PARAM_TX_COPY_THRESHOLD) into the skb and hands the rest to the
 * driver as page fragments of the registered pages. Frames are shown to
 * packet taps (tcpdump), which makes the stack copy them: such completions
 * carry ZCNET_CQE_COPIED, as do frames copied because they were short or
 * because the device lacks scatter-gather. A completion arrives when the
 * driver has released the pages: result is the frame length, or -errno
 * when the frame was dropped (-ENETDOWN: device down; -ENOBUFS: dropped by
 * the driver; -ENODEV: the device went away before the frame was sent).
 * When the device queue is full the kick stops at that frame and the
 * kernel retries it by itself; nothing is dropped for being busy. After
 * the device is unregistered (deleted or hot-removed) the context is
 * unbound and later raw descriptors complete with -ENXIO.
 */
#define ZCNET_BIND_TX		(1U << 0)
#define ZCNET_BIND_RX		(1U << 1)
#define ZCNET_BIND_RX_QUEUE	(1U << 2)	/* with ZCNET_BIND_RX */
#define ZCNET_QUEUE_ANY		0xffffffffU

/*
 * Receive (ZCNET_BIND_RX) needs the FILL and RX rings (else ENXIO). The
 * context steals the frames its rule matches from the stack; everything
 * else goes on to the stack untouched. A context receives from one device
 * at a time; a second RX bind is EBUSY.
 *
 * Many contexts can receive from one device, each with its own rule and,
 * with ZCNET_BIND_RX_QUEUE, only from the device's RX queue rx_queue (an
 * index below its real_num_rx_queues, else EINVAL; a frame whose driver
 * recorded no queue counts as queue 0). zcnet takes the device's
 * rx_handler while any context receives from it and gives it back when
 * the last one unbinds. A device whose rx_handler is taken by something
 * else (a bridge, bond, team or macvlan port) is refused with EBUSY. Each
 * frame goes to at most one context: the first whose rule and queue match,
 * in this order:
 *   1. the more specific rule first: UDP, then ETHERTYPE, then ALL;
 *   2. with equal rules, a context bound to the frame's queue before one
 *      bound to any queue;
 *   3. otherwise, the context that bound first.
 * A second context with the same rule (match and value) on the same queue
 * (or both on any queue) is refused with EBUSY. Binding and unbinding one
 * context never changes which frames the others get. Steering:
 *   ZCNET_RX_MATCH_ALL        every frame (rx_ethertype, rx_port: 0)
 *   ZCNET_RX_MATCH_ETHERTYPE  frames whose ethertype is rx_ethertype
 *   ZCNET_RX_MATCH_UDP        unfragmented IPv4 and IPv6 (no extension
 *                             headers) UDP datagrams to port rx_port (a
 *                             host's UFO packet, IP fragments on the
 *                             wire, does not match)
 * Unknown rx_match, or a field the match does not use being non-zero, or
 * rx_queue without ZCNET_BIND_RX_QUEUE: EINVAL.
 *
 * Each RX entry is one frame as it was on the wire. GRO, and a virtio
 * host's GSO packets, give the kernel one packet that stands for several
 * frames (TCP segments, UDP datagrams); it is split back into them, each
 * delivered as its own entry, in order, with its own length and checksum.
 * A packet that cannot be split (memory is short, or the packet is
 * malformed: no link-layer header, no checksum state) is dropped whole and
 * counted in rx_drop_split, never delivered in part. frame_len is at most
 * the device's MTU plus its link-layer header (plus 4 for a VLAN tag still
 * in the frame, and 4 with rx-fcs); a packet with a longer frame is
 * dropped whole and counted in rx_drop_size. Once split, each frame takes
 * its own buffer: one that finds none is dropped as any frame is.
 *
 * Each matching frame, link-layer header included, is copied once into the
 * next buffer from the FILL ring and described on the RX ring with
 * ZCNET_RX_COPIED. A checksum the sender left to offload is finished in the
 * copy (not an SCTP CRC32c, which is left as it came). A VLAN tag the NIC stripped is not put back into the frame. A frame
 * longer than its buffer is truncated to the buffer and flagged
 * ZCNET_RX_TRUNCATED. A fill descriptor with flags set, len 0, outside
 * its region, or in a read-only region (ZCNET_REGION_READONLY) is consumed
 * and skipped (rx_fill_rejected). With no fill
 * buffer, or no room on the RX ring, the frame is dropped and counted
 * (rx_drop_nobuf); receive never waits for user space. The RX eventfd is
 * signalled at most once per softirq batch.
 */
#define ZCNET_RX_MATCH_ALL	0	/* every frame */
#define ZCNET_RX_MATCH_ETHERTYPE 1	/* rx_ethertype */
#define ZCNET_RX_MATCH_UDP	2	/* IPv4/IPv6 UDP to rx_port */

struct zcnet_bind {
	__u32 size;
	__u32 flags;			/* ZCNET_BIND_* */
	__u32 ifindex;
	__u32 queue;			/* TX queue or ZCNET_QUEUE_ANY */
	__u32 rx_match;			/* ZCNET_RX_MATCH_* */
	__u16 rx_ethertype;		/* host byte order */
	__u16 rx_port;			/* host byte order */
	__u32 rx_queue;			/* with ZCNET_BIND_RX_QUEUE, else 0 */
	__u32 reserved0;
	__u64 reserved1;
};
#define ZCNET_BIND_SIZE_VER0	40

/*
 * Frames already handed to the device still complete; a frame held back by
 * a busy queue completes with -ECANCELED; descriptors a kick asked for but
 * the kernel had not consumed yet stay on the ring for the next kick. Not
 * bound: ENOTCONN.
 */
struct zcnet_unbind {
	__u32 size;
	__u32 flags;			/* ZCNET_BIND_TX and/or ZCNET_BIND_RX */
};
#define ZCNET_UNBIND_SIZE_VER0	8

/*
 * Attach a TCP or UDP socket (IPv4 or IPv6) for ZCNET_TX_SOCK descriptors;
 * the kernel stores the slot they name it by in slot. The context holds its
 * own reference to the socket's file until the slot is detached or the
 * context closes, so the program may close its fd with sends in flight.
 *   TCP: connected (ESTABLISHED or CLOSE_WAIT), else ENOTCONN; addr must
 *   be 0. One slot per TCP socket and context (EBUSY).
 *   UDP: with addr 0 the socket must be connected (else EDESTADDRREQ).
 *   Otherwise addr points to a struct sockaddr_in (AF_INET socket) or
 *   sockaddr_in6 (AF_INET6 socket), the destination of every datagram sent
 *   through this slot; attaching one socket to several slots gives a
 *   destination per descriptor. Wrong family: EAFNOSUPPORT.
 * Other fds: EBADF (not open), ENOTSOCK (not a socket), EOPNOTSUPP (another
 * family or protocol, or a socket without zero-copy support such as kTLS).
 * All zcnet_info.max_sockets slots in use: ENOSPC. Attach, detach and the
 * lookup of a descriptor's slot cost the same at any count; a socket
 * without room never holds up another slot's sends.
 */
struct zcnet_sock_attach {
	__u32 size;
	__u32 flags;			/* must be 0 */
	__s32 fd;
	__u32 slot;			/* out */
	__u64 addr;			/* UDP destination, or 0 */
};
#define ZCNET_SOCK_ATTACH_SIZE_VER0	24

/*
 * Detach a slot (ENOENT if none). Its descriptors not yet handed to the
 * socket complete with -ECANCELED (one it took in part, with the bytes it
 * took); those the socket holds complete when the stack releases their
 * pages.
 */
struct zcnet_sock_detach {
	__u32 size;
	__u32 flags;			/* must be 0 */
	__u32 slot;
	__u32 reserved;
};
#define ZCNET_SOCK_DETACH_SIZE_VER0	16

/*
 * Parameters of a context: ZCNET_IOC_SET_PARAM sets one, ZCNET_IOC_GET_PARAM
 * reads the value in force into value (ignored on input). Unknown param,
 * flags or reserved: EINVAL.
 *
 * ZCNET_PARAM_TX_COPY_THRESHOLD: raw frames of at most this many bytes are
 * copied, which is cheaper than zero copy for short frames, and complete
 * with ZCNET_CQE_COPIED. 0 copies only link-layer headers. At most 65535.
 * Until a program sets it, it is the module parameter tx_copy_threshold
 * (256), and the kernel picks it again at every TX bind: the same, or,
 * when the device's DMA goes through a strict IOMMU domain (every unmap
 * waits for an IOTLB invalidation, which costs more than copying a page),
 * the larger of it and tx_copy_threshold_strict (4096). It stays after
 * unbind. Once the program sets it, it stays across binds.
 */
#define ZCNET_PARAM_TX_COPY_THRESHOLD	0
/*
 * ZCNET_PARAM_SOCK_COPY_THRESHOLD: socket descriptors of at most this many
 * bytes are copied into the socket, which is cheaper than zero copy for
 * small writes, and complete as soon as the socket took them, with
 * ZCNET_CQE_COPIED. 0 copies nothing. At most 1 MiB; the default is the
 * module parameter sock_copy_threshold (8192).
 */
#define ZCNET_PARAM_SOCK_COPY_THRESHOLD	1
/*
 * ZCNET_PARAM_BUSY_POLL_USEC (with ZCNET_FEAT_BUSY_POLL; without it,
 * EOPNOTSUPP): a poll() on the context that asks for POLLIN, and finds
 * nothing it asked for ready, first busy-polls the receiving device's NAPI
 * for up to this many microseconds, as SO_BUSY_POLL does for a socket.
 * Frames then reach the RX ring without waiting for the device's
 * interrupt and the softirq, and the caller is not put to sleep and woken.
 * 0 (the default) turns it off; at most ZCNET_BUSY_POLL_USEC_MAX, else
 * EINVAL. The NAPI polled is the one the context's last received frame
 * came through, so a context polls only after its first frame, and only
 * while it is bound for receive, and only if the driver records NAPI ids
 * (vmxnet3 with LRO on does not); otherwise poll() behaves as without the
 * parameter. The wait ends early when an RX entry is there, when a signal
 * is pending, or when another task wants the CPU; poll() then goes on as
 * usual (it sleeps until its own timeout if nothing is ready). A poll()
 * that does not sleep (timeout 0) polls the NAPI once and does not wait,
 * as a non-blocking read of a socket with SO_BUSY_POLL does. select() and
 * ppoll() behave the same. epoll_wait() does not busy-poll a zcnet fd: it
 * polls a file only after it woke up (epoll_ctl() adding the fd, or an
 * io_uring poll request being armed, may busy-poll once). Busy polling spends the caller's
 * CPU time; receive (ZCNET_BIND_RX) already needs CAP_NET_ADMIN, so the
 * parameter itself needs no privilege.
 */
#define ZCNET_PARAM_BUSY_POLL_USEC	2
/*
 * ZCNET_PARAM_BUSY_POLL_BUDGET: frames each poll of the NAPI may take, as
 * SO_BUSY_POLL_BUDGET. 0 sets the kernel's default (8, which GET_PARAM
 * then reports); at most ZCNET_BUSY_POLL_BUDGET_MAX (a NAPI's usual
 * weight), else EINVAL.
 */
#define ZCNET_PARAM_BUSY_POLL_BUDGET	3
#define ZCNET_BUSY_POLL_USEC_MAX	10000
#define ZCNET_BUSY_POLL_BUDGET_MAX	64
/*
 * ZCNET_PARAM_RX_WAKE_FRAMES and ZCNET_PARAM_RX_WAKE_USEC (with
 * ZCNET_FEAT_RX_WAKE): moderation of RX wake-ups, as a NIC moderates its
 * interrupts (ethtool's rx-frames and rx-usecs). The RX eventfd is
 * signalled, and a poll() waiting for POLLIN woken, once at least
 * RX_WAKE_FRAMES entries were produced since the last signal, or
 * RX_WAKE_USEC microseconds after the first of them, whichever comes
 * first. A receiver that wakes once per block of frames instead of once
 * per burst spends less on wake-ups, at the price of up to RX_WAKE_USEC
 * of added latency. Only wake-ups are held back: entries are in the RX
 * ring at once, and poll() reports POLLIN as soon as one is there.
 * RX_WAKE_FRAMES: 1 (the default) signals every burst; at most
 * ZCNET_RING_MAX_ENTRIES, and a count above the RX ring's entries counts
 * as that many. RX_WAKE_USEC: ZCNET_RX_WAKE_USEC_DEFAULT, at least 1 and
 * at most ZCNET_RX_WAKE_USEC_MAX. Anything else: EINVAL. A change applies
 * at once: entries held until then are signalled. Both are settings of
 * the context, not of one wait (unlike io_uring_enter()'s min_complete).
 * poll() on the context also wakes for CQ entries, which are not
 * moderated.
 */
#define ZCNET_PARAM_RX_WAKE_FRAMES	4
#define ZCNET_PARAM_RX_WAKE_USEC	5
#define ZCNET_RX_WAKE_USEC_DEFAULT	1000
#define ZCNET_RX_WAKE_USEC_MAX		10000000

struct zcnet_param {
	__u32 size;
	__u32 flags;			/* must be 0 */
	__u32 param;			/* ZCNET_PARAM_* */
	__u32 reserved;
	__u64 value;
};
#define ZCNET_PARAM_SIZE_VER0	24

/*
 * Counters of one context. The module_* fields are module-wide. The same
 * values appear in /proc/PID/fdinfo/FD of a zcnet fd. Fields are only ever
 * appended: a program built with an older struct gets its prefix.
 */
struct zcnet_stats {
	__u32 size;
	__u32 flags;			/* must be 0 */
	__u64 tx_kicks;
	__u64 tx_descs;			/* TX descriptors consumed */
	__u64 tx_nops;
	__u64 tx_frames;		/* handed to a device or socket */
	__u64 tx_bytes;
	__u64 tx_zerocopy;		/* completed without a copy */
	__u64 tx_copied;		/* completed with ZCNET_CQE_COPIED */
	__u64 tx_rejected;		/* completed with an error at submit */
	__u64 tx_busy;			/* device busy: retried later */
	__u64 tx_dev_errors;		/* completed with a device error */
	__u64 cq_posted;
	__u64 cq_signals;		/* CQ eventfd signals */
	__u64 ring_errors;		/* corrupt ring indices seen */
	__u64 rx_frames;
	__u64 rx_bytes;
	__u64 rx_drop_nobuf;
	__u64 rx_drop_size;		/* longer than MTU + header (+ tag) */
	__u64 rx_truncated;
	__u64 rx_filter_miss;
	__u64 rx_fill_rejected;
	__u64 rx_signals;
	__u64 sock_zc_bytes;
	__u64 sock_copied_bytes;
	__u64 sock_resumes;
	__u64 sock_errors;
	__u64 regions;			/* registered now */
	__u64 pinned_pages;		/* of its regions, imported too */
	__u64 inflight;			/* descriptors awaiting completion */
	__u64 module_pinned_pages;	/* pinned by all contexts */
	__u64 module_contexts;		/* contexts alive, including closing */
	__u64 rx_drop_split;		/* GRO/GSO packets dropped whole */
};
#define ZCNET_STATS_SIZE_VER0	248
#define ZCNET_STATS_SIZE_VER1	256	/* rx_drop_split */

/* Ring entries. Reserved fields must be 0. */
#define ZCNET_TX_NOP		(1U << 0)	/* validate, send nothing */
#define ZCNET_TX_SOCK		(1U << 1)	/* send on socket slot 'sock' */
#define ZCNET_TX_MORE		(1U << 2)	/* TCP: more data follows */
#define ZCNET_TX_GSO		(1U << 3)	/* UDP: a train of gso_size */
#define ZCNET_TX_VNET_HDR	(1U << 4)	/* raw: starts with virtio_net_hdr */

/*
 * Raw frames with offloads (ZCNET_FEAT_TX_VNET_HDR). A raw descriptor with
 * ZCNET_TX_VNET_HDR starts with a struct virtio_net_hdr (<linux/virtio_net.h>,
 * 10 bytes, fields little-endian, as virtio 1.0 and AF_PACKET's
 * PACKET_VNET_HDR on x86 use them) and the link-layer frame follows it.
 * len counts both, and so does the completion's result.
 *   flags: 0 or VIRTIO_NET_HDR_F_NEEDS_CSUM. With NEEDS_CSUM the device (or
 *   the kernel, where it cannot) stores the Internet checksum of the bytes
 *   from csum_start (counted from the frame's first byte) to the end of the
 *   frame at csum_start + csum_offset. The sender seeds that field with the
 *   checksum of the pseudo-header, not complemented, as for AF_PACKET and
 *   tap: for TCP and UDP over IPv4 the sum of source and destination
 *   address, protocol and L4 length (IPv6: addresses, length, next header).
 *   gso_type: VIRTIO_NET_HDR_GSO_NONE, or a super-frame of up to 65,535
 *   bytes (link-layer header included) that leaves as segments of gso_size
 *   bytes of payload each (the last may be shorter), each with the
 *   headers of the super-frame, fixed up as TSO and USO do (IP id and
 *   length, TCP sequence and flags, UDP length, checksums). The types
 *   this kernel accepts are bits (1 << type) of zcnet_info.tx_vnet_gso:
 *     VIRTIO_NET_HDR_GSO_TCPV4 (1), _TCPV6 (4)  TCP segments (TSO); the
 *       ECN bit (0x80) may be added when the TCP header carries CWR
 *     VIRTIO_NET_HDR_GSO_UDP (3)  one IPv4 datagram sent as IP fragments
 *       of gso_size bytes (UFO), a multiple of 8; its checksum is summed
 *       over the pages before fragmenting, which is not a copy
 *     ZCNET_VNET_GSO_UDP_L4 (5)  UDP datagrams (USO) over IPv4 or IPv6,
 *       with NEEDS_CSUM and csum_offset 6, at most 128 segments (the
 *       kernel's UDP_MAX_SEGMENTS)
 *   Bit 0 is set when plain frames with NEEDS_CSUM are accepted. A
 *   super-frame is Ethernet (no VLAN tag in the frame: send on a VLAN
 *   device instead), then IPv4 (with options) or IPv6 (no extension
 *   headers), then the TCP or UDP header; with NEEDS_CSUM, csum_start is
 *   where that header starts. A frame no longer than one segment is sent
 *   as a plain frame.
 *   hdr_len: the bytes of headers (link-layer to L4) the kernel copies
 *   into the skb; the rest of the frame stays in the registered pages. 0
 *   lets the kernel find them; it is raised to cover the checksum field.
 * Rejected with -EINVAL, as virtio_net_hdr_to_skb() and AF_PACKET reject
 * them: len below the header, unknown flags or gso_type, the ECN bit
 * without TCP, gso_size 0 with a GSO type or non-zero without one,
 * csum_start before the end of the link-layer header, or it and
 * csum_offset pointing outside the frame, hdr_len beyond the frame,
 * headers that are not what gso_type says, a super-frame of 65,536 bytes
 * or more, and one whose segments, each with its IP and L4 headers, exceed
 * the MTU. Without GSO the frame obeys the rules of plain raw frames.
 *
 * Before the driver sees it, every raw frame passes the checks the stack
 * makes for any packet it sends: a device that cannot segment the
 * super-frame, or compute the checksum, or take page fragments, gets it
 * segmented, checksummed or linearised in software. Segmenting keeps the
 * registered pages as fragments of every segment; only linearising (a
 * device without scatter-gather) and a software checksum over the
 * fragments copy, and those frames complete with ZCNET_CQE_COPIED. One
 * completion comes per descriptor, after the driver released every
 * segment; a frame the stack refuses there completes with -ENOBUFS, as
 * one the driver drops. Plain raw frames pass the same checks.
 */
#define ZCNET_VNET_GSO_UDP_L4	5	/* VIRTIO_NET_HDR_GSO_UDP_L4 */

/* The longest UDP payload a ZCNET_TX_GSO descriptor may carry. */
#define ZCNET_UDP_GSO_MAX	65507	/* IPv4 */
#define ZCNET_UDP6_GSO_MAX	65527	/* IPv6 */

/*
 * The longest buffer a TX descriptor may name: its completion's result, an
 * __s32, must carry the length.
 */
#define ZCNET_TX_LEN_MAX	0x7fffffffU

struct zcnet_tx_desc {
	__u64 offset;			/* into the region */
	__u32 len;			/* bytes, 1 to ZCNET_TX_LEN_MAX */
	__u16 region;
	__u16 flags;			/* ZCNET_TX_* */
	__u64 cookie;			/* returned in the completion */
	__u16 sock;			/* socket slot with ZCNET_TX_SOCK, else 0 */

	/* __extension__: C99 programs may include this header too. */
	__extension__ union {
		__u16 gso_size;		/* with ZCNET_TX_GSO, else 0 */
		__u16 reserved0;	/* its old name; do not use */
	};
	__u32 reserved1;
};

/* result: bytes sent (>= 0) or -errno. */
#define ZCNET_CQE_COPIED	(1U << 0)	/* the kernel copied the data */
#define ZCNET_CQE_TSTAMP_SW	(1U << 1)	/* tstamp: kernel, monotonic */

struct zcnet_cq_entry {
	__u64 cookie;
	__s32 result;
	__u32 flags;			/* ZCNET_CQE_* */
};

/* A CQ entry with ZCNET_SETUP_CQ_TSTAMP (see "Timestamps" above). */
struct zcnet_cq_entry_ts {
	struct zcnet_cq_entry cqe;
	__u64 tstamp;			/* ns, CLOCK_MONOTONIC */
};
#define ZCNET_CQ_ENTRY_TS_SIZE	24

struct zcnet_fill_desc {
	__u64 offset;			/* buffer start in the region */
	__u32 len;			/* buffer length */
	__u16 region;
	__u16 flags;			/* must be 0 */
};

/*
 * A received frame lies at region/offset + data and is len bytes long. A
 * copying receive path sets ZCNET_RX_COPIED. offset and buf_len identify
 * the posted buffer, which may be posted again.
 */
#define ZCNET_RX_COPIED		(1U << 0)
#define ZCNET_RX_TRUNCATED	(1U << 1)	/* frame_len > len */
#define ZCNET_RX_TSTAMP_SW	(1U << 2)	/* tstamp: kernel, monotonic */

struct zcnet_rx_desc {
	__u64 offset;			/* the posted buffer */
	__u32 buf_len;
	__u16 region;
	__u16 flags;			/* ZCNET_RX_* */
	__u32 data;			/* frame start inside the buffer */
	__u32 len;			/* bytes stored */
	__u32 frame_len;		/* bytes on the wire */
	__u32 reserved;
};

/* An RX entry with ZCNET_SETUP_RX_TSTAMP (see "Timestamps" above). */
struct zcnet_rx_desc_ts {
	struct zcnet_rx_desc rx;
	__u64 tstamp;			/* ns, CLOCK_MONOTONIC */
};
#define ZCNET_RX_DESC_TS_SIZE	40

#define ZCNET_IOC_MAGIC		0xb9

#define ZCNET_IOC_GET_INFO	_IOWR(ZCNET_IOC_MAGIC, 0x00, struct zcnet_info)
#define ZCNET_IOC_SETUP		_IOW(ZCNET_IOC_MAGIC, 0x01, struct zcnet_setup)
#define ZCNET_IOC_GET_OFFSETS	_IOWR(ZCNET_IOC_MAGIC, 0x02, struct zcnet_offsets)
#define ZCNET_IOC_REG_REGION	_IOWR(ZCNET_IOC_MAGIC, 0x03, struct zcnet_region_reg)
#define ZCNET_IOC_UNREG_REGION	_IOW(ZCNET_IOC_MAGIC, 0x04, struct zcnet_region_unreg)
#define ZCNET_IOC_SET_EVENTFD	_IOW(ZCNET_IOC_MAGIC, 0x05, struct zcnet_eventfd)
#define ZCNET_IOC_GET_STATS	_IOWR(ZCNET_IOC_MAGIC, 0x06, struct zcnet_stats)
#define ZCNET_IOC_KICK		_IOW(ZCNET_IOC_MAGIC, 0x07, struct zcnet_kick)
#define ZCNET_IOC_BIND		_IOW(ZCNET_IOC_MAGIC, 0x08, struct zcnet_bind)
#define ZCNET_IOC_UNBIND	_IOW(ZCNET_IOC_MAGIC, 0x09, struct zcnet_unbind)
#define ZCNET_IOC_SOCK_ATTACH	_IOWR(ZCNET_IOC_MAGIC, 0x0a, struct zcnet_sock_attach)
#define ZCNET_IOC_SOCK_DETACH	_IOW(ZCNET_IOC_MAGIC, 0x0b, struct zcnet_sock_detach)
#define ZCNET_IOC_SET_PARAM	_IOW(ZCNET_IOC_MAGIC, 0x0c, struct zcnet_param)
#define ZCNET_IOC_GET_PARAM	_IOWR(ZCNET_IOC_MAGIC, 0x0d, struct zcnet_param)
#define ZCNET_IOC_IMPORT_REGION	_IOWR(ZCNET_IOC_MAGIC, 0x0e, struct zcnet_region_import)

#endif /* _UAPI_LINUX_ZCNET_H */
