// The two date formats S3 uses, to Unix milliseconds.
#pragma once

#include <cstdint>
#include <string>

namespace hodei::artifact_s3 {

// "Fri, 27 Nov 2026 10:55:11 GMT" (Last-Modified, Date headers) -> ms since the epoch; 0 when unparsable.
int64_t http_date_to_unix_ms(const std::string &text);

// "2026-11-27T10:55:11.475Z" (ListObjectsV2 LastModified) -> ms since the epoch; 0 when unparsable.
int64_t iso8601_to_unix_ms(const std::string &text);

} // namespace hodei::artifact_s3
