"""A hot standby of a throwaway PostgreSQL server, streaming from it, for one test session.

The primary is a server from tests/postgres_server.py (its wal_level, `replica` by
default, is what streaming needs; loopback replication connections are trusted). A
REPLICATION role takes a base backup with `pg_basebackup -R`, which also writes the
standby's connection back to the primary, and a second postmaster on another free
port runs on that copy: read-only, replaying the primary's WAL as it arrives.
"""

import shutil
from dataclasses import replace

import psycopg
from postgres_server import (
    PostgresServer,
    make_base_dir,
    run,
    start_guard,
    start_on_free_port,
)

REPLICATION_ROLE = "replicator"


def start_standby(primary: PostgresServer) -> PostgresServer:
    with psycopg.connect(primary.url, autocommit=True) as connection:
        connection.execute(f"CREATE ROLE {REPLICATION_ROLE} WITH REPLICATION LOGIN")
    base_dir = make_base_dir(primary.run_as)
    try:
        run(
            [
                str(primary.bin_dir / "pg_basebackup"),
                f"--host={primary.base_dir}",  # the primary's unix socket
                f"--port={primary.port}",
                f"--username={REPLICATION_ROLE}",
                f"--pgdata={base_dir / 'data'}",
                "--write-recovery-conf",
                "--wal-method=stream",
                "--checkpoint=fast",
                "--no-sync",
            ],
            primary.run_as,
        )
        standby = start_on_free_port(primary.bin_dir, base_dir, primary.run_as)
    except BaseException:
        shutil.rmtree(base_dir, ignore_errors=True)
        raise
    return replace(standby, guard=start_guard(standby))
