#include "multipart_upload.hpp"

namespace hodei::artifact_s3 {

MultipartUpload::MultipartUpload(S3Client &client, const S3Location &loc, const std::optional<std::string> &meta_sha256,
                                 unsigned parallel, const sdk::CancelToken &cancel)
    : client_(client), loc_(loc), cancel_(cancel), parallel_(parallel == 0 ? 1 : parallel) {
  upload_id_ = client_.create_multipart_upload(loc_, meta_sha256, StopSignal(&cancel_));
  client_.host().debug("S3 multipart upload " + upload_id_ + " of " + loc_.uri() + " started");
  try {
    for (unsigned i = 0; i < parallel_; ++i) workers_.emplace_back([this] { work(); });
  } catch (...) {
    stop_workers();
    client_.abort_multipart_upload(loc_, upload_id_);
    throw;
  }
}

MultipartUpload::~MultipartUpload() {
  stop_workers();
  if (completed_) return;
  try {
    client_.abort_multipart_upload(loc_, upload_id_);
    client_.host().debug("S3 multipart upload " + upload_id_ + " of " + loc_.uri() + " aborted");
  } catch (const std::exception &e) {
    client_.host().error("could not abort multipart upload " + upload_id_ + " of " + loc_.uri() + ": " + e.what() +
                         "; its parts stay stored until a lifecycle rule or an operator removes them");
  }
}

void MultipartUpload::rethrow_if_failed() {
  if (failed_.load()) std::rethrow_exception(first_error_);
}

void MultipartUpload::submit(std::string part) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return in_flight_ < parallel_ || failed_.load(); });
  rethrow_if_failed();
  if (submitted_ == kMaxParts)
    throw sdk::Error(HODEI_ERR_RESOURCE_EXHAUSTED,
                     "S3 UploadPart " + loc_.uri() + ": the object needs more than 10000 parts of " +
                         std::to_string(client_.config().part_size) + " bytes; raise config.part_size");
  ++submitted_;
  etags_.resize(submitted_);
  queue_.push_back({submitted_, std::move(part)});
  ++in_flight_;
  changed_.notify_all();
}

std::string MultipartUpload::take_buffer() {
  const std::lock_guard lock(mutex_);
  if (free_buffers_.empty()) return {};
  std::string buf = std::move(free_buffers_.back());
  free_buffers_.pop_back();
  buf.clear();
  return buf;
}

void MultipartUpload::work() {
  const StopSignal stop(&cancel_, &failed_);
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return !queue_.empty() || closing_ || failed_.load(); });
    if (failed_.load() || queue_.empty()) return; // failed, or closing with nothing left
    Job job = std::move(queue_.front());
    queue_.erase(queue_.begin());
    lock.unlock();
    std::string etag;
    std::exception_ptr error;
    try {
      etag = client_.upload_part(loc_, upload_id_, job.number, job.data, stop);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    if (error) {
      if (!failed_.load()) {
        first_error_ = error;
        failed_.store(true);
      }
    } else {
      etags_[job.number - 1] = std::move(etag);
    }
    --in_flight_;
    try {
      free_buffers_.push_back(std::move(job.data));
    } catch (...) { // out of memory: the next part allocates its own buffer
    }
    changed_.notify_all();
  }
}

void MultipartUpload::stop_workers() noexcept {
  {
    const std::lock_guard lock(mutex_);
    closing_ = true;
    if (!completed_ && in_flight_ > 0 && !failed_.load()) {
      // Leaving early (an exception in the reading thread): stop the parts in flight too.
      first_error_ = std::make_exception_ptr(sdk::Error(HODEI_ERR_CANCELLED, "upload stopped"));
      failed_.store(true);
    }
    changed_.notify_all();
  }
  for (std::thread &t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
}

PutResult MultipartUpload::complete() {
  {
    std::unique_lock lock(mutex_);
    closing_ = true;
    changed_.notify_all();
    changed_.wait(lock, [&] { return in_flight_ == 0 || failed_.load(); });
    rethrow_if_failed();
  }
  stop_workers();
  {
    const std::lock_guard lock(mutex_);
    rethrow_if_failed();
  }
  PutResult result = client_.complete_multipart_upload(loc_, upload_id_, etags_, StopSignal(&cancel_));
  completed_ = true;
  client_.host().debug("S3 multipart upload " + upload_id_ + " of " + loc_.uri() + " completed, " +
                       std::to_string(etags_.size()) + " parts");
  return result;
}

} // namespace hodei::artifact_s3
