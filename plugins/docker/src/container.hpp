// Container: owns one container on the daemon. The constructor creates it; the destructor removes it (force: kills
// whatever still runs), ALWAYS, whatever way the scope is left: normal end, step failure, exception, cancel. A
// removal that fails (daemon gone) is logged; the container keeps its dev.hodei.* labels and the leftover reaper
// retries its removal with backoff until the daemon is back.
#pragma once

#include "docker_api.hpp"
#include "leftover_reaper.hpp"

#include <hodei/sdk.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace hodei::docker {

class Container {
public:
  // `reaper` (may be null) is told when the removal fails, so it retries soon.
  Container(const DockerApi &api, const sdk::Host &host, LeftoverReaper *reaper, const nlohmann::json &create_body,
            const std::string &name);
  ~Container();
  Container(const Container &) = delete;
  Container &operator=(const Container &) = delete;

  [[nodiscard]] const std::string &id() const noexcept { return id_; }
  [[nodiscard]] const std::string &name() const noexcept { return name_; }
  void start() const { api_.start_container(id_); }

private:
  const DockerApi &api_;
  const sdk::Host &host_;
  LeftoverReaper *reaper_;
  std::string name_;
  std::string id_;
};

} // namespace hodei::docker
