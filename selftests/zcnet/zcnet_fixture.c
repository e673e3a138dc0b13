// SPDX-License-Identifier: GPL-2.0
/* Fixture setup the tests share: what a fixture needs and why it skips. */
#include "zcnet_util.h"

static const struct {
	__u64 bit;
	const char *name;
} zc_feature_names[] = {
	{ ZCNET_FEAT_RINGS, "ZCNET_FEAT_RINGS" },
	{ ZCNET_FEAT_REGIONS, "ZCNET_FEAT_REGIONS" },
	{ ZCNET_FEAT_EVENTFD, "ZCNET_FEAT_EVENTFD" },
	{ ZCNET_FEAT_TX_NOP, "ZCNET_FEAT_TX_NOP" },
	{ ZCNET_FEAT_TX_RAW, "ZCNET_FEAT_TX_RAW" },
	{ ZCNET_FEAT_RX, "ZCNET_FEAT_RX" },
	{ ZCNET_FEAT_TX_SOCK, "ZCNET_FEAT_TX_SOCK" },
	{ ZCNET_FEAT_TX_GSO, "ZCNET_FEAT_TX_GSO" },
	{ ZCNET_FEAT_RX_SHARED, "ZCNET_FEAT_RX_SHARED" },
	{ ZCNET_FEAT_REGION_IMPORT, "ZCNET_FEAT_REGION_IMPORT" },
	{ ZCNET_FEAT_BUSY_POLL, "ZCNET_FEAT_BUSY_POLL" },
	{ ZCNET_FEAT_TX_VNET_HDR, "ZCNET_FEAT_TX_VNET_HDR" },
	{ ZCNET_FEAT_TIMESTAMPS, "ZCNET_FEAT_TIMESTAMPS" },
	{ ZCNET_FEAT_REGION_READONLY, "ZCNET_FEAT_REGION_READONLY" },
	{ ZCNET_FEAT_RX_WAKE, "ZCNET_FEAT_RX_WAKE" },
};

__u64 zc_known_features(void)
{
	__u64 all = 0;
	size_t i;

	for (i = 0; i < sizeof(zc_feature_names) / sizeof(zc_feature_names[0]);
	     i++)
		all |= zc_feature_names[i].bit;
	return all;
}

const char *zc_fixture_skip(__u64 mask, struct zc_env *env)
{
	static char why[160];
	__u64 missing;
	size_t i, n;

	if (!zc_dev_present())
		return ZC_DEV_PATH " missing: zcnet module not loaded";
	missing = mask & ~zc_features();
	if (missing) {
		n = (size_t)snprintf(why, sizeof(why),
				     "this build does not offer");
		for (i = 0; i < sizeof(zc_feature_names) /
				sizeof(zc_feature_names[0]); i++)
			if ((missing & zc_feature_names[i].bit) &&
			    n < sizeof(why))
				n += (size_t)snprintf(why + n, sizeof(why) - n,
						      " %s",
						      zc_feature_names[i].name);
		return why;
	}
	if (env && zc_env_get(env))
		return "ZCNET_IFACE, ZCNET_PEER_NS or ZCNET_PEER_IFACE not set "
		       "(these tests run in the test guest)";
	return NULL;
}
