"""Compiler options: kit code and graded student code, each in one place."""

# Kit code must build without warnings.
KIT_COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
]

# Student files get the same warnings, never -Werror: a warning never costs a
# grade.
STUDENT_COPTS = [
    "-Wall",
    "-Wextra",
]
