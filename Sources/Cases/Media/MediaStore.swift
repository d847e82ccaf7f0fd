public import Events
public import Foundation

/// The records of evidence files (the files themselves are `MediaFiles`).
public protocol MediaStore: Sendable {
    /// Records a file (or returns the record it has; a purged one is stored again).
    func record(sha256: String, size: Int, contentType: String, at time: Date) async throws -> StoredMedia
    func media(sha256: String) async throws -> StoredMedia?
    /// Records a reveal, its line on the case's timeline and its event in one transaction; throws
    /// `CaseError.notFound` when the case does not cite the file (nothing is written then).
    /// The reveal keeps the case's queue and priority. With a `budget`, the actor's reveals in the
    /// shift are counted in the same transaction against it and every `exposureLimits()` cap, one
    /// reveal of theirs at a time (so parallel reveals cannot pass a cap together), and
    /// `CaseError.exposureLimit` is thrown at a cap, writing nothing.
    func recordReveal(sha256: String, caseID: Int64, actor: String, remote: String?, at time: Date, line: NewHistoryEntry,
                      event: NewEvent, budget: ExposureBudget?) async throws -> MediaReveal
    /// Marks `actor`'s reveal hidden at `time` (the first time only); nil when they made no such reveal.
    func endReveal(id: Int64, actor: String, at time: Date) async throws -> MediaReveal?
    /// The caps of queues and priorities, by scope.
    func exposureLimits() async throws -> [ExposureLimit]
    /// Saves a queue's or a priority's cap (replacing the one it had).
    func saveExposureLimit(_ limit: ExposureLimit, at time: Date) async throws
    /// Removes a queue's or a priority's cap; false when it had none.
    func removeExposureLimit(_ scope: ExposureScope) async throws -> Bool
    func reveals(sha256: String) async throws -> [MediaReveal]
    /// The reveals since `since`, by person (newest first within each): a shift's exposure.
    func reveals(since: Date, actor: String?) async throws -> [MediaReveal]
    /// Keeps the files a case cites until `until` (never shortening a later date).
    func preserve(caseID: Int64, until: Date) async throws
    /// Keeps one file until at least `until` (never shortening a later date): a file kept for
    /// something other than a case (a workflow run's image) then goes with the purge.
    func keep(sha256: String, until: Date) async throws
    /// Sets the files a false-positive case cites to be purged at `until`, unless a hold, another
    /// date, or another case that is not such a false positive keeps them.
    func release(caseID: Int64, until: Date, falsePositiveStatus: String) async throws
    /// A legal hold on (or off) a file, keeping it at least until `until`.
    func hold(sha256: String, on: Bool, until: Date?) async throws -> StoredMedia?
    /// Files past their date, on no hold and cited by no open case.
    func due(at time: Date, limit: Int) async throws -> [StoredMedia]
    /// Marks a file purged, with its event, in one transaction.
    func markPurged(sha256: String, at time: Date, event: NewEvent) async throws
}

/// Encrypted blobs: the original and its preview, per SHA-256.
public protocol MediaFiles: Sendable {
    func write(_ bytes: [UInt8], sha256: String, kind: MediaFileKind) async throws
    func read(sha256: String, kind: MediaFileKind) async throws -> [UInt8]
    func delete(sha256: String) async throws
}

public enum MediaFileKind: String, Sendable { case original, preview }

/// Makes a preview in which the content cannot be made out (blurred, greyscale).
public protocol PreviewMaker: Sendable {
    func preview(of bytes: [UInt8]) async throws -> [UInt8]
}
