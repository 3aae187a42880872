#!/usr/bin/env bash
# The tests' PATH (toolchain/test-path, set by toolchain/run-tests) holds what
# a fresh Debian 12 gets from toolchain/setup and nothing else: the programs
# our scripts need are there, and ones no install step provides are not.
# Run with that PATH in effect (make test does); by hand:
#   PATH=$PWD/build/host/test-path bash tests/unit/test_path.sh
set -u
pass=0 fail=0
has() { if command -v "$1" >/dev/null; then pass=$((pass+1)); else echo "  FAIL $1 should be on the tests' PATH"; fail=$((fail+1)); fi; }
hasnt() { if command -v "$1" >/dev/null; then echo "  FAIL $1 is on the tests' PATH but no install step provides it"; fail=$((fail+1)); else pass=$((pass+1)); fi; }
case ":$PATH:" in
  *:*/test-path:*) ;;
  # ctest by hand without the PATH: nothing to check (skipped, exit 77, and
  # ctest says so); make test and CI always set it.
  *) echo "  SKIP: PATH is not the tests' PATH (toolchain/run-tests sets it)"; exit 77 ;;
esac
for p in bash openssl perl od awk sha256sum base64 cmp zint qemu-aarch64 qemu-system-arm cmake; do has "$p"; done
# xxd hid on developers' machines (issue 10): it is in no package setup installs.
for p in xxd; do hasnt "$p"; done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
