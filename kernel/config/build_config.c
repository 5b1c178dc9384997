/* The build configuration, as data the kernel can print and check at boot. */
#include <bf/build_config.h>

const struct bf_build_config bf_build_config = {
    .cpu_tag = BF_CPU,
    .toolchain = BF_TOOLCHAIN,
    .required_features = BF_REQUIRED_FEATURES,
};
