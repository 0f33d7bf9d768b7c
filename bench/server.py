"""The language server's latency: from ``textDocument/didChange`` to the
``textDocument/publishDiagnostics`` of that version, on a file of about
1,000 lines from the benchmark corpus, for ``connlint server`` and
``ruff server`` in the same run.

    python bench/server.py [--edits 50] [--rounds 2] [--file PATH] [--out bench/results]

Each server is started in the corpus folder (its workspace folder), opens the
file, takes a few edits to warm up, then receives ``--edits`` edits split
over ``--rounds`` sessions that alternate between the two servers (connlint,
ruff, connlint, ruff, ...).  An edit is one typed character in a comment line
in the middle of the file (the file stays valid Python, so each edit is a
full check of the file); the next edit is sent 100 ms after the diagnostics
of the previous one arrive, as when typing.  The client is a minimal one
written here (stdio, Content-Length framing, a reader thread timestamping
each message as it arrives) that declares push diagnostics only, so both
servers push.  Writes ``server.md`` to the output folder and prints it.

The corpus and ruff come from ``bench/run.py`` (``~/.cache/connlint-bench``):
the corpus is built and ruff installed there if missing.  connlint runs from
this interpreter, which needs the server extra (``pip install -e ".[server]"``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import queue
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as bench  # noqa: E402  (bench/run.py: the corpus and the tools virtualenv)

#: A module of the corpus of about 1,000 lines that connlint analyses in full
#: (it imports a catalog library and its own package's modules).
DEFAULT_FILE = "pymongo/pymongo/synchronous/pool.py"
WARM_UP_EDITS = 5
PAUSE = 0.1  # seconds between an edit's diagnostics and the next edit
TIMEOUT = 60.0


class Client:
    """A language server over stdio, with every message it sends timestamped."""

    def __init__(self, command, cwd):
        self.process = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        self.messages: queue.Queue = queue.Queue()
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            body = stream.read(length)
            self.messages.put((time.perf_counter(), json.loads(body)))

    def send(self, message: dict) -> float:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        sent = time.perf_counter()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()
        return sent

    def request(self, method: str, params) -> dict:
        self._next_id += 1
        ident = self._next_id
        self.send({"id": ident, "method": method, "params": params})
        while True:
            _, message = self.wait(lambda m: m.get("id") == ident or "method" in m and "id" in m)
            if message.get("id") == ident and "method" not in message:
                return message.get("result")
            self.send({"id": message["id"], "result": None})  # a request of the server's: no answer to give

    def notify(self, method: str, params) -> float:
        return self.send({"method": method, "params": params})

    def wait(self, accept, timeout: float = TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from the server")
            received, message = self.messages.get(timeout=left)
            if "method" in message and "id" in message and not accept(message):
                self.send({"id": message["id"], "result": None})
                continue
            if accept(message):
                return received, message

    def diagnostics(self, uri: str, version: int):
        """(arrival time, diagnostics) of the publication for ``version``."""
        received, message = self.wait(
            lambda m: m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == uri and m["params"].get("version") in (version, None)
        )
        return received, message["params"]["diagnostics"]

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()
            self.process.wait()


def session(command, corpus: Path, path: Path, edits: int) -> dict:
    """One server, one file: (cold open latency, latency of each measured edit)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    middle = len(lines) // 2
    uri = path.as_uri()
    client = Client(command, corpus)
    try:
        started = time.perf_counter()
        result = client.request("initialize", {
            "processId": os.getpid(),
            "rootUri": corpus.as_uri(),
            "workspaceFolders": [{"uri": corpus.as_uri(), "name": corpus.name}],
            "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True}}},
        })
        client.notify("initialized", {})
        initialized = time.perf_counter() - started
        name = (result.get("serverInfo") or {}).get("name", command[0])
        sent = client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": text,
        }})
        received, found = client.diagnostics(uri, 1)
        opened = received - sent
        version, column = 1, 0
        latencies = []
        comment = "# typing here\n"
        version += 1
        client.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": middle, "character": 0},
                                          "end": {"line": middle, "character": 0}}, "text": comment}],
        })
        client.diagnostics(uri, version)
        column = len(comment) - 1
        for index in range(WARM_UP_EDITS + edits):
            time.sleep(PAUSE)
            version += 1
            character = "abcdefghijklmnopqrstuvwxyz"[index % 26]
            sent = client.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": {"line": middle, "character": column},
                                              "end": {"line": middle, "character": column}}, "text": character}],
            })
            received, _ = client.diagnostics(uri, version)
            column += 1
            if index >= WARM_UP_EDITS:
                latencies.append(received - sent)
        return {"name": name, "initialize": initialized, "open": opened, "latencies": latencies,
                "diagnostics": len(found)}
    finally:
        client.close()


def percentile(values, fraction: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def version_of(command) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=60).stdout.strip()
    except OSError:
        return "?"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--file", default=DEFAULT_FILE, help="relative to the corpus folder")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    if args.edits < args.rounds or args.rounds < 1:
        parser.error("--edits must be at least --rounds, and --rounds at least 1")

    corpus = bench.CACHE / "corpus" / "src"
    if not (corpus / args.file).is_file():
        corpus = bench.build_corpus()
    tools = bench.CACHE / "tools" / "bin"
    if not (tools / "ruff").exists():
        tools = bench.build_tools()
    path = corpus / args.file
    servers = {
        "connlint server": [sys.executable, "-m", "connlint", "server"],
        "ruff server": [str(tools / "ruff"), "server"],
    }
    versions = {
        "connlint server": version_of([sys.executable, "-m", "connlint", "--version"]),
        "ruff server": version_of([str(tools / "ruff"), "--version"]),
    }
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    per_round = [args.edits // args.rounds + (1 if i < args.edits % args.rounds else 0) for i in range(args.rounds)]
    results = {name: {"latencies": [], "open": [], "initialize": [], "diagnostics": None} for name in servers}
    for round_number, edits in enumerate(per_round, start=1):
        for name, command in servers.items():
            bench.log(f"round {round_number}/{args.rounds}: {name}, {edits} edits")
            found = session(command, corpus, path, edits)
            results[name]["latencies"].extend(found["latencies"])
            results[name]["open"].append(found["open"])
            results[name]["initialize"].append(found["initialize"])
            results[name]["diagnostics"] = found["diagnostics"]

    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    lines_in_file = len(path.read_text(encoding="utf-8").splitlines())
    rows = []
    for name, found in results.items():
        latencies = [1000 * value for value in found["latencies"]]
        rows.append(
            f"| {name} | {versions[name]} | {statistics.median(latencies):.1f} ms | {percentile(latencies, 0.95):.1f} ms "
            f"| {min(latencies):.1f} ms | {max(latencies):.1f} ms | {1000 * statistics.median(found['open']):.0f} ms "
            f"| {1000 * statistics.median(found['initialize']):.0f} ms | {found['diagnostics']} |"
        )
    connlint = statistics.median(results["connlint server"]["latencies"])
    ruff = statistics.median(results["ruff server"]["latencies"])
    text = "\n".join([
        "# Language server latency",
        "",
        f"`python bench/server.py --edits {args.edits} --rounds {args.rounds}`: from `didChange` to the "
        f"`publishDiagnostics` of that version, on `{args.file}` of the benchmark corpus ({lines_in_file} lines), "
        f"{args.edits} edits per server after {WARM_UP_EDITS + 1} warm-up edits in each session, "
        f"{args.rounds} sessions per server alternating between the servers. Each edit types one character "
        "in a comment line in the middle of the file (incremental sync); both servers push diagnostics "
        "(the client declares no pull support) and run with their default settings "
        "(connlint: every rule, the file's project being the corpus folder; ruff: its default rules). "
        "connlint analyses the whole file on every edit (it imports pymongo, a catalog library, so the "
        "prefilter lets it through) and finds nothing in it; ruff reports the diagnostics counted below.",
        "",
        "| server | version | median | p95 | min | max | open (cold) | initialize | diagnostics |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        f"connlint's median is {connlint / ruff:.1f}x ruff's. Machine: {os.cpu_count()} cores, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}; wall-clock times, "
        "measured in the client as each message arrives"
        + (f"; load average {load_before:.1f} before the run and {load_after:.1f} after it (other work "
           "shared the machine)." if load_before is not None else "."),
        "",
    ])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "server.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
