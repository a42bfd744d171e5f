"""Daily builds on a glob of files: each build loads only its new files, and the tables equal a full
refresh on the same files, also after a build killed at any point."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess

import duckdb
import pytest
from conftest import DBT, DbtProject

from segmentation.project import PROJECT_DIR, copy_project

pytestmark = pytest.mark.slow

SAMPLE = PROJECT_DIR / "data" / "sample" / "transactions.parquet"
DAYS = 4
GLOB_VARS = {"source_path": "data/orders/*.parquet"}
# Columns that say when a build ran, not what it computed.
RUN_TIME_COLUMNS = {"loaded_at"}
# The published copy's folder names, and the files a build read (a daily build reads fewer: the point).
SKIPPED_TABLES = {"published_marts", "stg_source_files_to_load"}


def write_day_files(root, days: int = DAYS) -> list[str]:
    """The sample split by invoice date into `days` files, one invoice's lines split across two files."""
    orders = root / "data" / "orders"
    orders.mkdir(parents=True)
    with duckdb.connect() as connection:
        connection.execute(f"create table lines as select * from read_parquet('{SAMPLE}')")
        connection.execute(
            f"""
            create table numbered as
            select *, ntile({days}) over (order by "InvoiceDate", "InvoiceNo", "StockCode") as day
            from lines
            """
        )
        # An invoice of several lines at the end of day 1: its last line moves to day 2's file.
        connection.execute(
            """
            update numbered set day = 2
            where rowid = (
                select max(rowid) from numbered
                where day = 1 and "InvoiceNo" = (
                    select "InvoiceNo" from numbered where day = 1 and "CustomerID" is not null
                    group by "InvoiceNo" having count(*) > 1 order by max("InvoiceDate") desc limit 1
                )
            )
            """
        )
        names = []
        for day in range(1, days + 1):
            name = f"day_{day}.parquet"
            connection.execute(
                f"copy (select * exclude (day) from numbered where day = {day}) to '{orders / name}'"
            )
            names.append(name)
    return names


def stage(root, names: list[str]) -> None:
    """Only the named day files are in the glob's folder; the others wait beside it."""
    orders = root / "data" / "orders"
    waiting = root / "data" / "waiting"
    waiting.mkdir(exist_ok=True)
    for path in list(orders.glob("*.parquet")) + list(waiting.glob("*.parquet")):
        target = orders if path.name in names else waiting
        if path.parent != target:
            path.rename(target / path.name)


def tables(project: DbtProject) -> list[str]:
    rows = project.query(
        "select table_name from information_schema.tables"
        " where table_schema = 'main' and table_type = 'BASE TABLE' order by 1"
    )
    return [name for (name,) in rows if name not in SKIPPED_TABLES]


def contents(project: DbtProject) -> dict[str, list[tuple]]:
    """Every table of the build, every column but the run times, rows in a fixed order."""
    result = {}
    for name in tables(project):
        columns = [c for (c,) in project.query(f"select column_name from (describe {name})")]
        kept = ", ".join(f'"{c}"' for c in columns if c not in RUN_TIME_COLUMNS)
        result[name] = project.query(f"select {kept} from {name} order by all")
    return result


@pytest.fixture(scope="module")
def daily(tmp_path_factory):
    """The project built day by day over the files, then the same files by a full refresh."""
    project = DbtProject(copy_project(tmp_path_factory.mktemp("daily") / "project"))
    names = write_day_files(project.root)
    loaded_per_build = []
    for day in range(1, DAYS + 1):
        stage(project.root, names[:day])
        project.build(GLOB_VARS)
        loaded_per_build.append(project.query("select path from stg_source_files_to_load order by 1"))
        if day == DAYS - 1:
            shutil.copy(project.database, project.root / "before_last_day.duckdb")
    incremental = contents(project)
    project.build(GLOB_VARS, "--full-refresh")
    full_refresh = contents(project)
    return project, names, loaded_per_build, incremental, full_refresh


def test_each_daily_build_reads_only_its_new_file(daily):
    _, names, loaded_per_build, _, _ = daily
    assert loaded_per_build == [[(f"data/orders/{name}",)] for name in names]


def test_daily_builds_equal_a_full_refresh(daily):
    _, _, _, incremental, full_refresh = daily
    assert incremental.keys() == full_refresh.keys()
    assert {"customer_rfm_scores", "customer_clusters", "int_invoice_day_activity"} <= incremental.keys()
    for name in incremental:
        assert incremental[name] == full_refresh[name], name


def test_every_file_and_line_is_accounted_for(daily):
    project, names, _, _, _ = daily
    files = project.query("select path, lines from source_files_loaded order by path")
    assert [path for path, _ in files] == [f"data/orders/{name}" for name in names]
    assert sum(lines for _, lines in files) == 30_000
    used = project.scalar("select sum(purchase_lines + return_lines) from int_customer_rfm")
    rejected = project.scalar("select sum(rejected_lines) from transactions_rejected_summary")
    assert used + rejected == 30_000


def test_an_invoice_split_across_files_counts_once(daily):
    project, _, _, _, _ = daily
    (customer, invoice, files) = project.query(
        "select customer_id, invoice_id, count(distinct source_file) from int_invoice_day_activity"
        " group by all having count(distinct source_file) > 1"
    )[0]
    assert files == 2
    with duckdb.connect() as connection:
        expected = connection.sql(
            f"""select count(distinct "InvoiceNo") from read_parquet('{SAMPLE}')
            where "CustomerID" = {customer} and "Quantity" > 0"""
        ).fetchall()[0][0]
    frequency = project.scalar(f"select frequency from int_customer_rfm where customer_key = {customer}")
    assert frequency == expected


def failed_build(project: DbtProject, dbt_vars: dict) -> str:
    result = project.dbt("build", dbt_vars)
    assert result.returncode != 0
    return result.stdout


def test_a_changed_loaded_file_stops_the_build_and_changes_nothing(daily):
    project, names, _, _, full_refresh = daily
    changed = project.root / "data" / "orders" / names[1]
    original = changed.read_bytes()
    times = changed.stat()
    try:
        with duckdb.connect() as connection:  # the file re-exported without its first line
            export = f"copy (select * from '{changed}' offset 1) to '{changed}.new' (format parquet)"
            connection.execute(export)
        os.replace(f"{changed}.new", changed)
        message = failed_build(project, GLOB_VARS)
        assert f"The file data/orders/{names[1]}" in message
        assert "changed (size" in message and "make build FULL_REFRESH=1" in message
        changed.unlink()
        message = failed_build(project, GLOB_VARS)
        assert f"data/orders/{names[1]}" in message and "disappeared" in message
    finally:
        changed.write_bytes(original)
        os.utime(changed, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert contents(project) == full_refresh


def test_changed_line_vars_stop_the_build(daily):
    project, _, _, _, full_refresh = daily
    message = failed_build(project, {**GLOB_VARS, "returns_policy": "exclude"})
    assert "returns_policy (net -> exclude)" in message
    assert contents(project) == full_refresh


# While the per-file rows are written, between the per-file tables, between the per-customer tables,
# once the files are recorded but no table of every customer is rebuilt yet, and while the history's
# changed periods are deleted and computed again in its stored table.
KILL_POINTS = [
    r"START sql incremental model main\.int_invoice_day_activity",
    r"OK created sql incremental model main\.int_invoice_day_activity",
    r"OK created sql incremental model main\.int_customer_period_activity",
    r"OK created sql incremental model main\.source_files_loaded",
    r"START sql table_with_appends model main\.customer_segment_history",
]


def build_killed_at(project: DbtProject, pattern: str) -> None:
    """dbt build, killed with SIGKILL (the whole process group) as soon as its log shows `pattern`."""
    env = {**os.environ, "SEGMENTS_DB": str(project.database), "PYTHONUNBUFFERED": "1"}
    argv = [DBT, "build", "--vars", json.dumps(GLOB_VARS)]
    with subprocess.Popen(
        argv, cwd=project.root, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True
    ) as build:
        for line in build.stdout:
            if re.search(pattern, line):
                os.killpg(build.pid, signal.SIGKILL)
                break
        build.wait()
    assert build.returncode == -signal.SIGKILL, f"the build ended before {pattern!r}"


@pytest.mark.parametrize("kill_point", KILL_POINTS)
def test_a_build_killed_at_any_point_then_rerun_equals_a_full_refresh(daily, tmp_path, kill_point):
    built, names, _, _, full_refresh = daily
    project = DbtProject(copy_project(tmp_path / "project"))
    shutil.copytree(built.root / "data" / "orders", project.root / "data" / "orders")
    shutil.copy(built.root / "before_last_day.duckdb", project.database)
    build_killed_at(project, kill_point)
    project.build(GLOB_VARS)
    assert contents(project) == full_refresh


# Centroids that stay put (a fixed k, no refit for a changed customer count), so that a daily build
# can keep the history periods its new lines do not reach.
KEPT_FIT_VARS = {**GLOB_VARS, "kmeans_k": 3, "kmeans_refit": "auto", "kmeans_refit_change": 1}


def test_a_daily_build_recomputes_only_the_history_periods_its_lines_reach(tmp_path):
    project = DbtProject(copy_project(tmp_path / "project"))
    names = write_day_files(project.root, days=3)
    stage(project.root, names[:1])
    project.build(KEPT_FIT_VARS)
    before = dict(
        project.query(
            "select as_of_date, any_value(inputs_fingerprint) from customer_segment_history group by all"
        )
    )
    first_period, marked_customer = project.query(
        "select as_of_date, min(customer_id) from customer_segment_history"
        " where as_of_date = (select min(as_of_date) from customer_segment_history) group by all"
    )[0]
    mark = f"as_of_date = '{first_period}' and customer_id = '{marked_customer}'"
    original_cell = project.scalar(f"select rfm_cell from customer_segment_history where {mark}")
    with duckdb.connect(str(project.database)) as connection:
        connection.execute(f"update customer_segment_history set rfm_cell = 'kept' where {mark}")

    stage(project.root, names[:2])
    project.build(KEPT_FIT_VARS)
    after = dict(
        project.query(
            "select as_of_date, any_value(inputs_fingerprint) from customer_segment_history group by all"
        )
    )
    kept = {date for date in before if after.get(date) == before[date]}
    rebuilt = set(after) - kept
    # The second file's lines start where the first file's end: the first file's complete months are
    # kept; its last, partial month and the new months are computed.
    assert sorted(kept) == sorted(before)[:-1]
    assert len(rebuilt) == len(after) - len(before) + 1
    # The marked row proves its period was kept, not computed again.
    assert project.scalar(f"select rfm_cell from customer_segment_history where {mark}") == "kept"
    with duckdb.connect(str(project.database)) as connection:
        connection.execute(f"update customer_segment_history set rfm_cell = '{original_cell}' where {mark}")
    daily = contents(project)

    project.build(KEPT_FIT_VARS, "--full-refresh")
    full_refresh = contents(project)
    assert project.scalar("select min(fit_reason) from kmeans_centroids").startswith("kept")
    assert daily == full_refresh
