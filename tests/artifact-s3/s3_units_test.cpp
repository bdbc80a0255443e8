// Pieces of the S3 backend that need no server: XML answers, URIs, config, credentials, retry policy, errors.
#include "backend_harness.hpp"
#include "credentials.hpp"
#include "digest.hpp"
#include "percent_encoding.hpp"
#include "retry_policy.hpp"
#include "s3_config.hpp"
#include "s3_errors.hpp"
#include "s3_uri.hpp"
#include "s3_url.hpp"
#include "s3_xml.hpp"
#include "timestamps.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

using namespace hodei::artifact_s3;
using hodei::test::TempDir;

namespace {

template <class F> hodei_status status_of(F &&f) {
  try {
    f();
    return HODEI_OK;
  } catch (const hodei::sdk::Error &e) {
    return e.status();
  }
}

template <class F> std::string message_of(F &&f) {
  try {
    f();
    return {};
  } catch (const std::exception &e) {
    return e.what();
  }
}

} // namespace

TEST_CASE("s3 xml: error documents") {
  const auto e = parse_error_document(
      R"(<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a/b</Key><RequestId>tx1</RequestId></Error>)");
  REQUIRE(e);
  CHECK(e->code == "NoSuchKey");
  CHECK(e->message == "The specified key does not exist.");
  CHECK(e->resource == "a/b");
  CHECK(e->request_id == "tx1");
  CHECK_FALSE(parse_error_document(""));
  CHECK_FALSE(parse_error_document("<html><body>502 Bad Gateway</body></html>"));
  CHECK_FALSE(parse_error_document("<Error><Code>unterminated"));
}

TEST_CASE("s3 xml: ListObjectsV2 pages, url-encoded keys, entities") {
  const ListObjectsPage page = parse_list_objects_v2(
      R"(<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><EncodingType>url</EncodingType><Name>b</Name><Prefix>dir/</Prefix><IsTruncated>true</IsTruncated><Contents><Key>dir%2Fa%20b%2Bc%3D%C3%BC.txt</Key><LastModified>2026-11-27T10:55:34.603Z</LastModified><ETag>&quot;9aa3&quot;</ETag><Size>3000000</Size></Contents><Contents><Key>dir/x+y</Key><LastModified>2026-11-27T10:55:35.000Z</LastModified><ETag>"e-2"</ETag><Size>0</Size></Contents><NextContinuationToken>tok&amp;en</NextContinuationToken></ListBucketResult>)");
  REQUIRE(page.objects.size() == 2);
  CHECK(page.objects[0].key == "dir/a b+c=\xC3\xBC.txt");
  CHECK(page.objects[0].size == 3000000);
  CHECK(page.objects[0].etag == "9aa3");
  CHECK(iso8601_to_unix_ms(page.objects[0].last_modified) == 1795776934603);
  CHECK(page.objects[1].key == "dir/x y"); // '+' is a space in url encoding
  CHECK(page.objects[1].etag == "e-2");
  CHECK(page.truncated);
  CHECK(page.next_continuation_token == "tok&en");

  const ListObjectsPage plain =
      parse_list_objects_v2("<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>a+b</Key>"
                            "<Size>1</Size></Contents></ListBucketResult>");
  REQUIRE(plain.objects.size() == 1);
  CHECK(plain.objects[0].key == "a+b"); // not url-encoded: taken as is
  CHECK_FALSE(plain.truncated);
}

TEST_CASE("s3 xml: bad documents throw XmlError, never crash") {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  const std::vector<std::string> bad = {"",
                                        "not xml",
                                        "<ListBucketResult>",
                                        "<Other/>",
                                        "<a/><b/>",
                                        "<ListBucketResult><Contents><Size>12x</Size></Contents></ListBucketResult>",
                                        "<ListBucketResult><Contents><Size>-1</Size></Contents></ListBucketResult>",
                                        "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
                                        "<!DOCTYPE x [<!ENTITY a \"b\">]><ListBucketResult/>",
                                        deep,
                                        "<ListBucketResult " + std::string(50000, 'a') + "=\"/>\">"};
  for (const std::string &doc : bad) {
    INFO(doc.substr(0, 80));
    CHECK_THROWS_AS(parse_list_objects_v2(doc), XmlError);
    CHECK_THROWS_AS(parse_initiate_multipart_upload(doc), XmlError);
    CHECK_FALSE(parse_error_document(doc));
  }
}

TEST_CASE("s3 xml: multipart documents") {
  CHECK(parse_initiate_multipart_upload("<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
                                        "<UploadId>2~abc</UploadId></InitiateMultipartUploadResult>") == "2~abc");
  CHECK_THROWS_AS(parse_initiate_multipart_upload("<InitiateMultipartUploadResult/>"), XmlError);

  const auto ok = parse_complete_multipart_upload(
      "\n  \n<CompleteMultipartUploadResult><ETag>&quot;abc-3&quot;</ETag></CompleteMultipartUploadResult>");
  CHECK(ok.etag == "abc-3");
  CHECK_FALSE(ok.error);
  const auto failed =
      parse_complete_multipart_upload("<Error><Code>InternalError</Code><Message>try again</Message></Error>");
  REQUIRE(failed.error);
  CHECK(failed.error->code == "InternalError");

  CHECK(complete_multipart_upload_body({"\"a\"", "b"}) ==
        "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Part><PartNumber>1</PartNumber>"
        "<ETag>&quot;a&quot;</ETag></Part><Part><PartNumber>2</PartNumber><ETag>&quot;b&quot;</ETag></Part>"
        "</CompleteMultipartUpload>");
}

TEST_CASE("s3 uris and encoding") {
  const S3Location loc = parse_s3_uri("s3://my-bucket/dir/a b%20c", true);
  CHECK(loc.bucket == "my-bucket");
  CHECK(loc.key == "dir/a b%20c"); // raw, like the AWS CLI
  CHECK(parse_s3_uri("s3://my-bucket", false).key.empty());
  CHECK(parse_s3_uri("s3://my-bucket/", false).key.empty());
  for (const char *bad : {"s3://my-bucket", "s3://my-bucket/", "s3://ab/k", "s3://bad bucket/k", "http://b/k",
                          "s3:/b/k", "S3://bucket/k"}) {
    INFO(bad);
    CHECK(status_of([&] { (void)parse_s3_uri(bad, true); }) == HODEI_ERR_INVALID_ARGUMENT);
  }
  CHECK(status_of([&] { (void)parse_s3_uri("s3://bucket/" + std::string(1025, 'k'), true); }) ==
        HODEI_ERR_INVALID_ARGUMENT);

  CHECK(aws_uri_encode("a b/c+d=é~_.-", true) == "a%20b/c%2Bd%3D%C3%A9~_.-");
  CHECK(aws_uri_encode("a/b", false) == "a%2Fb");
  CHECK(percent_decode("a%2Fb%zz%4", false) == "a/b%zz%4");
}

TEST_CASE("s3 config: defaults and validation naming the field") {
  const S3Config aws = S3Config::parse("{}");
  CHECK(aws.endpoint == "https://s3.amazonaws.com");
  CHECK(aws.addressing == Addressing::virtual_host);
  CHECK(aws.part_size == 8u << 20);
  CHECK(aws.max_parallel_parts == 4);
  CHECK(aws.max_retries == 5);
  CHECK(aws.abort_retry_window == std::chrono::milliseconds(60000));
  CHECK(S3Config::parse(R"({"abort_retry_window_ms": 0})").abort_retry_window == std::chrono::milliseconds(0));
  CHECK(S3Config::parse(R"({"region": "eu-west-1"})").endpoint == "https://s3.eu-west-1.amazonaws.com");

  const S3Config local = S3Config::parse(R"({"endpoint": "http://127.0.0.1:9000/", "part_size": 5242880})");
  CHECK(local.endpoint == "http://127.0.0.1:9000");
  CHECK(local.addressing == Addressing::path);
  CHECK(S3Config::parse(R"({"endpoint": "http://h:1", "addressing": "virtual"})").addressing ==
        Addressing::virtual_host);

  const std::map<std::string, std::string> bad = {
      {R"({"part_size": 1024})", "config.part_size"},
      {R"({"part_size": "big"})", "config.part_size"},
      {R"({"max_parallel_parts": 0})", "config.max_parallel_parts"},
      {R"({"max_retries": -1})", "config.max_retries"},
      {R"({"abort_retry_window_ms": 3600001})", "config.abort_retry_window_ms"},
      {R"({"endpoint": "ftp://x"})", "config.endpoint"},
      {R"({"endpoint": "http://user:pw@x"})", "config.endpoint"},
      {R"({"addressing": "dns"})", "config.addressing"},
      {R"({"access_key": "AK"})", "config.secret_key"},
      {R"({"region": "Not A Region"})", "config.region"},
      {R"({"bucket": "x"})", "config.bucket"},
      {R"([1])", "config"},
  };
  for (const auto &entry : bad) {
    const std::string &json = entry.first;
    const std::string &field = entry.second;
    INFO(json);
    CHECK(status_of([&] { (void)S3Config::parse(json); }) == HODEI_ERR_INVALID_ARGUMENT);
    CHECK_THAT(message_of([&] { (void)S3Config::parse(json); }), Catch::StartsWith(field));
  }
}

TEST_CASE("s3 credentials: config, then environment, then the shared file") {
  TempDir dir;
  const std::string file = dir.path() + "/credentials";
  std::ofstream(file) << "[default]\naws_access_key_id = DEFKEY\naws_secret_access_key = def:secret\n\n"
                         "# comment\n[ci]\naws_access_key_id=CIKEY\naws_secret_access_key=cisecret\n"
                         "aws_session_token = tok\n[half]\naws_access_key_id=ONLY\n";
  std::map<std::string, std::string> vars;
  const EnvLookup env = [&](const char *name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };

  vars = {{"AWS_ACCESS_KEY_ID", "ENVKEY"},
          {"AWS_SECRET_ACCESS_KEY", "envsecret"},
          {"AWS_SESSION_TOKEN", "t"},
          {"AWS_SHARED_CREDENTIALS_FILE", file}};
  const Credentials from_config = resolve_credentials(S3Config::parse(R"({"access_key":"A","secret_key":"S"})"), env);
  CHECK(from_config.access_key == "A");
  CHECK(from_config.source == "config");
  const Credentials from_env = resolve_credentials(S3Config::parse("{}"), env);
  CHECK(from_env.access_key == "ENVKEY");
  CHECK(from_env.session_token == "t");

  vars = {{"AWS_SHARED_CREDENTIALS_FILE", file}};
  const Credentials def = resolve_credentials(S3Config::parse("{}"), env);
  CHECK(def.access_key == "DEFKEY");
  CHECK(def.secret_key == "def:secret");
  vars["AWS_PROFILE"] = "ci";
  const Credentials ci = resolve_credentials(S3Config::parse("{}"), env);
  CHECK(ci.access_key == "CIKEY");
  CHECK(ci.session_token == "tok");

  vars = {{"HOME", dir.path()}};
  std::filesystem::create_directories(dir.path() + "/.aws");
  std::filesystem::copy_file(file, dir.path() + "/.aws/credentials");
  CHECK(resolve_credentials(S3Config::parse("{}"), env).access_key == "DEFKEY");

  vars["AWS_PROFILE"] = "half";
  CHECK(status_of([&] { (void)resolve_credentials(S3Config::parse("{}"), env); }) == HODEI_ERR_INVALID_ARGUMENT);
  vars["AWS_PROFILE"] = "missing";
  CHECK_THAT(message_of([&] { (void)resolve_credentials(S3Config::parse("{}"), env); }),
             Catch::Contains("[missing]") && Catch::Contains("AWS_ACCESS_KEY_ID"));
  vars = {{"AWS_ACCESS_KEY_ID", "ENVKEY"}};
  CHECK(status_of([&] { (void)resolve_credentials(S3Config::parse("{}"), env); }) == HODEI_ERR_INVALID_ARGUMENT);
}

TEST_CASE("s3 retry policy: exponential backoff with jitter, transient failures only") {
  RetryPolicy p;
  p.base_delay = std::chrono::milliseconds(100);
  p.max_delay = std::chrono::milliseconds(1000);
  for (int i = 0; i < 50; ++i) {
    CHECK(p.delay_before(1).count() >= 50);
    CHECK(p.delay_before(1).count() <= 100);
    CHECK(p.delay_before(3).count() >= 200);
    CHECK(p.delay_before(3).count() <= 400);
    CHECK(p.delay_before(30).count() <= 1000);
    CHECK(p.delay_before(30).count() >= 500);
  }
  CHECK(is_retryable(503, CURLE_OK, ""));
  CHECK(is_retryable(500, CURLE_OK, "InternalError"));
  CHECK(is_retryable(400, CURLE_OK, "RequestTimeout"));
  CHECK(is_retryable(503, CURLE_OK, "SlowDown"));
  CHECK(is_retryable(0, CURLE_COULDNT_CONNECT, ""));
  CHECK(is_retryable(0, CURLE_RECV_ERROR, ""));
  CHECK(is_retryable(200, CURLE_PARTIAL_FILE, ""));
  CHECK_FALSE(is_retryable(501, CURLE_OK, "NotImplemented"));
  CHECK_FALSE(is_retryable(403, CURLE_OK, "AccessDenied"));
  CHECK_FALSE(is_retryable(404, CURLE_OK, "NoSuchKey"));
  CHECK_FALSE(is_retryable(400, CURLE_OK, "BadDigest"));
  CHECK_FALSE(is_retryable(0, CURLE_ABORTED_BY_CALLBACK, ""));
  CHECK_FALSE(is_retryable(0, CURLE_PEER_FAILED_VERIFICATION, ""));
}

TEST_CASE("s3 errors: statuses and messages") {
  CHECK(status_for(403, CURLE_OK, "SignatureDoesNotMatch") == HODEI_ERR_PERMISSION_DENIED);
  CHECK(status_for(403, CURLE_OK, "QuotaExceeded") == HODEI_ERR_RESOURCE_EXHAUSTED);
  CHECK(status_for(404, CURLE_OK, "NoSuchBucket") == HODEI_ERR_NOT_FOUND);
  CHECK(status_for(404, CURLE_OK, "") == HODEI_ERR_NOT_FOUND);
  CHECK(status_for(400, CURLE_OK, "BadDigest") == HODEI_ERR_CHECKSUM_MISMATCH);
  CHECK(status_for(400, CURLE_OK, "XAmzContentSHA256Mismatch") == HODEI_ERR_CHECKSUM_MISMATCH);
  CHECK(status_for(416, CURLE_OK, "InvalidRange") == HODEI_ERR_INVALID_ARGUMENT);
  CHECK(status_for(503, CURLE_OK, "SlowDown") == HODEI_ERR_UNAVAILABLE);
  CHECK(status_for(0, CURLE_COULDNT_CONNECT, "") == HODEI_ERR_UNAVAILABLE);
  CHECK(status_for(0, CURLE_ABORTED_BY_CALLBACK, "") == HODEI_ERR_CANCELLED);

  HttpResponse r;
  r.status = 403;
  S3ErrorDocument doc{"SignatureDoesNotMatch", "The signature does not match", "tx9", ""};
  const hodei::sdk::Error e = s3_error("GetObject", "s3://b/k", "http://h:1", r, doc, 1);
  CHECK(e.status() == HODEI_ERR_PERMISSION_DENIED);
  CHECK(std::string(e.what()) ==
        "S3 GetObject s3://b/k: HTTP 403 SignatureDoesNotMatch: The signature does not match (request id tx9)");
  HttpResponse down;
  down.curl_code = CURLE_COULDNT_CONNECT;
  down.curl_error = "Failed to connect";
  const hodei::sdk::Error u = s3_error("HeadObject", "s3://b/k", "http://h:1", down, std::nullopt, 6);
  CHECK(u.status() == HODEI_ERR_UNAVAILABLE);
  CHECK_THAT(std::string(u.what()), Catch::Contains("no answer from http://h:1") &&
                                        Catch::Contains("Failed to connect") && Catch::Contains("after 6 attempts"));
}

TEST_CASE("s3 digests and dates") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(md5_base64("") == "1B2M2Y8AsgTpgAmY7PhCfg==");
  CHECK(base64_decode("YWJj") == std::optional<std::string>("abc"));
  CHECK(base64_decode("YWI=") == std::optional<std::string>("ab"));
  CHECK_FALSE(base64_decode("YWJ"));
  CHECK(http_date_to_unix_ms("Fri, 27 Nov 2026 10:55:11 GMT") == 1795776911000);
  CHECK(http_date_to_unix_ms("garbage") == 0);
  CHECK(iso8601_to_unix_ms("2026-11-27T10:55:11Z") == 1795776911000);
  CHECK(iso8601_to_unix_ms("2026-11-27 10:55:11") == 0);
}

TEST_CASE("s3 request URLs: addressing styles and the canonical query") {
  const S3Location obj{"my-bucket", "dir/a b+c"};
  CHECK(s3_request_url("http://127.0.0.1:9000", Addressing::path, obj, {}) ==
        "http://127.0.0.1:9000/my-bucket/dir/a%20b%2Bc");
  CHECK(s3_request_url("https://s3.amazonaws.com", Addressing::virtual_host, obj, {}) ==
        "https://my-bucket.s3.amazonaws.com/dir/a%20b%2Bc");
  CHECK(s3_request_url("https://minio.example:9000/base", Addressing::path, obj, {}) ==
        "https://minio.example:9000/base/my-bucket/dir/a%20b%2Bc");
  // Dotted buckets over https fall back to path style.
  CHECK(s3_request_url("https://s3.amazonaws.com", Addressing::virtual_host, {"a.b.c", "k"}, {}) ==
        "https://s3.amazonaws.com/a.b.c/k");
  // Bucket-level request; query sorted, encoded, "name=" for empty values.
  CHECK(s3_request_url("http://h", Addressing::path, {"bkt", ""},
                       {{"prefix", "a/b c"}, {"list-type", "2"}, {"continuation-token", "x+y="}}) ==
        "http://h/bkt?continuation-token=x%2By%3D&list-type=2&prefix=a%2Fb%20c");
  CHECK(s3_request_url("http://h", Addressing::path, obj, {{"uploads", ""}}) ==
        "http://h/my-bucket/dir/a%20b%2Bc?uploads=");
  CHECK(s3_request_url("https://s3.amazonaws.com", Addressing::virtual_host, {"bkt", ""}, {{"list-type", "2"}}) ==
        "https://bkt.s3.amazonaws.com/?list-type=2");
}
