"""Compiler options shared by every kit target (not by staged student code)."""

# Kit code must build without warnings; student files get the same warnings
# (see autograder staging) but never -Werror.
KIT_COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
]
