import Basics
import Events
import Foundation
import Screening
import Storage
import Synchronization
import Testing
import VigilTestSupport

/// What lookups screened is written a few hundred signals a transaction (a second of a busy
/// server's lookups in one held SQLite's connection, and every matching lookup's commit, ~30 ms);
/// a write that fails puts its part and the rest back: nothing lost, nothing written twice.
@Suite struct ScreeningFlushTests {
    /// The SQL store, whose writes can be made to fail from the Nth on.
    final class FailingWrites: ScreenedStore {
        let store: SQLScreenedStore
        let writes = Mutex<[Int]>([])
        let failFrom = Mutex<Int?>(nil)
        /// When set, the first write waits for `proceed` after opening `entered`.
        let holdFirstWrite = Mutex(false)
        let entered = Latch(), proceed = Latch()
        struct Refused: Error {}
        init(_ store: SQLScreenedStore) { self.store = store }

        func record(_ signals: [ScreenedSignal]) async throws {
            if holdFirstWrite.withLock({ held in defer { held = false }; return held }) {
                entered.open()
                _ = await proceed.wait()
            }
            let refuse = writes.withLock { writes in
                if let from = failFrom.withLock({ $0 }), writes.count + 1 >= from { return true }
                writes.append(signals.count)
                return false
            }
            if refuse { throw Refused() }
            try await store.record(signals)
        }
        func dropDays(before day: Int64) async throws -> Int { try await store.dropDays(before: day) }
        func delete(accountReference: String) async throws -> Int { try await store.delete(accountReference: accountReference) }
        func count() async throws -> Int { try await store.count() }
        func newEntries(limit: Int, addedBefore: Date) async throws -> NewEntries { try await store.newEntries(limit: limit, addedBefore: addedBefore) }
        func screened(md5: [String], sha256: [String]) async throws -> [ScreenedSignal] { try await store.screened(md5: md5, sha256: sha256) }
        func screenedPDQs(after id: Int64, limit: Int) async throws -> [ScreenedPDQ] { try await store.screenedPDQs(after: id, limit: limit) }
        func screened(ids: [Int64]) async throws -> [ScreenedSignal] { try await store.screened(ids: ids) }
        func commit(_ hits: [RetroHit], event: @Sendable (RetroHit) -> NewEvent, also: [NewEvent], seen: [RetroHit], from: Int64, to: Int64) async throws -> [RetroHit] {
            try await store.commit(hits, event: event, also: also, seen: seen, from: from, to: to)
        }
        func rechecks(limit: Int, now: Date) async throws -> Rechecks { try await store.rechecks(limit: limit, now: now) }
        func recorded(_ pairs: [(screened: Int64, entry: Int64)]) async throws -> Set<[Int64]> { try await store.recorded(pairs) }
        func hasRechecks(now: Date) async throws -> Bool { try await store.hasRechecks(now: now) }
        func commitRechecks(_ hits: [RetroHit], event: @Sendable (RetroHit) -> NewEvent, also: [NewEvent], seen: [RetroHit],
                            done: Rechecks) async throws -> [RetroHit] {
            try await store.commitRechecks(hits, event: event, also: also, seen: seen, done: done)
        }
    }

    @Test func aSecondOfLookupsIsWrittenInShortTransactionsAndAFailedOneLosesAndDoublesNothing() async throws {
        let db = try TestDatabase.make(.sqlite)
        let (banks, database) = try await db.service()
        let store = FailingWrites(SQLScreenedStore(database: database))
        let screening = ScreeningService(store: store, matcher: RetroactiveMatcher(store: store, banks: banks), retentionDays: 30)
        let ids = (0..<600).map { "lookup-\($0)" }
        for id in ids {
            screening.screened(ScreenedSignal(at: Date(), lookupID: id, api: "native", caller: "key:1", accountReference: nil,
                                              runID: nil, pdq: nil, pdqQuality: nil, md5: String(repeating: "a", count: 32), sha256: nil))
        }
        store.failFrom.withLock { $0 = 2 }
        await #expect(throws: FailingWrites.Refused.self) { try await screening.flush() }
        #expect(store.writes.withLock { $0 } == [ScreeningService.signalsPerWrite], "the first part alone written")
        #expect(try await store.count() == ScreeningService.signalsPerWrite)

        store.failFrom.withLock { $0 = nil }
        let written = try await screening.flush()
        #expect(written.written == 600 - ScreeningService.signalsPerWrite && written.dropped == 0, "\(written)")
        #expect(store.writes.withLock { $0 } == [250, 250, 100])
        let kept = try await store.screened(md5: [String(repeating: "a", count: 32)], sha256: [])
        #expect(kept.map(\.lookupID).sorted() == ids.sorted(), "each lookup once")
        await database.close()
    }

    /// An account's signals are deleted (on its request) while a flush is writing: the deletion
    /// waits for the flush, so the signals that flush had taken from the queue are written first
    /// and deleted, not written after the deletion.
    @Test func anAccountDeletedDuringAFlushKeepsNoneOfItsSignals() async throws {
        let db = try TestDatabase.make(.sqlite)
        let (banks, database) = try await db.service()
        let store = FailingWrites(SQLScreenedStore(database: database))
        let screening = ScreeningService(store: store, matcher: RetroactiveMatcher(store: store, banks: banks), retentionDays: 30)
        // 600 signals: the account's are in the flush's later parts, written after the first.
        for index in 0..<600 {
            screening.screened(ScreenedSignal(at: Date(), lookupID: "lookup-\(index)", api: "native", caller: "key:1",
                                              accountReference: index >= 400 ? "acct-gone" : "acct-kept",
                                              runID: nil, pdq: nil, pdqQuality: nil, md5: String(repeating: "b", count: 32), sha256: nil))
        }
        store.holdFirstWrite.withLock { $0 = true }
        async let flushed = screening.flush()
        _ = await store.entered.wait()
        async let deleted = screening.delete(accountReference: "acct-gone")
        store.proceed.open()
        _ = try await flushed
        _ = try await deleted
        let kept = try await store.screened(md5: [String(repeating: "b", count: 32)], sha256: [])
        #expect(!kept.contains { $0.accountReference == "acct-gone" }, "\(kept.filter { $0.accountReference == "acct-gone" }.count) of the account's signals kept")
        #expect(kept.count == 400)
        await database.close()
    }
}
