import Banks
import Cases
import Foundation
import JSONValues

/// Makes a report's first draft from its case: each kept evidence file with its hashes and
/// what the reveal audit says about it, the linked accounts as the reported users, the
/// reporter from the organisation's settings.
struct ReportDrafter: Sendable {
    let cases: CaseService
    let media: EvidenceMediaService
    let banks: BankService

    struct Draft {
        var new: NewReport
        /// Every file matched a bank labelled `verified`.
        var allVerified: Bool
    }

    func draft(caseID: Int64, settings: ReportingSettings, options: DraftOptions) async throws -> Draft {
        let detail = try await cases.detail(caseID)
        let bankLabels = Dictionary(try await banks.listBanks().map { ($0.name, $0.labels) }, uniquingKeysWith: { first, _ in first })
        var files: [ReportFile] = []
        var verified: [Bool] = []
        var hashOnly: [String] = []
        for evidence in detail.evidence {
            let labels = Self.labels(of: evidence, bankLabels: bankLabels)
            // A file never kept, or purged, is reported by its hashes; a store that cannot be
            // read stops the draft (it throws) rather than leaving a file out.
            var kept: StoredMedia?
            if let sha = evidence.mediaSHA256 { kept = try await media.store.media(sha256: sha) }
            guard let sha = evidence.mediaSHA256, let kept, kept.purgedAt == nil else {
                let hashes = [evidence.signals.pdq.map { "PDQ \($0)" }, evidence.signals.md5.map { "MD5 \($0)" }, evidence.signals.sha256.map { "SHA256 \($0)" }]
                    .compactMap { $0 }
                if !hashes.isEmpty { hashOnly.append(hashes.joined(separator: ", ")) }
                continue
            }
            if let index = files.firstIndex(where: { $0.mediaSHA256 == sha }) {
                // The same file matched twice (two banks): one file, the first classification.
                if files[index].classification == nil { files[index].classification = Self.classification(labels) }
                verified[index] = verified[index] && labels.contains("verified")
                continue
            }
            files.append(ReportFile(
                evidenceID: evidence.id, mediaSHA256: sha, originalFileName: evidence.fileName, md5: evidence.signals.md5,
                sha256: evidence.signals.sha256 ?? sha, pdq: evidence.signals.pdq, uploadedAt: evidence.addedAt,
                locationOfFile: evidence.sourceURL.flatMap { ReportChecks.isWebURL($0) ? $0 : nil },
                viewedByEsp: try await media.viewedByEsp(sha), publiclyAvailable: nil,
                classification: options.classification ?? Self.classification(labels)))
            verified.append(labels.contains("verified"))
        }
        guard !files.isEmpty || !hashOnly.isEmpty else {
            throw ReportError.invalid("case \(caseID) has no evidence to report (no kept file and no hashes)")
        }
        var people: [ReportedPerson] = []
        for accountID in detail.case.accountIDs {
            guard let account = try await cases.store.accountDetail(id: accountID)?.account else { continue }
            people.append(ReportedPerson(espIdentifier: account.referenceID, espService: settings.espService, screenName: account.screenName,
                                         email: account.email.flatMap { ReportChecks.isEmail($0) ? $0 : nil },
                                         ipCaptureEvents: Self.ipEvents(detail.case.fields), accountDisabled: account.isBlocked))
        }
        let incidentAt = detail.evidence.map(\.addedAt).min() ?? detail.case.createdAt
        // Says only what is known: whether a person saw a file is each file's viewed_by_esp, not this text.
        var info = ["Detected by hash matching in Vigil (case \(caseID))."]
        for evidence in detail.evidence where evidence.match.bank != nil || evidence.match.distance != nil {
            info.append("Evidence \(evidence.id): \(evidence.match.provider) match\(evidence.match.bank.map { " in bank \($0)" } ?? "")"
                        + "\(evidence.match.distance.map { " at PDQ distance \($0)" } ?? "").")
        }
        if !hashOnly.isEmpty { info.append("Files not kept, by their hashes: " + hashOnly.joined(separator: "; ") + ".") }
        if let extra = options.additionalInfo { info.append(extra) }
        let content = ReportContent(
            incidentType: options.incidentType ?? settings.defaultIncidentType, incidentAt: incidentAt,
            platform: settings.platform ?? settings.espService, escalateToHighPriority: options.escalateToHighPriority,
            reporter: settings.reporter, reportedPeople: people, additionalInfo: info.joined(separator: "\n"))
        return Draft(new: NewReport(caseID: caseID, content: content, files: files, credentialID: settings.credentialID),
                     allVerified: !verified.isEmpty && verified.allSatisfy { $0 } && hashOnly.isEmpty)
    }

    /// What classifies an evidence item's match: its bank's labels (built-in banks), else the
    /// provider's own classification of the signature it matched (PhotoDNA's `Violations`).
    static func labels(of evidence: Evidence, bankLabels: [String: [String]]) -> [String] {
        if let bank = evidence.match.bank, let labels = bankLabels[bank] { return labels }
        return (evidence.match.detail.object?["violations"]?.array ?? []).compactMap(\.string)
    }

    /// The first industry category among a bank's labels (A1-B2).
    static func classification(_ labels: [String]) -> IndustryClassification? {
        labels.lazy.compactMap { IndustryClassification(rawValue: $0.uppercased()) }.first
    }

    /// IP addresses the case's fields name: `ip_address` (a string), or `ip_capture_events`
    /// (objects with ip_address, event_name, at).
    static func ipEvents(_ fields: [String: JSONValue]) -> [IPCaptureEvent] {
        if let ip = fields["ip_address"]?.string, ReportChecks.isIPAddress(ip) { return [IPCaptureEvent(ipAddress: ip, eventName: .Upload)] }
        return (fields["ip_capture_events"]?.array ?? []).compactMap { item in
            guard let object = item.object, let ip = object["ip_address"]?.string, ReportChecks.isIPAddress(ip) else { return nil }
            return IPCaptureEvent(ipAddress: ip, eventName: object["event_name"]?.string.flatMap(IPCaptureEvent.Name.init(rawValue:)),
                                  at: object["at"]?.string.flatMap(Timestamp.parse))
        }
    }
}

/// Choices made when a report is drafted (by a person or a workflow step).
public struct DraftOptions: Sendable {
    public var incidentType: IncidentType?
    public var classification: IndustryClassification?
    public var escalateToHighPriority: String?
    public var additionalInfo: String?
    /// A workflow's draft may be approved by itself when the settings allow it and every file
    /// matched a verified bank; a person's draft waits for a person.
    public var mayAutoApprove: Bool

    public init(incidentType: IncidentType? = nil, classification: IndustryClassification? = nil, escalateToHighPriority: String? = nil,
                additionalInfo: String? = nil, mayAutoApprove: Bool = false) {
        self.incidentType = incidentType
        self.classification = classification
        self.escalateToHighPriority = escalateToHighPriority
        self.additionalInfo = additionalInfo
        self.mayAutoApprove = mayAutoApprove
    }
}
