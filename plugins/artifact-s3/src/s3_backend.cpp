#include "s3_backend.hpp"

#include "chunked_writer.hpp"
#include "multipart_upload.hpp"
#include "part_reader.hpp"
#include "timestamps.hpp"

namespace hodei::artifact_s3 {
namespace {

constexpr uint64_t kMiB = 1ull << 20;

sdk::ObjectInfo to_info(const ObjectHead &head) {
  sdk::ObjectInfo info;
  info.size = head.size;
  info.modified_unix_ms = head.modified_unix_ms;
  info.etag = head.etag;
  info.sha256_hex = head.sha256_hex;
  return info;
}

// A part size that keeps a stream of known size within S3's 10000 parts.
uint64_t part_size_for(uint64_t configured, const std::optional<uint64_t> &size) {
  if (!size) return configured;
  const uint64_t needed = (*size + MultipartUpload::kMaxParts - 1) / MultipartUpload::kMaxParts;
  if (needed <= configured) return configured;
  return std::min((needed + kMiB - 1) / kMiB * kMiB, S3Config::kMaxPartSize);
}

void check_declared_size(const std::string &uri, const sdk::ReadStream &src, uint64_t total) {
  if (src.size() && *src.size() != total)
    throw sdk::io_error(uri + ": the source delivered " + std::to_string(total) + " bytes but announced " +
                        std::to_string(*src.size()));
}

sdk::Error mismatch(const std::string &uri, const std::string &expected, const std::string &actual, uint64_t total) {
  return {HODEI_ERR_CHECKSUM_MISMATCH, uri + ": SHA-256 mismatch: expected " + expected + ", the " +
                                           std::to_string(total) + " bytes read hash to " + actual +
                                           "; nothing was stored"};
}

} // namespace

S3Backend::S3Backend(const sdk::Host &host, const S3Config &config, Credentials credentials)
    : client_(config, std::move(credentials), host) {}

sdk::ObjectInfo S3Backend::put(const std::string &uri, const sdk::ReadStream &src,
                               const std::optional<std::string> &expected_sha256, const sdk::CancelToken &cancel) {
  std::optional<std::string> expected;
  if (expected_sha256) {
    if (!is_sha256_hex(*expected_sha256))
      throw sdk::invalid_argument("expected_sha256: expected 64 hex digits, got \"" + *expected_sha256 + "\"");
    expected = to_lower(*expected_sha256);
  }
  const S3Location loc = parse_s3_uri(uri, /*key_required=*/true);
  const uint64_t part_size = part_size_for(client_.config().part_size, src.size());
  const StopSignal stop(&cancel);

  PartReader reader(src, cancel);
  std::string first;
  std::string second;
  reader.next(first, part_size);
  if (first.size() < part_size || !reader.next(second, part_size)) {
    // Small enough for one PUT: the whole object is hashed before anything is sent.
    check_declared_size(uri, src, reader.total());
    const std::string sha = reader.sha256_hex();
    if (expected && *expected != sha) throw mismatch(uri, *expected, sha, reader.total());
    const PutResult r = client_.put_object(loc, first, sha, sha, stop);
    return {reader.total(), r.modified_unix_ms, r.etag, sha};
  }

  MultipartUpload upload(client_, loc, expected, client_.config().max_parallel_parts, cancel);
  upload.submit(std::move(first));
  upload.submit(std::move(second));
  for (std::string buf = upload.take_buffer(); reader.next(buf, part_size); buf = upload.take_buffer())
    upload.submit(std::move(buf));
  check_declared_size(uri, src, reader.total());
  const std::string sha = reader.sha256_hex();
  if (expected && *expected != sha) throw mismatch(uri, *expected, sha, reader.total()); // ~upload aborts it
  cancel.throw_if_cancelled();
  const PutResult r = upload.complete();
  return {reader.total(), r.modified_unix_ms, r.etag, sha};
}

void S3Backend::get(const std::string &uri, uint64_t offset, uint64_t length, const sdk::WriteStream &dst,
                    const sdk::CancelToken &cancel) {
  const S3Location loc = parse_s3_uri(uri, /*key_required=*/true);
  const StopSignal stop(&cancel);
  auto check_offset = [&] {
    const ObjectHead head = client_.head_object(loc, stop);
    if (offset > head.size)
      throw sdk::invalid_argument(uri + ": offset " + std::to_string(offset) + " is past the end (size " +
                                  std::to_string(head.size) + ")");
  };
  if (length == 0) return check_offset(); // nothing to fetch, but the object and offset must be valid

  const std::optional<uint64_t> bounded = length == HODEI_SIZE_UNKNOWN ? std::nullopt : std::optional<uint64_t>(length);
  ChunkedWriter out(dst);
  const bool in_range = client_.get_object(
      loc, offset, bounded, [&](const char *data, size_t len) { out.write(data, len); }, stop);
  if (!in_range) return check_offset(); // exactly at the end is an empty read, past it an error
  out.flush();
}

sdk::ObjectInfo S3Backend::stat(const std::string &uri) {
  const S3Location loc = parse_s3_uri(uri, /*key_required=*/true);
  return to_info(client_.head_object(loc, StopSignal()));
}

void S3Backend::remove(const std::string &uri) {
  const S3Location loc = parse_s3_uri(uri, /*key_required=*/true);
  client_.delete_object(loc, StopSignal());
}

void S3Backend::list(const std::string &prefix, const ListFn &fn, const sdk::CancelToken &cancel) {
  const S3Location where = parse_s3_uri(prefix, /*key_required=*/false);
  const StopSignal stop(&cancel);
  std::string token;
  do {
    cancel.throw_if_cancelled();
    ListObjectsPage page = client_.list_objects(where.bucket, where.key, token, stop);
    for (const ListedObject &o : page.objects) {
      sdk::ObjectInfo info;
      info.size = o.size;
      info.modified_unix_ms = iso8601_to_unix_ms(o.last_modified);
      info.etag = o.etag;
      if (!fn("s3://" + where.bucket + "/" + o.key, info)) return;
    }
    token = page.truncated ? page.next_continuation_token : std::string();
  } while (!token.empty());
}

} // namespace hodei::artifact_s3
