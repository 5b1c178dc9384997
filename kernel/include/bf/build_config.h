/* What the kernel was built for: filled from the build configuration (kernel/config/). */
#ifndef BF_BUILD_CONFIG_H
#define BF_BUILD_CONFIG_H

struct bf_build_config {
    const char *cpu_tag;           /* the configuration's CPU, e.g. "haswell" */
    const char *toolchain;         /* e.g. "clang" */
    const char *required_features; /* CPUID features the code needs, space separated */
};

extern const struct bf_build_config bf_build_config;

#endif
