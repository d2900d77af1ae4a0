#include "core/sha256.hpp"

#include <algorithm>
#include <cstring>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define OPORA_SHA_X86 1
#include <cpuid.h>
#include <immintrin.h>
#else
#define OPORA_SHA_X86 0
#endif

namespace opora {
namespace {

// FIPS 180-4 §4.2.2: first 32 bits of the fractional parts of the cube roots
// of the first 64 primes.
constexpr std::array<uint32_t, 64> kRound = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

// FIPS 180-4 §5.3.3: first 32 bits of the fractional parts of the square roots
// of the first 8 primes.
constexpr std::array<uint32_t, 8> kInitial = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                              0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

constexpr uint32_t rotr(uint32_t x, unsigned n) noexcept {
  return (x >> n) | (x << (32U - n));
}

// SHA-256 words are big-endian regardless of the host (FIPS 180-4 §3.1).
inline uint32_t load_be32(const uint8_t* p) noexcept {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | static_cast<uint32_t>(p[3]);
}

inline void store_be32(uint8_t* p, uint32_t v) noexcept {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

// The compression function (FIPS 180-4 §6.2.2), once per block. The
// schedule is kept as a 16-word ring rather than the 64-word array of the
// specification: it stays in registers/L1 and lets the loop run at well over
// 100 MB/s without intrinsics.
void portable_blocks(uint32_t* state, const uint8_t* p, size_t blocks) noexcept {
  for (; blocks > 0; --blocks, p += Sha256::block_size) {
    std::array<uint32_t, 16> w;
    for (size_t t = 0; t < 16; ++t) w[t] = load_be32(p + 4 * t);

    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];

    for (size_t t = 0; t < 64; ++t) {
      uint32_t wt;
      if (t < 16) {
        wt = w[t];
      } else {
        // W_t = σ1(W_{t-2}) + W_{t-7} + σ0(W_{t-15}) + W_{t-16}, indices mod 16.
        const uint32_t w2 = w[(t - 2) & 15], w15 = w[(t - 15) & 15];
        const uint32_t s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >> 3);
        const uint32_t s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >> 10);
        wt = w[t & 15] + s0 + w[(t - 7) & 15] + s1;
        w[t & 15] = wt;
      }
      const uint32_t big_s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const uint32_t ch = (e & f) ^ (~e & g);
      const uint32_t t1 = h + big_s1 + ch + kRound[t] + wt;
      const uint32_t big_s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
      const uint32_t t2 = big_s0 + maj;
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }

    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
  }
}

#if OPORA_SHA_X86
// The same function on the x86 SHA extensions (SHA-NI: Intel since Goldmont
// and Ice Lake, AMD since Zen): SHA256RNDS2 does two rounds, SHA256MSG1/2
// the schedule, four words at a time. The instructions keep the state as
// (A, B, E, F) and (C, D, G, H), highest lane first; the words are loaded
// big-endian by a byte shuffle.
__attribute__((target("sha,sse4.1,ssse3"))) void accelerated_blocks(uint32_t* state,
                                                                    const uint8_t* p,
                                                                    size_t blocks) noexcept {
  const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  // state[0..3] = A B C D, state[4..7] = E F G H, lane 0 first.
  const __m128i abcd = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state));
  const __m128i efgh = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state + 4));
  const __m128i badc = _mm_shuffle_epi32(abcd, 0xB1);
  const __m128i hgfe = _mm_shuffle_epi32(efgh, 0x1B);
  __m128i abef = _mm_alignr_epi8(badc, hgfe, 8);     // lanes F E B A
  __m128i cdgh = _mm_blend_epi16(hgfe, badc, 0xF0);  // lanes H G D C

  for (; blocks > 0; --blocks, p += Sha256::block_size) {
    const __m128i abef_in = abef, cdgh_in = cdgh;
    __m128i w[4];  // the schedule's last sixteen words, a ring of four
    for (size_t g = 0; g < 16; ++g) {
      __m128i m;
      if (g < 4) {
        m = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * g)),
                             byte_swap);
      } else {
        // W[g] from W[g-4] (σ0 part by MSG1), W[g-3], W[g-2]:W[g-1] shifted
        // by one word (the W_{t-7} terms) and W[g-1] (σ1 part by MSG2).
        const __m128i w4 = w[g & 3], w3 = w[(g + 1) & 3], w2 = w[(g + 2) & 3], w1 = w[(g + 3) & 3];
        m = _mm_add_epi32(_mm_sha256msg1_epu32(w4, w3), _mm_alignr_epi8(w1, w2, 4));
        m = _mm_sha256msg2_epu32(m, w1);
      }
      w[g & 3] = m;
      __m128i k = _mm_add_epi32(
          m, _mm_loadu_si128(reinterpret_cast<const __m128i*>(kRound.data() + 4 * g)));
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, k);  // rounds 4g, 4g+1: cdgh is now ABEF
      k = _mm_shuffle_epi32(k, 0x0E);
      abef = _mm_sha256rnds2_epu32(abef, cdgh, k);  // rounds 4g+2, 4g+3: back in place
    }
    abef = _mm_add_epi32(abef, abef_in);
    cdgh = _mm_add_epi32(cdgh, cdgh_in);
  }

  const __m128i abef_r = _mm_shuffle_epi32(abef, 0x1B);  // lanes A B E F
  const __m128i ghcd = _mm_shuffle_epi32(cdgh, 0xB1);    // lanes G H C D
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state), _mm_blend_epi16(abef_r, ghcd, 0xF0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state + 4), _mm_alignr_epi8(ghcd, abef_r, 8));
}

bool cpu_has_sha() noexcept {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d) == 0) return false;
  const bool ssse3 = (c & (1U << 9)) != 0, sse41 = (c & (1U << 19)) != 0;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) == 0) return false;
  return ssse3 && sse41 && (b & (1U << 29)) != 0;
}
#endif

detail::Sha256Blocks chosen_blocks() noexcept {
  static const detail::Sha256Blocks chosen = [] {
    const auto fast = detail::sha256_accelerated_blocks();
    return fast != nullptr ? fast : detail::sha256_portable_blocks();
  }();
  return chosen;
}

}  // namespace

namespace detail {

Sha256Blocks sha256_portable_blocks() noexcept {
  return portable_blocks;
}

Sha256Blocks sha256_accelerated_blocks() noexcept {
#if OPORA_SHA_X86
  static const bool has = cpu_has_sha();
  return has ? accelerated_blocks : nullptr;
#else
  return nullptr;
#endif
}

}  // namespace detail

void Sha256::reset() noexcept {
  state_ = kInitial;
  buffered_ = 0;
  total_ = 0;
}

void Sha256::compress(const uint8_t* p, size_t blocks) noexcept {
  chosen_blocks()(state_.data(), p, blocks);
}

void Sha256::update(const void* data, size_t n) noexcept {
  if (n == 0) return;
  auto p = static_cast<const uint8_t*>(data);
  total_ += n;

  // Top up a partial block first so whole blocks below come straight from
  // the caller's memory without a copy.
  if (buffered_ > 0) {
    const size_t take = std::min(n, block_size - buffered_);
    std::memcpy(buffer_.data() + buffered_, p, take);
    buffered_ += take;
    p += take;
    n -= take;
    if (buffered_ < block_size) return;
    compress(buffer_.data(), 1);
    buffered_ = 0;
  }
  if (n >= block_size) {
    compress(p, n / block_size);
    p += n - n % block_size;
    n %= block_size;
  }
  if (n > 0) {
    std::memcpy(buffer_.data(), p, n);
    buffered_ = n;
  }
}

std::array<uint8_t, Sha256::digest_size> Sha256::finish() noexcept {
  // Padding (FIPS 180-4 §5.1.1): a 1 bit, zeros up to 56 mod 64, then the
  // message length in bits as a 64-bit big-endian number. Lengths past 2^64
  // bits wrap, as the standard only defines messages shorter than that.
  const uint64_t bit_length = total_ * 8U;
  buffer_[buffered_++] = 0x80;
  if (buffered_ > block_size - 8) {
    std::memset(buffer_.data() + buffered_, 0, block_size - buffered_);
    compress(buffer_.data(), 1);
    buffered_ = 0;
  }
  std::memset(buffer_.data() + buffered_, 0, block_size - 8 - buffered_);
  store_be32(buffer_.data() + 56, static_cast<uint32_t>(bit_length >> 32));
  store_be32(buffer_.data() + 60, static_cast<uint32_t>(bit_length));
  compress(buffer_.data(), 1);

  std::array<uint8_t, digest_size> digest;
  for (size_t i = 0; i < 8; ++i) store_be32(digest.data() + 4 * i, state_[i]);
  reset();
  return digest;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 hasher;
  hasher.update(bytes);
  const auto digest = hasher.finish();
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * digest.size(), '\0');
  for (size_t i = 0; i < digest.size(); ++i) {
    out[2 * i] = kDigits[digest[i] >> 4];
    out[2 * i + 1] = kDigits[digest[i] & 0x0f];
  }
  return out;
}

}  // namespace opora
