import CAllocator
import Dispatch

/// The process's malloc, tuned for a server and made visible.
///
/// glibc gives each thread that allocates its own arena and keeps what is freed in it for reuse:
/// with decode buffers of ~20 MB per image that held an extra ~45 MB after a burst of uploads
/// (237.8 MB resident after 16 concurrent uploads with 1M hashes, 193.5 MB with two arenas, at the
/// same throughput; Benchmarks/serve.sh). Even with two arenas, an hour of mixed load left half of
/// the allocator's memory freed but held (146 of 316 MB in a soak), and resident memory crept up
/// as the free space fragmented: handing freed pages back every half minute keeps resident memory
/// close to what is in use (docs/benchmarks.md, "The third hour").
public enum ProcessMemory {
    /// Two arenas: enough for a server whose hot allocations happen on a couple of threads.
    public static func limitMallocArenas() {
        _ = vigil_allocator_limit_arenas(2)
    }

    /// Bytes in use by the program, and bytes the allocator holds from the system.
    public static func reading() -> (inUse: Int, held: Int) {
        let reading = vigil_allocator_read()
        return (Int(reading.in_use), Int(reading.held))
    }

    /// Hands freed memory back to the system, on a thread of its own (a trim walks the arenas
    /// under their locks: milliseconds, not for the cooperative pool).
    public static func trim() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global(qos: .utility).async {
                _ = vigil_allocator_trim()
                done.resume()
            }
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
