#include "devserver/cli/text_table.hpp"

#include <algorithm>
#include <ostream>
#include <stdexcept>

namespace hodei::devserver::cli {

namespace {
constexpr std::size_t kColumnGap = 2;
} // namespace

TextTable::TextTable(std::vector<std::string> headers) { rows_.push_back(std::move(headers)); }

void TextTable::add_row(std::vector<std::string> cells) {
  const std::size_t columns = rows_.front().size();
  if (cells.size() > columns) {
    throw std::invalid_argument("table row has " + std::to_string(cells.size()) + " cells, expected at most " +
                                std::to_string(columns));
  }
  cells.resize(columns);
  rows_.push_back(std::move(cells));
}

void TextTable::print(std::ostream &out) const {
  const std::size_t columns = rows_.front().size();
  std::vector<std::size_t> widths(columns, 0);
  for (const auto &row : rows_) {
    for (std::size_t column = 0; column < columns; ++column) {
      widths[column] = std::max(widths[column], display_width(row[column]));
    }
  }
  for (const auto &row : rows_) {
    std::string line;
    for (std::size_t column = 0; column < columns; ++column) {
      line += row[column];
      if (column + 1 < columns) line.append(widths[column] - display_width(row[column]) + kColumnGap, ' ');
    }
    // Trailing blanks (an empty last cell) would only confuse diffs and copy-paste.
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
  }
}

std::size_t display_width(const std::string &text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char byte) { return (static_cast<unsigned char>(byte) & 0xC0U) != 0x80U; }));
}

} // namespace hodei::devserver::cli
