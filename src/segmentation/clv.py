"""Customer lifetime value: BG/NBD purchase counts and Gamma-Gamma spend, in numpy and scipy.

Written from the published formulas:

* BG/NBD -- Fader, Hardie and Lee (2005), "Counting Your Customers the Easy Way: An Alternative to
  the Pareto/NBD Model", Marketing Science 24(2). While alive a customer buys as a Poisson process
  with rate lambda ~ Gamma(r, alpha) (shape r, rate alpha); after each repeat purchase they drop
  out for good with probability p ~ Beta(a, b).
* Gamma-Gamma -- Fader and Hardie, "The Gamma-Gamma Model of Monetary Value" (2013). A customer's
  purchase values are Gamma(p, nu) with nu ~ Gamma(q, v) across customers (``v`` is the note's
  gamma), independent of their purchase counts.

Per customer the models take x (repeat purchases: purchase days minus one), t_x (time from the
first to the last purchase), T (time from the first purchase to the end of the data) and the mean
value of the repeat purchases, time in one unit throughout (days, weeks...). Fits maximise the
closed-form log-likelihoods over log-parameters. Bad input raises ``SegmentationError`` saying what
is wrong.

``clv_parameter_table`` and ``customer_lifetime_value_table`` are the thin Arrow layer for the dbt
Python models: fit on a sample of customers, then score every customer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.optimize import minimize
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1
from threadpoolctl import threadpool_limits

from segmentation.kmeans import SegmentationError, as_arrow_table, mix64_in_place, mixed_seed

FEATURE_COLUMNS = (
    "customer_id",
    "repeat_purchases",
    "recency_periods",
    "age_periods",
    "mean_repeat_value",
    "sample_key",
)
# What the fit reads: it needs no customer ids.
FIT_COLUMNS = tuple(name for name in FEATURE_COLUMNS if name != "customer_id")
PARAMETER_SCHEMA = pa.schema(
    [
        pa.field("r", pa.float64()),
        pa.field("alpha", pa.float64()),
        pa.field("a", pa.float64()),
        pa.field("b", pa.float64()),
        pa.field("bgnbd_log_likelihood", pa.float64()),
        pa.field("p", pa.float64()),
        pa.field("q", pa.float64()),
        pa.field("v", pa.float64()),
        pa.field("gamma_gamma_log_likelihood", pa.float64()),
        pa.field("customers_fitted", pa.int64()),
        pa.field("repeat_customers", pa.int64()),
        pa.field("gamma_gamma_customers", pa.int64()),
        pa.field("excluded_non_positive_spend", pa.int64()),
        pa.field("time_unit", pa.string()),
        pa.field("as_of_date", pa.date32()),
    ]
)
CLV_SCHEMA = pa.schema(
    [
        pa.field("customer_id", pa.string()),
        pa.field("p_alive", pa.float64()),
        pa.field("expected_purchases", pa.float64()),
        pa.field("expected_purchase_value", pa.float64()),
        pa.field("predicted_clv", pa.float64()),
    ]
)

# Discounting steps per year in predicted_clv: monthly.
DISCOUNT_STEPS_PER_YEAR = 12
# L-BFGS-B on the mean log-likelihood per customer in log-parameter space: stop when a step
# improves it by less than 1e-12 relative or the gradient is below 1e-9.
_OPTIMISER_OPTIONS = {"ftol": 1e-12, "gtol": 1e-9, "maxiter": 2_000}
# Fitted log-parameters beyond this mean the likelihood has no finite maximum (e.g. no dropout).
_MAX_ABS_LOG_PARAMETER = 25.0


@dataclass(frozen=True)
class BgNbdParameters:
    """BG/NBD estimates: lambda ~ Gamma(r, alpha), dropout p ~ Beta(a, b); total log-likelihood."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float


@dataclass(frozen=True)
class GammaGammaParameters:
    """Gamma-Gamma estimates: values ~ Gamma(p, nu), nu ~ Gamma(q, v); total log-likelihood."""

    p: float
    q: float
    v: float
    log_likelihood: float


# --------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------


def _float_array(values, name: str) -> np.ndarray:
    """A float64 array of ``values`` (Arrow nulls as NaN) that has no NaN or negative value."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        values = pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)
    array = np.asarray(values, dtype=np.float64)
    missing = ~np.isfinite(array)
    if missing.any():
        raise SegmentationError(f"{name} has {int(missing.sum())} missing (null/NaN) or infinite values")
    negative = array < 0
    if negative.any():
        raise SegmentationError(f"{name} has {int(negative.sum())} negative values; it must be >= 0")
    return array


def _customer_arrays(x, t_x, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, t_x, T as broadcast float arrays: whole non-negative x and 0 <= t_x <= T."""
    x, t_x, T = np.broadcast_arrays(
        _float_array(x, "x (repeat purchases)"),
        _float_array(t_x, "t_x (recency)"),
        _float_array(T, "T (age)"),
    )
    if np.any(x != np.floor(x)):
        raise SegmentationError("x (repeat purchases) must hold whole numbers")
    late = t_x > T
    if late.any():
        raise SegmentationError(
            f"{int(late.sum())} customers have t_x > T (last purchase after the end of the data); "
            "t_x is the time from the first to the last purchase and T from the first purchase to the end"
        )
    return x, t_x, T


def _weight_array(weights, size: int) -> np.ndarray:
    if weights is None:
        return np.ones(size)
    weights = _float_array(weights, "weights")
    if weights.shape != (size,):
        raise SegmentationError(f"weights must be {size} counts, one per row; got shape {weights.shape}")
    return weights


def _require_positive(name: str, value: float) -> float:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise SegmentationError(f"{name} must be a positive number, got {value!r}")
    return float(value)


# --------------------------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------------------------


def _maximise(log_likelihood, gradient, weights: np.ndarray, parameter_count: int, model: str) -> np.ndarray:
    """Parameters maximising the weighted log-likelihood, searched over their logs.

    ``log_likelihood(parameters)`` gives per-row values and ``gradient(parameters)`` their
    derivatives, one column per parameter. L-BFGS-B minimises minus the mean log-likelihood per
    customer from all parameters = 1, within log-parameter bounds that keep exp() finite.
    """
    total = weights.sum()

    def objective(log_parameters: np.ndarray) -> tuple[float, np.ndarray]:
        parameters = np.exp(log_parameters)
        value = weights @ log_likelihood(parameters) / total
        slope = weights @ gradient(parameters) / total * parameters  # chain rule for the logs
        if not (np.isfinite(value) and np.isfinite(slope).all()):
            return np.inf, np.zeros(parameter_count)
        return -value, -slope

    bounds = [(-_MAX_ABS_LOG_PARAMETER, _MAX_ABS_LOG_PARAMETER)] * parameter_count
    with threadpool_limits(limits=1):  # BLAS threads only slow the weighted sums down (see kmeans)
        result = minimize(
            objective,
            np.zeros(parameter_count),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options=_OPTIMISER_OPTIONS,
        )
    # A stop on a flat ridge or at a bound is accepted: when customers do not differ in a rate (every
    # customer spends alike, say), the maximum lies at infinite shape parameters, and the parameters
    # at the bound (e^25) give that no-heterogeneity limit's predictions (their ratios stay finite).
    if not np.isfinite(result.fun):
        raise SegmentationError(
            f"the {model} fit found no finite likelihood ({result.message}; log-parameters "
            f"{np.round(result.x, 2).tolist()}): check the CLV features for extreme values"
        )
    return np.exp(result.x)


def bgnbd_log_likelihood(r, alpha, a, b, x, t_x, T) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood (FHL 2005, eq. 6), in a numerically stable form.

    L = Gamma(r+x) alpha^r / Gamma(r) * B(a, b+x) / B(a, b)
        * [ (alpha+T)^-(r+x) + [x>0] a/(b+x-1) (alpha+t_x)^-(r+x) ]

    The bracket is summed as logaddexp of its two logs (B(a+1, b+x-1) = B(a, b+x) a/(b+x-1)).
    """
    x, t_x, T = np.asarray(x, dtype=np.float64), np.asarray(t_x), np.asarray(T)
    still_alive, dropped_out, repeat = _bgnbd_bracket_logs(r, alpha, a, b, x, t_x, T)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
    return common + np.where(repeat, np.logaddexp(still_alive, dropped_out), still_alive)


def _bgnbd_bracket_logs(r, alpha, a, b, x, t_x, T):
    """Logs of the bracket's two terms (the second only where x > 0) and the mask x > 0."""
    repeat = x > 0
    x_repeat = np.where(repeat, x, 1.0)  # keeps b + x - 1 > 0 where the term is not used
    still_alive = -(r + x) * np.log(alpha + T)
    dropped_out = np.log(a) - np.log(b + x_repeat - 1) - (r + x) * np.log(alpha + t_x)
    return still_alive, dropped_out, repeat


def _bgnbd_gradient(r, alpha, a, b, x, t_x, T) -> np.ndarray:
    """Derivatives of ``bgnbd_log_likelihood`` by r, alpha, a, b: an (n, 4) array.

    With w = the bracket's second term over the whole bracket (0 where x = 0) and psi = digamma.
    """
    still_alive, dropped_out, repeat = _bgnbd_bracket_logs(r, alpha, a, b, x, t_x, T)
    w = np.where(repeat, expit(dropped_out - still_alive), 0.0)
    x_repeat = np.where(repeat, x, 1.0)
    log_alpha_t = (1 - w) * np.log(alpha + T) + w * np.log(alpha + t_x)
    beta_shift = digamma(a + b) - digamma(a + b + x)
    return np.column_stack(
        [
            digamma(r + x) - digamma(r) + np.log(alpha) - log_alpha_t,
            r / alpha - (r + x) * ((1 - w) / (alpha + T) + w / (alpha + t_x)),
            beta_shift + w / a,
            beta_shift + digamma(b + x) - digamma(b) - w / (b + x_repeat - 1),
        ]
    )


def fit_bgnbd(x, t_x, T, weights=None) -> BgNbdParameters:
    """Maximum-likelihood BG/NBD parameters for customers (x, t_x, T).

    ``weights``: how many customers share each row's (x, t_x, T), so callers can pass distinct
    rows and their counts; None = one customer per row. Needs at least 2 repeat customers (x > 0).
    """
    x, t_x, T = _customer_arrays(x, t_x, T)
    weights = _weight_array(weights, x.size)
    repeat_customers = float(weights[x > 0].sum())
    if repeat_customers < 2:
        raise SegmentationError(
            f"BG/NBD needs at least 2 customers with repeat purchases (x > 0), got {repeat_customers:g}; "
            "use a longer history or more customers"
        )
    r, alpha, a, b = _maximise(
        lambda parameters: bgnbd_log_likelihood(*parameters, x, t_x, T),
        lambda parameters: _bgnbd_gradient(*parameters, x, t_x, T),
        weights,
        4,
        "BG/NBD",
    )
    log_likelihood = float(weights @ bgnbd_log_likelihood(r, alpha, a, b, x, t_x, T))
    return BgNbdParameters(float(r), float(alpha), float(a), float(b), log_likelihood)


def gamma_gamma_log_likelihood(p, q, v, x, mean_value) -> np.ndarray:
    """Per-customer log density of the mean value of x purchases under Gamma-Gamma.

    The sum x*m of x purchases is Gamma(p x, nu); integrating nu ~ Gamma(q, v) out gives
    f(m) = Gamma(p x + q) / (Gamma(p x) Gamma(q)) * v^q x^(p x) m^(p x - 1) / (v + x m)^(p x + q).
    """
    x, mean_value = np.asarray(x, dtype=np.float64), np.asarray(mean_value)
    px = p * x
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + px * np.log(x)
        + (px - 1) * np.log(mean_value)
        - (px + q) * np.log(v + x * mean_value)
    )


def _gamma_gamma_gradient(p, q, v, x, mean_value) -> np.ndarray:
    """Derivatives of ``gamma_gamma_log_likelihood`` by p, q, v: an (n, 3) array."""
    px = p * x
    total = v + x * mean_value
    return np.column_stack(
        [
            x * (digamma(px + q) - digamma(px) + np.log(x * mean_value / total)),
            digamma(px + q) - digamma(q) + np.log(v / total),
            q / v - (px + q) / total,
        ]
    )


def fit_gamma_gamma(x, mean_value, weights=None) -> GammaGammaParameters:
    """Maximum-likelihood Gamma-Gamma parameters from repeat customers' mean purchase values.

    Pass only customers with x > 0 and mean_value > 0 (the caller filters; anything else raises),
    at least 2 of them. ``weights`` as in ``fit_bgnbd``.
    """
    x = _float_array(x, "x (repeat purchases)")
    mean_value = _float_array(mean_value, "mean_value")
    if x.shape != mean_value.shape:
        raise SegmentationError(f"x has shape {x.shape} but mean_value {mean_value.shape}")
    if np.any(x <= 0) or np.any(mean_value <= 0):
        raise SegmentationError(
            "Gamma-Gamma takes only customers with x > 0 and mean_value > 0; filter the others out "
            f"first ({int(np.sum(x <= 0))} have x <= 0, {int(np.sum(mean_value <= 0))} mean_value <= 0)"
        )
    weights = _weight_array(weights, x.size)
    if weights.sum() < 2:
        raise SegmentationError(f"Gamma-Gamma needs at least 2 repeat customers, got {weights.sum():g}")
    p, q, v = _maximise(
        lambda parameters: gamma_gamma_log_likelihood(*parameters, x, mean_value),
        lambda parameters: _gamma_gamma_gradient(*parameters, x, mean_value),
        weights,
        3,
        "Gamma-Gamma",
    )
    log_likelihood = float(weights @ gamma_gamma_log_likelihood(p, q, v, x, mean_value))
    return GammaGammaParameters(float(p), float(q), float(v), log_likelihood)


# --------------------------------------------------------------------------------------------
# Predictions
# --------------------------------------------------------------------------------------------


def p_alive(params: BgNbdParameters, x, t_x, T) -> np.ndarray:
    """Probability that each customer is still alive at T (Fader, Hardie and Lee's note
    "Computing P(alive) Using the BG/NBD Model").

    P(alive) = 1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)), computed as expit of minus
    the log of the second term; exactly 1 for x = 0 (a customer can only drop out after a purchase).
    """
    x, t_x, T = _customer_arrays(x, t_x, T)
    return _p_alive(params, x, t_x, T)


def _p_alive(params: BgNbdParameters, x, t_x, T) -> np.ndarray:
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    repeat = x > 0
    x_repeat = np.where(repeat, x, 1.0)
    log_odds_dead = np.log(a) - np.log(b + x_repeat - 1) + (r + x) * np.log((alpha + T) / (alpha + t_x))
    return np.where(repeat, expit(-log_odds_dead), 1.0)


def _purchases_if_alive(params: BgNbdParameters, horizon, x, T) -> np.ndarray:
    """Expected purchases in (T, T + horizon] of a customer alive at T with x repeat purchases.

    (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))],
    the bracket of FHL 2005 eq. 10; its argument t/(alpha+T+t) lies in [0, 1), where the
    hypergeometric series converges. Undefined for a = 1 exactly (a removable 0/0).
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    shape = r + x
    later = horizon / (alpha + T + horizon)
    age_ratio_power = np.exp(shape * np.log1p(-later))  # ((alpha+T)/(alpha+T+t))^(r+x)
    hypergeometric = hyp2f1(shape, b + x, a + b + x - 1, later)
    return (a + b + x - 1) / (a - 1) * (1 - age_ratio_power * hypergeometric)


def expected_purchases(params: BgNbdParameters, horizon, x, t_x, T) -> np.ndarray:
    """Conditional expectation of each customer's purchases in (T, T + horizon] (FHL 2005, eq. 10).

    E[Y(t) | x, t_x, T] = P(alive at T) * (purchases expected in t if alive, ``_purchases_if_alive``).
    """
    horizon = _float_array(horizon, "horizon")
    x, t_x, T = _customer_arrays(x, t_x, T)
    return _p_alive(params, x, t_x, T) * _purchases_if_alive(params, horizon, x, T)


def expected_purchase_value(gg_params: GammaGammaParameters, x, mean_value) -> np.ndarray:
    """Gamma-Gamma expected value of a customer's next purchase (Fader-Hardie note, eq. 5).

    E[Z | x, m] = p (v + x m) / (p x + q - 1): a weighted average of the population mean
    p v / (q - 1) and the customer's mean m, with weight p x / (p x + q - 1) on m. Customers with
    x = 0 get the population mean (their mean_value is ignored and may be NaN). Needs q > 1.
    """
    p, q, v = gg_params.p, gg_params.q, gg_params.v
    if q <= 1:
        raise SegmentationError(
            f"the Gamma-Gamma fit has q = {q:.4g} <= 1, so the mean purchase value is infinite; "
            "the spend data is too heavy-tailed for this model"
        )
    x = _float_array(x, "x (repeat purchases)")
    mean_value = np.asarray(mean_value, dtype=np.float64)
    mean_value = np.where(x > 0, mean_value, 0.0)
    _float_array(mean_value, "mean_value of customers with x > 0")
    return p * (v + x * mean_value) / (p * x + q - 1)


def predicted_clv(
    params: BgNbdParameters,
    gg_params: GammaGammaParameters,
    x,
    t_x,
    T,
    mean_value,
    *,
    horizon: float,
    periods_per_year: float,
    annual_discount_rate: float,
) -> np.ndarray:
    """Discounted expected value of each customer's purchases in (T, T + horizon].

    With E(t) = ``expected_purchases`` in (T, T + t], m = ``expected_purchase_value`` and d the
    annual discount rate, the horizon is cut into K = ceil(12 * horizon / periods_per_year) equal
    steps of at most a month, ending at t_k = k * horizon / K, and

        CLV = m * sum_{k=1..K} (E(t_k) - E(t_{k-1})) * (1 + d) ** -(t_k / periods_per_year),

    each step's purchases discounted from the step's end. With d = 0 this is m * E(horizon).
    """
    x, t_x, T = _customer_arrays(x, t_x, T)
    value = expected_purchase_value(gg_params, x, mean_value)
    discounted, _ = _discounted_purchases_if_alive(
        params, x, T, horizon, periods_per_year, annual_discount_rate
    )
    return value * _p_alive(params, x, t_x, T) * discounted


def _discounted_purchases_if_alive(
    params: BgNbdParameters, x, T, horizon, periods_per_year, annual_discount_rate
) -> tuple[np.ndarray, np.ndarray]:
    """(discounted, undiscounted) purchases expected in (T, T + horizon] if alive at T.

    Both depend on (x, T) only, so they are computed once per distinct pair: the hypergeometric
    function, evaluated once per step, is the costly part.
    """
    horizon = float(_float_array(horizon, "horizon"))
    years_per_period = 1 / _require_positive("periods_per_year", periods_per_year)
    annual_discount_rate = float(_float_array(annual_discount_rate, "annual_discount_rate"))
    (x_distinct, T_distinct), inverse, _ = _distinct_rows(x, T)
    steps = math.ceil(DISCOUNT_STEPS_PER_YEAR * horizon * years_per_period)
    discounted = np.zeros(x_distinct.size)
    before = np.zeros(x_distinct.size)
    for step in range(1, steps + 1):
        step_end = horizon * step / steps
        by_step_end = _purchases_if_alive(params, step_end, x_distinct, T_distinct)
        discounted += (by_step_end - before) * (1 + annual_discount_rate) ** -(step_end * years_per_period)
        before = by_step_end
    return discounted[inverse], before[inverse]


def _distinct_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """The distinct rows of equal-length columns: their values, each row's index into them, counts.

    Each column is dictionary-encoded (a hash table, no sort), the indices are combined into one
    integer code per row, and the codes are encoded the same way. Distinct rows come in the order
    of their first row, so the result depends on the row order only through that order.
    """
    codes = np.zeros(columns[0].size, dtype=np.int64)
    for column in columns:
        indices, distinct_count = _dictionary_indices(column)
        if codes.max(initial=0) >= np.iinfo(np.int64).max // max(distinct_count, 1):
            codes, _ = _dictionary_indices(codes)
        codes = codes * distinct_count + indices
    inverse, distinct_count = _dictionary_indices(codes)
    representative = np.empty(distinct_count, dtype=np.intp)
    representative[inverse] = np.arange(inverse.size)
    counts = np.bincount(inverse, minlength=distinct_count)
    return [column[representative] for column in columns], inverse, counts


def _dictionary_indices(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Each value's index among the distinct values (numbered in order of first appearance), and
    how many distinct values there are."""
    encoded = pc.dictionary_encode(pa.array(values))
    return encoded.indices.to_numpy().astype(np.int64), len(encoded.dictionary)


# --------------------------------------------------------------------------------------------
# Arrow glue for the dbt Python models
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Customers:
    """The feature columns as numpy arrays (mean_value NaN where null)."""

    customer_id: pa.ChunkedArray | None  # None for a fit's input, which needs no ids
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    mean_value: np.ndarray

    @classmethod
    def from_table(cls, features, columns: tuple[str, ...] = FEATURE_COLUMNS) -> _Customers:
        table = _feature_table(features, columns)
        customer_id = None
        if "customer_id" in columns:
            customer_id = pc.cast(table.column("customer_id"), pa.string())
            if customer_id.null_count:
                raise SegmentationError(f"customer_id has {customer_id.null_count} null values")
        x, t_x, T = _customer_arrays(
            table.column("repeat_purchases"), table.column("recency_periods"), table.column("age_periods")
        )
        mean_value = pc.cast(table.column("mean_repeat_value"), pa.float64()).to_numpy(zero_copy_only=False)
        return cls(
            customer_id=customer_id,
            x=x,
            t_x=t_x,
            T=T,
            mean_value=mean_value,
        )


def _feature_table(features, columns: tuple[str, ...]) -> pa.Table:
    table = as_arrow_table(features)
    missing = [name for name in columns if name not in table.column_names]
    if missing:
        raise SegmentationError(f"the CLV features lack column(s) {missing}; they have {table.column_names}")
    return table


def _sample_rows(table: pa.Table, sample_size: int, seed: int) -> np.ndarray:
    """Indices of the ``sample_size`` customers with the smallest seeded mix of sample_key.

    Mixing the key with the seed (as the K-means sample does) makes each seed draw its own sample.
    The indices come in key order, so neither the sample nor the order the fits sum over depends on
    the row order: shuffled rows give bit-identical parameters.
    """
    sample_key = table.column("sample_key")
    if not pa.types.is_integer(sample_key.type) or sample_key.null_count:
        raise SegmentationError(f"sample_key must be non-null integers, got {sample_key.type}")
    keys = sample_key.to_numpy().astype(np.uint64)
    keys ^= mixed_seed(seed)
    mix64_in_place(keys)
    if keys.size > sample_size:
        rows = np.argpartition(keys, sample_size - 1)[:sample_size]
        return rows[np.argsort(keys[rows])]
    return np.argsort(keys)


def clv_parameter_table(
    features, *, sample_size: int, seed: int, time_unit: str, as_of_date: date
) -> pa.Table:
    """Fit BG/NBD and Gamma-Gamma on a sample of customers; one row of ``PARAMETER_SCHEMA``.

    ``features``: a pyarrow Table (or RecordBatchReader) with ``FEATURE_COLUMNS``: repeat_purchases
    (x), recency_periods (t_x) and age_periods (T) in ``time_unit``, mean_repeat_value (null or
    anything for x = 0) and sample_key (a per-customer hash). The sample is the ``sample_size``
    customers with the smallest seeded sample_key. BG/NBD is fitted on their distinct (x, t_x, T)
    with counts; Gamma-Gamma on those with x > 0 and mean_repeat_value > 0 -- repeat customers with
    a mean <= 0 (returns outweighing purchases) are counted in excluded_non_positive_spend.
    """
    if isinstance(sample_size, bool) or not isinstance(sample_size, int) or sample_size < 2:
        raise SegmentationError(f"sample_size must be an integer >= 2, got {sample_size!r}")
    table = _feature_table(features, FIT_COLUMNS)
    sample = _Customers.from_table(table.take(_sample_rows(table, sample_size, seed)), FIT_COLUMNS)
    x, t_x, T, mean_value = sample.x, sample.t_x, sample.T, sample.mean_value
    (x_distinct, t_x_distinct, T_distinct), _, counts = _distinct_rows(x, t_x, T)
    bgnbd = fit_bgnbd(x_distinct, t_x_distinct, T_distinct, weights=counts)
    repeat = x > 0
    if np.isnan(mean_value[repeat]).any():
        raise SegmentationError("mean_repeat_value is null for customers with repeat purchases")
    positive_spend = repeat & (mean_value > 0)
    gamma_gamma = fit_gamma_gamma(x[positive_spend], mean_value[positive_spend])
    row = {
        "r": bgnbd.r,
        "alpha": bgnbd.alpha,
        "a": bgnbd.a,
        "b": bgnbd.b,
        "bgnbd_log_likelihood": bgnbd.log_likelihood,
        "p": gamma_gamma.p,
        "q": gamma_gamma.q,
        "v": gamma_gamma.v,
        "gamma_gamma_log_likelihood": gamma_gamma.log_likelihood,
        "customers_fitted": x.size,
        "repeat_customers": int(repeat.sum()),
        "gamma_gamma_customers": int(positive_spend.sum()),
        "excluded_non_positive_spend": int((repeat & ~positive_spend).sum()),
        "time_unit": time_unit,
        "as_of_date": as_of_date,
    }
    return pa.Table.from_pylist([row], schema=PARAMETER_SCHEMA)


def _parameters_from_row(parameters_row) -> tuple[BgNbdParameters, GammaGammaParameters]:
    table = as_arrow_table(parameters_row)
    if table.num_rows != 1:
        raise SegmentationError(f"the CLV parameter table must have exactly 1 row, it has {table.num_rows}")
    row = table.to_pylist()[0]
    try:
        return (
            BgNbdParameters(row["r"], row["alpha"], row["a"], row["b"], row["bgnbd_log_likelihood"]),
            GammaGammaParameters(row["p"], row["q"], row["v"], row["gamma_gamma_log_likelihood"]),
        )
    except KeyError as error:
        raise SegmentationError(f"the CLV parameter table lacks column {error}") from None


def customer_lifetime_value_table(
    features, parameters_row, *, horizon_periods: float, periods_per_year: float, annual_discount_rate: float
) -> pa.Table:
    """Score every customer with fitted parameters; a table of ``CLV_SCHEMA`` in input row order.

    ``features`` as for ``clv_parameter_table``, ``parameters_row`` its result. expected_purchases
    is over (T, T + horizon_periods]; predicted_clv is discounted as in ``predicted_clv``. Repeat
    customers with a mean repeat value <= 0 are valued as if their mean were 0: the Gamma-Gamma
    mean shrinks towards 0 by their weight p x / (p x + q - 1).
    """
    bgnbd, gamma_gamma = _parameters_from_row(parameters_row)
    customers = _Customers.from_table(features)
    value = expected_purchase_value(gamma_gamma, customers.x, np.maximum(customers.mean_value, 0.0))
    alive = _p_alive(bgnbd, customers.x, customers.t_x, customers.T)
    discounted, purchases = _discounted_purchases_if_alive(
        bgnbd, customers.x, customers.T, horizon_periods, periods_per_year, annual_discount_rate
    )
    return pa.table(
        {
            "customer_id": customers.customer_id,
            "p_alive": alive,
            "expected_purchases": alive * purchases,
            "expected_purchase_value": value,
            "predicted_clv": value * alive * discounted,
        },
        schema=CLV_SCHEMA,
    )


# --------------------------------------------------------------------------------------------
# Holdout check: predicted against actual purchases after the as-of date
# --------------------------------------------------------------------------------------------

HOLDOUT_SCHEMA = pa.schema(
    [
        pa.field("calibration_repeat_purchases", pa.string()),
        pa.field("group_order", pa.int32()),
        pa.field("customers", pa.int64()),
        pa.field("actual_purchases", pa.float64()),
        pa.field("predicted_purchases", pa.float64()),
        pa.field("holdout_periods", pa.float64()),
    ]
)


def holdout_comparison_table(
    features, parameters_row, holdout_purchases, *, holdout_periods: float, top_group: int = 7
) -> pa.Table:
    """Mean actual and predicted purchases per customer in the holdout, by calibration repeat purchases.

    ``features`` and ``parameters_row`` as for ``customer_lifetime_value_table``;
    ``holdout_purchases``: customer_id and purchases (purchase days) in the ``holdout_periods``
    after the as-of date, for customers with any (the others made none). Customers are grouped by
    x = 0, 1, ..., ``top_group - 1`` and ``top_group``+ ("7+"); each row of ``HOLDOUT_SCHEMA`` holds
    the group's customers, their mean actual purchases and their mean BG/NBD expectation
    E[Y(holdout_periods) | x, t_x, T]. Groups without customers are left out.
    """
    bgnbd, _ = _parameters_from_row(parameters_row)
    customers = _Customers.from_table(features)
    holdout_periods = float(_float_array(holdout_periods, "holdout_periods"))
    if isinstance(top_group, bool) or not isinstance(top_group, int) or top_group < 1:
        raise SegmentationError(f"top_group must be a whole number >= 1, got {top_group!r}")
    holdout = as_arrow_table(holdout_purchases)
    for name in ("customer_id", "purchases"):
        if name not in holdout.column_names:
            raise SegmentationError(
                f"the holdout purchases lack column {name!r}; they have {holdout.column_names}"
            )
    actual = np.zeros(customers.x.size)
    position = pc.index_in(
        pc.cast(holdout.column("customer_id"), pa.string()), value_set=customers.customer_id
    )
    known = pc.is_valid(position)
    if not pc.all(known).as_py() and holdout.num_rows:
        raise SegmentationError(
            f"{holdout.num_rows - pc.sum(known).as_py()} holdout customers are not among the fitted customers"
        )
    purchases = _float_array(holdout.column("purchases"), "holdout purchases")
    np.add.at(actual, position.to_numpy(zero_copy_only=False).astype(np.int64), purchases)
    predicted = _p_alive(bgnbd, customers.x, customers.t_x, customers.T) * _purchases_if_alive(
        bgnbd, holdout_periods, customers.x, customers.T
    )
    group = np.minimum(customers.x, top_group).astype(np.int64)
    rows = []
    for number in range(top_group + 1):
        members = group == number
        if members.any():
            rows.append(
                {
                    "calibration_repeat_purchases": f"{number}+" if number == top_group else str(number),
                    "group_order": number,
                    "customers": int(members.sum()),
                    "actual_purchases": float(actual[members].mean()),
                    "predicted_purchases": float(predicted[members].mean()),
                    "holdout_periods": holdout_periods,
                }
            )
    return pa.Table.from_pylist(rows, schema=HOLDOUT_SCHEMA)
