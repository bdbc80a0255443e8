// Which worker may run which job: the scheduler's pure rules.
#pragma once

#include "devserver/core/worker_record.hpp"

#include <map>
#include <string>
#include <vector>

namespace hodei::devserver {

// The job's `executor` names one of the worker's executors: a plugin id ("dev.hodei.executor.shell", has a dot)
// matches only that id; a short name ("shell") matches any executor with that short name.
bool executor_matches(const std::string &job_executor, const std::vector<PluginRecord> &executors);

// Every key=value of the selector is among the worker's labels.
bool selector_matches(const std::map<std::string, std::string> &selector,
                      const std::map<std::string, std::string> &labels);

// "dev.hodei.executor.shell" -> "shell" (the part after the last dot).
std::string short_name_of(const std::string &executor);

} // namespace hodei::devserver
