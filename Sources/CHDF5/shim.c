// Reading side of the libhdf5 shim (see chdf5.h). Writing lives in write.c.
#include <stdlib.h>
#include <string.h>
#include "chdf5.h"
#include "internal.h"

char wp_h5_shim_error[512];

int wp_h5_version(unsigned *major, unsigned *minor, unsigned *release) {
    if (wp_h5_load() < 0) return -1;
    return H5get_libversion(major, minor, release) < 0 ? -1 : 0;
}

int wp_h5_init(void) {
    if (wp_h5_load() < 0) return -1;
    // Errors are reported once, by the Swift wrapper, never printed by the library.
    return H5Eset_auto2(H5E_DEFAULT, NULL, NULL) < 0 ? -1 : 0;
}

struct error_walk { char first[256]; char last[256]; int seen; };

static herr_t collect_error(unsigned n, const H5E_error2_t *err, void *data) {
    struct error_walk *walk = (struct error_walk *)data;
    const char *desc = err->desc ? err->desc : "";
    if (walk->seen == 0) snprintf(walk->first, sizeof walk->first, "%s", desc);
    snprintf(walk->last, sizeof walk->last, "%s", desc);
    walk->seen++;
    (void)n;
    return 0;
}

void wp_h5_error_message(char *buffer, size_t capacity) {
    if (capacity == 0) return;
    struct error_walk walk = { "", "", 0 };
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &walk);
    H5Eclear2(H5E_DEFAULT);
    if (wp_h5_shim_error[0] != 0) {
        snprintf(buffer, capacity, "%s", wp_h5_shim_error);
        wp_h5_shim_error[0] = 0;
    } else if (walk.seen == 0) {
        snprintf(buffer, capacity, "libhdf5 reported an error without a message");
    } else if (walk.seen == 1 || strcmp(walk.first, walk.last) == 0) {
        snprintf(buffer, capacity, "%s", walk.first);
    } else {
        snprintf(buffer, capacity, "%s (%s)", walk.first, walk.last);
    }
}

void wp_h5_free(void *pointer) { free(pointer); }

wp_hid_t wp_h5_open_read(const char *path) { return H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT); }

wp_hid_t wp_h5_open_image(const void *data, size_t length) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return -1;
    hid_t file = -1;
    // Core (memory) driver without a backing store; the image is copied, never written back.
    if (H5Pset_fapl_core(fapl, 1 << 16, 0) >= 0 && H5Pset_file_image(fapl, (void *)data, length) >= 0) {
        file = H5Fopen("weightport-image.h5", H5F_ACC_RDONLY, fapl);
    }
    H5Pclose(fapl);
    return file;
}

int wp_h5_close_file(wp_hid_t file) { return H5Fclose(file) < 0 ? -1 : 0; }

wp_hid_t wp_h5_open_object(wp_hid_t loc, const char *path) { return H5Oopen(loc, path, H5P_DEFAULT); }

int wp_h5_close_object(wp_hid_t object) { return H5Oclose(object) < 0 ? -1 : 0; }

// ---- visiting: collect first, report after success, so a failed creation-order walk can be redone

struct visit_list { char **paths; int *kinds; size_t count, capacity; int failed; };

static herr_t collect_object(hid_t obj, const char *name, const H5O_info_t *info, void *data) {
    struct visit_list *list = (struct visit_list *)data;
    (void)obj;
    if (strcmp(name, ".") == 0) return 0;
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 64;
        char **paths = realloc(list->paths, capacity * sizeof(char *));
        if (paths == NULL) { list->failed = 1; return -1; }
        list->paths = paths;
        int *kinds = realloc(list->kinds, capacity * sizeof(int));
        if (kinds == NULL) { list->failed = 1; return -1; }
        list->kinds = kinds;
        list->capacity = capacity;
    }
    char *copy = strdup(name);
    if (copy == NULL) { list->failed = 1; return -1; }
    list->paths[list->count] = copy;
    list->kinds[list->count] = info->type == H5O_TYPE_GROUP ? WP_H5_GROUP
                             : info->type == H5O_TYPE_DATASET ? WP_H5_DATASET : WP_H5_OTHER;
    list->count++;
    return 0;
}

static void free_list(struct visit_list *list) {
    for (size_t i = 0; i < list->count; i++) free(list->paths[i]);
    free(list->paths);
    free(list->kinds);
    memset(list, 0, sizeof *list);
}

int wp_h5_visit(wp_hid_t loc, wp_h5_visit_fn callback, void *context) {
    struct visit_list list = { NULL, NULL, 0, 0, 0 };
    if (H5Ovisit2(loc, H5_INDEX_CRT_ORDER, H5_ITER_INC, collect_object, &list, H5O_INFO_BASIC) < 0) {
        free_list(&list);
        H5Eclear2(H5E_DEFAULT);
        if (H5Ovisit2(loc, H5_INDEX_NAME, H5_ITER_INC, collect_object, &list, H5O_INFO_BASIC) < 0) {
            free_list(&list);
            return -1;
        }
    }
    int status = 0;
    for (size_t i = 0; i < list.count && status == 0; i++) status = callback(list.paths[i], list.kinds[i], context);
    free_list(&list);
    return status;
}

// ---- attributes

struct name_call { wp_h5_name_fn callback; void *context; };

static herr_t call_name(hid_t loc, const char *name, const H5A_info_t *info, void *data) {
    struct name_call *call = (struct name_call *)data;
    (void)loc; (void)info;
    return call->callback(name, call->context) == 0 ? 0 : -1;
}

int wp_h5_attribute_names(wp_hid_t object, wp_h5_name_fn callback, void *context) {
    struct name_call call = { callback, context };
    hsize_t index = 0;
    return H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, call_name, &call) < 0 ? -1 : 0;
}

wp_hid_t wp_h5_open_attribute(wp_hid_t object, const char *name) { return H5Aopen(object, name, H5P_DEFAULT); }

int wp_h5_close_attribute(wp_hid_t attribute) { return H5Aclose(attribute) < 0 ? -1 : 0; }

// ---- describing and reading

static hid_t object_type(hid_t object, int is_attribute) {
    return is_attribute ? H5Aget_type(object) : H5Dget_type(object);
}

static hid_t object_space(hid_t object, int is_attribute) {
    return is_attribute ? H5Aget_space(object) : H5Dget_space(object);
}

static int is_bool_enum(hid_t type) {
    if (H5Tget_size(type) != 1 || H5Tget_nmembers(type) != 2) return 0;
    char *a = H5Tget_member_name(type, 0), *b = H5Tget_member_name(type, 1);
    int ok = a && b && strcmp(a, "FALSE") == 0 && strcmp(b, "TRUE") == 0;
    H5free_memory(a);
    H5free_memory(b);
    return ok;
}

int wp_h5_describe(wp_hid_t object, int is_attribute, int *type_class, size_t *size, int *is_signed,
                   int *bool_enum, int *variable_string, int *rank, uint64_t *dims) {
    hid_t type = object_type(object, is_attribute);
    if (type < 0) return -1;
    H5T_class_t cls = H5Tget_class(type);
    *type_class = cls == H5T_INTEGER ? WP_H5_CLASS_INTEGER : cls == H5T_FLOAT ? WP_H5_CLASS_FLOAT
                : cls == H5T_STRING ? WP_H5_CLASS_STRING : cls == H5T_OPAQUE ? WP_H5_CLASS_OPAQUE
                : cls == H5T_ENUM ? WP_H5_CLASS_ENUM : WP_H5_CLASS_OTHER;
    *size = H5Tget_size(type);
    *is_signed = cls == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_2;
    *bool_enum = cls == H5T_ENUM && is_bool_enum(type);
    *variable_string = cls == H5T_STRING && H5Tis_variable_str(type) > 0;
    H5Tclose(type);
    hid_t space = object_space(object, is_attribute);
    if (space < 0) return -1;
    H5S_class_t kind = H5Sget_simple_extent_type(space);
    int n = kind == H5S_NULL ? 0 : H5Sget_simple_extent_ndims(space);
    if (n < 0 || n > 32) {
        H5Sclose(space);
        snprintf(wp_h5_shim_error, sizeof wp_h5_shim_error, "dataspace of rank %d (at most 32 supported)", n);
        return -1;
    }
    hsize_t extent[32];
    if (n > 0 && H5Sget_simple_extent_dims(space, extent, NULL) < 0) { H5Sclose(space); return -1; }
    H5Sclose(space);
    if (kind == H5S_NULL) { *rank = 1; dims[0] = 0; return 0; }
    *rank = n;
    for (int i = 0; i < n; i++) dims[i] = extent[i];
    return 0;
}

static herr_t read_with(hid_t object, int is_attribute, hid_t memory, void *buffer) {
    return is_attribute ? H5Aread(object, memory, buffer)
                        : H5Dread(object, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
}

int wp_h5_read(wp_hid_t object, int is_attribute, int memory_type, void *buffer) {
    int owned = 0;
    hid_t memory = wp_h5_memory_type(memory_type, &owned);
    if (memory_type == WP_H5_BOOL || memory_type == WP_H5_BFLOAT16) {
        // Enum and opaque conversions need matching member names / tags: read the bytes as stored.
        memory = object_type(object, is_attribute);
        owned = 1;
    }
    if (memory < 0) return -1;
    herr_t status = read_with(object, is_attribute, memory, buffer);
    if (owned) H5Tclose(memory);
    return status < 0 ? -1 : 0;
}

static int split_fixed(const char *raw, size_t width, size_t n, char **strings, size_t *total) {
    char *out = malloc(n * (width + 1) + 1);
    if (out == NULL) return -1;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = raw + i * width;
        size_t len = 0;
        while (len < width && s[len] != 0) len++;
        while (len > 0 && s[len - 1] == ' ') len--;  // space-padded strings
        memcpy(out + at, s, len);
        at += len;
        out[at++] = 0;
    }
    *strings = out;
    *total = at;
    return 0;
}

static int read_variable(hid_t object, int is_attribute, hid_t file_type, size_t n, char **strings, size_t *total) {
    char **pointers = calloc(n ? n : 1, sizeof(char *));
    if (pointers == NULL) return -1;
    hid_t memory = H5Tcopy(H5T_C_S1);
    H5Tset_size(memory, H5T_VARIABLE);
    H5Tset_cset(memory, H5Tget_cset(file_type));
    int status = read_with(object, is_attribute, memory, pointers) < 0 ? -1 : 0;
    size_t length = 1;
    for (size_t i = 0; status == 0 && i < n; i++) length += (pointers[i] ? strlen(pointers[i]) : 0) + 1;
    char *out = status == 0 ? malloc(length) : NULL;
    size_t at = 0;
    for (size_t i = 0; out != NULL && i < n; i++) {
        size_t len = pointers[i] ? strlen(pointers[i]) : 0;
        memcpy(out + at, pointers[i] ? pointers[i] : "", len);
        at += len;
        out[at++] = 0;
    }
    if (status == 0) {
        hid_t space = object_space(object, is_attribute);
        H5Dvlen_reclaim(memory, space, H5P_DEFAULT, pointers);
        H5Sclose(space);
    }
    H5Tclose(memory);
    free(pointers);
    if (status != 0 || out == NULL) { free(out); return -1; }
    *strings = out;
    *total = at;
    return 0;
}

int wp_h5_read_strings(wp_hid_t object, int is_attribute, char **strings, size_t *total, size_t *count) {
    hid_t type = object_type(object, is_attribute);
    hid_t space = object_space(object, is_attribute);
    if (type < 0 || space < 0) { if (type >= 0) H5Tclose(type); if (space >= 0) H5Sclose(space); return -1; }
    hssize_t points = H5Sget_simple_extent_npoints(space);
    H5Sclose(space);
    int status = -1;
    size_t n = points > 0 ? (size_t)points : 0;
    if (H5Tget_class(type) != H5T_STRING) {
        snprintf(wp_h5_shim_error, sizeof wp_h5_shim_error, "not a string type");
    } else if (H5Tis_variable_str(type) > 0) {
        status = read_variable(object, is_attribute, type, n, strings, total);
    } else {
        size_t width = H5Tget_size(type);
        char *raw = malloc(n * width + 1);
        if (raw != NULL && read_with(object, is_attribute, type, raw) >= 0) status = split_fixed(raw, width, n, strings, total);
        free(raw);
    }
    H5Tclose(type);
    *count = n;
    return status;
}

static int raw_location(hid_t file, hid_t dataset, int memory_type, uint64_t *offset, uint64_t *length);

int wp_h5_raw_location(wp_hid_t file, wp_hid_t dataset, int memory_type, uint64_t *offset, uint64_t *length) {
    int found = raw_location(file, dataset, memory_type, offset, length);
    // A failure here only means the values are read the usual way: leave no error behind.
    if (found < 0) H5Eclear2(H5E_DEFAULT);
    return found < 0 ? 0 : found;
}

static int raw_location(hid_t file, hid_t dataset, int memory_type, uint64_t *offset, uint64_t *length) {
    // Addresses are relative to the superblock: only without a user block are they file offsets.
    hid_t fcpl = H5Fget_create_plist(file);
    if (fcpl < 0) return -1;
    hsize_t userblock = 1;
    herr_t got = H5Pget_userblock(fcpl, &userblock);
    H5Pclose(fcpl);
    if (got < 0) return -1;
    if (userblock != 0) return 0;
    hid_t dcpl = H5Dget_create_plist(dataset);
    if (dcpl < 0) return -1;
    int plain = H5Pget_layout(dcpl) == H5D_CONTIGUOUS && H5Pget_nfilters(dcpl) == 0;
    H5Pclose(dcpl);
    if (!plain) return 0;
    haddr_t address = H5Dget_offset(dataset);
    if (address == HADDR_UNDEF) { H5Eclear2(H5E_DEFAULT); return 0; }
    // The stored type must be the memory type itself (bool and bfloat16 are read as stored).
    int same = 1;
    if (memory_type != WP_H5_BOOL && memory_type != WP_H5_BFLOAT16) {
        hid_t stored = H5Dget_type(dataset);
        int owned = 0;
        hid_t memory = stored < 0 ? -1 : wp_h5_memory_type(memory_type, &owned);
        same = stored >= 0 && memory >= 0 && H5Tequal(stored, memory) > 0;
        if (owned && memory >= 0) H5Tclose(memory);
        if (stored >= 0) H5Tclose(stored);
    }
    if (!same) return 0;
    *offset = (uint64_t)address;
    *length = (uint64_t)H5Dget_storage_size(dataset);
    return 1;
}
