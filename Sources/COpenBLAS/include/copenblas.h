#ifndef COPENBLAS_H
#define COPENBLAS_H
// OpenBLAS's CBLAS interface; its enums and functions import into Swift directly.
#include <cblas.h>

/// Threads OpenBLAS will use (a function so Swift need not know OpenBLAS's globals).
int wp_blas_threads(void);
#endif
