"""The notebook's way with pandas: the whole table in memory, groupby with per-group Python lambdas,
row-wise scoring, and the K-means elbow over k = 1..9 on every customer with kneed.

It keeps its own pandas copy of the log-feature recipe on purpose: it imitates the seed notebook's
code, not the project's (whose recipe lives in macros/log_feature.sql).
"""

from __future__ import annotations

from pathlib import Path

import psutil

from benchmarks.contenders import Stopwatch, write_result

# The notebook's way holds the whole table in pandas: it is skipped above this many lines, or when
# its estimated peak memory passes the ceiling (or 90% of the memory available now).
DEFAULT_MAX_LINES = 30_000_000
MEMORY_CEILING_BYTES = 16 * 1024**3
# Peak RSS of the notebook's way was about 350 bytes per input line at 10^7 lines (3.5 GB); with a
# margin. 3 x 10^7 lines are estimated at 13.9 GB.
BYTES_PER_LINE = 450
FIXED_BYTES = 400 * 1024**2


def skip_reason(n_lines: int, max_lines: int) -> str | None:
    """Why the notebook's way does not run at this size, or None when it does."""
    if n_lines > max_lines:
        return f"skipped: {n_lines:,} lines is above notebook_max_lines ({max_lines:,})"
    estimate = FIXED_BYTES + n_lines * BYTES_PER_LINE
    ceiling = min(MEMORY_CEILING_BYTES, int(psutil.virtual_memory().available * 0.9))
    if estimate > ceiling:
        return (
            f"skipped: estimated peak memory {estimate / 1024**3:.1f} GB is above "
            f"{ceiling / 1024**3:.1f} GB (16 GB ceiling, 90% of available memory)"
        )
    return None


def run(data_path: Path, result_path: Path, seed: int) -> None:
    import pandas as pd

    watch = Stopwatch()
    table = pd.read_parquet(data_path)
    watch.lap("read_parquet")
    rfm = notebook_rfm(table)
    del table
    watch.lap("groupby_lambdas")
    notebook_scores(rfm)
    watch.lap("rowwise_scores")
    k = notebook_kmeans(rfm, seed)
    watch.lap("kmeans")
    write_result(result_path, len(rfm), k, watch)


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

    # The project's number of k-means++ starts, so the two fits cost alike (the notebook's sklearn, in
    # 2023, defaulted to 10).
    from segmentation.kmeans import DEFAULT_N_INIT

    values = rfm[["Recency", "Frequency", "Monetary"]].copy()
    values["Recency"] = [_one_if_nonpositive(x) for x in values["Recency"]]
    values["Monetary"] = [_one_if_nonpositive(x) for x in values["Monetary"]]
    log_values = values.apply(np.log, axis=1).round(3)
    scaled = StandardScaler().fit_transform(log_values)
    sum_of_squared_distances = {}
    for k in range(1, 10):
        model = KMeans(
            n_clusters=k, init="k-means++", max_iter=1000, n_init=DEFAULT_N_INIT, random_state=seed
        )
        sum_of_squared_distances[k] = model.fit(scaled).inertia_
    ks, inertias = list(sum_of_squared_distances), list(sum_of_squared_distances.values())
    knee = KneeLocator(ks, inertias, curve="convex", direction="decreasing").knee or 1
    final = KMeans(
        n_clusters=int(knee), init="k-means++", max_iter=1000, n_init=DEFAULT_N_INIT, random_state=seed
    )
    rfm["Cluster"] = final.fit_predict(scaled)
    return int(knee)
