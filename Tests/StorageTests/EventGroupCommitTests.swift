import Events
import Foundation
import JSONValues
import Storage
import Synchronization
import Testing
import VigilTestSupport

/// Lookup events are committed before their lookups answer, in groups: on both backends, events
/// committed at the same moment share transactions, every one is in the table when its commit
/// returns, and a failed transaction fails every waiter of its group (none is lost silently).
@Suite struct EventGroupCommitTests {
    /// Counts the transactions the committer opens.
    final class CountingStore: EventStore {
        let store: any EventStore
        let appends = Mutex(0)
        let failing = Mutex(false)
        init(_ store: any EventStore) { self.store = store }
        struct Down: Error {}
        func append(_ events: [NewEvent], at time: Date) async throws -> [Event] {
            appends.withLock { $0 += 1 }
            if failing.withLock({ $0 }) { throw Down() }
            return try await store.append(events, at: time)
        }
        func events(after id: Int64, types: Set<String>?, limit: Int) async throws -> [Event] { try await store.events(after: id, types: types, limit: limit) }
        func latestID() async throws -> Int64 { try await store.latestID() }
        func cursor(_ name: String) async throws -> Int64? { try await store.cursor(name) }
        func saveCursor(_ name: String, position: Int64) async throws { try await store.saveCursor(name, position: position) }
    }

    @Test(arguments: Backend.allCases)
    func eventsCommittedAtOnceShareTransactionsAndAreAllThere(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let database = try await VigilDatabase.open(db.location)
        defer { Task { await database.close() } }
        let store = CountingStore(SQLEventStore(database: database))
        let committer = EventGroupCommit(store: store)
        let count = 200
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask {
                    try await committer.commit([NewEvent(type: EventTypes.matchFound, subject: "lookup:\(index)", actor: "api:native", payload: [:])])
                    // Committed when the call returns: the event is in the table.
                    let mine = try await store.events(after: 0, types: [EventTypes.matchFound], limit: 10_000).filter { $0.subject == "lookup:\(index)" }
                    #expect(mine.count == 1)
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.events(after: 0, types: nil, limit: 10_000).count == count)
        let transactions = store.appends.withLock { $0 }
        #expect(transactions < count, "grouped: \(transactions) transactions for \(count) events")

        store.failing.withLock { $0 = true }
        await withTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask {
                    do {
                        try await committer.commit([NewEvent(type: EventTypes.matchFound, subject: "down:\(index)", actor: "api:native", payload: [:])])
                        return false
                    } catch { return true }
                }
            }
            var failed = 0
            for await threw in group where threw { failed += 1 }
            #expect(failed == 20, "every waiter of a failed commit hears of it")
        }
        store.failing.withLock { $0 = false }
        try await committer.commit([NewEvent(type: EventTypes.matchFound, subject: "after", actor: "api:native", payload: [:])])
        #expect(try await store.events(after: 0, types: nil, limit: 10_000).count == count + 1)
    }

    /// What `append` answers is what was written: the events a reader then reads, field for field
    /// (payloads of every JSON kind, the time to the millisecond, the trace carried or not).
    @Test(arguments: Backend.allCases)
    func appendAnswersTheEventsAsStored(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let database = try await VigilDatabase.open(db.location)
        defer { Task { await database.close() } }
        let store = SQLEventStore(database: database)
        let payload: JSONValue = .object([
            "text": .string("naïve \"quoted\" \u{1F600}"), "whole": .number(42), "fraction": .number(0.1), "large": .number(1e20),
            "flag": .bool(false), "nothing": .null, "list": .array([.number(-3), .string(""), .object([:])])])
        let appended = try await store.append([
            NewEvent(type: EventTypes.matchFound, subject: "lookup:a", actor: "api:native", payload: payload),
            NewEvent(type: EventTypes.lookupCompleted, subject: "lookup:b", actor: "api:hma", payload: [:],
                     traceContext: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
        ], at: Date(timeIntervalSince1970: 1_765_000_000.123_9))
        let read = try await store.events(after: 0, types: nil, limit: 10)
        #expect(appended == read, "answered \(appended), stored \(read)")
        // Stored to the millisecond, rounded.
        #expect(appended.allSatisfy { ($0.at.timeIntervalSince1970 * 1000).rounded() == 1_765_000_000_124 }, "\(appended.map(\.at))")
    }
}
