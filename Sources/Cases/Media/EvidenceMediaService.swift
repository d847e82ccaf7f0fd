import Basics
import Events
public import Foundation
import JSONValues

/// The rules of evidence files: kept once, previews for everyone who may read the case, the
/// original only through a reveal that is recorded, and purged only by the preservation job
/// once nothing keeps them.
public struct EvidenceMediaService: Sendable {
    let store: any MediaStore
    let files: any MediaFiles
    let previews: any PreviewMaker
    public let policy: PreservationPolicy
    /// How much one reviewer may see in a shift.
    public let budget: ExposureBudget
    let clock: @Sendable () -> Date

    public init(store: any MediaStore, files: any MediaFiles, previews: any PreviewMaker, policy: PreservationPolicy = PreservationPolicy(),
                budget: ExposureBudget = ExposureBudget(), clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.files = files
        self.previews = previews
        self.policy = policy
        self.budget = budget
        self.clock = clock
    }

    /// Keeps an image (its SHA-256 given by the hasher that read it): the encrypted original
    /// and its preview, written before the record that names them.
    public func keep(_ bytes: [UInt8], sha256: String, contentType: String) async throws -> StoredMedia {
        if let existing = try await store.media(sha256: sha256), existing.purgedAt == nil { return existing }
        let preview = try await previews.preview(of: bytes)
        try await files.write(bytes, sha256: sha256, kind: .original)
        try await files.write(preview, sha256: sha256, kind: .preview)
        return try await store.record(sha256: sha256, size: bytes.count, contentType: contentType, at: clock())
    }

    /// Keeps an image a workflow run was given, for as long as a false positive's files: long
    /// enough to run it again, not forever.
    public func keepForRun(_ bytes: [UInt8], sha256: String, contentType: String) async throws {
        _ = try await keep(bytes, sha256: sha256, contentType: contentType)
        try await store.keep(sha256: sha256, until: clock().addingTimeInterval(Double(policy.falsePositiveDays) * 86_400))
    }

    public func media(_ sha256: String) async throws -> StoredMedia {
        guard let media = try await find(sha256) else { throw CaseError.notFound("evidence file \(sha256)") }
        return media
    }

    /// The file's record, or nil if none was ever kept.
    public func find(_ sha256: String) async throws -> StoredMedia? { try await store.media(sha256: sha256) }

    /// A file that is still kept (a purged one has a record but no bytes).
    func kept(_ sha256: String) async throws -> StoredMedia {
        let media = try await media(sha256)
        guard media.purgedAt == nil else { throw CaseError.notFound("evidence file \(sha256) (purged)") }
        return media
    }

    public func preview(_ sha256: String) async throws -> [UInt8] {
        _ = try await kept(sha256)
        return try await files.read(sha256: sha256, kind: .preview)
    }

    /// The original, for a person who asked to see it for a case that cites it: the reveal is
    /// recorded first (in the audit of the file and on the case's timeline), so no one sees a
    /// file without the record saying so, and a file is seen only for a case that needs it.
    /// Refused at the reviewer's exposure cap (`CaseError.exposureLimit`), counted in the reveal's
    /// own transaction; the exposure returned counts this reveal.
    public func reveal(_ sha256: String, caseID: Int64, actor: String, remote: String?) async throws
        -> (media: StoredMedia, bytes: [UInt8], exposure: Exposure, reveal: MediaReveal) {
        let media = try await kept(sha256)
        let event = NewEvent(type: EventTypes.evidenceRevealed, subject: "media:\(sha256)", actor: actor,
                             payload: ["sha256": .string(sha256), "case_id": .number(Double(caseID))])
        let line = NewHistoryEntry(actor: actor, kind: "evidence_revealed", detail: ["media_sha256": .string(sha256)])
        let reveal = try await store.recordReveal(sha256: sha256, caseID: caseID, actor: actor, remote: remote, at: clock(), line: line,
                                                  event: event, budget: budget)
        return (media, try await files.read(sha256: sha256, kind: .original), try await exposure(of: actor), reveal)
    }

    /// The file as `actor` revealed it for the case less than `revealSeconds` ago, and how long it
    /// stays clear: what the page shows again after its reveal redirects (or is reloaded),
    /// without a second reveal; nil once the reveal is older, or when there was none.
    public func stillRevealed(_ sha256: String, caseID: Int64, actor: String) async throws -> (media: StoredMedia, bytes: [UInt8], secondsLeft: Int)? {
        let now = clock()
        let window = Double(budget.revealSeconds)
        guard let reveal = try await store.reveals(since: now.addingTimeInterval(-window), actor: actor)
            .first(where: { $0.sha256 == sha256 && $0.caseID == caseID }), reveal.endedAt == nil else { return nil }
        let media = try await kept(sha256)
        let left = max(1, Int((reveal.at.addingTimeInterval(window).timeIntervalSince(now)).rounded()))
        return (media, try await files.read(sha256: sha256, kind: .original), left)
    }

    /// The reviewer hid a file they revealed: the time it was clear is measured from here (at most
    /// the re-blur time), and a reload no longer shows it. Hiding it again changes nothing.
    public func endReveal(_ id: Int64, actor: String) async throws -> (reveal: MediaReveal, seconds: Int) {
        guard let ended = try await store.endReveal(id: id, actor: actor, at: clock()) else {
            throw CaseError.notFound("reveal \(id) of \(actor)")
        }
        return (ended, Int(budget.seconds(of: ended).rounded(.up)))
    }

    /// The page's "Hide": ends `actor`'s reveal of the file for the case that is still clear, if any
    /// (nil when it already blurred or was hidden: nothing to measure).
    public func hide(_ sha256: String, caseID: Int64, actor: String) async throws -> (reveal: MediaReveal, seconds: Int)? {
        let since = clock().addingTimeInterval(-Double(budget.revealSeconds))
        guard let open = try await store.reveals(since: since, actor: actor)
            .first(where: { $0.sha256 == sha256 && $0.caseID == caseID && $0.endedAt == nil }) else { return nil }
        return try await endReveal(open.id, actor: actor)
    }

    /// One person's reveals in the current shift, against the shift's cap and every queue's and priority's.
    public func exposure(of actor: String) async throws -> Exposure {
        let now = clock()
        let reveals = try await store.reveals(since: now.addingTimeInterval(-budget.shift), actor: actor)
        return budget.exposure(of: actor, reveals: reveals, limits: try await store.exposureLimits())
    }

    /// Every person's exposure in the current shift, most first: what a supervisor sees (never the files).
    public func exposures() async throws -> [Exposure] {
        let now = clock()
        let limits = try await store.exposureLimits()
        let byActor = Dictionary(grouping: try await store.reveals(since: now.addingTimeInterval(-budget.shift), actor: nil), by: \.actor)
        return byActor.map { actor, reveals in budget.exposure(of: actor, reveals: reveals, limits: limits) }
            .sorted { ($0.reveals, $1.actor) > ($1.reveals, $0.actor) }
    }

    /// The caps of queues and priorities (the shift's own is `budget`).
    public func limits() async throws -> [ExposureLimit] { try await store.exposureLimits() }

    /// Sets a queue's or a priority's cap: on reveals, on seconds revealed, or both.
    public func setLimit(_ scope: ExposureScope, reveals: Int?, seconds: Int?) async throws -> ExposureLimit {
        let limit = try ExposureLimit.validated(scope: scope, reveals: reveals, seconds: seconds, revealSeconds: budget.revealSeconds)
        try await store.saveExposureLimit(limit, at: clock())
        return limit
    }

    /// Removes a queue's or a priority's cap (the shift's cap still counts those reveals).
    public func removeLimit(_ scope: ExposureScope) async throws {
        guard try await store.removeExposureLimit(scope) else { throw CaseError.notFound("a cap for \(scope.words)") }
    }

    public func reveals(_ sha256: String) async throws -> [MediaReveal] { try await store.reveals(sha256: sha256) }

    /// Whether a person has seen the file itself: the CyberTipline's `fileViewedByEsp`, asked
    /// of the reveal audit each time a document for NCMEC is written.
    public func viewedByEsp(_ sha256: String) async throws -> Bool { !(try await store.reveals(sha256: sha256)).isEmpty }

    /// The original for a machine that sends it on (a CyberTipline upload), not for a person's
    /// eyes: no reveal is recorded, and the report's history names the file it sent.
    public func original(_ sha256: String) async throws -> [UInt8] {
        _ = try await kept(sha256)
        return try await files.read(sha256: sha256, kind: .original)
    }

    /// Keeps every file the case cites at least until `until` (a report's preservation).
    public func preserve(caseID: Int64, until: Date) async throws {
        try await store.preserve(caseID: caseID, until: until)
    }

    /// After a decision: a confirmed case keeps its files for the preservation period; a false
    /// positive lets them go after the shorter one.
    public func decided(_ decided: Case, template: CaseTemplate) async throws {
        guard decided.isFinal, let resolved = decided.resolvedAt else { return }
        if decided.status == template.falsePositiveStatus {
            try await store.release(caseID: decided.id, until: resolved.addingTimeInterval(Double(policy.falsePositiveDays) * 86_400),
                                    falsePositiveStatus: template.falsePositiveStatus)
        } else {
            try await store.preserve(caseID: decided.id, until: resolved.addingTimeInterval(Double(policy.confirmedDays) * 86_400))
        }
    }

    public func hold(_ sha256: String, on: Bool, until: Date?) async throws -> StoredMedia {
        guard let held = try await store.hold(sha256: sha256, on: on, until: until) else { throw CaseError.notFound("evidence file \(sha256)") }
        return held
    }

    /// Purges every file that is due; returns what it purged. The preservation job runs it.
    public func purgeDue(limit: Int = 1000) async throws -> [StoredMedia] {
        let now = clock()
        let due = try await store.due(at: now, limit: limit)
        for media in due {
            try await files.delete(sha256: media.sha256)
            try await store.markPurged(sha256: media.sha256, at: now, event: NewEvent(
                type: EventTypes.evidencePurged, subject: "media:\(media.sha256)", actor: "system:preservation",
                payload: ["sha256": .string(media.sha256), "kept_until": media.keepUntil.map { .string(Timestamp.iso8601($0)) } ?? .null]))
        }
        return due
    }
}
