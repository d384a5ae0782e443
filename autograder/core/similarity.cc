#include "autograder/core/similarity.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "autograder/core/class_page.h"
#include "autograder/core/files.h"
#include "autograder/core/process.h"
#include "autograder/core/stage.h"

namespace proctor {
namespace {

namespace fs = std::filesystem;

constexpr char kSim[] = "/usr/bin/sim_c++";

// Side-by-side pages for at most this many pairs, the highest first: a lab
// whose solutions all look alike would otherwise write thousands.
constexpr std::size_t kMaxPairPages = 300;

// Groups of submissions linked by suspicious pairs up to this size have
// every pair within them compared.
constexpr std::size_t kFullyComparedGroup = 12;

std::string collapse_whitespace(const std::string& line) {
  std::string out;
  bool space = false;
  for (char c : line) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      space = false;
      out += c;
    }
  }
  return out;
}

bool only_punctuation(const std::string& line) {
  return std::all_of(line.begin(), line.end(), [](char c) {
    return c == ' ' || c == '{' || c == '}' || c == '(' || c == ')' || c == ';' || c == ',';
  });
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// One submission's code as sim_c++ reads it and as a person reads it: the
// lab's code files one after another, each behind a comment naming it (sim
// skips comments), stripped of the base for sim, whole for the pages. Both
// have the same lines, so sim's line numbers point into the shown text.
struct Code {
  std::string id;
  std::string compared;
  std::vector<std::string> shown;
  std::vector<bool> from_base;
};

Code read_code(const Lab& lab, const Submission& submission, const std::set<std::string>& base,
               const fs::path& unpacked) {
  fs::remove_all(unpacked);
  const OpenedSubmission opened = open_submission(lab, submission.path, unpacked);
  Code code;
  code.id = submission.id;
  for (const auto& [file, found] : opened.located.found) {
    if (!is_source_file(file)) continue;
    const fs::path path = checked_source(opened, found);
    const std::string header = "// ---- " + file + " ----";
    code.compared += header + "\n";
    code.shown.push_back(header);
    code.from_base.push_back(false);
    const std::string text = read_file(path);
    const std::string stripped = strip_base(text, base);
    code.compared += stripped;
    if (!stripped.empty() && stripped.back() != '\n') code.compared += "\n";
    for (const auto& line : split_lines(text)) {
      code.shown.push_back(line);
      const std::string collapsed = collapse_whitespace(line);
      code.from_base.push_back(!collapsed.empty() && base.count(collapsed) != 0);
    }
  }
  return code;
}

// True if `code` has a line of its own beyond the base, the file headers and
// lone braces.
bool has_own_code(const Code& code) {
  for (std::size_t i = 0; i < code.shown.size(); ++i) {
    if (code.from_base[i] || code.shown[i].rfind("// ---- ", 0) == 0) continue;
    const std::string line = collapse_whitespace(code.shown[i]);
    if (!line.empty() && !only_punctuation(line)) return true;
  }
  return false;
}

// Runs sim_c++ in `dir` (where the files are); its output goes through
// `output`, a file of its own for each call running at once.
std::string run_sim(const std::vector<std::string>& args, const fs::path& dir,
                    const std::string& output = "sim.out") {
  if (!fs::exists(kSim)) {
    throw std::runtime_error(std::string(kSim) +
                             " is missing: install Debian's similarity-tester (./proctor "
                             "installs it with the kit's packages)");
  }
  std::vector<std::string> argv{kSim};
  argv.insert(argv.end(), args.begin(), args.end());
  const fs::path log = dir / output;
  const Exit exit = run_logged(argv, dir, log);
  if (!exit.ok()) {
    throw std::runtime_error("sim_c++ failed (" + exit.describe() + "): " + last_lines(log, 5));
  }
  return read_file(log);
}

// Calls work(i) for every i below `count`, on one thread per core.
void parallel_for(std::size_t count, const std::function<void(std::size_t)>& work) {
  std::atomic<std::size_t> next{0};
  std::mutex failed_lock;
  std::exception_ptr failed;
  std::vector<std::thread> threads;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned t = 0; t < std::min<std::size_t>(cores, count); ++t) {
    threads.emplace_back([&] {
      for (std::size_t i = next++; i < count; i = next++) {
        try {
          work(i);
        } catch (...) {
          const std::lock_guard<std::mutex> lock(failed_lock);
          if (!failed) failed = std::current_exception();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  if (failed) std::rethrow_exception(failed);
}

std::string code_file(std::size_t index) {
  char name[32];
  std::snprintf(name, sizeof name, "%05zu.cc", index);
  return name;
}

// What every student was given to start from: the skeleton of each code
// file they submit, and the lab's contract headers.
struct Base {
  std::set<std::string> lines;
  /// "processes.cc (skeleton)", "processes.h (contract)".
  std::vector<std::string> files;
};

Base read_base(const Lab& lab) {
  Base base;
  std::vector<std::string> texts;
  for (const auto& file : lab.student_files) {
    if (is_source_file(file) && fs::exists(lab.skeleton_dir / file)) {
      texts.push_back(read_file(lab.skeleton_dir / file));
      base.files.push_back(file + " (skeleton)");
    }
  }
  for (const auto& entry : fs::directory_iterator(lab.dir)) {
    const std::string name = entry.path().filename().string();
    const bool header = entry.path().extension() == ".h";
    if (entry.is_regular_file() && header &&
        std::find(lab.student_files.begin(), lab.student_files.end(), name) ==
            lab.student_files.end()) {
      texts.push_back(read_file(entry.path()));
      base.files.push_back(name + " (contract)");
    }
  }
  std::sort(base.files.begin(), base.files.end());
  base.lines = base_lines(texts);
  return base;
}

constexpr const char* kRunColors[] = {"#ffe08a", "#b8e0ff", "#c9f2c0",
                                      "#f7c6e0", "#e0d0ff", "#ffd0b0"};

// The pages' own styles: code side by side, numbered lines, runs coloured.
constexpr char kStyle[] = R"(<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1400px;padding:12px 16px;color:#1d1d1d}
h1{font-size:1.4em}h2{font-size:1.12em;margin-top:1.5em}
table{border-collapse:collapse;font-size:.92em}th,td{padding:3px 8px;border-bottom:1px solid #e4e4e4;text-align:left}th{background:#f3f3f3}
.n{text-align:right;font-variant-numeric:tabular-nums}.wrap{overflow-x:auto}
.hot{background:#fff4d6}.sides{display:flex;flex-wrap:wrap;gap:14px}
.side{flex:1 1 440px;min-width:0;overflow-x:auto}
pre{font-size:12px;line-height:1.35;margin:0;background:#fafafa;border:1px solid #ddd;padding:4px 0}
pre span{display:block;padding:0 6px;white-space:pre}.base{color:#999}
i{font-style:normal;color:#999;display:inline-block;width:3.2em;text-align:right;margin-right:.8em;user-select:none}
@media print{body{max-width:none}a{color:inherit;text-decoration:none}.side{flex-basis:45%}pre span{white-space:pre-wrap}}
</style>)";

std::string page_start(const std::string& title) { return html_page_head(title, kStyle, false); }

std::string pair_page_name(const SimilarPair& pair) {
  return pair.first + "--" + pair.second + ".html";
}

// One side of a pair page: every line, numbered, the base greyed, each
// run's lines in its color with an anchor at its first line.
std::string code_side(const Code& code, const std::vector<SimRun>& runs, bool left,
                      const std::string& side) {
  std::vector<int> run_of(code.shown.size() + 1, -1);
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const int first = left ? runs[r].left_first : runs[r].right_first;
    const int last = left ? runs[r].left_last : runs[r].right_last;
    for (int line = std::max(1, first); line <= last && line <= static_cast<int>(code.shown.size());
         ++line) {
      if (run_of[line] < 0) run_of[line] = static_cast<int>(r);
    }
  }
  std::string html = "<pre>";
  for (std::size_t i = 0; i < code.shown.size(); ++i) {
    const int line = static_cast<int>(i) + 1;
    const int run = run_of[line];
    html += "<span";
    if (run >= 0 && (line == 1 || run_of[line - 1] != run)) {
      html += " id=\"" + side + "-run-" + std::to_string(run + 1) + "\"";
    }
    if (run >= 0) {
      html += " style=\"background:" + std::string(kRunColors[run % 6]) + "\"";
    } else if (code.from_base[i]) {
      html += " class=\"base\"";
    }
    html += "><i>" + std::to_string(line) + "</i>" + html_escape(code.shown[i]) + "</span>";
  }
  return html + "</pre>";
}

std::string pair_page(const Lab& lab, const SimilarPair& pair, const Code& first,
                      const Code& second, const std::vector<SimRun>& runs) {
  std::string html = page_start(pair.first + " and " + pair.second + ": similarity");
  html += "<nav><a href=\"../index.html\">&larr; every pair</a></nav>\n<h1>" +
          html_escape(pair.first) + " and " + html_escape(pair.second) + "</h1>\n<p>Lab " +
          html_escape(lab.id) + ". " + std::to_string(pair.first_in_second) + "% of " +
          html_escape(pair.first) + "'s own code is in " + html_escape(pair.second) + ", " +
          std::to_string(pair.second_in_first) + "% of " + html_escape(pair.second) + "'s in " +
          html_escape(pair.first) +
          ". sim_c++ compares tokens, so renamed identifiers, changed comments and layout still "
          "match. Grey lines are the skeleton's or the contract's, left out of the comparison; "
          "each colour is one matching run.</p>\n";
  html += "<div class=\"wrap\"><table><thead><tr><th>Run</th><th>" + html_escape(pair.first) +
          "</th><th>" + html_escape(pair.second) +
          "</th><th class=\"n\">Tokens</th></tr></thead><tbody>";
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const std::string n = std::to_string(r + 1);
    html += "<tr><td style=\"background:" + std::string(kRunColors[r % 6]) + "\">" + n +
            "</td><td><a href=\"#a-run-" + n + "\">lines " + std::to_string(runs[r].left_first) +
            "-" + std::to_string(runs[r].left_last) + "</a></td><td><a href=\"#b-run-" + n +
            "\">lines " + std::to_string(runs[r].right_first) + "-" +
            std::to_string(runs[r].right_last) + "</a></td><td class=\"n\">" +
            std::to_string(runs[r].tokens) + "</td></tr>";
  }
  html += "</tbody></table></div>\n<div class=\"sides\"><div class=\"side\"><h2>" +
          html_escape(pair.first) + "</h2>" + code_side(first, runs, true, "a") +
          "</div><div class=\"side\"><h2>" + html_escape(pair.second) + "</h2>" +
          code_side(second, runs, false, "b") + "</div></div>\n</body>\n</html>\n";
  return html;
}

std::string index_page(const Lab& lab, const SimilarityReport& report,
                       const SimilarityOptions& options, const std::vector<std::string>& base_files,
                       bool beside_grades) {
  std::string html = page_start("Lab " + lab.id + ": code similarity");
  if (beside_grades) html += "<nav><a href=\"../index.html\">&larr; the class</a></nav>\n";
  html += "<h1>Lab " + html_escape(lab.id) + ": code similarity</h1>\n<p>Compared on " +
          report.when + ". " + std::to_string(report.compared.size()) +
          " submissions compared pairwise by sim_c++ "
          "(Debian's similarity-tester), each without the lines it shares with ";
  for (std::size_t i = 0; i < base_files.size(); ++i) {
    html += (i ? ", " : "") + html_escape(base_files[i]);
  }
  html += " (what every student was given). <strong>" + std::to_string(report.suspicious) +
          " pair(s)</strong> at or "
          "above " +
          std::to_string(options.threshold) +
          "%. A pair's score is the larger share of one submission's own code found in the "
          "other. Every pair found sharing code is in <a href=\"pairs.csv\">pairs.csv</a>. A high "
          "score is a reason to read both, not a verdict: short tasks written from the same "
          "handout can look alike.</p>\n";
  html +=
      "<div class=\"wrap\"><table><thead><tr><th class=\"n\">#</th><th>Submission</th><th>"
      "Submission</th><th class=\"n\">first in second</th><th class=\"n\">second in first</th>"
      "<th class=\"n\">Score</th><th>Side by side</th></tr></thead><tbody>\n";
  // Every suspicious pair (up to a limit), then enough of the rest to show
  // where the gap is.
  const std::size_t shown =
      std::min(report.pairs.size(),
               std::min(static_cast<std::size_t>(report.suspicious), kMaxPairPages) + 20);
  if (static_cast<std::size_t>(report.suspicious) > kMaxPairPages) {
    html += "<p>Side-by-side pages for the " + std::to_string(kMaxPairPages) +
            " highest pairs only: so many pairs alike usually means the lab leaves little room "
            "for different code.</p>\n";
  }
  for (std::size_t i = 0; i < shown; ++i) {
    const SimilarPair& pair = report.pairs[i];
    const bool hot = pair.score() >= options.threshold;
    html += std::string("<tr") + (hot ? " class=\"hot\"" : "") + "><td class=\"n\">" +
            std::to_string(i + 1) + "</td><td>" + html_escape(pair.first) + "</td><td>" +
            html_escape(pair.second) + "</td><td class=\"n\">" +
            std::to_string(pair.first_in_second) + "%</td><td class=\"n\">" +
            std::to_string(pair.second_in_first) + "%</td><td class=\"n\"><strong>" +
            std::to_string(pair.score()) + "%</strong></td><td>" +
            (hot && i < kMaxPairPages ? "<a href=\"pairs/" + pair_page_name(pair) + "\">compare</a>"
                                      : "") +
            "</td></tr>\n";
  }
  html += "</tbody></table></div>\n";
  if (shown < report.pairs.size()) {
    html += "<p>" + std::to_string(report.pairs.size() - shown) +
            " more pair(s) below, in pairs.csv.</p>\n";
  }
  if (!report.groups.empty()) {
    html +=
        "<h2>Groups</h2><p>Submissions linked by pairs at or above the threshold (A like B, "
        "B like C: one group), largest first.</p><ul>";
    for (const auto& group : report.groups) {
      html += "<li>" + std::to_string(group.size()) + ": ";
      for (std::size_t i = 0; i < group.size(); ++i)
        html += (i ? ", " : "") + html_escape(group[i]);
      html += "</li>";
    }
    html += "</ul>\n";
  }
  if (!report.left_out.empty()) {
    html += "<h2>Not compared</h2><ul>";
    for (const auto& [id, why] : report.left_out) {
      html += "<li>" + html_escape(id) + ": " + html_escape(why) + "</li>";
    }
    html += "</ul>\n";
  }
  return html + "</body>\n</html>\n";
}

}  // namespace

std::set<std::string> base_lines(const std::vector<std::string>& texts) {
  std::set<std::string> lines;
  for (const auto& text : texts) {
    for (const auto& line : split_lines(text)) {
      const std::string collapsed = collapse_whitespace(line);
      if (!collapsed.empty() && !only_punctuation(collapsed)) lines.insert(collapsed);
    }
  }
  return lines;
}

std::string strip_base(const std::string& text, const std::set<std::string>& base) {
  std::string out;
  for (const auto& line : split_lines(text)) {
    if (base.count(collapse_whitespace(line)) == 0) out += line;
    out += "\n";
  }
  return out;
}

std::vector<SimPercentage> parse_sim_percentages(const std::string& output) {
  static const std::regex line(R"(^(.+) consists for (\d+) % of (.+) material$)");
  std::vector<SimPercentage> found;
  for (const auto& text : split_lines(output)) {
    std::smatch match;
    if (std::regex_match(text, match, line)) {
      found.push_back({match[1], match[3], std::stoi(match[2])});
    }
  }
  return found;
}

std::vector<SimRun> parse_sim_runs(const std::string& output) {
  static const std::regex line(
      R"(^(\S+): line (\d+)-(\d+)\s*\|(\S+): line (\d+)-(\d+)\s*\[(\d+)\]$)");
  std::vector<SimRun> runs;
  for (const auto& text : split_lines(output)) {
    std::smatch match;
    if (std::regex_match(text, match, line)) {
      runs.push_back({match[1], std::stoi(match[2]), std::stoi(match[3]), match[4],
                      std::stoi(match[5]), std::stoi(match[6]), std::stoi(match[7])});
    }
  }
  return runs;
}

SimilarityReport compare_submissions(const Lab& lab, const std::vector<Submission>& submissions,
                                     const SimilarityOptions& options, const fs::path& scratch) {
  const auto started = std::chrono::steady_clock::now();
  SimilarityReport report;
  {
    const std::time_t now = std::time(nullptr);
    char when[64];
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
    report.when = when;
  }
  if (options.threshold < 1 || options.threshold > 100) {
    throw std::runtime_error("the threshold is a percentage from 1 to 100, not " +
                             std::to_string(options.threshold));
  }
  const Base base = read_base(lab);

  fs::remove_all(scratch);
  const fs::path code_dir = scratch / "code";
  fs::create_directories(code_dir);
  std::vector<Code> codes;
  std::map<std::string, std::size_t> by_file, index_of;
  std::vector<Submission> sorted = submissions;
  std::sort(sorted.begin(), sorted.end(),
            [](const Submission& a, const Submission& b) { return a.id < b.id; });
  for (const auto& submission : sorted) {
    try {
      Code code = read_code(lab, submission, base.lines, scratch / "unpacked");
      if (!has_own_code(code)) {
        report.left_out.emplace_back(submission.id, "nothing beyond the skeleton");
        continue;
      }
      const std::string name = code_file(codes.size());
      write_atomically(code_dir / name, code.compared);
      by_file[name] = codes.size();
      index_of[code.id] = codes.size();
      report.compared.push_back(code.id);
      codes.push_back(std::move(code));
    } catch (const std::exception& e) {
      report.left_out.emplace_back(submission.id, e.what());
    }
  }
  if (codes.size() < 2) {
    throw std::runtime_error("fewer than two submissions of lab " + lab.id +
                             " have code of their own to compare (" +
                             std::to_string(report.left_out.size()) + " left out)");
  }
  // Comparing every file with every other one on its own (sim's -e) grows
  // with the square of the class: a minute for 300 near-identical files.
  // So first every file against all the others at once, which says which
  // files hold each file's material; then each such pair on its own, for
  // its exact percentages.
  std::map<std::pair<std::size_t, std::size_t>, SimilarPair> pairs;
  std::set<std::pair<std::size_t, std::size_t>> done;
  // The pairs of `among` that sim_c++, run on them all at once, finds
  // sharing code (each file with those holding its material), not yet compared.
  const auto sources = [&](const std::vector<std::size_t>& among) {
    std::vector<std::string> args{"-p", "-a", "-s", "-t1"};
    for (std::size_t i : among) args.push_back(code_file(i));
    std::set<std::pair<std::size_t, std::size_t>> found;
    for (const auto& line : parse_sim_percentages(run_sim(args, code_dir))) {
      if (!by_file.count(line.from) || !by_file.count(line.of)) continue;
      const std::size_t from = by_file[line.from], of = by_file[line.of];
      const std::pair<std::size_t, std::size_t> pair{std::min(from, of), std::max(from, of)};
      if (from != of && !done.count(pair)) found.insert(pair);
    }
    return std::vector<std::pair<std::size_t, std::size_t>>(found.begin(), found.end());
  };
  const auto compare = [&](const std::vector<std::pair<std::size_t, std::size_t>>& to_compare) {
    done.insert(to_compare.begin(), to_compare.end());
    std::vector<SimilarPair> compared(to_compare.size());
    parallel_for(to_compare.size(), [&](std::size_t i) {
      const auto [first, second] = to_compare[i];
      SimilarPair& pair = compared[i];
      pair.first = codes[first].id;
      pair.second = codes[second].id;
      const std::string output = "pair-" + std::to_string(i) + ".out";
      for (const auto& found : parse_sim_percentages(
               run_sim({"-p", "-e", "-a", "-s", "-t1", code_file(first), code_file(second)},
                       code_dir, output))) {
        (found.from == code_file(first) ? pair.first_in_second : pair.second_in_first) =
            found.percent;
      }
      fs::remove(code_dir / output);
    });
    for (std::size_t i = 0; i < to_compare.size(); ++i) {
      if (compared[i].score() > 0) pairs[to_compare[i]] = compared[i];
    }
  };
  std::vector<std::size_t> everyone(codes.size());
  for (std::size_t i = 0; i < everyone.size(); ++i) everyone[i] = i;
  compare(sources(everyone));
  // Submissions linked by suspicious pairs form groups. The first pass
  // finds, for each file, those holding most of its material: the members of
  // a group find each other, so copies of copies may stay groups apart, and
  // within a group of three one pair may be missing. So one member of each
  // group is set against one of every other, until the groups stop merging;
  // then small groups get every pair compared. A larger group says enough
  // by its members.
  const auto groups = [&] {
    std::vector<std::size_t> parent(codes.size());
    for (std::size_t i = 0; i < parent.size(); ++i) parent[i] = i;
    const std::function<std::size_t(std::size_t)> root = [&](std::size_t i) {
      return parent[i] == i ? i : parent[i] = root(parent[i]);
    };
    for (const auto& [indices, pair] : pairs) {
      if (pair.score() >= options.threshold) parent[root(indices.first)] = root(indices.second);
    }
    std::map<std::size_t, std::vector<std::size_t>> members;
    for (std::size_t i = 0; i < codes.size(); ++i) members[root(i)].push_back(i);
    std::vector<std::vector<std::size_t>> found;
    for (auto& [top, group] : members) {
      if (group.size() > 1) found.push_back(group);
    }
    std::stable_sort(found.begin(), found.end(),
                     [](const auto& a, const auto& b) { return a.size() > b.size(); });
    return found;
  };
  for (std::size_t before = codes.size();;) {
    const auto found = groups();
    if (found.size() < 2 || found.size() >= before) break;
    before = found.size();
    std::vector<std::size_t> members;
    for (const auto& group : found) members.push_back(group.front());
    const auto across = sources(members);
    if (across.empty()) break;
    compare(across);
  }
  std::vector<std::pair<std::size_t, std::size_t>> within;
  for (const auto& group : groups()) {
    if (group.size() > kFullyComparedGroup) continue;
    for (std::size_t a = 0; a < group.size(); ++a) {
      for (std::size_t b = a + 1; b < group.size(); ++b) {
        if (!done.count({group[a], group[b]})) within.push_back({group[a], group[b]});
      }
    }
  }
  compare(within);
  for (const auto& group : groups()) {
    report.groups.emplace_back();
    for (std::size_t member : group) report.groups.back().push_back(codes[member].id);
  }
  for (const auto& [indices, pair] : pairs) report.pairs.push_back(pair);
  std::stable_sort(report.pairs.begin(), report.pairs.end(),
                   [](const SimilarPair& a, const SimilarPair& b) {
                     if (a.score() != b.score()) return a.score() > b.score();
                     return std::min(a.first_in_second, a.second_in_first) >
                            std::min(b.first_in_second, b.second_in_first);
                   });

  // The report replaces the last one, and is written whole before it shows.
  fs::remove_all(options.out / "pairs");
  fs::create_directories(options.out / "pairs");
  std::string csv = "first,second,first_in_second,second_in_first,score\n";
  std::vector<const SimilarPair*> paged;
  for (const auto& pair : report.pairs) {
    csv += pair.first + "," + pair.second + "," + std::to_string(pair.first_in_second) + "," +
           std::to_string(pair.second_in_first) + "," + std::to_string(pair.score()) + "\n";
    if (pair.score() < options.threshold) continue;
    ++report.suspicious;
    if (paged.size() < kMaxPairPages) paged.push_back(&pair);
  }
  parallel_for(paged.size(), [&](std::size_t i) {
    const SimilarPair& pair = *paged[i];
    const std::size_t first = index_of.at(pair.first), second = index_of.at(pair.second);
    const std::string first_name = code_file(first), second_name = code_file(second);
    const std::string output = "runs-" + std::to_string(i) + ".out";
    std::vector<SimRun> runs;
    for (auto run :
         parse_sim_runs(run_sim({"-n", "-e", "-s", first_name, second_name}, code_dir, output))) {
      if (run.left != first_name) {
        std::swap(run.left, run.right);
        std::swap(run.left_first, run.right_first);
        std::swap(run.left_last, run.right_last);
      }
      if (run.left == first_name && run.right == second_name) runs.push_back(run);
    }
    std::sort(runs.begin(), runs.end(),
              [](const SimRun& a, const SimRun& b) { return a.left_first < b.left_first; });
    write_atomically(options.out / "pairs" / pair_page_name(pair),
                     pair_page(lab, pair, codes[first], codes[second], runs));
  });
  write_atomically(options.out / "pairs.csv", csv);
  const bool beside_grades = fs::exists(options.out.parent_path() / "grades.json");
  write_atomically(options.out / "index.html",
                   index_page(lab, report, options, base.files, beside_grades));
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const nlohmann::json summary{{"lab", lab.id},
                               {"threshold", options.threshold},
                               {"submissions", report.compared.size()},
                               {"suspicious", report.suspicious},
                               {"groups", report.groups},
                               {"pairs", report.pairs.size()},
                               {"seconds", report.seconds},
                               {"when", report.when}};
  write_atomically(options.out / "summary.json", summary.dump(2) + "\n");
  fs::remove_all(scratch);
  return report;
}

}  // namespace proctor
