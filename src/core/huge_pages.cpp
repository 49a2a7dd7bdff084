#include <cstdint>

#include "descent/core/aligned_buffer.hpp"

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace descent {

void advise_huge_pages(void* data, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // madvise wants page-aligned bounds: advise the whole pages inside the buffer (the
  // kernel then uses huge pages for the 2 MiB-aligned stretches among them).
  constexpr std::uintptr_t kPage = 4096;
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + kPage - 1) & ~(kPage - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(kPage - 1);
  if (end > begin) (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

}  // namespace descent
