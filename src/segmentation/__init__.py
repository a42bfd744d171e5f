"""Customer segmentation warehouse: the Python side (K-means, synthetic data, report, CLI)."""
