"""Helpers for the tests that go through the real `dagster dev` server and a real browser:
start and stop the server, talk GraphQL to it, drive headless Chromium from the command line.
Only the standard library: no HTTP client, no browser driver."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Telemetry off, and no "join the community" pop-up over the UI's pages (it hides the screenshot).
DAGSTER_YAML = "telemetry:\n  enabled: false\nnux:\n  enabled: false\n"

TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dagster_cli() -> list[str]:
    """The `dagster` of the interpreter running the tests (the project's venv)."""
    exe = Path(sys.executable).parent / "dagster"
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", "dagster"]


class GraphQLError(AssertionError):
    pass


@dataclass
class DagsterDev:
    """`dagster dev -w workspace.yaml` (webserver, daemon, code server) in its own process
    group, on 127.0.0.1 and a free port, with its own DAGSTER_HOME."""

    home: Path
    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> DagsterDev:
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "dagster.yaml").write_text(DAGSTER_YAML)
        env = {**os.environ, **self.env, "DAGSTER_HOME": str(self.home),
               "GX_ANALYTICS_ENABLED": "false", "PYTHONUNBUFFERED": "1"}
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            [*_dagster_cli(), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p",
             str(self.port)],
            cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"dagster dev exited with {self.proc.returncode}:\n"
                                     + self.log_tail())
            try:
                with urllib.request.urlopen(self.url + "/server_info", timeout=5) as r:
                    if r.status == 200 and "dagster_webserver_version" in json.load(r):
                        break
            except (OSError, ValueError):
                pass
            time.sleep(0.5)
        else:
            raise AssertionError(f"dagster dev not up after {timeout:.0f}s:\n" + self.log_tail())
        # The webserver answers before the code location has loaded: wait for the repository.
        while time.monotonic() < deadline:
            data = self.graphql(REPOSITORIES, check=False)
            repos = (data.get("data") or {}).get("repositoriesOrError") or {}
            if repos.get("nodes"):
                return
            time.sleep(0.5)
        raise AssertionError("code location did not load:\n" + self.log_tail())

    def stop(self, grace: float = 20) -> None:
        """SIGTERM to the whole group (dagster dev shuts its children down), SIGKILL what is
        left after `grace` seconds."""
        if self.proc is None:
            return
        pgid = self.proc.pid  # start_new_session: the group is the leader's pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(grace)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)  # whatever did not stop in time
        self.proc.wait(10)
        self._log.close()
        self.proc = None

    def log_tail(self, n: int = 6000) -> str:
        try:
            return self.log_path.read_bytes()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    # -- GraphQL -----------------------------------------------------------------------------

    def graphql(self, query: str, variables: dict | None = None, check: bool = True) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        req = urllib.request.Request(self.url + "/graphql", data=body,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                out = json.load(r)
        except urllib.error.HTTPError as e:
            out = {"errors": [{"message": f"HTTP {e.code}: {e.read()[:2000]!r}"}]}
        if check and out.get("errors"):
            raise GraphQLError(json.dumps(out["errors"], indent=1)[:4000])
        return out

    def repository(self, job: str) -> dict:
        """{"repositoryLocationName", "repositoryName"} of the repository that has `job`."""
        repos = self.graphql(REPOSITORIES)["data"]["repositoriesOrError"]
        assert repos["__typename"] == "RepositoryConnection", repos
        for r in repos["nodes"]:
            if job in {j["name"] for j in r["jobs"]}:
                return {"repositoryLocationName": r["location"]["name"],
                        "repositoryName": r["name"]}
        raise AssertionError(f"no repository has a job {job!r}: {repos}")

    def launch(self, job: str, run_config: dict | None = None) -> str:
        sel = {**self.repository(job), "jobName": job}
        res = self.graphql(LAUNCH_RUN, {"p": {"selector": sel, "runConfigData": run_config or {}}}
                           )["data"]["launchRun"]
        assert res["__typename"] == "LaunchRunSuccess", res
        return res["run"]["runId"]

    def launch_selection(self, assets: tuple[str, ...] = (),
                         checks: tuple[tuple[str, str], ...] = (),
                         run_config: dict | None = None, job: str = "curate") -> str:
        """What the UI's Materialize on some assets, or Execute on a check, sends: a run of the
        implicit asset job with only that selection (`checks`: (asset, check name) pairs)."""
        sel = {**self.repository(job), "jobName": ASSET_JOB,
               "assetSelection": [{"path": [a]} for a in assets],
               "assetCheckSelection": [{"assetKey": {"path": [a]}, "name": c} for a, c in checks]}
        res = self.graphql(LAUNCH_RUN, {"p": {"selector": sel, "runConfigData": run_config or {}}}
                           )["data"]["launchRun"]
        assert res["__typename"] == "LaunchRunSuccess", res
        return res["run"]["runId"]

    def asset_events(self, asset: str) -> dict[str, list[dict]]:
        """{"materializations": [...], "observations": [...]}, newest first, each as
        {"runId", "metadata": {label: value}}."""
        a = self.graphql(ASSET_EVENTS, {"k": {"path": [asset]}})["data"]["assetOrError"]
        assert a["__typename"] == "Asset", a
        return {kind: [{"runId": e["runId"], "metadata": metadata(e["metadataEntries"])}
                       for e in a[key]]
                for kind, key in (("materializations", "assetMaterializations"),
                                  ("observations", "assetObservations"))}

    def check_executions(self, asset: str, check: str) -> list[dict]:
        """Executions of an asset check, newest first: {"runId", "status", "passed",
        "metadata"}."""
        got = self.graphql(CHECK_EXECUTIONS, {"k": {"path": [asset]}, "c": check}
                           )["data"]["assetCheckExecutions"]
        return [{"runId": e["runId"], "status": e["status"],
                 "passed": (e["evaluation"] or {}).get("success"),
                 "metadata": metadata((e["evaluation"] or {}).get("metadataEntries") or [])}
                for e in got]

    def run(self, run_id: str) -> dict:
        r = self.graphql(RUN, {"id": run_id})["data"]["runOrError"]
        assert r["__typename"] == "Run", r
        return r

    def wait_run(self, run_id: str, timeout: float = 240) -> dict:
        """Poll until the run ends; fail with the step errors when it did not succeed."""
        deadline = time.monotonic() + timeout
        while True:
            r = self.run(run_id)
            if r["status"] in TERMINAL:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"run {run_id} still {r['status']} after {timeout:.0f}s:\n"
                                     + self.log_tail())
            time.sleep(1)
        if r["status"] != "SUCCESS":
            raise AssertionError(f"run {run_id} ended {r['status']}:\n" + self.run_errors(run_id))
        return r

    def run_errors(self, run_id: str) -> str:
        ev = self.graphql(RUN_ERRORS, {"id": run_id}, check=False)
        events = ((ev.get("data") or {}).get("logsForRun") or {}).get("events") or []
        lines = []
        for e in events:
            err = e.get("error")
            if err:
                lines.append(f"{e.get('stepKey')}: {err['message']}")
                cause = err.get("cause")
                if cause:
                    lines.append("  caused by " + cause["message"] + "".join(cause["stack"][-3:]))
        return "\n".join(lines) or json.dumps(ev)[:4000]


ASSET_JOB = "__ASSET_JOB"  # the implicit job the UI launches for a selection of assets/checks

_ENTRY = """metadataEntries { label __typename
    ... on UrlMetadataEntry { url } ... on PathMetadataEntry { path }
    ... on IntMetadataEntry { intValue } ... on FloatMetadataEntry { floatValue }
    ... on TextMetadataEntry { text } ... on BoolMetadataEntry { boolValue }
    ... on JsonMetadataEntry { jsonString } }"""

ASSET_EVENTS = """
query Events($k: AssetKeyInput!) {
  assetOrError(assetKey: $k) {
    __typename
    ... on Asset { assetMaterializations(limit: 100) { runId ENTRY }
                   assetObservations(limit: 100) { runId ENTRY } } } }""".replace("ENTRY", _ENTRY)

CHECK_EXECUTIONS = """
query Checks($k: AssetKeyInput!, $c: String!) {
  assetCheckExecutions(assetKey: $k, checkName: $c, limit: 20) {
    runId status evaluation { success ENTRY } } }""".replace("ENTRY", _ENTRY)


def metadata(entries: list[dict]) -> dict[str, object]:
    """GraphQL metadata entries as {label: value} (JSON parsed; tables and schemas as their
    type name)."""
    out: dict[str, object] = {}
    for e in entries:
        for key in ("url", "path", "intValue", "floatValue", "text", "boolValue"):
            if key in e:
                out[e["label"]] = e[key]
                break
        else:
            out[e["label"]] = (json.loads(e["jsonString"]) if "jsonString" in e
                               else e["__typename"])
    return out


REPOSITORIES = """
{ repositoriesOrError {
    __typename
    ... on RepositoryConnection { nodes { name location { name } jobs { name }
                                          sensors { name minIntervalSeconds } } }
    ... on PythonError { message } } }"""

LAUNCH_RUN = """
mutation Launch($p: ExecutionParams!) {
  launchRun(executionParams: $p) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on PythonError { message stack }
    ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on UnauthorizedError { message }
    ... on PipelineNotFoundError { message }
  } }"""

RUN = """
query Run($id: ID!) {
  runOrError(runId: $id) {
    __typename
    ... on Run { runId jobName status tags { key value }
                 stepStats { stepKey status } }
    ... on RunNotFoundError { message }
    ... on PythonError { message } } }"""

RUN_ERRORS = """
query Errors($id: ID!) {
  logsForRun(runId: $id) {
    ... on EventConnection { events {
      __typename
      ... on ExecutionStepFailureEvent { stepKey error { message cause { message stack } } }
      ... on RunFailureEvent { error { message cause { message stack } } } } } } }"""


# -- Chromium ---------------------------------------------------------------------------------

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium(binary: str, url: str, profile: Path, *, dump_dom: bool = False,
             screenshot: Path | None = None, budget_ms: int = 15000,
             size: tuple[int, int] = (1400, 900), timeout: float = 90) -> str:
    """Headless Chromium on `url`: let the page run `budget_ms` of virtual time, then print its
    DOM (returned) or save a PNG. A fresh profile each call; no network but the URL's."""
    profile.mkdir(parents=True, exist_ok=True)
    args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
            f"--window-size={size[0]},{size[1]}", "--hide-scrollbars",
            f"--virtual-time-budget={budget_ms}"]
    if dump_dom:
        args.append("--dump-dom")
    if screenshot is not None:
        args.append(f"--screenshot={screenshot}")
    p = subprocess.Popen([*args, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)  # the browser and its renderer/GPU/zygote children
        p.communicate()
        raise AssertionError(f"chromium did not finish {url} in {timeout:.0f}s") from None
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)  # helpers that outlived the browser, if any
    if p.returncode != 0:
        raise AssertionError(f"chromium exited {p.returncode}: "
                             + err.decode("utf-8", "replace")[-3000:])
    return out.decode("utf-8", "replace")


def visible_text(dom: str) -> list[str]:
    """The text nodes of a dumped DOM, in order, without scripts and styles."""
    import html
    import re

    dom = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", " ", dom, flags=re.S | re.I)
    parts = re.split(r"<[^>]+>", dom)
    return [t for t in (html.unescape(p).strip() for p in parts) if t]
