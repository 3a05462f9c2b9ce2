"""A plain `pip install .` carries the spec and the default fixtures inside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel__carries_spec_fixtures_and_both_packages(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    [wheel] = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "mock_server/_data/spec/zstack-image.yaml" in names
    assert "mock_server/_data/fixtures/seed/default.yaml" in names
    assert "mock_server/_data/fixtures/samples/AddImage.request.json" in names
    assert "contract_tests/__init__.py" in names
    assert "contract_tests/_data/zstack-image.yaml" in names
    assert "contract_tests/schemathesis.toml" in names
    assert "mock_server/tooling/ui/dashboard.html" in names
    assert "mock_server/tooling/ui/docs.html" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "zstack-mock = mock_server.cli.main:main" in text
    assert "zstack-contract = contract_tests.cli:main" in text
    assert "contract_tests.plugin = contract_tests.plugin" in text


def test_installed_package__finds_its_own_spec_and_fixtures(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
    )
    [wheel] = (tmp_path / "dist").glob("*.whl")
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import mock_server.package_data as r, mock_server.app as a;"
        "print(r.spec_path()); print(r.default_fixtures_path());"
        "a.create_app()"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": ""},
    )
    spec_line, fixtures_line = out.stdout.splitlines()
    assert spec_line == str(site / "mock_server/_data/spec/zstack-image.yaml")
    assert fixtures_line == str(site / "mock_server/_data/fixtures/seed/default.yaml")
