"""The GraphQL-over-HTTP audit suite (npm ``graphql-http``) against the live server:
every MUST and every SHOULD audit passes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.api.conftest import Live

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "graphql-http@1.23.1"
PREFIX = ROOT / ".cache" / "npm-audit"


@pytest.fixture(scope="session")
def audit_script() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are needed for the GraphQL-over-HTTP audit", pytrace=False)
    if not (PREFIX / "node_modules" / "graphql-http").exists():
        PREFIX.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(PREFIX), PACKAGE],
                       check=True, capture_output=True, timeout=300)
    script = PREFIX / "audit.mjs"
    shutil.copy(ROOT / "tests" / "api" / "audit.mjs", script)
    return script


def test_graphql_over_http_audits(live: Live, audit_script: Path) -> None:
    proc = subprocess.run(["node", str(audit_script), live.url], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    assert len(results) > 50
    failed = [r for r in results if r["status"] != "ok" and r["name"].startswith(("MUST", "SHOULD"))]
    assert not failed, json.dumps(failed, indent=1)
