public import Banks
import Basics
public import Events
public import Foundation
import HammingIndex
import JSONValues
import PDQ
import Synchronization

/// Retroactive matching: every entry added to a match bank (an import, a sync, the API, an
/// exchange, a reviewer's decision) is checked against what was screened before it. Candidates
/// are found from storage (exact MD5 and SHA-256; PDQ within the entry's bank threshold), then
/// confirmed through the same matching every lookup uses (`BankService.match`: allow entries,
/// snoozes, disabled banks and thresholds apply alike), after the index has caught up with the
/// entries. Each hit becomes a `match.found` event with `retroactive: true` and the original
/// lookup's context, written once.
public struct RetroactiveMatcher: Sendable {
    let store: any ScreenedStore
    let banks: BankService
    let clock: @Sendable () -> Date
    /// Distinct screened images one new entry may match in a check before it is taken for
    /// overzealous: quarantined instead of reported (0: no limit).
    let floodLimit: Int
    /// Where a page's search runs: off the cooperative pool (a page is tens of milliseconds of CPU).
    let compute: BankService.IndexUpdateRunner

    /// Entries checked per batch; screened PDQs read per page.
    public static let batchSize = 10_000
    let pageSize: Int
    /// An entry is checked once it is this old: a lookup another replica answered before its
    /// index had the entry is written within its flush (a second) plus that replica's lag.
    public static let settle: TimeInterval = 10

    public init(store: any ScreenedStore, banks: BankService, floodLimit: Int = 0, clock: @escaping @Sendable () -> Date = { Date() },
                compute: @escaping BankService.IndexUpdateRunner = { $0() }, pageSize: Int = 65_536) {
        self.compute = compute
        self.pageSize = max(1, pageSize)
        self.store = store
        self.banks = banks
        self.floodLimit = floodLimit
        self.clock = clock
    }

    /// Checks the entries added since the last check, a batch at a time, until none is left;
    /// returns how many entries were checked and the hits recorded.
    public func checkNew(isCancelled: () -> Bool = { false }) async throws -> (entries: Int, hits: [RetroHit], quarantined: Int) {
        var checked = 0
        var quarantined = 0
        var recorded: [RetroHit] = []
        while !isCancelled() {
            let batch = try await store.newEntries(limit: Self.batchSize, addedBefore: clock().addingTimeInterval(-Self.settle))
            guard batch.through > batch.cursor else { break }
            let (hits, told, seen) = try await check(batch.entries)
            quarantined += told.count
            recorded += try await store.commit(hits, event: { Self.event($0, at: clock()) }, also: told, seen: seen, from: batch.cursor, to: batch.through)
            checked += batch.entries.count
            if batch.scanned < Self.batchSize { break }
        }
        // Then the entries that can match again: what was screened while they could not is theirs too.
        while !isCancelled() {
            let batch = try await store.rechecks(limit: Self.batchSize, now: clock())
            guard !batch.ids.isEmpty else { break }
            let (hits, told, seen) = try await check(batch.entries)
            quarantined += told.count
            recorded += try await store.commitRechecks(hits, event: { Self.event($0, at: clock()) }, also: told, seen: seen, done: batch)
            checked += batch.entries.count
            if batch.ids.count < Self.batchSize { break }
        }
        return (checked, recorded, quarantined)
    }

    /// The hits of `entries` among what was screened, and the quarantine events of those that
    /// matched more distinct screened images than their flood limit (quarantined; their hits kept
    /// as seen, not reported, so a curator who restores one is not handed them again).
    func check(_ entries: [RetroEntry]) async throws -> (hits: [RetroHit], quarantines: [NewEvent], seen: [RetroHit]) {
        // The index must hold these entries before it can confirm them.
        try await banks.syncIndex()
        var hits = try await confirmed(try await candidates(entries), entries: entries)
        // Pairs recorded before (a recheck after a restore) are neither reported again nor counted.
        let recorded = try await store.recorded(hits.map { ($0.screened.id, $0.entry.id) })
        if !recorded.isEmpty { hits.removeAll { recorded.contains([$0.screened.id, $0.entry.id]) } }
        // An entry matching more images screened before it than the flood limit is taken for
        // overzealous: quarantined for a curator, not reported against every account. Each
        // entry's limit is its bank's own where it sets one (0: not guarded).
        func limit(_ bank: String) -> Int { banks.index.bank(named: bank)?.guards.floodLimitPerHour ?? floodLimit }
        var told: [NewEvent] = []
        let byEntry = Dictionary(grouping: hits, by: \.entry.id)
        // Distinct images Vigil hashed (a lookup of bare hashes could be made up to take an entry out).
        func images(_ hits: [RetroHit]) -> Int {
            Set(hits.filter { $0.screened.pdqQuality != nil }.map { $0.screened.sha256 ?? $0.screened.pdq?.hex ?? $0.screened.md5 ?? "" }).count
        }
        let over = byEntry.filter { limit($0.value[0].entry.bank) > 0 && images($0.value) > limit($0.value[0].entry.bank) }
        for (entryID, entryHits) in over.sorted(by: { $0.key < $1.key }) {
            let bank = entryHits[0].entry.bank, reason = "matched more than \(limit(bank)) images screened before it"
            _ = try await banks.quarantine(entryID: entryID, reason: reason, at: clock())
            told.append(NewEvent(type: EventTypes.entryQuarantined, subject: "entry:\(entryID)", actor: "system:retroactive",
                                 payload: ["bank": .string(bank), "entry_id": .number(Double(entryID)),
                                           "reason": .string(reason), "limit": .number(Double(limit(bank)))]))
        }
        let seen = hits.filter { over[$0.entry.id] != nil }
        hits.removeAll { over[$0.entry.id] != nil }
        return (hits, told, seen)
    }

    /// Screened signals that may match one of `entries`: the same MD5 or SHA-256, or a PDQ within
    /// the entry's bank threshold.
    func candidates(_ entries: [RetroEntry]) async throws -> [Int64: ScreenedSignal] {
        var found: [Int64: ScreenedSignal] = [:]
        let md5 = entries.compactMap(\.md5), sha256 = entries.compactMap(\.sha256)
        if !md5.isEmpty || !sha256.isEmpty {
            for signal in try await store.screened(md5: md5, sha256: sha256) { found[signal.id] = signal }
        }
        let withPDQ = entries.filter { $0.pdq != nil }
        guard !withPDQ.isEmpty else { return found }
        // A page of screened PDQs at a time (ids and hashes only) is indexed and searched with the
        // new entries as the needles: the search gives every stored hash within the radius once,
        // so each screened image near any entry is a candidate (the other way round, a search
        // keeps one needle per stored hash and loses every screened image but the closest). Which
        // entries it matches, within whose threshold, is for the confirmation. The next page is
        // read while this one is searched.
        let needles = withPDQ.compactMap(\.pdq)
        let radius = withPDQ.map(\.threshold).max() ?? 0
        var candidateIDs: [Int64] = []
        let (store, pageSize) = (self.store, self.pageSize)
        var next = Task { try await store.screenedPDQs(after: 0, limit: pageSize) }
        defer { next.cancel() }
        while true {
            let page = try await next.value
            guard let last = page.last else { break }
            if page.count == pageSize { next = Task { try await store.screenedPDQs(after: last.id, limit: pageSize) } }
            candidateIDs += await search(page, needles: needles, radius: radius)
            if page.count < pageSize { break }
        }
        for signal in try await store.screened(ids: candidateIDs.filter { found[$0] == nil }) { found[signal.id] = signal }
        return found
    }

    /// The ids of the page's signals within `radius` of any needle, searched on `compute`.
    func search(_ page: [ScreenedPDQ], needles: [PDQHash], radius: Int) async -> [Int64] {
        let result = Mutex<[Int64]>([])
        await compute {
            let index = PDQIndex()
            index.load(page.map(\.pdq), payloads: page.indices.map { UInt64($0) })
            let ids = index.snapshot.search(needles, radius: radius).map { page[Int($0.payload)].id }
            result.withLock { $0 = ids }
        }
        return result.withLock { $0 }
    }

    /// The candidates' matches among `entries`, as a lookup of their signals now would report them.
    func confirmed(_ candidates: [Int64: ScreenedSignal], entries: [RetroEntry]) async throws -> [RetroHit] {
        let byID = Dictionary(entries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var hits: [RetroHit] = []
        for signal in candidates.values.sorted(by: { $0.id < $1.id }) {
            let query = MatchQuery(pdq: signal.pdq.map { [$0] } ?? [], pdqQuality: signal.pdqQuality, md5: signal.md5, sha256: signal.sha256)
            for match in banks.match(query, now: clock()).matches where !signal.matchedEntries.contains(match.entryID) {
                guard let entry = byID[match.entryID] else { continue }
                hits.append(RetroHit(screened: signal, entry: entry, distance: match.distance,
                                     signal: match.signals.first?.rawValue ?? "pdq"))
            }
        }
        return hits
    }

    /// A hit as the event every match is: `match.found`, marked retroactive, with the original
    /// lookup's context (and the account at the top, where a workflow reads it).
    public static func event(_ hit: RetroHit, at time: Date) -> NewEvent {
        let screened = hit.screened
        let lookup: [String: JSONValue] = [
            "id": .string(screened.lookupID), "api": .string(screened.api), "at": .string(Timestamp.iso8601(screened.at)),
            "caller": screened.caller.map(JSONValue.string) ?? .null,
            "account_reference_id": screened.accountReference.map(JSONValue.string) ?? .null,
            "run_id": screened.runID.map { .number(Double($0)) } ?? .null,
        ]
        let payload: JSONValue = .object([
            "retroactive": .bool(true), "api": .string("retroactive"), "is_match": .bool(true),
            "at": .string(Timestamp.iso8601(time)),
            "pdq": screened.pdq.map { .string($0.hex) } ?? .null, "md5": screened.md5.map(JSONValue.string) ?? .null,
            "sha256": screened.sha256.map(JSONValue.string) ?? .null,
            "matches": .array([.object(["bank": .string(hit.entry.bank), "entry_id": .number(Double(hit.entry.id)),
                                        "distance": .number(Double(hit.distance)), "signals": .array([.string(hit.signal)])])]),
            "suppressed": .array([]), "suppressed_count": .number(0),
            "account_reference_id": screened.accountReference.map(JSONValue.string) ?? .null,
            "lookup": .object(lookup),
        ])
        return NewEvent(type: EventTypes.matchFound, subject: "lookup:\(screened.lookupID)", actor: "system:retroactive", payload: payload)
    }
}
