import Foundation
import PDQ

extension BankService {
    public typealias ImportSummary = Banks.ImportSummary

    /// Streams `reader` into `bank` in atomic batches. A rejected row writes nothing; a batch that
    /// fails to commit leaves the bank as it was before it, and the error stops the import.
    ///
    /// While one batch is written the next is read, so parsing and the database work on two cores;
    /// batches still commit one at a time, in order.
    ///
    /// A resumed import passes the summary it had committed: its first `rowsRead` rows are skipped.
    /// With `checkpoint`, each batch commits the progress it returns in the same transaction (a
    /// job's checkpoint), so a crash between two batches resumes exactly after the last one; it is
    /// given the summary as of that batch and how far through the source the reader was.
    /// `progress` is called after each commit; throwing from it (a cancelled job) stops the import.
    public func importEntries(
        into bank: Bank, from reader: inout some ImportReader, batchSize: Int = 50_000, resuming: ImportSummary = ImportSummary(),
        checkpoint: @escaping @Sendable (ImportSummary, Double?) throws -> BatchCheckpoint? = { _, _ in nil },
        progress: (Double?, ImportSummary) throws -> Void = { _, _ in }
    ) async throws -> ImportSummary {
        var committed = resuming
        for _ in 0..<resuming.rowsRead { guard try await reader.next() != nil else { break } }
        // The batch being written, and how far through the source the reader was at its end.
        var writing: (task: Task<ImportSummary, any Error>, fraction: Double?)?
        do {
            // The first batches are small and each next one larger, up to `batchSize`: the
            // database idles only while the first is read, not while a million rows are.
            var size = Self.firstBatchSize(batchSize)
            var batch = ImportBatch(capacity: size)
            var finished = false
            while !finished {
                if let item = try await reader.next() {
                    batch.take(item)
                    guard batch.rows >= size else { continue }
                } else {
                    finished = true
                }
                let (full, fraction) = (batch.sealed(), reader.progress)
                size = min(size * 4, max(1, batchSize))
                batch = ImportBatch(capacity: size)
                if let previous = writing {
                    writing = nil
                    committed = try await Self.result(of: previous.task)
                    try progress(previous.fraction, committed)
                }
                try Task.checkCancellation()
                let start = committed
                writing = (Task { try await self.write(full, into: bank, after: start, fraction: fraction, checkpoint: checkpoint) }, fraction)
            }
            if let last = writing {
                writing = nil
                committed = try await Self.result(of: last.task)
                try progress(last.fraction, committed)
            }
            return committed
        } catch {
            // Never leave a batch writing behind an error: the caller may resume from the store.
            _ = try? await writing?.task.value
            throw error
        }
    }

    /// The first batch of an import: a sixteenth of `batchSize` (two ramp steps of ×4), at
    /// least a thousand rows (the bulk path's minimum) and never more than `batchSize`.
    static func firstBatchSize(_ batchSize: Int) -> Int {
        let size = max(1, batchSize)
        return min(size, max(size / 16, 1000))
    }

    /// The batch's outcome; cancelling the import cancels the batch being written with it.
    private static func result(of writing: Task<ImportSummary, any Error>) async throws -> ImportSummary {
        try await withTaskCancellationHandler { try await writing.value } onCancel: { writing.cancel() }
    }

    /// Writes one batch (or only counts it, when all its rows were rejected) and answers the
    /// summary as of its end.
    private func write(_ batch: ImportBatch, into bank: Bank, after committed: ImportSummary, fraction: Double?,
                       checkpoint: @escaping @Sendable (ImportSummary, Double?) throws -> BatchCheckpoint?) async throws -> ImportSummary {
        var next = committed
        next.rowsRead += batch.rows
        for rejection in batch.rejections { next.reject(line: rejection.line, reason: rejection.reason) }
        next.rejectedCount += batch.rejectedUnkept
        next.duplicates += batch.superseded
        // Flagged, not refused: a list's low-quality hash is still its word, but a curator should know.
        let gate = bank.guards.qualityGate ?? PDQResult.defaultQualityThreshold
        next.lowQuality += batch.inserts.count { ($0.signals.pdqQuality ?? 100) < gate && $0.signals.pdq != nil }
        guard !batch.inserts.isEmpty || !batch.deletes.isEmpty else { return next }
        // The counts this batch adds are known only once it commits; the store fills them in
        // before writing the checkpoint in the same transaction.
        let before = next
        let outcome = try await store.applyBatch(bankID: bank.id, insert: batch.inserts, deleteExternalIDs: batch.deletes, at: Date(),
                                                 returningRows: false, checkpoint: { outcome in
                                                     var counted = before
                                                     counted.add(outcome)
                                                     return try checkpoint(counted, fraction)
                                                 })
        try await syncIndex()
        next.add(outcome)
        return next
    }
}

/// The rows of one import batch as they are read.
struct ImportBatch: Sendable {
    private(set) var rows = 0
    private(set) var inserts: [NewEntry] = []
    private(set) var deletes: [String] = []
    /// The first rejections (a summary keeps no more), and how many more there were.
    private(set) var rejections: [ImportSummary.Rejection] = []
    private(set) var rejectedUnkept = 0
    /// Records replaced by a later record with the same external id in this batch.
    private(set) var superseded = 0
    /// For each withdrawn external id, how many inserts had been read when it was withdrawn: those
    /// earlier inserts are cancelled, a later one stands.
    private var withdrawnAt: [String: Int] = [:]

    /// A batch expected to hold about `capacity` rows: reserved once, not grown a million times.
    init(capacity: Int = 0) {
        inserts.reserveCapacity(min(capacity, 1 << 21))
    }

    mutating func take(_ item: ImportItem) {
        rows += 1
        switch item {
        case let .entry(_, entry):
            inserts.append(entry)
        case let .delete(_, externalID):
            deletes.append(externalID)
            withdrawnAt[externalID] = inserts.count
        case let .rejected(line, reason):
            if rejections.count < ImportSummary.rejectedKept {
                rejections.append(.init(line: line, reason: reason))
            } else {
                rejectedUnkept += 1
            }
        }
    }

    /// The batch ready to write: records withdrawn later in the batch dropped, and of several
    /// records with one external id only the last in the file kept (an update later in the same
    /// file; the earlier ones count as duplicates, as the store would count them), both in one
    /// pass before sorting loses the file's order; then the rest in PDQ hash order. Sorted, a
    /// batch walks the store's `(bank, pdq)` unique index in order, each of its pages touched once
    /// per batch instead of once per row: that index's random page writes are what a bulk import
    /// into a large bank costs. (So within a batch, entry ids follow hash order, not file order.)
    func sealed() -> ImportBatch {
        var copy = self
        var last: [String: Int] = [:]
        for (index, entry) in inserts.enumerated() {
            if let id = entry.metadata.externalID { last[id] = index }
        }
        if !last.isEmpty {
            copy.inserts = []
            copy.inserts.reserveCapacity(inserts.count)
            for (index, entry) in inserts.enumerated() {
                if let id = entry.metadata.externalID {
                    if let at = withdrawnAt[id], index < at { continue }
                    if last[id] != index {
                        copy.superseded += 1
                        continue
                    }
                }
                copy.inserts.append(entry)
            }
        }
        // Sorting the keys with their positions, then moving each entry once, is cheaper than
        // sorting the entries (or positions compared through the entries).
        let keyed = copy.inserts.enumerated().map { (key: $0.element.signals.pdq ?? .zero, at: $0.offset) }
            .sorted { $0.key < $1.key }
        copy.inserts = keyed.map { copy.inserts[$0.at] }
        return copy
    }
}
