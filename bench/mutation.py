"""Mutation testing of the code that decides what is kept, removed or published.

    python bench/mutation.py GROUP [GROUP ...]     # run (incremental), then report
    python bench/mutation.py --report GROUP ...    # report the last run only
    python bench/mutation.py --list                # the groups, their modules and tests

mutmut (3.x) plants one small bug at a time (a flipped comparison, a changed constant, a
removed call) and runs the tests that reach the mutated function; a mutant the tests do not
notice "survives". The groups (pyproject's [tool.leam.mutation.groups]) name the modules to
mutate and the test files that pin them, so that one run stays short.

Why a staged copy: the repository's folders install as `leam.<folder>` through package-dir,
and mutmut derives module names from file paths, so it needs a real `leam/` folder. Each group
gets build/mutation/<group>/ with `leam/<folder>` copies (mtimes kept: mutmut then regenerates
only the files that changed, and keeps the verdicts of unchanged functions) and the tests.

Score = killed / (mutants - equivalent), per module; mutants that no test reaches count as
survivors. Equivalent mutants (the behaviour cannot differ) are listed, each with its reason,
in bench/mutation_equivalent.toml. This is slow: it is not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "mutation"
EQUIVALENT = ROOT / "bench" / "mutation_equivalent.toml"
# mutmut's exit codes: 1 and 3 are a failing test run (killed); timeouts count as killed,
# and so does a test process that crashed (-11, -9: mutmut's "segfault"): the bug showed.
KILLED = {1, 3, 36, 24, -24, 152, 255, -11, -9}
NOT_RUN = {None, 34}  # not checked, skipped


@dataclass
class Group:
    """A module group: the files to mutate and the tests that pin them."""

    name: str
    mutate: list[str]
    tests: list[str]
    pytest_args: list[str] = field(default_factory=list)


def load_groups() -> dict[str, Group]:
    """The groups declared in pyproject.toml, by name."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    groups = data["tool"]["leam"]["mutation"]["groups"]
    return {
        name: Group(name, g["mutate"], g["tests"], g.get("pytest_args", []))
        for name, g in groups.items()
    }


def package_dirs() -> dict[str, str]:
    """pyproject's package-dir: import name (leam.<folder>) -> repository folder."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data["tool"]["setuptools"]["package-dir"]


def staged_path(repo_path: str) -> str:
    """A repository path (filters/c4.py) as it sits in the staged copy (leam/filters/c4.py)."""
    for name, folder in package_dirs().items():
        if repo_path == folder or repo_path.startswith(folder + "/"):
            return name.replace(".", "/") + repo_path[len(folder) :]
    raise SystemExit(f"{repo_path}: not inside any package folder of pyproject's package-dir")


def _ignore(_dir: str, names: list[str]) -> list[str]:
    return [n for n in names if n in ("__pycache__", ".pytest_cache") or n.endswith(".pyc")]


def _changed_tests(where: Path) -> list[str]:
    """Test files that differ from the copy staged last time (new ones included)."""
    changed = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        old = where / rel
        if not old.exists() or old.read_bytes() != path.read_bytes():
            changed.append(rel)
    return changed


def _forget_test_stats(where: Path, changed: list[str]) -> None:
    """mutmut records which functions each test reaches once, when it first sees the test;
    a test edited since would keep its old record. Forgetting the tests of changed files
    makes mutmut trace them again (it does so for every test it does not know)."""
    stats = where / "mutants" / "mutmut-stats.json"
    if not changed or not stats.exists():
        return
    data = json.loads(stats.read_text(encoding="utf-8"))
    stale = {t for t in data["duration_by_test"] if t.split("::", 1)[0] in changed}
    for test in stale:
        del data["duration_by_test"][test]
    for name, tests in data["tests_by_mangled_function_name"].items():
        data["tests_by_mangled_function_name"][name] = [t for t in tests if t not in stale]
    stats.write_text(json.dumps(data), encoding="utf-8")


def stage(group: Group) -> Path:
    """Copy the package folders and the tests into build/mutation/<group> (mtimes kept)."""
    where = BUILD / group.name
    where.mkdir(parents=True, exist_ok=True)
    for name, folder in package_dirs().items():
        shutil.copytree(ROOT / folder, where / name.replace(".", "/"), dirs_exist_ok=True,
                        ignore=_ignore)
    changed = _changed_tests(where)
    shutil.copytree(ROOT / "tests", where / "tests", dirs_exist_ok=True, ignore=_ignore)
    _forget_test_stats(where, changed)
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    settings = {
        "source_paths": ["leam"],
        "only_mutate": [staged_path(p) for p in group.mutate],
        "pytest_add_cli_args_test_selection": group.tests,
        "pytest_add_cli_args": ["-p", "no:cacheprovider", "-m", "not slow and not cluster",
                                *group.pytest_args],
        "use_git_change_detection": False,
    }
    lines = ["", "[tool.mutmut]"] + [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    new = text + "\n".join(lines) + "\n"
    target = where / "pyproject.toml"
    if not target.exists() or target.read_text(encoding="utf-8") != new:
        target.write_text(new, encoding="utf-8")
    return where


def retest_survivors(where: Path) -> int:
    """Clear the verdicts of mutants that were not killed, so that this run tries them again
    with the tests as they are now (mutmut itself keeps every earlier verdict); killed
    mutants of unchanged functions keep theirs. Returns how many were cleared."""
    cleared = 0
    for meta in (where / "mutants").rglob("*.meta"):
        data = json.loads(meta.read_text(encoding="utf-8"))
        codes = data["exit_code_by_key"]
        again = [k for k, v in codes.items() if v is not None and v not in KILLED]
        for key in again:
            codes[key] = None
        if again:
            meta.write_text(json.dumps(data), encoding="utf-8")
            cleared += len(again)
    return cleared


def run(group: Group, where: Path) -> int:
    """mutmut run with one worker (the machine is shared): incremental over earlier runs."""
    retest_survivors(where)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    log = BUILD / f"{group.name}.log"
    print(f"{group.name}: mutmut run (log: {log.relative_to(ROOT)})", flush=True)
    with log.open("w", encoding="utf-8") as out:
        return subprocess.call([sys.executable, "-m", "mutmut", "run", "--max-children", "1"],
                               cwd=where, env=env, stdout=out, stderr=subprocess.STDOUT)


def load_equivalent() -> dict[str, str]:
    """Equivalent mutants, by mutmut's name, with the reason the behaviour cannot differ."""
    if not EQUIVALENT.exists():
        return {}
    data = tomllib.loads(EQUIVALENT.read_text(encoding="utf-8"))
    return {e["mutant"]: e["reason"] for e in data.get("equivalent", [])}


def results(group: Group, where: Path) -> dict[str, dict[str, int | None]]:
    """Exit code per mutant, per repository module, from mutmut's .meta files."""
    out: dict[str, dict[str, int | None]] = {}
    for repo_path in group.mutate:
        meta = where / "mutants" / (staged_path(repo_path) + ".meta")
        if not meta.exists():
            continue
        out[repo_path] = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    return out


def report(group: Group, where: Path) -> list[dict]:
    """One row per module: mutants, equivalent, killed, survived, score; survivors listed."""
    equivalent = load_equivalent()
    rows = []
    for module, codes in results(group, where).items():
        eq = [k for k in codes if k in equivalent]
        counted = {k: v for k, v in codes.items() if k not in equivalent}
        killed = [k for k, v in counted.items() if v in KILLED]
        not_run = [k for k, v in counted.items() if v in NOT_RUN]
        survived = sorted(k for k in counted if k not in killed and k not in not_run)
        scored = len(counted) - len(not_run)
        rows.append({
            "group": group.name, "module": module, "mutants": len(codes), "equivalent": len(eq),
            "killed": len(killed), "survived": len(survived), "not_run": len(not_run),
            "score": round(100 * len(killed) / scored, 1) if scored else None,
            "survivors": survived,
        })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*")
    parser.add_argument("--report", action="store_true", help="report the last run, run nothing")
    parser.add_argument("--list", action="store_true", help="list the groups")
    parser.add_argument("--survivors", action="store_true", help="print the surviving mutants")
    parser.add_argument("--fresh", action="store_true", help="forget earlier runs' results")
    args = parser.parse_args()
    groups = load_groups()
    if args.list:
        for g in groups.values():
            print(f"{g.name}: {' '.join(g.mutate)}\n    tests: {' '.join(g.tests)}")
        return
    unknown = [n for n in args.groups if n not in groups]
    if unknown or not args.groups:
        raise SystemExit(f"name one or more groups of: {', '.join(groups)} (unknown: {unknown})")
    all_rows = []
    for name in args.groups:
        group = groups[name]
        if args.fresh and not args.report:
            shutil.rmtree(BUILD / name, ignore_errors=True)
        where = stage(group)
        if not args.report:
            code = run(group, where)
            if code not in (0, 1):  # mutmut exits 1 when some mutant survived
                raise SystemExit(f"mutmut failed for group {name} (exit {code})")
        rows = report(group, where)
        (BUILD / f"{name}.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
        all_rows += rows
    print("| group | module | mutants | equivalent | killed | survived | not run | score |")
    print("|---|---|---|---|---|---|---|---|")
    for r in all_rows:
        score = "n/a" if r["score"] is None else f"{r['score']:.1f} %"
        print(f"| {r['group']} | {r['module']} | {r['mutants']} | {r['equivalent']} | "
              f"{r['killed']} | {r['survived']} | {r['not_run']} | {score} |")
    if args.survivors:
        for r in all_rows:
            for s in r["survivors"]:
                print(s)


if __name__ == "__main__":
    main()
