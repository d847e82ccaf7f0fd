#include "vigil_allocator.h"

// Any C library header defines __GLIBC__ on glibc (the compiler's stddef.h does not).
#include <stdlib.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

vigil_allocator_reading vigil_allocator_read(void) {
    vigil_allocator_reading reading = {0, 0};
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 info = mallinfo2();
    reading.in_use = info.uordblks + info.hblkhd;
    reading.held = info.arena + info.hblkhd;
#endif
    return reading;
}

int vigil_allocator_trim(void) {
#if defined(__GLIBC__)
    return malloc_trim(0);
#else
    return -1;
#endif
}

int vigil_allocator_limit_arenas(int arenas) {
#if defined(__GLIBC__)
    return mallopt(M_ARENA_MAX, arenas);
#else
    (void)arenas;
    return 0;
#endif
}
