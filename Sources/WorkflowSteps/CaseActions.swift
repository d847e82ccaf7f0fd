public import Cases
import Foundation
public import Reports
public import JSONValues
public import Lookup
public import SafeFetch
public import Workflows

/// `case.create`, `case.add_evidence`, `case.escalate`, `case.assign`, `case.set_status`: a
/// workflow's matches become a case a reviewer decides. Each is safe to run again: a case is
/// opened once per step (its origin key is the step's idempotency key), evidence is added once
/// per step, and a status the case already has is not a failure.
public struct CaseAction: WorkflowAction {
    public let key: String
    let cases: CaseService
    let review: CaseReview
    let accounts: AccountService
    let lookup: LookupService
    let fetcher: SafeURLFetcher

    public init(key: String, cases: CaseService, review: CaseReview, accounts: AccountService, lookup: LookupService, fetcher: SafeURLFetcher) {
        self.key = key
        self.cases = cases
        self.review = review
        self.accounts = accounts
        self.lookup = lookup
        self.fetcher = fetcher
    }

    public static let keys = ["case.create", "case.add_evidence", "case.escalate", "case.assign", "case.set_status"]

    public func perform(_ call: ActionCall) async throws -> JSONValue {
        let actor = "workflow:\(call.workflowID)"
        do {
            switch key {
            case "case.create": return try await create(call, actor: actor)
            case "case.add_evidence":
                let id = try Self.caseID(call)
                let detail = try await cases.detail(id)
                // Added by this step before (a retry after a crash): not twice.
                if !detail.evidence.contains(where: { $0.match.detail.object?["origin"]?.string == call.idempotencyKey }) {
                    _ = try await cases.addEvidence(id, try await evidence(call), actor: actor)
                }
                return Self.output(try await cases.detail(id).case)
            case "case.escalate": return try await decide(call, .escalate, actor: actor)
            case "case.assign": return try await decide(call, .assign(call.text("assignee")), actor: actor)
            case "case.set_status":
                guard let status = call.text("status") else { throw ActionFailure("case.set_status needs a status") }
                return try await decide(call, .setStatus(status), actor: actor)
            default: throw ActionFailure("\(key) is not a case action")
            }
        } catch let error as CaseError {
            switch error {
            case .notFound, .invalid: throw ActionFailure(error.description)
            case let .conflict(_, current): return Self.output(current)
            case .accountConflict, .exposureLimit: throw ActionFailure(error.description)
            }
        }
    }

    func create(_ call: ActionCall, actor: String) async throws -> JSONValue {
        guard let title = call.text("title") else { throw ActionFailure("case.create needs a title") }
        var accountIDs: [Int64] = []
        if let reference = call.text("account_reference_id") {
            accountIDs.append(try await accounts.upsert(NewAccount(referenceID: reference), actor: actor).account.id)
        }
        let priority = try call.text("priority").map { text in
            guard let priority = Priority(rawValue: text) else { throw ActionFailure("priority must be low, normal, high or urgent, not \(text)") }
            return priority
        } ?? .normal
        var fields: [String: JSONValue] = call.inputs["fields"]?.object ?? [:]
        fields["workflow_run"] = .number(Double(call.runID))
        let opened = try await cases.open(NewCase(title: title, template: call.text("template") ?? CaseTemplate.standard.name, priority: priority,
                                                  queue: call.text("queue") ?? "default", assignee: call.text("assignee"), fields: fields,
                                                  accountIDs: accountIDs, evidence: try await evidence(call), originKey: call.idempotencyKey),
                                          actor: actor)
        var output = Self.output(opened.case).object ?? [:]
        output["created"] = .bool(opened.created)
        return .object(output)
    }

    func decide(_ call: ActionCall, _ decision: CaseDecision, actor: String) async throws -> JSONValue {
        // A case already escalated (this step, run again) is a conflict, answered with the case.
        Self.output(try await review.decide(try Self.caseID(call), DecisionRequest(decision: decision, note: call.text("note"), actor: actor)))
    }

    /// One evidence item per match (or one without a match), with the image's signals: given,
    /// or hashed from the image (the one a lookup matched, by `image_sha256`, before a URL).
    func evidence(_ call: ActionCall) async throws -> [NewEvidence] {
        var signals = EvidenceSignals(pdq: call.text("pdq")?.lowercased(), md5: call.text("md5")?.lowercased(), sha256: call.text("sha256")?.lowercased())
        var kept: String?
        let keepImage = call.bool("keep_image") ?? true
        let matched = call.text("image_sha256")?.lowercased()
        let asksForMatched = call.inputs["image_sha256"] != nil
        if (signals.isEmpty || keepImage), asksForMatched || call.text("image_url") != nil || call.text("image") != nil {
            guard matched != nil || !asksForMatched else {
                // Fail closed: the definition asked for the image that matched and there is none;
                // a second fetch of the URL could answer with another image.
                throw ActionFailure("image_sha256 is empty: the match lookup kept no image (it needs keep_image, and with PhotoDNA "
                                    + "value_format Inline); remove image_sha256 to take the evidence from a new fetch of image_url")
            }
            // The bytes a match lookup of this run matched, when it kept them; else the image given.
            let bytes = if let matched { try await call.images.bytes(matched) } else { try await StepImage.bytes(call, fetcher: fetcher) }
            let hashed = try await lookup.hash(bytes)
            // With the image at hand, its own signals are the evidence's, whatever the step says:
            // a kept file and the hashes it is reported and allow-listed by never disagree.
            signals = EvidenceSignals(pdq: hashed.usablePDQ?.hex, md5: hashed.md5, sha256: hashed.sha256)
            // The image itself, encrypted, for the reviewer's preview and reveal.
            if keepImage, let media = cases.media {
                kept = try await media.keep(bytes, sha256: hashed.sha256, contentType: "image/\(hashed.format.rawValue)").sha256
            }
        }
        let provider = call.text("provider") ?? "vigil"
        let matches = call.inputs["matches"]?.array ?? []
        let origin: JSONValue = .string(call.idempotencyKey)
        let items = matches.isEmpty ? [NewEvidence(match: EvidenceMatch(provider: provider, detail: ["origin": origin]), signals: signals)] : matches.map { match in
            let object = match.object ?? [:]
            var detail = object
            detail["origin"] = origin
            // A lookup step's matches name `source` and `match_id`; a match event's (a retroactive
            // match) name `bank` and `entry_id`.
            return NewEvidence(match: EvidenceMatch(provider: provider, bank: provider == "vigil" ? (object["source"] ?? object["bank"])?.string : nil,
                                                    entryID: object["match_id"]?.string.flatMap { Int64($0) } ?? object["entry_id"]?.integer.map(Int64.init),
                                                    distance: object["distance"]?.integer, detail: .object(detail)),
                               signals: signals)
        }
        let source = call.text("image_url")
        return items.map { item in
            var item = item
            item.sourceURL = source
            item.mediaSHA256 = kept
            return item
        }
    }

    static func caseID(_ call: ActionCall) throws -> Int64 {
        guard let value = call.inputs["case_id"], let id = value.integer ?? value.string.flatMap({ Int($0) }), id > 0 else {
            throw ActionFailure("the step needs case_id (a case's id, such as {{ steps.open_case.output.case_id }})")
        }
        return Int64(id)
    }

    static func output(_ item: Case) -> JSONValue {
        .object(["case_id": .number(Double(item.id)), "status": .string(item.status), "version": .number(Double(item.version)),
                 "assignee": item.assignee.map(JSONValue.string) ?? .null])
    }
}

/// `account.upsert`, `account.block`, `account.tag`: the uploading account, found or created by
/// the operator's own id. Blocking an account that is blocked already is not a failure (a step
/// run again after a crash).
public struct AccountAction: WorkflowAction {
    public let key: String
    let accounts: AccountService

    public init(key: String, accounts: AccountService) {
        self.key = key
        self.accounts = accounts
    }

    public static let keys = ["account.upsert", "account.block", "account.tag"]

    public func perform(_ call: ActionCall) async throws -> JSONValue {
        guard let reference = call.text("reference_id") else { throw ActionFailure("\(key) needs reference_id (the platform's own user id)") }
        let actor = "workflow:\(call.workflowID)"
        do {
            let found = try await accounts.upsert(NewAccount(referenceID: reference, screenName: call.text("screen_name"), email: call.text("email")),
                                                  actor: actor)
            var account = found.account
            switch key {
            case "account.block":
                guard let reason = call.text("reason") else { throw ActionFailure("account.block needs a reason") }
                if !account.isBlocked { account = try await accounts.block(account.id, reason: reason, actor: actor) }
            case "account.tag":
                let tags = (call.inputs["tags"]?.array ?? []).compactMap(\.string)
                guard !tags.isEmpty else { throw ActionFailure("account.tag needs tags") }
                account = try await accounts.update(account.id, addTags: tags, actor: actor)
            default:
                break
            }
            return .object(["account_id": .number(Double(account.id)), "status": .string(account.status), "created": .bool(found.created),
                            "tags": .array(account.tags.map(JSONValue.string))])
        } catch let error as CaseError {
            throw ActionFailure(error.description)
        }
    }
}
