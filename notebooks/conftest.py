# The student versions of the assignments raise NotImplementedError by design; tests/test_assignments.py checks
# them. nbval runs the lessons here and the instructor versions in assignments/source.
collect_ignore = ["assignments"]
