# The scaffolding every shell test script shares (sourced, not run):
#   source tests/tools/checks.sh NAME
# A private scratch folder (removed at exit) the script cds into; under the
# sanitizer presets, sanitizer reports (leaks included, which only change
# an exit status the output checks would not see) go to files there that
# finish() turns into a failure; and the ok/bad counters with check/refute.
# Compute paths given relative to the caller's folder before sourcing.
set -uo pipefail
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sg-${1:?usage: source checks.sh NAME}.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 2
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$TMP/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$TMP/sanitizer"
PASSED=0
FAILED=0

ok() { PASSED=$((PASSED + 1)); echo "  ok   $1"; }
bad() { FAILED=$((FAILED + 1)); echo "  FAIL $1"; }
# check NAME CMD...: CMD must succeed.
check() { local n=$1; shift; if "$@"; then ok "$n"; else bad "$n"; fi; }
# refute NAME CMD...: CMD must fail.
refute() { local n=$1; shift; if "$@"; then bad "$n"; else ok "$n"; fi; }
# The end of every script: sanitizer reports fail it; it passes only with
# no failure and at least one check.
finish() {
  if compgen -G "$TMP/sanitizer.*" >/dev/null; then
    bad "sanitizer reports"
    head -c 4000 "$TMP"/sanitizer.*
  fi
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
  exit $?
}
