@testable import HammingIndex
import PDQ
import Testing

/// A candidate's check reads one cache line: hashes start on a line and never straddle two.
@Suite struct PageBufferTests {
    @Test(arguments: [1, 1000, PageMemory.hugePageThreshold / 32 + 1])
    func hashesStartOnACacheLineAndKeepTheirValues(count: Int) {
        let hashes = (0..<count).map { PDQHash(w0: UInt64($0), w1: ~UInt64($0), w2: 7, w3: UInt64($0) &* 31) }
        let buffer = PageBuffer(hashes)
        #expect(Int(bitPattern: buffer.base) % 64 == 0)
        #if os(Linux)
        if count * 32 >= PageMemory.hugePageThreshold {
            // Large buffers start on a 2 MiB boundary, where a huge page can back them.
            #expect(Int(bitPattern: buffer.base) % (2 << 20) == 0)
        }
        #endif
        #expect(Array(buffer.buffer) == hashes)
    }
}
