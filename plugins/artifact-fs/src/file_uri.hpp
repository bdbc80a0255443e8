// file:// URIs (RFC 8089, local files only) to absolute paths and back.
#pragma once

#include <string>
#include <string_view>

namespace hodei::artifact_fs {

// "file:///abs/path" or "file://localhost/abs/path" -> "/abs/path", percent-decoded. Throws
// sdk::invalid_argument for another scheme or host, a relative path, '?', '#', a bad or NUL escape.
std::string path_from_file_uri(std::string_view uri);

// "/abs/path" -> "file:///abs/path", percent-encoding every byte that is not a URI path character (and '%').
std::string file_uri_from_path(std::string_view path);

} // namespace hodei::artifact_fs
