/* smp-hash.h: position-keyed random numbers.
 *
 * Every random choice of the project is a hash of (seed, integer position,
 * stream), never the state of a generator, so that a value depends only on
 * where it is asked for and never on the order in which regions are
 * rendered.
 *
 * This program is free software: you can redistribute it and/or modify it
 * under the terms of the GNU Lesser General Public License as published by
 * the Free Software Foundation; either version 3 of the License, or (at your
 * option) any later version.
 */

#ifndef SMP_HASH_H
#define SMP_HASH_H

#include <stdint.h>

/* A 32-bit avalanche mix (the "lowbias32" constants): every input bit flips
 * about half of the output bits.  */
static inline uint32_t
smp_hash_mix (uint32_t h)
{
  h ^= h >> 16;
  h *= 0x7feb352dU;
  h ^= h >> 15;
  h *= 0x846ca68bU;
  h ^= h >> 16;
  return h;
}

static inline uint32_t
smp_hash4 (uint32_t seed,
           int32_t  x,
           int32_t  y,
           uint32_t stream)
{
  uint32_t h = smp_hash_mix (seed ^ 0x9e3779b9U);

  h = smp_hash_mix (h ^ (uint32_t) x);
  h = smp_hash_mix (h ^ ((uint32_t) y * 0x85ebca6bU));
  h = smp_hash_mix (h ^ (stream * 0xc2b2ae35U));
  return h;
}

/* Uniform in [0, 1), 24 bits, exactly representable in a float.  */
static inline double
smp_hash_unit (uint32_t h)
{
  return (double) (h >> 8) * (1.0 / 16777216.0);
}

static inline double
smp_hash_uniform (uint32_t seed,
                  int32_t  x,
                  int32_t  y,
                  uint32_t stream)
{
  return smp_hash_unit (smp_hash4 (seed, x, y, stream));
}

#endif
