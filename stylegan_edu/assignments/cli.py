"""`stylegan-edu assignments`: build the instructor versions, release the student versions, self-check a notebook."""

from __future__ import annotations

import sys
from pathlib import Path

from stylegan_edu.cli_types import positive_int


def add_parser(subparsers) -> None:
    from stylegan_edu.assignments import CELL_TIMEOUT

    p = subparsers.add_parser(
        "assignments", help="graded assignments: self-check a notebook, or build and release them",
        description="Graded assignments that work with nbgrader and without it. Learners: `check` scores your "
                    "notebook task by task. Instructors: `build` writes the instructor versions from "
                    "assignments/src, `release` makes the student versions (needs nbgrader).")
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True

    c = sub.add_parser("check", help="run a notebook and print a score table per task (nbgrader's scoring rule)",
                       description="Run an assignment notebook in a fresh kernel and score each autograded task "
                                   "as nbgrader does: a test cell earns its points when it raises nothing and "
                                   "writes nothing to stderr. Exit code 0 when every task passes, 1 otherwise.")
    c.add_argument("notebook", metavar="NOTEBOOK", help="e.g. notebooks/assignments/a1_building_blocks.ipynb")
    c.add_argument("--hidden", action="store_true",
                   help="also run the instructor's hidden tests (needs the instructor version)")
    c.add_argument("--source", default=None, metavar="DIR",
                   help="folder with the instructor versions <name>/<name>.ipynb (default: assignments/source)")
    c.add_argument("--assignment", default=None, metavar="NAME",
                   help="with --hidden: which assignment the notebook is, a name or prefix such as a1 (default: "
                        "found from the file name or, for a renamed copy, from the notebook's task ids)")
    c.add_argument("--timeout", type=positive_int(), default=CELL_TIMEOUT,
                   help=f"seconds per cell, >= 1 (default {CELL_TIMEOUT})")
    c.set_defaults(func=_check)

    r = sub.add_parser("release", help="regenerate the student versions with nbgrader's preprocessors",
                       description="Write notebooks/assignments/<name>.ipynb from the instructor versions: "
                                   "solutions become `raise NotImplementedError()`, hidden tests are removed.")
    r.add_argument("names", nargs="*", metavar="NAME", help="name prefixes, e.g. a1 (default: all)")
    r.add_argument("--check", action="store_true", help="only fail when a committed student version is out of date")
    r.set_defaults(func=_release)

    b = sub.add_parser("build", help="write the instructor versions from assignments/src (and execute them)",
                       description="Write assignments/source/<name>/<name>.ipynb from assignments/src/<name>.py, "
                                   "with nbgrader cell metadata, executed so nbval can compare its outputs.")
    b.add_argument("names", nargs="*", metavar="NAME", help="name prefixes, e.g. a1 (default: all)")
    b.add_argument("--check", action="store_true", help="only fail when a committed version differs from its source")
    b.add_argument("--no-execute", action="store_true", help="write without outputs")
    b.set_defaults(func=_build)


def _select(args) -> list[str]:
    from stylegan_edu.assignments import select
    from stylegan_edu.errors import UsageError

    try:
        return select(args.names)
    except ValueError as e:
        raise UsageError(str(e)) from None


def _check(args) -> int:
    from stylegan_edu.assignments.check import check_notebook
    from stylegan_edu.errors import UsageError

    try:
        report = check_notebook(args.notebook, hidden=args.hidden, source_dir=args.source, timeout=args.timeout,
                                assignment=args.assignment)
    except (FileNotFoundError, ValueError) as e:
        raise UsageError(str(e)) from None
    print(report.table())
    return 0 if report.score == report.max_score else 1


def _release(args) -> int:
    from stylegan_edu.assignments import release as rel
    from stylegan_edu.errors import UsageError

    names = _select(args)
    try:
        changed = rel.release(names, check=args.check)
    except (rel.NbgraderMissing, FileNotFoundError) as e:
        raise UsageError(str(e)) from None
    if args.check:
        if changed:
            sys.stderr.write(f"out of date (run `stylegan-edu assignments release`): {', '.join(changed)}\n")
            return 1
        print(f"{len(names)} student versions are up to date")
        return 0
    for name in changed:
        print(f"wrote notebooks/assignments/{name}.ipynb")
    return 0


def _build(args) -> int:
    import time

    from stylegan_edu.assignments import ROOT, SOURCE_TEXT, instructor_path
    from stylegan_edu.assignments.source import SourceError, build, is_current

    names = _select(args)
    stale = []
    for name in names:
        text, out = SOURCE_TEXT / f"{name}.py", instructor_path(name)
        try:
            if args.check:
                if not is_current(text, out):
                    stale.append(name)
                continue
            t0 = time.perf_counter()
            build(text, out, execute=not args.no_execute)
        except SourceError as e:
            from stylegan_edu.errors import UsageError

            raise UsageError(f"{Path(text).name}: {e}") from None
        print(f"wrote {out.relative_to(ROOT)} ({time.perf_counter() - t0:.0f} s)")
    if stale:
        sys.stderr.write(f"out of date (run `stylegan-edu assignments build`): {', '.join(stale)}\n")
        return 1
    if args.check:
        print(f"{len(names)} instructor versions match their sources")
    return 0
