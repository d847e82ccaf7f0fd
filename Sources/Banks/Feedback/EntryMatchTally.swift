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

    /// Entries a transaction: a flush of the tens of thousands a busy server matches in ten
    /// seconds is written in many short transactions, so it never holds the database (SQLite's
    /// one connection, which every matching lookup's commit needs) for long.
    static let entriesPerWrite = 500

    public func flush() async throws {
        let counts = pending.withLock { table in
            let all = table
            table.removeAll()
            return all
        }
        guard !counts.isEmpty else { return }
        // In id order, as the store writes them (two replicas take rows' locks in the same order).
        let sorted = counts.sorted { $0.key < $1.key }
        for start in stride(from: 0, to: sorted.count, by: Self.entriesPerWrite) {
            let part = sorted[start..<min(sorted.count, start + Self.entriesPerWrite)]
            do {
                try await banks.addMatches(Dictionary(uniqueKeysWithValues: part.map { ($0.key, $0.value) }))
            } catch {
                // What was written stays written; this part and the rest wait for the next flush.
                pending.withLock { table in for (id, count) in sorted[start...] { Self.add(count, to: id, in: &table) } }
                throw error
            }
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
