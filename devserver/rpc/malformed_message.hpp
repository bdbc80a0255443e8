// A protobuf message that cannot be mapped to the devserver's plain types: a required field is missing or an enum
// value is unknown. what() names the field ("log.stream: expected STDOUT, STDERR or SYSTEM").
#pragma once

#include <stdexcept>

namespace hodei::devserver::rpc {

class MalformedMessage : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

} // namespace hodei::devserver::rpc
