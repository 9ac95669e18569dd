"""Whether the read replica serves as one, for readiness: it answers, and still replays."""

from row_query import RowQueryError

from app.application.read_database import ReadDatabase
from app.infrastructure.errors import is_transient


class SqlReplicaProbe:
    """Satisfies app.application.ports.reachability_probe.ReachabilityProbe.

    A replica that was promoted answers too, but no longer follows the primary: the
    writes made since are never seen through it, so it counts as failed. `reader` runs
    a read again on a fresh connection when its pooled one died, so a replica that
    restarted is not reported unreachable by the first probe after it.
    """

    def __init__(self, reader: ReadDatabase) -> None:
        self._reader = reader

    async def reachable(self) -> bool:
        try:
            row = await self._reader.fetch_one("health.in_recovery")
        except RowQueryError as error:
            # Refused, frozen past DATABASE_QUERY_TIMEOUT_SECONDS, pool exhausted: a state.
            if not is_transient(error):
                raise
            return False
        return bool(row and row["in_recovery"])
