# nbgrader configuration for the stylegan-edu assignments. This folder (assignments/) is a ready nbgrader
# course directory: source/<name>/<name>.ipynb are the instructor versions. Copy it to wherever you run the
# course, adjust the ids below, and follow README.md.
c = get_config()  # noqa: F821 (nbgrader provides get_config)

c.CourseDirectory.course_id = "stylegan-edu"
c.CourseDirectory.root = "."

# Seconds a cell may run while autograding (nbgrader's default is 30). The slowest cell of any instructor
# version takes 1.9 s on 2 CPU cores (README.md, "Timings"); the rest is margin for slow or busy graders and
# for learners' slower solutions. `stylegan-edu assignments check` uses the same value
# (stylegan_edu.assignments.CELL_TIMEOUT; a test keeps the two equal).
c.Execute.timeout = 60

# The code that replaces a solution region in the student version (nbgrader's default, kept explicit because
# the tests check that student versions fail only with NotImplementedError).
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
