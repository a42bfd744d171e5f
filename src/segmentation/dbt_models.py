"""What the dbt Python models call: their options, the K-means package, and Arrow tables back.

Each model reads int_customer_kmeans_features (customer_id as text, sample_key, the R, F, M values and
their log features), so no feature is computed here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from segmentation import kmeans

SAMPLE_KEY = "sample_key"
RFM_VALUE_COLUMNS = ("recency_days", "frequency", "monetary")


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


def model_selection_table(features, options: KMeansOptions) -> pa.Table:
    """The k curve (k, inertia, silhouette, is_chosen) for the table kmeans_model_selection."""
    features = kmeans.as_arrow_table(features)
    scaled, _ = kmeans.scaled_features(features)
    selection = kmeans.select_k(
        scaled,
        _sample_keys(features),
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


def centroids_table(features, k: int, *, seed: int) -> pa.Table:
    """The fitted centroids and the feature scaling, for the table kmeans_centroids."""
    features = kmeans.as_arrow_table(features)
    scaled, scaling = kmeans.scaled_features(features)
    centroids = kmeans.fit_centroids(scaled, k, _sample_keys(features), seed)
    return kmeans.centroid_table(centroids, scaling)


def cluster_assignment_table(features, centroids) -> pa.Table:
    """customer_id, cluster_id (1 = best), distance_to_centroid and the R, F, M values clustered,
    for every customer, against the stored centroids and scaling (cluster_profiles summarises the
    clusters without joining back)."""
    features = kmeans.as_arrow_table(features)
    ranked_centroids, scaling = kmeans.centroids_and_scaling(centroids)
    log_features = features.select(kmeans.LOG_FEATURE_COLUMNS)
    scaled = kmeans.log_feature_array(log_features)
    scaling.scale_in_place(scaled)
    nearest, distance = kmeans.assign_to_nearest(scaled, ranked_centroids)
    assignment = pa.table(
        {
            "customer_id": features.column("customer_id"),
            "cluster_id": pa.array(nearest + 1, pa.int32()),
            "distance_to_centroid": pa.array(distance, pa.float64()),
        }
    )
    for name in RFM_VALUE_COLUMNS:
        assignment = assignment.append_column(name, features.column(name))
    return assignment


def _sample_keys(features: pa.Table):
    return features.column(SAMPLE_KEY).to_numpy()
