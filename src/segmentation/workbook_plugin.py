"""dbt-duckdb plugin: a dbt source backed by an Excel workbook, read with `segmentation.workbook`.

profiles.yml, under the output::

    plugins:
      - module: segmentation.workbook_plugin
        alias: workbook

A source table whose meta (or config) names the plugin is loaded through it::

    sources:
      - name: raw
        tables:
          - name: transactions
            meta:
              plugin: workbook
              workbook_path: "{{ var('source_path') }}"
              workbook_sheets: "{{ var('source_sheets') }}"   # a list, its text, or null/"None" = auto
              required_columns: "{{ var('source_columns').values() | list }}"

dbt-duckdb calls `load` when a node referencing the source is compiled during a run (never during
`dbt parse`) and writes the Arrow table it returns into the table <schema>.<identifier> (meta key
`materialization`: table by default). Every node that references the source triggers such a load, so
the table read is cached in this process by (file, size, modification time, sheets, columns): the
workbook is parsed once per dbt invocation, later loads hand the same Arrow table back. Set
`config: {cache: false}` on the plugin to read the workbook at every load.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.duckdb.utils import SourceConfig
from dbt.adapters.events.logging import AdapterLogger

from segmentation.workbook import WorkbookError, parse_columns, parse_sheet_names, read_workbook

logger = AdapterLogger("DuckDB")


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._cache_enabled = bool(plugin_config.get("cache", True))
        self._cache: dict[tuple, pa.Table] = {}
        self._lock = threading.Lock()
        self.reads = 0  # how many times a workbook was actually parsed (for tests and logs)

    def load(self, source_config: SourceConfig) -> pa.Table:
        location = source_config.get("workbook_path") or source_config.get("external_location")
        if not location:
            raise WorkbookError(
                f"Source {source_config.table_name()} uses the workbook plugin; its meta has no workbook_path"
            )
        path = Path(str(location).strip().strip("'")).expanduser().resolve()
        sheets = parse_sheet_names(source_config.get("workbook_sheets"))
        required = parse_columns(source_config.get("required_columns"))
        if not path.is_file():
            raise WorkbookError(f"No workbook at {path} (source {source_config.table_name()})")
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns, tuple(sheets or ()), tuple(required))
        # One read at a time: nodes compiled on several threads reference the same source.
        with self._lock:
            table = self._cache.get(key)
            if table is not None:
                logger.debug(
                    f"workbook plugin: {source_config.table_name()} from the table read before ({path})"
                )
                return table
            started = time.perf_counter()
            table = read_workbook(path, sheets=sheets, required_columns=required)
            self.reads += 1
            logger.info(
                f"workbook plugin: read {table.num_rows} lines of {path} into {source_config.table_name()} "
                f"in {time.perf_counter() - started:.1f} s"
            )
            if self._cache_enabled:
                self._cache = {key: table}
            return table

    def default_materialization(self) -> str:
        return "table"
