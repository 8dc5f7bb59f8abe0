#!/usr/bin/env bash
# Runs the compare steps of docs/ci.md on the fixture CSVs in fixtures/ci, so that the documented recipe cannot rot.
# test/ci/recipe.test.ts checks that every depthkit command line of docs/ci.md appears verbatim below.
# Usage: test/ci/recipe.sh WORKDIR. $DEPTHKIT is how to run the CLI (default: node bin/run.js of this checkout).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$1
depthkit() { ${DEPTHKIT:-node "$repo/bin/run.js"} "$@"; }
expect_exit() { # expect_exit CODE COMMAND...
  local want=$1 got=0
  shift
  "$@" || got=$?
  if [ "$got" -ne "$want" ]; then echo "recipe: '$*' exited $got, expected $want" >&2; exit 1; fi
}

mkdir -p "$work/out"
cp -r "$repo/fixtures/ci/baseline" "$work/baseline"
cp "$repo/fixtures/ci/depthkit.config.json" "$work/"
cd "$work"
export REPORT_URL=https://ci.example/run/1

# A pull request whose numbers moved within the tolerances of depthkit.config.json.
# (Stands in for: depthkit eval --pred preds/ --gt gt/ --dataset kitti --out out)
cp "$repo/fixtures/ci/candidate-ok/summary.csv" "$repo/fixtures/ci/candidate-ok/summary.csv.meta.json" out/
expect_exit 0 depthkit compare baseline/summary.csv out/summary.csv --markdown out/compare.md --junit out/junit.xml --report-link "$REPORT_URL"
grep -q '^### depthkit compare: PASS' out/compare.md
grep -q 'failures="0"' out/junit.xml

# A pull request that regresses abs_rel and d1 beyond their tolerances.
cp "$repo/fixtures/ci/candidate-regressed/summary.csv" "$repo/fixtures/ci/candidate-regressed/summary.csv.meta.json" out/
expect_exit 1 depthkit compare baseline/summary.csv out/summary.csv --markdown out/compare.md --junit out/junit.xml --report-link "$REPORT_URL"
grep -q '^### depthkit compare: FAIL' out/compare.md
grep -q '<failure type="regression" message="abs_rel regressed' out/junit.xml
grep -q '<failure type="regression" message="d1 regressed' out/junit.xml

# Accepting the new numbers on the default branch makes them the baseline.
depthkit baseline update out/summary.csv baseline/summary.csv
test -f baseline/summary.csv.baseline.json
expect_exit 0 depthkit compare baseline/summary.csv out/summary.csv --markdown out/compare.md --junit out/junit.xml --report-link "$REPORT_URL"
echo "recipe ok"
