#include "descent/distributed/communicator.hpp"

#include <cmath>
#include <cstring>

namespace descent {

void Communicator::set_timeout_seconds(double seconds) {
  require(seconds > 0 && std::isfinite(seconds), "Communicator", "timeout_seconds", seconds,
          "timeout_seconds > 0 and finite");
  timeout_seconds_ = seconds;
}

namespace {

class SelfCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string transport() const override { return "self"; }

  void exchange(std::span<const Outgoing> out, std::span<const Incoming> in, std::string_view what) override {
    for (const Outgoing& o : out)
      if (o.peer != 0)
        throw MismatchError("exchange (" + std::string(what) + "): rank " + std::to_string(o.peer) +
                            " does not exist in a group of one");
    for (const Incoming& i : in) {
      const Outgoing* match = nullptr;
      for (const Outgoing& o : out)
        if (o.peer == i.peer) match = &o;
      if (i.peer != 0 || match == nullptr)
        throw MismatchError("exchange (" + std::string(what) + "): rank 0 expects a message from rank " +
                            std::to_string(i.peer) + " that nobody sends");
      if (match->bytes.size() != i.bytes.size())
        throw MismatchError("exchange (" + std::string(what) + "): a message of " +
                            std::to_string(match->bytes.size()) + " bytes for a buffer of " +
                            std::to_string(i.bytes.size()));
      if (!i.bytes.empty()) std::memcpy(i.bytes.data(), match->bytes.data(), i.bytes.size());
    }
  }

  [[noreturn]] void abort(const std::string& message, int) override { throw CommunicationError(message, {}); }
};

}  // namespace

CommunicatorPtr self_communicator() { return std::make_shared<SelfCommunicator>(); }

}  // namespace descent
