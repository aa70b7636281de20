#!/usr/bin/env bash
# Stops the local CKAN stack (`make ckan-down`): CKAN, Solr, Redis, PostgreSQL, each cleanly and
# only the processes that up.sh started (pid files in var/ckan/run). State stays in var/ckan/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/settings.sh"

# stop NAME PIDFILE PATTERN: SIGTERM the process of the pid file if it is ours (see `ours` in
# settings.sh), wait up to 30 s for it to end, then SIGKILL.
stop() {
    local name="$1" pidfile="$2" pattern="$3" pid i
    if ! ours "$pidfile" "$pattern"; then
        rm -f "$pidfile"
        return 0
    fi
    pid="$(cat "$pidfile")"
    kill -TERM "$pid"
    for ((i = 0; i < 30; i++)); do
        proc_alive "$pid" || break
        sleep 1
    done
    if proc_alive "$pid"; then
        log "$name: still running after 30 s; SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
    log "$name stopped"
}

stop CKAN "$RUN/ckan.pid" wsgi:application
stop Solr "$RUN/solr.pid" Launcher.java
stop Redis "$RUN/redis.pid" redis-server
if [[ -f "$PG_DATA/data/PG_VERSION" ]] \
    && (cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA/data" status >/dev/null 2>&1); then
    (cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA/data" -m fast -w stop >/dev/null)
    log "PostgreSQL stopped"
fi
