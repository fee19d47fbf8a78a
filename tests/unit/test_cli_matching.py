"""graphsvc suggest / match / evaluate at the command line, on a small planted demo."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from graphsvc.cli import app
from graphsvc.model import Label
from graphsvc.store import open_store


def test_demo_with_planted_pairs_then_suggest_match_accept_and_evaluate(tmp_path: Path) -> None:
    runner = CliRunner()
    uri = f"sqlite:///{tmp_path}/d.db"
    answers = tmp_path / "answers.jsonl"
    made = runner.invoke(app, ["demo", "--people", "400", "--plant", "0.5", "--answers", str(answers), "--store", uri, "--no-serve"])
    assert made.exit_code == 0, made.output
    pairs = [json.loads(line) for line in answers.read_text(encoding="utf-8").splitlines()]
    assert pairs and all({"newcomer", "mentor", "factors"} <= set(p) for p in pairs)

    shown = runner.invoke(app, ["suggest", pairs[0]["newcomer"], "--store", uri], env={"COLUMNS": "250"})
    assert shown.exit_code == 0 and "score" in shown.output, shown.output
    nobody = runner.invoke(app, ["suggest", "no-such-person", "--store", uri])
    assert nobody.exit_code == 1 and "Traceback" not in nobody.output

    proposed = runner.invoke(app, ["match", "--store", uri, "--out", str(tmp_path / "p.json")], env={"COLUMNS": "250"})
    assert proposed.exit_code == 0, proposed.output
    summary = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))["summary"]
    assert summary["matched"] > 0
    with open_store(uri) as store:
        assert store.count_nodes(Label.MENTORSHIP) == 0  # a proposal only
    accepted = runner.invoke(app, ["match", "--store", uri, "--accept"], env={"COLUMNS": "250"})
    assert accepted.exit_code == 0 and "accepted" in accepted.output, accepted.output
    with open_store(uri) as store:
        assert store.count_nodes(Label.MENTORSHIP) == summary["matched"]

    scored = runner.invoke(app, ["evaluate", str(answers), "--store", uri], env={"COLUMNS": "250"})
    assert scored.exit_code == 0 and "precision@5" in scored.output and "shared-interest Jaccard" in scored.output, scored.output
