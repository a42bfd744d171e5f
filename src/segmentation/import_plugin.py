"""dbt-duckdb plugin that imports the Python models' libraries in the background when dbt opens DuckDB.

scikit-learn and scipy take 1 to 2 s to import. dbt-duckdb runs the Python models in the dbt process,
so without this the first of them waits for the import. The plugin is created when the first
connection opens (the on-run-start hooks, before any model), and the SQL models that run first leave
the Python interpreter idle while DuckDB works: the import then costs the build no wall time.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

# What the Python models import, in the order they are first needed.
MODEL_LIBRARIES = ("sklearn.cluster", "sklearn.metrics", "segmentation.kmeans", "segmentation.clv")


def import_model_libraries() -> None:
    for name in MODEL_LIBRARIES:
        importlib.import_module(name)


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        threading.Thread(target=import_model_libraries, name="import-model-libraries", daemon=True).start()
