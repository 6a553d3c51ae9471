#!/usr/bin/env python3
"""Builds the seed corpora fuzz/corpus/<target>/ from the repository's fixtures and specs and
from ../shared/corpus (the peers' test inputs). Run from anywhere; rerunning replaces them.

Each target's seeds match the shape its entry function reads (fuzz/src/entries.rs): the vamp
target's first byte picks the Vamp kind, krakend's first byte the format, render's first byte
the mode; the grammar targets get the scalars found in the documents plus the peers' vectors.
"""

import hashlib
import os
import pathlib
import re
import shutil
import sys

FUZZ = pathlib.Path(__file__).resolve().parent
REPO = FUZZ.parent
SHARED = pathlib.Path(os.environ.get("REHEARSE_SHARED", REPO.parent / "shared"))
CORPUS = FUZZ / "corpus"

# VampKind::ALL order (src/dialect/mod.rs).
VAMP_KINDS = ["breed", "blueprint", "deployment", "gateway", "workflow", "scale", "sla",
              "escalation", "condition"]
MAX_SEED_BYTES = 64 * 1024
MAX_SCALARS = 3000


def files(root, suffixes):
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in suffixes)


def vamp_kind(text):
    """The index of the Vamp kind rehearse's detection would pick (dialect/detect.rs)."""
    m = re.search(r"^kind:\s*['\"]?(\w+)", text, re.M)
    if m and m.group(1).lower().rstrip("s") in VAMP_KINDS:
        return VAMP_KINDS.index(m.group(1).lower().rstrip("s"))
    keys = set(re.findall(r"^(\w+):", text, re.M))
    for key, kind in [("clusters", "blueprint"), ("deployable", "breed"),
                      ("schedule", "workflow"), ("routes", "gateway"), ("cpu", "scale"),
                      ("threshold", "sla")]:
        if key in keys:
            return VAMP_KINDS.index(kind)
    return VAMP_KINDS.index("blueprint")


def scalars(text):
    """Values of `key: value` lines and list items, unquoted; JSON string values."""
    found = []
    for m in re.finditer(r"^\s*(?:-\s*)?[\w.$/-]+\s*:\s*(.+?)\s*$", text, re.M):
        found.append(m.group(1))
    for m in re.finditer(r'"((?:[^"\\]|\\.)*)"', text):
        found.append(m.group(1))
    out = []
    for s in found:
        if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
            s = s[1:-1]
        if s and len(s) < 300:
            out.append(s)
    return out


def tsv_column(path, column):
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) > column:
            out.append(cells[column])
    return out[1:]  # header row


def shrink_scenario(text):
    """A scenario small enough for the run target's budget (entries.rs `tiny`)."""
    text = re.sub(r"^duration:.*$", "duration: 5s", text, flags=re.M)
    text = re.sub(r"rate:\s*\d+/s", "rate: 20/s", text)
    text = re.sub(r"clients:\s*\d+", "clients: 4", text)
    return text


class Writer:
    def __init__(self):
        self.counts = {}

    def add(self, target, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        if len(data) > MAX_SEED_BYTES:
            return
        folder = CORPUS / target
        folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha1(data).hexdigest()
        path = folder / name
        if not path.exists():
            path.write_bytes(data)
            self.counts[target] = self.counts.get(target, 0) + 1


def main():
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    if not SHARED.is_dir():
        print(f"note: {SHARED} is absent; seeding from the repository only", file=sys.stderr)
    w = Writer()
    yaml_files = (files(REPO / "fixtures", {".yaml", ".yml"})
                  + files(REPO / "specs", {".yaml", ".yml"})
                  + files(SHARED / "corpus", {".yaml", ".yml"}))
    json_files = (files(REPO / "fixtures", {".json"})
                  + files(SHARED / "corpus", {".json"}))
    texts = {p: p.read_bytes() for p in yaml_files + json_files}

    all_scalars = []
    for p in yaml_files:
        data = texts[p]
        w.add("yaml", data)
        w.add("render", b"\x00" + data)
        text = data.decode("utf-8", "replace")
        all_scalars += scalars(text)
        parts = p.parts
        if "vamp" in parts or "sava" in parts:
            w.add("vamp", bytes([vamp_kind(text)]) + data)
        if "cloudify" in parts:
            w.add("cloudify", data)
        if "krakend" in parts:
            w.add("krakend", b"\x01" + data)
        if re.search(r"^kind:\s*scenario", text, re.M):
            w.add("scenario", data)
    for p in json_files:
        data = texts[p]
        w.add("json", data)
        w.add("yaml", data)
        all_scalars += scalars(data.decode("utf-8", "replace"))
        if "krakend" in p.parts:
            w.add("krakend", b"\x00" + data)

    # Whole projects for `run`: every spec of specs/<project> with one of its scenarios,
    # shrunk to the run budget, and each fixture scenario on its own.
    for project in sorted((REPO / "specs").glob("*")):
        docs = {p: p.read_text(encoding="utf-8") for p in files(project, {".yml", ".yaml"})}
        scenarios = [p for p, t in docs.items() if re.search(r"^kind:\s*scenario", t, re.M)]
        rest = "\n---\n".join(t for p, t in docs.items() if p not in scenarios)
        for s in scenarios:
            w.add("run", rest + "\n---\n" + docs[s])
            w.add("run", rest + "\n---\n" + shrink_scenario(docs[s]))
    for p in files(REPO / "fixtures" / "sim", {".yaml", ".yml"}):
        w.add("run", texts[p])
        w.add("run", shrink_scenario(texts[p].decode("utf-8", "replace")))

    # Grammar targets: the scalars of every document, plus the peers' own vectors.
    unique = sorted(set(all_scalars))
    step = max(1, len(unique) // MAX_SCALARS)
    sample = unique[::step]
    conditions = tsv_column(SHARED / "corpus/vamp/CONDITIONS.tsv", 1)
    units = tsv_column(SHARED / "corpus/vamp/UNITS.tsv", 1)
    for s in sample:
        for target in ["units", "iso8601", "value", "url_pattern", "expr", "condition"]:
            w.add(target, s)
    for s in conditions:
        w.add("condition", s.strip("<>"))
    for s in units:
        w.add("units", s)
    for s in ["P1Y2M10DT2H30M", "PT0.5S", "R5/2026-03-01T00:00:00Z/PT1H",
              "2026-03-01T00:00:00+01:00", "now", "R", "R12"]:
        w.add("iso8601", s)
    for s in ["request.headers['x'] == 'y' && size(a) > 3", "duration('5s') < timestamp(x)",
              "!(a || b) ? 1 : 2.5e3", "has(req.x) in [1, 2u, b'q']"]:
        w.add("expr", s)
    for s in ["/users/{id}", "/a/{resp0_x.y}/{JWT.sub}", "{{x}}", "/{a}{b}/c?d={e}"]:
        w.add("url_pattern", s)
    # The arbitrary-diagnostic mode of `render`: a few programs, one with a long line.
    w.add("render", b"\x01\x03\x02\x10\x00" + b"abc\xc3\xa9\n" * 2 + b"x" * 8)
    w.add("render", b"\x01\x01\xff\x00\x10" + b"y" * 4096 + b"\x05a.txt\x0a\x00\x00\x01\x00")

    for target in sorted(w.counts):
        print(f"{target}: {w.counts[target]} seeds")


if __name__ == "__main__":
    main()
