#!/usr/bin/env bash
# Every error code in stagegate/errors.h must be *asserted* by some test:
# as the expected value of an SG_CHECK_CODE, as a manifest "expect", or as
# the expected result in a shell test. A code nobody checks is a reason a
# person could never be shown reliably.   usage: error_coverage.sh REPO
set -uo pipefail
repo=${1:-.}
cd "$repo" || exit 2
codes=$(grep -o 'X(SG_ERR_[A-Z0-9_]*' agent/include/stagegate/errors.h | cut -c3-)
sources=$(find tests -name '*.c' -exec cat {} +)
missing=0
total=0
for c in $codes; do
  total=$((total + 1))
  if printf '%s' "$sources" | perl -0777 -ne "exit(/SG_CHECK_CODE\\([^;]*\\b$c\\b/ ? 0 : 1)" ||
     grep -qE "\"expect\": *\"$c\"" test-vectors/profiles/manifest.json ||
     grep -rqE "(expect|want|result)[^#]*\b$c\b" tests --include='*.sh'; then
    :
  else
    echo "  not asserted by any test: $c"
    missing=$((missing + 1))
  fi
done
echo "error_coverage: $((total - missing)) passed, $missing failed"
[ "$missing" -eq 0 ]
