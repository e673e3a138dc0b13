/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/* A tiny check macro for the libzcnet unit tests. */
#ifndef ZCNET_UNIT_H
#define ZCNET_UNIT_H

#include <stdio.h>
#include <stdlib.h>

static int unit_failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
			__FILE__, __LINE__, #cond);			\
		unit_failures++;					\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", \
			__FILE__, __LINE__, #a, _a, #b, _b);		\
		unit_failures++;					\
	}								\
} while (0)

static inline int unit_done(const char *name)
{
	if (unit_failures) {
		fprintf(stderr, "%s: %d check(s) failed\n", name,
			unit_failures);
		return 1;
	}
	printf("%s: ok\n", name);
	return 0;
}

#endif
