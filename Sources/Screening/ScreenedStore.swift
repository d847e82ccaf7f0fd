public import Events
public import Foundation
public import PDQ

/// A batch of entries for the retroactive check.
public struct NewEntries: Sendable {
    public var cursor: Int64
    public var through: Int64
    public var scanned: Int
    public var entries: [RetroEntry]

    public init(cursor: Int64, through: Int64, scanned: Int, entries: [RetroEntry]) {
        self.cursor = cursor
        self.through = through
        self.scanned = scanned
        self.entries = entries
    }
}

/// Entries read for a recheck: every id read (dropped with the commit), those of match banks, and
/// the latest time any of them was queued (one queued again after is kept).
public struct Rechecks: Sendable {
    public var ids: [Int64]
    public var entries: [RetroEntry]
    public var queuedThrough: Int64

    public init(ids: [Int64], entries: [RetroEntry], queuedThrough: Int64) {
        self.ids = ids
        self.entries = entries
        self.queuedThrough = queuedThrough
    }
}

/// A screened signal's id and PDQ.
public struct ScreenedPDQ: Sendable, Equatable {
    public var id: Int64
    public var pdq: PDQHash

    public init(id: Int64, pdq: PDQHash) {
        self.id = id
        self.pdq = pdq
    }
}

/// Storage of screened signals and of the retroactive check's progress.
public protocol ScreenedStore: Sendable {
    /// Keeps what lookups screened.
    func record(_ signals: [ScreenedSignal]) async throws
    /// Drops every signal screened on a day before `day` (whole days); how many went.
    func dropDays(before day: Int64) async throws -> Int
    /// Drops an account's screened signals (on its request); how many went.
    func delete(accountReference: String) async throws -> Int
    /// How many signals are kept.
    func count() async throws -> Int

    /// The entries added after the check's cursor and before `addedBefore`, oldest first, at most
    /// `limit` of them read: those of match banks, the cursor they were read at, the last id read
    /// (`through`, the cursor moves there: allow banks' entries are passed over), how many were read.
    func newEntries(limit: Int, addedBefore: Date) async throws -> NewEntries
    /// Screened signals with any of these MD5s or SHA-256s.
    func screened(md5: [String], sha256: [String]) async throws -> [ScreenedSignal]
    /// The ids and PDQs of screened signals with a PDQ, in id order after `id`, at most `limit`:
    /// all a check's search reads of the many it does not match.
    func screenedPDQs(after id: Int64, limit: Int) async throws -> [ScreenedPDQ]
    /// The screened signals with these ids (the candidates of a search), in id order.
    func screened(ids: [Int64]) async throws -> [ScreenedSignal]
    /// In one transaction: writes the event of each hit not recorded before (each screened image
    /// and entry pair once, whatever retries), and `also` (the check's other events), and moves the
    /// cursor from `from` to `to` (refused, writing nothing, when another checker moved it first);
    /// returns the hits newly recorded.
    /// `seen`: pairs recorded as reported without an event (the hits of an entry the check
    /// quarantined: a curator who restores it is not handed them again).
    func commit(_ hits: [RetroHit], event: @Sendable (RetroHit) -> NewEvent, also: [NewEvent], seen: [RetroHit], from: Int64, to: Int64) async throws -> [RetroHit]

    /// Entries able to match again since they were checked — a quarantine lifted, a snooze woken
    /// or ended (snoozes that ended by `now` are queued first), a bank enabled — at most `limit`:
    /// the ids read (every one, to be dropped with the commit) and those of match banks.
    func rechecks(limit: Int, now: Date) async throws -> Rechecks
    /// Of these (screened id, entry id) pairs, those recorded before (reported, or kept as seen).
    func recorded(_ pairs: [(screened: Int64, entry: Int64)]) async throws -> Set<[Int64]>
    /// Whether any entry waits for a recheck, or a snooze has ended by `now`.
    func hasRechecks(now: Date) async throws -> Bool
    /// As `commit`, for rechecked entries: their events once each, and the rechecks read dropped
    /// (not one queued again since it was read).
    func commitRechecks(_ hits: [RetroHit], event: @Sendable (RetroHit) -> NewEvent, also: [NewEvent], seen: [RetroHit],
                        done: Rechecks) async throws -> [RetroHit]
}
