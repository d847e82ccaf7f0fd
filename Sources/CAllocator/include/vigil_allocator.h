#ifndef VIGIL_ALLOCATOR_H
#define VIGIL_ALLOCATOR_H

#include <stddef.h>

/// glibc's malloc as a server sees it (mallinfo2(3)): bytes handed out to the program, and the
/// address space the allocator holds from the system (arenas and large mmap'd blocks). The
/// difference is memory the program freed and the allocator keeps for reuse; a trim hands its
/// pages back to the system (no longer resident), mostly without shrinking what is held.
typedef struct {
    size_t in_use;
    size_t held;
} vigil_allocator_reading;

/// The reading; zeros where the C library is not glibc.
vigil_allocator_reading vigil_allocator_read(void);

/// Hands freed memory back to the system (malloc_trim(3)): 1 when some was, 0 when none, -1 where
/// the C library has no such call.
int vigil_allocator_trim(void);

/// At most `arenas` malloc arenas (mallopt M_ARENA_MAX): 1 when set, 0 when refused or unsupported.
int vigil_allocator_limit_arenas(int arenas);

#endif
