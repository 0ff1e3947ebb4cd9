#!/usr/bin/env bash
# Makes sure the services the tests use are installed and running on this machine:
# Redis on 127.0.0.1:6379 (the Upstash driver's tests reach it through a local REST endpoint) and
# PostgreSQL on 127.0.0.1:5432 with trust auth and a `test` database (the Postgres driver's tests,
# directly and through local Neon HTTP / WebSocket endpoints). Also Debian's Chromium at
# /usr/bin/chromium for the dashboard's browser test (playwright-core drives it; it downloads none).
set -euo pipefail

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! command -v redis-server >/dev/null 2>&1; then
  echo "installing redis-server"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
if ! redis_up; then
  echo "starting redis-server"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 50); do redis_up && break; sleep 0.1; done
fi
redis_up || { echo "redis is not answering on 127.0.0.1:6379" >&2; exit 1; }
echo "redis: $(redis-cli -h 127.0.0.1 -p 6379 info server | grep redis_version | tr -d '\r')"

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "installing postgresql"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
if ! pg_up; then
  echo "starting postgresql"
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  # A fresh install allows only peer/md5 on TCP: the tests connect as postgres without a password.
  hba=/etc/postgresql/$version/main/pg_hba.conf
  if ! grep -q "^host all all 127.0.0.1/32 trust" "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 100); do pg_up && break; sleep 0.1; done
fi
pg_up || { echo "postgres is not answering on 127.0.0.1:5432" >&2; exit 1; }
if ! psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1; then
  psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE test" >/dev/null
fi
echo "postgres: $(psql -h 127.0.0.1 -U postgres -d test -tAc 'SHOW server_version')"

if ! [ -x /usr/bin/chromium ]; then
  echo "installing chromium"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
