import BankImport
import Banks
import Cases
import Composition
import Events
import Foundation
import Reports
import Storage
import Screening
import Testing
import VigilTestSupport
import Workflows

/// The application is assembled in one place (`Composition`): what `vigil serve` runs is what
/// the tests' server runs, and the commands build their services with the same wiring.
@Suite struct CompositionTests {
    /// Every kind of job something enqueues has a handler in the assembled application, with
    /// workflow runs on workers of their own: a kind without one would wait in the queue forever.
    @Test func everyJobKindHasItsHandler() async throws {
        let fixture = try await ServerFixture()
        let application = fixture.assembled
        let general = Set(application.jobHandlers.map(\.kind))
        #expect(general == [BankImportJob.kind, BankSyncService.jobKind, WebhookDelivery.jobKind, EvidencePurgeJob.jobKind,
                            ReportCallJob.jobKind, RetroCheckJob.jobKind, ScreenedPurgeJob.jobKind, ListFeedbackJob.jobKind])
        #expect(application.runHandlers.map(\.kind) == [WorkflowService.jobKind])
        await fixture.database.close()
    }

    /// The bank service a command builds refuses, like the server's, to delete a bank a live
    /// workflow names.
    @Test func aCommandsBankServiceKeepsABankALiveWorkflowUses() async throws {
        let fixture = try await ServerFixture()
        var definition = WorkflowLibrary.screenUploadedImage()
        definition.steps.append(StepDefinition(id: "keep", type: "action", action: "bank.add", inputs: ["bank": "TEST_BANK", "image_url": "{{ trigger.image_url }}"]))
        let workflow = try await fixture.service.workflows.create(definition)
        _ = try await fixture.service.workflows.publish(workflow.name, by: "test")
        let commandBanks = Assemble.banks(Stores(fixture.database), index: .none)
        await #expect(throws: BankError.self) { try await commandBanks.deleteBank(named: "TEST_BANK") }
        #expect(try await commandBanks.bank(named: "TEST_BANK").name == "TEST_BANK")
        await fixture.database.close()
    }
}
