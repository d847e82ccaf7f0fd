import Foundation
import Testing
@testable import VigilServer
import Workflows

/// The run page's words for what a run did and what to do about a failure (issue 30 §2: a
/// failed run says in words what to do).
@Suite struct RunPageTests {
    static func run(_ status: RunStatus, error: String? = nil) -> WorkflowRun {
        WorkflowRun(id: 9, workflowID: "wfl_1", version: 2, status: status, trigger: .api, input: [:], idempotencyKey: nil, rerunOf: nil,
                    error: error, cancelRequested: false, createdAt: Date(), startedAt: Date(), finishedAt: Date(), updatedAt: Date())
    }

    let photoDNA: [Step]

    init() throws {
        photoDNA = try Step.plan([StepDefinition(id: "pdna", name: "PhotoDNA lookup", type: "action", integration: "photodna",
                                                         operation: "match_lookup", credential: "cred_prod", inputs: [:])])
    }

    func failed(_ error: String) -> RunStory {
        RunStory(steps: photoDNA, records: [StepRecord(runID: 9, stepID: "pdna", status: .failed, attempts: 3, input: nil, output: nil,
                                                       error: error, startedAt: Date(), finishedAt: Date(), nextAttemptAt: nil)])
    }

    @Test func aDeletedCredentialNamesItselfAndSaysWhatToDo() {
        let advice = RunStoryText.advice(failed("no credential cred_prod"), run: Self.run(.failed, error: "step pdna failed"), knownCredentials: [])
        #expect(advice == ["The credential cred_prod that step PhotoDNA lookup uses was deleted: choose another in the workflow's step, publish, and run it again."])
        #expect(RunStoryText.text(failed("no credential cred_prod").beats[0]) == "PhotoDNA lookup failed after 3 tries: no credential cred_prod")
    }

    @Test func aServiceThatDidNotAnswerAndAnUnknownFailureEachGetTheirAdvice() {
        let run = Self.run(.failed, error: "step pdna failed")
        #expect(RunStoryText.advice(failed("connection refused by 127.0.0.1:9"), run: run, knownCredentials: ["cred_prod"])
                == ["The service step PhotoDNA lookup calls did not answer: check it is up, then run it again."])
        #expect(RunStoryText.advice(failed("PhotoDNA answered 3208"), run: run, knownCredentials: ["cred_prod"])
                == ["Step PhotoDNA lookup failed: fix what its error says, then run it again."])
        #expect(RunStoryText.advice(failed("x"), run: Self.run(.succeeded), knownCredentials: []).isEmpty, "a run that succeeded needs nothing")
    }

    @Test func eachBeatLinksWhatItTouched() {
        #expect(RunStoryText.link(.caseOpened(caseID: 12, created: true)) == "/cases/12")
        #expect(RunStoryText.link(.account(accountID: 7, reference: "user-42", action: "block", status: "blocked")) == "/accounts/7")
        #expect(RunStoryText.link(.reportDrafted(reportID: 3, caseID: 12, state: "draft")) == "/cases/12#report")
        #expect(RunStoryText.text(.matched(provider: "vigil", [RunStory.Match(source: "VIGIL_DEMO", distance: 4)])) == "Matched VIGIL_DEMO (distance 4)")
    }
}
