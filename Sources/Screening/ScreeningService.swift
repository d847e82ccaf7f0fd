public import Foundation
import Basics
import Synchronization

/// What lookups screened, kept `retentionDays` (0: off) so an entry added to a match bank later
/// is checked against it (`RetroactiveMatcher`). A lookup hands its signals over on its own task
/// and goes on: they are written in batches (`flush`, every second), so the lookups' own rate
/// does not change; a crash loses at most the last batch not yet written.
public final class ScreeningService: Sendable {
    public let store: any ScreenedStore
    public let matcher: RetroactiveMatcher
    /// Days a screened signal is kept; 0 keeps none.
    public let retentionDays: Int
    let clock: @Sendable () -> Date
    private let pending = Mutex<[ScreenedSignal]>([])

    /// Signals waiting for a write at most; past it (storage down for long) the newest are not
    /// kept, and the next flush says how many (never silently).
    public static let pendingLimit = 500_000
    private let dropped = Atomic<Int>(0)
    /// One flush or account deletion at a time: a deletion that ran while a flush was writing its
    /// parts would miss the account's signals that flush had taken from the queue and not yet
    /// written (they were in neither place), and that flush would then write them.
    private let writes = SerialGate()

    /// Signals a write, each write its own transaction: a second of a busy server's lookups
    /// (thousands) written at once held the database — SQLite's one connection, which every
    /// matching lookup's commit waits for — for ~30 ms each second, the lookups' p99.
    public static let signalsPerWrite = 250

    public init(store: any ScreenedStore, matcher: RetroactiveMatcher, retentionDays: Int, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.matcher = matcher
        self.retentionDays = retentionDays
        self.clock = clock
    }

    public var isOn: Bool { retentionDays > 0 }

    /// Takes one lookup's signals (a lock and an append).
    public func screened(_ signal: ScreenedSignal) {
        guard isOn, signal.pdq != nil || signal.md5 != nil || signal.sha256 != nil else { return }
        // Full (storage down for long): the newest is not kept, and the next flush says so; the
        // lock holds an append or a comparison, never a move of the queue.
        let kept = pending.withLock { queue -> Bool in
            guard queue.count < Self.pendingLimit else { return false }
            queue.append(signal)
            return true
        }
        if !kept { dropped.add(1, ordering: .relaxed) }
    }

    /// Writes what was screened since the last flush, `signalsPerWrite` a transaction; when a write
    /// fails, what it and the writes after it held is put back. Returns how many were written, and
    /// how many were dropped since the last flush for want of storage.
    @discardableResult
    public func flush() async throws -> (written: Int, dropped: Int) {
        try await writes.run { try await self.writePending() }
    }

    private func writePending() async throws -> (written: Int, dropped: Int) {
        let batch = pending.withLock { queue in
            let all = queue
            queue.removeAll()
            return all
        }
        let lost = dropped.exchange(0, ordering: .relaxed)
        guard !batch.isEmpty else { return (0, lost) }
        for start in stride(from: 0, to: batch.count, by: Self.signalsPerWrite) {
            do {
                try await store.record(Array(batch[start..<min(batch.count, start + Self.signalsPerWrite)]))
            } catch {
                // What was written stays written; this part and the rest go back to the front.
                let unwritten = batch[start...]
                let over = pending.withLock { queue -> Int in
                    let room = max(0, Self.pendingLimit - queue.count)
                    queue.insert(contentsOf: unwritten.prefix(room), at: 0)
                    return unwritten.count - min(room, unwritten.count)
                }
                dropped.add(lost + over, ordering: .relaxed)
                throw error
            }
        }
        return (batch.count, lost)
    }

    /// Drops the days past retention (whole days: the oldest kept is `retentionDays` old).
    public func purge() async throws -> Int {
        guard isOn else { return try await store.dropDays(before: Int64.max) }
        return try await store.dropDays(before: ScreenedSignal.day(of: clock()) - Int64(retentionDays) + 1)
    }

    /// Deletes what was screened for an account (its request); how many signals went.
    public func delete(accountReference: String) async throws -> Int {
        guard !accountReference.isEmpty, accountReference.count <= 200 else {
            throw ScreeningError.invalid("account_reference_id is 1 to 200 characters")
        }
        return try await writes.run {
            // What waits for a write here goes too; another replica's waits at most a second (delete again then).
            let waiting = self.pending.withLock { queue -> Int in
                let before = queue.count
                queue.removeAll { $0.accountReference == accountReference }
                return before - queue.count
            }
            return waiting + (try await self.store.delete(accountReference: accountReference))
        }
    }

    public func count() async throws -> Int { try await store.count() }

    /// Whether a match bank has entries the retroactive check has not seen, or entries that can
    /// match again.
    public func hasNewEntries() async throws -> Bool {
        let batch = try await store.newEntries(limit: 1, addedBefore: clock().addingTimeInterval(-RetroactiveMatcher.settle))
        if batch.through > batch.cursor { return true }
        return try await store.hasRechecks(now: clock())
    }
}

public enum ScreeningError: Error, Sendable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case let .invalid(message): message
        }
    }
}
