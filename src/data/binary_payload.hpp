// The array payload shared by the binary formats (IDX, .npy): count elements of one
// numeric type in a given byte order, decoded chunk by chunk into T. A header's
// claim is checked against what the file can hold before the result is allocated,
// and every failure is a FormatError "<path>: byte <offset>: <reason>".
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "byte_stream.hpp"

namespace descent::data_detail {

enum class ElementType { u8, i8, i16, u16, i32, u32, i64, u64, f32, f64 };
enum class ByteOrder { little, big };

std::size_t element_size(ElementType type);
const char* element_name(ElementType type);  // "uint8", "float32", ...

[[noreturn]] void fail_at(const ByteStream& in, std::uint64_t offset, const std::string& why);

// Product of `dims` with overflow detection, then times the element size; throws
// FormatError at `offset` naming the dimensions when it exceeds 64 bits, or when the
// payload is larger than the rest of the file can hold. Returns the element count.
std::uint64_t checked_payload_count(const ByteStream& in, std::uint64_t offset, std::span<const std::uint64_t> dims,
                                    ElementType type);

// Reads out.size() elements from the stream into out, converting to T. Non-finite
// floating-point values, and float64 values beyond the range of float when T is
// float, are errors naming their byte offset.
template <class T>
void read_elements(ByteStream& in, ElementType type, ByteOrder order, std::span<T> out);

// Throws unless the data ends here (trailing bytes, or a gzip stream that turns out
// corrupt at its final checksum).
void expect_end(ByteStream& in);

}  // namespace descent::data_detail
