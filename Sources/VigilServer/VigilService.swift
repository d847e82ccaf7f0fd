public import Access
public import Banks
import ContentHashing
public import Foundation
import ImageCodecs
public import Logging
import PDQ
public import SafeFetch
import Synchronization

/// What the routes work with: the bank and key services, the fetcher, the settings and the
/// metrics. Built once by `vigil serve` (or a test) and shared by every request.
public final class VigilService: Sendable {
    public let banks: BankService
    public let keys: KeyService
    public let fetcher: SafeURLFetcher
    public let settings: ServerSettings
    public let metrics: ServerMetrics
    let hashingPermits: AsyncPermits
    private let ready = Atomic<Bool>(false)
    private let loadFailure = Mutex<String?>(nil)
    private let readyTime = Mutex<Date?>(nil)

    public init(banks: BankService, keys: KeyService, fetcher: SafeURLFetcher, settings: ServerSettings = ServerSettings(),
                metrics: ServerMetrics = ServerMetrics()) {
        self.banks = banks
        self.keys = keys
        self.fetcher = fetcher
        self.settings = settings
        self.metrics = metrics
        self.hashingPermits = AsyncPermits(settings.hashingConcurrency)
    }

    /// True once the index has loaded. Writes after that update it in place, so it never goes back.
    public var isReady: Bool { ready.load(ordering: .acquiring) }
    public var indexLoadError: String? { loadFailure.withLock { $0 } }
    /// When the index became ready (HMA's `built_to`).
    public var readySince: Date? { readyTime.withLock { $0 } }

    /// Loads the index from storage; routes that match answer 503 until this returns.
    public func loadIndex(logger: Logger) async {
        let start = ContinuousClock.now
        do {
            try await banks.loadIndex()
            markReady()
            let counts = banks.index.counts
            logger.info("index loaded", metadata: [
                "pdq": .stringConvertible(counts.pdq), "md5": .stringConvertible(counts.md5), "sha256": .stringConvertible(counts.sha256),
                "banks": .stringConvertible(counts.banks), "seconds": .string(String(format: "%.2f", start.duration(to: .now).seconds)),
            ])
        } catch {
            loadFailure.withLock { $0 = String(describing: error) }
            logger.critical("index load failed", metadata: ["error": .string(String(describing: error))])
        }
    }

    /// How far this process's index has followed the change log.
    public var changeLogStatus: (applied: Int64, latest: Int64) {
        guard let follower = banks.follower else { return (0, 0) }
        return (follower.appliedSequence, follower.latestSequence)
    }

    /// Marks the index ready without loading (tests and empty databases built in-process).
    public func markReady() {
        readyTime.withLock { $0 = Date() }
        ready.store(true, ordering: .releasing)
    }

    func requireReady() throws {
        guard isReady else { throw APIError.indexLoading }
    }

    /// Decodes and hashes `bytes`, at most `hashingConcurrency` at a time.
    func signals(of bytes: [UInt8], dihedral: Bool) async throws -> ContentSignals {
        let limits = settings.decodeLimits
        let signals = try await hashingPermits.withPermit {
            let hasher = ContentHasher(limits: limits)
            return try hasher.signals(of: bytes, dihedral: dihedral)
        }
        metrics.hashesComputed.increment()
        return signals
    }

    /// Match options shared by every API, validated against the banks that exist.
    func matchQuery(signals: ContentSignals?, pdq: PDQHash?, md5: String?, sha256: String?, enhanced: Bool,
                    banks names: [String]?, threshold: Int?) throws -> MatchQuery {
        if let threshold, !(0...256).contains(threshold) {
            throw APIError.badRequest("threshold must be between 0 and 256", code: "invalid_threshold")
        }
        var bankFilter: Set<String>?
        if let names, !names.isEmpty {
            // The index's catalogue, not a database query: this is on every match that names banks.
            let known = banks.index.bankNames
            if let unknown = names.first(where: { !known.contains($0) }) { throw APIError.notFound("bank \"\(unknown)\" not found") }
            bankFilter = Set(names)
        }
        var needles: [PDQHash] = []
        if let signals {
            needles = enhanced ? (signals.dihedral ?? [signals.pdq]) : [signals.pdq]
            if signals.isTooSmallForPDQ { needles = [] }
        } else if let pdq {
            needles = [pdq]
        }
        return MatchQuery(pdq: needles, pdqQuality: signals?.quality, md5: signals?.md5 ?? md5, sha256: signals?.sha256 ?? sha256,
                          threshold: threshold, banks: bankFilter)
    }
}

/// A counting semaphore for async code: waiters queue in order and never block a thread.
final class AsyncPermits: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Mutex<State>

    init(_ count: Int) { state = Mutex(State(available: max(1, count))) }

    func withPermit<T: Sendable>(_ body: @Sendable () throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try body()
    }

    private func acquire() async {
        let acquired = state.withLock { state -> Bool in
            guard state.available > 0 else { return false }
            state.available -= 1
            return true
        }
        if acquired { return }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1000 }
}
