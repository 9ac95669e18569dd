#!/bin/sh
# Container entrypoint.
#
#   (no arguments)      apply migrations once, then exec `python -m app serve`
#   -- or --flag ...    same, with the flags appended to serve's command line
#                       (docker-compose.dev.yml passes --reload this way)
#   any other command   exec it as given, without migrating, e.g.
#                       python -m app create-admin --email admin@example.com;
#                       docker-compose.yml starts the event workers this way
#                       (python -m app relay-events{% if cookiecutter.use_redis == "true" %}, consume-events{% endif %}) once the
#                       app is healthy, i.e. migrated. Exec'd, each is PID 1 and
#                       gets `docker stop`'s SIGTERM: it ends its batch and exits.
#
# Migrations run here, once, before the server starts its workers (WEB_CONCURRENCY,
# which `serve` reads; it never migrates), so several workers never race to apply
# them, and none serves a database older than its code. `serve`
# reads the server's limits, FORWARDED_ALLOW_IPS and SHUTDOWN_TIMEOUT_SECONDS from the
# settings, trusts X-Forwarded-* only from FORWARDED_ALLOW_IPS and sends no Server header.
set -eu

if [ "$#" -gt 0 ]; then
    case "$1" in
        --) shift ;;
        -*) ;;
        *) exec "$@" ;;
    esac
fi

python -m app migrate

exec python -m app serve --host 0.0.0.0 --port "${PORT:-8000}" "$@"
