"""The one place state lives: a thread-safe store of images, backup storage, sessions and jobs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from mock_server.state.fixtures import Fixtures
from mock_server.state.ids import Clock, IdGenerator, SystemClock
from mock_server.state.image_actions import ImageActions
from mock_server.state.images import DEFAULT_EXPUNGE_PERIOD, ImageBackend, simulated_download
from mock_server.state.jobs import JobQueue, Progression
from mock_server.state.model import (
    Account,
    BackupStorage,
    BackupStorageStatus,
    DeletionPolicy,
    Image,
    ImageState,
    ImageStatus,
    Zone,
)
from mock_server.state.persist import StateFile
from mock_server.state.sessions import (
    DEFAULT_SESSION_TIMEOUT,
    MAX_CONCURRENT_SESSIONS,
    SessionBackend,
)


@dataclass(frozen=True, slots=True)
class StoreSettings:
    job_delay: float = 0.0
    deletion_policy: DeletionPolicy = DeletionPolicy.DELAY
    expunge_period: float = DEFAULT_EXPUNGE_PERIOD
    session_timeout: float = DEFAULT_SESSION_TIMEOUT
    seed: int | None = None
    clock: Clock = field(default_factory=SystemClock)
    # --state: the SQLite file the store is kept in; None keeps it in memory
    state_file: Path | None = None
    max_sessions: int = MAX_CONCURRENT_SESSIONS


class Store:
    """Everything the mock knows. Callers hold `locked()` around each API call."""

    def __init__(
        self, fixtures: Fixtures, settings: StoreSettings, persisted: StateFile | None = None
    ) -> None:
        self.fixtures = fixtures
        self.settings = settings
        self.clock = settings.clock
        self.ids = IdGenerator(settings.seed)
        self._lock = threading.RLock()
        now = self.clock.now()
        self.zones = {z["uuid"]: Zone(uuid=z["uuid"], name=z["name"]) for z in fixtures.zones}
        self.backup_storages = {
            b["uuid"]: BackupStorage(
                uuid=b["uuid"],
                name=b["name"],
                type=b["type"],
                url=b["url"],
                description=b.get("description"),
                status=BackupStorageStatus(b["status"]),
                state=b.get("state", "Enabled"),
                total_capacity=b["totalCapacity"],
                available_capacity=b["availableCapacity"],
                create_date=now,
                last_op_date=now,
                attached_zone_uuids=list(b.get("attachedZoneUuids", [])),
                extra=dict(b.get("extra", {})),
            )
            for b in fixtures.backup_storages
        }
        accounts = {
            a["uuid"]: Account(uuid=a["uuid"], name=a["name"], password_sha512=a["passwordSha512"])
            for a in fixtures.accounts
        }
        self.sessions = SessionBackend(
            self.clock, self.ids, accounts, settings.session_timeout, settings.max_sessions
        )
        self.images = ImageBackend(
            self.clock,
            self.ids,
            self.backup_storages,
            settings.deletion_policy,
            settings.expunge_period,
        )
        self.image_actions = ImageActions(self.images, self.clock)
        self.jobs = JobQueue(self.clock, Progression.from_delay(settings.job_delay))
        for img in fixtures.images:
            refs = {
                r["backupStorageUuid"]: ImageStatus(r["status"]) for r in img["backupStorageRefs"]
            }
            self.images.seed_image(_fixture_image(img, now), refs)
        self.persisted = persisted
        if persisted is None and settings.state_file is not None:
            persisted = self.persisted = StateFile(settings.state_file)
            if persisted.is_empty:
                persisted.save_all(self)
            else:
                persisted.load_into(self)
        elif persisted is not None:
            persisted.save_all(self)  # a reset or new fixtures replaces what the file holds

    @contextmanager
    def locked(self) -> Iterator[Store]:
        """Hold the store's lock, with every job and expunge that has come due applied first."""
        with self._lock:
            self.jobs.advance()
            self.images.expunge_expired()
            try:
                yield self
            finally:
                if self.persisted is not None:
                    # written through before the answer leaves: a crash loses nothing answered
                    self.persisted.save(self)

    def reset(self) -> Store:
        """A fresh store from the same fixtures and settings (moto's reset idea)."""
        return Store(self.fixtures, self.settings, self.persisted)


def _fixture_image(img: dict[str, object], now: float) -> Image:
    url, fmt = str(img["url"]), str(img["format"])
    media = str(img.get("mediaType") or ("ISO" if fmt == "iso" else "RootVolumeTemplate"))
    platform = img.get("platform")
    if platform is None and media != "DataVolumeTemplate":
        platform = "Linux"
    status = ImageStatus(str(img["status"]))
    # size and md5 are known once the download ends (ImageManagerImpl.handleAddImageMsg)
    downloaded = status not in (ImageStatus.CREATING, ImageStatus.DOWNLOADING)
    size, actual, md5 = simulated_download(url, fmt) if downloaded else (0, 0, None)
    return Image(
        uuid=str(img["uuid"]),
        name=str(img["name"]),
        description=None if img.get("description") is None else str(img["description"]),
        url=url,
        media_type=media,
        format=fmt,
        status=status,
        state=ImageState(str(img.get("state", ImageState.ENABLED.value))),
        create_date=now,
        last_op_date=now,
        size=size,
        actual_size=actual,
        md5_sum=md5,
        platform=None if platform is None else str(platform),
        guest_os_type=str(img.get("guestOsType") or platform) if platform else None,
        architecture="x86_64" if media != "DataVolumeTemplate" else None,
    )
