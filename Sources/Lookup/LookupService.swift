import Basics
import Spans
public import Banks
public import ImageSignals
import Foundation
import PDQ
import Synchronization
import Tracing

/// The one lookup path. Every API (native, PhotoDNA, HMA) and the CLI turn their request into a
/// `LookupRequest` and the `LookupOutcome` back into their own answer; nothing else decodes,
/// queries the index, reads matched entries, applies allow banks or counts lookups. A lookup
/// whose event must be kept (every match) is committed by the `recorder` before it answers;
/// every completed lookup is then handed to the in-process observers.
public final class LookupService: Sendable {
    public let banks: BankService
    public let hashing: any ImageHashing
    let metrics: any LookupMetrics
    let recorder: (any LookupEventRecorder)?
    private let loaded = Latch()
    /// How long a lookup made while the index loads waits for it before `notReady`.
    let indexWait: Duration
    /// The image bytes lookups waiting for a loading index may hold between them; past it, an
    /// image lookup is `notReady` at once (a burst in the load window cannot take the memory).
    let waitingImageBudget: Int
    private let waitingImageBytes = Atomic<Int>(0)
    private let observers = Mutex<[Observer]>([])

    /// An observer, and whether it wants events at all right now (asked first, so a lookup that
    /// nobody wants to hear about builds no event).
    private struct Observer: Sendable {
        let isListening: @Sendable (_ matched: Bool) -> Bool
        let receive: @Sendable (LookupEvent) -> Void
    }

    public init(banks: BankService, hashing: any ImageHashing, metrics: any LookupMetrics = NoLookupMetrics(),
                recorder: (any LookupEventRecorder)? = nil, indexWait: Duration = .seconds(30), waitingImageBudget: Int = 512 << 20) {
        self.banks = banks
        self.indexWait = indexWait
        self.waitingImageBudget = waitingImageBudget
        self.hashing = hashing
        self.metrics = metrics
        self.recorder = recorder
    }

    // MARK: readiness

    /// True once the index has loaded; it then follows the change log and never goes back.
    public var isReady: Bool { loaded.isOpen }

    public func markReady() { loaded.open() }

    /// The index will not load (its load failed): lookups waiting for it are answered `notReady` now.
    public func markLoadFailed() { loaded.fail() }

    /// Returns once the index has loaded. A lookup made while it loads (a replica just restarted
    /// behind a load balancer) waits up to `indexWait` for it rather than failing at once; past
    /// that, or if the load failed, it is `notReady` (503): never an answer without the index.
    /// `imageBytes`: the size of the image the waiting request holds (see `waitingImageBudget`).
    public func waitUntilReady(imageBytes: Int = 0) async throws {
        if isReady { return }
        let held = waitingImageBytes.add(imageBytes, ordering: .relaxed).newValue
        defer { waitingImageBytes.subtract(imageBytes, ordering: .relaxed) }
        guard held <= waitingImageBudget, await loaded.wait(upTo: indexWait) else { throw LookupError.notReady }
    }

    /// Lookups waiting now for the index to load.
    public var waitingForIndex: Int { loaded.waiting }

    /// Waits, without a limit, for the index to load: false if its load failed or the task was cancelled.
    public func loadedIndex() async -> Bool { await loaded.wait() }

    // MARK: events

    /// Calls `observer` after every completed lookup, on the lookup's task: it must return quickly
    /// (hand the event to a queue); the caller's answer waits for nothing else.
    /// `isListening` is asked first, with whether the lookup matched; an observer that says no is
    /// not called.
    public func observe(isListening: @escaping @Sendable (_ matched: Bool) -> Bool = { _ in true },
                        _ observer: @escaping @Sendable (LookupEvent) -> Void) {
        observers.withLock { $0.append(Observer(isListening: isListening, receive: observer)) }
    }

    // MARK: hashing

    /// Decodes and hashes an image on the hashing pool.
    public func hash(_ bytes: [UInt8], dihedral: Bool = false) async throws -> ContentSignals {
        let signals: ContentSignals
        do {
            signals = try await TracedSpan.run("image decode and hash") { span in
                span.attributes["vigil.image.bytes"] = bytes.count
                return try await hashing.signals(of: bytes, dihedral: dihedral)
            }
        } catch let error as HashingPoolError {
            switch error {
            case let .busy(seconds): throw LookupError.busy(retryAfterSeconds: seconds)
            case .shuttingDown: throw LookupError.shuttingDown
            }
        }
        metrics.recordHash()
        return signals
    }

    // MARK: lookup

    public func lookup(_ request: LookupRequest) async throws -> LookupOutcome {
        // No verdict in the span: a collector is not where a match on an account's upload is kept.
        try await TracedSpan.run("lookup") { span in
            span.attributes["vigil.lookup.api"] = request.api.rawValue
            return try await answer(request)
        }
    }

    private func answer(_ request: LookupRequest) async throws -> LookupOutcome {
        if let threshold = request.threshold, !(0...256).contains(threshold) {
            throw LookupError.invalid("threshold must be between 0 and 256, got \(threshold)")
        }
        var signals: ContentSignals?
        var hashTime: Duration?
        switch request.input {
        case let .image(bytes):
            let start = ContinuousClock.now
            signals = try await hash(bytes, dihedral: request.enhanced)
            hashTime = start.duration(to: .now)
        case let .hashed(given):
            signals = given
        case .signals:
            break
        }
        // An image is hashed before the wait for a loading index (hashing needs no index): the
        // body has been read (a slow-client guard sees it arrive) and the waiting requests do
        // not all reach the hashing pool at once when the index opens.
        if case let .image(bytes) = request.input {
            try await waitUntilReady(imageBytes: bytes.count)
        } else {
            try await waitUntilReady()
        }
        var bankFilter: Set<String>?
        if let names = request.banks, !names.isEmpty {
            // The index's catalogue, not a database query: this runs on every lookup that names banks.
            // Names are one whatever their case: `known_bad` asks for KNOWN_BAD.
            let known = Dictionary(banks.index.bankNames.map { ($0.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
            if !request.ignoreUnknownBanks, let unknown = names.first(where: { known[$0.lowercased()] == nil }) {
                throw LookupError.unknownBank(unknown)
            }
            bankFilter = Set(names.compactMap { known[$0.lowercased()] })
        }

        var query = MatchQuery(threshold: request.threshold, banks: bankFilter, qualityGate: request.qualityGate)
        if let hashed = signals {
            query.pdq = hashed.usablePDQ == nil ? [] : (request.enhanced ? (hashed.dihedral ?? [hashed.pdq]) : [hashed.pdq])
            query.pdqQuality = hashed.quality
            query.md5 = hashed.md5
            query.sha256 = hashed.sha256
        } else if case let .signals(pdq, md5, sha256) = request.input {
            query.pdq = pdq.map { [$0] } ?? []
            query.md5 = md5
            query.sha256 = sha256
        }

        let matchStart = ContinuousClock.now
        let result = withSpan("index search") { _ in banks.match(query) }
        let matchTime = matchStart.duration(to: .now)
        var outcome = LookupOutcome(
            api: request.api, signals: signals, pdq: signals?.pdq ?? query.pdq.first, md5: query.md5, sha256: query.sha256,
            enhanced: request.enhanced, matches: result.matches.map { LookupMatch($0) },
            suppressed: result.suppressed.map { SuppressedLookupMatch(match: LookupMatch($0.match), by: LookupMatch($0.by)) },
            allowedBy: result.allowed.map { LookupMatch($0) }, pdqBelowQualityGate: result.pdqBelowQualityGate,
            timings: LookupTimings(hash: hashTime, match: matchTime, entries: nil))
        if request.includeEntries { try await attachEntries(&outcome) }

        var event: LookupEvent?
        if let recorder, recorder.mustRecord(matched: outcome.isMatch, api: outcome.api) {
            let recorded = Self.event(outcome, origin: request.origin)
            do {
                try await TracedSpan.run("lookup event write") { _ in try await recorder.record(recorded) }
            } catch {
                // Fail closed: a match nobody can act on must not be answered as if it were handled.
                throw LookupError.unrecorded
            }
            event = recorded
        }
        metrics.recordLookup(api: request.api, matched: outcome.isMatch)
        publish(outcome, event: event, origin: request.origin)
        return outcome
    }

    /// Reads every matched entry in one query.
    private func attachEntries(_ outcome: inout LookupOutcome) async throws {
        let ids = (outcome.matches + outcome.suppressed.map(\.match) + outcome.allowedBy).map(\.entryID)
        guard !ids.isEmpty else { return }
        let start = ContinuousClock.now
        let read = try await TracedSpan.run("bank entries read") { span in
            span.attributes["vigil.entries"] = ids.count
            return try await banks.entries(ids: ids)
        }
        let entries = Dictionary(read.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        func fill(_ list: inout [LookupMatch]) {
            for i in list.indices { list[i].entry = entries[list[i].entryID] }
        }
        fill(&outcome.matches)
        fill(&outcome.allowedBy)
        for i in outcome.suppressed.indices {
            outcome.suppressed[i].match.entry = entries[outcome.suppressed[i].match.entryID]
            outcome.suppressed[i].by.entry = entries[outcome.suppressed[i].by.entryID]
        }
        outcome.timings.entries = start.duration(to: .now)
    }

    private func publish(_ outcome: LookupOutcome, event recorded: LookupEvent?, origin: LookupOrigin) {
        let observers = self.observers.withLock { $0 }
        guard observers.contains(where: { $0.isListening(outcome.isMatch) }) else { return }
        let event = recorded ?? Self.event(outcome, origin: origin)
        for observer in observers where observer.isListening(outcome.isMatch) { observer.receive(event) }
    }

    /// The outcome as an event: matches without entry bodies.
    static func event(_ outcome: LookupOutcome, origin: LookupOrigin) -> LookupEvent {
        func bare(_ match: LookupMatch) -> LookupMatch {
            var bare = match
            bare.entry = nil
            return bare
        }
        return LookupEvent(
            id: EventIDs.next(), at: Date(), api: outcome.api, isMatch: outcome.isMatch, pdq: outcome.pdq, pdqQuality: outcome.signals?.quality,
            md5: outcome.md5, sha256: outcome.sha256, matches: outcome.matches.map(bare),
            suppressed: outcome.suppressed.map { SuppressedLookupMatch(match: bare($0.match), by: bare($0.by)) }, origin: origin,
            hashedAnImage: outcome.signals != nil)
    }
}
