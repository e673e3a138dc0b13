#!/bin/bash
# A newer QEMU for the guests, from Debian's bookworm-backports, unpacked
# into the cache and never installed over the system's.
#
#   qemu-backports.sh
#
# Prints a directory holding qemu-system-x86_64 (a wrapper that points the
# emulator at its own firmware and modules); put it first in PATH. Debian 12's QEMU
# (7.2) offers a virtio-net guest no UDP segmentation offload (USO), and
# its TCG computes cmpxchg16b's flags wrongly (scripts/qemu/vm.sh). The
# packages come through a private apt configuration: the system's source
# lists and package state stay as they are. Cached by package version;
# the download happens once. Exits 1, saying why, when the archive cannot
# be reached or the emulator does not run here.
set -euo pipefail
source "$(dirname "$0")/../common.sh"

suite=bookworm-backports
pkgs=(qemu-system-x86 qemu-system-common qemu-system-data)
base="$ZCNET_CACHE/qemu-backports"
apt_dir="$base/apt"

# The mirror the system's bookworm lists use, else Debian's own.
# shellcheck disable=SC2016 # apt's own $(...) format, not the shell's
mirror="$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
	awk '$2 == "bookworm" { print $1; exit }' || true)"
mirror="${mirror:-http://deb.debian.org/debian/}"

mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/etc"
# One run at a time: a check and a benchmark may start together.
exec 9>"$base/lock"
flock 9
echo "deb $mirror $suite main" >"$apt_dir/etc/sources.list"
: >"$apt_dir/status" # nothing installed, as far as this apt knows
apt_opts=(
	-o "Dir::Etc::SourceList=$apt_dir/etc/sources.list"
	-o "Dir::Etc::SourceParts=$apt_dir/etc/none"
	-o "Dir::State::Lists=$apt_dir/lists"
	-o "Dir::State::status=$apt_dir/status"
	-o "Dir::Cache=$apt_dir"
	-o "Dir::Cache::archives=$apt_dir/archives"
	-o "APT::Sandbox::User=root"
	-o "Debug::NoLocking=1"
)

version=""
[[ ! -f $base/version ]] || version="$(cat "$base/version")"
dir="$base/${version//[^A-Za-z0-9.+-]/_}"
if [[ -z $version || ! -f $dir/.complete ]]; then
	say "fetching QEMU from $suite"
	apt-get "${apt_opts[@]}" -q update >"$base/update.log" 2>&1 ||
		die "apt-get update of $suite failed (see $base/update.log)"
	version=""
	for v in $(apt-cache "${apt_opts[@]}" show qemu-system-x86 2>/dev/null |
		sed -n 's/^Version: //p' || true); do
		[[ -n $version ]] && dpkg --compare-versions "$v" le "$version" ||
			version="$v"
	done
	[[ -n $version ]] || die "no qemu-system-x86 in $suite"
	dir="$base/${version//[^A-Za-z0-9.+-]/_}"
	rm -rf "$dir" "$dir.debs"
	mkdir -p "$dir.debs"
	(cd "$dir.debs" && apt-get "${apt_opts[@]}" -q download \
		"${pkgs[@]/%/=$version}") >"$base/download.log" 2>&1 ||
		die "downloading QEMU $version failed (see $base/download.log)"
	mkdir -p "$dir/root"
	for deb in "$dir.debs"/*.deb; do
		dpkg-deb -x "$deb" "$dir/root"
	done
	rm -rf "$dir.debs"
	echo "$version" >"$base/version"
	touch "$dir/.complete"
fi
# Written each time, so that a change here reaches a cached copy.
mkdir -p "$dir/bin"
tmp="$(mktemp "$dir/bin/.wrapper.XXXXXX")"
printf '#!/bin/sh\nQEMU_MODULE_DIR="%s" exec "%s" -L "%s" "$@"\n' \
	"$dir/root/usr/lib/x86_64-linux-gnu/qemu" \
	"$dir/root/usr/bin/qemu-system-x86_64" "$dir/root/usr/share/qemu" >"$tmp"
chmod +x "$tmp"
mv "$tmp" "$dir/bin/qemu-system-x86_64"
"$dir/bin/qemu-system-x86_64" --version >/dev/null 2>"$base/run.log" ||
	die "QEMU $version does not run here (see $base/run.log)"
echo "$dir/bin"
