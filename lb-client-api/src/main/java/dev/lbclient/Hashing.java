package dev.lbclient;

/**
 * 64-bit string hashing for the hash strategies: FNV-1a over the UTF-16 chars, then the MurmurHash3
 * 64-bit finalizer to spread FNV's weak low bits. No allocation; stable across JVMs and versions
 * (it must be: every client of a fleet maps a key to the same endpoint).
 */
final class Hashing {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private Hashing() {}

  static long hash64(CharSequence s, long seed) {
    long h = FNV_OFFSET ^ mix(seed);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      h = (h ^ (c & 0xff)) * FNV_PRIME;
      h = (h ^ (c >>> 8)) * FNV_PRIME;
    }
    return mix(h ^ s.length());
  }

  /** MurmurHash3's fmix64. */
  static long mix(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
