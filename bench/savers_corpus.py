"""Generate the token-saver corpus by running real tools, and the facts each sample must keep.

Run: .venv/bin/python -m bench.savers_corpus [--out DIR]

Writes DIR/<id>.txt (the tool's output exactly as an agent's shell tool would return it: stdout and
stderr merged) and DIR/manifest.json: per sample its kind, the command line, whether the command
failed (an error result), and `facts`, strings that must still appear in the compressed text. The
facts are extracted here from the output with the rules written next to each sample (hunk headers,
file paths, failing test names and their assertion lines, error lines, …), never typed by hand.

Sources: this repository's own history (git diff/show/log, grep/rg), a copy of the installed aiohttp
package put under git (status, find/fd, ls, tree), a small pytest suite and Rust crates
with deliberate failures written to a temp dir, gcc on a C file with errors, `pip install --dry-run`
and `npm install` (at `--loglevel=http`, as CI logs show it) against the package registries (pip's and
npm's caches make reruns fast), `npm ls --all --json` for large JSON, tsc and jest on a small project, and the access log of a local `python -m http.server` for repeated lines.

Needs: git, rg, fd (fdfind), tree, gcc, cargo, npm; a missing tool skips its samples with a note.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "data" / "savers_corpus"
SITE = Path(next(p for p in sys.path if p.endswith("site-packages")))
# Fixed commits of this repository, so the git samples do not change as the history grows.
SHOW_COMMIT = "1da157f"  # "Formats: shared modules for what the four adapters repeated"
DIFF_RANGE = ("c736b31", "5b2ece0")
LOG_HEAD = "ed5dab8"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Corpus",
    "GIT_AUTHOR_EMAIL": "corpus@example.invalid",
    "GIT_COMMITTER_NAME": "Corpus",
    "GIT_COMMITTER_EMAIL": "corpus@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_PAGER": "cat",
    "LC_ALL": "C.UTF-8",
}


@dataclass(frozen=True)
class Sample:
    id: str
    kind: str
    command: str
    output: str
    failed: bool
    rule: Callable[[str], list[str]]  # extracts the facts from the output

    @property
    def facts(self) -> list[str]:
        return self.rule(self.output)


def run(command: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[str, int]:
    """The command's stdout and stderr merged, as a shell tool returns them, and its exit code."""
    done = subprocess.run(
        command,
        shell=True,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, **GIT_ENV, "NO_COLOR": "1", "TERM": "dumb", **(env or {})},
        check=False,
    )
    return done.stdout.decode("utf-8", "replace"), done.returncode


def unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


# --------------------------------------------------------------------------- fact extractors


def diff_facts(text: str) -> list[str]:
    """Every file header and hunk header; the commit ids of git show/log -p."""
    facts = re.findall(r"^diff --git .*$", text, re.M) + re.findall(r"^@@ .*$", text, re.M)
    facts += [sha[:12] for sha in re.findall(r"^commit ([0-9a-f]{40})", text, re.M)]
    return unique(facts)


def log_facts(text: str) -> list[str]:
    """Each commit's id (12 characters) and subject line."""
    facts = []
    for block in re.split(r"^(?=commit [0-9a-f]{40})", text, flags=re.M):
        sha = re.match(r"commit ([0-9a-f]{40})", block)
        subject = re.search(r"^    (\S.*)$", block, re.M)
        if sha and subject:
            facts += [sha.group(1)[:12], subject.group(1).strip()]
    return unique(facts)


def status_facts(text: str) -> list[str]:
    """The branch line and every listed path."""
    facts = re.findall(r"^On branch \S+", text, re.M)
    facts += [m.split(":", 1)[-1].strip() for m in re.findall(r"^\t(.+)$", text, re.M)]
    return unique(facts)


def grep_facts(text: str) -> list[str]:
    """Every file with a match, and each file's first match as `line: text` (indentation aside)."""
    facts = []
    for path, line, match in re.findall(r"^([^\s:][^:]*):(\d+):(.*)$", text, re.M):
        if path not in facts:
            facts += [path, f"{line}: {match.strip()[:80]}"]
    return unique(facts)


NOISE = ("__pycache__", ".git", "node_modules")


def path_facts(text: str) -> list[str]:
    """Every directory and file name outside __pycache__/.git (whose contents are collapsed by design)."""
    facts = []
    for line in text.splitlines():
        path = line.strip().rstrip("/")
        if not path or any(part in NOISE for part in path.split("/")[:-1]):
            continue
        facts.append(path.rsplit("/", 1)[-1])
    return unique(facts)


def ls_facts(text: str) -> list[str]:
    """Every entry name (the last field of each ls -l line), except . and .."""
    names = [line.split()[-1] for line in text.splitlines()[1:] if len(line.split()) >= 9]
    return unique([name for name in names if name not in (".", "..")])


def tree_facts(text: str) -> list[str]:
    """Every name in the tree outside __pycache__ and the closing count."""
    facts, skip_depth = [], None
    for line in text.splitlines():
        match = re.match(r"^((?:│\s{3}|\s{4})*)(?:├──|└──) (.*)$", line)
        if not match:
            if re.match(r"^\d+ director", line):
                facts.append(line.strip())
            continue
        depth = len(match.group(1)) // 4
        if skip_depth is not None and depth > skip_depth:
            continue
        skip_depth = depth if match.group(2) in NOISE else None
        facts.append(match.group(2))
    return unique(facts)


def pytest_facts(text: str) -> list[str]:
    """Failing test ids (short summary), the first assertion line of each failure, each failure's
    location line, the final count line."""
    facts = re.findall(r"^(?:FAILED|ERROR) (\S+)", text, re.M)
    for block in re.split(r"^_{3,} .* _{3,}$", text, flags=re.M)[1:]:
        first_e = re.search(r"^E\s+(.*\S)", block, re.M)
        if first_e:
            facts.append(first_e.group(1)[:120])
        facts += re.findall(r"^(\S+\.py:\d+): \w", block, re.M)
    facts += [line.strip("= ") for line in re.findall(r"^=+ .*(?:passed|failed).* =+$", text, re.M)]
    return unique(facts)


def cargo_test_facts(text: str) -> list[str]:
    facts = re.findall(r"^test (\S+) \.\.\. FAILED$", text, re.M)
    facts += re.findall(r"panicked at (\S+:\d+:\d+)", text)
    facts += re.findall(r"^(test result: .*)$", text, re.M)
    return unique(facts)


def compiler_facts(text: str) -> list[str]:
    """Every diagnostic line (gcc/clang `file:line:col: error: …`, tsc `file(l,c): error TS…`, rustc
    `error[E…]: …`) and every rustc location (`--> file:line:col`)."""
    facts = re.findall(r"^\S+:\d+:\d+: (?:fatal )?(?:error|warning): .*$", text, re.M)
    facts += re.findall(r"^\S+\(\d+,\d+\): error TS\d+: .*$", text, re.M)
    facts += re.findall(r"^(?:error|warning)(?:\[E\d+\])?: .*$", text, re.M)
    facts += [m.strip() for m in re.findall(r"^\s*--> (\S+)$", text, re.M)]
    facts += re.findall(r"^make: \*\*\* .*$", text, re.M)
    return unique(facts)


def pip_facts(text: str) -> list[str]:
    facts = []
    for line in re.findall(r"^(?:Would install|Successfully installed) (.*)$", text, re.M):
        facts += line.split()
    facts += re.findall(r"^(?:ERROR|WARNING): .*$", text, re.M)
    return unique(facts)


def npm_facts(text: str) -> list[str]:
    facts = re.findall(r"^(added \d+ packages?.*)$", text, re.M)
    facts += re.findall(r"^(found \d+ vulnerabilit.*)$", text, re.M)
    facts += re.findall(r"^npm (?:ERR!|error) .*$", text, re.M)
    facts += re.findall(r"^npm warn deprecated (\S+):", text, re.M)
    return unique(facts)


def jest_facts(text: str) -> list[str]:
    # \u203a is the angle quote jest writes between describe and test names.
    facts = [m.strip() for m in re.findall("^\\s*● (.*\u203a.*)$", text, re.M)]
    facts += re.findall(r"^\s*(Tests:.*)$", text, re.M)
    facts += re.findall(r"^\s*(Expected.*|Received.*)$", text, re.M)
    facts += re.findall(r"^FAIL (\S+)", text, re.M)
    return unique([fact.strip() for fact in facts])


def json_facts(text: str) -> list[str]:
    """Every object key, at any depth (as `"key"`)."""
    keys: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                keys.append(f'"{key}"')
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(orjson.loads(text))
    return unique(keys)


def access_log_facts(text: str) -> list[str]:
    """Each distinct request line and status, digits ignored: the first of each kind must remain."""
    seen, facts = set(), []
    for request, status in re.findall(r'"(\w+ \S+ HTTP/[\d.]+)" (\d{3})', text):
        shape = re.sub(r"\d+", "#", request) + status
        if shape not in seen:
            seen.add(shape)
            facts.append(f'"{request}" {status}')
    return facts


# --------------------------------------------------------------------------- generators


def git_samples(tmp: Path) -> list[Sample]:
    samples = []
    show = f"git show {SHOW_COMMIT}"
    text, _ = run(show, ROOT)
    samples.append(Sample("git-show", "git-diff", show, text, False, diff_facts))
    diff = f"git diff {DIFF_RANGE[0]} {DIFF_RANGE[1]} -- app"
    text, _ = run(diff, ROOT)
    samples.append(Sample("git-diff", "git-diff", diff, text, False, diff_facts))
    logp = f"git log -p -4 {LOG_HEAD} -- app/routing app/resilience"
    text, _ = run(logp, ROOT)
    samples.append(Sample("git-log-patch", "git-diff", logp, text, False, diff_facts))
    log = f"git log -n 40 {LOG_HEAD}"
    text, _ = run(log, ROOT)
    samples.append(Sample("git-log", "git-log", log, text, False, log_facts))

    repo = tmp / "aiohttp-repo"
    shutil.copytree(SITE / "aiohttp", repo / "aiohttp", ignore=shutil.ignore_patterns("*.so"))
    run("git init -q -b main . && git add -A && git commit -q -m 'aiohttp as installed'", repo)
    package = repo / "aiohttp"
    for name in ("client.py", "web_request.py", "helpers.py", "connector.py", "streams.py"):
        path = package / name
        path.write_text(path.read_text() + "\n# edited\n")
    for name in ("tracing.py", "worker.py"):
        (package / name).unlink()
    for name in ("retry.py", "limits.py", "notes.md"):
        (package / name).write_text("x = 1\n")
    (package / "experimental").mkdir()
    (package / "experimental" / "pool.py").write_text("y = 2\n")
    run("git add aiohttp/client.py aiohttp/retry.py aiohttp/tracing.py", repo)
    text, _ = run("git status", repo)
    samples.append(Sample("git-status", "git-status", "git status", text, False, status_facts))
    return samples


def search_samples(tmp: Path) -> list[Sample]:
    samples = []
    cmd = "grep -rn 'def ' app/formats/anthropic"
    text, _ = run(cmd, ROOT)
    samples.append(Sample("grep", "grep", cmd, text, False, grep_facts))
    if shutil.which("rg"):
        cmd = "rg -n --sort path 'async def|await ' app/gateway app/routing"
        text, _ = run(cmd, ROOT)
        samples.append(Sample("rg", "grep", cmd, text, False, grep_facts))
    aiohttp = tmp / "aiohttp-repo"
    cmd = "find . | sort"
    text, _ = run(cmd, aiohttp)
    samples.append(Sample("find", "find", cmd, text, False, path_facts))
    fd = shutil.which("fd") or shutil.which("fdfind")
    if fd:
        cmd = f"{Path(fd).name} --no-ignore --exclude .git . | sort"
        text, _ = run(cmd, aiohttp)
        samples.append(Sample("fd", "find", cmd, text, False, path_facts))
    cmd = "ls -la aiohttp"
    text, _ = run(cmd, aiohttp)
    samples.append(Sample("ls", "ls", cmd, text, False, ls_facts))
    if shutil.which("tree"):
        cmd = "tree -a --charset utf-8 -I .git"
        text, _ = run(cmd, aiohttp)
        samples.append(Sample("tree", "tree", cmd, text, False, tree_facts))
    return samples


PYTEST_SUITE = {
    "test_math.py": """
        import pytest

        def add(a, b):
            return a + b

        @pytest.mark.parametrize("a,b,want", [(1, 2, 3), (2, 2, 4), (2, 3, 6), (10, -1, 9), (0, 0, 1)])
        def test_add(a, b, want):
            assert add(a, b) == want

        def test_divide_by_zero():
            numbers = [1, 2, 3]
            total = sum(numbers)
            assert total / (len(numbers) - 3) == 2
    """,
    "test_config.py": """
        import warnings

        def load(text):
            warnings.warn("load() will require a schema", DeprecationWarning)
            return dict(line.split("=", 1) for line in text.splitlines() if line)

        def test_load_keys():
            got = load("host=localhost\\nport=8080\\nmode=fast\\n")
            assert got == {"host": "localhost", "port": "8080", "mode": "safe", "retries": "3"}

        def test_load_empty():
            assert load("") == {}

        def test_load_prints(capsys):
            print("loading config from /etc/app.conf")
            assert load("a=1")["a"] == 2
    """,
    "test_strings.py": "\n".join(
        [f"def test_upper_{i}():\n    assert 'abc{i}'.upper() == 'ABC{i}'\n" for i in range(40)]
        + ["def test_title():\n    assert 'hello world'.title() == 'Hello world'\n"]
    ),
}


def pytest_samples(tmp: Path) -> list[Sample]:
    suite = tmp / "suite"
    (suite / "tests").mkdir(parents=True)
    for name, source in PYTEST_SUITE.items():
        (suite / "tests" / name).write_text(textwrap.dedent(source))
    (suite / "pytest.ini").write_text("[pytest]\n")
    samples = []
    python = sys.executable
    for sample_id, flags in (("pytest", ""), ("pytest-verbose", "-v")):
        cmd = f"python -m pytest {flags} -p no:cacheprovider tests".replace("  ", " ")
        # No plugins of this venv (asyncio, hypothesis, qt): the suite stands for someone else's project.
        text, code = run(
            f"{python} -m pytest {flags} -p no:cacheprovider tests",
            suite,
            {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        )
        samples.append(Sample(sample_id, "pytest", cmd, text, code != 0, pytest_facts))
    return samples


CARGO_LIB = """
pub fn parse_port(text: &str) -> Option<u16> {
    text.trim().parse().ok()
}

pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
%s
    #[test]
    fn port_rejects_words() {
        assert_eq!(parse_port("http"), Some(80));
    }

    #[test]
    fn mean_of_nothing() {
        let m = mean(&[]);
        assert!(m == 0.0, "mean of an empty slice was {m}");
    }
}
"""
CARGO_BAD = """
fn total(values: &[u32]) -> u32 {
    let mut sum = 0;
    for v in values {
        sum += v
    }
    sum
}

fn main() {
    let count: u32 = "3";
    let name = String::from("x");
    let moved = name;
    println!("{} {}", name, total(&[1, 2]) + count + undefined_value);
}
"""


def cargo_samples(tmp: Path) -> list[Sample]:
    if not shutil.which("cargo"):
        print("skipped: cargo not found", file=sys.stderr)
        return []
    samples = []
    crate = tmp / "portlib"
    run("cargo new -q --lib --vcs none portlib", tmp)
    passing = "".join(
        f'\n    #[test]\n    fn port_{n}() {{\n        assert_eq!(parse_port("{n}"), Some({n}));\n    }}\n'
        for n in range(1000, 1030)
    )
    (crate / "src" / "lib.rs").write_text(CARGO_LIB % passing)
    cmd = "cargo test --color never"
    text, code = run(cmd, crate, {"CARGO_TERM_COLOR": "never"})
    samples.append(Sample("cargo-test", "cargo-test", cmd, text, code != 0, cargo_test_facts))
    bad = tmp / "badbin"
    run("cargo new -q --bin --vcs none badbin", tmp)
    (bad / "src" / "main.rs").write_text(CARGO_BAD)
    cmd = "cargo build --color never"
    text, code = run(cmd, bad, {"CARGO_TERM_COLOR": "never"})
    samples.append(Sample("cargo-build", "build", cmd, text, code != 0, compiler_facts))
    return samples


C_SOURCE = """
#include <stdio.h>
#include <string.h>

struct buffer { char *data; size_t len; };

static int count_words(const char *text) {
    int words = 0, in_word = 0;
    for (size_t i = 0; i <= strlen(text); i++) {
        if (text[i] == ' ' || text[i] == 0) { words += in_word; in_word = 0; }
        else in_word = 1;
    }
    return words
}

int main(int argc, char **argv) {
    struct buffer buf;
    buf.size = 10;
    int unused;
    char *name = 42;
    printf("%d words\\n", count_words(argv[1]), argc);
    undeclared_function(buf);
    return "done";
}
"""
MAKEFILE = "CFLAGS = -Wall -Wextra -O2\n\nall: words\n\nwords: words.c util.c\n\t$(CC) $(CFLAGS) -o $@ $^\n"


def gcc_samples(tmp: Path) -> list[Sample]:
    if not shutil.which("gcc"):
        print("skipped: gcc not found", file=sys.stderr)
        return []
    project = tmp / "cwords"
    project.mkdir()
    (project / "words.c").write_text(C_SOURCE)
    (project / "util.c").write_text(
        C_SOURCE.replace("main(", "helper_main(").replace("count_words", "count_words2")
    )
    (project / "Makefile").write_text(MAKEFILE)
    samples = []
    cmd = "gcc -Wall -Wextra -c words.c"
    text, code = run(cmd, project)
    samples.append(Sample("gcc", "build", cmd, text, code != 0, compiler_facts))
    cmd = "make -k"
    text, code = run(cmd, project, {"CC": "gcc"})
    samples.append(Sample("make", "build", cmd, text, code != 0, compiler_facts))
    return samples


TS_SOURCE = """
interface User { id: number; name: string; email?: string }

export function greet(user: User): string {
  return "Hello, " + user.nam;
}

export function total(items: { price: number }[]): number {
  return items.reduce((sum, item) => sum + item.price, "0");
}

const users: User[] = [{ id: "1", name: "Ada" }, { id: 2 }];
greet(users[0], true);
let count: number = null;
"""
JEST_TEST = """
const { slugify, clamp } = require('./lib');

describe('slugify', () => {
%s
  test('collapses dashes', () => {
    expect(slugify('a -- b')).toBe('a-b');
  });
});

describe('clamp', () => {
  test('keeps values in range', () => {
    expect(clamp(5, 0, 10)).toBe(5);
  });
  test('clamps above the maximum', () => {
    expect(clamp(15, 0, 10)).toEqual(10);
  });
  test('clamps below the minimum', () => {
    expect(clamp(-1, 0, 10)).toStrictEqual({ value: 0 });
  });
});
"""
JEST_LIB = """
exports.slugify = (text) => text.toLowerCase().trim().replace(/[^a-z0-9]+/g, '-');
exports.clamp = (value, min, max) => Math.max(min, value > max ? max + 1 : value);
"""


def npm_samples(tmp: Path) -> list[Sample]:
    if not shutil.which("npm"):
        print("skipped: npm not found", file=sys.stderr)
        return []
    project = tmp / "webapp"
    project.mkdir()
    (project / "package.json").write_text('{"name": "webapp", "version": "1.0.0", "private": true}\n')
    samples = []
    cmd = "npm install --no-fund --loglevel=http --save-dev jest@29 typescript@5"
    text, code = run(cmd, project)
    samples.append(Sample("npm-install", "npm", cmd, text, code != 0, npm_facts))
    if code != 0:
        return samples
    cmd = "npm ls --all --json"
    text, code = run(cmd, project)
    samples.append(Sample("json-npm-ls", "json", cmd, text, code != 0, json_facts))
    (project / "app.ts").write_text(TS_SOURCE)
    cmd = "npx tsc --noEmit --strict app.ts"
    text, code = run(cmd, project)
    samples.append(Sample("tsc", "build", cmd, text, code != 0, compiler_facts))
    (project / "lib.js").write_text(JEST_LIB)
    cases = "".join(
        f"  test('slug {i}', () => {{\n    expect(slugify('Item {i}')).toBe('item-{i}');\n  }});\n"
        for i in range(25)
    )
    (project / "lib.test.js").write_text(JEST_TEST % cases)
    cmd = "npx jest --ci --verbose --colors=false"
    text, code = run(cmd, project)
    samples.append(Sample("jest", "jest", cmd, text, code != 0, jest_facts))
    return samples


def pip_samples(tmp: Path) -> list[Sample]:
    samples = []
    cmd = "pip install --dry-run --ignore-installed --no-color --progress-bar off sqlalchemy alembic aiohttp"
    text, code = run(f"{sys.executable} -m {cmd}", tmp)
    samples.append(Sample("pip-install", "pip", cmd, text, code != 0, pip_facts))
    return samples


def access_log_sample(tmp: Path) -> list[Sample]:
    """A local http.server hit the way a health checker and a client do; its stderr access log."""
    (tmp / "www" / "api").mkdir(parents=True)
    (tmp / "www" / "health").write_text("ok")
    for i in range(1, 31):
        (tmp / "www" / "api" / f"item{i}").write_text("{}")
    server = subprocess.Popen(
        [
            sys.executable,
            "-u",
            "-m",
            "http.server",
            "0",
            "--bind",
            "127.0.0.1",
            "--directory",
            str(tmp / "www"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert server.stdout is not None
    banner = server.stdout.readline().decode()
    port = int(re.search(r"port (\d+)", banner).group(1))  # type: ignore[union-attr]
    lines: list[str] = [banner]
    reader = threading.Thread(target=lambda: lines.extend(line.decode() for line in server.stdout))  # type: ignore[union-attr]
    reader.start()
    paths = (
        ["/health"] * 60
        + [f"/api/item{i}" for i in range(1, 31)]
        + ["/api/missing", "/admin"]
        + ["/health"] * 40
    )
    for path in paths:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5).read()
        except urllib.error.HTTPError:
            pass
    server.terminate()
    server.wait()
    reader.join()
    text = "".join(lines)
    cmd = "python -m http.server (access log)"
    return [Sample("access-log", "log", cmd, text, False, access_log_facts)]


GENERATORS: tuple[Callable[[Path], list[Sample]], ...] = (
    git_samples,
    search_samples,
    pytest_samples,
    cargo_samples,
    gcc_samples,
    npm_samples,
    pip_samples,
    access_log_sample,
)


RULES: dict[str, Callable[[str], list[str]]] = {
    rule.__name__: rule
    for rule in (
        diff_facts,
        log_facts,
        status_facts,
        grep_facts,
        path_facts,
        ls_facts,
        tree_facts,
        pytest_facts,
        cargo_test_facts,
        compiler_facts,
        pip_facts,
        npm_facts,
        jest_facts,
        json_facts,
        access_log_facts,
    )
}


def refacts(out: Path) -> None:
    """The facts of the samples already in `out`, extracted again with the current rules."""
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    for entry in manifest:
        entry["facts"] = RULES[entry["rule"]]((out / f"{entry['id']}.txt").read_text())
    (out / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--refacts",
        action="store_true",
        help="re-extract the facts of the existing samples without running the tools",
    )
    args = parser.parse_args()
    if args.refacts:
        refacts(args.out)
        return
    args.out.mkdir(parents=True, exist_ok=True)
    samples: list[Sample] = []
    with tempfile.TemporaryDirectory(prefix="savers-corpus-") as name:
        tmp = Path(name)
        for generate in GENERATORS:
            samples += generate(tmp)
    manifest = []
    for sample in samples:
        # Temp paths differ per run; the model would see them, but the corpus should not churn.
        (args.out / f"{sample.id}.txt").write_text(sample.output)
        manifest.append(
            {
                "id": sample.id,
                "kind": sample.kind,
                "command": sample.command,
                "failed": sample.failed,
                "chars": len(sample.output),
                "rule": sample.rule.__name__,
                "facts": sample.facts,
            }
        )
        print(
            f"{sample.id:18} {sample.kind:11} {len(sample.output):8} chars {len(sample.facts):4} facts",
            file=sys.stderr,
        )
    (args.out / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")


if __name__ == "__main__":
    main()
