#include "container.hpp"

namespace hodei::docker {

Container::Container(const DockerApi &api, const sdk::Host &host, LeftoverReaper *reaper,
                     const nlohmann::json &create_body, const std::string &name)
    : api_(api), host_(host), reaper_(reaper), name_(name), id_(api.create_container(create_body, name)) {}

Container::~Container() {
  try {
    api_.remove_container(id_);
  } catch (const std::exception &e) {
    host_.warn("could not remove container " + name_ + " (" + id_.substr(0, 12) + "): " + e.what() +
               "; the leftover cleanup retries until the daemon answers again");
    if (reaper_ != nullptr) reaper_->retry_removal(id_);
  }
}

} // namespace hodei::docker
