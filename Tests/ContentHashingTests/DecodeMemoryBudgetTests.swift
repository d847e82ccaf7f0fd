import ContentHashing
import Foundation
import ImageCodecs
import Testing
import VigilTestSupport

/// Issue 28, §3: each 100-megapixel image took about 1.1 GB while hashed, times the hashing
/// threads. The pixels in flight are bounded per process: what does not fit waits (background)
/// or is turned away with a retry hint (a request).
@Suite struct DecodeMemoryBudgetTests {
    static func jpeg(width: Int, height: Int) throws -> [UInt8] {
        let rgb = (0..<(width * height * 3)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 / 7) }
        return try JPEGEncoder.encode(rgb: rgb, width: width, height: height)
    }

    @Test func anImagesSizeIsReadFromItsHeadersAlone() throws {
        let bytes = try Self.jpeg(width: 320, height: 200)
        let size = try bytes.withUnsafeBytes { try ImageDecoder().declaredSize($0) }
        #expect(size.width == 320 && size.height == 200)
        #expect(throws: ImageDecodingError.self) { try [UInt8](repeating: 0, count: 16).withUnsafeBytes { try ImageDecoder().declaredSize($0) } }
    }

    @Test func whatDoesNotFitIsTurnedAwayOrWaits() async throws {
        let image = try Self.jpeg(width: 400, height: 300)
        let cost = DecodeMemoryBudget.cost(width: 400, height: 300)
        let budget = DecodeMemoryBudget(capacity: cost + cost / 2)
        let held = try budget.admit(cost, wait: false)
        // A request that does not fit beside the image in flight is turned away at once.
        #expect(throws: ImageDecodingError.memoryBusy(neededBytes: cost, budgetBytes: cost + cost / 2)) {
            _ = try ContentHasher(budget: budget).signals(of: image)
        }
        // Background work waits for the memory, and gets it when the image in flight is done.
        let waiting = Task.detached { try ContentHasher(budget: budget, waitsForMemory: true).signals(of: image).width }
        while budget.usage.waiting != 1 { await Task.yield() }
        budget.release(held)
        #expect(try await waiting.value == 400)
        #expect(budget.usage.inFlight == 0 && budget.usage.peak == cost)
        // Alone, an image larger than the whole budget is still hashed.
        let tiny = DecodeMemoryBudget(capacity: 1)
        #expect(try ContentHasher(budget: tiny).signals(of: image).height == 300)
    }

    @Test func thePoolsRequestsShareOneBudget() async throws {
        let image = try Self.jpeg(width: 400, height: 300)
        let cost = DecodeMemoryBudget.cost(width: 400, height: 300)
        let budget = DecodeMemoryBudget(capacity: cost)
        let pool = ImageHashingPool(threads: 2, queueLimit: 4, budget: budget)
        defer { pool.shutdown() }
        let held = try budget.admit(cost, wait: false)
        await #expect(throws: ImageDecodingError.self) { try await pool.run { hasher in try hasher.signals(of: image) } }
        budget.release(held)
        #expect(try await pool.run { hasher in try hasher.signals(of: image) }.width == 400)
    }
}
