"""Speed and scale: the project's `dbt build` against the floor and the notebook's way, on one file.

Three contenders read the same synthetic transaction log (``segmentation.generator``) and compute
per-customer RFM values, scores and K-means clusters:

* project:  a full ``dbt build`` (every model, every test) on a fresh copy of the dbt project with a
  fresh DuckDB file;
* floor:    one process, one hand-written DuckDB query for the RFM values and scores, then
  scikit-learn K-means as the project does it (k = 1..9 on a sample, kneedle, a final fit,
  every customer assigned), and nothing else;
* notebook: the seed notebook's way with pandas: the whole table in memory, groupby with Python
  lambdas, row-wise scoring, K-means elbow over k = 1..9 on every customer.

Each contender runs as its own child process. Its wall time is measured from start to exit (Python
start-up and imports included), and its peak RSS is the larger of the kernel's high-water mark of
the largest process in its tree (``os.wait4``) and the largest sum of the tree's RSS seen by polling
(which catches several processes at once). Generating the file is timed apart; the file is cached
in the work folder by (lines, seed).

Benchmarks print figures; they never fail on a timing. ``python -m segmentation.bench --lines N``
prints a table and writes ``bench.json`` in the work folder. ``python -m segmentation.bench floor
FILE`` and ``... notebook FILE`` run one contender in the current process (what the children do).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import psutil

from segmentation.project import PROJECT_DIR, copy_project

DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "segmentation-bench"
DEFAULT_SEED = 42

# The notebook's way holds the whole table in pandas: it is skipped above this many lines, or when
# its estimated peak memory passes the ceiling (or 90% of the memory available now).
DEFAULT_NOTEBOOK_MAX_LINES = 30_000_000
NOTEBOOK_MEMORY_CEILING_BYTES = 16 * 1024**3
# Peak RSS of the notebook's way was about 350 bytes per input line at 10^7 lines (3.5 GB); with a
# margin. 3 x 10^7 lines are estimated at 13.9 GB.
NOTEBOOK_BYTES_PER_LINE = 450
NOTEBOOK_FIXED_BYTES = 400 * 1024**2

# sklearn's default (1 GB) computes a 10k-row silhouette in one 800 MB block: slower and larger.
FLOOR_SILHOUETTE_WORKING_MEMORY_MB = 64

RSS_POLL_SECONDS = 0.05
SLOWEST_NODES_SHOWN = 8
LOG_TAIL_CHARS = 3000

BUSY_MACHINE_NOTE = (
    "others CPU s = CPU time that other processes used meanwhile; well above 0, the figures are disturbed"
)

# The targets of the issue, printed beside the figures (never asserted).
TARGET_PROJECT_VS_FLOOR = 1.3
TARGET_NOTEBOOK_VS_PROJECT = 5.0
TARGET_PEAK_RSS_MB = 4096


@dataclass
class BenchResult:
    """One contender's figures. ``vs_floor`` and ``vs_project`` are wall-time ratios to those
    contenders (None when either did not finish); ``steps`` are seconds of its own phases."""

    contender: str
    lines: int
    status: str  # ok, failed or skipped
    wall_seconds: float | None = None
    cpu_seconds: float | None = None
    other_cpu_seconds: float | None = None
    peak_rss_mb: float | None = None
    customers: int | None = None
    steps: dict[str, float] = field(default_factory=dict)
    note: str = ""
    vs_floor: float | None = None
    vs_project: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class ChildRun:
    """How a child process ended and what it cost."""

    returncode: int
    wall_seconds: float
    cpu_seconds: float
    peak_rss_bytes: int
    other_cpu_seconds: float  # CPU time the rest of the machine used meanwhile (a busy-machine warning)


@dataclass(frozen=True)
class Generation:
    """The generated transaction file, its size in lines and how long it took to make."""

    path: Path
    lines: int
    seconds: float
    cached: bool


# --------------------------------------------------------------------------------------------
# Measuring a child process
# --------------------------------------------------------------------------------------------


class _TreeRssSampler(threading.Thread):
    """Polls a process and its descendants and keeps the largest sum of their RSS."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self._pid = pid
        self._finished = threading.Event()
        self.peak_bytes = 0

    def run(self) -> None:
        try:
            root = psutil.Process(self._pid)
        except psutil.Error:
            return
        while not self._finished.is_set():
            self.peak_bytes = max(self.peak_bytes, _tree_rss_bytes(root))
            self._finished.wait(RSS_POLL_SECONDS)

    def stop(self) -> None:
        self._finished.set()
        self.join()


def _tree_rss_bytes(root: psutil.Process) -> int:
    total = 0
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    for process in processes:
        with contextlib.suppress(psutil.Error):  # it may have ended since it was listed
            total += process.memory_info().rss
    return total


def measure_child(
    argv: list[str], *, cwd: Path, env: dict[str, str], log_path: Path, cpus: set[int] | None
) -> ChildRun:
    """Run ``argv`` to its end with output to ``log_path``; return its exit code, wall time and peak RSS.

    ``os.wait4`` gives the child's own rusage, whose ``ru_maxrss`` (KB on Linux) is the high-water
    mark of the largest process in its tree; the poller adds the case of several live processes.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        machine_busy_before = _machine_busy_seconds()
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        if cpus:
            with contextlib.suppress(ProcessLookupError):  # it may have ended already
                os.sched_setaffinity(process.pid, cpus)
        sampler = _TreeRssSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        machine_busy = _machine_busy_seconds() - machine_busy_before
        sampler.stop()
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait
    peak = max(usage.ru_maxrss * 1024, sampler.peak_bytes)
    cpu = usage.ru_utime + usage.ru_stime
    return ChildRun(
        process.returncode,
        wall_seconds=wall,
        cpu_seconds=cpu,
        peak_rss_bytes=peak,
        other_cpu_seconds=max(0.0, machine_busy - cpu),
    )


def _machine_busy_seconds() -> float:
    """CPU seconds all CPUs have spent doing anything but idling since boot."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def _failure_note(run: ChildRun, log_path: Path) -> str:
    if run.returncode < 0:
        reason = f"killed by signal {-run.returncode}"
        if run.returncode == -9:
            reason += " (out of memory?)"
    else:
        reason = f"exit code {run.returncode}"
    tail = log_path.read_text(errors="replace")[-LOG_TAIL_CHARS:] if log_path.exists() else ""
    return f"{reason}; log {log_path}:\n{tail}"


def _child_env(threads: int | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **(extra or {})}
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
        env["SEGMENTS_THREADS"] = str(threads)
        env["SEGMENTS_BENCH_THREADS"] = str(threads)
    return env


def _cpu_set(threads: int | None) -> set[int] | None:
    if not threads:
        return None
    available = sorted(os.sched_getaffinity(0))
    return set(available[:threads])


# --------------------------------------------------------------------------------------------
# The transaction file
# --------------------------------------------------------------------------------------------


def ensure_transactions(workdir: Path, n_lines: int, seed: int) -> Generation:
    """The generated file for (n_lines, seed) in ``workdir/data``, made once and reused."""
    path = workdir / "data" / f"transactions_{n_lines}_seed{seed}.parquet"
    timing = path.with_suffix(".generation.json")
    if path.exists():
        seconds = json.loads(timing.read_text())["seconds"] if timing.exists() else 0.0
        return Generation(path=path, lines=n_lines, seconds=seconds, cached=True)
    from segmentation.generator import write_transactions

    started = time.perf_counter()
    write_transactions(path, n_lines, seed=seed, fmt="parquet")
    seconds = time.perf_counter() - started
    timing.write_text(json.dumps({"seconds": seconds}))
    return Generation(path=path, lines=n_lines, seconds=seconds, cached=False)


# --------------------------------------------------------------------------------------------
# Contender 1: the project (dbt build)
# --------------------------------------------------------------------------------------------


def _python_model_names(project_copy: Path) -> list[str]:
    folder = project_copy / "python_models"
    return sorted(path.stem for path in folder.rglob("*.py")) if folder.is_dir() else []


def count_rows(database: Path, table: str) -> int:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.sql(f"select count(*) from {table}").fetchall()[0][0]


def slowest_nodes(run_results_path: Path, limit: int = SLOWEST_NODES_SHOWN) -> list[dict]:
    """The dbt nodes that took longest, from target/run_results.json."""
    if not run_results_path.exists():
        return []
    results = json.loads(run_results_path.read_text())["results"]
    nodes = [
        {
            "node": result["unique_id"],
            "seconds": round(result["execution_time"], 3),
            "status": result["status"],
        }
        for result in results
    ]
    return sorted(nodes, key=lambda node: -node["seconds"])[:limit]


def _dbt_step_seconds(run_results_path: Path) -> dict[str, float]:
    """Seconds summed by kind of node (model, test, unit_test, ...) and dbt's own elapsed time."""
    if not run_results_path.exists():
        return {}
    run_results = json.loads(run_results_path.read_text())
    steps: dict[str, float] = {}
    for result in run_results["results"]:
        kind = result["unique_id"].split(".")[0]
        steps[f"{kind}s"] = round(steps.get(f"{kind}s", 0.0) + result["execution_time"], 3)
    steps["dbt_elapsed"] = round(run_results.get("elapsed_time", 0.0), 3)
    return steps


def run_project(
    generation: Generation, workdir: Path, project_dir: Path, threads: int | None
) -> tuple[BenchResult, list[dict]]:
    """A full ``dbt build`` on a fresh copy of the project; the result and the slowest nodes.

    ``dbt parse`` runs first, untimed, as dbt's partial-parse cache makes every build after a
    project's first one skip parsing; the parse time is reported in the note.
    """
    copy = copy_project(workdir / "project", project_dir)
    database = copy / "warehouse" / "segments.duckdb"
    dbt = str(Path(sys.executable).with_name("dbt"))
    dbt_vars = ["--vars", json.dumps({"source_path": str(generation.path)})]
    env = _child_env(threads, {"SEGMENTS_DB": str(database)})
    parse_started = time.perf_counter()
    subprocess.run([dbt, "parse", *dbt_vars], cwd=copy, env=env, capture_output=True, check=True)
    parse_seconds = time.perf_counter() - parse_started
    log_path = workdir / "logs" / "project.log"
    run = measure_child(
        [dbt, "build", *dbt_vars], cwd=copy, env=env, log_path=log_path, cpus=_cpu_set(threads)
    )
    run_results = copy / "target" / "run_results.json"
    if run_results.exists():
        shutil.copy2(run_results, workdir / "project_run_results.json")
    python_models = _python_model_names(copy)
    note = "python models: " + (", ".join(python_models) if python_models else "none (no K-means)")
    note += f"; dbt parse beforehand {parse_seconds:.1f} s"
    result = _result_from_run("project", generation.lines, run, log_path, note)
    result.steps = _dbt_step_seconds(run_results)
    if result.ok:
        result.customers = count_rows(database, "customer_rfm_scores")
    return result, slowest_nodes(run_results)


def _result_from_run(
    contender: str, n_lines: int, run: ChildRun, log_path: Path, note: str = ""
) -> BenchResult:
    ok = run.returncode == 0
    return BenchResult(
        contender=contender,
        lines=n_lines,
        status="ok" if ok else "failed",
        wall_seconds=round(run.wall_seconds, 3),
        cpu_seconds=round(run.cpu_seconds, 3),
        other_cpu_seconds=round(run.other_cpu_seconds, 1),
        peak_rss_mb=round(run.peak_rss_bytes / 1024**2, 1),
        note=note if ok else f"{note}; {_failure_note(run, log_path)}".lstrip("; "),
    )


# --------------------------------------------------------------------------------------------
# Contenders 2 and 3 as children: python -m segmentation.bench floor|notebook FILE --result JSON
# --------------------------------------------------------------------------------------------


def run_module_contender(
    contender: str, generation: Generation, workdir: Path, seed: int, threads: int | None
) -> BenchResult:
    """Run the floor or the notebook's way in a child process and read what it reported."""
    result_path = workdir / f"{contender}_result.json"
    result_path.unlink(missing_ok=True)
    argv = [sys.executable, "-m", "segmentation.bench", contender, str(generation.path)]
    argv += ["--result", str(result_path), "--seed", str(seed)]
    log_path = workdir / "logs" / f"{contender}.log"
    temp_dir = workdir / "tmp" / contender
    run = measure_child(
        argv,
        cwd=workdir,
        env=_child_env(threads, {"SEGMENTS_BENCH_TEMP_DIR": str(temp_dir)}),
        log_path=log_path,
        cpus=_cpu_set(threads),
    )
    result = _result_from_run(contender, generation.lines, run, log_path)
    if result.ok:
        reported = json.loads(result_path.read_text())
        result.customers = reported["customers"]
        result.steps = reported["steps"]
        result.note = f"k={reported['k']}"
    shutil.rmtree(temp_dir, ignore_errors=True)
    return result


class _Stopwatch:
    """Seconds of named steps, in order."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.steps[name] = round(now - self._last, 3)
        self._last = now


def _write_report(result_path: Path, customers: int, k: int, watch: _Stopwatch) -> None:
    payload = {"customers": customers, "k": k, "steps": watch.steps}
    result_path.write_text(json.dumps(payload))


# --------------------------------------------------------------------------------------------
# The floor: one DuckDB query and scikit-learn, nothing else
# --------------------------------------------------------------------------------------------

# The project's default rules: lines need a customer, a timestamp, a non-zero quantity and a price
# >= 0; purchases are positive quantities; returns are netted into monetary; frequency = distinct
# purchase invoices; recency = whole days from the last purchase to the day after the last used
# line; NTILE scores (higher is better, ties by customer_id in the source's type, as the project
# breaks them, which is also far faster than text); tiers from quartiles of the score sum;
# customer_id becomes text at the end.
FLOOR_SQL = """
with
lines as (
    select
        "CustomerID" as customer_id,
        "InvoiceNo" as invoice_id,
        "InvoiceDate" as invoiced_at,
        "Quantity" > 0 as is_purchase,
        "Quantity" * "UnitPrice" as line_amount
    from read_parquet($path)
    where "CustomerID" is not null and "InvoiceDate" is not null
        and "Quantity" <> 0 and "UnitPrice" >= 0
),
per_customer as (
    select
        customer_id,
        max(invoiced_at) filter (where is_purchase) as last_purchase_at,
        count(distinct invoice_id) filter (where is_purchase) as frequency,
        count(*) filter (where is_purchase) as purchase_lines,
        sum(line_amount) as monetary,
        max(invoiced_at) as last_activity_at
    from lines
    group by customer_id
),
rfm as (
    select
        customer_id,
        cast(floor((epoch(cast(as_of.as_of_date as timestamp)) - epoch(last_purchase_at)) / 86400)
            as integer) as recency_days,
        frequency,
        monetary
    from per_customer
    cross join (select cast(max(last_activity_at) as date) + 1 as as_of_date from per_customer) as as_of
    where purchase_lines > 0
),
scored as (
    select
        *,
        ntile(4) over (order by recency_days desc, customer_id) as r_score,
        ntile(4) over (order by frequency, customer_id) as f_score,
        ntile(4) over (order by monetary, customer_id) as m_score
    from rfm
),
summed as (
    select *, r_score + f_score + m_score as rfm_score from scored
),
cuts as (
    select quantile_cont(rfm_score, [0.25, 0.5, 0.75]) as cut from summed
)
select
    summed.* replace (cast(summed.customer_id as varchar) as customer_id),
    1 + (summed.rfm_score < cut[1])::int + (summed.rfm_score < cut[2])::int
        + (summed.rfm_score < cut[3])::int as tier_rank
from summed
cross join cuts
"""


def floor_rfm_table(data_path: Path):
    """The per-customer RFM table of the floor as an Arrow table (one query, fetched as Arrow)."""
    import duckdb

    connection = duckdb.connect(config=_floor_duckdb_config())
    try:
        return connection.sql(FLOOR_SQL, params={"path": str(data_path)}).to_arrow_table()
    finally:
        connection.close()


def _floor_duckdb_config() -> dict[str, str]:
    """The profile's settings (memory_limit, temp_directory from the same env vars)."""
    temp_dir = os.environ.get("SEGMENTS_TEMP_DIR") or os.environ.get("SEGMENTS_BENCH_TEMP_DIR")
    config = {
        "memory_limit": os.environ.get("SEGMENTS_MEMORY_LIMIT", "8GB"),
        "preserve_insertion_order": "false",
        "temp_directory": temp_dir or str(Path(tempfile.gettempdir()) / "segmentation-bench-floor"),
    }
    if os.environ.get("SEGMENTS_BENCH_THREADS"):
        config["threads"] = os.environ["SEGMENTS_BENCH_THREADS"]
    return config


def scaled_log_features(recency, frequency, monetary):
    """log of R, F, M (values <= 0 as 1), standardised per column: float64 (n, 3)."""
    import numpy as np

    features = np.column_stack([recency, frequency, monetary]).astype(np.float64)
    features = np.log(np.where(features <= 0, 1.0, features))
    std = features.std(axis=0)
    return (features - features.mean(axis=0)) / np.where(std > 0, std, 1.0)


def floor_kmeans(features, seed: int) -> int:
    """The project's K-means recipe, minimal: k = 1..9 on a sample with silhouettes on a smaller
    one, the kneedle elbow, a final fit on a larger sample, and every customer assigned (sample
    sizes, starts and kneedle are the project's). Returns k."""
    import numpy as np
    from sklearn.cluster import KMeans

    from segmentation import kmeans as project_defaults

    rng = np.random.default_rng(seed)
    ks = list(range(project_defaults.DEFAULT_K_MIN, project_defaults.DEFAULT_K_MAX + 1))
    inertias = _floor_k_curve(_random_rows(features, project_defaults.DEFAULT_SAMPLE_SIZE, rng), ks, seed)
    k = project_defaults.kneedle_elbow(ks, inertias) or ks[0]
    fit_rows = _random_rows(features, project_defaults.DEFAULT_FIT_SAMPLE_SIZE, rng)
    KMeans(k, n_init=project_defaults.DEFAULT_N_INIT, random_state=seed).fit(fit_rows).predict(features)
    return k


def _floor_k_curve(sample, ks: list[int], seed: int) -> list[float]:
    """Inertia of K-means for each k on the sample, and a silhouette score per k >= 2 (computed, as
    the project does, and dropped: only its cost matters here)."""
    import numpy as np
    import sklearn
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    from segmentation import kmeans as project_defaults

    rng = np.random.default_rng(seed)
    silhouette_size = min(len(sample), project_defaults.DEFAULT_SILHOUETTE_SAMPLE_SIZE)
    silhouette_rows = rng.choice(len(sample), silhouette_size, replace=False)
    inertias = []
    for k in ks:
        model = KMeans(k, n_init=project_defaults.DEFAULT_N_INIT, random_state=seed).fit(sample)
        inertias.append(float(model.inertia_))
        if k > 1:
            with sklearn.config_context(working_memory=FLOOR_SILHOUETTE_WORKING_MEMORY_MB):
                silhouette_score(sample[silhouette_rows], model.labels_[silhouette_rows])
    return inertias


def _random_rows(features, max_rows: int, rng):
    if len(features) <= max_rows:
        return features
    return features[rng.choice(len(features), max_rows, replace=False)]


def run_floor(data_path: Path, result_path: Path, seed: int) -> None:
    watch = _Stopwatch()
    table = floor_rfm_table(data_path)
    watch.lap("rfm_sql")
    features = scaled_log_features(
        *(table.column(name).to_numpy() for name in ("recency_days", "frequency", "monetary"))
    )
    k = floor_kmeans(features, seed)
    watch.lap("kmeans")
    _write_report(result_path, table.num_rows, k, watch)


# --------------------------------------------------------------------------------------------
# The notebook's way: pandas, lambdas, row-wise apply, K-means on every customer
# --------------------------------------------------------------------------------------------


def run_notebook(data_path: Path, result_path: Path, seed: int) -> None:
    import pandas as pd

    watch = _Stopwatch()
    table = pd.read_parquet(data_path)
    watch.lap("read_parquet")
    rfm = notebook_rfm(table)
    del table
    watch.lap("groupby_lambdas")
    notebook_scores(rfm)
    watch.lap("rowwise_scores")
    k = notebook_kmeans(rfm, seed)
    watch.lap("kmeans")
    _write_report(result_path, len(rfm), k, watch)


def notebook_rfm(table):
    """Recency, Frequency, Monetary per customer, the notebook's way, with the project's rules."""
    import pandas as pd

    table = table.dropna(subset=["CustomerID", "InvoiceDate"])
    table = table[(table["Quantity"] != 0) & (table["UnitPrice"] >= 0)].copy()
    table["TotalPrice"] = table["Quantity"] * table["UnitPrice"]
    reference_date = table["InvoiceDate"].max().normalize() + pd.Timedelta(days=1)
    purchases = table[table["Quantity"] > 0]
    rfm = purchases.groupby("CustomerID").agg(
        {
            "InvoiceDate": lambda dates: (reference_date - dates.max()).days,
            "InvoiceNo": lambda invoices: len(invoices.unique()),
        }
    )
    rfm.columns = ["Recency", "Frequency"]
    monetary = table.groupby("CustomerID")["TotalPrice"].agg(lambda prices: prices.sum())
    rfm["Monetary"] = monetary.reindex(rfm.index)
    return rfm


def _score_higher_is_better(value, column, cut_points) -> int:
    """The notebook's scoring function (a value equal to a cut point falls in the lower bin)."""
    if value <= cut_points[column][0.25]:
        return 1
    if value <= cut_points[column][0.50]:
        return 2
    if value <= cut_points[column][0.75]:
        return 3
    return 4


def notebook_scores(rfm) -> None:
    """Quartile cut points, scores by row-wise apply, the cell code and the tier (1 = best)."""
    cut_points = rfm.quantile(q=[0.25, 0.5, 0.75]).to_dict()
    recency_rank = rfm["Recency"].apply(_score_higher_is_better, args=("Recency", cut_points))
    rfm["R"] = 5 - recency_rank
    rfm["F"] = rfm["Frequency"].apply(_score_higher_is_better, args=("Frequency", cut_points))
    rfm["M"] = rfm["Monetary"].apply(_score_higher_is_better, args=("Monetary", cut_points))
    rfm["RFMGroup"] = rfm["R"].map(str) + rfm["F"].map(str) + rfm["M"].map(str)
    rfm["RFMScore"] = rfm[["R", "F", "M"]].sum(axis=1)
    tier_cuts = {"RFMScore": rfm["RFMScore"].quantile(q=[0.25, 0.5, 0.75]).to_dict()}
    rfm["TierRank"] = 5 - rfm["RFMScore"].apply(_score_higher_is_better, args=("RFMScore", tier_cuts))


def _one_if_nonpositive(number):
    return 1 if number <= 0 else number


def notebook_kmeans(rfm, seed: int) -> int:
    """log (row-wise), StandardScaler, the elbow over k = 1..9 on every customer, the final fit."""
    import numpy as np
    from kneed import KneeLocator
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    from segmentation import kmeans as project_defaults

    values = rfm[["Recency", "Frequency", "Monetary"]].copy()
    values["Recency"] = [_one_if_nonpositive(x) for x in values["Recency"]]
    values["Monetary"] = [_one_if_nonpositive(x) for x in values["Monetary"]]
    log_values = values.apply(np.log, axis=1).round(3)
    scaled = StandardScaler().fit_transform(log_values)
    sum_of_squared_distances = {}
    n_init = project_defaults.DEFAULT_N_INIT  # the notebook's sklearn (2023) defaulted to 10 too
    for k in range(1, 10):
        model = KMeans(n_clusters=k, init="k-means++", max_iter=1000, n_init=n_init, random_state=seed)
        sum_of_squared_distances[k] = model.fit(scaled).inertia_
    ks, inertias = list(sum_of_squared_distances), list(sum_of_squared_distances.values())
    knee = KneeLocator(ks, inertias, curve="convex", direction="decreasing").knee or 1
    final = KMeans(n_clusters=int(knee), init="k-means++", max_iter=1000, n_init=n_init, random_state=seed)
    rfm["Cluster"] = final.fit_predict(scaled)
    return int(knee)


def notebook_skip_reason(n_lines: int, max_lines: int) -> str | None:
    """Why the notebook's way does not run at this size, or None when it does."""
    if n_lines > max_lines:
        return f"skipped: {n_lines:,} lines is above notebook_max_lines ({max_lines:,})"
    estimate = NOTEBOOK_FIXED_BYTES + n_lines * NOTEBOOK_BYTES_PER_LINE
    available = psutil.virtual_memory().available
    ceiling = min(NOTEBOOK_MEMORY_CEILING_BYTES, int(available * 0.9))
    if estimate > ceiling:
        return (
            f"skipped: estimated peak memory {estimate / 1024**3:.1f} GB is above "
            f"{ceiling / 1024**3:.1f} GB (16 GB ceiling, 90% of available memory)"
        )
    return None


# --------------------------------------------------------------------------------------------
# The whole benchmark
# --------------------------------------------------------------------------------------------


def run_benchmark(
    n_lines: int,
    workdir: Path | str,
    *,
    seed: int = DEFAULT_SEED,
    notebook_max_lines: int = DEFAULT_NOTEBOOK_MAX_LINES,
    project_dir: Path | str = PROJECT_DIR,
    keep: bool = False,
    skip_notebook: bool = False,
    threads: int | None = None,
    report: bool = True,
) -> list[BenchResult]:
    """Generate (or reuse) the file, run the three contenders on it, print and save the figures.

    Results come in the order project, floor, notebook. ``keep`` leaves the project copy and its
    database in ``workdir/project``; the generated file is always kept (it is the cache).
    """
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    generation = ensure_transactions(workdir, n_lines, seed)
    project, dbt_nodes = run_project(generation, workdir, Path(project_dir).resolve(), threads)
    floor = run_module_contender("floor", generation, workdir, seed, threads)
    notebook = _run_or_skip_notebook(generation, workdir, seed, threads, notebook_max_lines, skip_notebook)
    results = [project, floor, notebook]
    _fill_ratios(results)
    summary = _summary(n_lines, seed, generation, results, dbt_nodes)
    (workdir / "bench.json").write_text(json.dumps(summary, indent=2))
    if report:
        print(format_report(summary), flush=True)
    if not keep:
        shutil.rmtree(workdir / "project", ignore_errors=True)
        shutil.rmtree(workdir / "tmp", ignore_errors=True)
    return results


def _run_or_skip_notebook(
    generation: Generation, workdir: Path, seed: int, threads: int | None, max_lines: int, skip: bool
) -> BenchResult:
    reason = "skipped: --skip-notebook" if skip else notebook_skip_reason(generation.lines, max_lines)
    if reason:
        return BenchResult(contender="notebook", lines=generation.lines, status="skipped", note=reason)
    return run_module_contender("notebook", generation, workdir, seed, threads)


def _fill_ratios(results: list[BenchResult]) -> None:
    by_name = {result.contender: result for result in results}
    for result in results:
        result.vs_floor = _wall_ratio(result, by_name["floor"])
        result.vs_project = _wall_ratio(result, by_name["project"])


def _wall_ratio(result: BenchResult, reference: BenchResult) -> float | None:
    if not (result.ok and reference.ok and reference.wall_seconds):
        return None
    return round(result.wall_seconds / reference.wall_seconds, 3)


def _summary(
    n_lines: int, seed: int, generation: Generation, results: list[BenchResult], dbt_nodes: list[dict]
) -> dict:
    by_name = {result.contender: result for result in results}
    return {
        "lines": n_lines,
        "seed": seed,
        "data_path": str(generation.path),
        "data_mb": round(generation.path.stat().st_size / 1024**2, 1),
        "generation_seconds": round(generation.seconds, 3),
        "generation_cached": generation.cached,
        "machine": machine_info(),
        "results": [asdict(result) for result in results],
        "ratios": {
            "project_over_floor": by_name["project"].vs_floor,
            "notebook_over_project": by_name["notebook"].vs_project,
        },
        "dbt_slowest_nodes": dbt_nodes,
    }


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def machine_info() -> dict:
    return {
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        **{name: _package_version(name) for name in ("duckdb", "dbt-core", "dbt-duckdb", "pandas")},
        "scikit-learn": _package_version("scikit-learn"),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _figure(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def format_report(summary: dict) -> str:
    """The figures as a plain-text table, with the machine and the issue's targets."""
    machine = summary["machine"]
    generated = "cached, made in" if summary["generation_cached"] else "made in"
    lines = [
        f"Benchmark: {summary['lines']:,} lines, seed {summary['seed']}, "
        f"{summary['data_mb']:,} MB Parquet ({generated} {summary['generation_seconds']:.1f} s, "
        "not part of any time below)",
        f"Machine: {machine['cpus_usable']}/{machine['cpus']} CPUs ({machine['cpu_model']}), "
        f"{machine['memory_gb']} GB; Python {machine['python']}, duckdb {machine['duckdb']}, "
        f"dbt-core {machine['dbt-core']}, dbt-duckdb {machine['dbt-duckdb']}, pandas {machine['pandas']}, "
        f"scikit-learn {machine['scikit-learn']}",
        "",
        f"{'contender':<10} {'wall s':>9} {'CPU s':>8} {'peak RSS MB':>12} {'customers':>11} "
        f"{'vs floor':>9} {'vs project':>11} {'others CPU s':>13}  status / steps",
    ]
    lines += [_result_row(result) for result in summary["results"]]
    lines += ["", _ratio_line(summary["ratios"]), BUSY_MACHINE_NOTE]
    if summary["dbt_slowest_nodes"]:
        lines.append("Slowest dbt nodes (seconds): " + ", ".join(
            f"{node['node'].split('.', 2)[-1]} {node['seconds']:.2f}" for node in summary["dbt_slowest_nodes"]
        ))  # fmt: skip
    return "\n".join(lines)


def _result_row(result: dict) -> str:
    steps = " ".join(f"{name}={seconds:.2f}" for name, seconds in result["steps"].items())
    detail = result["status"]
    if result["note"]:
        detail += f" ({result['note'].splitlines()[0]})"
    if steps:
        detail += f"; {steps}"
    return (
        f"{result['contender']:<10} {_figure(result['wall_seconds'], '.2f'):>9} "
        f"{_figure(result['cpu_seconds'], '.1f'):>8} {_figure(result['peak_rss_mb'], ',.0f'):>12} "
        f"{_figure(result['customers'], ',d'):>11} {_ratio(result['vs_floor']):>9} "
        f"{_ratio(result['vs_project']):>11} {_figure(result['other_cpu_seconds'], '.1f'):>13}  {detail}"
    )


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _ratio_line(ratios: dict) -> str:
    return (
        f"project/floor = {_ratio(ratios['project_over_floor'])} (target at 10^8 lines: <= "
        f"{TARGET_PROJECT_VS_FLOOR}x, peak RSS < {TARGET_PEAK_RSS_MB:,} MB); notebook/project = "
        f"{_ratio(ratios['notebook_over_project'])} (target at 10^7 lines: >= {TARGET_NOTEBOOK_VS_PROJECT}x)"
    )


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def _bench_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segmentation bench",
        description="Benchmark the dbt build against the floor and the notebook's way.",
    )
    parser.add_argument("--lines", type=_positive_int, default=1_000_000, help="transaction lines")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="cache and scratch folder")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--skip-notebook", action="store_true", help="do not run the notebook's way")
    parser.add_argument(
        "--notebook-max-lines", type=_positive_int, default=DEFAULT_NOTEBOOK_MAX_LINES,
        help="run the notebook's way only up to this many lines",
    )  # fmt: skip
    parser.add_argument(
        "--threads", type=_positive_int, default=None,
        help="CPUs each contender may use (default: all)",
    )  # fmt: skip
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR)
    parser.add_argument("--keep", action="store_true", help="keep the project copy and its database")
    return parser


def _contender_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m segmentation.bench floor|notebook")
    parser.add_argument("contender", choices=["floor", "notebook"])
    parser.add_argument("data_path", type=Path)
    parser.add_argument("--result", type=Path, required=True, help="where to write the JSON report")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    return parser


def _positive_int(text: str) -> int:
    value = int(float(text))  # accepts 1e7
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text}")
    return value


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("floor", "notebook"):
        args = _contender_parser().parse_args(argv)
        runner = run_floor if args.contender == "floor" else run_notebook
        runner(args.data_path, args.result, args.seed)
        return 0
    args = _bench_parser().parse_args(argv)
    results = run_benchmark(
        args.lines,
        args.workdir,
        seed=args.seed,
        notebook_max_lines=args.notebook_max_lines,
        project_dir=args.project_dir,
        keep=args.keep,
        skip_notebook=args.skip_notebook,
        threads=args.threads,
    )
    return 0 if all(result.status != "failed" for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
