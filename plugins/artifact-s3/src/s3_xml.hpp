// The XML documents S3 answers with, parsed with Boost.PropertyTree (rapidxml). Self-contained on purpose (no
// curl, no SDK) so that a fuzz target can link it alone: every function either returns a value or throws XmlError
// (or std::bad_alloc), whatever the input.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hodei::artifact_s3 {

class XmlError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// <Error><Code/><Message/><RequestId/>...</Error>
struct S3ErrorDocument {
  std::string code;
  std::string message;
  std::string request_id;
  std::string resource; // <Resource> or <Key>, when present
};

// nullopt when `body` is not an <Error> document (empty, HTML from a proxy, malformed).
std::optional<S3ErrorDocument> parse_error_document(std::string_view body);

// InitiateMultipartUploadResult/UploadId.
std::string parse_initiate_multipart_upload(std::string_view body);

// CompleteMultipartUpload answers 200 with either a result or an <Error> (it failed after the status was sent).
struct CompleteMultipartResult {
  std::string etag;                     // without quotes
  std::optional<S3ErrorDocument> error; // set when the document is an <Error>
};
CompleteMultipartResult parse_complete_multipart_upload(std::string_view body);

struct ListedObject {
  std::string key; // decoded when the listing was requested with encoding-type=url
  uint64_t size = 0;
  std::string last_modified; // ISO 8601, e.g. 2026-11-27T10:55:11.475Z
  std::string etag;          // without quotes
};

struct ListObjectsPage {
  std::vector<ListedObject> objects;
  bool truncated = false;
  std::string next_continuation_token;
};

// ListBucketResult of ListObjectsV2. Keys are URL-decoded when the document says <EncodingType>url</EncodingType>.
ListObjectsPage parse_list_objects_v2(std::string_view body);

// The body of CompleteMultipartUpload for parts 1..n with these ETags (as UploadPart returned them).
std::string complete_multipart_upload_body(const std::vector<std::string> &part_etags);

// Escapes & < > " ' for element text.
std::string xml_escape(std::string_view text);

// Removes one pair of surrounding double quotes (ETags come quoted).
std::string unquote_etag(std::string_view etag);

} // namespace hodei::artifact_s3
