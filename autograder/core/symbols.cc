#include "autograder/core/symbols.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <sstream>

#include "autograder/core/process.h"

namespace proctor {
namespace {

namespace fs = std::filesystem;

std::string demangle(const std::string& name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> text(
      abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), std::free);
  return status == 0 && text ? std::string(text.get()) : name;
}

// Whether a mangled name lives in namespace `ns`: a nested name
// "_ZN[cv/ref qualifiers]<len><ns>...", also behind a typeinfo, vtable,
// guard variable or thunk prefix ("_ZTI", "_ZTV", "_ZGV", "_ZThn8_", ...).
bool in_namespace(const std::string& name, const std::string& ns) {
  if (name.rfind("_Z", 0) != 0) return false;
  std::size_t at = 2;
  for (const char* prefix : {"TI", "TS", "TV", "TT", "GV"}) {
    if (name.compare(at, 2, prefix) == 0) {
      at += 2;
      break;
    }
  }
  if (name.compare(at, 2, "Th") == 0 || name.compare(at, 2, "Tv") == 0) {
    at = name.find('_', at);  // A thunk's offsets end with '_'.
    if (at == std::string::npos) return false;
    ++at;
  }
  if (at >= name.size() || name[at] != 'N') return false;
  ++at;
  while (at < name.size() && std::string("rVKRO").find(name[at]) != std::string::npos) ++at;
  const std::string length_and_name = std::to_string(ns.size()) + ns;
  return name.compare(at, length_and_name.size(), length_and_name) == 0;
}

// nm's letters for a symbol the object uses but does not define.
bool undefined(char type) { return type == 'U' || type == 'w' || type == 'v'; }

bool weak(char type) { return type == 'W' || type == 'V' || type == 'u'; }

// The C and C++ runtime libraries whose exports a submission may not define.
const std::vector<fs::path>& runtime_libraries() {
  static const std::vector<fs::path> found = [] {
    std::vector<fs::path> libraries;
    for (const char* name : {"libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1"}) {
      for (const char* dir : {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
                              "/usr/lib64", "/lib", "/usr/lib"}) {
        const fs::path path = fs::path(dir) / name;
        std::error_code ec;
        if (fs::exists(path, ec)) {
          libraries.push_back(path);
          break;
        }
      }
    }
    return libraries;
  }();
  return found;
}

}  // namespace

std::vector<Symbol> parse_nm(const std::string& output) {
  std::vector<Symbol> symbols;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::vector<std::string> words;
    for (std::string word; fields >> word;) words.push_back(word);
    if (words.size() < 2) continue;
    const std::string& type = words[words.size() - 2];
    if (type.size() != 1) continue;
    Symbol symbol{type[0], words.back()};
    if (const auto at = symbol.name.find('@'); at != std::string::npos) symbol.name.resize(at);
    if (!symbol.name.empty()) symbols.push_back(std::move(symbol));
  }
  return symbols;
}

std::vector<Symbol> external_symbols(const fs::path& file, bool dynamic) {
  return parse_nm(run_output({"nm", dynamic ? "-D" : "-g", "--", file.string()}, "/"));
}

ReservedNames reserved_names(const std::vector<fs::path>& harness_objects,
                             const std::string& lab_namespace) {
  static const std::set<std::string> runtime = [] {
    std::set<std::string> names;
    for (const auto& library : runtime_libraries()) {
      for (const auto& symbol : external_symbols(library, true)) {
        if (!undefined(symbol.type) && symbol.type != 'A') names.insert(symbol.name);
      }
    }
    return names;
  }();
  ReservedNames reserved{runtime, {}};
  for (const auto& object : harness_objects) {
    for (const auto& symbol : external_symbols(object)) {
      if (!in_namespace(symbol.name, lab_namespace)) reserved.harness.insert(symbol.name);
    }
  }
  return reserved;
}

std::vector<std::string> interposed_symbols(const std::vector<Symbol>& student,
                                            const ReservedNames& reserved,
                                            const std::string& lab_namespace) {
  std::vector<std::string> out;
  for (const auto& symbol : student) {
    if (undefined(symbol.type) || in_namespace(symbol.name, lab_namespace)) continue;
    const std::string readable = demangle(symbol.name);
    const bool catch2 =
        readable.rfind("Catch::", 0) == 0 || readable.find(" Catch::") != std::string::npos;
    const bool runtime = reserved.runtime.count(symbol.name) > 0;
    const bool harness = reserved.harness.count(symbol.name) > 0;
    if (catch2) {
      out.push_back("defines " + readable + ", part of the Catch2 test framework");
    } else if (weak(symbol.type) ? runtime && symbol.name.rfind("_Z", 0) != 0
                                 : runtime || harness) {
      out.push_back("defines " + readable +
                    ", which the C or C++ library or the test harness owns or calls");
    }
  }
  return out;
}

}  // namespace proctor
