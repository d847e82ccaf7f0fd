import Foundation
import Testing
import VigilServer

/// The server hands freed memory back to the system: memory freed in holes between blocks still
/// in use stays resident until a trim (glibc returns only the top of a heap on its own).
@Suite struct ProcessMemoryTests {
    static func residentBytes() throws -> Int {
        let statm = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
        let pages = try #require(statm.count > 1 ? Int(statm[1]) : nil)
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
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
        for (i, pointer) in blocks.enumerated() where i % 2 == 0 { free(pointer) }
        let held = try Self.residentBytes()
        let reading = ProcessMemory.reading()
        #expect(reading.held - reading.inUse >= 100_000_000, "the freed holes are held: \(reading)")
        await ProcessMemory.trim()
        let trimmed = try Self.residentBytes()
        #expect(held - trimmed >= 100_000_000, "resident \(held) before the trim, \(trimmed) after")
    }
}
