"""--state FILE: the store kept in SQLite, written through before each answer, read back at start.

Each image, session and job is one row of JSON; a request's changes are committed in one
transaction before the response leaves, so a crash (even kill -9) loses no answered effect. A file
that is not a state file of this version is refused at start and never overwritten.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import asdict, fields
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mock_server.state.images import has_deleted_ref
from mock_server.state.jobs import Deferred, Job, JobState, Progression, ProgressionMode, replayed
from mock_server.state.model import (
    BackupStorage,
    BackupStorageStatus,
    Image,
    ImageBackupStorageRef,
    ImageState,
    ImageStatus,
    Session,
)
from mock_server.tooling.faults import FaultRules
from mock_server.zstack.errors import ErrorCode, InternalError

if TYPE_CHECKING:
    from mock_server.state.store import Store

JSON = Any
SCHEMA_VERSION = "1"
TABLES = ("meta", "images", "backup_storages", "sessions", "jobs")


class StateFileError(Exception):
    """The state file cannot be used; the message says which file and why."""


def _plain(value: JSON) -> JSON:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _record(obj: object) -> str:
    return json.dumps(_plain(asdict(obj)))  # type: ignore[call-overload]


def _image(data: dict[str, JSON]) -> Image:
    refs = [
        ImageBackupStorageRef(**{**r, "status": ImageStatus(r["status"])}) for r in data.pop("refs")
    ]
    status, state = ImageStatus(data["status"]), ImageState(data["state"])
    return Image(**{**data, "status": status, "state": state, "refs": refs})


def _backup_storage(data: dict[str, JSON]) -> BackupStorage:
    return BackupStorage(**{**data, "status": BackupStorageStatus(data["status"])})


def _job_record(job: Job) -> str:
    data = {f.name: getattr(job, f.name) for f in fields(job) if f.name != "pending"}
    data["state"] = job.state.value
    data["error"] = None if job.error is None else job.error.to_json()
    data["resume"] = None if job.pending is None else job.pending.resume
    if data["due"] == float("inf"):
        data["due"] = None
    return json.dumps(data)


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
        return self._db.execute("SELECT value FROM meta WHERE key='ids'").fetchone() is None

    # -- writing -------------------------------------------------------------------------------

    def save_all(self, store: Store) -> None:
        """Replace the whole file's content with the store (a new file, a reset, new fixtures)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            for table in TABLES[1:]:
                self._db.execute(f"DELETE FROM {table}")
            store.images.touched.update(store.images.images)
            store.sessions.touched.update(store.sessions.sessions)
            store.jobs.touched.update(j.uuid for j in store.jobs.all())
            self._write(store)
            self._db.execute("COMMIT")

    def save(self, store: Store) -> None:
        """Write what changed since the last save, in one transaction."""
        if not (store.images.touched or store.sessions.touched or store.jobs.touched):
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._write(store)
            self._db.execute("COMMIT")

    def _write(self, store: Store) -> None:
        db = self._db
        for uuid in store.images.touched:
            image = store.images.images.get(uuid)
            if image is None:
                db.execute("DELETE FROM images WHERE uuid=?", (uuid,))
            else:
                db.execute("INSERT OR REPLACE INTO images VALUES (?, ?)", (uuid, _record(image)))
        for bs in store.backup_storages.values():
            db.execute(
                "INSERT OR REPLACE INTO backup_storages VALUES (?, ?)", (bs.uuid, _record(bs))
            )
        for uuid in store.sessions.touched:
            session = store.sessions.sessions.get(uuid)
            if session is None:
                db.execute("DELETE FROM sessions WHERE uuid=?", (uuid,))
            else:
                db.execute(
                    "INSERT OR REPLACE INTO sessions VALUES (?, ?)", (uuid, _record(session))
                )
        for uuid in store.jobs.touched:
            job = store.jobs.get(uuid)
            if job is None:
                db.execute("DELETE FROM jobs WHERE uuid=?", (uuid,))
            else:
                db.execute("INSERT OR REPLACE INTO jobs VALUES (?, ?)", (uuid, _job_record(job)))
        meta = {
            "ids": json.dumps(store.ids.state()),
            "next_ref_id": str(store.images.next_ref_id),
            "progression": json.dumps(store.jobs.progression.to_json()),
        }
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
        store.images.touched.clear()
        store.sessions.touched.clear()
        store.jobs.touched.clear()

    # -- reading -------------------------------------------------------------------------------

    def load_into(self, store: Store) -> None:
        """Put the saved state into a freshly built store (its fixtures' content is replaced)."""
        db = self._db
        try:
            meta = dict(db.execute("SELECT key, value FROM meta"))
            store.ids.restore(json.loads(meta["ids"]))
            store.images.next_ref_id = int(meta["next_ref_id"])
            p = json.loads(meta["progression"])
            store.jobs.progression = Progression(ProgressionMode(p["mode"]), p["value"])
            store.backup_storages.clear()
            for uuid, data in db.execute("SELECT uuid, data FROM backup_storages"):
                store.backup_storages[uuid] = _backup_storage(json.loads(data))
            store.images.images.clear()
            for uuid, data in db.execute("SELECT uuid, data FROM images"):
                image = store.images.images[uuid] = _image(json.loads(data))
                if has_deleted_ref(image):
                    store.images.awaiting_expunge.add(uuid)
            for _, data in db.execute("SELECT uuid, data FROM sessions ORDER BY rowid"):
                store.sessions.add(Session(**json.loads(data)))
            store.sessions.touched.clear()
            for _, data in db.execute("SELECT uuid, data FROM jobs ORDER BY rowid"):
                store.jobs.restore(self._job(store, json.loads(data)))
        except (KeyError, ValueError, TypeError, sqlite3.Error) as e:
            raise StateFileError(
                f"{self.path}: the state file's content cannot be read "
                f"({type(e).__name__}: {e}); it was left untouched"
            ) from None

    def _job(self, store: Store, data: dict[str, JSON]) -> Job:
        resume = data.pop("resume")
        error = data.pop("error")
        job = Job(
            **{
                **data,
                "state": JobState(data["state"]),
                "due": float("inf") if data["due"] is None else data["due"],
                "error": None if error is None else ErrorCode.from_json(error),
            }
        )
        if job.state is JobState.PROCESSING:
            job.pending = self._pending_work(store, resume)
        return job

    @staticmethod
    def _pending_work(store: Store, resume: dict[str, JSON] | None) -> Deferred:
        """Rebuild a running job's work, so it still ends after the restart."""
        if resume and "download" in resume:
            return store.images.download(resume["download"], resume["started"])
        if resume and "replay" in resume:
            record = resume["replay"]
            error = None if record["error"] is None else ErrorCode.from_json(record["error"])
            return replayed(record["result"], error)
        lost = InternalError("the mock restarted while this job was running and cannot finish it")
        return replayed(None, lost.to_error_code())

    # -- fault rules (kept in meta: they are the runtime's, and a reset keeps them) -------------

    def save_faults(self, data: dict[str, JSON]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('faults', ?)", (json.dumps(data),)
            )

    def load_faults(self, rules: FaultRules) -> None:
        """Put the saved fault rules (if any) into `rules`."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key='faults'").fetchone()
        if row is None:
            return
        try:
            rules.restore(json.loads(row[0]))
        except (KeyError, TypeError, ValueError) as e:
            raise StateFileError(
                f"{self.path}: the saved fault rules cannot be read ({type(e).__name__}: {e}); "
                "it was left untouched"
            ) from None

    def close(self) -> None:
        """Checkpoint and close: a clean stop leaves no -wal or -shm file beside the state file."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()
