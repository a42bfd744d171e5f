"""Publication in a shared folder: only the project's own complete versions are ever removed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from segmentation import publish

TABLES = ["dim_customer_segments", "segment_summary"]
FOREIGN = ["v1_backup", "vacation_photos", "venv", "videos"]


@pytest.fixture
def session():
    with duckdb.connect() as connection:
        connection.execute("create table dim_customer_segments as select range as customer_id from range(7)")
        connection.execute("create table segment_summary as select 'Gold' as segment, 3 as customers")
        yield connection


@pytest.fixture
def shared_dir(tmp_path) -> Path:
    """A folder shared with other things whose names start with v."""
    for name in FOREIGN:
        (tmp_path / name).mkdir()
        (tmp_path / name / "keep.txt").write_text(name)
    return tmp_path


def dead_pid() -> int:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    return int(finished.stdout)


def our_versions(publish_dir: Path) -> list[str]:
    return sorted(path.name for path in publish_dir.iterdir() if publish.VERSION_NAME.fullmatch(path.name))


def read_current(publish_dir: Path) -> int:
    with duckdb.connect(str(publish_dir / "current" / "segments.duckdb"), read_only=True) as reader:
        return reader.sql("select count(*) from dim_customer_segments").fetchall()[0][0]


def test_publishing_into_a_shared_folder_removes_only_old_versions_of_its_own(session, shared_dir):
    published = [publish.publish_tables(session, TABLES, shared_dir)["version"][0].as_py() for _ in range(5)]
    for name in FOREIGN:
        assert (shared_dir / name / "keep.txt").read_text() == name
    assert our_versions(shared_dir) == published[-3:]
    assert (shared_dir / "current").resolve() == shared_dir / published[-1]
    assert (shared_dir / published[-1] / ".segments-version").read_text().strip() == published[-1]
    assert not (shared_dir / published[-1] / ".segments-incomplete").exists()
    assert read_current(shared_dir) == 7


def test_a_half_written_version_is_not_kept_and_is_removed_once_its_writer_is_gone(session, shared_dir):
    first = publish.publish_tables(session, TABLES, shared_dir)["version"][0].as_py()
    second = publish.publish_tables(session, TABLES, shared_dir)["version"][0].as_py()
    # Named newer than any real version, so sorting by name alone would keep it among the three.
    killed = shared_dir / "v99991231T235959-000000001"
    killed.mkdir()
    (killed / ".segments-incomplete").write_text(f"{dead_pid()}\n")
    (killed / "dim_customer_segments.parquet").write_bytes(b"PAR1 half")
    writing = shared_dir / "v99991231T235959-000000002"  # another build still writing: left alone
    writing.mkdir()
    (writing / ".segments-incomplete").write_text(f"{os.getpid()}\n")
    unmarked = shared_dir / "v99991231T235959-000000003"  # our name, no marker: not provably ours
    unmarked.mkdir()

    third = publish.publish_tables(session, TABLES, shared_dir)["version"][0].as_py()
    fourth = publish.publish_tables(session, TABLES, shared_dir)["version"][0].as_py()

    assert not killed.exists()
    assert writing.is_dir() and unmarked.is_dir()
    kept = [name for name in our_versions(shared_dir) if publish.is_complete_version(shared_dir / name)]
    assert kept == [second, third, fourth]
    assert not (shared_dir / first).exists()
    assert (shared_dir / "current").resolve() == shared_dir / fourth
    for name in FOREIGN:
        assert (shared_dir / name / "keep.txt").read_text() == name


def test_the_version_current_points_to_is_never_removed(session, shared_dir, monkeypatch):
    versions = [publish.publish_tables(session, TABLES, shared_dir)["version"][0].as_py() for _ in range(3)]
    # Rolled back by hand to the oldest version: clean-up keeping only the newest must spare it.
    (shared_dir / "current").unlink()
    (shared_dir / "current").symlink_to(versions[0], target_is_directory=True)
    monkeypatch.setattr(publish, "VERSIONS_KEPT", 1)
    publish._remove_old_versions(shared_dir)
    assert our_versions(shared_dir) == [versions[0], versions[2]]
    assert read_current(shared_dir) == 7


def test_a_current_link_that_does_not_reach_the_new_version_fails_the_publication(
    session, shared_dir, monkeypatch
):
    publish.publish_tables(session, TABLES, shared_dir)

    def point_at_a_foreign_folder(publish_dir, version_dir):
        (publish_dir / "staged").symlink_to("videos", target_is_directory=True)
        (publish_dir / "staged").replace(publish_dir / "current")

    monkeypatch.setattr(publish, "_point_current_at", point_at_a_foreign_folder)
    with pytest.raises(publish.PublicationError):
        publish.publish_tables(session, TABLES, shared_dir)


def test_version_names_sort_in_time_order_across_a_second():
    just_before, just_after = 1_700_000_000_999_999_999, 1_700_000_001_000_000_001
    assert publish._version_name(just_before) < publish._version_name(just_after)
    assert publish.VERSION_NAME.fullmatch(publish._version_name(just_after))
