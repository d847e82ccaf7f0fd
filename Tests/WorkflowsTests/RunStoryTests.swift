import Foundation
import JSONValues
import Testing
import Workflows

/// A run's story, told from its version's steps and its records: what a reviewer reads first on
/// the run page (issue 30: `is_match` used to hide inside raw JSON).
@Suite struct RunStoryTests {
    let steps: [Step]

    init() throws { steps = try Step.plan(WorkflowLibrary.screenUploadedImage().steps) }

    static func record(_ id: String, _ status: StepStatus = .succeeded, input: JSONValue? = nil, output: JSONValue? = nil, error: String? = nil,
                       attempts: Int = 1) -> StepRecord {
        StepRecord(runID: 1, stepID: id, status: status, attempts: attempts, input: input, output: output, error: error, startedAt: Date(),
                   finishedAt: status == .succeeded || status == .failed ? Date() : nil, nextAttemptAt: nil)
    }

    @Test func aMatchTellsEveryStepItTookInOrder() throws {
        let story = RunStory(steps: steps, records: [
            Self.record("lookup", output: ["is_match": true, "matches": [["source": "VIGIL_DEMO", "distance": 4]]]),
            Self.record("decide", output: ["branch": "0"]),
            Self.record("open_case", output: ["case_id": 12, "created": true, "status": "open"]),
            Self.record("account_named", output: ["branch": "0"]),
            Self.record("block_account", input: ["reference_id": "user-42"], output: ["account_id": 7, "status": "blocked"]),
            Self.record("draft_report", input: ["case_id": 12], output: ["report_id": 3, "state": "draft"]),
        ].filter { record in steps.flatMap(\.allSteps).contains { $0.id == record.stepID } })
        let beats = story.beats.filter { if case .branched = $0 { false } else { true } }
        #expect(beats.first == .matched(provider: "vigil", [RunStory.Match(source: "VIGIL_DEMO", distance: 4)]), "\(story.beats)")
        #expect(beats.contains(.caseOpened(caseID: 12, created: true)))
        #expect(beats.contains(.account(accountID: 7, reference: "user-42", action: "block", status: "blocked")))
        #expect(beats.contains(.reportDrafted(reportID: 3, caseID: 12, state: "draft")))
        let order = story.beats.compactMap { beat -> String? in
            switch beat {
            case .matched: "match"
            case .caseOpened: "case"
            case .account: "account"
            case .reportDrafted: "report"
            default: nil
            }
        }
        #expect(order == ["match", "case", "account", "report"], "told in the order the run took them")
    }

    @Test func noMatchTakesTheElseAndStepsNeverReachedAreLeftOut() {
        let story = RunStory(steps: steps, records: [
            Self.record("lookup", output: ["is_match": false, "matches": []]),
            Self.record("decide", output: ["branch": "else"]),
        ])
        #expect(story.beats.first == .noMatch(provider: "vigil"))
        #expect(!story.beats.contains { if case .caseOpened = $0 { true } else { false } })
    }

    @Test func aFailedStepSaysWhyAndWhichCredentialItUsed() throws {
        let photoDNA = try Step.plan([StepDefinition(id: "photodna", name: "PhotoDNA lookup", type: "action", integration: "photodna",
                                                     operation: "match_lookup", credential: "cred_gone", inputs: [:])])
        let story = RunStory(steps: photoDNA, records: [Self.record("photodna", .failed, error: "no credential cred_gone", attempts: 3)])
        #expect(story.beats == [.failed(step: "PhotoDNA lookup", action: "photodna.match_lookup", error: "no credential cred_gone", attempts: 3,
                                        credential: "cred_gone")])
    }
}
