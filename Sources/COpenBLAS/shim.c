#include "copenblas.h"

int wp_blas_threads(void) { return openblas_get_num_threads(); }
