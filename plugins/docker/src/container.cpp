#include "container.hpp"

namespace hodei::docker {

Container::Container(const DockerApi &api, const sdk::Host &host, const nlohmann::json &create_body,
                     const std::string &name)
    : api_(api), host_(host), name_(name), id_(api.create_container(create_body, name)) {}

Container::~Container() {
  try {
    api_.remove_container(id_);
  } catch (const std::exception &e) {
    host_.warn("could not remove container " + name_ + " (" + id_.substr(0, 12) + "): " + e.what() +
               "; it will be removed by the next leftover cleanup");
  }
}

} // namespace hodei::docker
