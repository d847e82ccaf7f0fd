public import Foundation
import HammingIndex
public import PDQ
import Synchronization

/// What a query asks the banks.
public struct MatchQuery: Sendable {
    /// PDQ needles: one hash, or the 8 dihedral hashes (original first) for enhanced matching.
    public var pdq: [PDQHash]
    /// Quality of the query's PDQ; nil when the caller supplied a bare hash.
    public var pdqQuality: Int?
    public var md5: String?
    public var sha256: String?
    /// Overrides every bank's PDQ threshold.
    public var threshold: Int?
    /// Restricts matching to these bank names.
    public var banks: Set<String>?
    /// PDQ hashes of lower quality are not matched (exact signals still are).
    public var qualityGate: Int

    public init(pdq: [PDQHash] = [], pdqQuality: Int? = nil, md5: String? = nil, sha256: String? = nil,
                threshold: Int? = nil, banks: Set<String>? = nil, qualityGate: Int = PDQResult.defaultQualityThreshold) {
        self.pdq = pdq
        self.pdqQuality = pdqQuality
        self.md5 = md5
        self.sha256 = sha256
        self.threshold = threshold
        self.banks = banks
        self.qualityGate = qualityGate
    }
}

public enum MatchedSignal: String, Sendable, Codable {
    case pdq, md5, sha256
}

/// One signal of one entry that matched, before the hits are grouped by entry.
struct MatchHit: Sendable, Hashable {
    var bank: Bank
    var entryID: Int64
    var signal: MatchedSignal
    /// PDQ Hamming distance; 0 for exact signals.
    var distance: Int
    /// The dihedral variant of the query that matched (PDQ only).
    var variant: DihedralVariant?
}

public struct MatchResult: Sendable {
    /// Entries of enabled match banks that the allow rule (`AllowRule`) left standing.
    public var matches: [EntryMatch]
    /// Entries of match banks an allow entry suppressed, each with that allow entry.
    public var suppressed: [SuppressedMatch]
    /// Every allow-bank entry the query matched (whether or not it suppressed anything).
    public var allowed: [EntryMatch]
    /// True when the query's PDQ quality was under the gate, so PDQ was not matched.
    public var pdqBelowQualityGate: Bool

    public var isMatch: Bool { !matches.isEmpty }
}

/// The in-memory match state: the PDQ range index, exact digest indexes, and the bank catalogue,
/// built from storage at start and then updated on every change, never rebuilt.
public final class MatchIndex: Sendable {
    let pdq = PDQIndex()
    let md5 = ExactIndex<String>()
    let sha256 = ExactIndex<String>()
    private let catalog = Mutex(Catalog())

    struct Catalog: Sendable {
        var banks: [Int64: Bank] = [:]
        /// Entries snoozed until a time.
        var snoozed: [Int64: Date] = [:]
        /// Banks being deleted, or deleted, whose entries the indexes no longer hold.
        var dropped: Set<Int64> = []
    }

    public init() {}

    // Payloads pack the entry id over the bank id so a hit names both without a lookup. The entry
    // id is on top: entry ids only grow, so a new entry's payload is above every stored one and the
    // index needs no search to know it is not stored yet (`PDQIndex.insert`), whatever its bank.
    // A bank id past 16 bits or an entry id past 48 would name another entry's hits: it stops the
    // process, with the reason, rather than attribute a match wrongly.
    static let bankBits: UInt64 = 16
    static func payload(bank: Int64, entry: Int64) -> UInt64 {
        precondition(bank >= 0 && bank < 1 << bankBits && entry >= 0 && entry < 1 << (64 - bankBits),
                     "bank \(bank) or entry \(entry) is beyond what the index's payloads hold (65 535 banks, 2^48 entries)")
        return UInt64(entry) << bankBits | UInt64(bank)
    }
    static func split(_ payload: UInt64) -> (bank: Int64, entry: Int64) {
        (Int64(payload & ((1 << bankBits) - 1)), Int64(payload >> bankBits))
    }

    public struct Counts: Sendable, Equatable {
        public var pdq: Int
        public var md5: Int
        public var sha256: Int
        public var banks: Int
    }

    public var counts: Counts {
        Counts(pdq: pdq.snapshot.count, md5: md5.snapshot.count, sha256: sha256.snapshot.count,
               banks: catalog.withLock { $0.banks.count })
    }

    /// The names of the banks the index knows (every bank, enabled or not).
    public var bankNames: Set<String> { catalog.withLock { Set($0.banks.values.map(\.name)) } }

    /// Bytes held by the PDQ index structures.
    public var pdqIndexBytes: Int { pdq.snapshot.byteCount }

    /// Loads every bank and entry from storage, as of one change-log sequence, which it returns.
    public func load(from store: any BankStore, now: Date = Date()) async throws -> Int64 {
        final class Accumulator: @unchecked Sendable {
            var columns = SignalColumns()
            var snoozed: [Int64: Date] = [:]
        }
        let acc = Accumulator()
        let snapshot = try await store.forEachIndexRow(chunkSize: 50_000) { rows in
            acc.columns.append(rows)
            for row in rows { if let until = row.disabledUntil, until > now { acc.snoozed[row.entryID] = until } }
        }
        // A bank whose deletion has begun matches nothing and will hold nothing.
        let dropped = Set(snapshot.banks.filter(\.deleting).map(\.id))
        var columns = acc.columns
        if !dropped.isEmpty { columns.removeAll { dropped.contains(Self.split($0).bank) } }
        pdq.load(columns.pdq, payloads: columns.pdqPayloads)
        md5.load(columns.md5, payloads: columns.md5Payloads)
        sha256.load(columns.sha256, payloads: columns.sha256Payloads)
        catalog.withLock {
            $0.banks = Dictionary(uniqueKeysWithValues: snapshot.banks.map { ($0.id, $0) })
            $0.snoozed = acc.snoozed
            $0.dropped = dropped
        }
        return snapshot.sequence
    }

    /// What a run of change-log rows does to the index.
    public struct Update: Sendable {
        public var upsertBanks: [Bank] = []
        public var removeBanks: [Int64] = []
        public var insert: [IndexRow] = []
        public var remove: [IndexRow] = []
        public var snoozes: [(entryID: Int64, until: Date?)] = []

        public init() {}

        var isEmpty: Bool {
            upsertBanks.isEmpty && removeBanks.isEmpty && insert.isEmpty && remove.isEmpty && snoozes.isEmpty
        }
    }

    /// Applies an update: entries first (a search ignores hits of banks it does not know), then
    /// the catalogue. Entry ids are never reused, so adds and removals of one run commute.
    /// Callers run `apply` and `load` one at a time (`IndexFollower` does): an apply reads the
    /// banks being dropped when it begins and records them when it ends.
    ///
    /// A bank whose deletion has begun (or that is gone) loses every entry: they are found by one
    /// scan of the indexes when that is first seen, and its entries' rows are skipped from then
    /// on — a deletion logs each entry's removal, and applied one batch at a time they searched
    /// the index for their pairs (a minute at 10M). Bank ids are never reused, and a bank being
    /// deleted never matches again, so nothing of it is needed back.
    public func apply(_ update: Update) {
        let (skipped, ending, dropping) = catalog.withLock { catalog in
            let ending = Set(update.upsertBanks.filter(\.deleting).map(\.id) + update.removeBanks).subtracting(catalog.dropped)
            // Only a bank known before this update can have entries in the indexes.
            return (catalog.dropped.union(ending), ending, ending.filter { catalog.banks[$0] != nil })
        }
        if !ending.isEmpty {
            // They stop matching before their entries go (a search ignores hits of a disabled or
            // unknown bank): the index's work must not keep them live meanwhile.
            catalog.withLock { catalog in
                for bank in update.upsertBanks where ending.contains(bank.id) { catalog.banks[bank.id] = bank }
                for id in update.removeBanks { catalog.banks[id] = nil }
            }
        }
        let insert = skipped.isEmpty ? update.insert : update.insert.filter { !skipped.contains($0.bankID) }
        apply(insert, insert: true)
        apply(skipped.isEmpty ? update.remove : update.remove.filter { !skipped.contains($0.bankID) }, insert: false)
        if !dropping.isEmpty {
            let dropped: (UInt64) -> Bool = { dropping.contains(Self.split($0).bank) }
            pdq.removeAll(where: dropped)
            md5.removeAll(where: dropped)
            sha256.removeAll(where: dropped)
        }
        catalog.withLock { catalog in
            catalog.dropped.formUnion(ending)
            for row in insert { if let until = row.disabledUntil { catalog.snoozed[row.entryID] = until } }
            for row in update.remove { catalog.snoozed[row.entryID] = nil }
            for (entryID, until) in update.snoozes { catalog.snoozed[entryID] = until }
            for bank in update.upsertBanks { catalog.banks[bank.id] = bank }
            for id in update.removeBanks { catalog.banks[id] = nil }
        }
    }

    /// The bank the index knows by this id.
    public func bank(id: Int64) -> Bank? { catalog.withLock { $0.banks[id] } }
    public func bank(named name: String) -> Bank? { catalog.withLock { $0.banks.values.first { $0.name == name } } }

    /// The banks the index knows, by id.
    public var banks: [Int64: Bank] { catalog.withLock { $0.banks } }

    private func apply(_ rows: [IndexRow], insert: Bool) {
        guard !rows.isEmpty else { return }
        var columns = SignalColumns()
        columns.append(rows)
        if insert {
            pdq.insert(columns.pdq, payloads: columns.pdqPayloads)
            md5.insert(columns.md5, payloads: columns.md5Payloads)
            sha256.insert(columns.sha256, payloads: columns.sha256Payloads)
        } else {
            pdq.remove(columns.pdq, payloads: columns.pdqPayloads)
            md5.remove(columns.md5, payloads: columns.md5Payloads)
            sha256.remove(columns.sha256, payloads: columns.sha256Payloads)
        }
    }

    /// Index rows split into one (key, payload) column pair per signal, as the indexes take them.
    struct SignalColumns {
        var pdq: [PDQHash] = [], pdqPayloads: [UInt64] = []
        var md5: [String] = [], md5Payloads: [UInt64] = []
        var sha256: [String] = [], sha256Payloads: [UInt64] = []

        /// Drops the pairs whose payload `dropped` names, from every column.
        mutating func removeAll(where dropped: (UInt64) -> Bool) {
            func filter<Key>(_ keys: inout [Key], _ payloads: inout [UInt64]) {
                var kept = 0
                for index in keys.indices where !dropped(payloads[index]) {
                    keys.swapAt(kept, index)
                    payloads.swapAt(kept, index)
                    kept += 1
                }
                keys.removeSubrange(kept...)
                payloads.removeSubrange(kept...)
            }
            filter(&pdq, &pdqPayloads)
            filter(&md5, &md5Payloads)
            filter(&sha256, &sha256Payloads)
        }

        mutating func append(_ rows: [IndexRow]) {
            for row in rows {
                let payload = MatchIndex.payload(bank: row.bankID, entry: row.entryID)
                if let hash = row.pdq { pdq.append(hash); pdqPayloads.append(payload) }
                if let digest = row.md5 { md5.append(digest); md5Payloads.append(payload) }
                if let digest = row.sha256 { sha256.append(digest); sha256Payloads.append(payload) }
            }
        }
    }

    public func match(_ query: MatchQuery, now: Date = Date()) -> MatchResult {
        let catalog = self.catalog.withLock { $0 }
        let considered = catalog.banks.values.filter { bank in
            bank.enabled && !bank.deleting && (query.banks.map { $0.contains(bank.name) } ?? true)
        }
        let bankByID = Dictionary(uniqueKeysWithValues: considered.map { ($0.id, $0) })
        var best: [String: MatchHit] = [:]

        // A bank's own quality gate, where it sets one, is the gate for its PDQ entries.
        func gated(_ bank: Bank) -> Bool { query.pdqQuality.map { $0 < (bank.guards.qualityGate ?? query.qualityGate) } ?? false }

        func consider(_ payload: UInt64, signal: MatchedSignal, distance: Int, variant: DihedralVariant?) {
            let (bankID, entryID) = Self.split(payload)
            guard let bank = bankByID[bankID] else { return }
            if signal == .pdq, distance > (query.threshold ?? bank.pdqThreshold) || gated(bank) { return }
            if let until = catalog.snoozed[entryID], until > now { return }
            let key = "\(bankID)/\(entryID)/\(signal.rawValue)"
            if let existing = best[key], existing.distance <= distance { return }
            best[key] = MatchHit(bank: bank, entryID: entryID, signal: signal, distance: distance, variant: variant)
        }

        // Below the gate of some bank (reported); searched unless below every bank's.
        let gatedOut = considered.filter(gated)
        let belowGate = !gatedOut.isEmpty
        let searched = considered.filter { !gated($0) }
        if !query.pdq.isEmpty, !searched.isEmpty {
            let radius = query.threshold ?? searched.map(\.pdqThreshold).max()!
            for hit in pdq.snapshot.search(query.pdq, radius: radius) {
                let variant = query.pdq.count == 8 ? DihedralVariant(rawValue: hit.needle) : (hit.needle == 0 ? .original : nil)
                consider(hit.payload, signal: .pdq, distance: hit.distance, variant: variant)
            }
        }
        if let digest = query.md5 {
            for payload in md5.snapshot.lookup(digest) { consider(payload, signal: .md5, distance: 0, variant: nil) }
        }
        if let digest = query.sha256 {
            for payload in sha256.snapshot.lookup(digest) { consider(payload, signal: .sha256, distance: 0, variant: nil) }
        }

        let entries = Self.group(Array(best.values))
        let (matches, suppressed) = AllowRule.apply(matches: entries.filter { $0.bank.kind == .match },
                                                    allowed: entries.filter { $0.bank.kind == .allow })
        return MatchResult(matches: matches, suppressed: suppressed, allowed: entries.filter { $0.bank.kind == .allow },
                           pdqBelowQualityGate: belowGate && !query.pdq.isEmpty)
    }

    /// One match per entry, listing every signal that matched (PDQ, MD5, SHA-256); ordered by
    /// distance (an exact digest alone counts as 0), bank name, entry id.
    static func group(_ hits: [MatchHit]) -> [EntryMatch] {
        var byEntry: [Int64: EntryMatch] = [:]
        for hit in hits {
            var entry = byEntry[hit.entryID] ?? EntryMatch(bank: hit.bank, entryID: hit.entryID, signals: [], pdqDistance: nil, variant: nil)
            entry.signals.append(hit.signal)
            if hit.signal == .pdq {
                entry.pdqDistance = hit.distance
                entry.variant = hit.variant
            }
            byEntry[hit.entryID] = entry
        }
        // A switch, not a dictionary: this runs on every lookup.
        func rank(_ signal: MatchedSignal) -> Int {
            switch signal {
            case .pdq: 0
            case .md5: 1
            case .sha256: 2
            }
        }
        return byEntry.values
            .map { entry in
                var sorted = entry
                if sorted.signals.count > 1 { sorted.signals.sort { rank($0) < rank($1) } }
                return sorted
            }
            .sorted { ($0.distance, $0.bank.name, $0.entryID) < ($1.distance, $1.bank.name, $1.entryID) }
    }
}
