public import Foundation
import Synchronization

/// Counts each entry's matches in memory as lookups make them, and adds them to the stored totals
/// when flushed (every few seconds, and at shutdown): a lookup never waits on a write. Counts that
/// fail to be written are kept for the next flush.
public final class EntryMatchTally: Sendable {
    private let pending = Mutex<[Int64: EntryMatchCount]>([:])
    let banks: BankService

    public init(banks: BankService) {
        self.banks = banks
    }

    public func count(_ entryIDs: [Int64], at time: Date) {
        guard !entryIDs.isEmpty else { return }
        pending.withLock { table in
            for id in Set(entryIDs) { Self.add(EntryMatchCount(matches: 1, last: time), to: id, in: &table) }
        }
    }

    public func flush() async throws {
        let counts = pending.withLock { table in
            let all = table
            table.removeAll()
            return all
        }
        guard !counts.isEmpty else { return }
        do {
            try await banks.addMatches(counts)
        } catch {
            pending.withLock { table in for (id, count) in counts { Self.add(count, to: id, in: &table) } }
            throw error
        }
    }

    static func add(_ count: EntryMatchCount, to id: Int64, in table: inout [Int64: EntryMatchCount]) {
        if var current = table[id] {
            current.matches += count.matches
            current.last = max(current.last, count.last)
            table[id] = current
        } else {
            table[id] = count
        }
    }
}
