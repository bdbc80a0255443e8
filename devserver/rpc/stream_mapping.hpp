// Job stream messages (executor.proto) <-> the plain types of core/session_messages.hpp. The *_from_proto
// functions validate what the plain types cannot express (job id present, epoch >= 1, enums set) and throw
// MalformedMessage naming the field.
#pragma once

#include "devserver/core/session_messages.hpp"
#include "devserver/rpc/malformed_message.hpp"
#include "hodei/worker/v1/executor.pb.h"

#include <string>
#include <vector>

namespace hodei::devserver::rpc {

namespace v1 = hodei::worker::v1;

// "hello", "resume", "credits", "accept", "reject", "status", "log", "finished", or "none".
const char *payload_name(const v1::WorkerMessage &message);

Lease lease_from_proto(const v1::JobLease &lease, const std::string &field);
std::vector<ResumedJobIn> resume_from_proto(const v1::Resume &resume);
RejectIn reject_from_proto(const v1::RejectJob &reject);
StatusIn status_from_proto(const v1::JobStatus &status);
LogChunkIn log_from_proto(v1::LogChunk &&chunk); // moves the bytes out
FinishedIn finished_from_proto(const v1::JobFinished &finished);
WorkerUpdateIn update_from_proto(const v1::WorkerUpdate &update);

// The lease an event names, when one can be read (for refusing a malformed event about a job); empty otherwise.
Lease lease_of(const v1::WorkerMessage &message);

v1::ServerMessage server_message_to_proto(const ServerEvent &event);

} // namespace hodei::devserver::rpc
