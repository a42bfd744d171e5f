"""The HTML report and the notebook, rendered from the published copy of the build on the bundled sample,
while a connection holds the warehouse file itself (as a running build does)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import nbformat
import numpy as np
import pytest
from conftest import PROJECT_DIR
from matplotlib.image import imread
from nbclient import NotebookClient

from segmentation import report

NOTEBOOK = PROJECT_DIR / "notebooks" / "segmentation.ipynb"
EXPECTED_CHARTS = {
    "tier_shares.png",
    "score_distributions.png",
    "segment_shares.png",
    "rfm_distributions.png",
    "elbow.png",
    "cluster_profiles.png",
    "scatter_3d_clusters.png",
    "tier_cluster_heatmap.png",
    "scatter_3d_tiers.png",
    "clv_by_group.png",
    "p_alive_by_recency.png",
    "tier_history.png",
    "segment_history.png",
    "segment_migration.png",
}


class LinkCollector(HTMLParser):
    """Every <img src> and <a href> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"img": "src", "a": "href"}.get(tag)
        self.links += [value for name, value in attrs if name == wanted and value]


@contextmanager
def warehouse_held(sample_project) -> Iterator[None]:
    """A write connection on the warehouse file, as a build holds it: any other open of that file fails
    (another process: DuckDB's lock; this process: a connection with another configuration)."""
    with duckdb.connect(str(sample_project.database)):
        yield


def published_database(sample_project) -> Path:
    return sample_project.database.parent / "published" / "current" / "segments.duckdb"


@pytest.fixture(scope="module")
def rendered(sample_project, tmp_path_factory) -> Path:
    """The report of the sample build's published copy; returns the path of index.html."""
    with warehouse_held(sample_project):
        return report.render_report(published_database(sample_project), tmp_path_factory.mktemp("report"))


def test_report_writes_the_page_and_every_chart(rendered):
    written = {path.name for path in rendered.parent.iterdir()}
    assert rendered.name == "index.html"
    assert written == EXPECTED_CHARTS | {"index.html"}


@pytest.mark.parametrize("chart", sorted(EXPECTED_CHARTS))
def test_each_chart_is_a_real_picture(rendered, chart):
    pixels = imread(rendered.parent / chart)
    height, width = pixels.shape[:2]
    assert width > 300 and height > 300
    # One integer per RGB colour: np.unique on rows of floats is slow.
    rgb = np.round(pixels[..., :3] * 255).astype(np.uint32)
    colours = np.unique(rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2])
    assert len(colours) > 50, f"{chart} has only {len(colours)} distinct colours"


def test_page_links_only_files_it_wrote(rendered):
    collector = LinkCollector()
    collector.feed(rendered.read_text(encoding="utf-8"))
    assert {Path(link).name for link in collector.links} >= EXPECTED_CHARTS
    for link in collector.links:
        assert "://" not in link and not link.startswith("/"), link
        assert (rendered.parent / link).is_file(), link


def test_page_shows_the_headline_numbers(rendered, sample_project):
    page = rendered.read_text(encoding="utf-8")
    chosen_k = sample_project.scalar("select k from kmeans_model_selection where is_chosen")
    customers = sample_project.scalar("select count(*) from customer_rfm_scores")
    as_of = sample_project.scalar("select max(as_of_date) from dim_customer_segments")
    assert f"<b>{chosen_k}</b>chosen k" in page
    assert f"<b>{customers:,}</b>customers" in page
    assert f"As of {as_of:%Y-%m-%d}" in page
    for tier in ("Platinum", "Gold", "Silver", "Bronze"):
        assert f"<td>{tier}</td>" in page


def test_command_line_reads_the_published_copy_by_default(tmp_path, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(report, "render_report", lambda database, out: calls.append((database, out)) or out)
    monkeypatch.delenv("SEGMENTS_REPORT_OUT", raising=False)
    monkeypatch.setenv("SEGMENTS_DB", str(tmp_path / "from_env.duckdb"))
    assert report.main(["--out", str(tmp_path / "out")]) == 0
    monkeypatch.delenv("SEGMENTS_DB")
    assert report.main(["--out", str(tmp_path / "out")]) == 0
    assert report.main(["--database", "other.duckdb", "--out", "elsewhere"]) == 0
    assert calls == [
        (tmp_path / "published" / "current" / "segments.duckdb", tmp_path / "out"),
        (PROJECT_DIR / "warehouse" / "published" / "current" / "segments.duckdb", tmp_path / "out"),
        (Path("other.duckdb"), Path("elsewhere")),
    ]
    assert "wrote" in capsys.readouterr().out


def test_no_published_build_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SEGMENTS_DB", str(tmp_path / "segments.duckdb"))
    with duckdb.connect(str(tmp_path / "segments.duckdb")) as warehouse:  # built, but nothing published
        warehouse.execute("create table dim_customer_segments as select 1 as customer_id")
        assert report.main(["--out", str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err
    assert "no published build yet" in error and "run `make build`" in error
    assert str(tmp_path / "published" / "current" / "segments.duckdb") in error
    assert not (tmp_path / "out").exists()


def test_report_reads_the_published_copy_while_the_warehouse_is_held(sample_project, monkeypatch):
    customers = sample_project.scalar("select count(*) from dim_customer_segments")
    monkeypatch.setenv("SEGMENTS_DB", str(sample_project.database))
    with warehouse_held(sample_project):
        marts = report.load_marts(report.default_database())
    assert marts.customers == customers


def test_notebook_runs_against_the_published_copy(sample_project, monkeypatch):
    monkeypatch.setenv("SEGMENTS_DB", str(sample_project.database))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells), "commit the notebook with outputs cleared"
    # A last cell shows which Python the kernel runs: it must be this virtualenv's.
    notebook.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.prefix)"))
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    with warehouse_held(sample_project):  # the kernel is another process: it would hit DuckDB's lock
        client.execute()
    assert notebook.cells[-1].outputs[0]["text"].strip() == sys.prefix
    images = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]
    assert len(images) >= 8
