"""Deterministic synthetic transaction logs in the UCI Online Retail layout.

The generator produces invoice lines with the columns and Arrow types of the UCI "Online Retail"
file (see ``SCHEMA``), with the features the warehouse has to cope with:

* a heavy-tailed number of invoices per customer (lognormal), so most customers buy a few times
  and a few buy very often; about 20 lines per customer on average;
* several lines per invoice (geometric, 1..40);
* cancellations: about 2% of lines sit in invoices numbered ``C<n>`` with negative quantities.
  A cancellation always follows a purchase of the same customer and returns lines of that
  customer's latest purchase, so every cancelling customer also bought;
* about 23% of lines on invoices without a customer (null ``CustomerID``);
* a few zero-price lines; on customer-less invoices those also lack a description;
* eleven countries, 'United Kingdom' dominant; a customer keeps one country;
* invoice timestamps to the second, in business hours, on every day but Saturday, spread over a
  configurable span; customers join at different times and some churn early.

Output is streamed: customers are generated in independent blocks, the stream of lines is cut into
chunks of ``chunk_lines`` rows and each chunk is written (one Parquet row group or a slice of CSV)
before the next is made, so memory stays bounded whatever ``n_lines`` is. The same
``(n_lines, seed, start, end)`` always gives the same rows; ``chunk_lines`` only changes how the
rows are split into row groups, never the rows themselves.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

SCHEMA = pa.schema(
    [
        pa.field("InvoiceNo", pa.string()),
        pa.field("StockCode", pa.string()),
        pa.field("Description", pa.string()),
        pa.field("Quantity", pa.int64()),
        pa.field("InvoiceDate", pa.timestamp("us")),
        pa.field("UnitPrice", pa.float64()),
        pa.field("CustomerID", pa.int64()),
        pa.field("Country", pa.string()),
    ]
)

DateLike = str | dt.date  # an ISO date string such as "2022-01-31", or a date

DEFAULT_START = "2022-01-01"
DEFAULT_END = "2023-01-31"
FORMATS = ("parquet", "csv")

# Dictionary pages pay off only for columns with few distinct values; min/max statistics on the
# long string columns cost a third of the write time and prune nothing useful.
PARQUET_DICTIONARY_COLUMNS = ["StockCode", "Description", "Quantity", "UnitPrice", "Country"]
PARQUET_STATISTICS_COLUMNS = ["Quantity", "InvoiceDate", "UnitPrice", "CustomerID"]

FIRST_CUSTOMER_ID = 10_000
FIRST_INVOICE_NO = 500_000

# Per-customer invoice count is 1 + floor(lognormal(mu, sigma)): median 2-3, mean about 4.4, and a
# long tail (a few customers with hundreds of invoices).
INVOICES_LOG_MEAN = math.log(2.0)
INVOICES_LOG_SIGMA = 1.15
MAX_INVOICES_PER_CUSTOMER = 2_000

PURCHASE_LINES_P = 0.21  # geometric: mean 4.8 lines per purchase invoice
MAX_LINES_PER_INVOICE = 40
CANCEL_LINES_P = 0.55  # geometric: cancellations are short, mean 1.8 lines

CANCEL_PROBABILITY = 0.10  # per invoice after a customer's first one
ANONYMOUS_INVOICE_SHARE = 0.22  # of invoices; about 23% of lines, as cancellations are short
ZERO_PRICE_SHARE = 0.003

TARGET_LINES_PER_CUSTOMER = 20
BLOCK_LINES = 250_000  # lines generated per block of customers (memory vs. per-block overhead)

# Customers join early more often than late (joining at fraction U ** 1.5 of the span); a churning
# customer stops buying somewhere between joining and the end of the span.
ACQUISITION_SKEW = 1.5
CHURN_PROBABILITY = 0.45

BUSINESS_DAY_START_S = 8 * 3600
BUSINESS_DAY_LENGTH_S = 10 * 3600
SATURDAY = 5  # numpy weekday numbering below: Monday = 0

COUNTRY_WEIGHTS = {
    "United Kingdom": 0.885,
    "Germany": 0.025,
    "France": 0.022,
    "EIRE": 0.020,
    "Spain": 0.010,
    "Netherlands": 0.010,
    "Belgium": 0.008,
    "Switzerland": 0.007,
    "Portugal": 0.006,
    "Australia": 0.004,
    "Norway": 0.003,
}

# Purchase quantities: small counts and the pack sizes a wholesaler sells in.
QUANTITY_WEIGHTS = {
    1: 20,
    2: 14,
    3: 6,
    4: 8,
    5: 3,
    6: 10,
    8: 4,
    10: 5,
    12: 14,
    16: 3,
    20: 3,
    24: 5,
    25: 2,
    32: 1,
    36: 1,
    48: 2,
    50: 1,
    72: 1,
    96: 1,
    100: 1,
    144: 0.5,
    200: 0.2,
}

N_PRODUCTS = 4_000
PRICE_LOG_MEDIAN = math.log(2.5)
PRICE_LOG_SIGMA = 0.85
MIN_PRICE = 0.1
POPULARITY_EXPONENT = 1.1
POPULARITY_OFFSET = 10  # flattens the head so the top item is not half of all lines
STOCK_CODE_SUFFIXES = "ABCDEFGHJKLMNPRSW"
STOCK_CODE_SUFFIX_SHARE = 0.15

DESCRIPTION_ADJECTIVES = (
    "VINTAGE", "HANGING", "REGENCY", "SMALL", "LARGE", "JUMBO", "MINI", "RETRO", "ANTIQUE",
    "FRENCH", "SCANDINAVIAN", "PAINTED", "GLASS", "WOODEN", "ENAMEL", "FELTCRAFT", "KNITTED",
    "GLITTER", "SPOTTY", "FLORAL", "STRIPED", "HEART", "STAR", "BIRD", "ROSE",
)  # fmt: skip
DESCRIPTION_COLOURS = (
    "WHITE", "RED", "PINK", "BLUE", "GREEN", "IVORY", "CREAM", "BLACK", "SILVER", "GOLD",
    "PASTEL", "TURQUOISE", "LILAC", "ORANGE", "YELLOW", "ASSORTED",
)  # fmt: skip
DESCRIPTION_NOUNS = (
    "T-LIGHT HOLDER", "LANTERN", "CAKE CASES", "LUNCH BAG", "JAM JAR", "DOORMAT", "TEA TOWEL",
    "MUG", "BUNTING", "PHOTO FRAME", "CANDLE", "WATER BOTTLE", "PARASOL", "CUSHION COVER",
    "GIFT WRAP", "NOTEBOOK", "TRINKET BOX", "WALL CLOCK", "PEG BAG", "STORAGE TIN",
    "NAPKINS", "PLATE", "BOWL", "BAKING SET", "SHOPPING BAG", "HOT WATER BOTTLE",
)  # fmt: skip


class _WeightedSampler:
    """Draws indices 0..k-1 with given weights, fast: a lookup table of 2**20 slots in which each
    index fills a share of slots equal to its probability (so each probability is rounded to the
    nearest 2**-20), read at uniformly random slots. Much faster than a binary search of the
    cumulative weights for millions of draws."""

    SLOTS = 2**20

    def __init__(self, weights: np.ndarray) -> None:
        probabilities = np.asarray(weights, dtype=np.float64) / np.sum(weights)
        slots = np.round(probabilities * self.SLOTS).astype(np.int64)
        if np.any(slots[probabilities > 0] == 0):
            raise ValueError("a weight is too small for the sampler's resolution")
        self._table = np.repeat(np.arange(len(slots), dtype=np.int32), slots)

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self._table[rng.integers(0, len(self._table), n)]


@dataclass(frozen=True)
class _Catalogue:
    """Products: codes and descriptions (Arrow, indexed by product), prices, and how popular."""

    stock_codes: pa.Array
    descriptions: pa.Array
    prices: np.ndarray
    popularity: _WeightedSampler


@dataclass(frozen=True)
class _Invoices:
    """One block's invoices, in output order (by customer, then time)."""

    customer_id: np.ndarray  # -1 where the invoice has no customer
    country: np.ndarray  # index into COUNTRY_WEIGHTS
    timestamp_us: np.ndarray
    is_cancellation: np.ndarray
    n_lines: np.ndarray


@dataclass(frozen=True)
class _Lines:
    """One block's lines, with the index of the invoice each line belongs to."""

    invoice: np.ndarray
    product: np.ndarray
    quantity: np.ndarray
    unit_price: np.ndarray
    has_description: np.ndarray


@dataclass(frozen=True)
class _Block:
    table: pa.Table
    n_invoices: int


# ----------------------------------------------------------------------------- public API


def generate_table(
    n_lines: int,
    *,
    seed: int = 42,
    start: DateLike = DEFAULT_START,
    end: DateLike = DEFAULT_END,
) -> pa.Table:
    """Return ``n_lines`` synthetic lines as one table (for small sizes: it is all in memory)."""
    batches = list(iter_chunks(n_lines, seed=seed, start=start, end=end))
    if not batches:
        return SCHEMA.empty_table()
    return pa.concat_tables(batches).combine_chunks()


def write_transactions(
    path: str | os.PathLike[str],
    n_lines: int,
    *,
    seed: int = 42,
    fmt: str = "parquet",
    chunk_lines: int = 1_000_000,
    start: DateLike = DEFAULT_START,
    end: DateLike = DEFAULT_END,
) -> int:
    """Stream ``n_lines`` synthetic lines to ``path`` as Parquet or CSV; return the rows written.

    Parquet gets one zstd-compressed row group per chunk of ``chunk_lines`` rows. CSV has a header
    row, comma separators and timestamps as ``YYYY-MM-DD HH:MM:SS``. The file is written under a
    temporary name and renamed at the end, so a reader never sees half a file.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    chunks = iter_chunks(n_lines, seed=seed, chunk_lines=chunk_lines, start=start, end=end)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        if fmt == "parquet":
            written = _write_parquet(partial, chunks, chunk_lines)
        else:
            written = _write_csv(partial, chunks)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return written


def iter_chunks(
    n_lines: int,
    *,
    seed: int = 42,
    chunk_lines: int = 1_000_000,
    start: DateLike = DEFAULT_START,
    end: DateLike = DEFAULT_END,
) -> Iterator[pa.Table]:
    """Tables of ``chunk_lines`` rows (the last may be shorter), ``n_lines`` rows in all.

    The arguments are checked at once; the tables are made one at a time as they are consumed.
    """
    _check_count("n_lines", n_lines, minimum=0)
    _check_count("chunk_lines", chunk_lines, minimum=1)
    day_starts_us = _trading_day_starts_us(start, end)
    return _rechunk(_iter_blocks(n_lines, seed, day_starts_us), chunk_lines)


def _rechunk(blocks: Iterator[pa.Table], chunk_lines: int) -> Iterator[pa.Table]:
    pending: list[pa.Table] = []
    pending_rows = 0
    for block in blocks:
        pending.append(block)
        pending_rows += block.num_rows
        while pending_rows >= chunk_lines:
            buffered = pa.concat_tables(pending)
            yield buffered.slice(0, chunk_lines)
            rest = buffered.slice(chunk_lines)
            pending, pending_rows = [rest], rest.num_rows
    if pending_rows:
        yield pa.concat_tables(pending)


# ----------------------------------------------------------------------------- writers


def _write_parquet(path: Path, chunks: Iterator[pa.Table], chunk_lines: int) -> int:
    written = 0
    with pq.ParquetWriter(
        path,
        SCHEMA,
        compression="zstd",
        use_dictionary=PARQUET_DICTIONARY_COLUMNS,
        write_statistics=PARQUET_STATISTICS_COLUMNS,
    ) as writer:
        for chunk in chunks:
            writer.write_table(chunk, row_group_size=chunk_lines)
            written += chunk.num_rows
    return written


def _write_csv(path: Path, chunks: Iterator[pa.Table]) -> int:
    # Whole seconds: casting to timestamp[s] makes Arrow print 'YYYY-MM-DD HH:MM:SS' with no
    # fractional part.
    csv_schema = SCHEMA.set(SCHEMA.get_field_index("InvoiceDate"), pa.field("InvoiceDate", pa.timestamp("s")))
    written = 0
    with pacsv.CSVWriter(path, csv_schema) as writer:
        for chunk in chunks:
            writer.write_table(chunk.cast(csv_schema))
            written += chunk.num_rows
    return written


# ----------------------------------------------------------------------------- blocks


def _iter_blocks(n_lines: int, seed: int, day_starts_us: np.ndarray) -> Iterator[pa.Table]:
    """Yield blocks of customers' lines until exactly ``n_lines`` lines have been yielded."""
    catalogue_seed, blocks_seed = np.random.SeedSequence(seed).spawn(2)
    catalogue = _make_catalogue(np.random.default_rng(catalogue_seed))
    next_customer_id, next_invoice_no = FIRST_CUSTOMER_ID, FIRST_INVOICE_NO
    remaining = n_lines
    while remaining > 0:
        rng = np.random.default_rng(blocks_seed.spawn(1)[0])
        n_customers = _customers_for_lines(min(remaining, BLOCK_LINES))
        block = _make_block(rng, n_customers, catalogue, day_starts_us, next_customer_id, next_invoice_no)
        next_customer_id += n_customers
        next_invoice_no += block.n_invoices
        table = block.table.slice(0, remaining)
        remaining -= table.num_rows
        yield table


def _customers_for_lines(n_lines: int) -> int:
    # 10% more customers than the expected need, so a block rarely falls short and the final
    # block is cut rather than followed by a tiny one.
    expected = n_lines * (1 - ANONYMOUS_INVOICE_SHARE) / TARGET_LINES_PER_CUSTOMER
    return max(1, math.ceil(1.1 * expected))


def _make_block(
    rng: np.random.Generator,
    n_customers: int,
    catalogue: _Catalogue,
    day_starts_us: np.ndarray,
    first_customer_id: int,
    first_invoice_no: int,
) -> _Block:
    invoices = _draw_invoices(rng, n_customers, day_starts_us, first_customer_id)
    lines = _draw_lines(rng, invoices, catalogue)
    table = _lines_table(invoices, lines, catalogue, first_invoice_no)
    return _Block(table=table, n_invoices=len(invoices.n_lines))


# ----------------------------------------------------------------------------- invoices


def _draw_invoices(
    rng: np.random.Generator,
    n_customers: int,
    day_starts_us: np.ndarray,
    first_customer_id: int,
) -> _Invoices:
    """Draw customers' and customer-less invoices, ordered by customer (in id order) then time.

    Customer-less invoices are interleaved between customers at random, so any prefix of the
    block (the final block is cut) keeps the mix of both.
    """
    invoices_per_customer = _draw_invoice_counts(rng, n_customers)
    owner = np.repeat(np.arange(n_customers), invoices_per_customer)
    position = _draw_customer_invoice_positions(rng, invoices_per_customer, owner)

    n_anonymous = round(len(owner) * ANONYMOUS_INVOICE_SHARE / (1 - ANONYMOUS_INVOICE_SHARE))
    entity_rank = rng.permutation(n_customers + n_anonymous)
    customer_rank, anonymous_rank = entity_rank[:n_customers], entity_rank[n_customers:]

    # Ids follow output order, so a cut block leaves no gaps in the ids it emitted.
    customer_id = np.empty(n_customers, dtype=np.int64)
    customer_id[np.argsort(customer_rank)] = first_customer_id + np.arange(n_customers)
    customer_country = _draw_countries(rng, n_customers)

    rank = np.concatenate([customer_rank[owner], anonymous_rank])
    position = np.concatenate([position, rng.random(n_anonymous)])
    invoice_customer = np.concatenate([customer_id[owner], np.full(n_anonymous, -1)])
    country = np.concatenate([customer_country[owner], _draw_countries(rng, n_anonymous)])

    # Positions are below 1, so sorting rank + position orders by entity, then time.
    order = np.argsort(rank + np.minimum(position, 1 - 1e-9))
    rank, position = rank[order], position[order]
    invoice_customer, country = invoice_customer[order], country[order]

    is_cancellation = _draw_cancellations(rng, rank, invoice_customer)
    return _Invoices(
        customer_id=invoice_customer,
        country=country,
        timestamp_us=_positions_to_timestamps_us(position, day_starts_us),
        is_cancellation=is_cancellation,
        n_lines=_draw_invoice_line_counts(rng, is_cancellation),
    )


def _draw_invoice_counts(rng: np.random.Generator, n_customers: int) -> np.ndarray:
    counts = 1 + np.floor(rng.lognormal(INVOICES_LOG_MEAN, INVOICES_LOG_SIGMA, n_customers))
    return np.minimum(counts, MAX_INVOICES_PER_CUSTOMER).astype(np.int64)


def _draw_customer_invoice_positions(
    rng: np.random.Generator, invoices_per_customer: np.ndarray, owner: np.ndarray
) -> np.ndarray:
    """Place each customer's invoices in [0, 1) of the span, inside the customer's active window."""
    n_customers = len(invoices_per_customer)
    joins = rng.random(n_customers) ** ACQUISITION_SKEW
    churns = rng.random(n_customers) < CHURN_PROBABILITY
    leaves = np.where(churns, joins + (1 - joins) * rng.random(n_customers), 1.0)
    return joins[owner] + (leaves - joins)[owner] * rng.random(len(owner))


def _draw_countries(rng: np.random.Generator, n: int) -> np.ndarray:
    return _country_sampler().draw(rng, n)


@functools.cache
def _country_sampler() -> _WeightedSampler:
    return _WeightedSampler(np.fromiter(COUNTRY_WEIGHTS.values(), dtype=np.float64))


def _draw_cancellations(
    rng: np.random.Generator, rank: np.ndarray, invoice_customer: np.ndarray
) -> np.ndarray:
    """Mark cancellations: never a customer's first invoice, never a customer-less invoice."""
    is_first = np.ones(len(rank), dtype=bool)
    is_first[1:] = rank[1:] != rank[:-1]
    drawn = rng.random(len(rank)) < CANCEL_PROBABILITY
    return drawn & ~is_first & (invoice_customer >= 0)


def _draw_invoice_line_counts(rng: np.random.Generator, is_cancellation: np.ndarray) -> np.ndarray:
    """Lines per invoice; a cancellation returns at most the lines of the purchase it follows."""
    n = len(is_cancellation)
    purchase_lines = np.minimum(rng.geometric(PURCHASE_LINES_P, n), MAX_LINES_PER_INVOICE)
    cancel_lines = rng.geometric(CANCEL_LINES_P, n)
    latest_purchase = _latest_purchase_index(is_cancellation)
    cancel_lines = np.minimum(cancel_lines, purchase_lines[latest_purchase])
    return np.where(is_cancellation, cancel_lines, purchase_lines).astype(np.int64)


def _latest_purchase_index(is_cancellation: np.ndarray) -> np.ndarray:
    """For each invoice, the index of the latest non-cancellation invoice at or before it.

    A customer's first invoice is a purchase and invoices are grouped by customer, so for a
    cancellation this is a purchase of the same customer.
    """
    index = np.where(is_cancellation, 0, np.arange(len(is_cancellation)))
    return np.maximum.accumulate(index) if len(index) else index


def _positions_to_timestamps_us(position: np.ndarray, day_starts_us: np.ndarray) -> np.ndarray:
    """Map positions in [0, 1) to trading-day timestamps (whole seconds, business hours).

    The mapping is monotonic, so a customer's invoices keep their order (a cancellation never
    precedes the purchase it follows).
    """
    scaled = position * len(day_starts_us)
    day = np.minimum(scaled.astype(np.int64), len(day_starts_us) - 1)
    within_day = _triangular_quantile(np.clip(scaled - day, 0.0, 1.0))
    seconds = BUSINESS_DAY_START_S + np.floor(within_day * (BUSINESS_DAY_LENGTH_S - 1))
    return day_starts_us[day] + seconds.astype(np.int64) * 1_000_000


def _triangular_quantile(u: np.ndarray) -> np.ndarray:
    """Quantile function of the triangular distribution on [0, 1] with its mode at 0.5."""
    return np.where(u < 0.5, np.sqrt(u / 2), 1 - np.sqrt((1 - u) / 2))


# ----------------------------------------------------------------------------- lines


def _draw_lines(rng: np.random.Generator, invoices: _Invoices, catalogue: _Catalogue) -> _Lines:
    """Draw purchase lines, then fill cancellation lines from the purchase they cancel."""
    n_lines = invoices.n_lines
    first_line = np.cumsum(n_lines) - n_lines
    invoice = np.repeat(np.arange(len(n_lines)), n_lines)
    total = len(invoice)

    product = catalogue.popularity.draw(rng, total)
    quantity = _draw_quantities(rng, total)
    is_zero_price = rng.random(total) < ZERO_PRICE_SHARE
    unit_price = np.where(is_zero_price, 0.0, catalogue.prices[product])
    # As in the UCI file: lines without a description are free lines on customer-less invoices.
    has_description = ~(is_zero_price & np.repeat(invoices.customer_id < 0, n_lines))

    cancelled = np.flatnonzero(invoices.is_cancellation[invoice])
    if len(cancelled):
        cancelled_invoice = invoice[cancelled]
        line_in_invoice = cancelled - first_line[cancelled_invoice]
        purchase = _latest_purchase_index(invoices.is_cancellation)[cancelled_invoice]
        source = first_line[purchase] + line_in_invoice
        product[cancelled] = product[source]
        quantity[cancelled] = -quantity[source]
        unit_price[cancelled] = unit_price[source]
        has_description[cancelled] = has_description[source]

    return _Lines(
        invoice=invoice,
        product=product,
        quantity=quantity,
        unit_price=unit_price,
        has_description=has_description,
    )


def _draw_quantities(rng: np.random.Generator, n: int) -> np.ndarray:
    values = np.fromiter(QUANTITY_WEIGHTS.keys(), dtype=np.int64)
    return values[_quantity_sampler().draw(rng, n)]


@functools.cache
def _quantity_sampler() -> _WeightedSampler:
    return _WeightedSampler(np.fromiter(QUANTITY_WEIGHTS.values(), dtype=np.float64))


def _lines_table(
    invoices: _Invoices, lines: _Lines, catalogue: _Catalogue, first_invoice_no: int
) -> pa.Table:
    """Assemble Arrow columns with vectorised kernels (no Python object per row)."""

    def per_line(values: np.ndarray) -> np.ndarray:
        return np.repeat(values, invoices.n_lines)

    customer_id = per_line(invoices.customer_id)
    countries = pa.array(list(COUNTRY_WEIGHTS), pa.string())
    columns = [
        _invoice_numbers(invoices.is_cancellation, first_invoice_no).take(lines.invoice),
        catalogue.stock_codes.take(lines.product),
        catalogue.descriptions.take(pa.array(lines.product, mask=~lines.has_description)),
        pa.array(lines.quantity),
        pa.array(per_line(invoices.timestamp_us).view("datetime64[us]")),
        pa.array(lines.unit_price),
        pa.array(customer_id, mask=customer_id < 0),
        countries.take(per_line(invoices.country)),
    ]
    return pa.Table.from_arrays(columns, schema=SCHEMA)


def _invoice_numbers(is_cancellation: np.ndarray, first_invoice_no: int) -> pa.Array:
    numbers = np.arange(first_invoice_no, first_invoice_no + len(is_cancellation))
    plain = pc.cast(pa.array(numbers), pa.string())
    prefixed = pc.binary_join_element_wise("C", plain, "")
    return pc.if_else(pa.array(is_cancellation), prefixed, plain)


# ----------------------------------------------------------------------------- catalogue


def _make_catalogue(rng: np.random.Generator) -> _Catalogue:
    prices = np.round(rng.lognormal(PRICE_LOG_MEDIAN, PRICE_LOG_SIGMA, N_PRODUCTS), 2)
    popularity = 1.0 / (rng.permutation(N_PRODUCTS) + POPULARITY_OFFSET) ** POPULARITY_EXPONENT
    return _Catalogue(
        stock_codes=pa.array(_make_stock_codes(rng), pa.string()),
        descriptions=pa.array(_make_descriptions(rng), pa.string()),
        prices=np.maximum(prices, MIN_PRICE),
        popularity=_WeightedSampler(popularity),
    )


def _make_stock_codes(rng: np.random.Generator) -> list[str]:
    """Distinct five-digit codes, some with a letter suffix (variants), like '85123A'."""
    numbers = np.sort(rng.choice(np.arange(10_000, 100_000), N_PRODUCTS, replace=False))
    has_suffix = rng.random(N_PRODUCTS) < STOCK_CODE_SUFFIX_SHARE
    suffixes = rng.integers(0, len(STOCK_CODE_SUFFIXES), N_PRODUCTS)
    return [
        f"{number}{STOCK_CODE_SUFFIXES[suffix] if with_suffix else ''}"
        for number, with_suffix, suffix in zip(
            numbers.tolist(), has_suffix.tolist(), suffixes.tolist(), strict=True
        )
    ]


def _make_descriptions(rng: np.random.Generator) -> list[str]:
    """Distinct 'ADJECTIVE COLOUR NOUN' names, one per product."""
    n_colours, n_nouns = len(DESCRIPTION_COLOURS), len(DESCRIPTION_NOUNS)
    n_combinations = len(DESCRIPTION_ADJECTIVES) * n_colours * n_nouns
    picks = rng.choice(n_combinations, N_PRODUCTS, replace=False).tolist()
    return [
        " ".join(
            (
                DESCRIPTION_ADJECTIVES[pick // (n_colours * n_nouns)],
                DESCRIPTION_COLOURS[pick // n_nouns % n_colours],
                DESCRIPTION_NOUNS[pick % n_nouns],
            )
        )
        for pick in picks
    ]


# ----------------------------------------------------------------------------- calendar, checks


def _trading_day_starts_us(start: DateLike, end: DateLike) -> np.ndarray:
    """Midnight (microseconds since the epoch) of every day from start to end inclusive, except
    Saturdays (the UCI shop never invoiced on a Saturday)."""
    first, last = _parse_day("start", start), _parse_day("end", end)
    if last < first:
        raise ValueError(f"end ({end}) is before start ({start})")
    days = np.arange(first, last + np.timedelta64(1, "D"))
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    trading = days[weekday != SATURDAY]
    if len(trading) == 0:
        raise ValueError(f"no trading day (only Saturdays) between {start} and {end}")
    return trading.astype("datetime64[us]").astype(np.int64)


def _parse_day(name: str, value: DateLike) -> np.datetime64:
    try:
        day = np.datetime64(value, "D")
    except ValueError:
        day = np.datetime64("NaT")
    if np.isnat(day):
        raise ValueError(f"{name} must be a date like 2022-01-31, got {value!r}")
    return day


def _check_count(name: str, value: int, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
