public import ImageSignals
public import Foundation
#if canImport(Glibc)
import Glibc
#endif
public import ImageCodecs

/// Decoding and hashing on threads of their own, one per core, never on Swift's cooperative pool:
/// a 20 ms decode there would hold a thread that timers, health checks and index lookups need.
/// The queue in front of the threads is bounded; past it a caller gets `HashingPoolError.busy` at
/// once (an HTTP 503 with Retry-After) instead of an unbounded wait with its body held in memory.
///
/// Background work (an import hashing a folder of images) has a lane of its own: it waits rather
/// than being turned away, and a thread takes it only when no request is waiting, so an import
/// never delays a lookup by more than the one image a thread is already hashing.
public final class ImageHashingPool: @unchecked Sendable {
    public let threadCount: Int
    public let queueLimit: Int
    let limits: DecodeLimits
    // NSCondition guards `jobs` and `stopped`; workers wait on it.
    private let condition = NSCondition()
    /// Waiting jobs from `head` on; a taken job's slot is cleared at once, so the image it
    /// captured is freed when the job ends, not when the array is next compacted.
    private var jobs: [Job?] = []
    private var head = 0
    /// Background jobs, taken only when `jobs` is empty (one per importing task, so it stays small).
    private var background: [Job] = []
    private var stopped = false
    /// Jobs a thread is working on.
    private var running = 0

    /// A job, and whether it waits for decoding memory (background) or is turned away (a request).
    typealias Job = @Sendable (_ waitsForMemory: Bool) -> Void

    /// - Parameters:
    ///   - threads: worker threads (default: the cores).
    ///   - queueLimit: jobs that may wait while every thread is busy before callers are turned away.
    /// The decoding memory every thread's image shares (`nil`: each image bounded by the limits only).
    public let budget: DecodeMemoryBudget?

    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount, queueLimit: Int = 32, limits: DecodeLimits = .default,
                budget: DecodeMemoryBudget? = nil) {
        threadCount = max(1, threads)
        self.queueLimit = max(0, queueLimit)
        self.limits = limits
        self.budget = budget
        for number in 0..<threadCount {
            Thread.detachNewThread { [self] in
                // Named from inside: the name shows in debuggers and in `top -H`.
                Self.nameCurrentThread("vigil-hash-\(number)")
                work()
            }
        }
    }

    public enum Priority: Sendable {
        /// A request waiting for its answer: turned away with `busy` when the queue is full.
        case request
        /// Work nobody is waiting on (an import): waits for a free thread, behind every request.
        case background
    }

    /// Jobs waiting for a thread, background work included.
    public var queued: Int {
        condition.lock()
        defer { condition.unlock() }
        return jobs.count - head + background.count
    }

    /// Runs `body` on a pool thread with a hasher of its own (it owns PDQ scratch memory).
    public func run<T: Sendable>(_ priority: Priority = .request,
                                 _ body: @escaping @Sendable (ContentHasher) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            condition.lock()
            let limits = self.limits, budget = self.budget
            let job: Job = { waits in
                // A hasher per image, not per thread: its scratch grows to the largest image it
                // has seen (~40 MB at 1600×1004), and a server should not keep that after the burst.
                let hasher = ContentHasher(limits: limits, budget: budget, waitsForMemory: waits)
                continuation.resume(with: Result { try body(hasher) })
            }
            if priority == .background, !stopped {
                background.append(job)
                condition.signal()
                condition.unlock()
                return
            }
            // Idle threads take jobs at once, so they do not count against the queue.
            guard !stopped, jobs.count - head < queueLimit + (threadCount - running) else {
                let stopped = self.stopped
                condition.unlock()
                continuation.resume(throwing: stopped ? HashingPoolError.shuttingDown : HashingPoolError.busy(retryAfterSeconds: 1))
                return
            }
            jobs.append(job)
            condition.signal()
            condition.unlock()
        }
    }

    /// The calling thread's name as the system knows it (what `top -H` shows).
    public static var currentThreadName: String {
        #if canImport(Glibc)
        var buffer = [CChar](repeating: 0, count: 64)
        _ = glibcGetThreadName(pthread_self(), &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #else
        return Thread.current.name ?? ""
        #endif
    }

    static func nameCurrentThread(_ name: String) {
        #if canImport(Glibc)
        _ = name.withCString { glibcSetThreadName(pthread_self(), $0) }
        #else
        Thread.current.name = name
        #endif
    }

    /// Stops the threads once the queue is empty. Jobs submitted afterwards fail.
    public func shutdown() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        while let (job, background) = nextJob() {
            job(background)
            condition.lock()
            running -= 1
            condition.unlock()
        }
    }

    /// The next job, requests before background work, counted as running; nil once stopped
    /// with nothing left.
    private func nextJob() -> (Job, background: Bool)? {
        condition.lock()
        defer { condition.unlock() }
        while head == jobs.count && background.isEmpty && !stopped { condition.wait() }
        let job: Job
        var isBackground = false
        if head < jobs.count {
            guard let taken = jobs[head] else { preconditionFailure("a queued job is taken once") }
            job = taken
            jobs[head] = nil
            head += 1
            // Compact now and then so the array does not grow without bound.
            if head > 256 && head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
        } else if !background.isEmpty {
            job = background.removeFirst()
            isBackground = true
        } else {
            return nil
        }
        running += 1
        return (job, isBackground)
    }
}

extension ImageHashingPool: ImageHashing {
    /// A request's image: in the request lane, turned away at once when the queue is full.
    public func signals(of bytes: [UInt8], dihedral: Bool) async throws -> ContentSignals {
        try await run { hasher in try hasher.signals(of: bytes, dihedral: dihedral) }
    }
}

#if canImport(Glibc)
// GNU extensions from <pthread.h> that the Glibc module does not export.
@_silgen_name("pthread_setname_np")
private func glibcSetThreadName(_ thread: pthread_t, _ name: UnsafePointer<CChar>) -> Int32
@_silgen_name("pthread_getname_np")
private func glibcGetThreadName(_ thread: pthread_t, _ name: UnsafeMutablePointer<CChar>, _ length: Int) -> Int32
#endif
