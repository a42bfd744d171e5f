"""The command line and the Makefile around it: values passed without a shell, YAML dates, a held
warehouse, and as_of_date validated as a calendar date by dbt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_DIR

import segmentation
from segmentation import report

MAKEFILE = PROJECT_DIR / "Makefile"
PACKAGE_SRC = Path(segmentation.__file__).resolve().parents[1]
# Quotes, a command separator and make syntax: none of it may be run by the shell or by make.
HOSTILE_VARS = (
    """{note: "x' ; touch pwned ; echo '", make: "$(shell touch pwned_by_make)", as_of_date: 2011-12-10}"""
)
HOSTILE_OUT = "o'brien report' ; touch pwned ; echo '$(shell touch pwned_by_make)"


def write_script(path: Path, body: str) -> Path:
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o755)
    return path


@pytest.fixture
def fake_tools(tmp_path) -> dict:
    """A fake dbt that records its command line, and a bin folder whose `segmentation` records its
    arguments and SEGMENTS_* environment, then runs the real CLI for `build` (project in tmp_path/project)."""
    (tmp_path / "bin").mkdir()
    project = tmp_path / "project"
    project.mkdir()
    dbt_log, cli_log = tmp_path / "dbt.jsonl", tmp_path / "cli.jsonl"
    dbt = write_script(
        tmp_path / "fake-dbt",
        "import json, os, sys, time\n"
        f"with open({str(dbt_log)!r}, 'a') as log:\n"
        "    log.write(json.dumps({'argv': sys.argv[1:], 'cwd': os.getcwd()}) + '\\n')\n"
        "time.sleep(float(os.environ.get('FAKE_DBT_SLEEP', '0')))\n",
    )
    write_script(
        tmp_path / "bin" / "segmentation",
        "import json, os, sys\n"
        f"with open({str(cli_log)!r}, 'a') as log:\n"
        "    env = {k: v for k, v in os.environ.items() if k.startswith('SEGMENTS_')}\n"
        "    log.write(json.dumps({'argv': sys.argv[1:], 'env': env}) + '\\n')\n"
        "if sys.argv[1:2] == ['build']:\n"
        "    from segmentation.cli import main\n"
        f"    sys.exit(main(sys.argv[1:] + ['--project-dir', {str(project)!r}]))\n",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEGMENTS_", "MAKE"))}
    env.update({"PYTHONPATH": str(PACKAGE_SRC), "SEGMENTS_DBT": str(dbt)})
    return {"bin": tmp_path / "bin", "project": project, "dbt_log": dbt_log, "cli_log": cli_log, "env": env}


def read_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def make(target: str, tools: dict, cwd: Path, *assignments: str, dry_run: bool = False):
    """`make TARGET` of the project's Makefile with the fake bin folder and no virtualenv step."""
    stamp = cwd / "stamp"
    argv = ["make", "-f", str(MAKEFILE), "-o", str(stamp), target, f"BIN={tools['bin']}", f"STAMP={stamp}"]
    argv += ["-n"] if dry_run else []
    return subprocess.run([*argv, *assignments], cwd=cwd, env=tools["env"], capture_output=True, text=True)


def run_cli(tools: dict, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "segmentation.cli", "build", "--project-dir", str(tools["project"]), *args],
        env={**tools["env"], **env},
        capture_output=True,
        text=True,
    )


# ---------------------------------------------------------------------------------------------
# 7: make passes DATA, PRESET, VARS and OUT without a shell
# ---------------------------------------------------------------------------------------------


def test_make_build_passes_data_preset_and_vars_intact_and_runs_nothing_else(fake_tools, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "o'brien.csv").write_text("customer,day,spend\n")
    preset = work / "it's $HOME.yml"
    preset.write_text("kmeans_seed: 7\n")
    assignments = ["DATA=o'brien.csv", f"PRESET={preset}", f"VARS={HOSTILE_VARS}"]

    dry = make("build", fake_tools, work, *assignments, dry_run=True)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.strip().splitlines()[-1] == f"{fake_tools['bin']}/segmentation build"

    result = make("build", fake_tools, work, *assignments)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (work / "pwned").exists() and not (work / "pwned_by_make").exists()
    assert not (PROJECT_DIR / "pwned").exists()
    [cli] = read_log(fake_tools["cli_log"])
    assert cli["argv"] == ["build"]
    assert cli["env"]["SEGMENTS_DATA"] == "o'brien.csv"
    assert cli["env"]["SEGMENTS_PRESET"] == str(preset)
    assert cli["env"]["SEGMENTS_VARS"] == HOSTILE_VARS
    [dbt] = read_log(fake_tools["dbt_log"])
    assert dbt["argv"][:2] == ["build", "--vars"]
    assert dbt["cwd"] == str(fake_tools["project"])
    assert json.loads(dbt["argv"][2]) == {
        "kmeans_seed": 7,
        "source_path": str(work / "o'brien.csv"),
        "note": "x' ; touch pwned ; echo '",
        "make": "$(shell touch pwned_by_make)",
        "as_of_date": "2011-12-10",
    }


@pytest.mark.parametrize(
    ("assignment", "flags"), [("FULL_REFRESH=1", ["--full-refresh"]), ("FULL_REFRESH=", [])]
)
def test_make_build_full_refresh_reaches_dbt_as_its_flag(fake_tools, tmp_path, assignment, flags):
    result = make("build", fake_tools, tmp_path, assignment)
    assert result.returncode == 0, result.stdout + result.stderr
    [dbt] = read_log(fake_tools["dbt_log"])
    assert dbt["argv"] == ["build", *flags]


def test_make_report_and_clean_pass_out_intact(fake_tools, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    dry = make("report", fake_tools, work, f"OUT={HOSTILE_OUT}", dry_run=True)
    assert dry.stdout.strip().splitlines()[-1] == f"{fake_tools['bin']}/segmentation report"
    result = make("report", fake_tools, work, f"OUT={HOSTILE_OUT}")
    assert result.returncode == 0, result.stderr
    [cli] = read_log(fake_tools["cli_log"])
    assert cli["argv"] == ["report"] and cli["env"]["SEGMENTS_REPORT_OUT"] == HOSTILE_OUT
    # The report command takes that folder from the environment.
    calls = []
    monkeypatch.setattr(report, "render_report", lambda database, out: calls.append(out) or out)
    monkeypatch.setenv("SEGMENTS_REPORT_OUT", HOSTILE_OUT)
    assert report.main([]) == 0
    assert calls == [Path(HOSTILE_OUT)]

    (work / HOSTILE_OUT).mkdir()
    (work / "o'brien report").mkdir()
    cleaned = make("clean", fake_tools, work, f"OUT={HOSTILE_OUT}")
    assert cleaned.returncode == 0, cleaned.stderr
    assert not (work / HOSTILE_OUT).exists()
    assert (work / "o'brien report").is_dir()
    assert not (work / "pwned").exists() and not (work / "pwned_by_make").exists()


# ---------------------------------------------------------------------------------------------
# 5: YAML dates in vars
# ---------------------------------------------------------------------------------------------


def test_yaml_dates_in_vars_reach_dbt_as_iso_text(fake_tools):
    result = run_cli(fake_tools, SEGMENTS_VARS="{as_of_date: 2023-01-01, stamp: 2023-01-01 10:30:00}")
    assert result.returncode == 0, result.stderr
    [dbt] = read_log(fake_tools["dbt_log"])
    assert json.loads(dbt["argv"][2]) == {"as_of_date": "2023-01-01", "stamp": "2023-01-01T10:30:00"}


def test_an_impossible_yaml_date_is_one_sentence(fake_tools):
    result = run_cli(fake_tools, "--vars", "{as_of_date: 2023-02-30}")
    assert result.returncode != 0
    assert result.stderr.strip() == (
        "segmentation build: the vars of VARS / --vars are not valid YAML (day is out of range for month)."
    )
    assert read_log(fake_tools["dbt_log"]) == []


def test_as_of_date_must_be_a_calendar_date(project):
    """dbt's own check (on-run-start), for vars given to dbt directly, as text or as a YAML date."""

    def check(dbt_vars: str) -> subprocess.CompletedProcess:
        return project.dbt("run-operation", None, "validate_vars", "--vars", dbt_vars)

    for bad in ("2023-02-30", "2023-02-29", "2023-04-31", "2023-13-01", "0000-01-01", "2023-1-5"):
        result = check(f'{{as_of_date: "{bad}"}}')
        assert result.returncode != 0, bad
        assert "as_of_date must be a calendar date written YYYY-MM-DD (or null" in result.stdout, bad
        assert f"got '{bad}'" in result.stdout
    for good in ('{as_of_date: "2024-02-29"}', "{as_of_date: 2023-12-31}"):  # text, then a YAML date
        result = check(good)
        assert result.returncode == 0, result.stdout[-3000:]
        assert "as_of_date must be" not in result.stdout


# ---------------------------------------------------------------------------------------------
# 8: a held warehouse stops the build with one sentence
# ---------------------------------------------------------------------------------------------


def test_a_connection_holding_the_warehouse_stops_the_build_with_one_sentence(fake_tools, tmp_path):
    database = tmp_path / "held.duckdb"
    with duckdb.connect(str(database)) as holder:
        holder.execute("create table t as select 1 as x")
        result = run_cli(fake_tools, SEGMENTS_DB=str(database))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"segmentation build: another build holds {database} (PID {os.getpid()}); nothing was built.\n"
    )
    assert read_log(fake_tools["dbt_log"]) == []


def test_a_running_build_stops_a_second_one_with_one_sentence(fake_tools):
    first = subprocess.Popen(
        [sys.executable, "-m", "segmentation.cli", "build", "--project-dir", str(fake_tools["project"])],
        env={**fake_tools["env"], "FAKE_DBT_SLEEP": "4"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not read_log(fake_tools["dbt_log"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    second = run_cli(fake_tools)
    first.communicate(timeout=60)
    assert first.returncode == 0
    assert second.returncode == 1
    assert second.stderr == (
        f"segmentation build: another build holds warehouse/segments.duckdb (PID {first.pid}); "
        "nothing was built.\n"
    )
    assert len(read_log(fake_tools["dbt_log"])) == 1
