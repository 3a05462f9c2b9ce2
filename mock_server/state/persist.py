"""--state FILE: the state kept in SQLite, written through before each answer, read back at start.

Each image, session and job is one row of JSON; a request's changes are committed in one
transaction before the response leaves, so a crash (even kill -9) loses no answered effect. A file
that is not a state file of this version is refused at start and never overwritten. What a row
holds is its part's business (state/rows.py): this module only keeps rows.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from mock_server.state.rows import Persistent, Row, Rows
from zstack_spec.json_types import JSON

SCHEMA_VERSION = "2"  # 2: an image's system tags are SystemTagVO rows (issue 11)
TABLES = ("meta", "images", "backup_storages", "sessions", "jobs")
# the file's own meta keys; every other meta row belongs to a part
_FILE_META = ("kind", "schema_version")


class StateFileError(Exception):
    """The state file cannot be used; the message says which file and why."""


class StateFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        # one connection, written from request threads and the job ticker: one writer at a time
        self._lock = threading.RLock()
        self._closed = False
        existed = path.exists() and path.stat().st_size > 0
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as e:
            raise StateFileError(f"{path}: cannot open the state file ({e})") from None
        # check before anything writes: a file that is not ours stays byte for byte as it was
        if existed:
            self._check()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        if not existed:
            self._create()

    def _create(self) -> None:
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            for table in TABLES[1:]:
                self._db.execute(
                    f"CREATE TABLE {table} (uuid TEXT PRIMARY KEY, data TEXT NOT NULL)"
                )
            self._db.execute(
                "INSERT INTO meta VALUES ('schema_version', ?), ('kind', 'zstack-mock')",
                (SCHEMA_VERSION,),
            )
            self._db.execute("COMMIT")

    def _check(self) -> None:
        try:
            ok = self._db.execute("PRAGMA quick_check").fetchone()[0]
            tables = {
                r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            meta = dict(self._db.execute("SELECT key, value FROM meta")) if "meta" in tables else {}
        except sqlite3.DatabaseError as e:
            self._db.close()
            raise StateFileError(
                f"{self.path}: not a zstack-mock state file ({e}); it was left "
                "untouched: move it away or pick another --state"
            ) from None
        if ok != "ok":
            raise StateFileError(
                f"{self.path}: the state file is corrupt ({ok}); it was left untouched"
            )
        if meta.get("kind") != "zstack-mock" or not set(TABLES) <= tables:
            raise StateFileError(
                f"{self.path}: not a zstack-mock state file; it was left untouched: move it away "
                "or pick another --state"
            )
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise StateFileError(
                f"{self.path}: state file version {meta.get('schema_version')} "
                f"is not {SCHEMA_VERSION}, which this zstack-mock reads; it was "
                "left untouched"
            )

    @property
    def is_empty(self) -> bool:
        """Nothing saved yet: the file holds no row but its own meta."""
        marks = ", ".join("?" * len(_FILE_META))
        query = f"SELECT 1 FROM meta WHERE key NOT IN ({marks}) LIMIT 1"
        return self._db.execute(query, _FILE_META).fetchone() is None

    # -- writing -------------------------------------------------------------------------------

    def save(self, parts: Iterable[Persistent], everything: bool = False) -> None:
        """Write what the parts changed, with their standing rows, in one transaction.

        With `everything` the file's rows (not its meta, which keeps the fault rules) are replaced
        by the parts' content: a new file, a reset, new fixtures.
        """
        parts = list(parts)
        rows = [row for part in parts for row in part.dirty_rows(everything)]
        if not rows and not everything:
            return
        rows += [row for part in parts for row in part.standing_rows()]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if everything:
                    for table in TABLES[1:]:
                        self._db.execute(f"DELETE FROM {table}")
                self._write(rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _write(self, rows: list[Row]) -> None:
        for table, key, data in rows:
            if data is None:
                key_column = "key" if table == "meta" else "uuid"
                self._db.execute(f"DELETE FROM {table} WHERE {key_column}=?", (key,))
            else:
                self._db.execute(
                    f"INSERT OR REPLACE INTO {table} VALUES (?, ?)", (key, json.dumps(data))
                )

    # -- reading -------------------------------------------------------------------------------

    def load(self, parts: Iterable[Persistent]) -> None:
        """Put the saved rows into the parts, in order (a fresh store's fixtures are replaced)."""
        try:
            rows = self._rows()
            for part in parts:
                part.load_rows(rows)
        except (KeyError, ValueError, TypeError, sqlite3.Error) as e:
            raise StateFileError(
                f"{self.path}: the state file's content cannot be read "
                f"({type(e).__name__}: {e}); it was left untouched"
            ) from None

    def _rows(self) -> Rows:
        return _TableRows(self)

    def _read(self, table: str) -> dict[str, JSON]:
        """A table's rows (meta: the parts' own keys), oldest write first."""
        if table not in TABLES:
            raise KeyError(table)
        columns = "key, value" if table == "meta" else "uuid, data"
        with self._lock:
            found = self._db.execute(f"SELECT {columns} FROM {table} ORDER BY rowid").fetchall()
        return {k: json.loads(v) for k, v in found if table != "meta" or k not in _FILE_META}

    def close(self) -> None:
        """Checkpoint and close: a clean stop leaves no -wal or -shm file beside the state file."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()


class _TableRows(Mapping[str, Mapping[str, JSON]]):
    """A state file's tables, each read when a part first asks for it.

    The fault rules read only meta: checking a large file at start reads no image.
    """

    def __init__(self, state_file: StateFile) -> None:
        self._file = state_file
        self._read: dict[str, dict[str, JSON]] = {}

    def __getitem__(self, table: str) -> Mapping[str, JSON]:
        if table not in self._read:
            self._read[table] = self._file._read(table)
        return self._read[table]

    def __iter__(self) -> Iterator[str]:
        return iter(TABLES)

    def __len__(self) -> int:
        return len(TABLES)
