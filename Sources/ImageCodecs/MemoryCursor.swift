/// A read position over encoded bytes, for the C libraries (giflib, libtiff) that pull their
/// input through callbacks with a context pointer.
struct MemoryCursor {
    let base: UnsafeRawPointer
    let count: Int
    var offset = 0

    /// A cursor at the start of `bytes`, in memory the caller deallocates.
    static func allocate(over bytes: UnsafeRawBufferPointer) -> UnsafeMutablePointer<MemoryCursor> {
        let cursor = UnsafeMutablePointer<MemoryCursor>.allocate(capacity: 1)
        cursor.initialize(to: MemoryCursor(base: bytes.baseAddress!, count: bytes.count))
        return cursor
    }

    /// Copies up to `wanted` bytes to `out`; returns how many (0 at or past the end).
    mutating func read(into out: UnsafeMutableRawPointer, _ wanted: Int) -> Int {
        let n = max(0, min(wanted, count - offset))
        out.copyMemory(from: base + offset, byteCount: n)
        offset += n
        return n
    }

    /// Moves to `start + delta` (`start`: 0, the current offset or the end); nil if that is before the first byte.
    mutating func seek(from start: Int, by delta: Int) -> Int? {
        let (target, overflow) = start.addingReportingOverflow(delta)
        guard !overflow, target >= 0 else { return nil }
        offset = target
        return target
    }
}
