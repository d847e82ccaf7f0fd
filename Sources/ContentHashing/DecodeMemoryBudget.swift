import Foundation
public import ImageCodecs
import PDQ

/// The memory every image being decoded and hashed in this process may take together: bounded
/// per process, not per image. A 100-megapixel image takes 300-700 MB while it is decoded and
/// hashed (its pixels and the decoder's buffers); with one such image per hashing thread a
/// burst of them could take every thread's worth at once. Each image is admitted for its
/// declared size before a pixel is allocated: a request that does not fit is turned away at once
/// (`ImageDecodingError.memoryBusy`, an HTTP 503 with Retry-After), background work waits.
///
/// One image is always admitted when nothing else is in flight, so an image larger than the whole
/// budget (but within `max_pixels`) is still hashed, alone.
public final class DecodeMemoryBudget: @unchecked Sendable {
    /// What one pixel costs while decoded, measured (`vigil hash`'s peak resident memory less the
    /// process's own 40 MB): a 100-megapixel JPEG, PNG (with alpha) or WebP 3.2 bytes, a TIFF 6.8
    /// (libtiff reads RGBA, then RGB is made), a 48-megapixel HEIC 6.3; rounded up. PDQ's scratch,
    /// which depends on the image's shape more than on its size, is added (`cost`).
    public static let bytesPerPixel = 7

    public let capacity: Int
    // NSCondition guards `inFlight` and `peak`; waiting background work waits on it.
    private let condition = NSCondition()
    private var inFlight = 0
    private var highWater = 0
    private var waiters = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// An admission, handed back with `release` once the image is done with.
    public struct Ticket: Sendable {
        let bytes: Int
    }

    /// The bytes an image of this size takes while decoded and hashed: its pixels and the
    /// decoder's buffers, and PDQ's scratch (`PDQHasher.scratchBytes`: a few bands of rows, so more
    /// a pixel for a wide, short image than for a square one).
    public static func cost(width: Int, height: Int) -> Int {
        guard width >= 0, height >= 0 else { return Int.max }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        let (bytes, overflow2) = pixels.multipliedReportingOverflow(by: bytesPerPixel)
        guard !overflow, !overflow2, width <= 1 << 31, height <= 1 << 31 else { return Int.max }
        let (total, overflow3) = bytes.addingReportingOverflow(PDQHasher.scratchBytes(width: width, height: height))
        return overflow3 ? Int.max : total
    }

    /// Admits `bytes`; when they do not fit, `wait` waits for them (background work) and
    /// otherwise throws `memoryBusy`.
    public func admit(_ bytes: Int, wait: Bool) throws(ImageDecodingError) -> Ticket {
        condition.lock()
        defer { condition.unlock() }
        while inFlight > 0 && inFlight > capacity - bytes {
            guard wait else { throw .memoryBusy(neededBytes: bytes, budgetBytes: capacity) }
            waiters += 1
            condition.wait()
            waiters -= 1
        }
        inFlight += bytes
        highWater = max(highWater, inFlight)
        return Ticket(bytes: bytes)
    }

    public func release(_ ticket: Ticket) {
        condition.lock()
        inFlight -= ticket.bytes
        condition.broadcast()
        condition.unlock()
    }

    /// Bytes admitted now, the most ever admitted at once, and the images waiting (for the metrics).
    public var usage: (inFlight: Int, peak: Int, waiting: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (inFlight, highWater, waiters)
    }
}
