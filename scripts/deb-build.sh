#!/bin/bash
# `make deb`: build the Debian packages (debian/) from a copy of the
# source tree under build/deb/, so that the checkout stays clean:
# zcnet-dkms, libzcnet1, libzcnet-dev and zcnet-tools land in build/deb/.
# Needs the build dependencies of debian/control (scripts/deps.sh installs
# them). Prints the directory holding the .deb files on its last line.
set -euo pipefail
source "$(dirname "$0")/common.sh"

version="$(cat "$ZCNET_ROOT/VERSION")"
out="$ZCNET_BUILD/deb"
src="$out/zcnet-$version"
rm -rf "$out"
mkdir -p "$src"

# The files of the checkout that git tracks or would track (untracked but
# not ignored); without git, everything but the build directories.
cd "$ZCNET_ROOT"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [[ -e $f ]] && printf '%s\0' "$f"; done |
		tar --null -T - -cf - | tar -xf - -C "$src"
else
	tar --exclude=./build --exclude=./userspace/build --exclude=./.git \
		--exclude='*.o' --exclude='*.ko' -cf - . | tar -xf - -C "$src"
fi

say "building the packages of zcnet $version in $src"
(cd "$src" && dpkg-buildpackage -us -uc -b)
ls -l "$out"/*.deb >&2
echo "$out"
