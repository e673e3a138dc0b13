#!/bin/bash
# `make style`: checkpatch (from Debian's linux-source-6.12) on the module's
# sources and the UAPI header, as files (--no-tree), and a check that the
# module defines no name libzcnet has. Exits non-zero on any
# error or warning.
#
#   style.sh [FILE...]    default: module/*.[ch] uapi/linux/zcnet.h
set -euo pipefail
source "$(dirname "$0")/common.sh"

tree="$("$ZCNET_SCRIPTS/ksrc.sh" checkpatch \
	scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch)"

cd "$ZCNET_ROOT"
if (($#)); then
	files=("$@")
else
	files=(module/*.[ch] uapi/linux/zcnet.h)
fi
perl "$tree/scripts/checkpatch.pl" --no-tree --file --terse \
	--show-types "${files[@]}"
say "checkpatch: ${#files[@]} files clean"

# Module-internal names stay apart from libzcnet's, so that grep finds one
# of them: no function or struct defined in module/ is named like one that
# userspace/include or userspace/lib defines or exports.
names() { # FILE...
	sed -nE -e 's/^struct (zcnet_[a-z0-9_]+) \{.*/\1/p' \
		-e 's/^[a-z_].*[ *](zcnet_[a-z0-9_]+)\(.*/\1/p' \
		-e 's/^[[:space:]]+(zcnet_[a-z0-9_]+);$/\1/p' "$@" | sort -u
}
if ((!$#)); then
	shared="$(comm -12 <(names module/*.[ch]) \
		<(names userspace/include/*.h userspace/lib/*.[ch] userspace/lib/libzcnet.map))"
	[[ -z $shared ]] || die "module names also in libzcnet: $(echo $shared)"
	say "names: module and libzcnet share none"
fi
