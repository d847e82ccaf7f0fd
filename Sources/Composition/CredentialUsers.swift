public import Events
import Integrations
public import Reports
public import Workflows

/// What uses a credential, in words, asked before it is deleted — by the server and by
/// `vigil credentials delete` alike. Deleting one breaks what uses it, and deleting then
/// re-creating one is a way to put one's own account in its place: the live workflows that name
/// it, the report settings (and, while they name none, every CyberTipline credential, as
/// reporting then takes the only one there is), the banks that follow a list with it, and the
/// webhook subscriptions that post with it.
public struct CredentialUsers: Sendable {
    let workflows: WorkflowUsage
    let reportSettings: @Sendable () async throws -> ReportingSettings
    /// Each followed bank's name and the credential its list is read with.
    let bankSources: @Sendable () async throws -> [(bank: String, credentialID: String)]
    let webhookSubscriptions: @Sendable () async throws -> [WebhookSubscription]
    let integration: @Sendable (_ credentialID: String) async throws -> String

    public init(workflows: WorkflowUsage, reportSettings: @escaping @Sendable () async throws -> ReportingSettings,
                bankSources: @escaping @Sendable () async throws -> [(bank: String, credentialID: String)],
                webhookSubscriptions: @escaping @Sendable () async throws -> [WebhookSubscription],
                integration: @escaping @Sendable (String) async throws -> String) {
        self.workflows = workflows
        self.reportSettings = reportSettings
        self.bankSources = bankSources
        self.webhookSubscriptions = webhookSubscriptions
        self.integration = integration
    }

    public func users(of id: String) async throws -> [String] {
        var users = try await workflows.users(ofCredential: id)
        let settings = try await reportSettings()
        if settings.credentialID == id {
            users.append("the report settings")
        } else if settings.credentialID == nil, try await integration(id) == Integrations.ncmecCyberTipline.id {
            users.append("reporting to NCMEC (the report settings name no credential, so reports use the only CyberTipline credential)")
        }
        for source in try await bankSources() where source.credentialID == id { users.append("bank \(source.bank)'s list") }
        for subscription in try await webhookSubscriptions() where subscription.credentialID == id {
            users.append("webhook subscription \(subscription.id)")
        }
        return users
    }
}
