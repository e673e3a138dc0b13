#!/bin/bash
# Check that DKMS builds zcnet for a kernel, or refuses to.
#
#   dkms-check.sh KVER            dkms must build zcnet for KVER
#   dkms-check.sh KVER --refused  dkms must refuse KVER (BUILD_EXCLUSIVE_KERNEL)
#   dkms-check.sh KVER --src DIR  build the module source in DIR, as a
#                                 package installs it in /usr/src/zcnet-VERSION
#
# Uses a private DKMS tree under build/dkms/KVER/ (KVER-packaged/ with
# --src; dkms --dkmstree, --sourcetree, --installtree) and runs dkms in a
# private mount namespace with its var/ mounted over /var/lib/dkms, where
# dkms keeps the module signing key it generates. Nothing is installed into /lib/modules.
set -euo pipefail
source "$(dirname "$0")/common.sh"

usage() { die "usage: $0 KVER [--refused | --src DIR]"; }
(($# >= 1)) || usage
kver="$1"
shift
expect=built from=""
case "$*" in
"") ;;
--refused) expect=refused ;;
--src\ *) (($# == 2)) || usage; from="$2" ;;
*) usage ;;
esac
need_root

top="$ZCNET_BUILD/dkms/$kver${from:+-packaged}"
rm -rf "$top"
mkdir -p "$top"/{tree,install,var}
if [[ -n $from ]]; then
	[[ -f $from/dkms.conf ]] || die "no dkms.conf in $from"
	version="$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$from/dkms.conf")"
	[[ $version =~ ^[0-9] ]] || die "no PACKAGE_VERSION in $from/dkms.conf"
	src="$top/src/zcnet-$version"
	mkdir -p "$src"
	cp -a "$from"/. "$src/"
else
	[[ -f $ZCNET_ROOT/dkms.conf ]] || die "no dkms.conf at the repo root"
	version="$(cat "$ZCNET_ROOT/VERSION")"
	[[ -n $version ]] || die "no version in VERSION"
	src="$top/src/zcnet-$version"
	mkdir -p "$src"
	cp -a "$ZCNET_ROOT"/{VERSION,dkms.conf,Kbuild,Makefile,module,uapi} "$src/"
	sed -i "s/#MODULE_VERSION#/$version/" "$src/dkms.conf"
fi

dkms_private() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	unshare --mount --propagation private -- \
		sh -c 'mount --bind "$0" /var/lib/dkms && exec "$@"' "$top/var" \
		dkms --dkmstree "$top/tree" --sourcetree "$top/src" \
		--installtree "$top/install" "$@"
}

log="$top/dkms.log"
dkms_private add -m zcnet -v "$version" >"$log" 2>&1 || { cat "$log" >&2; die "dkms add failed"; }
rc=0
dkms_private build -m zcnet -v "$version" -k "$kver" >>"$log" 2>&1 || rc=$?

if [[ $expect == refused ]]; then
	if ((rc == 77)) && grep -q BUILD_EXCLUSIVE "$log"; then
		say "dkms refused $kver (rc=77, BUILD_EXCLUSIVE)"
		exit 0
	fi
	cat "$log" >&2
	die "dkms did not refuse $kver (rc=$rc)"
fi

built="$(find "$top/tree/zcnet/$version/$kver" -name 'zcnet.ko*' -print -quit 2>/dev/null)"
if ((rc != 0)) || [[ -z $built ]]; then
	cat "$log" >&2
	find "$top/tree" -name make.log -exec cat {} + >&2 2>/dev/null || true
	die "dkms build for $kver failed (rc=$rc)"
fi
say "dkms built $built"
