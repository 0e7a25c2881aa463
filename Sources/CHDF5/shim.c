#include <hdf5.h>
#include "chdf5.h"

int wp_h5_version(unsigned *major, unsigned *minor, unsigned *release) {
    return H5get_libversion(major, minor, release) < 0 ? -1 : 0;
}
