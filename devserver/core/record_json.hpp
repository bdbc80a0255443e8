// JSON form of the persisted records (the files in the data folder). Every file carries "format": 1; a reader
// refuses other formats rather than guess. Enums are stored by their to_string() spelling.
#pragma once

#include "devserver/core/job_record.hpp"
#include "devserver/core/worker_record.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace hodei::devserver {

inline constexpr int kRecordFormat = 1;

// A record file that cannot be read back: its path and what is wrong.
class RecordFormatError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

[[nodiscard]] nlohmann::json job_record_to_json(const JobRecord &record);
[[nodiscard]] JobRecord job_record_from_json(const nlohmann::json &json); // throws RecordFormatError

[[nodiscard]] nlohmann::json worker_record_to_json(const WorkerRecord &record);
[[nodiscard]] WorkerRecord worker_record_from_json(const nlohmann::json &json); // throws RecordFormatError

} // namespace hodei::devserver
