"""The action's lock has no charset detector for requests (charset_normalizer, chardet).

The development venv has one (the test tools pull it in), so these tests run the client and
redispatch in a fresh interpreter where both are blocked, with every warning an error, against
a real server on 127.0.0.1.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.actions import TOKEN, ActionsEnv, parse_outputs

SRC = Path(__file__).resolve().parent.parent / "src"
REPO = "octo-org/octo-repo"

# Blocked modules raise ImportError on import, as when they are not installed.
PRELUDE = """
import sys
sys.modules["charset_normalizer"] = None
sys.modules["chardet"] = None
"""

# After the run: requests really ran without a detector.
CHECK = """
import requests.compat
assert requests.compat.chardet is None, requests.compat.chardet
"""

CLIENT = """
import json
from autoheal.github.client import GitHub
from autoheal.github.errors import ServerError
gh = GitHub(sys.argv[1], api_url=sys.argv[2], max_retries=0)
repo = gh.get_repo("octo-org/octo-repo")
try:
    gh.get_repo("octo-org/gone")
except ServerError as exc:
    missing = str(exc)
print(json.dumps({"repo": repo, "missing": missing}))
"""

MAIN = """
from autoheal.cli import main
code = main([])
if code:
    sys.exit(code)
"""


def run_python(code: str, *args: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-c", PRELUDE + code + CHECK, *args],
        capture_output=True,
        text=True,
        env={**(env or {}), "PYTHONPATH": str(SRC), "PYTHONWARNINGS": "error"},
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Warning" not in proc.stderr, proc.stderr
    return proc.stdout


def test_client_decodes_json_and_error_text_without_a_detector(httpserver: HTTPServer) -> None:
    body = {"full_name": REPO, "description": "Grüße ✓ 日本"}
    # GitHub's JSON carries no charset parameter; requests reads application/json as UTF-8.
    httpserver.expect_request(f"/repos/{REPO}").respond_with_response(
        Response(json.dumps(body, ensure_ascii=False).encode(), content_type="application/json")
    )
    # An answer whose type implies no charset (text/* means Latin-1 to requests, JSON UTF-8):
    # the one case where requests asks a detector; without one it reads UTF-8.
    httpserver.expect_request("/repos/octo-org/gone").respond_with_response(
        Response("Überlastet – ✗".encode(), status=502, content_type="application/octet-stream")
    )

    out = json.loads(run_python(CLIENT, TOKEN, httpserver.url_for("/").rstrip("/")))

    assert out["repo"] == body
    assert "502 Überlastet – ✗" in out["missing"]


def test_redispatch_runs_without_a_detector(actions: ActionsEnv, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(f"/repos/{REPO}/dispatches", method="POST").respond_with_data(
        "", status=204
    )
    actions.inputs(mode="redispatch", token=TOKEN)
    actions.env["GITHUB_API_URL"] = httpserver.url_for("/").rstrip("/")

    run_python(MAIN, env=actions.env)

    assert len(httpserver.log) == 1
    assert parse_outputs(actions.output)["status"] == "DISPATCHED"
