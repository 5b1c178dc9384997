/* Linked into a kernel, turns its sampling profiler on at BF_SAMPLE_HZ (bf/sampler.h). */
#include <bf/sampler.h>

uint32_t bf_sample_hz_config = BF_SAMPLE_HZ;
