#!/usr/bin/env bash
# Builds from scratch and runs the whole test suite in every preset: release, debug-asan
# (AddressSanitizer + UBSan) and embedded (-fno-exceptions -fno-rtti, no threads). Stops at the
# first failure with a non-zero exit status.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
for preset in release debug-asan embedded; do
  echo "=== preset $preset ===" >&2
  start=$(date +%s)
  cmake --workflow --preset "$preset" --fresh
  echo "=== preset $preset passed in $(( $(date +%s) - start )) s ===" >&2
done
