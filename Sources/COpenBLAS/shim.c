#include "copenblas.h"
#include "clibraryloader.h"

#include <cblas.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef void (*sgemm_fn)(const enum CBLAS_ORDER, const enum CBLAS_TRANSPOSE, const enum CBLAS_TRANSPOSE,
                         const blasint, const blasint, const blasint, const float, const float *, const blasint,
                         const float *, const blasint, const float, float *, const blasint);

typedef void (*sgemv_fn)(const enum CBLAS_ORDER, const enum CBLAS_TRANSPOSE, const blasint, const blasint,
                         const float, const float *, const blasint, const float *, const blasint, const float,
                         float *, const blasint);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static sgemm_fn sgemm;
// Optional: a BLAS without cblas_sgemv still works, wp_sgemv then goes through sgemm.
static sgemv_fn sgemv;
static char error[512];

static void load(void) {
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    static const char *const names[] = {"libopenblas.so.0", "libopenblas.so", "libblas.so.3"};
    void *library = wp_open_first_library(names, sizeof names / sizeof names[0], "OpenBLAS", "libopenblas0",
                                          error, sizeof error);
    if (library == NULL) return;
    sgemm = (sgemm_fn)dlsym(library, "cblas_sgemm");
    if (sgemm == NULL) snprintf(error, sizeof error, "the BLAS library has no cblas_sgemm");
    sgemv = (sgemv_fn)dlsym(library, "cblas_sgemv");
}

int wp_blas_load(void) {
    pthread_once(&once, load);
    return sgemm != NULL ? 0 : -1;
}

const char *wp_blas_error(void) { return error; }

void wp_sgemm(int transpose_b, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc) {
    sgemm(CblasRowMajor, CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb,
          beta, c, ldc);
}

void wp_sgemv(int m, int n, const float *a, int lda, const float *x, float beta, float *y) {
    if (sgemv != NULL) {
        sgemv(CblasRowMajor, CblasNoTrans, m, n, 1, a, lda, x, 1, beta, y, 1);
    } else {
        // y as a 1 × m row: y = x·Aᵀ + beta·y.
        sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 1, m, n, 1, x, n, a, lda, beta, y, m);
    }
}
