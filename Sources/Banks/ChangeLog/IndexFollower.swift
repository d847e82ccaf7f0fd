import Foundation
import Synchronization

/// Keeps a `MatchIndex` equal to the database: loads it at a known log sequence, then applies the
/// change log from there, in order. A process's own writes go through here too (the writer calls
/// `catchUp()` after its commit), so there is one way for the index to learn anything, and N
/// processes on one database converge on the same index.
public final class IndexFollower: Sendable {
    public let index: MatchIndex
    let store: any BankStore
    let feed: any BankChangeFeed
    let runIndexUpdate: BankService.IndexUpdateRunner
    /// Catch-up passes run one at a time; callers that arrive during one wait for the next.
    private let passes = SerialPasses()
    private let state = Mutex(State())

    struct State {
        var applied: Int64 = 0
        var latestSeen: Int64 = 0
        var loaded = false
        /// Entries whose addition was read after they were already removed: their removal rows
        /// are skipped (the index never held them).
        var neverIndexed: Set<Int64> = []
    }

    public init(index: MatchIndex, store: any BankStore, feed: any BankChangeFeed,
                indexUpdates: @escaping BankService.IndexUpdateRunner = { update in update() }) {
        self.index = index
        self.store = store
        self.feed = feed
        self.runIndexUpdate = indexUpdates
    }

    /// The sequence the index reflects.
    public var appliedSequence: Int64 { state.withLock { $0.applied } }
    /// The newest sequence seen in the log at the last pass.
    public var latestSequence: Int64 { state.withLock { max($0.latestSeen, $0.applied) } }
    public var isLoaded: Bool { state.withLock { $0.loaded } }

    /// Builds the index from storage at one consistent sequence, then applies what came after.
    public func load() async throws {
        try await passes.run {
            let sequence = try await self.index.load(from: self.store)
            self.state.withLock {
                $0.applied = sequence
                $0.latestSeen = max($0.latestSeen, sequence)
                $0.loaded = true
            }
        }
        try await catchUp()
    }

    /// Applies every change committed before this call. Returns the applied sequence.
    @discardableResult
    public func catchUp(batchSize: Int = 2000) async throws -> Int64 {
        try await passes.run {
            guard self.isLoaded else { return }
            while true {
                let after = self.appliedSequence
                let changes = try await self.feed.changes(after: after, limit: batchSize)
                guard let last = changes.last else {
                    let latest = try await self.feed.latestSequence()
                    self.state.withLock { $0.latestSeen = max($0.latestSeen, latest) }
                    return
                }
                try await self.apply(changes)
                self.state.withLock {
                    $0.applied = last.sequence
                    $0.latestSeen = max($0.latestSeen, last.sequence)
                }
                if changes.count < batchSize { return }
            }
        }
        return appliedSequence
    }

    private func apply(_ changes: [BankChange]) async throws {
        var update = MatchIndex.Update()
        state.withLock { state in
            for change in changes {
                switch change.kind {
                case let .bankChanged(bankID, current):
                    if let current { update.upsertBanks.append(current) } else { update.removeBanks.append(bankID) }
                case let .bankDeleted(bankID):
                    update.removeBanks.append(bankID)
                case let .entriesAdded(present, missing):
                    update.insert += present
                    state.neverIndexed.formUnion(missing)
                case let .entryRemoved(row):
                    if state.neverIndexed.remove(row.entryID) == nil { update.remove.append(row) }
                case let .entrySnoozed(entryID, current):
                    update.snoozes.append((entryID, current?.disabledUntil))
                case .entryUpdated:
                    break
                }
            }
        }
        guard !update.isEmpty else { return }
        let index = self.index
        let prepared = update
        await runIndexUpdate { index.apply(prepared) }
    }
}

/// Runs async passes strictly one after another (an actor alone would interleave them at awaits).
final class SerialPasses: Sendable {
    private let tail = Mutex<Task<Void, any Error>?>(nil)

    func run(_ body: @escaping @Sendable () async throws -> Void) async throws {
        let task: Task<Void, any Error> = tail.withLock { tail in
            let previous = tail
            let next = Task {
                _ = await previous?.result
                try await body()
            }
            tail = next
            return next
        }
        try await task.value
    }
}
