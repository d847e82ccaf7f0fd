import Basics
public import Access
import Foundation
public import Jobs

/// `evidence.purge`: deletes the evidence files whose preservation has ended (on no hold, cited
/// by no open case), each purge in the audit log and the event table. The only thing that
/// deletes evidence. Queued hourly by `vigil serve` (`Every.evidencePurge`); safe to repeat,
/// since a purged file is no longer due.
public struct EvidencePurgeJob: JobHandler {
    public static let jobKind = "evidence.purge"
    public let kind = EvidencePurgeJob.jobKind
    public let safeToRepeat = true
    let media: EvidenceMediaService
    let audit: any AuditLog

    public init(media: EvidenceMediaService, audit: any AuditLog) {
        self.media = media
        self.audit = audit
    }

    public func run(_ job: Job, context: JobContext) async throws -> String? {
        var purged = 0
        while true {
            try context.checkCancelled()
            let batch = try await media.purgeDue(limit: 500)
            for file in batch {
                try await audit.append(AuditEvent(actor: "system:preservation", action: "evidence.purge", target: "media:\(file.sha256)",
                                                  outcome: "ok: kept until \(file.keepUntil.map(Timestamp.iso8601) ?? "-")"))
            }
            purged += batch.count
            if batch.count < 500 { break }
        }
        return try JobText.encode(["purged": purged])
    }
}
