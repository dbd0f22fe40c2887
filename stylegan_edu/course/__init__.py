"""What the lessons import for their exercises: the checks that judge a learner's code (`checks.py` runs them,
`lessonNN.py` holds each lesson's judges). The checks compare with the library's own functions, so the
lesson cells never show the answer."""
