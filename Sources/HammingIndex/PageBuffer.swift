#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An immutable array of plain values in memory of its own: cache-line aligned, so a 32-byte hash
/// never straddles two lines, and, when large, on 2 MiB pages. A query is a few thousand random
/// reads; with 4 KiB pages each also misses the TLB, and at 100M hashes the page walks (a few
/// at a time) rather than the reads themselves bounded a query. Huge pages are asked for
/// (`MADV_HUGEPAGE`) before the memory is first written; where the kernel declines, the buffer
/// works the same on small pages.
final class PageBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    // @unchecked: written only inside `init`, read-only afterwards.
    let base: UnsafeMutablePointer<Element>
    let count: Int
    private let mapping: (start: UnsafeMutableRawPointer, length: Int)?

    /// Buffers from this size on are mapped on their own and asked for huge pages.
    static var hugePageThreshold: Int { 4 << 20 }
    private static var hugePageSize: Int { 2 << 20 }

    /// A buffer of `count` elements that `fill` initialises, every one of them.
    init(count: Int, _ fill: (UnsafeMutableBufferPointer<Element>) -> Void) {
        precondition(count >= 0)
        self.count = count
        let bytes = max(count * MemoryLayout<Element>.stride, 1)
        #if os(Linux)
        if bytes >= Self.hugePageThreshold {
            // Over-map by one huge page so the buffer can start on a huge-page boundary.
            let length = bytes + Self.hugePageSize
            let raw = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            guard let raw, raw != MAP_FAILED else {
                fatalError("the index could not map \(length) bytes of memory (errno \(errno))")
            }
            let aligned = (Int(bitPattern: raw) + Self.hugePageSize - 1) & ~(Self.hugePageSize - 1)
            let start = UnsafeMutableRawPointer(bitPattern: aligned)!
            // Advice only: a kernel without transparent huge pages leaves small pages.
            _ = madvise(start, bytes, Int32(MADV_HUGEPAGE))
            mapping = (raw, length)
            base = start.bindMemory(to: Element.self, capacity: count)
            fill(UnsafeMutableBufferPointer(start: base, count: count))
            return
        }
        #endif
        mapping = nil
        base = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            .bindMemory(to: Element.self, capacity: count)
        fill(UnsafeMutableBufferPointer(start: base, count: count))
    }

    convenience init(_ elements: some Collection<Element>) {
        self.init(count: elements.count) { out in _ = out.initialize(from: elements) }
    }

    deinit {
        if let mapping {
            #if os(Linux)
            munmap(mapping.start, mapping.length)
            #endif
        } else {
            UnsafeMutableRawPointer(base).deallocate()
        }
    }

    var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }

    @inline(__always)
    subscript(index: Int) -> Element { base[index] }

    var byteCount: Int { count * MemoryLayout<Element>.stride }

    /// The memory as writable scratch space, for a buffer its owner uses as working memory
    /// (left uninitialised by an empty `fill`) rather than shares.
    var mutableScratch: UnsafeMutableBufferPointer<Element> { UnsafeMutableBufferPointer(start: base, count: count) }
}
