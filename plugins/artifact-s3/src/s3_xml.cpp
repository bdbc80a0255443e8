#include "s3_xml.hpp"

#include "percent_encoding.hpp"

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <charconv>
#include <sstream>

namespace hodei::artifact_s3 {
namespace pt = boost::property_tree;

namespace {

// S3 documents are 3-4 levels deep; rapidxml recurses once per level, so deeper input is refused up front.
constexpr size_t kMaxDepth = 32;
constexpr size_t kMaxDocumentBytes = 64u << 20;

bool at(std::string_view s, size_t i, std::string_view what) { return s.substr(i, what.size()) == what; }

// Checks the element nesting without recursion. Refuses DOCTYPE/ENTITY declarations, which S3 never sends.
void check_shape(std::string_view s) {
  if (s.size() > kMaxDocumentBytes) throw XmlError("document larger than 64 MiB");
  size_t depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '<') continue;
    auto skip_to = [&](std::string_view end) {
      const size_t e = s.find(end, i);
      i = e == std::string_view::npos ? s.size() : e + end.size() - 1;
    };
    if (at(s, i, "<!--")) {
      skip_to("-->");
    } else if (at(s, i, "<![CDATA[")) {
      skip_to("]]>");
    } else if (at(s, i, "<!")) {
      throw XmlError("DOCTYPE and other declarations are not accepted");
    } else if (at(s, i, "<?")) {
      skip_to("?>");
    } else if (at(s, i, "</")) {
      if (depth > 0) --depth;
      skip_to(">");
    } else {
      char quote = 0;
      size_t j = i + 1;
      for (; j < s.size(); ++j) {
        if (quote != 0) {
          if (s[j] == quote) quote = 0;
        } else if (s[j] == '"' || s[j] == '\'') {
          quote = s[j];
        } else if (s[j] == '>') {
          break;
        }
      }
      if (j < s.size() && s[j - 1] != '/' && ++depth > kMaxDepth) throw XmlError("elements nested too deeply");
      i = j;
    }
  }
}

pt::ptree parse(std::string_view body) {
  check_shape(body);
  pt::ptree tree;
  std::istringstream in{std::string(body)};
  try {
    pt::read_xml(in, tree, pt::xml_parser::no_comments);
  } catch (const pt::ptree_error &e) {
    throw XmlError(std::string("malformed XML: ") + e.what());
  }
  return tree;
}

// The single root element: its name and its subtree.
const pt::ptree::value_type &root_of(const pt::ptree &doc) {
  const pt::ptree::value_type *root = nullptr;
  for (const auto &child : doc) {
    if (child.first == "<xmlcomment>") continue;
    if (root != nullptr) throw XmlError("more than one root element");
    root = &child;
  }
  if (root == nullptr) throw XmlError("no root element");
  return *root;
}

std::string text(const pt::ptree &node, const char *child) {
  const auto found = node.get_child_optional(pt::ptree::path_type(child, '\0'));
  return found ? found->data() : std::string();
}

uint64_t to_u64(const std::string &s, const char *what) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty())
    throw XmlError(std::string(what) + ": not a number: \"" + s.substr(0, 40) + "\"");
  return v;
}

S3ErrorDocument error_from(const pt::ptree &node) {
  S3ErrorDocument e;
  e.code = text(node, "Code");
  e.message = text(node, "Message");
  e.request_id = text(node, "RequestId");
  e.resource = text(node, "Resource");
  if (e.resource.empty()) e.resource = text(node, "Key");
  return e;
}

} // namespace

std::optional<S3ErrorDocument> parse_error_document(std::string_view body) {
  if (body.find('<') == std::string_view::npos) return std::nullopt;
  try {
    const pt::ptree doc = parse(body);
    const auto &root = root_of(doc);
    if (root.first != "Error") return std::nullopt;
    return error_from(root.second);
  } catch (const XmlError &) {
    return std::nullopt;
  }
}

std::string parse_initiate_multipart_upload(std::string_view body) {
  const pt::ptree doc = parse(body);
  const auto &root = root_of(doc);
  if (root.first != "InitiateMultipartUploadResult")
    throw XmlError("expected InitiateMultipartUploadResult, got <" + root.first + ">");
  std::string id = text(root.second, "UploadId");
  if (id.empty()) throw XmlError("InitiateMultipartUploadResult without an UploadId");
  return id;
}

CompleteMultipartResult parse_complete_multipart_upload(std::string_view body) {
  const pt::ptree doc = parse(body);
  const auto &root = root_of(doc);
  CompleteMultipartResult r;
  if (root.first == "Error") {
    r.error = error_from(root.second);
  } else if (root.first == "CompleteMultipartUploadResult") {
    r.etag = unquote_etag(text(root.second, "ETag"));
  } else {
    throw XmlError("expected CompleteMultipartUploadResult, got <" + root.first + ">");
  }
  return r;
}

ListObjectsPage parse_list_objects_v2(std::string_view body) {
  const pt::ptree doc = parse(body);
  const auto &root = root_of(doc);
  if (root.first != "ListBucketResult") throw XmlError("expected ListBucketResult, got <" + root.first + ">");
  const pt::ptree &r = root.second;
  const bool url_encoded = text(r, "EncodingType") == "url";
  ListObjectsPage page;
  const std::string truncated = text(r, "IsTruncated");
  if (truncated != "true" && truncated != "false" && !truncated.empty())
    throw XmlError("IsTruncated: expected true or false, got \"" + truncated.substr(0, 40) + "\"");
  page.truncated = truncated == "true";
  page.next_continuation_token = text(r, "NextContinuationToken");
  for (const auto &child : r) {
    if (child.first != "Contents") continue;
    ListedObject o;
    o.key = text(child.second, "Key");
    if (url_encoded) o.key = percent_decode(o.key, /*plus_is_space=*/true);
    o.size = to_u64(text(child.second, "Size"), "Contents/Size");
    o.last_modified = text(child.second, "LastModified");
    o.etag = unquote_etag(text(child.second, "ETag"));
    page.objects.push_back(std::move(o));
  }
  if (page.truncated && page.next_continuation_token.empty())
    throw XmlError("IsTruncated is true but there is no NextContinuationToken");
  return page;
}

std::string complete_multipart_upload_body(const std::vector<std::string> &part_etags) {
  std::string out = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (size_t i = 0; i < part_etags.size(); ++i) {
    out += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>";
    out += xml_escape("\"" + unquote_etag(part_etags[i]) + "\"");
    out += "</ETag></Part>";
  }
  out += "</CompleteMultipartUpload>";
  return out;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
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
      out += "&apos;";
      break;
    default:
      out.push_back(c);
    }
  }
  return out;
}

std::string unquote_etag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

} // namespace hodei::artifact_s3
