#include "descent/loop/checkpoint.hpp"

#include <zlib.h>

#include "descent/core/atomic_file.hpp"
#include "descent/core/binary_io.hpp"
#include "descent/core/error.hpp"
#include "descent/transform/state_io.hpp"

namespace descent {

namespace {

constexpr char kMagic[8] = {'D', 'S', 'C', 'N', 'T', 'C', 'K', 'P'};

std::uint32_t crc_of(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed large buffers in pieces.
  std::size_t done = 0;
  while (done < bytes.size()) {
    const std::size_t piece = std::min<std::size_t>(bytes.size() - done, 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + done), static_cast<uInt>(piece));
    done += piece;
  }
  return static_cast<std::uint32_t>(crc);
}

void write_layout(BinaryWriter& out, const ParameterLayout& layout) {
  out.u64(layout.blocks().size());
  for (const auto& b : layout.blocks()) {
    out.string(b.name);
    out.array(std::span<const std::size_t>(b.shape));
  }
}

ParameterLayout read_layout(BinaryReader& in) {
  ParameterLayout layout;
  const std::uint64_t blocks = in.u64("block count");
  if (blocks > in.remaining()) in.fail("block count " + std::to_string(blocks) + " exceeds the file");
  for (std::uint64_t k = 0; k < blocks; ++k) {
    std::string name = in.string("block name");
    auto shape = in.array<std::size_t>("block shape");
    try {
      layout.add(std::move(name), std::move(shape));
    } catch (const Error& e) {
      in.fail(e.what());
    }
  }
  return layout;
}

}  // namespace

template <class T>
void save_checkpoint(const std::filesystem::path& path, const LoopView<T>& loop) {
  BinaryWriter out;
  out.raw(kMagic, sizeof kMagic);
  out.u32(kCheckpointVersion);
  out.u8(sizeof(T));
  out.string(loop.objective.name());
  out.u64(loop.objective.dimension());
  write_layout(out, loop.params.layout());
  out.string(loop.transform.spec());
  out.string(loop.estimator.spec());
  out.i64(loop.counters.step);
  out.i64(loop.counters.objective_calls);
  out.i64(loop.counters.sample_gradients);
  out.f64(loop.counters.elapsed_s);
  out.array(std::span<const T>(loop.params.flat()));
  save_state(out, loop.state);
  BinaryWriter estimator;
  loop.estimator.save(estimator);
  out.string(estimator.bytes());
  std::vector<const Callback<T>*> stateful;
  for (const auto& cb : loop.callbacks)
    if (!cb->state_name().empty()) stateful.push_back(cb.get());
  out.u64(stateful.size());
  for (const Callback<T>* cb : stateful) {
    out.string(cb->state_name());
    BinaryWriter blob;
    cb->save_state(blob);
    out.string(blob.bytes());
  }
  out.u32(crc_of(out.bytes()));
  write_file_atomically(path, out.bytes());
}

template <class T>
std::vector<SavedCallbackState> load_checkpoint(const std::filesystem::path& path, LoopView<T>& loop) {
  const std::string bytes = read_file(path);
  const std::string source = "checkpoint '" + path.string() + "'";
  if (bytes.size() < sizeof kMagic + 4 || std::string_view(bytes.data(), sizeof kMagic) != std::string_view(kMagic, 8))
    throw FormatError(source + ": not a descent checkpoint (bad magic)");
  const std::string_view body(bytes.data(), bytes.size() - 4);
  std::uint32_t stored_crc;
  std::memcpy(&stored_crc, bytes.data() + bytes.size() - 4, 4);
  if (crc_of(body) != stored_crc)
    throw FormatError(source + ": checksum mismatch (the file is truncated or corrupted)");

  BinaryReader in(body, source);
  char magic[8];
  in.raw(magic, sizeof magic, "magic");
  const std::uint32_t version = in.u32("version");
  if (version != 1 && version != kCheckpointVersion)
    in.fail("version " + std::to_string(version) + " is not supported (this build reads version " +
            std::to_string(kCheckpointVersion) + ")");
  const std::uint8_t scalar = in.u8("scalar size");
  if (scalar != sizeof(T))
    throw MismatchError(source + " holds " + (scalar == 4 ? "float" : "double") + " parameters, the run uses " +
                        (sizeof(T) == 4 ? "float" : "double"));
  const auto mismatch = [&](const std::string& what, const std::string& saved, const std::string& now) {
    if (saved != now)
      throw MismatchError(source + " was written for " + what + " '" + saved + "', this run has '" + now + "'");
  };
  mismatch("objective", in.string("objective name"), loop.objective.name());
  mismatch("dimension", std::to_string(in.u64("dimension")), std::to_string(loop.objective.dimension()));
  if (!(read_layout(in) == loop.params.layout()))
    throw MismatchError(source + ": the parameter layout differs from this run's");
  mismatch("transform", in.string("transform spec"), loop.transform.spec());
  mismatch("estimator", in.string("estimator spec"), loop.estimator.spec());
  LoopCounters counters;
  counters.step = in.i64("step");
  counters.objective_calls = in.i64("objective calls");
  counters.sample_gradients = in.i64("sample gradients");
  counters.elapsed_s = in.f64("elapsed seconds");
  if (counters.step < 0) in.fail("negative step count");
  AlignedBuffer<T> params(loop.params.size());
  in.array_into(params.span(), "parameters");
  TransformState<T> state = loop.state;
  load_state(in, state);
  const std::string estimator_blob = in.string("estimator state");
  std::vector<SavedCallbackState> callbacks;
  if (version >= 2) {
    const std::uint64_t count = in.u64("callback count");
    if (count > in.remaining()) in.fail("callback count " + std::to_string(count) + " exceeds the file");
    for (std::uint64_t k = 0; k < count; ++k) {
      SavedCallbackState c;
      c.name = in.string("callback name");
      c.bytes = in.string("callback state");
      callbacks.push_back(std::move(c));
    }
  }
  if (in.remaining() != 0) in.fail("unexpected bytes after the callback states");
  BinaryReader estimator_in(estimator_blob, source + " (estimator state)");
  loop.estimator.load(estimator_in);  // checks before assigning
  // Nothing can fail from here on.
  std::copy(params.begin(), params.end(), loop.params.data());
  loop.state = std::move(state);
  loop.counters = counters;
  return callbacks;
}

template <class T>
void restore_callback_states(const std::filesystem::path& path, const std::vector<SavedCallbackState>& saved,
                             const LoopView<T>& loop) {
  std::vector<Callback<T>*> stateful;
  for (const auto& cb : loop.callbacks)
    if (!cb->state_name().empty()) stateful.push_back(cb.get());
  const auto names = [](const auto& list, auto name_of) {
    std::string out;
    for (const auto& item : list) out += (out.empty() ? "" : ", ") + name_of(item);
    return out.empty() ? std::string("none") : out;
  };
  bool same = saved.size() == stateful.size();
  for (std::size_t k = 0; same && k < saved.size(); ++k) same = saved[k].name == stateful[k]->state_name();
  if (!same)
    throw MismatchError("checkpoint '" + path.string() + "' holds the state of the callbacks " +
                        names(saved, [](const SavedCallbackState& c) { return c.name; }) + ", this run has " +
                        names(stateful, [](const Callback<T>* c) { return c->state_name(); }));
  for (std::size_t k = 0; k < saved.size(); ++k) {
    BinaryReader in(saved[k].bytes, "checkpoint '" + path.string() + "' (state of " + saved[k].name + ")");
    stateful[k]->load_state(in);
    if (in.remaining() != 0) in.fail("unexpected bytes after the state");
  }
}

template void save_checkpoint<float>(const std::filesystem::path&, const LoopView<float>&);
template void save_checkpoint<double>(const std::filesystem::path&, const LoopView<double>&);
template std::vector<SavedCallbackState> load_checkpoint<float>(const std::filesystem::path&, LoopView<float>&);
template std::vector<SavedCallbackState> load_checkpoint<double>(const std::filesystem::path&, LoopView<double>&);
template void restore_callback_states<float>(const std::filesystem::path&, const std::vector<SavedCallbackState>&,
                                             const LoopView<float>&);
template void restore_callback_states<double>(const std::filesystem::path&, const std::vector<SavedCallbackState>&,
                                              const LoopView<double>&);

}  // namespace descent
