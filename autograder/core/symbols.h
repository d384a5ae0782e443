#pragma once

/// @file
/// @brief Keeping student objects from replacing the code they are linked
/// with: the test harness, Catch2 and the C and C++ runtime libraries.
/// @ingroup grader
///
/// A submission is linked into the same binary as the tests. A definition of
/// `waitid` or `kill` there replaces the C library's for the harness too, and
/// a strong definition of a Catch2 function replaces the framework's. After
/// the build, the grader lists what each student object defines (`nm`) and
/// refuses, as a build error, any definition the harness or the runtime
/// libraries own or use.
///
/// Code a student object runs before `main` or after it (a global object
/// whose constructor or destructor does work, a function marked
/// `constructor`) would run outside every test, before the harness has set
/// up its report or after it has sealed it. The grader reads the object's
/// start-up code (`objdump`) and refuses any beyond what
/// `#include <iostream>` itself emits.

#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace proctor {

/// One external symbol of an object file, as `nm -g` prints it.
struct Symbol {
  /// nm's type letter: 'T', 'D', 'B', 'R' are strong definitions, 'W', 'V'
  /// and 'u' weak ones, 'U', 'w' and 'v' uses.
  char type = 'U';
  /// The linker's (mangled) name, without a version suffix ("@GLIBC_2.2.5").
  std::string name;
};

/// Parses the output of `nm -g` (or `nm -D`); lines without a type letter
/// and a name are skipped.
std::vector<Symbol> parse_nm(const std::string& output);

/// The external symbols of an object or shared library (`nm -g`, or `nm -D`
/// with `dynamic`). @throws std::runtime_error if nm fails.
std::vector<Symbol> external_symbols(const std::filesystem::path& file, bool dynamic = false);

/// The names a submission may not define.
struct ReservedNames {
  /// What the C and C++ runtime libraries export.
  std::set<std::string> runtime;
  /// What the harness objects define or use, except names in the lab's
  /// namespace (the API the tests call).
  std::set<std::string> harness;
};

/// The reserved names for a lab whose harness is `harness_objects`.
ReservedNames reserved_names(const std::vector<std::filesystem::path>& harness_objects,
                             const std::string& lab_namespace);

/// The definitions in `student` that would replace harness, Catch2 or runtime
/// code, one line each ("defines waitid, which the C library or the test
/// harness owns"): any of Catch2's; a strong one of a reserved name; a weak
/// one of a runtime library's name. Names in `lab_namespace` are always
/// allowed, and so are weak definitions the harness shares (inline functions,
/// template instances and compiler helpers both sides emit).
std::vector<std::string> interposed_symbols(const std::vector<Symbol>& student,
                                            const ReservedNames& reserved,
                                            const std::string& lab_namespace);

/// What the start-up code of a plain (unsanitized) object file does beyond
/// `#include <iostream>`'s own initializer, one line each ("runs
/// lab01::(anonymous namespace)::hostile() before main"), read from
/// `objdump -d -r -w` (`disassembly`) and `objdump -r -w` (`relocations`).
/// Start-up code is what the object's .init_array, .preinit_array,
/// .fini_array, .ctors and .dtors entries point to, and what that calls.
std::vector<std::string> startup_work(const std::string& disassembly,
                                      const std::string& relocations);

/// startup_work() of an object file. @throws std::runtime_error if objdump
/// fails.
std::vector<std::string> startup_work(const std::filesystem::path& object);

}  // namespace proctor
