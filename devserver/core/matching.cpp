#include "devserver/core/matching.hpp"

#include <algorithm>

namespace hodei::devserver {

std::string short_name_of(const std::string &executor) {
  const auto dot = executor.rfind('.');
  return dot == std::string::npos ? executor : executor.substr(dot + 1);
}

bool executor_matches(const std::string &job_executor, const std::vector<PluginRecord> &executors) {
  const std::string wanted_short = short_name_of(job_executor);
  const bool wanted_is_id = job_executor.find('.') != std::string::npos;
  return std::any_of(executors.begin(), executors.end(), [&](const PluginRecord &plugin) {
    if (wanted_is_id) return plugin.id == job_executor;
    const std::string plugin_short = plugin.short_name.empty() ? short_name_of(plugin.id) : plugin.short_name;
    return plugin_short == wanted_short;
  });
}

bool selector_matches(const std::map<std::string, std::string> &selector,
                      const std::map<std::string, std::string> &labels) {
  return std::all_of(selector.begin(), selector.end(), [&](const auto &entry) {
    const auto it = labels.find(entry.first);
    return it != labels.end() && it->second == entry.second;
  });
}

} // namespace hodei::devserver
