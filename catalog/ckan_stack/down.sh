#!/usr/bin/env bash
# Stops the local CKAN stack (`make ckan-down`): CKAN, Solr, Redis, PostgreSQL, each cleanly and
# only the processes that up.sh started (pid files in var/ckan/run). State stays in var/ckan/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/settings.sh"

stop CKAN "$RUN/ckan.pid" wsgi:application
stop Solr "$RUN/solr.pid" Launcher.java
stop Redis "$RUN/redis.pid" redis-server
if [[ -f "$PG_DATA/data/PG_VERSION" ]] \
    && (cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA/data" status >/dev/null 2>&1); then
    (cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA/data" -m fast -w stop >/dev/null)
    log "PostgreSQL stopped"
fi
