/* Running the registry's modules under the profiler, each from the best source available. */
#ifndef BF_MODULE_RUNNER_H
#define BF_MODULE_RUNNER_H

#include <stdint.h>

struct bf_run_summary {
    uint32_t ran;       /* modules that ran every call and gave one result */
    uint32_t from_disk; /* ... of which were loaded from the data disk */
    uint32_t refused;   /* modules with no valid blob: not run */
    uint32_t failed;    /* modules that returned an error or changed their result */
};

/*
 * For every module of the registry: choose the variant with the most CPU features this CPU can
 * use (a fat image holds several), take its blob from /MODULES/<TAG>/<NAME>.MOD on the data disk
 * when one is mounted and valid, else the embedded copy; refuse a blob that fails validation
 * (naming the module and the reason); load it, call it `calls` times timing each call with
 * rdtsc, and print
 *   RESULT <name> source=<disk|embedded> opt=<level> cpu=<tag> | <result text>
 */
void bf_run_registry(struct bf_run_summary *summary);

#endif
