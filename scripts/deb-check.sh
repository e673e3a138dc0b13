#!/bin/bash
# The Debian packages, as `make check` tests them:
#
#   deb-check.sh build        make deb (scripts/deb-build.sh) into build/deb/
#   deb-check.sh lintian      lintian on the packages; fails on any error (E:)
#   deb-check.sh files        each package's file list against the list below,
#                             one version everywhere, then all of them
#                             unpacked with dpkg -x into build/deb/root: the
#                             group from sysusers.d, the udev rule, and the
#                             API guide's example built against the unpacked
#                             header and library through pkg-config
#   deb-check.sh dkms KVER    dkms builds the packaged module source for KVER;
#                             the module carries VERSION (modinfo)
#
# The steps after build use what build left in build/deb/. Nothing is
# installed on this machine and no module is loaded.
set -euo pipefail
source "$(dirname "$0")/common.sh"

out="$ZCNET_BUILD/deb"
version="$(cat "$ZCNET_ROOT/VERSION")"
arch="$(dpkg-architecture -qDEB_HOST_ARCH 2>/dev/null || dpkg --print-architecture)"
multiarch="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)"
root="$out/root"
srcdir="usr/src/zcnet-$version"

deb() { # PACKAGE: its .deb file
	local f
	for f in "$out/${1}_${version}_all.deb" "$out/${1}_${version}_$arch.deb"; do
		[[ -f $f ]] && { echo "$f"; return; }
	done
	die "no $1 package for $version in $out (run: $0 build)"
}

# objdump's whole output is read first: under pipefail, grep -q closing
# the pipe early would fail the pipeline with SIGPIPE now and then.
links_libzcnet() { # ELF
	local dyn
	dyn="$(objdump -p "$1")" || return 1
	grep -q 'NEEDED.*libzcnet\.so\.1' <<<"$dyn"
}

# What each package must hold, files and symlinks, no more and no less.
# zcnet-dkms also holds module/ as in the source tree.
expected() { # PACKAGE
	local lib="usr/lib/$multiarch" doc="usr/share/doc/$1"
	case "$1" in
	zcnet-dkms)
		printf '%s\n' lib/udev/rules.d/60-zcnet.rules \
			usr/lib/sysusers.d/zcnet.conf usr/share/man/man7/zcnet.7.gz \
			"$srcdir"/{Kbuild,VERSION,dkms.conf,uapi/linux/zcnet.h}
		# as scripts/deb-build.sh copies them
		if git -C "$ZCNET_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
			git -C "$ZCNET_ROOT" ls-files --cached --others --exclude-standard module
		else
			(cd "$ZCNET_ROOT" && find module -type f ! -name '*.o' ! -name '.*')
		fi | sed "s|^|$srcdir/|"
		;;
	libzcnet1) echo "$lib/libzcnet.so.1" ;;
	libzcnet-dev)
		printf '%s\n' usr/include/libzcnet.h usr/include/linux/zcnet.h \
			"$lib"/{libzcnet.a,libzcnet.so,pkgconfig/libzcnet.pc} \
			usr/share/man/man3/libzcnet.3.gz
		;;
	zcnet-tools)
		printf '%s\n' usr/bin/zcnet-{httpd,recv,send,stat} \
			usr/share/man/man8/zcnet-{httpd,recv,send,stat}.8.gz
		;;
	esac
	printf '%s\n' "$doc/changelog.gz" "$doc/copyright"
}

packages=(zcnet-dkms libzcnet1 libzcnet-dev zcnet-tools)

check_files() {
	local pkg list bad=0 v
	cd "$ZCNET_ROOT"
	v="$(dpkg-parsechangelog -S Version)"
	[[ $v == "$version" ]] || die "debian/changelog has $v, VERSION has $version"
	for pkg in "${packages[@]}"; do
		v="$(dpkg-deb -f "$(deb "$pkg")" Version)"
		[[ $v == "$version" ]] || die "$pkg is version $v, not $version"
		list="$(dpkg-deb --fsys-tarfile "$(deb "$pkg")" |
			tar -tvf - | awk '$1 !~ /^d/ { sub(/^\.\//, "", $6); print $6 }' | LC_ALL=C sort)"
		if ! diff -u <(expected "$pkg" | LC_ALL=C sort) - <<<"$list" >"$out/$pkg.files.diff"; then
			say "$pkg: files differ from the expected list (-expected +packaged)"
			cat "$out/$pkg.files.diff" >&2
			bad=1
		else
			say "$pkg: $(wc -l <<<"$list") files as expected"
		fi
	done
	((bad == 0)) || die "file lists differ"

	rm -rf "$root"
	mkdir -p "$root"
	for pkg in "${packages[@]}"; do
		dpkg -x "$(deb "$pkg")" "$root"
	done

	v="$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$root/$srcdir/dkms.conf")"
	[[ $v == "$version" ]] || die "packaged dkms.conf has PACKAGE_VERSION $v"
	v="$(sed -n 's/^Version: //p' "$root/usr/lib/$multiarch/pkgconfig/libzcnet.pc")"
	[[ $v == "$version" ]] || die "libzcnet.pc has Version $v"
	say "version $version in debian/changelog, the packages, dkms.conf and libzcnet.pc"

	cmp "$root/lib/udev/rules.d/60-zcnet.rules" udev/60-zcnet.rules ||
		die "the packaged udev rule is not udev/60-zcnet.rules"
	# What the postinst does on a real system, into the scratch root.
	if command -v systemd-sysusers >/dev/null; then
		mkdir -p "$root/etc"
		systemd-sysusers --root="$root" zcnet.conf
		grep -q '^zcnet:x:[0-9]*:' "$root/etc/group" ||
			die "systemd-sysusers did not create the zcnet group"
		say "sysusers.d/zcnet.conf creates the group: $(grep '^zcnet:' "$root/etc/group")"
	else
		say "no systemd-sysusers here: the group's creation is not tried"
	fi

	# The tools run with the packaged libzcnet1, which zcnet-tools needs.
	v="$(dpkg-deb -f "$(deb zcnet-tools)" Depends)"
	[[ $v == *"libzcnet1 (>= "* ]] ||
		die "zcnet-tools does not depend on libzcnet1: Depends: $v"
	for v in "$root"/usr/bin/zcnet-*; do
		links_libzcnet "$v" || die "$v does not link libzcnet.so.1"
		LD_LIBRARY_PATH="$root/usr/lib/$multiarch" "$v" --help >/dev/null 2>&1 ||
			die "$v --help failed"
		out_v="$(LD_LIBRARY_PATH="$root/usr/lib/$multiarch" "$v" --version 2>&1)" || true
		grep -qx "libzcnet $version" <<<"$out_v" ||
			die "$v --version: no 'libzcnet $version'"
	done
	say "the tools link the packaged libzcnet.so.1; zcnet-tools depends on libzcnet1"
	export PKG_CONFIG_SYSROOT_DIR="$root"
	export PKG_CONFIG_LIBDIR="$root/usr/lib/$multiarch/pkgconfig"
	# shellcheck disable=SC2046 # flags are words
	gcc -std=c11 -Wall -Wextra -Werror userspace/examples/nop.c \
		$(pkg-config --cflags --libs libzcnet) -o "$out/nop-shared"
	links_libzcnet "$out/nop-shared" ||
		die "the example does not link libzcnet.so.1"
	# shellcheck disable=SC2046
	gcc -std=c11 -Wall -Wextra -Werror -static userspace/examples/nop.c \
		$(pkg-config --static --cflags --libs libzcnet) -o "$out/nop-static"
	say "the example builds against the packaged library, shared and static"
}

case "${1:-}" in
build)
	(($# == 1)) || die "usage: $0 build"
	"$ZCNET_SCRIPTS/deb-build.sh"
	;;
lintian)
	(($# == 1)) || die "usage: $0 lintian"
	changes="$out/zcnet_${version}_$arch.changes"
	[[ -f $changes ]] || die "no $changes (run: $0 build)"
	# Every tag goes to the log; errors fail the step.
	tags="$(lintian --info --display-level '>=pedantic' "$changes" 2>&1 |
		grep -v '^running with root privileges' || true)"
	printf '%s\n' "${tags:-no lintian tags}"
	if grep -q '^E: ' <<<"$tags"; then
		die "lintian reports errors"
	fi
	say "lintian: $(grep -c '^[EWIP]: ' <<<"$tags" || true) tags, no errors"
	;;
files)
	(($# == 1)) || die "usage: $0 files"
	check_files
	;;
dkms)
	(($# == 2)) || die "usage: $0 dkms KVER"
	[[ -f $root/$srcdir/dkms.conf ]] || die "no unpacked zcnet-dkms (run: $0 files)"
	"$ZCNET_SCRIPTS/dkms-check.sh" "$2" --src "$root/$srcdir"
	ko="$(find "$ZCNET_BUILD/dkms/$2-packaged/tree" -name 'zcnet.ko*' -print -quit)"
	v="$(modinfo -F version "$ko")"
	[[ $v == "$version" ]] || die "the module dkms built says version '$v', not $version"
	say "modinfo: version $v"
	;;
*)
	die "usage: $0 build | lintian | files | dkms KVER"
	;;
esac
