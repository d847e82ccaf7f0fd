import CAllocator
import NIOPosix
import Synchronization

/// The process's malloc, tuned for a server and made visible.
///
/// glibc gives each thread that allocates its own arena and keeps what is freed in it for reuse:
/// with decode buffers of ~20 MB per image that held an extra ~45 MB after a burst of uploads
/// (237.8 MB resident after 16 concurrent uploads with 1M hashes, 193.5 MB with two arenas, at the
/// same throughput; Benchmarks/serve.sh). Even with two arenas, mixed load left half of the
/// allocator's memory freed but held (146 of 316 MB in use, minutes into a soak) and resident
/// memory crept up as the free space was touched (about 2 MB every 5 minutes); one trim took it
/// from 371 to 227 MB. Handing freed pages back every half minute keeps resident memory close to
/// what is in use (docs/benchmarks.md, "The third hour").
public enum ProcessMemory {
    /// Two arenas: enough for a server whose hot allocations happen on a couple of threads.
    public static func limitMallocArenas() {
        _ = vigil_allocator_limit_arenas(2)
    }

    /// Bytes in use by the program, and the address space the allocator holds from the system
    /// (in use plus freed memory kept for reuse, resident or not: a trim hands pages back mostly
    /// without shrinking it). Read at most once per `maxAge`, off the cooperative pool (it walks the
    /// arenas' free lists under their locks), however often `/metrics` is scraped: scrapes that come
    /// while a reading is under way get the previous one. A `maxAge` of zero always reads.
    public static func reading(maxAge: Duration = .seconds(1)) async -> (inUse: Int, held: Int) {
        enum Next { case kept((inUse: Int, held: Int)), read }
        let next = readings.withLock { state -> Next in
            if maxAge > .zero, let last = state.last, ContinuousClock.now - last.at < maxAge || state.reading { return .kept(last.value) }
            state.reading = true
            return .read
        }
        if case let .kept(value) = next { return value }
        let value = await offThePool { () -> (inUse: Int, held: Int) in
            let reading = vigil_allocator_read()
            return (Int(reading.in_use), Int(reading.held))
        }
        readings.withLock { $0 = (last: (ContinuousClock.now, value), reading: false) }
        return value
    }

    private static let readings = Mutex<(last: (at: ContinuousClock.Instant, value: (inUse: Int, held: Int))?, reading: Bool)>((nil, false))

    /// Hands freed memory back to the system, on a thread of its own (a trim walks the arenas
    /// under their locks: milliseconds, not for the cooperative pool).
    public static func trim() async {
        _ = await offThePool { vigil_allocator_trim() }
    }

    /// On NIO's blocking thread pool, as the index updates run (`IndexUpdateThreads`).
    private static func offThePool<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result {
        do {
            return try await NIOThreadPool.singleton.runIfActive(body)
        } catch {
            return body()  // the pool is shutting down: do it here
        }
    }

    /// Trims every `interval` until cancelled.
    public static func trimPeriodically(every interval: Duration) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            await trim()
        }
    }
}
