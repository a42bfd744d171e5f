"""The K-means model selection in this process, on a built warehouse:

    python -m benchmarks.kmeans_selection WAREHOUSE.duckdb [--repeat 5]

prints the median seconds of ``select_k`` (the curve of kmeans_model_selection, default vars) with one
and with three k-means++ starts per k, the k each chooses, and the load average; it never fails on a timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import duckdb

from segmentation import kmeans

FEATURES = "select * from int_customer_kmeans_features"


def median_seconds_and_k(scaled, sample_keys, n_init: int, repeat: int) -> tuple[float, int]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        selection = kmeans.select_k(scaled, sample_keys, n_init=n_init)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), selection.chosen_k


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", help="a DuckDB file built by the project")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with duckdb.connect(args.warehouse, read_only=True) as connection:
        features = connection.sql(FEATURES).arrow().read_all()
    scaled, _ = kmeans.scaled_features(features)
    sample_keys = features.column("sample_key").to_numpy()
    print(f"{features.num_rows:,} customers, load average {os.getloadavg()[0]:.1f}")
    for n_init in (kmeans.DEFAULT_SWEEP_N_INIT, kmeans.DEFAULT_N_INIT):
        seconds, chosen = median_seconds_and_k(scaled, sample_keys, n_init, args.repeat)
        print(f"select_k, {n_init} start(s) per k: median {seconds:.2f} s of {args.repeat}, k = {chosen}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
