// Fuzz target: the S3 XML answers (plugins/artifact-s3/src/s3_xml.*): what an S3 server, or anything pretending to
// be one, sends back. Every parser gets every input. Invariants: bad input is an XmlError (parse_error_document
// returns nullopt), never a crash or another exception; a truncated listing has a continuation token; ETags come
// back unquoted; text escaped with xml_escape reads back unchanged from an <Error> document.
#include "s3_xml.hpp"

#include "fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace hodei::artifact_s3;

bool quoted(const std::string &etag) { return etag.size() >= 2 && etag.front() == '"' && etag.back() == '"'; }

// Text the round trip can hold: XML 1.0 has no NUL and no other control characters but tab and newlines, and the
// parser may fold "\r\n" (as XML requires), so those are left out of the check.
bool representable(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\t' && c != '\n') return false;
  }
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string_view body(reinterpret_cast<const char *>(data), size);

  (void)parse_error_document(body);
  try {
    FUZZ_CHECK(!parse_initiate_multipart_upload(body).empty(), "an UploadId is never empty");
  } catch (const XmlError &) {
  }
  try {
    const CompleteMultipartResult r = parse_complete_multipart_upload(body);
    FUZZ_CHECK(!quoted(r.etag), "ETags come back unquoted");
  } catch (const XmlError &) {
  }
  try {
    const ListObjectsPage page = parse_list_objects_v2(body);
    FUZZ_CHECK(!page.truncated || !page.next_continuation_token.empty(), "a truncated page has a token");
    for (const ListedObject &o : page.objects) FUZZ_CHECK(!quoted(o.etag), "ETags come back unquoted");
  } catch (const XmlError &) {
  }

  // The escaping round trip, with the input as element text.
  if (representable(body)) {
    const std::string document = "<Error><Code>" + xml_escape(body) + "</Code></Error>";
    const auto error = parse_error_document(document);
    FUZZ_CHECK(error.has_value(), "an escaped text makes a well-formed <Error>");
    FUZZ_CHECK(error->code == body, "xml_escape round trip");
  }
  return 0;
}
