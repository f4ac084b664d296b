#include "salient/arena.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "salient/assert.h"

namespace salient {
namespace {

size_t round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }
constexpr size_t kHeader = 64;  // Block header padded so data stays 64-byte aligned

}  // namespace

char* Arena::block_data(Block* b) { return reinterpret_cast<char*>(b) + kHeader; }

Arena::Arena(size_t initial_bytes) : owned_(true), next_block_bytes_(initial_bytes) {
  static_assert(sizeof(Block) <= kHeader, "block header must fit its padding");
}

Arena::Arena(void* buffer, size_t bytes) : owned_(false) {
  // Align the user's buffer and place the single block header inside it.
  const uintptr_t start = reinterpret_cast<uintptr_t>(buffer);
  const uintptr_t aligned = round_up(start, kAlignment);
  if (buffer == nullptr || bytes < (aligned - start) + kHeader) return;  // every allocate fails
  head_ = reinterpret_cast<Block*>(aligned);
  head_->next = nullptr;
  head_->size = bytes - (aligned - start) - kHeader;
  head_->offset = 0;
}

Arena::~Arena() {
  if (!owned_) return;
  while (head_) {
    Block* next = head_->next;
    std::free(head_);
    head_ = next;
  }
}

Arena::Block* Arena::add_block(size_t min_bytes) {
  size_t size = next_block_bytes_ > min_bytes ? next_block_bytes_ : min_bytes;
  size = round_up(size, kAlignment);
  void* memory = std::aligned_alloc(kAlignment, kHeader + size);
  if (!memory) return nullptr;
  ++system_allocations_;
  Block* b = static_cast<Block*>(memory);
  b->next = head_;
  b->size = size;
  b->offset = 0;
  head_ = b;
  next_block_bytes_ = size * 2;
  return b;
}

void* Arena::allocate(size_t bytes) {
  const size_t need = round_up(bytes == 0 ? 1 : bytes, kAlignment);
  if (!head_ || head_->size - head_->offset < need) {
    if (!owned_ || !add_block(need)) return nullptr;
  }
  char* p = block_data(head_) + head_->offset;
  head_->offset += need;
  used_ += need;
  if (used_ > peak_) peak_ = used_;
  return p;
}

float* Arena::allocate_zeroed_floats(size_t count) {
  float* p = allocate_array<float>(count);
  if (p) std::memset(p, 0, count * sizeof(float));
  return p;
}

void Arena::reset() {
  used_ = 0;
  if (!head_) return;
  if (owned_ && head_->next) {
    // Several blocks: replace them by one that holds the peak, so the next pass never mallocs.
    while (head_) {
      Block* next = head_->next;
      std::free(head_);
      head_ = next;
    }
    next_block_bytes_ = round_up(peak_, kAlignment);
    add_block(next_block_bytes_);
    return;
  }
  head_->offset = 0;
}

Arena::Mark Arena::mark() const { return Mark{head_, head_ ? head_->offset : 0, used_}; }

void Arena::rewind(const Mark& m) {
  used_ = m.used;
  Block* marked = static_cast<Block*>(const_cast<void*>(m.block));
  if (head_ == marked) {
    if (head_) head_->offset = m.offset;
    return;
  }
  // Blocks were added since the mark (owned arenas only). One: keep it, emptied. Several: replace
  // them by one that holds the region's peak, so the next pass through it needs no malloc.
  if (head_->next == marked) {
    head_->offset = 0;
    return;
  }
  size_t total = 0;
  while (head_ != marked) {
    Block* next = head_->next;
    total += head_->size;
    std::free(head_);
    head_ = next;
  }
  if (head_) head_->offset = m.offset;
  // The region never used more than peak − m.used; growth by doubling may have reserved twice that.
  const size_t size = round_up(std::min(total, peak_ - m.used), kAlignment);
  next_block_bytes_ = size;
  add_block(size);
}

size_t Arena::capacity_bytes() const {
  size_t total = 0;
  for (Block* b = head_; b; b = b->next) total += b->size;
  return total;
}

int Arena::block_count() const {
  int n = 0;
  for (Block* b = head_; b; b = b->next) ++n;
  return n;
}

}  // namespace salient
