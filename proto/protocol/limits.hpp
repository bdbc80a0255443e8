// Numbers both ends of the worker protocol agree on (docs/protocol.md, "Versioning" and "Limits").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hodei::protocol {

// Protocol versions this code speaks, oldest first. Registration picks the highest one both ends speak.
inline constexpr std::array<uint32_t, 1> kProtocolVersions{1};

// Largest gRPC message either end accepts (set as max receive AND send size on servers and channels).
inline constexpr int kMaxMessageBytes = 4 * 1024 * 1024;

// Largest LogChunk.data / LogView.data. Leaves room under kMaxMessageBytes for the envelope.
inline constexpr std::size_t kMaxLogChunkBytes = 1024 * 1024;

// gRPC metadata key carrying "Bearer <token>" (lowercase: HTTP/2 header names are).
inline constexpr std::string_view kAuthorizationMetadataKey = "authorization";

// Prefix of the authorization value.
inline constexpr std::string_view kBearerPrefix = "Bearer ";

// Optional protocol features a worker may ask for at registration (RegisterRequest.features).
inline constexpr std::string_view kFeatureResume = "resume";
inline constexpr std::string_view kFeatureLogAcks = "log-acks";
// WorkerMessage.update: the worker tells the server about new labels, capacity and plugins on the stream.
inline constexpr std::string_view kFeatureWorkerUpdate = "worker-update";
// WorkerMessage.batch: several worker messages in one write.
inline constexpr std::string_view kFeatureBatch = "batch";

} // namespace hodei::protocol
