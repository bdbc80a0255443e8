// The CLI's listing tables: columns sized to their content, so long names never merge with the next column.
#include "devserver/cli/text_table.hpp"

#include <catch2/catch.hpp>
#include <sstream>

using hodei::devserver::cli::display_width;
using hodei::devserver::cli::TextTable;

namespace {
std::string printed(const TextTable &table) {
  std::ostringstream out;
  table.print(out);
  return out.str();
}
} // namespace

TEST_CASE("a table pads each column to its widest cell plus two spaces and leaves the last unpadded") {
  TextTable table({"ID", "NAME", "STATE"});
  table.add_row({"w-1", "a-worker-name-longer-than-twenty-characters", "alive"});
  table.add_row({"w-22", "short", "gone"});
  CHECK(printed(table) == "ID    NAME                                         STATE\n"
                          "w-1   a-worker-name-longer-than-twenty-characters  alive\n"
                          "w-22  short                                        gone\n");
}

TEST_CASE("a table keeps whitespace-separated fields apart for awk whatever the cell lengths") {
  TextTable table({"A", "B", "C"});
  const std::string long_cell(300, 'x');
  table.add_row({long_cell, "b", "c"});
  std::istringstream lines(printed(table));
  std::string header;
  std::getline(lines, header);
  std::string first;
  std::string second;
  std::string third;
  lines >> first >> second >> third;
  CHECK(first == long_cell);
  CHECK(second == "b");
  CHECK(third == "c");
}

TEST_CASE("a short row gets empty cells and no trailing blanks, and a long row is refused") {
  TextTable table({"A", "B"});
  table.add_row({"only"});
  CHECK(printed(table) == "A     B\nonly\n");
  CHECK_THROWS_WITH(table.add_row({"1", "2", "3"}), "table row has 3 cells, expected at most 2");
}

TEST_CASE("column widths count UTF-8 characters, not bytes") {
  CHECK(display_width("abc") == 3);
  CHECK(display_width("Größe") == 5);
  TextTable table({"NAME", "X"});
  table.add_row({"Größe", "1"});
  CHECK(printed(table) == "NAME   X\nGröße  1\n");
}
