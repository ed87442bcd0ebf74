"""Mutation score of the modules that hold Loket's guarantees (mutmut). Slow: not in CI.

Each group of modules is mutated in its own copy of the checkout (under --workdir, default
/tmp/loket-mutation/<group>), so the work tree never gets a `mutants/` folder, with a `[tool.mutmut]`
section written into that copy's pyproject.toml: the group's modules in `only_mutate`, the group's
test files only in `pytest_add_cli_args_test_selection`. mutmut then runs, for each mutant, only the
tests that call the mutated function. Prints the score per module and every surviving mutant's diff.

Usage: .venv/bin/python bench/mutation.py [GROUP ...] [--modules PATH ...] [--tests PATH ...]
                                          [--mutants NAME ...] [--max-children N] [--workdir DIR]
                                          [--keep] [--no-diffs]
       .venv/bin/python bench/mutation.py --list
Groups: delivery (inbox, outbox, sender, statuses, sweeper), window (window, delivery plan, masking),
survey (IKM arithmetic, report, chart bands, working days), access (dashboard access, roles).
A second run in the same --workdir with --keep reuses mutmut's cache (only changed code is re-run).
--mutants re-checks only the named mutants (shell-style patterns, e.g. the survivors of a previous
run against tests added since) and reports only those.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent

GROUPS: dict[str, tuple[list[str], list[str]]] = {
    "delivery": (
        ["bot/inbox.py", "bot/outbox.py", "bot/sender.py", "bot/statuses.py", "bot/sweeper.py"],
        ["tests/test_guarantees.py", "tests/test_outbox.py", "tests/test_dedupe_and_recovery.py",
         "tests/test_status_callbacks.py", "tests/test_whatsapp_delivery.py", "tests/test_faults.py",
         "tests/test_delivery_mutants.py", "tests/test_logs.py", "tests/test_whatsapp_taps.py",
         "tests/test_dashboard_simulator.py", "tests/test_sender_choices_mutants.py", "tests/test_webhook.py",
         "tests/test_whatsapp_usernames.py", "tests/test_inbox_mutants.py", "tests/test_office_profile.py",
         "tests/test_outbox_mutants.py", "tests/test_sender_mutants.py", "tests/test_visit_photo.py"],
    ),
    "window": (
        ["bot/window.py", "bot/delivery.py", "bot/masking.py"],
        ["tests/test_guarantees.py", "tests/test_masking.py", "tests/test_whatsapp_delivery.py",
         "tests/test_outbox.py"],
    ),
    "survey": (
        ["bot/survey/ikm.py", "bot/survey/report.py", "bot/dashboard/survey_chart.py", "bot/workdays.py"],
        ["tests/test_guarantees.py", "tests/test_survey_ikm.py", "tests/test_survey.py", "tests/test_survey_report.py",
         "tests/test_dashboard_survey.py", "tests/test_workdays.py", "tests/test_days_off.py",
         "tests/test_workdays_mutants.py"],
    ),
    "access": (
        ["handlers/dashboard/access.py", "bot/dashboard/roles.py"],
        ["tests/test_guarantees.py", "tests/test_dashboard_sweep.py", "tests/test_dashboard_access.py",
         "tests/test_dashboard_units.py", "tests/test_roles_mutants.py", "tests/test_access_mutants.py"],
    ),
}

# What the tests import besides the mutated packages (mutmut puts only mutants/ on sys.path).
SOURCE_PATHS = ["bot", "handlers", "flows", "config"]
ALSO_COPY = ["app.py", "worker.py", "migrations", "scripts"]
SKIP = shutil.ignore_patterns(".git", ".venv", "mutants", "instance", "__pycache__", ".pytest_cache",
                              ".ruff_cache", ".hypothesis", "*.pyc", "*.db", "*.rdb")
DEAD = ("killed", "timeout", "caught by type check", "segfault")  # a mutant the tests noticed


def toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def prepare(group: str, modules: list[str], tests: list[str], workdir: Path, keep: bool) -> Path:
    copy = workdir / group
    if copy.exists() and not keep:
        shutil.rmtree(copy)
    copy.mkdir(parents=True, exist_ok=True)
    for name in [*SOURCE_PATHS, *ALSO_COPY, "tests"]:
        source, target = ROOT / name, copy / name
        if target.exists():
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        if source.is_dir():
            shutil.copytree(source, target, ignore=SKIP)
        elif source.exists():
            shutil.copy2(source, target)
    if keep and (copy / "mutants").exists():  # fresh tests and unmutated code for the cached run
        for name in ["tests", *ALSO_COPY]:
            target = copy / "mutants" / name
            if target.exists():
                shutil.rmtree(target) if target.is_dir() else target.unlink()
    present = [t for t in tests if (ROOT / t.split("::")[0]).exists()]  # a file, or a test id in one
    pyproject = (ROOT / "pyproject.toml").read_text()
    pyproject = re.sub(r"\n\[tool\.mutmut\].*?(?=\n\[|\Z)", "", pyproject, flags=re.S)
    pyproject += (
        "\n[tool.mutmut]\n"
        f"source_paths = {toml_list(SOURCE_PATHS)}\n"
        f"also_copy = {toml_list(ALSO_COPY)}\n"
        f"only_mutate = {toml_list(modules)}\n"
        f"pytest_add_cli_args_test_selection = {toml_list(present)}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-m", "not slow and not browser", "-q", "-x"]\n'
        "use_git_change_detection = false\n"
    )
    (copy / "pyproject.toml").write_text(pyproject)
    return copy


def results(copy: Path, modules: list[str]) -> dict[str, dict[str, str]]:
    by_module: dict[str, dict[str, str]] = {m: {} for m in modules}
    for module in modules:
        meta = copy / "mutants" / (module + ".meta")
        if not meta.exists():
            continue
        data = json.loads(meta.read_text())
        for name, code in (data.get("exit_code_by_key") or {}).items():
            by_module[module][name] = status_by_exit_code[code]
    return by_module


def show(copy: Path, name: str) -> str:
    out = subprocess.run([str(VENV_BIN / "mutmut"), "show", name], cwd=copy, capture_output=True, text=True)
    lines = [line for line in out.stdout.splitlines()
             if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]
    return "\n".join("        " + line for line in lines)


def run_group(group: str, args: argparse.Namespace) -> dict[str, dict[str, str]]:
    modules, tests = GROUPS[group]
    modules = [m for m in modules if not args.modules or m in args.modules]
    tests = args.tests or tests
    if not modules:
        return {}
    copy = prepare(group, modules, tests, Path(args.workdir), args.keep)
    command = [str(VENV_BIN / "mutmut"), "run"]
    if args.max_children:
        command += ["--max-children", str(args.max_children)]
    command += args.mutants
    env = {**os.environ, "TEST_POSTGRES": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.monotonic()
    print(f"== {group}: {' '.join(modules)}", flush=True)
    with open(copy / "mutmut.log", "w") as log:
        code = subprocess.run(command, cwd=copy, env=env, stdout=log, stderr=subprocess.STDOUT).returncode
    print(f"   mutmut exited {code} after {time.monotonic() - started:.0f}s (log: {copy / 'mutmut.log'})", flush=True)
    found = results(copy, modules)
    if args.mutants:  # the others were not checked in this run
        found = {module: {name: status for name, status in statuses.items()
                          if any(fnmatch.fnmatchcase(name, pattern) for pattern in args.mutants)}
                 for module, statuses in found.items()}
    for module, statuses in found.items():
        total = len(statuses)
        killed = sum(1 for s in statuses.values() if s in DEAD)
        score = f"{100 * killed / total:.1f}%" if total else "-"
        print(f"   {module}: {killed}/{total} killed, score {score}")
        for name, status in sorted(statuses.items()):
            if status not in DEAD:
                print(f"     {status}: {name}")
                if args.diffs:
                    print(show(copy, name))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("groups", nargs="*", help=f"some of {', '.join(GROUPS)} (default: all)")
    parser.add_argument("--list", action="store_true", help="print the groups, their modules and tests")
    parser.add_argument("--modules", nargs="+", default=[], metavar="PATH",
                        help="only these modules of the groups (e.g. bot/window.py)")
    parser.add_argument("--tests", nargs="+", default=[], metavar="PATH",
                        help="these test files (or node ids) instead of the group's")
    parser.add_argument("--mutants", nargs="+", default=[], metavar="NAME",
                        help="only these mutants (names or patterns as the report prints them)")
    parser.add_argument("--max-children", type=int, default=0, help="parallel mutants (default: the CPUs)")
    parser.add_argument("--workdir", default="/tmp/loket-mutation")
    parser.add_argument("--keep", action="store_true", help="reuse the previous run's mutants and results")
    parser.add_argument("--no-diffs", dest="diffs", action="store_false", help="names only for the survivors")
    args = parser.parse_args()
    if args.list:
        for name, (modules, tests) in GROUPS.items():
            print(f"{name}: {' '.join(modules)}\n    tests: {' '.join(tests)}")
        return
    unknown = [g for g in args.groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}; choose from {', '.join(GROUPS)}")
    total = killed = 0
    for group in args.groups or list(GROUPS):
        for statuses in run_group(group, args).values():
            total += len(statuses)
            killed += sum(1 for s in statuses.values() if s in DEAD)
    if total:
        print(f"== all: {killed}/{total} killed, score {100 * killed / total:.1f}%")


if __name__ == "__main__":
    main()
