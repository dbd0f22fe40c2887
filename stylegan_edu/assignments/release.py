"""Student versions of the assignments, made by nbgrader's own preprocessors from the instructor versions.

The chain is the one `nbgrader generate_assignment` runs, minus the steps that need its database or a course
header (IncludeHeaderFooter, InstantiateTests, SaveCells): lock cells, replace solution regions with
`raise NotImplementedError()` (written answers with "YOUR ANSWER HERE"), clear outputs, compute the checksums
nbgrader's autograder compares, drop hidden tests and marking schemes, validate the metadata. The result
matches what `nbgrader generate_assignment` writes to release/ (tests/test_assignments.py checks it).

nbgrader is an optional dependency (`pip install 'stylegan-edu[instructor]'`), imported only here.
"""

from __future__ import annotations

import json
from pathlib import Path

from stylegan_edu.assignments import INSTALL_HINT, instructor_path, student_path


class NbgraderMissing(RuntimeError):
    """nbgrader is not installed (the message says how to install it)."""


def nbgrader_preprocessors():
    """The preprocessor classes of nbgrader's student-version chain, in order."""
    try:
        from nbgrader.preprocessors import (
            CheckCellMetadata,
            ClearHiddenTests,
            ClearMarkScheme,
            ClearOutput,
            ClearSolutions,
            ComputeChecksums,
            LockCells,
        )
    except ImportError:
        raise NbgraderMissing(f"this needs nbgrader, which is not installed: {INSTALL_HINT}") from None
    return [LockCells, ClearSolutions, ClearOutput, CheckCellMetadata, ComputeChecksums, ClearHiddenTests,
            ClearMarkScheme, ComputeChecksums, CheckCellMetadata]


def validate(nb) -> None:
    """nbgrader's own cell-metadata validator (schema version 3); raises its ValidationError."""
    nbgrader_preprocessors()
    from nbgrader.nbgraderformat import MetadataValidator

    MetadataValidator().validate_nb(nb)


def student_version(instructor_nb):
    """A new notebook: the student version of an instructor notebook (which is left unchanged)."""
    import copy

    nb, resources = copy.deepcopy(instructor_nb), {}
    for cls in nbgrader_preprocessors():
        nb, resources = cls().preprocess(nb, resources)
    return nb


def _as_json(nb) -> dict:
    import nbformat

    return json.loads(nbformat.writes(nb))


def release(names: list[str], check: bool = False, source_dir: Path | None = None) -> list[str]:
    """Write (or with check=True only compare) the student version of each assignment.

    Returns the names whose committed student version differs from a fresh one (check=True), or that were
    written (check=False).
    """
    import nbformat

    nbgrader_preprocessors()  # fail early, with the install hint
    changed = []
    for name in names:
        src = instructor_path(name, source_dir)
        if not src.is_file():
            raise FileNotFoundError(f"{src} is missing; build it with `stylegan-edu assignments build {name}`")
        fresh = student_version(nbformat.read(src, as_version=4))
        target = student_path(name)
        if check:
            if not target.is_file() or json.loads(target.read_text()) != _as_json(fresh):
                changed.append(name)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(fresh, target)
        changed.append(name)
    return changed
