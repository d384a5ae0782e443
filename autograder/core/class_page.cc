#include "autograder/core/class_page.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "autograder/core/files.h"
#include "autograder/core/report.h"

namespace proctor {
namespace {

namespace fs = std::filesystem;

// Inline styles and, on the class page only, the script that sorts the
// student table: the pages must work from file:// on a machine with no
// network, so nothing is fetched. The policy forbids everything else.
constexpr char kStyle[] = R"(<style>
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;padding:12px 16px;color:#1d1d1d;background:#fff}
h1{font-size:1.45em;margin:.4em 0}
h2{font-size:1.15em;margin-top:1.8em;border-bottom:1px solid #ccc;padding-bottom:2px}
p.lead{color:#444}
.wrap{overflow-x:auto}
table{border-collapse:collapse;font-size:.92em;margin:.4em 0}
th,td{padding:3px 8px;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}
th{background:#f3f3f3}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th[data-type]{cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" \25B2"}
th[aria-sort=descending]::after{content:" \25BC"}
.figures{display:flex;flex-wrap:wrap;gap:18px}
.figure{flex:1 1 340px;min-width:0}
.figure p{margin:.2em 0;font-size:.9em;color:#444}
svg{max-width:100%;height:auto}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f6f6;border-left:3px solid #ccc;padding:6px 8px;font-size:.85em;margin:.3em 0 .8em}
.bad{color:#a40000}.good{color:#05670a}.warn{background:#fff4d6;border:1px solid #e5c15a;padding:6px 10px}
nav{font-size:.9em;margin-bottom:.5em}
@media print{body{max-width:none;padding:0}a{color:inherit;text-decoration:none}th[data-type]::after{content:none}h2{break-after:avoid}tr,.figure{break-inside:avoid}}
</style>)";

constexpr char kSortScript[] = R"(<script>
// Click a column heading to sort the student table by it (again: reverse).
function sortBy(th, ascending) {
  const table = th.closest("table");
  const column = Array.from(th.parentNode.children).indexOf(th);
  for (const other of table.querySelectorAll("th")) other.removeAttribute("aria-sort");
  th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  const key = (row) => {
    const cell = row.cells[column];
    const text = cell.dataset.sort ?? cell.textContent;
    return th.dataset.type === "number" ? parseFloat(text) : text;
  };
  const rows = Array.from(table.tBodies[0].rows);
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    const order = typeof x === "number" ? x - y : String(x).localeCompare(String(y));
    return ascending ? order : -order;
  });
  for (const row of rows) table.tBodies[0].appendChild(row);
}
const headings = document.querySelectorAll("table.sortable th[data-type]");
for (const th of headings) {
  th.addEventListener("click", () => sortBy(th, th.getAttribute("aria-sort") !== "ascending"));
}
// A link can ask for an order: index.html#sort=score, #sort=-score (descending).
function sortAsked() {
  const asked = /^#sort=(-?)(.+)$/.exec(decodeURIComponent(location.hash));
  if (!asked) return;
  for (const th of headings) {
    if (th.textContent.trim().toLowerCase() === asked[2].toLowerCase()) sortBy(th, asked[1] !== "-");
  }
}
sortAsked();
window.addEventListener("hashchange", sortAsked);
</script>)";

std::string fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

std::string percent(double part, double whole) {
  return whole > 0 ? fixed(100.0 * part / whole, 0) + "%" : "-";
}

// A folder name in a link: every byte outside the unreserved set escaped.
std::string url_segment(const std::string& name) {
  std::string out;
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char code[4];
      std::snprintf(code, sizeof code, "%%%02X", c);
      out += code;
    }
  }
  return out;
}

// A horizontal bar `fraction` of `width` long, drawn as SVG so it prints
// (browsers leave CSS backgrounds out of print by default).
std::string bar_svg(double fraction, int width, const std::string& color) {
  const int filled = static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * width));
  return "<svg width=\"" + std::to_string(width) + "\" height=\"10\" viewBox=\"0 0 " +
         std::to_string(width) + " 10\" aria-hidden=\"true\"><rect width=\"" +
         std::to_string(width) + "\" height=\"10\" fill=\"#e8e8e8\"/><rect width=\"" +
         std::to_string(filled) + "\" height=\"10\" fill=\"" + color + "\"/></svg>";
}

struct TestFigures {
  std::string name;
  int task = 0;
  double points = 0;
  bool hidden = false;
  int passed = 0;
  int graded = 0;
  std::vector<double> seconds;
  double slowest = 0;
  std::string slowest_id;
};

// Per test, over the submissions that built (a build error fails every
// test and says nothing about which test is hard), in the order first seen.
std::vector<TestFigures> test_figures(const std::vector<SubmissionResult>& results) {
  std::vector<TestFigures> tests;
  std::map<std::string, std::size_t> index;
  for (const auto& result : results) {
    if (result.status != Status::graded) continue;
    for (const auto& test : result.tests) {
      auto [at, added] = index.emplace(test.info.name, tests.size());
      if (added) {
        TestFigures figures;
        figures.name = test.info.name;
        figures.task = test.info.task;
        figures.points = test.info.points;
        figures.hidden = test.hidden;
        tests.push_back(figures);
      }
      TestFigures& figures = tests[at->second];
      figures.graded += 1;
      figures.passed += test.passed;
      if (test.runs > 0) {
        figures.seconds.push_back(test.seconds);
        if (test.seconds > figures.slowest) {
          figures.slowest = test.seconds;
          figures.slowest_id = result.id;
        }
      }
    }
  }
  return tests;
}

std::string task_chart_svg(const std::vector<SubmissionResult>& results) {
  const std::vector<int> tasks = class_tasks(results);
  const int row = 34, left = 70, width = 460, plot = width - left - 50;
  const int height = 30 + row * static_cast<int>(tasks.size());
  std::ostringstream svg;
  svg << "<svg viewBox=\"0 0 " << width << " " << height << "\" width=\"" << width
      << "\" role=\"img\" aria-labelledby=\"task-chart-title\"><title id=\"task-chart-title\">"
         "Mean score and full-marks rate per task</title>"
      << "<g font-size=\"11\" fill=\"#333\">"
      << "<rect x=\"" << left << "\" y=\"4\" width=\"10\" height=\"8\" fill=\"#3b6ea8\"/>"
      << "<text x=\"" << left + 14 << "\" y=\"12\">mean score</text>"
      << "<rect x=\"" << left + 100 << "\" y=\"4\" width=\"10\" height=\"8\" fill=\"#8cc084\"/>"
      << "<text x=\"" << left + 114 << "\" y=\"12\">full marks</text>";
  // Per task: points earned, points available, submissions with all of them.
  struct Totals {
    double earned = 0;
    double available = 0;
    int full = 0;
  };
  std::map<int, Totals> totals;
  for (const auto& result : results) {
    for (const TaskScore& score : task_scores(result)) {
      Totals& task = totals[score.task];
      task.earned += score.score;
      task.available += score.max_score;
      task.full += score.max_score > 0 && score.score == score.max_score;
    }
  }
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const Totals& task = totals[tasks[i]];
    const double mean = task.available > 0 ? task.earned / task.available : 0;
    const double rate = results.empty() ? 0 : static_cast<double>(task.full) / results.size();
    const int y = 24 + row * static_cast<int>(i);
    svg << "<text x=\"0\" y=\"" << y + 15 << "\">Task " << tasks[i] << "</text>"
        << "<rect x=\"" << left << "\" y=\"" << y << "\" width=\"" << plot
        << "\" height=\"26\" fill=\"#f1f1f1\"/>"
        << "<rect x=\"" << left << "\" y=\"" << y + 1 << "\" width=\"" << std::lround(mean * plot)
        << "\" height=\"11\" fill=\"#3b6ea8\"/>"
        << "<rect x=\"" << left << "\" y=\"" << y + 14 << "\" width=\"" << std::lround(rate * plot)
        << "\" height=\"11\" fill=\"#8cc084\"/>"
        << "<text x=\"" << left + plot + 4 << "\" y=\"" << y + 10 << "\">" << fixed(100 * mean, 0)
        << "%</text>"
        << "<text x=\"" << left + plot + 4 << "\" y=\"" << y + 23 << "\">" << fixed(100 * rate, 0)
        << "%</text>";
  }
  svg << "</g></svg>";
  return svg.str();
}

std::string status_counts_html(const std::vector<SubmissionResult>& results) {
  std::map<Status, int> counts;
  for (const auto& result : results) ++counts[result.status];
  std::string html =
      "<table><thead><tr><th>Status</th><th class=\"n\">Submissions</th><th>"
      "</th></tr></thead><tbody>";
  const std::map<Status, std::string> meaning{
      {Status::graded, "built and tested"},
      {Status::build_error, "did not compile or link: every test scores zero"},
      {Status::rejected, "could not be staged (no lab file, bad archive, ...)"}};
  for (Status status : {Status::graded, Status::build_error, Status::rejected}) {
    html += "<tr><td>" + to_string(status) + "</td><td class=\"n\">" +
            std::to_string(counts[status]) + "</td><td>" +
            bar_svg(results.empty() ? 0 : static_cast<double>(counts[status]) / results.size(), 120,
                    status == Status::graded ? "#3b6ea8" : "#c0504d") +
            " " + meaning.at(status) + "</td></tr>";
  }
  return html + "</tbody></table>";
}

std::string pass_rate_html(std::vector<TestFigures> tests) {
  std::stable_sort(tests.begin(), tests.end(), [](const TestFigures& a, const TestFigures& b) {
    return a.passed * b.graded < b.passed * a.graded;  // a's rate below b's, no division
  });
  std::string html =
      "<div class=\"wrap\"><table><thead><tr><th class=\"n\">Passed</th><th></th>"
      "<th>Test</th><th class=\"n\">Task</th><th class=\"n\">Points</th><th>Kind</th>"
      "</tr></thead><tbody>";
  for (const auto& test : tests) {
    html +=
        "<tr><td class=\"n\">" + percent(test.passed, test.graded) + " (" +
        std::to_string(test.passed) + "/" + std::to_string(test.graded) + ")</td><td>" +
        bar_svg(test.graded ? static_cast<double>(test.passed) / test.graded : 0, 100, "#3b6ea8") +
        "</td><td>" + html_escape(test.name) + "</td><td class=\"n\">" + std::to_string(test.task) +
        "</td><td class=\"n\">" + format_points(test.points) + "</td><td>" +
        (test.hidden ? "hidden" : "public") + "</td></tr>";
  }
  return html + "</tbody></table></div>";
}

std::string slowest_html(std::vector<TestFigures> tests) {
  std::stable_sort(tests.begin(), tests.end(), [](const TestFigures& a, const TestFigures& b) {
    return a.slowest > b.slowest;
  });
  if (tests.size() > 10) tests.resize(10);
  std::string html =
      "<div class=\"wrap\"><table><thead><tr><th>Test</th><th class=\"n\">Slowest</th>"
      "<th>in</th><th class=\"n\">Median</th></tr></thead><tbody>";
  for (const auto& test : tests) {
    if (test.seconds.empty()) continue;
    html += "<tr><td>" + html_escape(test.name) + "</td><td class=\"n\">" + fixed(test.slowest, 2) +
            " s</td><td><a href=\"" + url_segment(test.slowest_id) + "/report.html\">" +
            html_escape(test.slowest_id) + "</a></td><td class=\"n\">" +
            fixed(median(test.seconds), 2) + " s</td></tr>";
  }
  return html + "</tbody></table></div>";
}

std::string student_table_html(const std::vector<SubmissionResult>& results) {
  const std::vector<int> tasks = class_tasks(results);
  std::string html =
      "<div class=\"wrap\"><table class=\"sortable\"><thead><tr>"
      "<th data-type=\"text\" aria-sort=\"ascending\">Student</th>";
  for (int task : tasks) {
    html += "<th class=\"n\" data-type=\"number\">T" + std::to_string(task) + "</th>";
  }
  html +=
      "<th class=\"n\" data-type=\"number\">Score</th><th data-type=\"text\">Status</th>"
      "<th class=\"n\" data-type=\"number\">Failed</th><th class=\"n\" "
      "data-type=\"number\">Time</th><th class=\"n\" data-type=\"number\">Review</th>"
      "</tr></thead><tbody>";
  for (const auto& result : results) {
    html += "<tr><td><a href=\"" + url_segment(result.id) + "/report.html\">" +
            html_escape(result.id) + "</a></td>";
    const auto scores = task_scores(result);
    for (int task : tasks) {
      html += "<td class=\"n\">" + format_points(score_on_task(scores, task)) + "</td>";
    }
    int failed = 0;
    for (const auto& test : result.tests) failed += !test.passed;
    html += "<td class=\"n\" data-sort=\"" + format_points(result.score()) + "\">" +
            format_points(result.score()) + "/" + format_points(result.max_score()) + "</td><td" +
            (result.status == Status::graded ? "" : " class=\"bad\"") + ">" +
            to_string(result.status) + "</td><td class=\"n\">" + std::to_string(failed) +
            "</td><td class=\"n\" data-sort=\"" + fixed(result.seconds, 3) + "\">" +
            fixed(result.seconds, 1) + " s</td><td class=\"n\">" +
            (result.review.empty()
                 ? "0"
                 : "<span class=\"bad\">" + std::to_string(result.review.size()) + "</span>") +
            "</td></tr>\n";
  }
  return html + "</tbody></table></div>";
}

std::optional<SimilarityLink> similarity_in(const fs::path& dir) {
  const fs::path summary = dir / kSimilarityFolder / "summary.json";
  const auto text = read_file_if_exists(summary);
  if (!text) return std::nullopt;
  try {
    const auto json = nlohmann::json::parse(*text);
    return SimilarityLink{std::string(kSimilarityFolder) + "/index.html",
                          json.at("suspicious").get<int>(), json.at("threshold").get<int>(),
                          json.at("submissions").get<int>(), json.value("when", "")};
  } catch (const std::exception&) {
    return std::nullopt;  // A damaged summary: the page goes without the link.
  }
}

}  // namespace

std::string html_page_head(const std::string& title, const std::string& style, bool script) {
  return std::string("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n") +
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; img-src data:; script-src " +
         (script ? "'unsafe-inline'" : "'none'") + "\">\n<title>" + html_escape(title) +
         "</title>\n" + style + "\n</head>\n<body>\n";
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : visible(text)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string score_histogram_svg(const std::vector<SubmissionResult>& results) {
  double max_score = 0;
  for (const auto& result : results) max_score = std::max(max_score, result.max_score());
  const bool per_point = max_score <= 40;
  const int bins = per_point ? static_cast<int>(std::floor(max_score)) + 1 : 20;
  const double bin_width = per_point ? 1 : max_score / bins;
  std::vector<int> counts(bins, 0);
  for (const auto& result : results) {
    int bin = bin_width > 0 ? static_cast<int>(std::floor(result.score() / bin_width)) : 0;
    ++counts[std::clamp(bin, 0, bins - 1)];
  }
  const int tallest = std::max(1, *std::max_element(counts.begin(), counts.end()));
  const int width = 480, height = 230, left = 34, bottom = 34, top = 12;
  const double plot_width = width - left - 8, plot_height = height - bottom - top;
  const double step = plot_width / bins;
  std::ostringstream svg;
  svg << "<svg viewBox=\"0 0 " << width << " " << height << "\" width=\"" << width
      << "\" role=\"img\" aria-labelledby=\"histogram-title\"><title id=\"histogram-title\">"
         "Submissions per score</title><g font-size=\"11\" fill=\"#333\">";
  // Horizontal guides at round counts.
  const int guide = tallest <= 5 ? 1 : tallest <= 20 ? 5 : tallest <= 100 ? 20 : 100;
  for (int count = 0; count <= tallest; count += guide) {
    const double y = top + plot_height * (1 - static_cast<double>(count) / tallest);
    svg << "<line x1=\"" << left << "\" x2=\"" << width - 8 << "\" y1=\"" << fixed(y, 1)
        << "\" y2=\"" << fixed(y, 1) << "\" stroke=\"#ddd\"/><text x=\"" << left - 4 << "\" y=\""
        << fixed(y + 4, 1) << "\" text-anchor=\"end\">" << count << "</text>";
  }
  // Labels at most about 20 apart, so that they never overlap.
  const int label_every = per_point ? (bins + 20) / 21 : 4;
  for (int bin = 0; bin < bins; ++bin) {
    const double x = left + step * bin;
    const double bar = plot_height * counts[bin] / tallest;
    const std::string from =
        per_point ? std::to_string(bin) : fixed(bin * bin_width, bin_width >= 2 ? 0 : 1);
    svg << "<rect x=\"" << fixed(x + 1, 1) << "\" y=\"" << fixed(top + plot_height - bar, 1)
        << "\" width=\"" << fixed(std::max(1.0, step - 2), 1) << "\" height=\"" << fixed(bar, 1)
        << "\" fill=\"#3b6ea8\"><title>" << from
        << (per_point ? "" : " to " + fixed((bin + 1) * bin_width, bin_width >= 2 ? 0 : 1))
        << " points: " << counts[bin] << " submission(s)</title></rect>";
    if (bin % label_every == 0) {
      svg << "<text x=\"" << fixed(x + step / 2, 1) << "\" y=\"" << height - bottom + 14
          << "\" text-anchor=\"middle\">" << from << "</text>";
    }
  }
  svg << "<text x=\"" << left + plot_width / 2 << "\" y=\"" << height - 4
      << "\" text-anchor=\"middle\">score (points" << (per_point ? "" : ", bins from") << ")</text>"
      << "</g></svg>";
  return svg.str();
}

std::string class_page_html(const std::string& title, const std::vector<SubmissionResult>& results,
                            const std::optional<SimilarityLink>& similarity) {
  std::vector<double> scores;
  double max_score = 0;
  int full = 0;
  for (const auto& result : results) {
    scores.push_back(result.score());
    max_score = std::max(max_score, result.max_score());
  }
  for (const auto& result : results) full += max_score > 0 && result.score() == max_score;
  double mean = 0;
  for (double score : scores) mean += score / static_cast<double>(scores.size());
  const std::vector<TestFigures> tests = test_figures(results);
  int built = 0;
  for (const auto& result : results) built += result.status == Status::graded;

  std::ostringstream html;
  html
      << html_page_head(title + ": class", kStyle, true) << "<h1>" << html_escape(title)
      << "</h1>\n"
      << "<p class=\"lead\">" << results.size() << " submissions; mean " << fixed(mean, 2) << "/"
      << format_points(max_score) << ", median " << format_points(median(scores)) << "/"
      << format_points(max_score) << ", full marks " << full << ". Files: <a "
      << "href=\"gradebook.csv\">gradebook.csv</a>, <a href=\"summary.txt\">summary.txt</a>.</p>\n";
  std::vector<std::string> weak;
  for (const auto& result : results) {
    if (!result.isolation_warning.empty()) weak.push_back(result.id);
  }
  if (!weak.empty()) {
    html << "<p class=\"warn\">" << weak.size()
         << " submission(s) were graded with less isolation than the kit's minimum; see their "
            "pages.</p>\n";
  }
  if (similarity) {
    html << "<p" << (similarity->suspicious > 0 ? " class=\"warn\"" : "")
         << ">Code similarity: <a href=\"" << similarity->href << "\">" << similarity->suspicious
         << " pair(s) at or above " << similarity->threshold << "%</a> among "
         << similarity->submissions << " submissions (proctor similar"
         << (similarity->when.empty() ? "" : ", " + html_escape(similarity->when)) << ").</p>\n";
  }
  html << "<div class=\"figures\">\n<div class=\"figure\"><h2>Score distribution</h2>"
       << score_histogram_svg(results)
       << "<p>How many submissions earned each score (a build error or a rejected submission "
          "scores 0).</p></div>\n"
       << "<div class=\"figure\"><h2>Tasks</h2>" << task_chart_svg(results)
       << "<p>Blue: the class's mean score on the task, as a share of its points. Green: the "
          "share of submissions with every point of the task.</p></div>\n</div>\n"
       << "<h2>Status</h2>" << status_counts_html(results) << "\n"
       << "<h2>Pass rate per test, hardest first</h2><p>Among the " << built
       << " submissions that built (a build error fails every test).</p>" << pass_rate_html(tests)
       << "\n"
       << "<h2>Slowest tests</h2><p>Longest wall time of a test in any submission, and the "
          "median over those that built: a test near its deadline is where a loaded grader "
          "would time out first.</p>"
       << slowest_html(tests) << "\n"
       << "<h2>Students</h2><p>Click a heading to sort (a link can too: <a "
          "href=\"#sort=-score\">#sort=-score</a>). Review: source lines that reach for the "
          "test harness, for the instructor to read (never scored).</p>"
       << student_table_html(results) << "\n"
       << kSortScript << "\n</body>\n</html>\n";
  return html.str();
}

std::string student_page_html(const std::string& title, const SubmissionResult& result) {
  std::ostringstream html;
  html << html_page_head(result.id + ": " + title, kStyle, false)
       << "<nav><a href=\"../index.html\">&larr; the class</a></nav>\n<h1>"
       << html_escape(result.id) << "</h1>\n<p class=\"lead\">" << html_escape(title)
       << ". Status: <strong" << (result.status == Status::graded ? "" : " class=\"bad\"") << ">"
       << to_string(result.status) << "</strong>. Score: <strong>" << format_points(result.score())
       << "/" << format_points(result.max_score()) << "</strong>. Tests took "
       << fixed(result.seconds, 1) << " s. Source: " << html_escape(result.source.string())
       << ".</p>\n";
  html << "<p>Files: <a href=\"report.txt\">report.txt</a>, <a href=\"results.json\">results.json"
       << "</a> (Gradescope), <a href=\"junit.xml\">junit.xml</a>, <a href=\"result.json\">"
       << "result.json</a>.</p>\n";
  if (!result.isolation_warning.empty()) {
    html << "<p class=\"warn\">Graded with less isolation than the kit's minimum: "
         << html_escape(result.isolation_warning) << "</p>\n";
  }
  html << "<h2>Tasks</h2><table><thead><tr><th>Task</th><th class=\"n\">Score</th><th "
          "class=\"n\">Tests passed</th><th></th></tr></thead><tbody>";
  for (const TaskScore& task : task_scores(result)) {
    html << "<tr><td>Task " << task.task << "</td><td class=\"n\">" << format_points(task.score)
         << "/" << format_points(task.max_score) << "</td><td class=\"n\">" << task.passed << "/"
         << task.tests << "</td><td>"
         << bar_svg(task.max_score > 0 ? task.score / task.max_score : 0, 120, "#3b6ea8")
         << "</td></tr>";
  }
  html << "</tbody></table>\n";
  if (!result.problem.empty()) {
    html << "<h2>"
         << (result.status == Status::build_error ? "Build errors" : "Why it was rejected")
         << "</h2><pre>" << html_escape(result.problem) << "</pre>\n";
  }
  if (!result.review.empty()) {
    html << "<h2>For review</h2><p>Lines that reach for the test harness rather than the task "
            "(never scored by themselves):</p><pre>";
    for (const auto& note : result.review) html << html_escape(note) << "\n";
    html << "</pre>\n";
  }
  if (result.status == Status::graded) {
    bool any = false;
    for (std::size_t i = 0; i < result.tests.size(); ++i) {
      const TestResult& test = result.tests[i];
      if (test.passed) continue;
      if (!any) html << "<h2>Failed tests</h2>\n";
      any = true;
      html << "<h3 id=\"test-" << test_number(result, i) << "\">" << test_number(result, i) << " "
           << html_escape(test.info.name) << " <small>(" << (test.hidden ? "hidden" : "public")
           << ", 0/" << format_points(test.info.points) << ")</small></h3><pre>"
           << html_escape(test.message) << "</pre>\n";
    }
    if (!any) html << "<p class=\"good\">Every test passed.</p>\n";
  }
  if (!result.missing.empty()) {
    html << "<h2>Missing files</h2><p>The unmodified skeleton's were graded:</p><ul>";
    for (const auto& file : result.missing) html << "<li>" << html_escape(file) << "</li>";
    html << "</ul>\n";
  }
  if (!result.ignored.empty()) {
    html << "<h2>Ignored files</h2><p>Not in the lab's manifest:</p><ul>";
    for (const auto& file : result.ignored) html << "<li>" << html_escape(file) << "</li>";
    html << "</ul>\n";
  }
  html << "</body>\n</html>\n";
  return html.str();
}

void write_class_pages(const fs::path& dir, const std::string& title,
                       const std::vector<SubmissionResult>& results) {
  for (const auto& result : results) {
    write_atomically(dir / result.id / "report.html", student_page_html(title, result));
  }
  write_atomically(dir / "index.html", class_page_html(title, results, similarity_in(dir)));
}

}  // namespace proctor
