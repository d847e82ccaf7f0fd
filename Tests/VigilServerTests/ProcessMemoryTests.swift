import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import VigilServer

#if canImport(Glibc)
/// The server hands freed memory back to the system: memory freed in holes between blocks still
/// in use stays resident until a trim (glibc returns only the top of a heap on its own). Pages are
/// checked where they are (mincore), so tests running beside this one do not blur the figure.
@Suite struct ProcessMemoryTests {
    static let page = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Resident pages inside a freed block, past the allocator's own bookkeeping at its start.
    static func residentPages(_ block: UnsafeMutableRawPointer, length: Int) -> Int {
        let start = (Int(bitPattern: block) + 64 + page - 1) / page * page
        let end = (Int(bitPattern: block) + length) / page * page
        guard end > start, let first = UnsafeMutableRawPointer(bitPattern: start) else { return 0 }
        var pages = [UInt8](repeating: 0, count: (end - start) / page)
        guard mincore(first, end - start, &pages) == 0 else { return -1 }
        return pages.reduce(0) { $0 + Int($1 & 1) }
    }

    @Test func aTrimReturnsFreedMemoryHeldInHoles() async throws {
        // 256 MB in 64 KiB blocks (under the mmap threshold: they come from an arena), every
        // other one freed: 128 MB of holes the allocator keeps, each between two blocks in use.
        let block = 64 * 1024, count = 4096
        let blocks = (0..<count).map { _ -> UnsafeMutableRawPointer? in
            let pointer = malloc(block)
            if let pointer { memset(pointer, 1, block) }
            return pointer
        }
        defer { for (i, pointer) in blocks.enumerated() where i % 2 == 1 { free(pointer) } }
        let holes = blocks.enumerated().compactMap { i, pointer in i % 2 == 0 ? pointer : nil }
        for hole in holes { free(hole) }
        let before = holes.reduce(0) { $0 + Self.residentPages($1, length: block) }
        let reading = await ProcessMemory.reading(maxAge: .zero)
        #expect(reading.held - reading.inUse >= 100_000_000, "the freed holes are held: \(reading)")
        await ProcessMemory.trim()
        let after = holes.reduce(0) { $0 + Self.residentPages($1, length: block) }
        // Before: every page of the holes is resident. After: gone, but for what other tests
        // running in this process allocated into them meanwhile.
        #expect(before >= holes.count * 14, "resident pages in the holes before the trim: \(before)")
        #expect(after * 2 < before, "resident pages in the holes: \(before) before the trim, \(after) after")
    }
}
#endif
