#include "descent/distributed/thread_group.hpp"

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>

#include "silent_message.hpp"

namespace descent {
namespace {

// Messages in flight, keyed by (sender, receiver, round).
struct Mailbox {
  std::mutex mutex;
  std::condition_variable arrived;
  std::map<std::tuple<int, int, std::uint64_t>, std::vector<std::byte>> messages;
};

class ThreadCommunicator final : public Communicator {
 public:
  ThreadCommunicator(std::shared_ptr<Mailbox> mailbox, int rank, int size)
      : mailbox_(std::move(mailbox)), rank_(rank), size_(size) {}
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string transport() const override { return "threads"; }

  void exchange(std::span<const Outgoing> out, std::span<const Incoming> in, std::string_view what) override {
    const std::uint64_t round = round_++;
    for (const Outgoing& o : out) check_peer(o.peer, what);
    for (const Incoming& i : in) check_peer(i.peer, what);
    {
      std::lock_guard lock(mailbox_->mutex);
      for (const Outgoing& o : out)
        mailbox_->messages[{rank_, o.peer, round}] = std::vector<std::byte>(o.bytes.begin(), o.bytes.end());
    }
    mailbox_->arrived.notify_all();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds());
    std::unique_lock lock(mailbox_->mutex);
    for (const Incoming& i : in) {
      const auto key = std::make_tuple(i.peer, rank_, round);
      if (!mailbox_->arrived.wait_until(lock, deadline, [&] { return mailbox_->messages.count(key) > 0; })) {
        std::vector<int> silent;
        for (const Incoming& j : in)
          if (mailbox_->messages.count({j.peer, rank_, round}) == 0) silent.push_back(j.peer);
        throw CommunicationError(detail::silent_message(rank_, silent, timeout_seconds(), what), silent);
      }
      auto node = mailbox_->messages.extract(key);
      const std::vector<std::byte>& bytes = node.mapped();
      if (bytes.size() != i.bytes.size())
        throw MismatchError("rank " + std::to_string(rank_) + ": exchange (" + std::string(what) + "): rank " +
                            std::to_string(i.peer) + " sent " + std::to_string(bytes.size()) +
                            " bytes for a buffer of " + std::to_string(i.bytes.size()));
      if (!bytes.empty()) std::memcpy(i.bytes.data(), bytes.data(), bytes.size());
    }
  }

  [[noreturn]] void abort(const std::string& message, int) override {
    throw CommunicationError("rank " + std::to_string(rank_) + ": " + message, {});
  }

 private:
  void check_peer(int peer, std::string_view what) const {
    if (peer < 0 || peer >= size_)
      throw MismatchError("exchange (" + std::string(what) + "): rank " + std::to_string(peer) +
                          " does not exist in a group of " + std::to_string(size_));
  }

  std::shared_ptr<Mailbox> mailbox_;
  int rank_, size_;
  std::uint64_t round_ = 0;
};

}  // namespace

std::vector<CommunicatorPtr> thread_group(int size, double timeout_seconds) {
  require(size >= 1, "thread_group", "size", size, "size >= 1");
  auto mailbox = std::make_shared<Mailbox>();
  std::vector<CommunicatorPtr> group;
  for (int r = 0; r < size; ++r) {
    group.push_back(std::make_shared<ThreadCommunicator>(mailbox, r, size));
    group.back()->set_timeout_seconds(timeout_seconds);
  }
  return group;
}

void run_ranks(int size, const std::function<void(Communicator&)>& body, double timeout_seconds) {
  const std::vector<CommunicatorPtr> group = thread_group(size, timeout_seconds);
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(size));
  std::vector<std::thread> threads;
  for (int r = 0; r < size; ++r)
    threads.emplace_back([&, r] {
      try {
        body(*group[static_cast<std::size_t>(r)]);
      } catch (...) {
        errors[static_cast<std::size_t>(r)] = std::current_exception();
      }
    });
  for (std::thread& t : threads) t.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace descent
