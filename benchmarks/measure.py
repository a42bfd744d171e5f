"""Running a contender as a child process and measuring it.

Its wall time is measured from start to exit (Python start-up and imports included), and its peak
RSS is the larger of the kernel's high-water mark of the largest process in its tree (``os.wait4``)
and the largest sum of the tree's RSS seen by polling (which catches several processes at once).
The CPU time the rest of the machine used meanwhile is kept as a busy-machine warning.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

RSS_POLL_SECONDS = 0.05
LOG_TAIL_CHARS = 3000


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
    cpu = usage.ru_utime + usage.ru_stime
    return ChildRun(
        process.returncode,
        wall_seconds=wall,
        cpu_seconds=cpu,
        peak_rss_bytes=max(usage.ru_maxrss * 1024, sampler.peak_bytes),
        other_cpu_seconds=max(0.0, machine_busy - cpu),
    )


def _machine_busy_seconds() -> float:
    """CPU seconds all CPUs have spent doing anything but idling since boot."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def child_env(threads: int | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment for a child, with the thread count of every engine set."""
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **(extra or {})}
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
        env["SEGMENTS_THREADS"] = str(threads)
        env["SEGMENTS_BENCH_THREADS"] = str(threads)
    return env


def cpu_set(threads: int | None) -> set[int] | None:
    """The first ``threads`` CPUs this process may use (None: all of them)."""
    if not threads:
        return None
    return set(sorted(os.sched_getaffinity(0))[:threads])


def result_from_run(
    contender: str, n_lines: int, run: ChildRun, log_path: Path, note: str = ""
) -> BenchResult:
    """The figures of a finished child; a failed one's note says why and ends with its log's tail."""
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


def _failure_note(run: ChildRun, log_path: Path) -> str:
    if run.returncode < 0:
        reason = f"killed by signal {-run.returncode}"
        if run.returncode == -9:
            reason += " (out of memory?)"
    else:
        reason = f"exit code {run.returncode}"
    tail = log_path.read_text(errors="replace")[-LOG_TAIL_CHARS:] if log_path.exists() else ""
    return f"{reason}; log {log_path}:\n{tail}"
