import BankImport
import Banks
import Foundation
import Hummingbird
import Jobs
import ContentHashing

/// An uploaded import file becoming an import job, for the API and the dashboard alike: the
/// upload is spooled into the data directory as it arrives, checked, and handed to a job of the
/// queue, so the request returns at once and a crash resumes the import instead of losing it.
struct BankImportUpload {
    let jobs: JobQueue
    let settings: ServerSettings
    let hashingPool: ImageHashingPool

    func accept(_ request: Request, into bank: Bank, format: ImportFormat?, listSHA256: Bool, actor: String) async throws -> Job {
        // Refused before the upload is read: its job could only fail.
        if bank.deleting { throw BankError.beingDeleted(bank.name) }
        let spool = settings.spoolDirectory
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        let file = spool.appendingPathComponent("import-\(UUID().uuidString)")
        let name: String
        do {
            // The upload's own name, never the spool file's, in errors and in its entries' source.
            name = try await UploadSpool.write(request, to: file, limit: settings.maxImportBytes, multipartField: "file") ?? "upload"
            // Refuse what cannot be read now, not minutes later in a job.
            _ = try ImportReaders.open(file, name: name, format: format, listHoldsSHA256: listSHA256, hashing: hashingPool, addedBy: "check")
        } catch {
            try? FileManager.default.removeItem(at: file)
            if let error = error as? ImportError { throw APIError.badRequest(error.description, code: "invalid_import") }
            throw error
        }
        let payload = BankImportJob.Payload(bank: bank.name, file: file.path, name: name, format: format, listSHA256: listSHA256, addedBy: actor)
        return try await jobs.enqueue(NewJob(kind: BankImportJob.kind, payload: try JobText.encode(payload), maxAttempts: 5,
                                                     affinity: settings.nodeID))
    }
}
