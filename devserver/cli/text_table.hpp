#pragma once
// A plain-text table for the CLI's listings (`jobs`, `workers`): every column as wide as its widest cell, two spaces
// between columns, the last column unpadded. Widths come from the content, so a long worker name never runs into the
// next column and `awk '{print $2}'` keeps working on any row whose cells have no spaces.
#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace hodei::devserver::cli {

class TextTable {
public:
  explicit TextTable(std::vector<std::string> headers);

  // A row with fewer cells than headers is padded with empty cells; one with more is an error (std::invalid_argument).
  void add_row(std::vector<std::string> cells);
  void print(std::ostream &out) const;

private:
  std::vector<std::vector<std::string>> rows_; // rows_[0] is the header
};

// Characters on screen of UTF-8 text (code points; continuation bytes do not count). Exposed for its test.
std::size_t display_width(const std::string &text);

} // namespace hodei::devserver::cli
