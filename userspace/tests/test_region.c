// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Region registration as libzcnet.a passes it to the kernel, against a
 * stand-in for the zcnet ioctls.
 *
 * This program defines ioctl(), so the library's calls reach it instead of
 * the C library's: zcnet ioctls (type ZCNET_IOC_MAGIC) on any descriptor are
 * answered here, others go to the kernel. The stand-in reports the features
 * in fake_features from ZCNET_IOC_GET_INFO, and for ZCNET_IOC_REG_REGION
 * counts the call, keeps a copy of the struct, refuses flags it does not
 * offer with EINVAL (as an older kernel does) and otherwise fails with
 * fake_errno or returns id FAKE_ID.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libzcnet.h"
#include "unit.h"

#define FAKE_ID		7
#define UNSET_ID	0xdeadU

static __u64 fake_features;
static int fake_errno;
static unsigned int reg_calls;
static struct zcnet_region_reg last_reg;

int ioctl(int fd, unsigned long req, ...)
{
	struct zcnet_region_reg *r;
	struct zcnet_info *info;
	__u32 known = 0;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);

	if (_IOC_TYPE(req) != ZCNET_IOC_MAGIC)
		return (int)syscall(SYS_ioctl, fd, req, arg);

	switch (req) {
	case ZCNET_IOC_GET_INFO:
		info = arg;
		memset(info, 0, sizeof(*info));
		info->size = sizeof(*info);
		info->abi_version = ZCNET_ABI_VERSION;
		info->features = fake_features;
		return 0;
	case ZCNET_IOC_REG_REGION:
		r = arg;
		reg_calls++;
		memcpy(&last_reg, r, sizeof(last_reg));
		if (fake_features & ZCNET_FEAT_REGION_READONLY)
			known |= ZCNET_REGION_READONLY;
		if (r->flags & ~known) {
			errno = EINVAL;
			return -1;
		}
		if (fake_errno) {
			errno = fake_errno;
			return -1;
		}
		r->id = FAKE_ID;
		return 0;
	default:
		errno = ENOTTY;
		return -1;
	}
}

static struct zcnet_ctx *open_fake(__u64 features)
{
	struct zcnet_ctx *ctx = NULL;
	int err;

	fake_features = features;
	err = zcnet_open_path("/dev/null", &ctx);
	CHECK_EQ(err, 0);
	if (err) {
		fprintf(stderr, "zcnet_open_path: %s\n", strerror(-err));
		exit(1);
	}
	CHECK_EQ(zcnet_ctx_info(ctx)->features, features);
	return ctx;
}

/* The struct reaching the kernel holds size, flags, addr and len. */
static void check_reg(__u32 flags, void *addr, size_t len)
{
	CHECK_EQ(last_reg.size, sizeof(struct zcnet_region_reg));
	CHECK_EQ(last_reg.flags, flags);
	CHECK_EQ(last_reg.addr, (__u64)(uintptr_t)addr);
	CHECK_EQ(last_reg.len, len);
	CHECK_EQ(last_reg.reserved, 0);
}

static void test_readonly_kernel(void)
{
	struct zcnet_ctx *ctx = open_fake(ZCNET_FEAT_REGION_READONLY);
	char *base = (char *)0x7f0000000000ULL;
	unsigned int calls;
	__u32 id;

	calls = reg_calls;
	id = UNSET_ID;
	CHECK_EQ(zcnet_region_register_flags(ctx, base, 1 << 20,
					     ZCNET_REGION_READONLY, &id), 0);
	CHECK_EQ(reg_calls, calls + 1);
	CHECK_EQ(id, FAKE_ID);
	check_reg(ZCNET_REGION_READONLY, base, 1 << 20);

	/* zcnet_region_register() is the same call with no flags. */
	id = UNSET_ID;
	memset(&last_reg, 0xff, sizeof(last_reg));
	CHECK_EQ(zcnet_region_register(ctx, base + 4096, 8192, &id), 0);
	CHECK_EQ(reg_calls, calls + 2);
	CHECK_EQ(id, FAKE_ID);
	check_reg(0, base + 4096, 8192);

	/* The kernel's error comes back as -errno, *id untouched. */
	fake_errno = EACCES;
	id = UNSET_ID;
	CHECK_EQ(zcnet_region_register_flags(ctx, base, 4096,
					     ZCNET_REGION_READONLY, &id),
		 -EACCES);
	CHECK_EQ(id, UNSET_ID);
	fake_errno = EFAULT;
	CHECK_EQ(zcnet_region_register_flags(ctx, base, 4096,
					     ZCNET_REGION_READONLY, &id),
		 -EFAULT);
	fake_errno = 0;
	CHECK_EQ(reg_calls, calls + 4);

	/* A flag the kernel does not know is its to refuse. */
	CHECK_EQ(zcnet_region_register_flags(ctx, base, 4096,
					     ZCNET_REGION_READONLY | 2, &id),
		 -EINVAL);
	CHECK_EQ(reg_calls, calls + 5);
	check_reg(ZCNET_REGION_READONLY | 2, base, 4096);

	CHECK_EQ(zcnet_region_register_flags(ctx, base, 4096, 0, NULL),
		 -EINVAL);
	CHECK_EQ(reg_calls, calls + 5);
	zcnet_close(ctx);
}

static void test_old_kernel(void)
{
	struct zcnet_ctx *ctx = open_fake(ZCNET_FEAT_REGION_IMPORT);
	char *base = (char *)0x7f0000000000ULL;
	unsigned int calls;
	__u32 id;

	/* Read-only without the feature: -EOPNOTSUPP, and no ioctl. */
	calls = reg_calls;
	id = UNSET_ID;
	CHECK_EQ(zcnet_region_register_flags(ctx, base, 4096,
					     ZCNET_REGION_READONLY, &id),
		 -EOPNOTSUPP);
	CHECK_EQ(reg_calls, calls);
	CHECK_EQ(id, UNSET_ID);

	/* Without it, regions register as before. */
	CHECK_EQ(zcnet_region_register_flags(ctx, base, 4096, 0, &id), 0);
	CHECK_EQ(reg_calls, calls + 1);
	CHECK_EQ(id, FAKE_ID);
	check_reg(0, base, 4096);
	id = UNSET_ID;
	CHECK_EQ(zcnet_region_register(ctx, base, 4096, &id), 0);
	CHECK_EQ(reg_calls, calls + 2);
	CHECK_EQ(id, FAKE_ID);
	zcnet_close(ctx);

	CHECK_EQ(zcnet_region_register_flags(NULL, base, 4096, 0, &id),
		 -EINVAL);
	CHECK_EQ(zcnet_region_register_flags(NULL, base, 4096,
					     ZCNET_REGION_READONLY, &id),
		 -EINVAL);
	CHECK_EQ(reg_calls, calls + 2);
}

int main(void)
{
	test_readonly_kernel();
	test_old_kernel();
	return unit_done("test_region");
}
