/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixture setup the tests share (zcnet_fixture.c). Included by
 * zcnet_util.h only.
 */
#ifndef ZCNET_FIXTURE_H
#define ZCNET_FIXTURE_H

/* Every ZCNET_FEAT_* bit the header defines, as the tests know them. */
__u64 zc_known_features(void);

/*
 * Why a fixture that needs the features in mask (ZCNET_FEAT_*), and the
 * test guest's network when env is not NULL, cannot run here: the module
 * is not loaded, this build lacks a feature, or the guest's variables are
 * not set (*env is filled when they are). NULL when it can run.
 */
const char *zc_fixture_skip(__u64 mask, struct zc_env *env);

#endif /* ZCNET_FIXTURE_H */
