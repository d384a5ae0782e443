#include "autograder/core/symbols.h"

#include <cxxabi.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <regex>
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

// One function of `objdump -d -r -w`: where it is and its lines.
struct Function {
  std::string section;
  std::uint64_t address = 0;
  std::vector<std::string> lines;
};

// A relocation's target, "name" or "name+0x1d40" (objdump writes negative
// addends of PC-relative code as "name-0x4").
struct Target {
  std::string name;
  std::uint64_t offset = 0;
};

Target parse_target(const std::string& text) {
  const auto sign = text.find_first_of("+-", 1);
  if (sign == std::string::npos) return {text, 0};
  Target target{text.substr(0, sign), 0};
  if (text[sign] == '+') target.offset = std::stoull(text.substr(sign + 1), nullptr, 16);
  return target;
}

// The relocation on an objdump line ("1d04: R_X86_64_PLT32\t_ZNSt8ios...-0x4").
std::optional<Target> relocation_on(const std::string& line) {
  static const std::regex relocation(R"([0-9a-f]+: R_[A-Z0-9_]+\s+(\S+))");
  std::smatch match;
  if (!std::regex_search(line, match, relocation)) return std::nullopt;
  return parse_target(match[1].str());
}

// What `#include <iostream>` puts in every translation unit's initializer:
// std::ios_base::Init's constructor, its destructor registered with
// __cxa_atexit, and the object itself (a local in .bss).
bool iostream_initializer_uses(const std::string& name) {
  static const std::set<std::string> names = {"_ZNSt8ios_base4InitC1Ev", "_ZNSt8ios_base4InitD1Ev",
                                              "__cxa_atexit", "__dso_handle", "_ZStL8__ioinit"};
  return names.count(name) > 0 || name.rfind(".bss", 0) == 0;
}

bool data_section(const std::string& name) {
  for (const char* prefix : {".data", ".rodata", ".bss"}) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

bool startup_section(const std::string& name) {
  for (const char* prefix : {".init_array", ".preinit_array", ".fini_array", ".ctors", ".dtors"}) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

// What the entries of the start-up sections (.init_array and the like) point
// to, read from `objdump -r -w`.
std::vector<Target> startup_targets(const std::string& relocations) {
  static const std::regex records(R"(^RELOCATION RECORDS FOR \[(.+)\]:)");
  static const std::regex record(R"(^[0-9a-f]+\s+R_[A-Z0-9_]+\s+(\S+))");
  std::vector<Target> targets;
  std::istringstream in(relocations);
  bool in_startup = false;
  for (std::string line; std::getline(in, line);) {
    std::smatch match;
    if (std::regex_search(line, match, records)) {
      in_startup = startup_section(match[1].str());
    } else if (in_startup && std::regex_search(line, match, record)) {
      targets.push_back(parse_target(match[1].str()));
    }
  }
  return targets;
}

}  // namespace

std::vector<std::string> startup_work(const std::string& disassembly,
                                      const std::string& relocations) {
  std::map<std::string, Function> functions;
  std::map<std::pair<std::string, std::uint64_t>, std::string> at_address;
  {
    static const std::regex section_header(R"(^Disassembly of section (\S+):)");
    static const std::regex function_header(R"(^([0-9a-f]+) <(.+)>:$)");
    std::istringstream in(disassembly);
    std::string section;
    Function* current = nullptr;
    for (std::string line; std::getline(in, line);) {
      std::smatch match;
      if (std::regex_search(line, match, section_header)) {
        section = match[1].str();
        current = nullptr;
      } else if (std::regex_match(line, match, function_header)) {
        const std::uint64_t address = std::stoull(match[1].str(), nullptr, 16);
        current = &functions[match[2].str()];
        current->section = section;
        current->address = address;
        at_address[{section, address}] = match[2].str();
      } else if (current != nullptr && !line.empty()) {
        current->lines.push_back(line);
      }
    }
  }
  // The function a target names: by its own name or as section + offset.
  const auto function_at = [&](const Target& target) -> std::string {
    if (functions.count(target.name) > 0) return target.name;
    const auto found = at_address.find({target.name, target.offset});
    return found == at_address.end() ? std::string() : found->second;
  };

  std::vector<std::string> problems;
  const auto problem = [&](const std::string& text) {
    if (std::find(problems.begin(), problems.end(), text) == problems.end()) {
      problems.push_back(text);
    }
  };
  std::vector<std::string> pending;
  for (const Target& target : startup_targets(relocations)) {
    const std::string function = function_at(target);
    if (function.empty()) {
      problem("runs " + demangle(target.name) + " before main or after it");
    } else {
      pending.push_back(function);
    }
  }

  // Follow every function the start-up code calls or takes the address of.
  static const std::regex mentioned(R"(<([^>+]+)(\+0x[0-9a-f]+)?>)");
  std::set<std::string> seen;
  while (!pending.empty()) {
    const std::string name = pending.back();
    pending.pop_back();
    if (!seen.insert(name).second) continue;
    // GCC's own wrappers (the initializer of the translation unit and the
    // function it calls) are not the student's words; anything else is.
    const bool generated =
        name.rfind("_GLOBAL__sub_I_", 0) == 0 ||
        name.find("__static_initialization_and_destruction_") != std::string::npos;
    if (!generated) {
      problem("runs " + demangle(name) + " before main or after it");
      continue;
    }
    for (const std::string& line : functions[name].lines) {
      const auto tab = line.find('\t');
      const std::string instruction = tab == std::string::npos ? line : line.substr(tab + 1);
      const std::string mnemonic = instruction.substr(0, instruction.find_first_of(" \t"));
      if (mnemonic == "syscall" || mnemonic == "sysenter" || mnemonic == "int") {
        problem("makes a system call before main");
      }
      if ((mnemonic == "call" || mnemonic == "jmp") && instruction.find('*') != std::string::npos) {
        problem("calls through a pointer before main");
      }
      if (const auto target = relocation_on(line)) {
        const std::string function = function_at(*target);
        if (!function.empty()) {
          pending.push_back(function);
        } else if (!iostream_initializer_uses(target->name) && !data_section(target->name)) {
          problem("runs " + demangle(target->name) + " before main or after it");
        }
        continue;
      }
      for (auto it = std::sregex_iterator(line.begin(), line.end(), mentioned);
           it != std::sregex_iterator(); ++it) {
        const std::string other = (*it)[1].str();
        if (other != name && functions.count(other) > 0) pending.push_back(other);
      }
    }
  }
  return problems;
}

std::vector<std::string> startup_work(const fs::path& object) {
  const std::string relocations = run_output({"objdump", "-r", "-w", "--", object.string()}, "/");
  // Only the sections the start-up entries point into are disassembled:
  // an object holds hundreds of sections of template code, and reading them
  // all costs ten times as much. Code elsewhere that start-up code calls is
  // reached through a relocation, and reported by name without being read.
  std::set<std::string> targets;
  for (const Target& target : startup_targets(relocations)) targets.insert(target.name);
  if (targets.empty()) return {};
  std::set<std::string> sections;
  for (const auto& target : targets) {
    if (target.rfind('.', 0) == 0) sections.insert(target);
  }
  if (sections.size() < targets.size()) {
    // A named function: its section is in the symbol table ("0000 g F .text
    // 000b name": the section is the third field from the end).
    std::istringstream in(run_output({"objdump", "-t", "-w", "--", object.string()}, "/"));
    for (std::string line; std::getline(in, line);) {
      std::istringstream fields(line);
      std::vector<std::string> words;
      for (std::string word; fields >> word;) words.push_back(word);
      if (words.size() >= 4 && targets.count(words.back()) > 0) {
        sections.insert(words[words.size() - 3]);
      }
    }
  }
  std::vector<std::string> disassemble = {"objdump", "-d", "-r", "-w", "--no-show-raw-insn"};
  for (const auto& section : sections) {
    disassemble.push_back("-j");
    disassemble.push_back(section);
  }
  disassemble.push_back("--");
  disassemble.push_back(object.string());
  return startup_work(run_output(disassemble, "/"), relocations);
}

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
