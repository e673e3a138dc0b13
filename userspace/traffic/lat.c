// SPDX-License-Identifier: GPL-2.0-only
/* Completion latencies and their quantiles. */
#include <stdlib.h>

#include "traffic.h"

void lat_add(struct lat *l, double submit, double done)
{
	double ns = (done - submit) * 1e9;
	uint32_t *grown;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 65536;

		grown = realloc(l->ns, cap * sizeof(*grown));
		if (!grown)
			return;	/* keep what we have: a sample is lost */
		l->ns = grown;
		l->cap = cap;
	}
	if (ns < 0)
		ns = 0;
	l->ns[l->n++] = ns > 4e9 ? UINT32_MAX : (uint32_t)ns;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

double lat_quantile(struct lat *l, double q)
{
	static const struct lat *sorted;
	size_t i;

	if (!l->n)
		return -1;
	if (sorted != l) {
		qsort(l->ns, l->n, sizeof(*l->ns), cmp_u32);
		sorted = l;
	}
	i = (size_t)(q * (double)(l->n - 1) + 0.5);
	return (double)l->ns[i] / 1e3;
}

void lat_free(struct lat *l)
{
	free(l->ns);
	l->ns = NULL;
	l->n = l->cap = 0;
}
