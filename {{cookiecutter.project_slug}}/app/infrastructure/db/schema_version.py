"""The schema version this code expects: that of the newest file in migrations/."""

import re
from pathlib import Path

from app.infrastructure.db.migrate import MIGRATIONS_DIR

# rowquery's own naming rule for migration files: NNN_description.sql.
MIGRATION_FILE = re.compile(r"^(\d+)_.+\.sql$")


def expected_schema_version(migrations_dir: Path = MIGRATIONS_DIR) -> int:
    versions = [
        int(match.group(1))
        for path in migrations_dir.iterdir()
        if (match := MIGRATION_FILE.match(path.name))
    ]
    if not versions:
        raise RuntimeError(f"No migration files found under {migrations_dir}")
    return max(versions)
