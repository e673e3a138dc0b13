#!/bin/bash
# Extract parts of Debian's kernel source tarball into a cache, once.
#
#   ksrc.sh NAME PATH...
#
# Extracts each PATH (relative to the tarball's top directory) from
# /usr/src/linux-source-6.12.tar.xz (KSRC_TARBALL overrides) into
# build/cache/NAME-<package version>/ (KSRC_CACHE=DIR puts it in
# DIR/NAME-<package version>/ instead) and prints the extracted top
# directory. A PATH of "." extracts the whole tree.
set -euo pipefail
source "$(dirname "$0")/common.sh"

(($# >= 2)) || die "usage: $0 NAME PATH..."
name="$1"
shift
tarball="${KSRC_TARBALL:-/usr/src/linux-source-6.12.tar.xz}"
[[ -f $tarball ]] || die "$tarball missing (package linux-source-6.12)"

top="$(basename "$tarball" .tar.xz)"
version="$(pkg_version "$top")"
[[ $version != none ]] || version="$(stat -c %s-%Y "$tarball")"
cache="${KSRC_CACHE:-$ZCNET_CACHE}/$name-${version//[^A-Za-z0-9.+-]/_}"

if [[ ! -f $cache/.complete ]]; then
	say "extracting $* from $tarball"
	rm -rf "$cache" "$cache.tmp"
	mkdir -p "$cache.tmp"
	members=()
	for path in "$@"; do
		if [[ $path == . ]]; then
			members+=("$top")
		else
			members+=("$top/$path")
		fi
	done
	tar -xJf "$tarball" -C "$cache.tmp" "${members[@]}"
	touch "$cache.tmp/.complete"
	mv "$cache.tmp" "$cache"
fi
echo "$cache/$top"
