"""Repository rules that adapt Debian's Bazel rule trees to Bazel 4.2.3."""

# Debian ships rules_cc 0.0.4, whose two rules below load `use_cpp_toolchain`,
# a symbol Bazel 4.2.3's @bazel_tools does not have yet. Both only need the
# C++ toolchain type, so the adaptation names it directly.
_NEEDS_ADAPTING = [
    "cc/private/rules_impl/compiler_flag.bzl",
    "cc/private/rules_impl/cc_flags_supplier.bzl",
]

def _debian_rules_cc_impl(rctx):
    src = rctx.path(rctx.attr.path)
    if not src.exists:
        fail("%s is missing: install Debian's bazel-rules-cc (./proctor does it)" % src)
    result = rctx.execute(["cp", "-R", str(src) + "/.", "."])
    if result.return_code != 0:
        fail("copying %s failed: %s" % (src, result.stderr))
    for path in _NEEDS_ADAPTING:
        text = rctx.read(path)
        text = text.replace(
            '"find_cpp_toolchain", "use_cpp_toolchain")',
            '"find_cpp_toolchain")',
        )
        text = text.replace(
            "toolchains = use_cpp_toolchain(),",
            'toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],',
        )
        if "use_cpp_toolchain" in text:
            fail("unexpected shape of %s in Debian's rules_cc" % path)
        rctx.file(path, text, executable = False)

debian_rules_cc = repository_rule(
    implementation = _debian_rules_cc_impl,
    attrs = {"path": attr.string(mandatory = True)},
    local = True,
)
