#!/usr/bin/env bash
# Every reason code the decision's sources can return has a row in
# decisions.data. The sources: the policy, the Batch table, the envelope,
# profile and JSON parsers, and crypto/. Codes that cannot come from a
# decision on data are listed below with the test that covers them.
#   usage: coverage.sh REPO
set -uo pipefail
repo=${1:-.}
cd "$repo" || exit 2
data=tests/decision/decisions.data
declare -A elsewhere=(
  [SG_ERR_ARG]="API misuse: test_decisions test_decision_api"
  [SG_ERR_NO_MEMORY]="out of memory: test_agent test_out_of_memory_everywhere"
  [SG_ERR_STORAGE]="the agent's slot write: test_transaction"
  [SG_ERR_STORAGE_FULL]="the agent's slot write: test_agent test_slot_too_small"
  [SG_ERR_UNKNOWN_KEY]="encrypted profiles, opened before the decision (crypto/keystore_ram.c): test_jwe"
  [SG_ERR_DECRYPT_FAILED]="encrypted profiles, opened before the decision (crypto/jwe_crypto.c): test_jwe"
)
sources="agent/src/policy.c agent/src/batch_actions.c agent/src/envelope.c agent/src/profile.c
         agent/src/json.c agent/src/b64.c crypto/*.c"
# shellcheck disable=SC2086
codes=$(grep -ohE '\bSG_ERR_[A-Z0-9_]+' $sources | sort -u)
pass=0
fail=0
for c in $codes; do
  if grep -qE "^decide:.*:$c:" "$data"; then
    pass=$((pass + 1))
  elif [ -n "${elsewhere[$c]:-}" ]; then
    echo "  $c: ${elsewhere[$c]}"
    pass=$((pass + 1))
  else
    echo "  no row of $data expects $c"
    fail=$((fail + 1))
  fi
done
echo "decision_coverage: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 20 ]
