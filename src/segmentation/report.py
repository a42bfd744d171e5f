"""HTML report of the segmentation marts: PNG charts drawn headless and summary tables.

`render_report` opens the published copy of the marts read-only (``published/current/segments.duckdb``
beside the warehouse, a DuckDB file of views over Parquet: see `segmentation.publish`), never the
warehouse file a build writes, so a report and a build never block each other. It reads the marts
(``dim_customer_segments``, ``segment_summary``, ``tier_cluster_comparison``, ``cluster_profiles``,
``kmeans_model_selection``) and writes ``index.html`` with its charts into one folder. The page
references only files written beside it and loads nothing from the network.

The ``plot_*`` functions take the loaded `Marts` and return a matplotlib `Figure` built without
pyplot (no global state, no display needed), so the notebook can show the same charts.
"""

from __future__ import annotations

import argparse
import html
import io
import os
import sys
import textwrap
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import wraps
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, PercentFormatter

from segmentation.project import PROJECT_DIR
from segmentation.publish import CURRENT, DATABASE_FILE, default_publish_dir

REQUIRED_TABLES = (
    "dim_customer_segments",
    "segment_summary",
    "tier_cluster_comparison",
    "cluster_profiles",
    "kmeans_model_selection",
    "clv_model_parameters",
    "clv_holdout_comparison",
)
SCATTER_SAMPLE_SIZE = 5_000
SCATTER_SEED = 42
DPI = 110
CUSTOMERS_COLOUR = "#4C72B0"
REVENUE_COLOUR = "#DD8452"


class ReportError(RuntimeError):
    """The warehouse cannot be reported on (missing file or tables); the message says what to do."""


def default_database() -> Path:
    """The published copy of the last good build: published/current/segments.duckdb beside the
    warehouse file ($SEGMENTS_DB, else warehouse/segments.duckdb in the project)."""
    configured = os.environ.get("SEGMENTS_DB")
    warehouse = PROJECT_DIR / (configured or Path("warehouse") / "segments.duckdb")
    return default_publish_dir(str(warehouse)) / CURRENT / DATABASE_FILE


# ---------------------------------------------------------------------------------------------
# Reading the marts
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Marts:
    """Everything the report shows, read from the published copy in one read-only session."""

    as_of_date: date
    customers: int
    revenue: float
    chosen_k: int
    tiers: pd.DataFrame
    segments: pd.DataFrame
    cluster_profiles: pd.DataFrame
    model_selection: pd.DataFrame
    tier_cluster: pd.DataFrame
    scores: pd.DataFrame
    rfm_values: pd.DataFrame
    sample: pd.DataFrame
    sample_seed: int
    clv_parameters: pd.DataFrame
    clv_holdout: pd.DataFrame
    history: History | None = None


def load_marts(database: Path, sample_size: int = SCATTER_SAMPLE_SIZE, seed: int = SCATTER_SEED) -> Marts:
    """Read the marts the report needs from a published copy; raises ReportError when there is none."""
    database = Path(database)
    if not database.is_file():
        raise ReportError(f"no published build yet at {database}: run `make build` (or dbt build) first.")
    with duckdb.connect(str(database), read_only=True) as connection:
        check_tables(connection)
        summary = query(connection, "select * from segment_summary order by grouping, segment_order")
        selection = query(connection, "select * from kmeans_model_selection order by k")
        headline = connection.sql(
            "select max(as_of_date), count(*), sum(monetary) from dim_customer_segments"
        ).fetchall()[0]
        if headline[1] == 0:
            raise ReportError(f"dim_customer_segments in {database} has no customers: nothing to report.")
        return Marts(
            as_of_date=headline[0],
            customers=int(headline[1]),
            revenue=float(headline[2] or 0.0),
            chosen_k=chosen_k(selection),
            tiers=summary[summary["grouping"] == "tier"].reset_index(drop=True),
            segments=summary[summary["grouping"] == "segment"].reset_index(drop=True),
            cluster_profiles=query(connection, "select * from cluster_profiles order by cluster_id"),
            model_selection=selection,
            tier_cluster=query(
                connection, "select * from tier_cluster_comparison order by rfm_tier_rank, cluster_id"
            ),
            scores=query(connection, SCORES_SQL),
            rfm_values=query(
                connection, "select recency_days, frequency, monetary from dim_customer_segments"
            ),
            sample=query(connection, SAMPLE_SQL, [seed, sample_size]),
            sample_seed=seed,
            clv_parameters=query(connection, "select * from clv_model_parameters"),
            clv_holdout=query(connection, "select * from clv_holdout_comparison order by group_order"),
            history=load_history(connection),
        )


# Customers per score value of R, F and M, and per score sum and tier.
SCORES_SQL = """
select 'recency' as measure, r_score as score, rfm_tier, rfm_tier_rank, count(*) as customers
from dim_customer_segments group by all
union all
select 'frequency', f_score, rfm_tier, rfm_tier_rank, count(*) from dim_customer_segments group by all
union all
select 'monetary', m_score, rfm_tier, rfm_tier_rank, count(*) from dim_customer_segments group by all
union all
select 'rfm_score', rfm_score, rfm_tier, rfm_tier_rank, count(*) from dim_customer_segments group by all
order by measure, score, rfm_tier_rank
"""

# A seeded sample that does not depend on row order or threads: the smallest hashes of the ids.
SAMPLE_SQL = """
select customer_id, recency_days, frequency, monetary, rfm_tier, rfm_tier_rank, cluster_id, cluster_label,
    p_alive
from dim_customer_segments
order by hash(customer_id, $1), customer_id
limit $2
"""


def check_tables(connection: duckdb.DuckDBPyConnection) -> None:
    present = {
        row[0] for row in connection.sql("select table_name from information_schema.tables").fetchall()
    }
    missing = [name for name in REQUIRED_TABLES if name not in present]
    if missing:
        raise ReportError(
            f"The published build lacks {', '.join(missing)}: run `make build` (or dbt build) first."
        )


def chosen_k(selection: pd.DataFrame) -> int:
    chosen = selection.loc[selection["is_chosen"].fillna(False).astype(bool), "k"].tolist()
    if len(chosen) != 1:
        raise ReportError(f"kmeans_model_selection must mark exactly one k as chosen; it marks {chosen}.")
    return int(chosen[0])


def query(connection: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return connection.execute(sql, params).df() if params else connection.sql(sql).df()


# ---------------------------------------------------------------------------------------------
# Chart helpers
# ---------------------------------------------------------------------------------------------


@contextmanager
def chart_style() -> Iterator[None]:
    """Seaborn's look for the figures made inside, without touching global rcParams."""
    with sns.axes_style("whitegrid"), sns.plotting_context("notebook", font_scale=0.85):
        yield


def styled(plot: Callable[..., Figure]) -> Callable[..., Figure]:
    @wraps(plot)
    def wrapper(*args, **kwargs) -> Figure:
        with chart_style():
            return plot(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)  # headless: the figure renders with Agg whatever backend is active
    return figure


def figure_png(figure: Figure) -> bytes:
    """The figure as PNG bytes (for the notebook: IPython.display.Image(figure_png(fig)))."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def wrap_label(label: str, width: int = 18) -> str:
    return "\n".join(textwrap.wrap(str(label), width)) or str(label)


def tier_colours(tiers: Sequence[str]) -> dict[str, tuple]:
    """One colour per tier label, given best first: dark = best."""
    return dict(zip(tiers, sns.color_palette("viridis", len(tiers)), strict=True))


def cluster_colours(labels: Sequence[str]) -> dict[str, tuple]:
    """One qualitative colour per cluster label, given in cluster_id order."""
    palette = "tab10" if len(labels) <= 10 else "husl"
    return dict(zip(labels, sns.color_palette(palette, len(labels)), strict=True))


def tier_order(marts: Marts) -> list[str]:
    return marts.tiers.sort_values("segment_order")["segment"].tolist()


def cluster_order(marts: Marts) -> list[str]:
    return marts.cluster_profiles.sort_values("cluster_id")["cluster_label"].tolist()


def legend_handle(colour, label: str, marker: str = "o", linestyle: str = "", size: float = 8) -> Line2D:
    """A legend entry drawn from the same colour as the data it names."""
    return Line2D([], [], color=colour, label=label, marker=marker, linestyle=linestyle, markersize=size)


def annotate_bars(ax, bars, labels: Sequence[str]) -> None:
    ax.bar_label(bars, labels=labels, padding=2, fontsize="small")


def leave_room(ax, largest: float, horizontal: bool = False, factor: float = 1.2) -> None:
    """Extend the value axis past the largest bar so bar labels (and legends) do not collide."""
    if horizontal:
        ax.set_xlim(0, largest * factor)
    else:
        ax.set_ylim(0, largest * factor)


def thousands(value: float, _position=None) -> str:
    """A tick or label number with thousands separators and no needless decimals: 1,250 or 0.5."""
    return f"{value:,.6g}"


def nice_log_ticks(low: float, high: float) -> np.ndarray:
    """1, 2, 5, 10, 20, 50, ... between low and high; only powers of ten when the range is wide."""
    decades = 10.0 ** np.arange(np.floor(np.log10(max(low, 1e-9))), np.ceil(np.log10(max(high, 1))) + 1)
    steps = (1, 2, 5) if len(decades) <= 4 else (1,)
    ticks = np.array([decade * step for decade in decades for step in steps])
    return ticks[(ticks >= low) & (ticks <= high)]


# ---------------------------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------------------------


@styled
def plot_tier_shares(marts: Marts) -> Figure:
    """Side-by-side bars per tier: share of customers and share of revenue."""
    tiers = marts.tiers.sort_values("segment_order")
    figure = new_figure(8, 4.8)
    ax = figure.subplots()
    positions = np.arange(len(tiers))
    width = 0.4
    for offset, column, label, colour in (
        (-width / 2, "customer_share", "share of customers", CUSTOMERS_COLOUR),
        (width / 2, "revenue_share", "share of revenue", REVENUE_COLOUR),
    ):
        bars = ax.bar(positions + offset, tiers[column], width, label=label, color=colour)
        annotate_bars(ax, bars, [f"{share:.0%}" for share in tiers[column]])
    leave_room(ax, tiers[["customer_share", "revenue_share"]].max().max())
    ax.set_xticks(
        positions,
        [
            f"{tier}\n{count:,} customers"
            for tier, count in zip(tiers["segment"], tiers["customers"], strict=True)
        ],
    )
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("loyalty tier (best first)")
    ax.set_ylabel("share of all customers / revenue (%)")
    ax.set_title(f"Loyalty tiers: customers vs revenue ({marts.customers:,} customers)")
    figure.legend(loc="outside lower center", ncols=2)
    return figure


@styled
def plot_segment_shares(marts: Marts) -> Figure:
    """Horizontal bars per named RFM segment, best at the top: share of customers and of revenue."""
    segments = marts.segments.sort_values("segment_order", ascending=False)
    figure = new_figure(8, max(3.5, 0.45 * len(segments) + 1.5))
    ax = figure.subplots()
    positions = np.arange(len(segments))
    height = 0.4
    for offset, column, label, colour in (
        (height / 2, "customer_share", "share of customers", CUSTOMERS_COLOUR),
        (-height / 2, "revenue_share", "share of revenue", REVENUE_COLOUR),
    ):
        bars = ax.barh(positions + offset, segments[column], height, label=label, color=colour)
        annotate_bars(ax, bars, [f"{share:.1%}" for share in segments[column]])
    leave_room(ax, segments[["customer_share", "revenue_share"]].max().max(), horizontal=True)
    ax.set_yticks(positions, segments["segment"])
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("share of all customers / revenue (%)")
    ax.set_ylabel("named RFM segment (best at the top)")
    ax.set_title("Named RFM segments: customers vs revenue")
    figure.legend(loc="outside lower center", ncols=2)
    return figure


def integer_log_bins(maximum: float, count: int = 30) -> np.ndarray:
    """Bin edges around whole numbers, evenly spaced on a log scale (frequency is a count)."""
    centres = np.unique(np.round(np.geomspace(1, max(maximum, 2) + 1, count)))
    edges = np.append(centres, centres[-1] + 1) - 0.5
    edges[0] = 1  # counts start at 1; a 0.5 edge would only widen the first bar on the log axis
    return edges


def mark_median(ax, values: np.ndarray) -> str:
    """Draw the median as a dashed line; returns it as text for the panel title."""
    median = float(np.median(values))
    ax.axvline(median, color="black", linestyle="--", linewidth=1.2)
    return f"median {thousands(round(median, 1))}"


def set_log_x(ax, low: float, high: float) -> None:
    ax.set_xscale("log")
    ax.set_xticks(nice_log_ticks(low, high))
    ax.xaxis.set_major_formatter(FuncFormatter(thousands))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda *_: ""))


@styled
def plot_rfm_distributions(marts: Marts) -> Figure:
    """Histograms of recency, frequency (log) and positive monetary values (log)."""
    values = marts.rfm_values
    figure = new_figure(13, 4.4)
    recency_ax, frequency_ax, monetary_ax = figure.subplots(1, 3)

    recency = values["recency_days"].to_numpy()
    recency_ax.hist(recency, bins=30, color=CUSTOMERS_COLOUR)
    median = mark_median(recency_ax, recency)
    recency_ax.set(
        title=f"Recency ({median} days)", xlabel="days since the last purchase", ylabel="customers"
    )

    frequency = values["frequency"].to_numpy()
    edges = integer_log_bins(frequency.max())
    frequency_ax.hist(frequency, bins=edges, color=CUSTOMERS_COLOUR)
    set_log_x(frequency_ax, 1, edges[-1])
    median = mark_median(frequency_ax, frequency)
    frequency_ax.set(
        title=f"Frequency ({median} purchases)", xlabel="purchases (log scale)", ylabel="customers"
    )

    monetary = values["monetary"].to_numpy()
    positive = monetary[monetary > 0]
    title = "Monetary"
    if len(positive):
        # A single distinct value still needs a bin of some width.
        high = max(positive.max(), positive.min() * 10)
        monetary_ax.hist(positive, bins=np.geomspace(positive.min(), high, 31), color=CUSTOMERS_COLOUR)
        set_log_x(monetary_ax, positive.min(), positive.max())
        title = f"Monetary ({mark_median(monetary_ax, positive)} of positive values)"
    left_out = len(monetary) - len(positive)
    monetary_ax.set(
        title=f"{title}\n{left_out:,} customers with spend ≤ 0 not shown",
        xlabel="spend in source currency (log scale)",
        ylabel="customers",
    )
    figure.suptitle(
        f"Distributions of recency, frequency and monetary value ({marts.customers:,} customers; "
        "dashed line = median)"
    )
    return figure


@styled
def plot_score_distributions(marts: Marts) -> Figure:
    """Customers per R, F, M score, and per score sum coloured by the tier it falls in."""
    scores = marts.scores
    figure = new_figure(13, 4.6)
    by_measure_ax, by_sum_ax = figure.subplots(1, 2, width_ratios=[1, 1.3])

    per_score = (
        scores[scores["measure"] != "rfm_score"]
        .groupby(["score", "measure"])["customers"]
        .sum()
        .unstack("measure")
        .fillna(0)[["recency", "frequency", "monetary"]]
    )
    per_score.plot.bar(ax=by_measure_ax, rot=0, width=0.8, color=sns.color_palette("deep", 3))
    by_measure_ax.set(
        title="Customers per score (higher = better)",
        xlabel="score",
        ylabel="customers",
    )
    leave_room(by_measure_ax, per_score.to_numpy().max(), factor=1.3)
    by_measure_ax.legend(title="measure", loc="upper center", ncols=3, fontsize="small")

    sums = scores[scores["measure"] == "rfm_score"]
    colours = tier_colours(tier_order(marts))
    bottom = pd.Series(0.0, index=sorted(sums["score"].unique()))
    for tier, colour in colours.items():
        counts = (
            sums[sums["rfm_tier"] == tier].set_index("score")["customers"].reindex(bottom.index, fill_value=0)
        )
        by_sum_ax.bar(bottom.index, counts, bottom=bottom, color=colour, width=0.8)
        bottom += counts
    handles = [legend_handle(colour, tier, marker="s", size=9) for tier, colour in colours.items()]
    leave_room(by_sum_ax, bottom.max(), factor=1.3)
    by_sum_ax.legend(
        handles=handles, title="tier", loc="upper center", ncols=min(len(handles), 5), fontsize="small"
    )
    by_sum_ax.set_xticks(bottom.index)
    by_sum_ax.set(
        title="Customers per RFM score (R + F + M), by loyalty tier",
        xlabel="RFM score (sum of the three scores)",
        ylabel="customers",
    )
    return figure


LOG_AXES = (
    ("recency_days", "recency (days, log)"),
    ("frequency", "frequency (purchases, log)"),
    ("monetary", "monetary (spend, log)"),
)


def log_axis_position(values: pd.Series) -> np.ndarray:
    """Where a value sits on the scatter's log axes: the natural log, values below 1 drawn at 1 (a log
    axis cannot show them; the title says so). A display choice, not the K-means feature recipe,
    which lives in the warehouse (int_customer_kmeans_features)."""
    return np.log(np.clip(values.to_numpy(dtype=float), 1, None))


def set_log_ticks(set_ticks: Callable, logs: np.ndarray) -> None:
    """Ticks on a log axis labelled with the original values; 1 stands for every value <= 1."""
    ticks = nice_log_ticks(1, float(np.exp(logs.max())))
    labels = ["≤1" if tick == 1 else thousands(tick) for tick in ticks]
    set_ticks(np.log(ticks), labels)


def scatter_title(marts: Marts, coloured_by: str) -> str:
    shown = len(marts.sample)
    if shown < marts.customers:
        scope = f"random sample of {shown:,} of {marts.customers:,} customers (seed {marts.sample_seed})"
    else:
        scope = f"all {shown:,} customers"
    return f"Customers in log R, F, M space by {coloured_by}\n{scope}; values ≤ 1 drawn at 1"


def plot_scatter_3d(marts: Marts, column: str, colours: dict[str, tuple], legend_title: str) -> Figure:
    """3-D scatter of the sampled customers; point colours and legend come from the same mapping."""
    sample = marts.sample
    figure = new_figure(9, 6.6)
    ax = figure.add_subplot(projection="3d")
    coordinates = [log_axis_position(sample[name]) for name, _ in LOG_AXES]
    point_colours = [colours[label] for label in sample[column]]
    ax.scatter(*coordinates, c=point_colours, s=8, alpha=0.6, depthshade=False, linewidths=0)
    for axis, values, (_, label) in zip(("x", "y", "z"), coordinates, LOG_AXES, strict=True):
        set_log_ticks(getattr(ax, f"set_{axis}ticks"), values)
        getattr(ax, f"set_{axis}label")(label, labelpad=8)
    ax.set_box_aspect(None, zoom=0.95)
    handles = [legend_handle(colour, label) for label, colour in colours.items()]
    longest = max(len(label) for label in colours)
    columns = min(len(handles), 6 if longest <= 12 else 3)
    figure.legend(handles=handles, title=legend_title, loc="outside lower center", ncols=columns)
    figure.suptitle(scatter_title(marts, legend_title))
    return figure


@styled
def plot_scatter_by_tier(marts: Marts) -> Figure:
    return plot_scatter_3d(marts, "rfm_tier", tier_colours(tier_order(marts)), "loyalty tier")


@styled
def plot_scatter_by_cluster(marts: Marts) -> Figure:
    return plot_scatter_3d(marts, "cluster_label", cluster_colours(cluster_order(marts)), "K-means cluster")


@styled
def plot_elbow(marts: Marts) -> Figure:
    """Inertia against k with the chosen k marked, and silhouette on a second axis."""
    selection = marts.model_selection
    figure = new_figure(8, 5)
    inertia_ax = figure.subplots()
    silhouette_ax = inertia_ax.twinx()
    silhouette_ax.grid(False)
    inertia_colour, silhouette_colour = sns.color_palette("deep", 2)

    inertia_ax.plot(selection["k"], selection["inertia"], marker="o", color=inertia_colour)
    silhouette_ax.plot(
        selection["k"], selection["silhouette"], marker="s", linestyle=":", color=silhouette_colour
    )
    chosen = selection[selection["k"] == marts.chosen_k].iloc[0]
    inertia_ax.axvline(chosen["k"], color="grey", linestyle="--", linewidth=1)
    inertia_ax.plot(chosen["k"], chosen["inertia"], marker="*", markersize=18, color="crimson", linestyle="")

    inertia_ax.set_xticks(selection["k"])
    inertia_ax.set_xlabel("number of clusters k")
    inertia_ax.set_ylabel("inertia (sum of squared distances, scaled log features)", color=inertia_colour)
    silhouette_ax.set_ylabel("silhouette score (-1..1, higher = better separated)", color=silhouette_colour)
    inertia_ax.yaxis.set_major_formatter(FuncFormatter(thousands))
    # Neutral wording: k may be set by the kmeans_k var rather than found at the elbow.
    inertia_ax.set_title(
        f"K-means model selection: inertia and silhouette per k (chosen k = {marts.chosen_k})"
    )
    handles = [
        legend_handle(inertia_colour, "inertia", linestyle="-"),
        legend_handle(silhouette_colour, "silhouette (none for k = 1)", marker="s", linestyle=":"),
        legend_handle("crimson", f"chosen k = {marts.chosen_k}", marker="*", size=14),
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=3)
    return figure


def tier_cluster_matrix(marts: Marts, column: str) -> pd.DataFrame:
    """Tiers (rows, best first) x cluster labels (columns, by id) of one comparison column."""
    matrix = marts.tier_cluster.pivot_table(
        index="rfm_tier", columns="cluster_label", values=column, aggfunc="sum"
    )
    return matrix.reindex(index=tier_order(marts), columns=cluster_order(marts)).fillna(0)


def cell_annotation(count: float, share_of_tier: float, share_of_cluster: float) -> str:
    """A heatmap cell's text; pairs without customers stay blank so the populated ones stand out."""
    if count == 0:
        return ""
    return f"{count:,.0f}\n{share_of_tier:.0%} of tier\n{share_of_cluster:.0%} of cluster"


@styled
def plot_tier_cluster_heatmap(marts: Marts) -> Figure:
    """Customers per tier x cluster, annotated with the count, share of the tier and of the cluster."""
    counts = tier_cluster_matrix(marts, "customers")
    of_tier = tier_cluster_matrix(marts, "share_of_tier")
    of_cluster = tier_cluster_matrix(marts, "share_of_cluster")
    annotations = np.vectorize(cell_annotation)(counts.to_numpy(), of_tier.to_numpy(), of_cluster.to_numpy())
    figure = new_figure(max(7, 1.9 * counts.shape[1] + 2.5), max(4, 0.9 * counts.shape[0] + 2))
    ax = figure.subplots()
    sns.heatmap(
        counts,
        annot=annotations,
        fmt="",
        cmap="Blues",
        linewidths=0.5,
        annot_kws={"fontsize": "small"},
        cbar_kws={"label": "customers"},
        ax=ax,
    )
    ax.set_xticklabels([wrap_label(label) for label in counts.columns], rotation=0)
    ax.set_yticklabels(counts.index, rotation=0)
    ax.set_xlabel("K-means cluster")
    ax.set_ylabel("loyalty tier")
    ax.set_title("How the two methods agree: customers per loyalty tier and K-means cluster")
    return figure


PROFILE_MEASURES = (
    ("median_recency_days", "median recency (days)", "{:,.0f}"),
    ("median_frequency", "median frequency (purchases)", "{:,.1f}"),
    ("median_monetary", "median monetary (spend)", "{:,.0f}"),
)


@styled
def plot_cluster_profiles(marts: Marts) -> Figure:
    """Median recency, frequency and monetary value per cluster, one panel per measure."""
    profiles = marts.cluster_profiles.sort_values("cluster_id", ascending=False)
    colours = cluster_colours(cluster_order(marts))
    figure = new_figure(13, max(3.5, 0.6 * len(profiles) + 2))
    axes = figure.subplots(1, len(PROFILE_MEASURES), sharey=True)
    positions = np.arange(len(profiles))
    bar_colours = [colours[label] for label in profiles["cluster_label"]]
    for ax, (column, label, number_format) in zip(axes, PROFILE_MEASURES, strict=True):
        bars = ax.barh(positions, profiles[column], color=bar_colours)
        annotate_bars(ax, bars, [number_format.format(value) for value in profiles[column]])
        leave_room(ax, max(profiles[column].max(), 1), horizontal=True)
        ax.xaxis.set_major_formatter(FuncFormatter(thousands))
        ax.set_xlabel(label)
        ax.set_title(label.split(" (")[0].capitalize())
    axes[0].set_yticks(
        positions,
        [
            f"{wrap_label(name, 22)}\n({count:,} customers)"
            for name, count in zip(profiles["cluster_label"], profiles["customers"], strict=True)
        ],
    )
    axes[0].set_ylabel("K-means cluster (1 = best)")
    figure.suptitle("Cluster profiles: typical recency, frequency and spend (lower recency = more recent)")
    return figure


# ---------------------------------------------------------------------------------------------
# Segments over time (customer_segment_history, segment_migration)
# ---------------------------------------------------------------------------------------------

HISTORY_TABLES = ("customer_segment_history", "segment_migration")


@dataclass(frozen=True)
class History:
    """Segment sizes per period end and the moves between the last two period ends."""

    tiers: pd.DataFrame  # as_of_date, rfm_tier, rfm_tier_rank, customers
    segments: pd.DataFrame  # as_of_date, rfm_segment, customers
    migration: pd.DataFrame  # from_value, to_value, customers (dimension segment, last period pair)
    from_date: date | None
    to_date: date | None


def load_history(connection: duckdb.DuckDBPyConnection) -> History | None:
    """The history tables of a published copy; None when the build published none or they are empty
    (an older build, or history_grain = none)."""
    present = {
        row[0] for row in connection.sql("select table_name from information_schema.tables").fetchall()
    }
    if not set(HISTORY_TABLES) <= present:
        return None
    tiers = query(
        connection,
        "select as_of_date, rfm_tier, min(rfm_tier_rank) as rfm_tier_rank, count(*) as customers "
        "from customer_segment_history group by as_of_date, rfm_tier order by as_of_date, rfm_tier_rank",
    )
    if tiers.empty:
        return None
    segments = query(
        connection,
        "select as_of_date, rfm_segment, count(*) as customers "
        "from customer_segment_history group by as_of_date, rfm_segment order by as_of_date, rfm_segment",
    )
    migration = query(
        connection,
        "select from_as_of_date, to_as_of_date, from_value, to_value, customers from segment_migration "
        "where dimension = 'segment' "
        "and to_as_of_date = (select max(to_as_of_date) from segment_migration)",
    )
    dates = migration[["from_as_of_date", "to_as_of_date"]].drop_duplicates()
    return History(
        tiers=tiers,
        segments=segments,
        migration=migration[["from_value", "to_value", "customers"]],
        from_date=dates.iloc[0, 0].date() if len(dates) else None,
        to_date=dates.iloc[0, 1].date() if len(dates) else None,
    )


def no_history_figure(title: str) -> Figure:
    figure = new_figure(8, 3.5)
    ax = figure.subplots()
    ax.axis("off")
    ax.text(0.5, 0.5, "No segment history in this build (history_grain = none?)", ha="center", va="center")
    ax.set_title(title)
    return figure


def period_labels(dates: Sequence) -> list[str]:
    """Period ends as dates: the history's as_of_date is the first day after the period."""
    return [f"{pd.Timestamp(value):%Y-%m-%d}" for value in dates]


def segment_order(marts: Marts, names: Sequence[str]) -> list[str]:
    """Named segments best first (segment_summary's order), then any the current build lacks."""
    ordered = marts.segments.sort_values("segment_order")["segment"].tolist()
    return [name for name in ordered if name in set(names)] + sorted(set(names) - set(ordered))


@styled
def plot_tier_history(marts: Marts) -> Figure:
    """Customers per loyalty tier at every period end, stacked, best tier at the bottom."""
    title = "Loyalty tier sizes over time"
    if marts.history is None:
        return no_history_figure(title)
    table = marts.history.tiers.pivot_table(
        index="as_of_date", columns="rfm_tier", values="customers", aggfunc="sum"
    ).fillna(0)
    tiers = marts.history.tiers.sort_values("rfm_tier_rank")["rfm_tier"].drop_duplicates().tolist()
    colours = tier_colours(tiers)
    figure = new_figure(11, 5)
    ax = figure.subplots()
    positions = np.arange(len(table))
    bottom = np.zeros(len(table))
    for tier in tiers:
        values = table[tier].to_numpy() if tier in table else np.zeros(len(table))
        ax.bar(positions, values, bottom=bottom, color=colours[tier], width=0.8, label=tier)
        bottom += values
    leave_room(ax, bottom.max(), factor=1.08)
    ax.set_xticks(positions, period_labels(table.index), rotation=45, ha="right")
    ax.yaxis.set_major_formatter(FuncFormatter(thousands))
    ax.set_xlabel("period end (as-of date: the first day after the period)")
    ax.set_ylabel("customers with a purchase before that date")
    ax.set_title(f"{title}: customers per tier at each period end (best tier at the bottom)")
    figure.legend(
        handles=[legend_handle(colours[tier], tier, marker="s", size=9) for tier in tiers],
        title="loyalty tier",
        loc="outside right center",
    )
    return figure


@styled
def plot_segment_history(marts: Marts) -> Figure:
    """Customers per named segment at every period end, one line per segment."""
    title = "Named segment sizes over time"
    if marts.history is None:
        return no_history_figure(title)
    table = marts.history.segments.pivot_table(
        index="as_of_date", columns="rfm_segment", values="customers", aggfunc="sum"
    ).fillna(0)
    names = segment_order(marts, table.columns.tolist())
    palette = dict(zip(names, sns.color_palette("tab20", len(names)), strict=True))
    markers = "osD^v<>phX*"
    figure = new_figure(11, 5.5)
    ax = figure.subplots()
    positions = np.arange(len(table))
    for position, name in enumerate(names):
        ax.plot(
            positions, table[name], color=palette[name], marker=markers[position % len(markers)], label=name
        )
    ax.set_xticks(positions, period_labels(table.index), rotation=45, ha="right")
    ax.set_ylim(0, table.to_numpy().max() * 1.08)
    ax.yaxis.set_major_formatter(FuncFormatter(thousands))
    ax.set_xlabel("period end (as-of date: the first day after the period)")
    ax.set_ylabel("customers")
    ax.set_title(f"{title}: customers per named RFM segment at each period end")
    figure.legend(title="named segment (best first)", loc="outside right center")
    return figure


@styled
def plot_migration_heatmap(marts: Marts) -> Figure:
    """Where each segment's customers went between the last two period ends: shares of the from row."""
    title = "Segment migration"
    history = marts.history
    if history is None or history.migration.empty:
        return no_history_figure(title)
    counts = history.migration.pivot_table(
        index="from_value", columns="to_value", values="customers", aggfunc="sum"
    ).fillna(0)
    columns = segment_order(marts, counts.columns.tolist())
    rows = ["new"] * ("new" in counts.index) + segment_order(
        marts, [name for name in counts.index if name != "new"]
    )
    counts = counts.reindex(index=rows, columns=columns, fill_value=0)
    shares = counts.div(counts.sum(axis=1), axis=0)
    annotations = np.vectorize(lambda share, count: "" if count == 0 else f"{share:.0%}\n{count:,.0f}")(
        shares.to_numpy(), counts.to_numpy()
    )
    figure = new_figure(max(9, 1.05 * len(columns) + 3), max(5, 0.6 * len(rows) + 2.5))
    ax = figure.subplots()
    sns.heatmap(
        shares,
        annot=annotations,
        fmt="",
        cmap="Blues",
        vmin=0,
        vmax=1,
        linewidths=0.5,
        annot_kws={"fontsize": "x-small"},
        cbar_kws={"label": "share of the from row's customers", "format": PercentFormatter(1.0, decimals=0)},
        ax=ax,
    )
    ax.set_xticklabels([wrap_label(name, 12) for name in columns], rotation=0, fontsize="small")
    ax.set_yticklabels(
        [
            f"{'new customers' if name == 'new' else name} ({total:,.0f})"
            for name, total in zip(rows, counts.sum(axis=1), strict=True)
        ],
        rotation=0,
        fontsize="small",
    )
    ax.set_xlabel(f"named segment at {history.to_date:%Y-%m-%d}")
    ax.set_ylabel(f"named segment at {history.from_date:%Y-%m-%d} (customers)")
    ax.set_title(
        f"{title} from {history.from_date:%Y-%m-%d} to {history.to_date:%Y-%m-%d}: "
        "where each row's customers went (share of the row, customers)"
    )
    return figure


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------


@styled
def plot_clv_by_group(marts: Marts) -> Figure:
    """Mean predicted CLV per loyalty tier and per named segment (best first), customers beside."""
    figure = new_figure(11, 5.2)
    left, right = figure.subplots(1, 2, width_ratios=[1, 1.6])
    for ax, groups, title in (
        (left, marts.tiers, "by loyalty tier"),
        (right, marts.segments, "by named RFM segment"),
    ):
        groups = groups.sort_values("segment_order", ascending=False)
        bars = ax.barh(groups["segment"], groups["mean_predicted_clv"], color=REVENUE_COLOUR)
        annotate_bars(
            ax,
            bars,
            [
                f"{value:,.0f} ({count:,})"
                for value, count in zip(groups["mean_predicted_clv"], groups["customers"], strict=True)
            ],
        )
        leave_room(ax, groups["mean_predicted_clv"].max(), horizontal=True, factor=1.35)
        ax.set_xlabel("mean predicted CLV (source currency)")
        ax.set_title(title)
    years = _clv_horizon_note(marts)
    figure.suptitle(f"Predicted customer lifetime value, {years} (customers in brackets)")
    return figure


def _clv_horizon_note(marts: Marts) -> str:
    unit = marts.clv_parameters["time_unit"].iloc[0] if len(marts.clv_parameters) else "?"
    return f"BG/NBD x Gamma-Gamma, time unit {unit}, as of {marts.as_of_date:%Y-%m-%d}"


@styled
def plot_p_alive_by_recency(marts: Marts) -> Figure:
    """P(alive) against recency for the seeded sample of customers, coloured by frequency."""
    sample = marts.sample
    figure = new_figure(8, 5)
    ax = figure.subplots()
    frequency_bands = pd.cut(
        sample["frequency"], [0, 1, 2, 4, 9, np.inf], labels=["1", "2", "3-4", "5-9", "10+"]
    )
    colours = sns.color_palette("viridis", n_colors=len(frequency_bands.cat.categories))
    for band, colour in zip(frequency_bands.cat.categories, colours, strict=True):
        members = sample[frequency_bands == band]
        if len(members):
            ax.scatter(members["recency_days"], members["p_alive"], s=10, alpha=0.6, color=colour, label=band)
    ax.set_xlabel("recency (days since the last purchase)")
    ax.set_ylabel("P(alive)")
    ax.set_ylim(-0.03, 1.03)
    ax.set_title(f"P(alive) against recency ({len(sample):,} sampled customers)")
    ax.legend(title="purchases", loc="lower left")
    return figure


@styled
def plot_clv_holdout(marts: Marts) -> Figure:
    """Mean actual and predicted purchases in the holdout per number of calibration repeat purchases."""
    holdout = marts.clv_holdout
    figure = new_figure(8, 4.8)
    ax = figure.subplots()
    positions = np.arange(len(holdout))
    ax.plot(positions, holdout["actual_purchases"], "o-", color=CUSTOMERS_COLOUR, label="actual")
    ax.plot(
        positions, holdout["predicted_purchases"], "s--", color=REVENUE_COLOUR, label="predicted (BG/NBD)"
    )
    ax.set_xticks(
        positions,
        [
            f"{group}\n{count:,}"
            for group, count in zip(
                holdout["calibration_repeat_purchases"], holdout["customers"], strict=True
            )
        ],
    )
    ax.set_xlabel("repeat purchases before the as-of date (customers below)")
    ax.set_ylabel("mean purchases per customer in the holdout")
    unit = marts.clv_parameters["time_unit"].iloc[0]
    ax.set_title(f"Holdout check: the {holdout['holdout_periods'].iloc[0]:g} {unit}s after the as-of date")
    ax.legend(loc="upper left")
    return figure


@dataclass(frozen=True)
class Chart:
    file_name: str
    caption: str
    plot: Callable[[Marts], Figure]


TIER_CHARTS = (
    Chart(
        "tier_shares.png",
        "Share of customers and of revenue per loyalty tier, best tier first.",
        plot_tier_shares,
    ),
    Chart(
        "score_distributions.png",
        "Customers per R, F and M score, and per RFM score sum coloured by the tier it falls in.",
        plot_score_distributions,
    ),
)
SEGMENT_CHARTS = (
    Chart(
        "segment_shares.png",
        "Share of customers and of revenue per named RFM segment, best segment at the top.",
        plot_segment_shares,
    ),
)
VALUE_CHARTS = (
    Chart(
        "rfm_distributions.png",
        "Distributions of recency (days), frequency (purchases, log scale) and positive monetary values "
        "(log scale); the dashed line marks the median.",
        plot_rfm_distributions,
    ),
)
CLUSTER_CHARTS = (
    Chart(
        "elbow.png",
        "K-means inertia and silhouette score for each k tried; the star marks the chosen k.",
        plot_elbow,
    ),
    Chart(
        "cluster_profiles.png",
        "Median recency, frequency and monetary value of each K-means cluster.",
        plot_cluster_profiles,
    ),
    Chart(
        "scatter_3d_clusters.png",
        "Customers in log recency, frequency and monetary space (the K-means features), coloured by cluster.",
        plot_scatter_by_cluster,
    ),
)
COMPARISON_CHARTS = (
    Chart(
        "tier_cluster_heatmap.png",
        "Customers per loyalty tier x K-means cluster, with their share of the tier and of the cluster.",
        plot_tier_cluster_heatmap,
    ),
    Chart(
        "scatter_3d_tiers.png",
        "The same customers as the cluster scatter, coloured by loyalty tier.",
        plot_scatter_by_tier,
    ),
)
CLV_CHARTS = (
    Chart(
        "clv_by_group.png",
        "Mean predicted customer lifetime value per loyalty tier and per named RFM segment.",
        plot_clv_by_group,
    ),
    Chart(
        "p_alive_by_recency.png",
        "BG/NBD P(alive) (the probability that a customer is still active) against recency, by purchases.",
        plot_p_alive_by_recency,
    ),
)
# Drawn only when the build had lines on or after the as-of date (clv_holdout_comparison has rows).
HOLDOUT_CHART = Chart(
    "clv_holdout.png",
    "Holdout check: mean actual and predicted purchases after the as-of date, by earlier repeat purchases.",
    plot_clv_holdout,
)
HISTORY_CHARTS = (
    Chart(
        "tier_history.png",
        "Customers per loyalty tier at every period end of the segment history, stacked.",
        plot_tier_history,
    ),
    Chart(
        "segment_history.png",
        "Customers per named RFM segment at every period end of the segment history.",
        plot_segment_history,
    ),
    Chart(
        "segment_migration.png",
        "Where each named segment's customers went between the last two period ends: the share of the "
        "row's customers in each segment (rows: before, with new customers first; columns: after).",
        plot_migration_heatmap,
    ),
)
CHARTS = (
    TIER_CHARTS
    + SEGMENT_CHARTS
    + VALUE_CHARTS
    + CLUSTER_CHARTS
    + COMPARISON_CHARTS
    + CLV_CHARTS
    + HISTORY_CHARTS
)

SUMMARY_COLUMNS = {
    "customers": ("customers", "{:,}"),
    "customer_share": ("share of customers", "{:.1%}"),
    "revenue": ("revenue", "{:,.0f}"),
    "revenue_share": ("share of revenue", "{:.1%}"),
    "median_recency_days": ("median recency (days)", "{:,.0f}"),
    "median_frequency": ("median frequency", "{:,.1f}"),
    "median_monetary": ("median monetary", "{:,.2f}"),
}
PROFILE_COLUMNS = {
    "cluster_label": ("cluster", "{}"),
    **SUMMARY_COLUMNS,
    "centroid_recency_days": ("centroid recency (days)", "{:,.0f}"),
    "centroid_frequency": ("centroid frequency", "{:,.1f}"),
    "centroid_monetary": ("centroid monetary", "{:,.2f}"),
    "mean_distance_to_centroid": ("mean distance to centroid", "{:.2f}"),
}

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
.headline { display: flex; gap: 1rem; flex-wrap: wrap; }
.headline div { background: #f2f5f9; border-radius: 6px; padding: 0.6rem 1rem; }
.headline b { display: block; font-size: 1.5rem; }
figure { margin: 2rem 0; }
img { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9rem; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
"""


def html_table(frame: pd.DataFrame, columns: dict[str, tuple[str, str]], first: tuple[str, str]) -> str:
    """A small HTML table: the `first` (column, header) then the given columns, formatted and escaped."""
    layout = {first[0]: (first[1], "{}"), **{k: v for k, v in columns.items() if k != first[0]}}
    header = "".join(f"<th>{html.escape(title)}</th>" for title, _ in layout.values())
    rows = []
    for record in frame.to_dict("records"):
        cells = "".join(
            f"<td>{html.escape(number_format.format(record[column]))}</td>"
            for column, (_, number_format) in layout.items()
        )
        rows.append(f"<tr>{cells}</tr>")
    return f"<table>\n<thead><tr>{header}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"


def figures_html(charts: Sequence[Chart]) -> str:
    return "\n".join(
        f'<figure><img src="{html.escape(chart.file_name)}" alt="{html.escape(chart.caption)}">'
        f"<figcaption>{html.escape(chart.caption)}</figcaption></figure>"
        for chart in charts
    )


def headline_html(marts: Marts) -> str:
    headline = [
        ("customers", f"{marts.customers:,}"),
        ("revenue (source currency)", f"{marts.revenue:,.0f}"),
        ("loyalty tiers", f"{len(marts.tiers)}"),
        ("chosen k (K-means clusters)", f"{marts.chosen_k}"),
    ]
    cells = "".join(f"<div><b>{html.escape(value)}</b>{html.escape(name)}</div>" for name, value in headline)
    return f'<div class="headline">{cells}</div>'


CLV_PARAMETER_COLUMNS = {
    "r": ("r", "{:.4g}"),
    "alpha": ("alpha", "{:.4g}"),
    "a": ("a", "{:.4g}"),
    "b": ("b", "{:.4g}"),
    "p": ("p", "{:.4g}"),
    "q": ("q", "{:.4g}"),
    "v": ("v", "{:.4g}"),
    "customers_fitted": ("customers fitted", "{:,}"),
    "repeat_customers": ("repeat customers", "{:,}"),
    "excluded_non_positive_spend": ("left out of Gamma-Gamma (spend <= 0)", "{:,}"),
}
HOLDOUT_COLUMNS = {
    "customers": ("customers", "{:,}"),
    "actual_purchases": ("actual purchases (mean)", "{:.3f}"),
    "predicted_purchases": ("predicted purchases (mean)", "{:.3f}"),
}


def clv_charts(marts: Marts) -> tuple[Chart, ...]:
    return CLV_CHARTS + ((HOLDOUT_CHART,) if len(marts.clv_holdout) else ())


def clv_html(marts: Marts) -> str:
    if len(marts.clv_holdout):
        holdout = html_table(
            marts.clv_holdout, HOLDOUT_COLUMNS, ("calibration_repeat_purchases", "repeat purchases")
        )
    else:
        holdout = (
            "<p>No holdout check: the source has no purchase on or after the as-of date. Set the var "
            "as_of_date before the end of the data to compare predictions with what happened.</p>"
        )
    return f"""<h2>Customer lifetime value</h2>
<p>BG/NBD (purchases and dropout) and Gamma-Gamma (spend per purchase) fitted on the purchase days before the
as-of date; no contract and no covariates are assumed. See the README for what the figures mean.</p>
{html_table(marts.clv_parameters, CLV_PARAMETER_COLUMNS, ("time_unit", "time unit"))}
{figures_html(CLV_CHARTS)}
<h3>Holdout check</h3>
{holdout}
{figures_html(clv_charts(marts)[len(CLV_CHARTS) :])}"""


def render_html(marts: Marts) -> str:
    """The report page; it references the PNG files of CHARTS by their relative names."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Customer segmentation report</title>
<style>{STYLE}</style>
</head>
<body>
<h1>Customer segmentation report</h1>
<p>As of {marts.as_of_date:%Y-%m-%d}: RFM loyalty tiers, named RFM segments and K-means clusters of every
customer. Recency counts whole days to the as-of date; monetary is net spend in the source currency.</p>
{headline_html(marts)}
<h2>Loyalty tiers</h2>
{html_table(marts.tiers, SUMMARY_COLUMNS, ("segment", "tier"))}
{figures_html(TIER_CHARTS)}
<h2>Named RFM segments</h2>
{html_table(marts.segments, SUMMARY_COLUMNS, ("segment", "named segment"))}
{figures_html(SEGMENT_CHARTS)}
<h2>Recency, frequency and monetary value</h2>
{figures_html(VALUE_CHARTS)}
<h2>K-means clusters (k = {marts.chosen_k})</h2>
<p>Centroids are the fitted K-means centroids, mapped back from log space to original units.</p>
{html_table(marts.cluster_profiles, PROFILE_COLUMNS, ("cluster_label", "cluster"))}
{figures_html(CLUSTER_CHARTS)}
<h2>Loyalty tiers and clusters compared</h2>
{figures_html(COMPARISON_CHARTS)}
{clv_html(marts)}
<h2>Segments over time</h2>
<p>Every customer's tier and named segment at each period end, rebuilt from the transaction log with the
same rules as the current tables, and who moved between the last two period ends.</p>
{figures_html(HISTORY_CHARTS)}
</body>
</html>
"""


def render_report(database: Path, out_dir: Path) -> Path:
    """Write index.html and its PNG charts into out_dir; returns the HTML path."""
    marts = load_marts(Path(database))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for chart in CHARTS + clv_charts(marts)[len(CLV_CHARTS) :]:
        chart.plot(marts).savefig(out_dir / chart.file_name, dpi=DPI)
    page = out_dir / "index.html"
    page.write_text(render_html(marts), encoding="utf-8")
    return page


def parser() -> argparse.ArgumentParser:
    arguments = argparse.ArgumentParser(prog="segmentation report", description=__doc__.splitlines()[0])
    arguments.add_argument(
        "--database",
        type=Path,
        default=default_database(),
        help="the published DuckDB file, opened read-only (default: published/current/segments.duckdb "
        "beside $SEGMENTS_DB or warehouse/segments.duckdb)",
    )
    out = os.environ.get("SEGMENTS_REPORT_OUT")
    arguments.add_argument(
        "--out",
        type=Path,
        default=Path(out) if out else None,
        required=not out,
        help="folder to write index.html and charts into (default: $SEGMENTS_REPORT_OUT, set by make report)",
    )
    return arguments


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    started = time.perf_counter()
    try:
        page = render_report(args.database, args.out)
    except (ReportError, duckdb.IOException) as error:
        print(f"segmentation report: {error}", file=sys.stderr)
        return 1
    print(f"wrote {page} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
