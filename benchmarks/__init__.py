"""Speed and scale: the project's `dbt build` against the floor and the notebook's way, on one file.

Three contenders read the same synthetic transaction log (``segmentation.generator``) and compute
per-customer RFM values, scores and K-means clusters, each in its own child process:

* project:  a full ``dbt build`` (every model, every test) on a fresh copy of the dbt project with a
  fresh DuckDB file (``contenders.project``);
* floor:    one hand-written DuckDB query for the RFM values, scores and log features, then the
  package's K-means, and nothing else (``contenders.floor``);
* notebook: the seed notebook's way with pandas (``contenders.notebook``).

``measure`` runs and measures the children, ``data`` makes and caches the file, ``report`` prints
the figures and writes ``bench.json``, ``run`` puts them together and ``cli`` parses the command
line: ``python -m benchmarks --lines N`` (``make bench N=...``). ``excel_vs_csv.py`` is a separate
benchmark of reading workbooks.
"""
