import Banks
import Events
import Integrations
import Reports
import Workflows

/// What uses a credential, in words, asked before it is deleted. Deleting one breaks what uses
/// it, and deleting then re-creating one is a way to put one's own account in its place: the
/// live workflows that name it, the report settings (and, while they name none, every
/// CyberTipline credential, as reporting then takes the only one there is), the banks that
/// follow a list with it, and the webhook subscriptions that post with it.
struct CredentialUsers: Sendable {
    let workflows: WorkflowService
    let reports: ReportService
    let bankSync: BankSyncService
    let webhooks: WebhookService
    let credentials: CredentialService

    func users(of id: String) async throws -> [String] {
        var users = try await workflows.liveUsers(ofCredential: id)
        let settings = try await reports.settings()
        if settings.credentialID == id {
            users.append("the report settings")
        } else if settings.credentialID == nil, try await credentials.show(id: id).integration == Integrations.ncmecCyberTipline.id {
            users.append("reporting to NCMEC (the report settings name no credential, so reports use the only CyberTipline credential)")
        }
        for (bank, source) in try await bankSync.followedBanks() where source.credentialID == id { users.append("bank \(bank.name)'s list") }
        for subscription in try await webhooks.list() where subscription.credentialID == id {
            users.append("webhook subscription \(subscription.id)")
        }
        return users
    }
}
