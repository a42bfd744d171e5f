"""K-means customer segmentation on recency, frequency and monetary value (RFM).

The recipe follows the seed notebook: values <= 0 are set to 1, the natural log is taken of all
three measures, each column is standard-scaled, k is chosen at the elbow (kneedle) of the K-means
inertia curve, and K-means++ is fitted with that k.

What this module adds for a warehouse that runs unattended on up to ~5 million customers:

* Bounded cost. The k curve is fitted on a sample of at most ``sample_size`` rows, silhouette
  scores on at most ``silhouette_sample_size`` rows, and the final model on at most
  ``fit_sample_size`` rows; every customer is then assigned to its nearest centroid in chunks.
* Row-order independence. Scaling sums sorted values, samples are the rows with the smallest
  seeded hash of a per-row key (the dbt models pass a hash of customer_id) or, without keys, of
  their values (and occurrence number among identical rows), and the fitted rows
  are sorted by value before K-means sees them, so the same customers in any order, with the same
  seed, get bit-identical clusters and distances (DuckDB does not promise a row order).
* Stable labels. Clusters are numbered by a value score of their centroids, so cluster 1 is always
  the best customers (see ``rank_centroids``).
* Clear failures. Bad input raises ``SegmentationError`` saying what is wrong and what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

FEATURE_NAMES = ("recency", "frequency", "monetary")
INPUT_COLUMNS = ("customer_id", "recency_days", "frequency", "monetary")

DEFAULT_K_MIN = 1
DEFAULT_K_MAX = 9
DEFAULT_SEED = 42
DEFAULT_N_INIT = 3
DEFAULT_SAMPLE_SIZE = 50_000
DEFAULT_SILHOUETTE_SAMPLE_SIZE = 2_000
DEFAULT_FIT_SAMPLE_SIZE = 200_000

# Rows per block when assigning customers to centroids: bounds the (rows x k x 3) temporary.
_ASSIGN_BLOCK_ROWS = 65_536
# sklearn's default (1 GB) would let silhouette_score hold a full 10k x 10k distance matrix.
_SILHOUETTE_WORKING_MEMORY_MB = 64
_MAX_SEED = 2**32 - 1
# Native threads (OpenMP, BLAS) for K-means and silhouette. With 3 columns there is so little work
# per step that thread synchronisation outweighs it. Measured on 2 cores with another busy process
# (as other dbt models may be): k = 1..9 x 10 inits on 100k rows took ~10 s on 1 thread and 13-36 s
# on 2; a 10k-row silhouette 0.8 s on 1 thread and 1.5 s on 2.
_NATIVE_THREADS = 1
# Scaled features are of order 1; rows are hashed on their values rounded to this many decimals.
_HASH_DECIMALS = 9

SELECTION_SCHEMA = pa.schema(
    [
        pa.field("k", pa.int32()),
        pa.field("inertia", pa.float64()),
        pa.field("silhouette", pa.float64()),
        pa.field("is_chosen", pa.bool_()),
    ]
)
ASSIGNMENT_SCHEMA = pa.schema(
    [
        pa.field("customer_id", pa.string()),
        pa.field("cluster_id", pa.int32()),
        pa.field("distance_to_centroid", pa.float64()),
    ]
)


class SegmentationError(ValueError):
    """Input or parameters that K-means segmentation cannot work with; the message says why."""


# --------------------------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureScaling:
    """Per-column centre and scale of the log features (population standard deviation).

    A column with zero variance gets scale 1 and is centred on its (single) value, so it becomes
    exactly 0 rather than NaN.
    """

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, log_features: np.ndarray) -> FeatureScaling:
        if log_features.shape[0] == 0:
            raise SegmentationError("no customers to cluster: cannot fit a scaling on 0 rows")
        centres_and_scales = [
            _centre_and_scale(log_features[:, position]) for position in range(log_features.shape[1])
        ]
        centres, scales = zip(*centres_and_scales, strict=True)
        return cls(mean=np.array(centres), scale=np.array(scales))

    def transform(self, log_features: np.ndarray) -> np.ndarray:
        return (log_features - self.mean) / self.scale

    def to_original_units(self, scaled: np.ndarray) -> np.ndarray:
        """Undo scaling and log: ``exp(scaled * scale + mean)``.

        Applied to centroids this gives geometric-mean-like values in days, purchases and money
        (the mean of logs mapped back), not arithmetic means; values <= 0 counted as 1.
        """
        return np.exp(np.asarray(scaled, dtype=np.float64) * self.scale + self.mean)


def _centre_and_scale(column: np.ndarray) -> tuple[float, float]:
    """Mean and population standard deviation; for a constant column its value and 1.

    Both are summed over the sorted values, so the row order cannot change a bit of them, nor of
    the scaled features, their hashes (the samples) and the clusters.
    """
    ordered = np.sort(column)
    if ordered[0] == ordered[-1]:
        return float(ordered[0]), 1.0
    mean = ordered.mean()
    ordered -= mean
    np.square(ordered, out=ordered)
    return float(mean), float(np.sqrt(ordered.mean()))


def prepare_features(recency, frequency, monetary, *, replace_nonpositive: bool = True) -> np.ndarray:
    """Return the scaled log RFM features, float64 of shape (n, 3).

    Each argument is a 1-D numeric sequence (numpy array, list, Arrow array or chunked array).
    With ``replace_nonpositive`` (the notebook's recipe) values <= 0 become 1 before the natural
    log; otherwise such values raise ``SegmentationError``. Columns are then centred on their mean
    and divided by their population standard deviation (1 for a constant column).
    """
    features, _ = prepare_features_with_scaling(
        recency, frequency, monetary, replace_nonpositive=replace_nonpositive
    )
    return features


def prepare_features_with_scaling(
    recency, frequency, monetary, *, replace_nonpositive: bool = True
) -> tuple[np.ndarray, FeatureScaling]:
    """Like ``prepare_features`` but also return the scaling, to map centroids back to units."""
    named_columns = zip(FEATURE_NAMES, (recency, frequency, monetary), strict=True)
    return _scaled_log_features(named_columns, replace_nonpositive)


def _scaled_log_features(named_columns, replace_nonpositive: bool):
    """Scaled log features and their scaling, built one column at a time to bound memory."""
    named_columns = list(named_columns)
    log_features = None
    for position, (name, values) in enumerate(named_columns):
        log_column = _log_column(_as_float_column(values, name), name, replace_nonpositive)
        if log_features is None:
            log_features = np.empty((log_column.size, len(named_columns)))
        elif log_column.size != log_features.shape[0]:
            raise SegmentationError(
                f"column {name!r} has {log_column.size} values but {named_columns[0][0]!r} has "
                f"{log_features.shape[0]}; recency, frequency and monetary must align"
            )
        log_features[:, position] = log_column
    if log_features.shape[0] == 0:
        raise SegmentationError(
            "no customers to cluster: the input has 0 rows; check that the upstream RFM model "
            "returns customers (source filters, as-of date)"
        )
    scaling = FeatureScaling.fit(log_features)
    log_features -= scaling.mean
    log_features /= scaling.scale
    return log_features, scaling


def _as_float_column(values, name: str) -> np.ndarray:
    """A 1-D float64 copy of ``values`` with nulls as NaN, rejecting non-numeric data."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        arrow_type = values.type
        is_numeric = (
            pa.types.is_integer(arrow_type)
            or pa.types.is_floating(arrow_type)
            or pa.types.is_decimal(arrow_type)
        )
        if not is_numeric:
            raise SegmentationError(f"column {name!r} must be numeric, got Arrow type {values.type}")
        values = pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)
    try:
        column = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise SegmentationError(f"column {name!r} must be numeric: {error}") from None
    if column.ndim != 1:
        raise SegmentationError(f"column {name!r} must be 1-D, got shape {column.shape}")
    bad = ~np.isfinite(column)
    if bad.any():
        raise SegmentationError(
            f"column {name!r} has {int(bad.sum())} missing (null/NaN) or infinite values; "
            "fix or filter those customers upstream before clustering"
        )
    return column


def _log_column(column: np.ndarray, name: str, replace_nonpositive: bool) -> np.ndarray:
    nonpositive = column <= 0
    if nonpositive.any():
        if not replace_nonpositive:
            raise SegmentationError(
                f"column {name!r} has {int(nonpositive.sum())} values <= 0 and the log transform "
                "needs positive values: use replace_nonpositive=True (values <= 0 become 1, as "
                "in the notebook) or filter those customers"
            )
        column[nonpositive] = 1.0
    return np.log(column, out=column)


def _validated_features(features) -> np.ndarray:
    """Features as a C-contiguous float64 (n, 3) array with finite values."""
    array = np.ascontiguousarray(features, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != len(FEATURE_NAMES):
        raise SegmentationError(
            f"features must have shape (n, 3) for recency, frequency, monetary; got {array.shape}"
        )
    if array.shape[0] == 0:
        raise SegmentationError(
            "no customers to cluster: the feature array has 0 rows; check that the upstream RFM "
            "model returns customers (source filters, as-of date)"
        )
    for position, name in enumerate(FEATURE_NAMES):
        bad = ~np.isfinite(array[:, position])
        if bad.any():
            raise SegmentationError(
                f"feature column {position} ({name}) has {int(bad.sum())} NaN or infinite values; "
                "build features with prepare_features from clean recency/frequency/monetary"
            )
    return array


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------


def _validated_sample_keys(sample_keys, row_count: int) -> np.ndarray | None:
    if sample_keys is None:
        return None
    keys = np.asarray(sample_keys)
    if keys.shape != (row_count,) or keys.dtype.kind not in "iu":
        raise SegmentationError(
            f"sample_keys must be {row_count} integers, one per row; got shape {keys.shape} of {keys.dtype}"
        )
    return keys.astype(np.uint64, copy=False)


def _require_int(name: str, value, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise SegmentationError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and <= {maximum}" if maximum is not None else ""
        raise SegmentationError(f"{name} must be >= {minimum}{upper}, got {value}")
    return int(value)


def _explicit_k_or_none(k) -> int | None:
    """None for automatic selection (k=None or 'auto'), else the requested k."""
    if k is None or (isinstance(k, str) and k == "auto"):
        return None
    if isinstance(k, bool) or not isinstance(k, Integral):
        raise SegmentationError(f"k must be 'auto' or a positive integer, got {k!r}")
    return _require_int("k", k, 1)


def _validated_k_range(k_min, k_max) -> tuple[int, int]:
    k_min = _require_int("k_min", k_min, 1)
    k_max = _require_int("k_max", k_max, 1)
    if k_max < k_min:
        raise SegmentationError(f"k_max ({k_max}) must be >= k_min ({k_min})")
    return k_min, k_max


# --------------------------------------------------------------------------------------------
# Order-independent sampling
# --------------------------------------------------------------------------------------------

_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


def _mix64_in_place(values: np.ndarray) -> None:
    """splitmix64 finaliser: spreads the bits of each uint64 (wrap-around is intended)."""
    values ^= values >> np.uint64(30)
    values *= _MIX_1
    values ^= values >> np.uint64(27)
    values *= _MIX_2
    values ^= values >> np.uint64(31)


def _mixed_seed(seed: int) -> np.uint64:
    mixed = np.array([seed], dtype=np.uint64)
    _mix64_in_place(mixed)
    return mixed[0]


def _seeded_value_hash(features: np.ndarray, seed: int) -> np.ndarray:
    """A pseudo-random uint64 per row that depends only on the row's values and the seed.

    Values are rounded first so that last-bit noise (say a sum computed in another order
    upstream) changes the hash of almost no row rather than reshuffling the whole sample.
    """
    hashes = np.full(features.shape[0], _mixed_seed(seed), dtype=np.uint64)
    for position in range(features.shape[1]):
        rounded = np.round(features[:, position], _HASH_DECIMALS)
        rounded += 0.0  # -0.0 becomes 0.0, so equal values have equal bits
        hashes ^= rounded.view(np.uint64)
        _mix64_in_place(hashes)
    return hashes


def _sample_row_indices(
    features: np.ndarray, max_rows: int, seed: int, sample_keys: np.ndarray | None
) -> np.ndarray:
    """Indices of the ``max_rows`` rows with the smallest sampling key.

    With ``sample_keys`` (distinct per row, e.g. a hash of the customer id) the key is that mixed
    with the seed, found in one linear pass. Without them the key hashes a row's values together
    with its occurrence number among identical rows, which takes a sort of all rows. Either way
    every row has the same chance to be drawn, the drawn values do not depend on row order, and
    the sample for a smaller bound is contained in the one for a larger bound.
    """
    if sample_keys is not None:
        keys = sample_keys ^ _mixed_seed(seed)
        _mix64_in_place(keys)
        return np.argpartition(keys, max_rows - 1)[:max_rows]
    hashes = _seeded_value_hash(features, seed)
    order = np.argsort(hashes)
    keys = hashes[order]
    del hashes
    positions = np.arange(keys.size, dtype=np.uint64)
    occurrence = np.zeros(keys.size, dtype=np.uint64)
    new_group = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    occurrence[new_group] = positions[new_group]
    del new_group
    np.maximum.accumulate(occurrence, out=occurrence)  # where each row's group of equal keys starts
    np.subtract(positions, occurrence, out=occurrence)
    del positions
    keys ^= occurrence
    _mix64_in_place(keys)
    return order[np.argpartition(keys, max_rows - 1)[:max_rows]]


def _sample_rows_in_value_order(
    features: np.ndarray, max_rows: int, seed: int, sample_keys: np.ndarray | None
) -> np.ndarray:
    """At most ``max_rows`` rows (all if fewer), sorted by value, drawn independently of row order."""
    if features.shape[0] > max_rows:
        features = features[_sample_row_indices(features, max_rows, seed, sample_keys)]
    return features[np.lexsort(features.T[::-1])]


def _count_distinct_sorted_rows(sorted_rows: np.ndarray) -> int:
    changes = np.any(sorted_rows[1:] != sorted_rows[:-1], axis=1)
    return 1 + int(changes.sum())


def _count_distinct_rows_up_to(features: np.ndarray, limit: int) -> int:
    """Number of distinct rows, counting no further than ``limit`` (cheap for a small limit)."""
    remaining = np.ones(features.shape[0], dtype=bool)
    count = 0
    while count < limit and remaining.any():
        first = features[np.argmax(remaining)]
        remaining &= np.any(features != first, axis=1)
        count += 1
    return count


def _too_few_distinct_error(
    k: int, features: np.ndarray, rows_used: int, distinct_used: int
) -> SegmentationError:
    if rows_used == features.shape[0]:
        distinct_total = distinct_used
    else:
        distinct_total = _count_distinct_rows_up_to(features, k)
    if distinct_total < k:
        return SegmentationError(
            f"k={k} clusters requested but there are only {distinct_total} distinct customers "
            "(distinct recency/frequency/monetary combinations): use k <= "
            f"{distinct_total} or k='auto'"
        )
    return SegmentationError(
        f"k={k} clusters requested but the {rows_used}-row sample used for fitting holds only "
        f"{distinct_used} distinct customers (almost all customers are identical): raise the "
        "sample size or lower k"
    )


# --------------------------------------------------------------------------------------------
# Fitting K-means
# --------------------------------------------------------------------------------------------


def _fit_centroids(
    sorted_rows: np.ndarray, k: int, seed: int, n_init: int, distinct: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """Centroids (k x 3), the label of each row and the inertia; requires ``distinct >= k``."""
    if distinct == 1:
        # Exact, where a K-means mean of identical values could be off in the last bit.
        return sorted_rows[:1].copy(), np.zeros(sorted_rows.shape[0], dtype=np.int32), 0.0
    model = KMeans(n_clusters=k, init="k-means++", n_init=n_init, random_state=seed)
    with threadpool_limits(limits=_NATIVE_THREADS):
        model.fit(sorted_rows)
    return model.cluster_centers_, model.labels_, float(model.inertia_)


def _silhouette_or_none(rows: np.ndarray, labels: np.ndarray, sample_positions) -> float | None:
    """Mean silhouette on the sampled rows, None when fewer than 2 clusters are present in it
    or every sampled row is its own cluster (silhouette is undefined there)."""
    sampled_labels = labels[sample_positions]
    cluster_count = np.unique(sampled_labels).size
    if cluster_count < 2 or cluster_count > len(sampled_labels) - 1:
        return None
    with (
        sklearn.config_context(working_memory=_SILHOUETTE_WORKING_MEMORY_MB),
        threadpool_limits(limits=_NATIVE_THREADS),
    ):
        return float(silhouette_score(rows[sample_positions], sampled_labels))


def rank_centroids(centroids: np.ndarray) -> np.ndarray:
    """Centroids reordered so that row 0 (cluster 1) is the best customers.

    Order: value score ``-recency + frequency + monetary`` (scaled space) descending; ties by lower
    recency, then higher frequency, then higher monetary.
    """
    recency, frequency, monetary = centroids[:, 0], centroids[:, 1], centroids[:, 2]
    value = -recency + frequency + monetary
    return centroids[np.lexsort((-monetary, -frequency, recency, -value))]


def assign_to_nearest(features: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """0-based index of the nearest centroid per row and the Euclidean distance to it.

    Ties go to the lower index. Computed per row (no matrix-product shortcut), so a row's result
    does not depend on where it sits in the input.
    """
    n = features.shape[0]
    nearest = np.empty(n, dtype=np.int32)
    distance = np.empty(n, dtype=np.float64)
    for start in range(0, n, _ASSIGN_BLOCK_ROWS):
        block = features[start : start + _ASSIGN_BLOCK_ROWS]
        squared = ((block[:, np.newaxis, :] - centroids[np.newaxis, :, :]) ** 2).sum(axis=2)
        block_nearest = squared.argmin(axis=1)
        nearest[start : start + len(block)] = block_nearest
        distance[start : start + len(block)] = np.sqrt(squared[np.arange(len(block)), block_nearest])
    return nearest, distance


# --------------------------------------------------------------------------------------------
# Choosing k
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KCurvePoint:
    """One fitted k: inertia on the selection sample and silhouette (None for k=1)."""

    k: int
    inertia: float
    silhouette: float | None


@dataclass(frozen=True)
class KSelection:
    """The k curve and the chosen k.

    ``method`` says how k was chosen: 'explicit', 'kneedle', 'best_silhouette' or 'smallest_k'.
    ``sample_rows`` is how many rows the curve was fitted on.
    """

    curve: tuple[KCurvePoint, ...]
    chosen_k: int
    method: str
    sample_rows: int

    def to_arrow(self) -> pa.Table:
        return pa.table(
            {
                "k": pa.array([point.k for point in self.curve], pa.int32()),
                "inertia": pa.array([point.inertia for point in self.curve], pa.float64()),
                "silhouette": pa.array([point.silhouette for point in self.curve], pa.float64()),
                "is_chosen": pa.array([point.k == self.chosen_k for point in self.curve], pa.bool_()),
            },
            schema=SELECTION_SCHEMA,
        )


def kneedle_elbow(ks: Sequence[int], inertias: Sequence[float]) -> int | None:
    """The elbow of a convex, decreasing curve by kneedle (Satopaa et al., 2011, sensitivity 1,
    offline: the first knee found), or None. Same answers as ``kneed.KneeLocator(ks, inertias,
    curve="convex", direction="decreasing").knee``, without importing kneed, which costs 0.5 s
    in every dbt build for the matplotlib it loads.

    Both axes are scaled to 0..1 and the curve is flipped to rise; ``difference`` is how far it
    lies above the diagonal. A knee is a local maximum of the difference after which the
    difference falls below that maximum minus the mean step of k, before any local minimum.
    """
    k = np.asarray(ks, dtype=float)
    inertia = np.asarray(inertias, dtype=float)
    k_scaled = (k - k.min()) / (k.max() - k.min())
    rise = 1.0 - (inertia - inertia.min()) / (inertia.max() - inertia.min())
    difference = rise - k_scaled
    before = np.concatenate([difference[:1], difference[:-1]])
    after = np.concatenate([difference[1:], difference[-1:]])
    is_maximum = (difference >= before) & (difference >= after)
    is_minimum = (difference <= before) & (difference <= after)
    if not is_maximum.any():
        return None
    step = abs(np.diff(k_scaled).mean())
    watching = False
    for i in range(int(np.argmax(is_maximum)), len(difference) - 1):
        if is_maximum[i]:
            threshold, knee, watching = difference[i] - step, int(ks[i]), True
        if is_minimum[i]:
            watching = False
        if watching and difference[i + 1] < threshold:
            return knee
    return None


def choose_elbow_k(
    ks: Sequence[int], inertias: Sequence[float], silhouettes: Sequence[float | None]
) -> tuple[int, str]:
    """The k at the elbow of a decreasing inertia curve, and how it was found.

    Kneedle (``kneedle_elbow``) when the curve has at least 3 points and is not constant. If
    kneedle finds no knee (a straight or flat curve, too few points) the fallback is the k with the
    highest silhouette (ties: smaller k), and without any silhouette the smallest k.
    """
    if len(ks) >= 3 and max(inertias) > min(inertias):
        knee = kneedle_elbow(ks, inertias)
        if knee is not None:
            return knee, "kneedle"
    scored = [(score, -k) for k, score in zip(ks, silhouettes, strict=True) if score is not None]
    if scored:
        return -max(scored)[1], "best_silhouette"
    return int(ks[0]), "smallest_k"


def _candidate_ks(k_min: int, k_max: int, distinct: int, explicit_k: int | None) -> list[int]:
    """k_min..k_max widened to include an explicit k, clipped to the number of distinct points.

    With fewer distinct points than k_min the range collapses to k = number of distinct points.
    """
    low, high = k_min, k_max
    if explicit_k is not None:
        low, high = min(low, explicit_k), max(high, explicit_k)
    high = min(high, distinct)
    return list(range(min(low, high), high + 1))


def select_k(
    features,
    k_min: int = DEFAULT_K_MIN,
    k_max: int = DEFAULT_K_MAX,
    k: int | str | None = None,
    seed: int = DEFAULT_SEED,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    silhouette_sample_size: int = DEFAULT_SILHOUETTE_SAMPLE_SIZE,
    n_init: int = DEFAULT_N_INIT,
    sample_keys=None,
) -> KSelection:
    """Fit K-means++ for each k and choose one.

    The curve is fitted on at most ``sample_size`` rows (all rows if fewer), drawn with ``seed``
    independently of row order (by ``sample_keys`` when given, see ``_sample_row_indices``). For
    each k it records the inertia and, for k >= 2, the silhouette on at most
    ``silhouette_sample_size`` of those rows. The k range is clipped to the number of distinct
    rows in that sample; only fitted ks are reported.

    ``k=None`` or ``'auto'``: the kneedle elbow, with the fallbacks of ``choose_elbow_k`` (best
    silhouette, else the smallest k). All customers identical: k=1. An integer ``k`` is chosen as
    given (the range is widened to include it); more clusters than distinct customers is an error.
    """
    features = _validated_features(features)
    k_min, k_max = _validated_k_range(k_min, k_max)
    explicit_k = _explicit_k_or_none(k)
    seed = _require_int("seed", seed, 0, _MAX_SEED)
    sample_size = _require_int("sample_size", sample_size, 1)
    silhouette_sample_size = _require_int("silhouette_sample_size", silhouette_sample_size, 2)
    n_init = _require_int("n_init", n_init, 1)
    sample_keys = _validated_sample_keys(sample_keys, features.shape[0])

    rows = _sample_rows_in_value_order(features, sample_size, seed, sample_keys)
    distinct = _count_distinct_sorted_rows(rows)
    if explicit_k is not None and explicit_k > distinct:
        raise _too_few_distinct_error(explicit_k, features, len(rows), distinct)

    silhouette_positions = _silhouette_sample_positions(len(rows), silhouette_sample_size, seed)
    curve = []
    for candidate_k in _candidate_ks(k_min, k_max, distinct, explicit_k):
        _, labels, inertia = _fit_centroids(rows, candidate_k, seed, n_init, distinct)
        silhouette = _silhouette_or_none(rows, labels, silhouette_positions)
        curve.append(KCurvePoint(k=candidate_k, inertia=inertia, silhouette=silhouette))

    if explicit_k is not None:
        chosen_k, method = explicit_k, "explicit"
    else:
        chosen_k, method = choose_elbow_k(
            [point.k for point in curve],
            [point.inertia for point in curve],
            [point.silhouette for point in curve],
        )
    return KSelection(curve=tuple(curve), chosen_k=chosen_k, method=method, sample_rows=len(rows))


def _silhouette_sample_positions(row_count: int, max_rows: int, seed: int) -> np.ndarray:
    if row_count <= max_rows:
        return np.arange(row_count)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(row_count, size=max_rows, replace=False))


# --------------------------------------------------------------------------------------------
# Final clusters
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterFit:
    """Cluster of every customer, in input row order.

    ``cluster_id`` is 1..k (int32, 1 = best, see ``rank_centroids``); ``distance_to_centroid`` is
    Euclidean in the scaled feature space. ``centroids_scaled[i]`` is cluster i+1's centroid;
    ``centroids_original`` the same in days / purchases / money (geometric-mean-like, see
    ``FeatureScaling.to_original_units``), or None when no scaling was given. ``seed_rows`` is how
    many rows the k-means++ starts ran on before the final run over every row.
    """

    k: int
    cluster_id: np.ndarray
    distance_to_centroid: np.ndarray
    centroids_scaled: np.ndarray
    centroids_original: np.ndarray | None
    seed_rows: int


def fit_clusters(
    features,
    k: int,
    seed: int = DEFAULT_SEED,
    *,
    scaling: FeatureScaling | None = None,
    fit_sample_size: int = DEFAULT_FIT_SAMPLE_SIZE,
    n_init: int = DEFAULT_N_INIT,
    sample_keys=None,
) -> ClusterFit:
    """Fit K-means++ with ``k`` clusters and assign every row to its nearest centroid.

    The ``n_init`` k-means++ starts run on at most ``fit_sample_size`` rows (an order-independent
    seeded sample when there are more, drawn as in ``select_k``; the selection sample with the
    same seed and keys is part of it) and the best of them gives the centroids. Every row is then
    assigned to its nearest centroid: one pass over all rows, where Lloyd iterations over all rows
    to full convergence took 36 passes on 3.9 million customers and moved no centroid by more than
    0.012 scaled units.
    Clusters are numbered by ``rank_centroids``. All customers identical and k=1: one cluster at
    that point, every distance 0. Fewer distinct customers than k: ``SegmentationError``.
    """
    features = _validated_features(features)
    k = _require_int("k", k, 1)
    seed = _require_int("seed", seed, 0, _MAX_SEED)
    fit_sample_size = _require_int("fit_sample_size", fit_sample_size, 1)
    n_init = _require_int("n_init", n_init, 1)
    sample_keys = _validated_sample_keys(sample_keys, features.shape[0])

    rows = _sample_rows_in_value_order(features, fit_sample_size, seed, sample_keys)
    distinct = _count_distinct_sorted_rows(rows)
    if k > distinct:
        raise _too_few_distinct_error(k, features, len(rows), distinct)

    centroids, _, _ = _fit_centroids(rows, k, seed, n_init, distinct)
    centroids = rank_centroids(centroids)
    nearest, distance = assign_to_nearest(features, centroids)
    return ClusterFit(
        k=k,
        cluster_id=nearest + np.int32(1),
        distance_to_centroid=distance,
        centroids_scaled=centroids,
        centroids_original=None if scaling is None else scaling.to_original_units(centroids),
        seed_rows=len(rows),
    )


# --------------------------------------------------------------------------------------------
# From the RFM table to the output tables
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentationRun:
    """Everything one segmentation produced; the ``*_table`` properties are what dbt stores."""

    customer_id: pa.ChunkedArray
    selection: KSelection
    clusters: ClusterFit

    @property
    def selection_table(self) -> pa.Table:
        return self.selection.to_arrow()

    @property
    def assignment_table(self) -> pa.Table:
        return self.assignment_of(self.customer_id, self.clusters)

    @staticmethod
    def assignment_of(customer_id: pa.ChunkedArray, clusters: ClusterFit) -> pa.Table:
        """customer_id, cluster_id and distance_to_centroid, in the order of ``customer_id``."""
        return pa.table(
            {
                "customer_id": customer_id,
                "cluster_id": pa.array(clusters.cluster_id, pa.int32()),
                "distance_to_centroid": pa.array(clusters.distance_to_centroid, pa.float64()),
            },
            schema=ASSIGNMENT_SCHEMA,
        )


def run_segmentation(
    table,
    k: int | str = "auto",
    k_min: int = DEFAULT_K_MIN,
    k_max: int = DEFAULT_K_MAX,
    seed: int = DEFAULT_SEED,
    *,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    silhouette_sample_size: int = DEFAULT_SILHOUETTE_SAMPLE_SIZE,
    fit_sample_size: int = DEFAULT_FIT_SAMPLE_SIZE,
    n_init: int = DEFAULT_N_INIT,
    replace_nonpositive: bool = True,
) -> SegmentationRun:
    """Select k and cluster the customers of an RFM table (see ``customer_ids_and_features``,
    ``select_k`` and ``fit_clusters``)."""
    customer_id, features, scaling = customer_ids_and_features(table, replace_nonpositive=replace_nonpositive)
    selection = select_k(
        features,
        k_min=k_min,
        k_max=k_max,
        k=k,
        seed=seed,
        sample_size=sample_size,
        silhouette_sample_size=silhouette_sample_size,
        n_init=n_init,
    )
    clusters = fit_clusters(
        features,
        selection.chosen_k,
        seed,
        scaling=scaling,
        fit_sample_size=fit_sample_size,
        n_init=n_init,
    )
    return SegmentationRun(customer_id=customer_id, selection=selection, clusters=clusters)


def customer_ids_and_features(
    table, *, replace_nonpositive: bool = True
) -> tuple[pa.ChunkedArray, np.ndarray, FeatureScaling]:
    """customer_id (as strings), the scaled log features and their scaling, from an RFM table.

    ``table``: a pyarrow Table or RecordBatchReader (what DuckDB's ``.arrow()`` returns) with
    customer_id, recency_days, frequency and monetary; errors name the offending column.
    """
    table = as_arrow_table(table)
    customer_id = _customer_ids(table)
    features, scaling = _scaled_log_features(
        ((name, table.column(name)) for name in INPUT_COLUMNS[1:]), replace_nonpositive
    )
    return customer_id, features, scaling


def segment_customers(
    table,
    k: int | str = "auto",
    k_min: int = DEFAULT_K_MIN,
    k_max: int = DEFAULT_K_MAX,
    seed: int = DEFAULT_SEED,
    **options,
) -> tuple[pa.Table, pa.Table]:
    """(k selection table, customer assignment table); options as for ``run_segmentation``.

    The assignment table keeps the input row order: customer_id string, cluster_id int32,
    distance_to_centroid float64.
    """
    run = run_segmentation(table, k=k, k_min=k_min, k_max=k_max, seed=seed, **options)
    return run.selection_table, run.assignment_table


def as_arrow_table(data) -> pa.Table:
    """A pyarrow Table from a Table or a RecordBatchReader (what DuckDB's ``.arrow()`` returns)."""
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatchReader):
        return data.read_all()
    raise SegmentationError(
        f"expected a pyarrow Table or RecordBatchReader, got {type(data).__name__}; in a dbt "
        "Python model pass dbt.ref(...).arrow()"
    )


def _customer_ids(table: pa.Table) -> pa.ChunkedArray:
    missing = [name for name in INPUT_COLUMNS if name not in table.column_names]
    if missing:
        raise SegmentationError(f"the RFM table lacks column(s) {missing}; it has {table.column_names}")
    customer_id = table.column("customer_id")
    if customer_id.null_count:
        raise SegmentationError(
            f"customer_id has {customer_id.null_count} null values; every customer needs an id"
        )
    return pc.cast(customer_id, pa.string())
