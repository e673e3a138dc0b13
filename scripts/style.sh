#!/bin/bash
# `make style`: checkpatch (from Debian's linux-source-6.12) on the module's
# sources and the UAPI header, as files (--no-tree). Exits non-zero on any
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
