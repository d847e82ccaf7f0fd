public import Foundation
public import Logging
public import Lookup
import Basics
import Synchronization

/// Whether this process's index has loaded (routes that match wait for it, then answer 503), why a
/// load failed, since when it is ready, and how far it follows the change log.
public final class IndexReadiness: Sendable {
    private let lookup: LookupService
    private let loadFailure = Mutex<String?>(nil)
    private let readyTime = Mutex<Date?>(nil)

    public init(lookup: LookupService) {
        self.lookup = lookup
    }

    /// True once the index has loaded. It then follows the change log, so it never goes back.
    public var isReady: Bool { lookup.isReady }
    public var loadError: String? { loadFailure.withLock { $0 } }
    /// When the index became ready (HMA's `built_to`).
    public var readySince: Date? { readyTime.withLock { $0 } }

    /// Loads the index from storage; routes that match wait for it (up to a limit) until this returns.
    public func loadIndex(logger: Logger) async {
        let banks = lookup.banks
        let start = ContinuousClock.now
        do {
            try await banks.loadIndex()
            markReady()
            let counts = banks.index.counts
            logger.info("index loaded", metadata: [
                "pdq": .stringConvertible(counts.pdq), "md5": .stringConvertible(counts.md5), "sha256": .stringConvertible(counts.sha256),
                "banks": .stringConvertible(counts.banks), "seconds": .string(String(format: "%.2f", start.duration(to: .now).seconds)),
                "change_log_sequence": .stringConvertible(banks.follower?.appliedSequence ?? 0),
            ])
        } catch {
            // Lookups waiting for the index are answered now, not at their limit (nor hold a shutdown up).
            lookup.markLoadFailed()
            // Shutting down before the load finished (a port already in use, say) is not a failure of the load.
            if Task.isCancelled || error is CancellationError { return }
            loadFailure.withLock { $0 = String(describing: error) }
            logger.critical("index load failed", metadata: ["error": .string(String(describing: error))])
        }
    }

    /// Marks the index ready without loading (tests and empty databases built in-process).
    public func markReady() {
        readyTime.withLock { $0 = Date() }
        lookup.markReady()
    }

    /// How far this process's index has followed the change log.
    public var changeLogStatus: (applied: Int64, latest: Int64) {
        guard let follower = lookup.banks.follower else { return (0, 0) }
        return (follower.appliedSequence, follower.latestSequence)
    }

    /// Throws 503 `index_loading` at once while the index loads: for GET lookups, which a load
    /// balancer re-sends to a ready replica (nginx's `proxy_next_upstream http_503`) and a client
    /// may repeat after `Retry-After`. A POST cannot be re-sent by the balancer: it waits instead.
    func requireReadyNow() throws {
        guard isReady else { throw APIError.indexLoading }
    }

    /// Lookups waiting now for the index to load.
    public var waitingLookups: Int { lookup.waitingForIndex }

    /// Waits, without a limit, for the index to load: false if its load failed or the task was cancelled.
    public func loadedIndex() async -> Bool { await lookup.loadedIndex() }
}
