#!/usr/bin/env bash
# A hot-standby replica of the local PostgreSQL (127.0.0.1:5432) on 127.0.0.1:5433, streaming from
# the primary through a physical replication slot, for the replica tests. Idempotent: it creates the
# replica when missing (or when it is no longer a standby of this primary), starts it when stopped,
# and waits until it streams. Run as root on a Debian PostgreSQL (pg_createcluster / pg_ctlcluster).
set -euo pipefail

version="${PG_VERSION:-$(ls /etc/postgresql | sort -V | tail -n1)}"
primary_port=5432
replica_port="${BULWARK_PG_REPLICA_PORT:-5433}"
cluster=replica
slot=bulwark_replica
data="/var/lib/postgresql/${version}/${cluster}"

log() { printf '[pg-replica] %s\n' "$*"; }
as_postgres() { runuser -u postgres -- "$@"; }
on_primary() { as_postgres psql -h 127.0.0.1 -p "$primary_port" -U postgres -d postgres -XAtqc "$1"; }
on_replica() { as_postgres psql -h 127.0.0.1 -p "$replica_port" -U postgres -d postgres -XAtqc "$1"; }

pg_isready -h 127.0.0.1 -p "$primary_port" -q || { log "the primary on port ${primary_port} does not answer"; exit 1; }

# The primary must write enough WAL for a standby and accept walsenders (Debian's defaults do).
wal_level="$(on_primary 'SHOW wal_level')"
senders="$(on_primary 'SHOW max_wal_senders')"
if [ "$wal_level" = minimal ] || [ "$senders" -lt 2 ]; then
  log "the primary has wal_level=${wal_level}, max_wal_senders=${senders}: needs replica and at least 2 (a restart of the primary)"
  exit 1
fi

# Replication connections from this host, without a password (like every other local connection here).
hba="$(on_primary 'SHOW hba_file')"
if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
  log "allowing local replication connections in ${hba}"
  printf '%s\n' 'host    replication     all             127.0.0.1/32            trust' >>"$hba"
  on_primary 'SELECT pg_reload_conf()' >/dev/null
fi

exists() { pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { found = 1 } END { exit !found }'; }
running() { pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c && $4 ~ /online/ { found = 1 } END { exit !found }'; }
streaming() { [ "$(on_replica "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'" 2>/dev/null)" = 1 ]; }

create() {
  if exists; then
    log "dropping the old ${version}/${cluster} cluster"
    pg_dropcluster --stop "$version" "$cluster"
  fi
  # The slot keeps the WAL the replica has not received yet (a stopped replica catches up on start).
  on_primary "SELECT pg_drop_replication_slot('${slot}') FROM pg_replication_slots WHERE slot_name = '${slot}' AND NOT active" >/dev/null
  log "creating ${version}/${cluster} on port ${replica_port} from the primary on ${primary_port}"
  pg_createcluster "$version" "$cluster" --port "$replica_port" >/dev/null
  # The same client rules as the primary (trust from this host), not pg_createcluster's password rules.
  install -o postgres -g postgres -m 640 "$hba" "/etc/postgresql/${version}/${cluster}/pg_hba.conf"
  # pg_basebackup fills an empty directory the postgres user owns (its parent may be root's).
  find "$data" -mindepth 1 -delete
  install -d -o postgres -g postgres -m 700 "$data"
  # -R writes standby.signal and primary_conninfo; -C -S creates the slot it streams from.
  if on_primary "SELECT 1 FROM pg_replication_slots WHERE slot_name = '${slot}'" | grep -q 1; then
    as_postgres pg_basebackup -h 127.0.0.1 -p "$primary_port" -U postgres -D "$data" -R -X stream -S "$slot" --checkpoint=fast
  else
    as_postgres pg_basebackup -h 127.0.0.1 -p "$primary_port" -U postgres -D "$data" -R -X stream -C -S "$slot" --checkpoint=fast
  fi
}

start() {
  running || pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p "$replica_port" -q && break; sleep 1; done
}

wait_streaming() {
  for _ in $(seq 1 30); do streaming && return 0; sleep 1; done
  return 1
}

# A cluster that is not a standby (promoted, or someone else's) is replaced by a fresh replica.
if ! exists || [ ! -f "${data}/standby.signal" ]; then create; fi
if ! cmp -s "$hba" "/etc/postgresql/${version}/${cluster}/pg_hba.conf"; then
  install -o postgres -g postgres -m 640 "$hba" "/etc/postgresql/${version}/${cluster}/pg_hba.conf"
  if running; then pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" reload; fi
fi
start
if ! wait_streaming; then
  # It cannot follow the primary (WAL gone, a new primary, a broken data directory): start over once.
  log "the replica does not stream from the primary; recreating it"
  create
  start
  wait_streaming || { log "the replica on port ${replica_port} still does not stream"; exit 1; }
fi
on_replica 'SELECT pg_is_in_recovery()' | grep -q t || { log "the server on port ${replica_port} is not in recovery"; exit 1; }
# A test that paused replay and died must not leave the replica behind for the next run.
if [ "$(on_replica 'SELECT pg_is_wal_replay_paused()')" = t ]; then on_replica 'SELECT pg_wal_replay_resume()' >/dev/null; fi
log "replica on 127.0.0.1:${replica_port} streams from 127.0.0.1:${primary_port}"
