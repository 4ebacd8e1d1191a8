#!/usr/bin/env bash
# The Debian packages the integration and browser tests run against: real brokers, real Python Celery,
# PostgreSQL 15 for durable history, and Chromium for Playwright. Installs what is missing when run as
# root on Debian; otherwise says exactly what to install and fails.
set -euo pipefail

PACKAGES=(redis-server rabbitmq-server postgresql python3-celery python3-redis chromium)

missing=()
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
# Debian 12's postgresql is version 15, which test/harness/postgres-server.ts runs.
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql)
/usr/bin/python3 -c 'import celery' 2>/dev/null || missing+=(python3-celery)
/usr/bin/python3 -c 'import redis' 2>/dev/null || missing+=(python3-redis)
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${PACKAGES[*]})"
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "system packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The packages' own service start-up fails without systemd; the tests start private servers themselves.
  apt-get install -y -qq "${missing[@]}" </dev/null >/tmp/pollen-apt.log 2>&1 || {
    tail -n 40 /tmp/pollen-apt.log
    echo "system packages: apt-get install failed (log above)" >&2
    exit 1
  }
  echo "system packages: installed"
  exit 0
fi

echo "system packages: missing ${missing[*]}" >&2
echo "The tests start real servers and real Python Celery workers. Install them with:" >&2
echo "  sudo apt-get install -y ${missing[*]}" >&2
exit 1
