# Sourced by .ci/run and bench/run: makes TEST_POSTGRES_URL point at a running
# PostgreSQL, installing and starting a local one if the machine has none.

pg_up() {
  command -v psql >/dev/null 2>&1 && psql "$1" -qAtc 'select 1' >/dev/null 2>&1
}

ensure_postgres() {
  : "${TEST_POSTGRES_URL:=postgres://postgres@127.0.0.1:5432/postgres}"
  if pg_up "$TEST_POSTGRES_URL"; then export TEST_POSTGRES_URL; return; fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "== installing PostgreSQL"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q postgresql postgresql-client
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "== starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 60); do
    pg_isready -h 127.0.0.1 -p 5432 -q && break
    sleep 1
  done
  if ! pg_up "$TEST_POSTGRES_URL"; then
    # A fresh install asks for a password over TCP; give the superuser one.
    su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
    TEST_POSTGRES_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres
  fi
  pg_up "$TEST_POSTGRES_URL" || { echo "PostgreSQL is not reachable at $TEST_POSTGRES_URL" >&2; exit 1; }
  export TEST_POSTGRES_URL
}
