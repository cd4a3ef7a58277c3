"""The benchmark's quick path, on a reduced data set."""

import json

import pytest

from implicit_optimum import benchmark
from implicit_optimum.bench_methods import METHODS

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

RECORD_KEYS = {
    "problem", "d", "p", "order", "mode", "method", "seconds", "repeats",
    "max_rel_diff", "g_evals", "solves", "factorizations",
}  # fmt: skip


def test_quick_run_writes_json_and_plot(tmp_path, capsys):
    json_path, plot_path = tmp_path / "result.json", tmp_path / "result.png"
    exit_code = benchmark.main(
        [
            "--quick", "--rows", "60", "--orders", "1-2", "--budget", "0",
            "--min-repeats", "1", "--no-progress",
            "--json", str(json_path), "--plot", str(plot_path),
        ]
    )  # fmt: skip
    assert exit_code == 0
    output = json.loads(json_path.read_text())
    assert set(output) == {"machine", "versions", "records"}
    records = output["records"]
    assert {record["problem"] for record in records} == {"quintic", "logistic_weights"}
    for record in records:
        assert RECORD_KEYS <= set(record)
        assert record["seconds"] > 0
        assert record["method"] in METHODS
        if record["max_rel_diff"] is not None:
            assert record["max_rel_diff"] < 1e-8, record
    methods = {(record["method"], record["mode"]) for record in records}
    assert ("primitive", "reverse") in methods
    assert ("taylor", "forward") in methods
    assert plot_path.stat().st_size > 0
    printed = capsys.readouterr().out
    assert "x primitive" in printed
    assert "Ratios on logistic_weights" in printed


def test_invalid_problem_name_is_rejected(capsys):
    with pytest.raises(SystemExit):
        benchmark.main(["--problems", "cubic"])
    assert "unknown name(s) ['cubic']" in capsys.readouterr().err


def test_parse_orders():
    assert benchmark.parse_orders("1-3,5") == [1, 2, 3, 5]
