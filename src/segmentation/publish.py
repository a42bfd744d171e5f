"""Publish the BI tables after a successful build, where readers can never block the next build.

Each publication is a new, immutable folder under the publish folder, holding one Parquet file per
table and a small DuckDB file with one view per table over ``current/<table>.parquet``. The symlink
``current`` is then swapped to it in one atomic rename, so a new query sees either the old set or
the new set, and a connection kept open reads the newest build on its next query without blocking
dbt, which writes another file. The newest few versions are kept; older ones are removed.

The publish folder may be shared with other things, so only folders this module created are ever
removed. A version folder is named ``vYYYYmmddTHHMMSS-nnnnnnnnn``; the first file written into it is
``.segments-incomplete`` (holding the writer's process id) and the last is ``.segments-version``
(holding the folder's name), after which the incomplete marker is removed. So:

- a complete version has a ``.segments-version`` naming its folder; the newest ``VERSIONS_KEPT`` of
  them and the one ``current`` points to are kept, older complete versions are removed;
- a half-written version (a build killed while publishing) has only the incomplete marker; it never
  counts as a kept version and is removed once the process named in it is gone;
- anything else (another name, no marker, a marker naming another folder) is never touched.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from segmentation.spark_tables import on_spark, to_spark

CURRENT = "current"
DATABASE_FILE = "segments.duckdb"
VERSIONS_KEPT = 3
VERSION_NAME = re.compile(r"v\d{8}T\d{6}-\d{9}")
COMPLETE_MARKER = ".segments-version"
INCOMPLETE_MARKER = ".segments-incomplete"


class PublicationError(RuntimeError):
    """The new version could not be made current; the build must not report success."""


def default_publish_dir(database_path: str) -> Path:
    """`published/` beside the warehouse file."""
    return Path(database_path).resolve().parent / "published"


def _version_name(now_ns: int) -> str:
    """The version folder's name from one reading of the clock, so names sort in time order (two
    readings, seconds then nanoseconds, could straddle a second and sort a newer version first)."""
    seconds, nanoseconds = divmod(now_ns, 10**9)
    return f"v{time.strftime('%Y%m%dT%H%M%S', time.localtime(seconds))}-{nanoseconds:09d}"


def publish_tables(session, table_names: list[str], publish_dir: Path) -> pa.Table:
    """Write the tables to a new version folder, point ``current`` at it, and list what was written."""
    publish_dir.mkdir(parents=True, exist_ok=True)
    version_dir = publish_dir / _version_name(time.time_ns())
    version_dir.mkdir()
    (version_dir / INCOMPLETE_MARKER).write_text(f"{os.getpid()}\n")
    spark = on_spark(session)
    copy = _copy_spark_table if spark else _copy_table
    row_counts = [copy(session, name, version_dir) for name in table_names]
    # On Spark the view file is written by a DuckDB of its own, as the BI tools read it.
    views = duckdb.connect() if spark else session
    _write_view_database(views, table_names, version_dir, publish_dir.resolve() / CURRENT)
    _mark_complete(version_dir)
    _point_current_at(publish_dir, version_dir)
    _check_current(publish_dir, version_dir)
    _remove_old_versions(publish_dir)
    _check_current(publish_dir, version_dir)
    published = pa.table(
        {
            "table_name": pa.array(table_names, pa.string()),
            "row_count": pa.array(row_counts, pa.int64()),
            "parquet_path": pa.array([str(publish_dir / CURRENT / f"{n}.parquet") for n in table_names]),
            "version": pa.array([version_dir.name] * len(table_names), pa.string()),
        }
    )
    return to_spark(session, published) if spark else published


def _copy_table(session, name: str, version_dir: Path) -> int:
    target = version_dir / f"{name}.parquet"
    session.execute(f"copy (select * from {name}) to '{_quoted_path(target)}' (format parquet)")
    return session.execute(f"select count(*) from {name}").fetchall()[0][0]


def _copy_spark_table(spark, name: str, version_dir: Path) -> int:
    """One Parquet file per table, as on DuckDB: Spark writes a folder of parts, here exactly one."""
    parts = version_dir / f".{name}.parts"
    spark.table(name).coalesce(1).write.parquet(str(parts))
    (part,) = parts.glob("part-*.parquet")
    target = version_dir / f"{name}.parquet"
    os.replace(part, target)
    shutil.rmtree(parts)
    return duckdb.execute(f"select count(*) from read_parquet('{_quoted_path(target)}')").fetchall()[0][0]


def _write_view_database(session, table_names: list[str], version_dir: Path, current_dir: Path) -> None:
    """A DuckDB file of views over the current Parquet files: copying the tables in as well took as
    long as writing the Parquet files (2 s for 3.9 million customers).

    DuckDB checks that a view's files exist when it is created, and re-reads their columns at every
    query. So a table not yet published (the first build) gets a view over this version's file, and
    the next build's view reads ``current``.
    """
    session.execute(f"attach '{_quoted_path(version_dir / DATABASE_FILE)}' as published_version")
    try:
        for name in table_names:
            parquet = current_dir / f"{name}.parquet"
            if not parquet.exists():
                parquet = version_dir.resolve() / parquet.name
            session.execute(
                f"create view published_version.{name} as "
                f"select * from read_parquet('{_quoted_path(parquet)}')"
            )
    finally:
        session.execute("detach published_version")


def _point_current_at(publish_dir: Path, version_dir: Path) -> None:
    """Replace the ``current`` symlink atomically: a new link renamed over the old one."""
    link = publish_dir / CURRENT
    staged = publish_dir / f".{CURRENT}-{version_dir.name}"
    staged.symlink_to(version_dir.name, target_is_directory=True)
    os.replace(staged, link)


def _mark_complete(version_dir: Path) -> None:
    """The last write of a version: its name in the complete marker (staged, then renamed in)."""
    staged = version_dir / f"{COMPLETE_MARKER}.tmp"
    staged.write_text(f"{version_dir.name}\n")
    os.replace(staged, version_dir / COMPLETE_MARKER)
    (version_dir / INCOMPLETE_MARKER).unlink()


def _check_current(publish_dir: Path, version_dir: Path) -> None:
    current = (publish_dir / CURRENT).resolve()
    if current != version_dir.resolve() or not is_complete_version(current):
        raise PublicationError(
            f"{publish_dir / CURRENT} resolves to {current}, not to the version just published "
            f"({version_dir}); the BI tables were not published."
        )
    if not (current / DATABASE_FILE).is_file():
        raise PublicationError(f"The version just published lacks {current / DATABASE_FILE}.")


def is_complete_version(path: Path) -> bool:
    """A version folder this module wrote to the end."""
    marker = path / COMPLETE_MARKER
    return (
        VERSION_NAME.fullmatch(path.name) is not None
        and path.is_dir()
        and not path.is_symlink()
        and marker.is_file()
        and marker.read_text().strip() == path.name
    )


def is_abandoned_version(path: Path) -> bool:
    """A version folder this module started and whose writer is gone: a build killed while publishing."""
    marker = path / INCOMPLETE_MARKER
    if VERSION_NAME.fullmatch(path.name) is None or path.is_symlink() or not marker.is_file():
        return False
    if (path / COMPLETE_MARKER).exists():
        return False
    try:
        writer = int(marker.read_text().strip())
    except ValueError:
        return False
    return not _process_exists(writer)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_old_versions(publish_dir: Path) -> None:
    """Remove our complete versions but the newest few and the current one, and our abandoned ones."""
    current = (publish_dir / CURRENT).resolve()
    folders = sorted(path for path in publish_dir.iterdir() if VERSION_NAME.fullmatch(path.name))
    complete = [path for path in folders if is_complete_version(path)]
    old = [path for path in complete[:-VERSIONS_KEPT] if path.resolve() != current]
    abandoned = [path for path in folders if path.resolve() != current and is_abandoned_version(path)]
    for path in old + abandoned:
        shutil.rmtree(path, ignore_errors=True)


def _quoted_path(path: Path) -> str:
    return str(path).replace("'", "''")
