"""What an image costs in memory, and the change tracking that only a state file pays for."""

from __future__ import annotations

from pathlib import Path

from benchmarks import run
from mock_server.package_data import default_fixtures_path
from mock_server.state.fixtures import load_fixtures
from mock_server.state.ids import ManualClock
from mock_server.state.store import Store, StoreSettings
from tests.conftest import ZStack


def test_memory__an_image_with_two_refs_costs_at_most_1_1_kib(make_app) -> None:
    """`make bench`'s own figure: 20,000 images seeded into a served mock's store."""
    per_image = run.bytes_per_image(make_app().extensions["zstack"].store)
    assert per_image <= run.MEMORY_TARGET_KIB * 1024


def test_memory__without_a_state_file_no_change_is_kept(make_app) -> None:
    app = make_app()
    zs = ZStack(app.test_client())
    image = zs.ready_image()
    zs.poll(zs.delete_image(image["uuid"]))
    store = app.extensions["zstack"].store
    assert store.images.touched == set() and store.jobs.touched == set()
    assert store.sessions.touched == set()
    assert all(p.dirty_rows() == [] for p in store.parts())


def test_memory__a_state_file_still_gets_every_change_after_a_reset(
    make_app, tmp_path: Path
) -> None:
    state = tmp_path / "mock.db"
    zs = ZStack(make_app(state_file=state).test_client())
    zs.ready_image(name="before")
    zs.client.post("/_mock/reset")
    zs.login()
    kept = zs.ready_image(name="after the reset")
    again = ZStack(make_app(state_file=state).test_client())
    names = [i["name"] for i in again.client.get("/_mock/state").json["images"]]
    assert names == ["after the reset"]
    assert again.client.get("/_mock/state").json["images"][0]["uuid"] == kept["uuid"]


def test_memory__a_store_opened_on_a_state_file_tracks_its_changes(tmp_path: Path) -> None:
    fixtures = load_fixtures(default_fixtures_path())
    store = Store.open(fixtures, StoreSettings(seed=1, clock=ManualClock()), tmp_path / "s.db")
    run._seed(store, 1)
    assert len(store.images.touched) == 1
