public import Foundation
import JSONValues

/// What a run did, in the order it happened, as a reviewer reads it: "matched VIGIL_DEMO
/// (distance 4) → case #12 opened → user-42 blocked → report #3 drafted". Told from the run's
/// version (which step is which action) and its step records (what each did); the dashboard's run
/// page puts it in words and links. A step the run never reached is left out.
public struct RunStory: Sendable, Equatable {
    public enum Beat: Sendable, Equatable {
        /// A match lookup found these (`source`: a bank, or PhotoDNA's source).
        case matched(provider: String, [Match])
        case noMatch(provider: String)
        /// A conditional chose a branch ("none": no branch held and there is no else).
        case branched(step: String, branch: String)
        case caseOpened(caseID: Int64, created: Bool)
        case caseChanged(caseID: Int64, action: String, status: String?)
        case account(accountID: Int64?, reference: String?, action: String, status: String?)
        case reportDrafted(reportID: Int64, caseID: Int64?, state: String?)
        case notified(status: Int?)
        case addedToBank(bank: String?, added: Bool)
        /// Any other action that succeeded.
        case done(step: String, action: String)
        case failed(step: String, action: String?, error: String, attempts: Int, credential: String?)
        case retrying(step: String, error: String, next: Date?)
        case running(step: String)
    }

    public struct Match: Sendable, Equatable {
        public let source: String
        public let distance: Int?

        public init(source: String, distance: Int?) {
            self.source = source
            self.distance = distance
        }
    }

    public let beats: [Beat]
    /// Every step's name as its author wrote it, by id (a step without one is named by its id).
    public let names: [String: String]

    public init(steps: [Step], records: [StepRecord]) {
        names = Dictionary(steps.flatMap(\.allSteps).map { ($0.id, $0.name ?? $0.id) }, uniquingKeysWith: { first, _ in first })
        let byID = Dictionary(records.map { ($0.stepID, $0) }, uniquingKeysWith: { _, last in last })
        var beats: [Beat] = []
        func tell(_ steps: [Step]) {
            for step in steps {
                guard let record = byID[step.id] else { continue }
                switch step.kind {
                case let .action(action):
                    beats.append(Self.beat(step, action, record))
                case let .conditional(branches, otherwise):
                    guard let chosen = record.output?.object?["branch"]?.string else {
                        if let beat = Self.unfinished(step, nil, record) { beats.append(beat) }
                        continue
                    }
                    if let index = Int(chosen), branches.indices.contains(index) {
                        beats.append(.branched(step: step.name ?? step.id, branch: branches[index].name ?? "branch \(index + 1)"))
                        tell(branches[index].steps)
                    } else if chosen == "else" {
                        beats.append(.branched(step: step.name ?? step.id, branch: "else"))
                        tell(otherwise ?? [])
                    } else {
                        beats.append(.branched(step: step.name ?? step.id, branch: "none"))
                    }
                case let .parallel(branches):
                    for branch in branches { tell(branch.steps) }
                    if record.status == .failed, let beat = Self.unfinished(step, nil, record) { beats.append(beat) }
                }
            }
        }
        tell(steps)
        self.beats = beats
    }

    private static func unfinished(_ step: Step, _ action: Step.Action?, _ record: StepRecord) -> Beat? {
        let name = step.name ?? step.id
        switch record.status {
        case .failed: return .failed(step: name, action: action?.key, error: record.error ?? "no reason recorded", attempts: record.attempts,
                                     credential: action?.credential)
        case .retrying: return .retrying(step: name, error: record.error ?? "", next: record.nextAttemptAt)
        case .running: return .running(step: name)
        case .succeeded: return nil
        }
    }

    private static func beat(_ step: Step, _ action: Step.Action, _ record: StepRecord) -> Beat {
        if let beat = unfinished(step, action, record) { return beat }
        let output = record.output?.object ?? [:]
        let input = record.input?.object ?? [:]
        func integer(_ value: JSONValue?) -> Int64? { value?.number.flatMap { Int64(exactly: $0) } }
        let provider = action.integration ?? String(action.key.prefix { $0 != "." })
        switch action.key {
        case let key where key.hasSuffix(".match_lookup"):
            let matches = (output["matches"]?.array ?? []).compactMap { match -> Match? in
                guard let fields = match.object else { return nil }
                return Match(source: fields["source"]?.string ?? provider, distance: integer(fields["distance"]).map(Int.init))
            }
            return output["is_match"]?.bool == true ? .matched(provider: provider, matches) : .noMatch(provider: provider)
        case "case.create":
            guard let id = integer(output["case_id"]) else { return .done(step: step.name ?? step.id, action: action.key) }
            return .caseOpened(caseID: id, created: output["created"]?.bool ?? true)
        case let key where key.hasPrefix("case."):
            guard let id = integer(output["case_id"]) else { return .done(step: step.name ?? step.id, action: action.key) }
            return .caseChanged(caseID: id, action: String(key.dropFirst("case.".count)), status: output["status"]?.string)
        case let key where key.hasPrefix("account."):
            return .account(accountID: integer(output["account_id"]), reference: input["reference_id"]?.string,
                            action: String(key.dropFirst("account.".count)), status: output["status"]?.string)
        case "report.draft":
            guard let id = integer(output["report_id"]) else { return .done(step: step.name ?? step.id, action: action.key) }
            return .reportDrafted(reportID: id, caseID: integer(input["case_id"]), state: output["state"]?.string)
        case "notify.webhook", "notify.chat":
            return .notified(status: integer(output["status"]).map(Int.init))
        case "bank.add":
            return .addedToBank(bank: input["bank"]?.string, added: output["added"]?.bool ?? false)
        default:
            return .done(step: step.name ?? step.id, action: action.key)
        }
    }
}
