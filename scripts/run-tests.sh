#!/usr/bin/env bash
# Runs a tier of the test suite (`npm test`: test/**/*.test.ts; `npm run
# test:slow`: test/**/*.slow.ts) with a temp directory of its own, then fails
# if the run left anything in it: every test removes what it made, also when
# it fails (a user's machine or a CI runner must not fill up).
set -euo pipefail
pattern="$1"
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/dhl-test-run-XXXXXX")
status=0
TMPDIR="$run_tmp" node --import tsx --test --test-reporter=spec "$pattern" || status=$?
# tsx keeps its compile cache in the temp directory: that is the tool's, not a test's.
left=$(find "$run_tmp" -mindepth 1 -maxdepth 1 ! -name 'tsx-*' -printf '%f\n' | sort)
rm -rf "$run_tmp"
if [ -n "$left" ]; then
  echo "run-tests: the tests left these in the temp directory (each test must remove what it made):" >&2
  echo "$left" | sed 's/^/  /' >&2
  [ "$status" -eq 0 ] && status=1
fi
exit "$status"
