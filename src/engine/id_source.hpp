// Where the ids opora makes up come from: a UPD file's GUID, an SBIS
// document's id. By default the system's randomness, so two installations
// never name their files alike; a seed gives a replayable sequence for tests
// and simulations, as a manual clock gives replayable time. Nothing else in
// src/ draws randomness.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace opora::engine {

class IdSource {
 public:
  explicit IdSource(std::optional<uint64_t> seed = std::nullopt) : state_(seed) {}

  // A random UUID (RFC 4122 version 4), lower case, 8-4-4-4-12. Seeded, the
  // same seed gives the same sequence. Throws Error(internal) if the system
  // has no randomness to give.
  std::string uuid();

  bool seeded() const noexcept { return state_.has_value(); }

 private:
  void refill();

  std::optional<uint64_t> state_;  // splitmix64 state when seeded
  // The system's randomness, drawn a pool at a time: opening the source for
  // each id cost more than the rest of a document's write (registry.put_many
  // takes one id per document). A forked child draws its own.
  std::array<uint8_t, 4096> pool_{};
  size_t pool_used_ = pool_.size();
  uint64_t pool_forks_ = 0;  // the process's fork count when the pool was drawn
};

}  // namespace opora::engine
