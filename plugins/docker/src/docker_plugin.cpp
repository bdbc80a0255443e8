// dev.hodei.executor.docker: the plugin entry point. The SDK turns DockerExecutor into the C ABI.
#include "docker_executor.hpp"

#include <hodei/sdk.hpp>

HODEI_PLUGIN(hodei::docker::DockerExecutor)
