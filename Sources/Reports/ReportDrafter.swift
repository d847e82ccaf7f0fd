import Basics
import Banks
import Cases
import Foundation
import JSONValues
import PDQ

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
        let allBanks = Dictionary(try await banks.listBanks().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let bankLabels = allBanks.mapValues(\.labels)
        var files: [ReportFile] = []
        var verified: [Bool] = []
        var hashOnly: [String] = []
        for evidence in detail.evidence {
            let labels = Self.labels(of: evidence, bankLabels: bankLabels)
            let isVerified = try await Self.verifiedMatch(evidence, banks: allBanks, entries: banks)
            // A file never kept, or purged, is reported by its hashes; a store that cannot be
            // read stops the draft (it throws) rather than leaving a file out.
            var kept: StoredMedia?
            if let sha = evidence.mediaSHA256 { kept = try await media.find(sha) }
            guard let sha = evidence.mediaSHA256, let kept, kept.purgedAt == nil else {
                let hashes = [evidence.signals.pdq.map { "PDQ \($0)" }, evidence.signals.md5.map { "MD5 \($0)" }, evidence.signals.sha256.map { "SHA256 \($0)" }]
                    .compactMap { $0 }
                if !hashes.isEmpty { hashOnly.append(hashes.joined(separator: ", ")) }
                continue
            }
            if let index = files.firstIndex(where: { $0.mediaSHA256 == sha }) {
                // The same file matched twice (two banks): one file, the first classification.
                if files[index].classification == nil { files[index].classification = Self.classification(labels) }
                verified[index] = verified[index] && isVerified
                continue
            }
            files.append(ReportFile(
                evidenceID: evidence.id, mediaSHA256: sha, originalFileName: evidence.fileName, md5: evidence.signals.md5,
                sha256: evidence.signals.sha256 ?? sha, pdq: evidence.signals.pdq, uploadedAt: evidence.addedAt,
                locationOfFile: evidence.sourceURL.flatMap { ReportChecks.isWebURL($0) ? $0 : nil },
                viewedByEsp: try await media.viewedByEsp(sha), publiclyAvailable: nil,
                classification: options.classification ?? Self.classification(labels)))
            verified.append(isVerified)
        }
        guard !files.isEmpty || !hashOnly.isEmpty else {
            throw ReportError.invalid("case \(caseID) has no evidence to report (no kept file and no hashes)")
        }
        var people: [ReportedPerson] = []
        for accountID in detail.case.accountIDs {
            guard let account = try await cases.account(accountID) else { continue }
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

    /// Whether the evidence is a match of this server's own that a bank labelled `verified` holds:
    /// the entry it names is in that match bank, and the file's own signals match it. A provider's
    /// words (PhotoDNA's `Violations`) or a workflow step's classify a file, but never let its
    /// report approve itself.
    static func verifiedMatch(_ evidence: Evidence, banks: [String: Bank], entries: BankService) async throws -> Bool {
        guard evidence.match.provider == "vigil", let name = evidence.match.bank, let bank = banks[name], bank.kind == .match,
              bank.labels.contains("verified"), let id = evidence.match.entryID,
              let entry = try await entries.findEntry(id: id), entry.bankID == bank.id else { return false }
        if let md5 = evidence.signals.md5, md5 == entry.signals.md5 { return true }
        if let sha = evidence.signals.sha256, sha == entry.signals.sha256 { return true }
        if let pdq = evidence.signals.pdq.flatMap({ PDQHash(hex: $0) }), let held = entry.signals.pdq {
            return pdq.distance(to: held) <= bank.pdqThreshold
        }
        return false
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
