public import IntegrationClients
public import Cases
public import Integrations
public import Lookup
public import Reports
public import SafeFetch
public import Workflows

/// Every action a workflow step can run in this version of Vigil, for the engine.
public enum WorkflowSteps {
    /// - Parameter links: where chat messages' links lead (the server's `public_url`).
    public static func all(lookup: LookupService, fetcher: SafeURLFetcher, credentials: CredentialService, photoDNA: PhotoDNAClient,
                           cases: CaseService, accounts: AccountService, reports: ReportService,
                           links: DashboardLinks = DashboardLinks(base: nil)) -> [any WorkflowAction] {
        let review = CaseReview(cases: cases, reports: reports)
        return CaseAction.keys.map { CaseAction(key: $0, cases: cases, review: review, accounts: accounts, lookup: lookup, fetcher: fetcher) }
        + AccountAction.keys.map { AccountAction(key: $0, accounts: accounts) } + [
            MatchLookupAction(provider: VigilMatchLookup(lookup: lookup, fetcher: fetcher), credentials: credentials),
            MatchLookupAction(provider: PhotoDNAMatchLookup(client: photoDNA), credentials: credentials),
            HashAction(lookup: lookup, fetcher: fetcher),
            BankAddAction(lookup: lookup, fetcher: fetcher),
            WebhookAction(key: "notify.webhook", credentials: credentials, gate: fetcher.gate),
            WebhookAction(key: "webhook.deliver", credentials: credentials, gate: fetcher.gate),
            ChatAction(credentials: credentials, gate: fetcher.gate, links: links),
            ReportDraftAction(reports: reports),
        ]
    }
}

/// Hides a step's credential secrets from its run history, through the vault.
public struct VaultRedactor: SecretRedactor {
    let credentials: CredentialService

    public init(credentials: CredentialService) { self.credentials = credentials }

    public func redactor(forCredential id: String) async throws -> @Sendable (String) -> String {
        let credential: OpenedCredential
        do {
            credential = try await credentials.open(id: id)
        } catch {
            throw ActionFailure("credential \(id) cannot be opened, so what the step sends and gets could not be kept free of its secrets: \(error)")
        }
        return { credential.redacting($0) }
    }
}
