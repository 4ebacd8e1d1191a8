#!/usr/bin/env bash
# Every test, from a fresh clone: system packages, npm install, type-check, unit, integration (real
# redis-server, RabbitMQ and Python Celery), and the browser tests (Playwright on Debian's Chromium).
# This is README's test line, and exactly what CI runs (.ci/run).
set -uo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
REPORTS=test-reports  # not under test-results/: Playwright empties that folder when it starts
status=0

step() { echo; echo "== $*"; }

step "system packages"
bash test/system-packages.sh || exit 1

step "npm install"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund || exit 1; else npm install --no-audit --no-fund || exit 1; fi

rm -rf "$REPORTS" && mkdir -p "$REPORTS"

step "type-check"
npm run --silent typecheck || status=1

step "unit tests"
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$REPORTS/unit.json" || status=1

step "integration tests (real brokers, real Python Celery)"
npx vitest run --project integration --reporter=default --reporter=json --outputFile.json="$REPORTS/integration.json" || status=1

step "browser tests (Playwright, Chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME="$REPORTS/e2e.json" npx playwright test --reporter=list,json || status=1

step "summary"
node test/summary.mjs "$REPORTS/unit.json" "$REPORTS/integration.json" "$REPORTS/e2e.json" || status=1
[ $status -eq 0 ] && echo "all tests passed" || echo "some tests failed"
exit $status
