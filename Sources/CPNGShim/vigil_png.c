// libpng reports errors with longjmp. Swift cannot stand between a setjmp and its longjmp, so the
// whole libpng conversation lives in this file and the Swift side sees return codes.
#include "vigil_png.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    vigil_png_info *info;
} reader_state;

static void on_error(png_structp png, png_const_charp message) {
    reader_state *state = (reader_state *)png_get_error_ptr(png);
    snprintf(state->info->message, sizeof state->info->message, "%s", message);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static void on_read(png_structp png, png_bytep out, png_size_t length) {
    reader_state *state = (reader_state *)png_get_io_ptr(png);
    if (length > state->size - state->offset) {
        png_error(png, "truncated PNG data");
    }
    memcpy(out, state->data + state->offset, length);
    state->offset += length;
}

// Sets the transforms and returns the channel count they produce.
static int configure(png_structp png, png_infop info) {
    png_byte color = png_get_color_type(png, info);
    png_byte depth = png_get_bit_depth(png, info);
    if (depth == 16) png_set_strip_16(png);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth < 8 && color != PNG_COLOR_TYPE_GRAY) png_set_packing(png);
    // Alpha (a channel or tRNS) is dropped, never composited: the reference hashes the raw colour.
    if (color & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    return (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) ? 1 : 3;
}

static int run(const uint8_t *data, size_t size, uint8_t *out, size_t out_size, vigil_png_info *info) {
    info->message[0] = 0;
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        snprintf(info->message, sizeof info->message, "not a PNG signature");
        return -1;
    }
    reader_state state = {data, size, 0, info};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
    if (!png) {
        snprintf(info->message, sizeof info->message, "libpng could not start");
        return -1;
    }
    png_infop pinfo = png_create_info_struct(png);
    if (!pinfo) {
        png_destroy_read_struct(&png, NULL, NULL);
        snprintf(info->message, sizeof info->message, "libpng could not start");
        return -1;
    }
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        png_free(png, rows);
        png_destroy_read_struct(&png, &pinfo, NULL);
        return -1;
    }
    // Vigil enforces its own pixel limit before allocating; lift libpng's 1M-per-side default so
    // the header can be read and judged, while still capping chunk allocations.
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_set_chunk_malloc_max(png, 8 * 1024 * 1024);
    png_set_read_fn(png, &state, on_read);
    png_read_info(png, pinfo);
    info->width = png_get_image_width(png, pinfo);
    info->height = png_get_image_height(png, pinfo);
    info->channels = configure(png, pinfo);

    if (out != NULL) {
        size_t row_bytes = png_get_rowbytes(png, pinfo);
        if (row_bytes != (size_t)info->width * (size_t)info->channels ||
            out_size < row_bytes * info->height) {
            snprintf(info->message, sizeof info->message, "unexpected PNG row layout");
            png_destroy_read_struct(&png, &pinfo, NULL);
            return -1;
        }
        rows = (png_bytep *)png_malloc(png, sizeof(png_bytep) * info->height);
        for (uint32_t y = 0; y < info->height; y++) rows[y] = out + (size_t)y * row_bytes;
        png_read_image(png, rows);
        png_free(png, rows);
        rows = NULL;
    }
    png_destroy_read_struct(&png, &pinfo, NULL);
    return 0;
}

int vigil_png_read_header(const uint8_t *data, size_t size, vigil_png_info *info) {
    return run(data, size, NULL, 0, info);
}

int vigil_png_decode(const uint8_t *data, size_t size, uint8_t *out, size_t out_size, vigil_png_info *info) {
    return run(data, size, out, out_size, info);
}
