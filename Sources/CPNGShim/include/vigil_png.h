#ifndef VIGIL_PNG_H
#define VIGIL_PNG_H

#include <stddef.h>
#include <stdint.h>

/// What the PNG header says, after Vigil's transforms: 8 bits per sample, alpha dropped (not
/// composited), palettes expanded to RGB. `channels` is 1 (grey) or 3 (RGB).
typedef struct {
    uint32_t width;
    uint32_t height;
    int channels;
    char message[160];
} vigil_png_info;

/// Reads the header only. Returns 0 on success, -1 with `info->message` set on failure.
int vigil_png_read_header(const uint8_t *data, size_t size, vigil_png_info *info);

/// Decodes into `out` (`info->width * info->height * info->channels` bytes, as the header read
/// reported). Returns 0 on success, -1 with `info->message` set on failure.
int vigil_png_decode(const uint8_t *data, size_t size, uint8_t *out, size_t out_size, vigil_png_info *info);

#endif
