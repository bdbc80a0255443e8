// Percent-encoding as SigV4 and S3 use it.
#pragma once

#include <string>
#include <string_view>

namespace hodei::artifact_s3 {

// AWS URI encoding: every byte except A-Z a-z 0-9 - _ . ~ becomes %XX (uppercase hex); '/' too unless
// `keep_slash`. Used for object paths (keep_slash) and for query names and values.
std::string aws_uri_encode(std::string_view s, bool keep_slash);

// Reverses percent-encoding; '+' becomes a space when `plus_is_space` (listings with encoding-type=url).
// Invalid escapes are kept as they are.
std::string percent_decode(std::string_view s, bool plus_is_space);

} // namespace hodei::artifact_s3
