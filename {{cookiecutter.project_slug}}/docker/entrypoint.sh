#!/bin/sh
# Container entrypoint.
#
#   (no arguments)      apply migrations once, then exec uvicorn
#   -- or --flag ...    same, with the flags appended to uvicorn's command line
#                       (docker-compose.dev.yml passes --reload this way)
#   any other command   exec it as given, without migrating, e.g.
#                       python -m app create-admin --email admin@example.com
#
# Migrations run here, before uvicorn starts its workers, so several workers
# (WEB_CONCURRENCY, which uvicorn reads itself) never race to apply them.
set -eu

if [ "$#" -gt 0 ]; then
    case "$1" in
        --) shift ;;
        -*) ;;
        *) exec "$@" ;;
    esac
fi

python -m app migrate

exec uvicorn app.main:app \
    --host 0.0.0.0 \
    --port "${PORT:-8000}" \
    --proxy-headers \
    --no-server-header \
    --forwarded-allow-ips="${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
    "$@"
