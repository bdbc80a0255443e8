// One multipart upload: parts are handed in by the reading thread and uploaded by up to `parallel` worker threads.
//
// Memory stays bounded: submit() blocks while `parallel` parts are in flight, so at most parallel + 1 part
// buffers exist (those in flight and the one being filled). Finished buffers are handed back for reuse.
// Unless complete() succeeded, the destructor stops the workers and aborts the upload, so no parts stay behind
// after a failure, a checksum mismatch or a cancel.
#pragma once

#include "s3_client.hpp"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hodei::artifact_s3 {

class MultipartUpload {
public:
  static constexpr unsigned kMaxParts = 10'000;

  // Sends CreateMultipartUpload (with x-amz-meta-sha256 when given) and starts the workers.
  MultipartUpload(S3Client &client, const S3Location &loc, const std::optional<std::string> &meta_sha256,
                  unsigned parallel, const sdk::CancelToken &cancel);
  MultipartUpload(const MultipartUpload &) = delete;
  MultipartUpload &operator=(const MultipartUpload &) = delete;
  ~MultipartUpload();

  // Queues the next part (numbered from 1). Blocks while `parallel` parts are in flight; throws the first error
  // of a worker.
  void submit(std::string part);
  // An empty or recycled buffer for the next part (keeps its capacity).
  std::string take_buffer();
  // Waits for every part, then sends CompleteMultipartUpload. Throws the first error (the destructor aborts).
  PutResult complete();

private:
  struct Job {
    unsigned number;
    std::string data;
  };
  void work();
  void stop_workers() noexcept;
  void rethrow_if_failed(); // with mutex_ held

  S3Client &client_;
  const S3Location &loc_;
  const sdk::CancelToken &cancel_;
  const unsigned parallel_;
  std::string upload_id_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Job> queue_;
  std::vector<std::string> free_buffers_;
  std::vector<std::string> etags_; // index = part number - 1
  unsigned submitted_ = 0;
  unsigned in_flight_ = 0; // queued or uploading
  bool closing_ = false;
  std::atomic<bool> failed_{false};
  std::exception_ptr first_error_;
  bool completed_ = false;
  std::vector<std::thread> workers_;
};

} // namespace hodei::artifact_s3
