"""What the dbt Python models call: their options, the K-means package, and Arrow tables back."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from segmentation import kmeans

# What the K-means models read from int_customer_rfm: customer_id as text, exactly as the SQL marts
# cast it, and DuckDB's hash of the key, which keys the samples: it is distinct per customer and does
# not depend on row order, so a sample is drawn in one pass instead of a sort of every customer.
SAMPLE_KEY = "sample_key"
RFM_COLUMNS = ", ".join(
    [
        "cast(customer_id as varchar) as customer_id",
        *kmeans.INPUT_COLUMNS[1:],
        f"hash(customer_id) as {SAMPLE_KEY}",
    ]
)


@dataclass(frozen=True)
class KMeansOptions:
    """The kmeans_* vars, handed to the Python models through their config."""

    k: int | str
    k_min: int
    k_max: int
    seed: int
    sample_size: int
    silhouette_sample_size: int

    @classmethod
    def from_text(cls, *, k, k_min, k_max, seed, sample_size, silhouette_sample_size) -> KMeansOptions:
        """Config values arrive as rendered text ("auto", "9"): turn them back into numbers."""
        k = str(k)
        return cls(
            k=k if k == "auto" else int(k),
            k_min=int(k_min),
            k_max=int(k_max),
            seed=int(seed),
            sample_size=int(sample_size),
            silhouette_sample_size=int(silhouette_sample_size),
        )


def model_selection_table(customers, options: KMeansOptions) -> pa.Table:
    """The k curve (k, inertia, silhouette, is_chosen) for the table kmeans_model_selection."""
    customers = kmeans.as_arrow_table(customers)
    _, features, _ = kmeans.customer_ids_and_features(customers)
    selection = kmeans.select_k(
        features,
        sample_keys=_sample_keys(customers),
        k_min=options.k_min,
        k_max=options.k_max,
        k=options.k,
        seed=options.seed,
        sample_size=options.sample_size,
        silhouette_sample_size=options.silhouette_sample_size,
    )
    return selection.to_arrow()


def chosen_k(selection: pa.Table) -> int:
    """The one k marked is_chosen in the model-selection table."""
    chosen = selection.filter(selection["is_chosen"])["k"].to_pylist()
    if len(chosen) != 1:
        raise kmeans.SegmentationError(f"kmeans_model_selection must mark exactly one k; it marks {chosen}")
    return chosen[0]


def cluster_assignment_table(customers, k: int, *, seed: int) -> pa.Table:
    """customer_id, cluster_id (1 = best), distance_to_centroid and the R, F, M values clustered,
    for every customer (cluster_profiles summarises the clusters without joining back)."""
    customers = kmeans.as_arrow_table(customers)
    customer_id, features, _ = kmeans.customer_ids_and_features(customers)
    clusters = kmeans.fit_clusters(features, k, seed, sample_keys=_sample_keys(customers))
    assignment = kmeans.SegmentationRun.assignment_of(customer_id, clusters)
    for name in kmeans.INPUT_COLUMNS[1:]:
        assignment = assignment.append_column(name, customers.column(name))
    return assignment


def _sample_keys(customers: pa.Table):
    return customers.column(SAMPLE_KEY).to_numpy()
