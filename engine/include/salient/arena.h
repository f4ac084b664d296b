// Arena: a bump allocator that serves a whole forward and backward pass without malloc.
//
// Two modes:
//  - user buffer (embedded): Arena(buffer, bytes) never calls malloc; running out returns nullptr
//    and the caller reports Code::kOutOfMemory.
//  - owned: Arena(initial_bytes) mallocs blocks as it grows; reset() merges them into one block of
//    the high-water size, so from the second pass on a forward+backward makes no system allocation.
// Every allocation is 64-byte aligned. reset() invalidates everything allocated; rewind(mark())
// frees only what was allocated after the mark (a scratch region inside a caller's arena).
#pragma once

#include <cstddef>
#include <cstdint>

namespace salient {

class Arena {
 public:
  static constexpr size_t kAlignment = 64;

  explicit Arena(size_t initial_bytes = size_t{1} << 20);
  Arena(void* buffer, size_t bytes);
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  /// Aligned storage for `bytes` bytes (uninitialised), or nullptr when out of memory.
  void* allocate(size_t bytes);
  template <class T>
  T* allocate_array(size_t count) {
    return static_cast<T*>(allocate(count * sizeof(T)));
  }
  /// Like allocate_array, zero-filled.
  float* allocate_zeroed_floats(size_t count);

  /// Frees everything at once; an owned arena keeps one block as large as the peak use.
  void reset();

  /// A position in the arena: rewind(m) frees everything allocated after mark() returned m and
  /// keeps what came before. Valid until reset() or a rewind to an earlier mark.
  struct Mark {
    const void* block;
    size_t offset;
    size_t used;
  };
  Mark mark() const;
  /// Back to `m`. An owned arena that grew since the mark keeps one empty block that holds the
  /// region's peak, so a scratch region rewound every pass stops calling malloc after one.
  void rewind(const Mark& m);

  /// False for a user-buffer arena: capacity_bytes() is then all it will ever hold.
  bool owns_memory() const { return owned_; }
  size_t used_bytes() const { return used_; }
  /// The largest used_bytes() so far (reset and rewind lower used_bytes, never the peak).
  size_t peak_bytes() const { return peak_; }
  size_t capacity_bytes() const;
  /// Number of malloc calls made so far (0 forever for a user-buffer arena).
  int64_t system_allocations() const { return system_allocations_; }
  int block_count() const;

 private:
  struct Block {
    Block* next;
    size_t size;  // usable bytes after the header
    size_t offset;
  };
  Block* add_block(size_t min_bytes);
  static char* block_data(Block* b);

  Block* head_ = nullptr;  // the block being filled; older blocks follow
  bool owned_ = true;
  size_t used_ = 0;
  size_t peak_ = 0;
  size_t next_block_bytes_ = 0;
  int64_t system_allocations_ = 0;
};

}  // namespace salient
