#include "timestamps.hpp"

#include <charconv>
#include <ctime>
#include <curl/curl.h>

namespace hodei::artifact_s3 {

int64_t http_date_to_unix_ms(const std::string &text) {
  const time_t t = curl_getdate(text.c_str(), nullptr);
  return t < 0 ? 0 : static_cast<int64_t>(t) * 1000;
}

int64_t iso8601_to_unix_ms(const std::string &text) {
  // YYYY-MM-DDTHH:MM:SS[.fff]Z
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':')
    return 0;
  auto num = [&](size_t pos, size_t len, int &out) {
    const auto [end, ec] = std::from_chars(text.data() + pos, text.data() + pos + len, out);
    return ec == std::errc() && end == text.data() + pos + len;
  };
  std::tm tm{};
  int year = 0, month = 0;
  if (!num(0, 4, year) || !num(5, 2, month) || !num(8, 2, tm.tm_mday) || !num(11, 2, tm.tm_hour) ||
      !num(14, 2, tm.tm_min) || !num(17, 2, tm.tm_sec))
    return 0;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  int millis = 0;
  size_t pos = 19;
  if (text[pos] == '.') {
    int scale = 100;
    for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
      millis += (text[pos] - '0') * scale;
      scale /= 10;
    }
  }
  if (pos >= text.size() || text[pos] != 'Z') return 0;
  const time_t t = ::timegm(&tm);
  return t < 0 ? 0 : static_cast<int64_t>(t) * 1000 + millis;
}

} // namespace hodei::artifact_s3
