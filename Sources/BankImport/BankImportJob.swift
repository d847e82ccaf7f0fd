public import Banks
public import ContentHashing
import Foundation
public import Jobs

/// Imports a spooled file into a bank as a job of the queue (`bank.import`). Each batch commits
/// its progress as the job's checkpoint in the same transaction, so a job whose worker died
/// resumes after the last committed batch: nothing is added twice and nothing is lost.
public struct BankImportJob: JobHandler {
    public static let kind = "bank.import"
    public var kind: String { Self.kind }
    public var safeToRepeat: Bool { true }
    public var commitsOwnProgress: Bool { true }

    let banks: BankService
    let hashing: ImageHashingPool
    let batchSize: Int

    /// - Parameter batchSize: rows a transaction commits, with the job's checkpoint.
    public init(banks: BankService, hashing: ImageHashingPool, batchSize: Int = 50_000) {
        self.banks = banks
        self.hashing = hashing
        self.batchSize = batchSize
    }

    /// What the job is asked to do.
    public struct Payload: Codable, Sendable {
        public var bank: String
        /// The spooled upload; removed when the job ends.
        public var file: String
        /// What the uploader called it (nil in jobs queued before it was kept).
        public var name: String?
        public var format: ImportFormat?
        public var listSHA256: Bool
        public var addedBy: String

        public init(bank: String, file: String, name: String?, format: ImportFormat?, listSHA256: Bool, addedBy: String) {
            self.bank = bank
            self.file = file
            self.name = name
            self.format = format
            self.listSHA256 = listSHA256
            self.addedBy = addedBy
        }

        enum CodingKeys: String, CodingKey {
            case bank, file, name, format, listSHA256 = "list_sha256", addedBy = "added_by"
        }
    }

    /// The job's progress and result: the import summary plus how far through the file it is.
    public struct Progress: Codable, Sendable {
        public var summaryText: ImportSummaryText
        public var fraction: Double?

        public var summary: ImportSummary { summaryText.summary }

        init(summary: ImportSummary, fraction: Double?) {
            summaryText = ImportSummaryText(summary)
            self.fraction = fraction
        }

        enum CodingKeys: String, CodingKey { case summaryText = "summary", fraction }
    }

    public func run(_ job: Job, context: JobContext) async throws -> String? {
        let payload = try JobText.payload(Payload.self, of: job)
        let file = URL(fileURLWithPath: payload.file)
        do {
            let result = try await importFile(payload, file: file, job: job, context: context)
            try? FileManager.default.removeItem(at: file)
            return result
        } catch let error as BankError {
            if case .checkpointRefused = error { throw error }
            try? FileManager.default.removeItem(at: file)
            throw JobFailure.permanent(error.description)
        } catch let error as ImportError {
            try? FileManager.default.removeItem(at: file)
            throw JobFailure.permanent(error.description)
        } catch JobError.cancelled(let id) {
            try? FileManager.default.removeItem(at: file)
            throw JobError.cancelled(id)
        }
    }

    private func importFile(_ payload: Payload, file: URL, job: Job, context: JobContext) async throws -> String {
        let bank = try await banks.bank(named: payload.bank)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw ImportError("the uploaded file \(payload.name ?? file.lastPathComponent) is gone (it is kept only on the server that received it)")
        }
        var reader = try ImportReaders.open(file, name: payload.name, format: payload.format, listHoldsSHA256: payload.listSHA256, hashing: hashing,
                                            addedBy: payload.addedBy)
        // The counts so far, kept with the last committed batch: unreadable counts stop the job
        // rather than restart them at zero beside rows already imported.
        let resumed: ImportSummary
        do {
            resumed = try context.progress.map { try JobText.decode(Progress.self, from: $0).summary } ?? ImportSummary()
        } catch {
            throw JobFailure.permanent("the import's saved progress cannot be read (\(context.progress?.prefix(100) ?? "")): import the file again")
        }
        let lease = context.lease
        let summary = try await banks.importEntries(
            into: bank, from: &reader, batchSize: batchSize, resuming: resumed,
            checkpoint: { committed, fraction in
                BatchCheckpoint(lease: lease, progress: try Self.encode(Progress(summary: committed, fraction: fraction)))
            },
            progress: { _, _ in try context.checkCancelled() })
        return try Self.encode(Progress(summary: summary, fraction: 1))
    }

    static func encode(_ progress: Progress) throws -> String { try JobText.encode(progress) }
}
