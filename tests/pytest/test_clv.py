"""Unit tests of segmentation.clv: BG/NBD and Gamma-Gamma formulas, fits, CDNOW, the Arrow glue."""

from __future__ import annotations

import math
import os
from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from scipy.integrate import quad

from segmentation import clv
from segmentation.clv import (
    BgNbdParameters,
    GammaGammaParameters,
    clv_parameter_table,
    customer_lifetime_value_table,
    expected_purchase_value,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    p_alive,
    predicted_clv,
)
from segmentation.dbt_models import ClvOptions, clv_parameters_table, lifetime_value_table
from segmentation.kmeans import SegmentationError
from segmentation.project import PROJECT_DIR

CDNOW_DATA = PROJECT_DIR.parent / "shared" / "data" / "cdnow"

# CDNOW estimates of Fader, Hardie and Lee (2005) and the Gamma-Gamma note.
PUBLISHED_BGNBD = BgNbdParameters(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=-9582.4)
PUBLISHED_GAMMA_GAMMA = GammaGammaParameters(p=6.25, q=3.74, v=15.44, log_likelihood=math.nan)
# a > 1, unlike CDNOW's, so both signs of (a - 1) in the conditional expectation are exercised.
OTHER_BGNBD = BgNbdParameters(r=1.3, alpha=6.0, a=2.2, b=4.5, log_likelihood=math.nan)
# (x, t_x, T, horizon)
HAND_CUSTOMERS = [(0, 0.0, 30.0, 39.0), (2, 30.43, 38.86, 39.0), (1, 0.5, 60.0, 104.0), (7, 35.0, 39.0, 13.0)]
TIGHT = {"epsabs": 0.0, "epsrel": 1e-13, "limit": 200}


# --------------------------------------------------------------------------------------------
# Hand cases against integrals over lambda and p
# --------------------------------------------------------------------------------------------


def beta_expectation(function, a, b) -> float:
    """E[function(p)] for p ~ Beta(a, b), by quadrature with the Beta weight p^(a-1) (1-p)^(b-1)."""
    integral, _ = quad(function, 0, 1, weight="alg", wvar=(a - 1, b - 1), **TIGHT)
    return integral / math.exp(math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))


def posterior_terms(params, x, t_x, T):
    """The likelihood split into alive at T and dropped out, up to a common factor.

    Integrating lambda ~ Gamma(r, alpha) against lambda^x exp(-lambda s) gives (alpha + s)^-(r+x)
    times a factor shared by both terms; the dropout probability is integrated numerically.
    """
    shape = params.r + x
    alive = (params.alpha + T) ** -shape * beta_expectation(lambda p: (1 - p) ** x, params.a, params.b)
    dropped = 0.0
    if x > 0:
        dropped = (params.alpha + t_x) ** -shape * beta_expectation(
            lambda p: p * (1 - p) ** (x - 1), params.a, params.b
        )
    return alive, dropped


def p_alive_by_integration(params, x, t_x, T) -> float:
    alive, dropped = posterior_terms(params, x, t_x, T)
    return alive / (alive + dropped)


def expected_purchases_by_integration(params, horizon, x, t_x, T) -> float:
    """E[(1 - exp(-lambda p t)) / p | data]: purchases of a Poisson process that stops after each
    purchase with probability p, for customers alive at T, weighted by their posterior."""
    shape, base = params.r + x, params.alpha + T

    def purchases_given_p(p):
        # integral over lambda of (1 - exp(-lambda p t))/p, relative to (alpha+T)^-(r+x)
        if p == 0:
            return shape * horizon / base
        return -math.expm1(-shape * math.log1p(p * horizon / base)) / p

    alive_purchases = base**-shape * beta_expectation(
        lambda p: purchases_given_p(p) * (1 - p) ** x, params.a, params.b
    )
    return alive_purchases / sum(posterior_terms(params, x, t_x, T))


def test_p_alive_of_a_customer_without_repeat_purchases_is_exactly_one():
    values = p_alive(PUBLISHED_BGNBD, [0, 0, 0], [0.0, 0.0, 3.0], [0.0, 10.0, 50.0])
    assert values.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("params", [PUBLISHED_BGNBD, OTHER_BGNBD], ids=["cdnow", "a_above_1"])
@pytest.mark.parametrize("x, t_x, T, horizon", HAND_CUSTOMERS)
def test_p_alive_and_expected_purchases_match_integration(params, x, t_x, T, horizon):
    assert p_alive(params, x, t_x, T) == pytest.approx(p_alive_by_integration(params, x, t_x, T), rel=1e-8)
    assert expected_purchases(params, horizon, x, t_x, T) == pytest.approx(
        expected_purchases_by_integration(params, horizon, x, t_x, T), rel=1e-8
    )


def test_expected_purchases_vectorised_equal_one_by_one():
    x, t_x, T, horizon = (np.array(column) for column in zip(*HAND_CUSTOMERS, strict=True))
    vectorised = expected_purchases(OTHER_BGNBD, 26.0, x, t_x, T)
    one_by_one = [expected_purchases(OTHER_BGNBD, 26.0, *customer[:3]) for customer in HAND_CUSTOMERS]
    np.testing.assert_allclose(vectorised, np.ravel(one_by_one), rtol=1e-14)
    assert expected_purchases(OTHER_BGNBD, 0.0, 3, 10.0, 20.0) == 0.0


def test_gamma_gamma_mean_is_a_weighted_average_of_population_and_customer_means():
    p, q, v = 6.25, 3.74, 15.44
    x, customer_mean = 3, 40.0
    population_mean = p * v / (q - 1)  # 35.2190...
    weight = p * x / (p * x + q - 1)  # 18.75 / 21.49
    by_hand = (1 - weight) * population_mean + weight * customer_mean
    values = expected_purchase_value(GammaGammaParameters(p, q, v, math.nan), [x, 0], [customer_mean, np.nan])
    assert values[0] == pytest.approx(by_hand, rel=1e-14)
    assert values[0] == pytest.approx(39.3904, abs=1e-4)
    assert values[1] == pytest.approx(population_mean, rel=1e-14)


def test_predicted_clv_discounts_monthly_steps_from_their_ends():
    x, t_x, T, mean_value = (
        np.array([2, 0, 5]),
        np.array([30.0, 0.0, 20.0]),
        np.array([38.0, 12.0, 21.0]),
        25.0,
    )
    gamma_gamma = GammaGammaParameters(6.25, 3.74, 15.44, math.nan)
    value = expected_purchase_value(gamma_gamma, x, np.full(3, mean_value))
    options = {"horizon": 52.0, "periods_per_year": 52.0}
    undiscounted = predicted_clv(
        PUBLISHED_BGNBD, gamma_gamma, x, t_x, T, mean_value, annual_discount_rate=0.0, **options
    )
    np.testing.assert_allclose(
        undiscounted, value * expected_purchases(PUBLISHED_BGNBD, 52.0, x, t_x, T), rtol=1e-12
    )
    step_ends = np.arange(13) * 52.0 / 12  # 12 monthly steps of 4.33 weeks
    by_step = np.diff([expected_purchases(PUBLISHED_BGNBD, end, x, t_x, T) for end in step_ends], axis=0)
    by_hand = value * (by_step * 1.1 ** -(step_ends[1:, None] / 52.0)).sum(axis=0)
    discounted = predicted_clv(
        PUBLISHED_BGNBD, gamma_gamma, x, t_x, T, mean_value, annual_discount_rate=0.1, **options
    )
    np.testing.assert_allclose(discounted, by_hand, rtol=1e-12)
    assert np.all(discounted < undiscounted)


# --------------------------------------------------------------------------------------------
# Parameter recovery on simulated customers
# --------------------------------------------------------------------------------------------


def simulate_bgnbd(rng, customers, r, alpha, a, b, min_age=26.0, max_age=104.0):
    """(x, t_x, T) of BG/NBD customers: Poisson purchases at lambda ~ Gamma(r, alpha) from time 0,
    dropping out after each repeat purchase with probability p ~ Beta(a, b); observed for T."""
    T = rng.uniform(min_age, max_age, customers)
    rate = rng.gamma(r, 1 / alpha, customers)
    dropout = rng.beta(a, b, customers)
    x, t_x, now = np.zeros(customers), np.zeros(customers), np.zeros(customers)
    active = np.arange(customers)
    while active.size:
        now[active] += rng.exponential(1 / rate[active])
        buying = active[now[active] <= T[active]]
        x[buying] += 1
        t_x[buying] = now[buying]
        active = buying[rng.random(buying.size) >= dropout[buying]]
    return x, t_x, T


def test_bgnbd_fit_recovers_simulated_parameters():
    true = (0.8, 5.0, 1.2, 3.5)
    x, t_x, T = simulate_bgnbd(np.random.default_rng(2024), 50_000, *true)
    fitted = fit_bgnbd(x, t_x, T)
    # Standard errors at this size are about 1%, 1%, 2% and 3% of the true values.
    np.testing.assert_allclose([fitted.r, fitted.alpha, fitted.a, fitted.b], true, rtol=0.10)
    assert fitted.log_likelihood == pytest.approx(clv.bgnbd_log_likelihood(*true, x, t_x, T).sum(), abs=10)


def test_gamma_gamma_fit_recovers_simulated_parameters():
    p, q, v = 6.0, 4.0, 15.0
    rng = np.random.default_rng(7)
    x = rng.integers(1, 11, 100_000)
    rate = rng.gamma(q, 1 / v, x.size)
    owner = np.repeat(np.arange(x.size), x)
    mean_value = np.bincount(owner, rng.gamma(p, 1 / rate[owner])) / x
    fitted = fit_gamma_gamma(x, mean_value)
    # Standard errors at this size are about 3%, 1% and 3% of the true values.
    np.testing.assert_allclose([fitted.p, fitted.q, fitted.v], [p, q, v], rtol=0.10)
    assert fitted.p * fitted.v / (fitted.q - 1) == pytest.approx(p * v / (q - 1), rel=0.01)


def test_distinct_rows_in_order_of_first_appearance_with_each_rows_index_and_counts():
    x = np.array([2.0, 0.0, 2.0, 2.0, 0.0, 5.0])
    T = np.array([3.5, 1.0, 3.5, 4.0, 1.0, 3.5])
    (x_distinct, T_distinct), inverse, counts = clv._distinct_rows(x, T)
    assert x_distinct.tolist() == [2.0, 0.0, 2.0, 5.0]
    assert T_distinct.tolist() == [3.5, 1.0, 4.0, 3.5]
    assert inverse.tolist() == [0, 1, 0, 2, 1, 3]
    assert counts.tolist() == [2, 2, 1, 1]


def test_weights_count_customers_sharing_a_row():
    x, t_x, T = simulate_bgnbd(np.random.default_rng(3), 3_000, 0.8, 5.0, 1.2, 3.5)
    rows = np.column_stack([x, np.round(t_x), np.ceil(T)])
    distinct, counts = np.unique(rows, axis=0, return_counts=True)
    assert distinct.shape[0] < rows.shape[0]
    grouped = fit_bgnbd(*distinct.T, weights=counts)
    one_per_row = fit_bgnbd(*rows.T)
    np.testing.assert_allclose(
        [grouped.r, grouped.alpha, grouped.a, grouped.b, grouped.log_likelihood],
        [one_per_row.r, one_per_row.alpha, one_per_row.a, one_per_row.b, one_per_row.log_likelihood],
        rtol=1e-5,
    )


# --------------------------------------------------------------------------------------------
# CDNOW: the data set of the BG/NBD paper
# --------------------------------------------------------------------------------------------

CALIBRATION_END = date(1997, 9, 30)  # inclusive; T runs from the first purchase day to this day


@pytest.fixture(scope="module")
def cdnow_calibration() -> dict[str, np.ndarray]:
    """x, t_x and T in weeks and the mean repeat-purchase value of the 2,357 CDNOW customers."""
    path = CDNOW_DATA / "CDNOW_sample.txt"
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the CDNOW sample at {path}")
        pytest.skip(f"the CDNOW sample is not at {path} (only CI and developers have it)")
    return calibration_summary(path)


def calibration_summary(path: Path) -> dict[str, np.ndarray]:
    spend_by_day = defaultdict(lambda: defaultdict(float))
    for line in path.read_text().split("\n"):
        if line.strip():
            _, customer, day, _, value = line.split()
            purchased = date(int(day[:4]), int(day[4:6]), int(day[6:]))
            if purchased <= CALIBRATION_END:
                spend_by_day[customer][purchased] += float(value)
    columns = defaultdict(list)
    for spend in spend_by_day.values():
        days = sorted(spend)
        columns["x"].append(len(days) - 1)
        columns["t_x"].append((days[-1] - days[0]).days / 7)
        columns["T"].append((CALIBRATION_END - days[0]).days / 7)
        columns["mean_value"].append(np.mean([spend[day] for day in days[1:]]) if len(days) > 1 else np.nan)
    return {name: np.array(values) for name, values in columns.items()}


def test_cdnow_bgnbd_reproduces_the_paper(cdnow_calibration):
    data = cdnow_calibration
    assert data["x"].size == 2357 and int((data["x"] > 0).sum()) == 946
    fitted = fit_bgnbd(data["x"], data["t_x"], data["T"])
    published = PUBLISHED_BGNBD
    assert [fitted.r, fitted.alpha, fitted.a, fitted.b] == pytest.approx(
        [published.r, published.alpha, published.a, published.b], rel=0.005
    )
    assert fitted.log_likelihood == pytest.approx(published.log_likelihood, abs=0.05)
    assert expected_purchases(fitted, 39.0, 2, 30.43, 38.86) == pytest.approx(1.226, rel=0.005)


def test_cdnow_example_customer_has_the_published_summary(cdnow_calibration):
    data = cdnow_calibration
    first = np.flatnonzero((data["x"] == 2) & (np.round(data["t_x"], 2) == 30.43))
    assert first.size == 1
    assert round(float(data["T"][first[0]]), 2) == 38.86


def test_cdnow_gamma_gamma_reproduces_the_note(cdnow_calibration):
    repeat = cdnow_calibration["x"] > 0
    fitted = fit_gamma_gamma(cdnow_calibration["x"][repeat], cdnow_calibration["mean_value"][repeat])
    published = PUBLISHED_GAMMA_GAMMA
    assert [fitted.p, fitted.q, fitted.v] == pytest.approx([published.p, published.q, published.v], rel=0.005)


# --------------------------------------------------------------------------------------------
# Clear errors
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x, t_x, T, message",
    [
        ([0, 0, 1, 0], [0, 0, 2, 0], [5, 6, 7, 8], "at least 2 customers with repeat purchases"),
        ([1, 2, 1], [3, 9, 1], [5, 8, 4], r"1 customers have t_x > T"),
        ([1, -2, 1], [3, 1, 1], [5, 8, 4], "x \\(repeat purchases\\) has 1 negative values"),
        ([1, 2, 1], [3, np.nan, 1], [5, 8, 4], "t_x \\(recency\\) has 1 missing"),
        ([1, 2.5, 1], [3, 1, 1], [5, 8, 4], "whole numbers"),
    ],
)
def test_bgnbd_rejects_data_it_cannot_fit(x, t_x, T, message):
    with pytest.raises(SegmentationError, match=message):
        fit_bgnbd(x, t_x, T)


def test_predictions_reject_the_same_bad_customers():
    with pytest.raises(SegmentationError, match="t_x > T"):
        p_alive(PUBLISHED_BGNBD, [1], [9.0], [5.0])
    with pytest.raises(SegmentationError, match="negative"):
        expected_purchases(PUBLISHED_BGNBD, 10.0, [-1], [0.0], [5.0])


@pytest.mark.parametrize(
    "x, mean_value, message",
    [
        ([1, 2], [10.0, 0.0], "x > 0 and mean_value > 0"),
        ([0, 2, 3], [10.0, 5.0, 7.0], "x > 0 and mean_value > 0"),
        ([2], [10.0], "at least 2 repeat customers"),
        ([2, 3], [10.0, np.nan], "mean_value has 1 missing"),
    ],
)
def test_gamma_gamma_rejects_data_it_cannot_fit(x, mean_value, message):
    with pytest.raises(SegmentationError, match=message):
        fit_gamma_gamma(x, mean_value)


def test_purchase_value_needs_a_finite_population_mean():
    with pytest.raises(SegmentationError, match="q = 0.9 <= 1"):
        expected_purchase_value(GammaGammaParameters(2.0, 0.9, 10.0, math.nan), [1], [5.0])


# --------------------------------------------------------------------------------------------
# Arrow glue
# --------------------------------------------------------------------------------------------


def features_table(customers: int, seed: int) -> pa.Table:
    """Simulated customers in whole weeks, a few of them with net-negative repeat spend."""
    rng = np.random.default_rng(seed)
    x, t_x, T = simulate_bgnbd(rng, customers, 0.8, 5.0, 1.2, 3.5)
    t_x, T = np.floor(t_x), np.ceil(T)
    mean_value = np.where(x > 0, rng.gamma(5.0, 8.0, customers), np.nan)
    mean_value[np.flatnonzero(x > 0)[:7]] *= -1
    return pa.table(
        {
            "customer_id": [f"c{index:05d}" for index in range(customers)],
            "repeat_purchases": pa.array(x.astype(np.int64)),
            "recency_periods": pa.array(t_x.astype(np.int64)),
            "age_periods": pa.array(T.astype(np.int64)),
            "mean_repeat_value": pa.array(mean_value, from_pandas=True),
            "sample_key": pa.array(rng.integers(0, 2**64 - 1, customers, dtype=np.uint64)),
        }
    )


def fit_parameters(features: pa.Table, sample_size: int, seed: int = 11) -> pa.Table:
    return clv_parameter_table(
        features, sample_size=sample_size, seed=seed, time_unit="week", as_of_date=date(2011, 12, 10)
    )


def test_parameter_table_on_all_customers_equals_the_numpy_fits():
    features = features_table(3_000, seed=5)
    row = fit_parameters(features, sample_size=5_000).to_pylist()
    assert len(row) == 1 and list(row[0]) == clv.PARAMETER_SCHEMA.names
    row = row[0]
    x = features["repeat_purchases"].to_numpy().astype(float)
    t_x, T = features["recency_periods"].to_numpy(), features["age_periods"].to_numpy()
    mean_value = features["mean_repeat_value"].to_numpy(zero_copy_only=False)
    bgnbd = fit_bgnbd(x, t_x, T)
    assert [row["r"], row["alpha"], row["a"], row["b"], row["bgnbd_log_likelihood"]] == pytest.approx(
        [bgnbd.r, bgnbd.alpha, bgnbd.a, bgnbd.b, bgnbd.log_likelihood], rel=1e-5
    )
    spenders = (x > 0) & (mean_value > 0)
    gamma_gamma = fit_gamma_gamma(x[spenders], mean_value[spenders])
    assert [row["p"], row["q"], row["v"]] == pytest.approx(
        [gamma_gamma.p, gamma_gamma.q, gamma_gamma.v], rel=1e-9
    )
    assert row["customers_fitted"] == 3_000
    assert row["repeat_customers"] == int((x > 0).sum())
    assert row["gamma_gamma_customers"] == int(spenders.sum()) == row["repeat_customers"] - 7
    assert row["excluded_non_positive_spend"] == 7
    assert (row["time_unit"], row["as_of_date"]) == ("week", date(2011, 12, 10))


def test_parameter_sample_depends_on_the_seed_not_on_row_order():
    features = features_table(3_000, seed=6)
    first = fit_parameters(features, sample_size=1_000)
    assert first["customers_fitted"].to_pylist() == [1_000]
    shuffled = features.take(np.random.default_rng(0).permutation(features.num_rows))
    assert fit_parameters(shuffled, sample_size=1_000).equals(first)  # bit for bit
    other_seed = fit_parameters(features, sample_size=1_000, seed=12)
    assert other_seed["r"].to_pylist() != first["r"].to_pylist()


def test_the_fit_needs_no_customer_ids():
    features = features_table(3_000, seed=6)
    without_ids = features.select(list(clv.FIT_COLUMNS))
    assert fit_parameters(without_ids, sample_size=1_000).equals(fit_parameters(features, sample_size=1_000))


def test_the_warehouse_fit_reads_its_sample_alone_and_fits_what_every_row_fits():
    features = features_table(3_000, seed=6)
    features = features.append_column("as_of_date", pa.array([date(2011, 12, 10)] * features.num_rows))
    options = ClvOptions.from_text(
        time_unit="week", horizon_days=365, annual_discount_rate=0.1, sample_size=1_000, seed=11
    )

    parameters = clv_parameters_table(duckdb.connect().from_arrow(features), options)

    expected = fit_parameters(features, sample_size=1_000)  # the whole table, sampled in memory
    assert parameters.select(expected.column_names).equals(expected)


def test_lifetime_values_of_batches_equal_those_of_the_whole_table():
    features = features_table(2_000, seed=8)
    features = features.append_column("as_of_date", pa.array([date(2011, 12, 10)] * features.num_rows))
    options = ClvOptions.from_text(
        time_unit="week", horizon_days=365, annual_discount_rate=0.1, sample_size=1_500, seed=11
    )
    parameters = clv_parameters_table(features, options)
    batches = pa.RecordBatchReader.from_batches(features.schema, features.to_batches(max_chunksize=300))

    streamed = lifetime_value_table(batches, parameters)

    assert isinstance(streamed, pa.RecordBatchReader)
    assert streamed.read_all().equals(lifetime_value_table(features, parameters))


def test_lifetime_value_table_scores_every_customer_like_the_numpy_functions():
    features = features_table(2_000, seed=8)
    parameters = fit_parameters(features, sample_size=1_500)
    options = {"periods_per_year": 52.0, "annual_discount_rate": 0.08}
    scores = customer_lifetime_value_table(features, parameters, horizon_periods=39.0, **options)
    assert scores.schema == clv.CLV_SCHEMA
    assert scores["customer_id"].equals(features["customer_id"])
    row = parameters.to_pylist()[0]
    bgnbd = BgNbdParameters(row["r"], row["alpha"], row["a"], row["b"], row["bgnbd_log_likelihood"])
    gamma_gamma = GammaGammaParameters(row["p"], row["q"], row["v"], row["gamma_gamma_log_likelihood"])
    x = features["repeat_purchases"].to_numpy()
    t_x, T = features["recency_periods"].to_numpy(), features["age_periods"].to_numpy()
    mean_value = np.maximum(features["mean_repeat_value"].to_numpy(zero_copy_only=False), 0.0)
    expected = {
        "p_alive": p_alive(bgnbd, x, t_x, T),
        "expected_purchases": expected_purchases(bgnbd, 39.0, x, t_x, T),
        "expected_purchase_value": expected_purchase_value(gamma_gamma, x, mean_value),
        "predicted_clv": predicted_clv(bgnbd, gamma_gamma, x, t_x, T, mean_value, horizon=39.0, **options),
    }
    for name, values in expected.items():
        np.testing.assert_allclose(scores[name].to_numpy(), values, rtol=1e-12, err_msg=name)
    assert np.all(np.isfinite(scores["predicted_clv"].to_numpy()))


def test_lifetime_value_table_needs_one_parameter_row():
    features = features_table(500, seed=9)
    parameters = fit_parameters(features, sample_size=500)
    with pytest.raises(SegmentationError, match="exactly 1 row, it has 2"):
        customer_lifetime_value_table(
            features,
            pa.concat_tables([parameters, parameters]),
            horizon_periods=10,
            periods_per_year=52,
            annual_discount_rate=0.1,
        )


def test_customers_who_all_spend_alike_get_the_no_heterogeneity_limit():
    # Every repeat purchase is worth 20: the Gamma-Gamma maximum lies at infinite q and v, and the fit
    # stops at its bound, where the expected purchase value is that common 20.
    x = np.array([1, 2, 3, 4, 5, 6] * 20, dtype=float)
    fit = fit_gamma_gamma(x, np.full(x.size, 20.0))

    assert expected_purchase_value(fit, np.array([0.0, 3.0]), np.array([0.0, 20.0])) == pytest.approx(
        [20.0, 20.0], rel=1e-3
    )
