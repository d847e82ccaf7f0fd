public import BankImport
public import Banks
public import Cases
public import Foundation
import IntegrationClients
public import Integrations
public import Jobs
public import Reports
public import SafeFetch
import Storage
public import Vault
public import Workflows

/// How each service is built from the stores, written once: `vigil serve` (`VigilApplication`),
/// every command and the tests' server build them here, so a rule wired between two services
/// (deleting a bank a live workflow names is refused) holds wherever they are used.
public enum Assemble {
    /// Whether a process keeps the match index: a server loads it and follows the change log; a
    /// lookup from the command line loads it once; other commands only write the change log.
    public enum Index: Sendable {
        case following(updates: BankService.IndexUpdateRunner)
        case loadedOnce
        case none
    }

    /// The bank service. Deleting a bank that a live workflow names is refused unless forced:
    /// one click must not break screening.
    public static func banks(_ stores: Stores, index: Index) -> BankService {
        let banks: BankService
        switch index {
        case let .following(updates): banks = BankService(store: stores.banks, index: MatchIndex(), indexUpdates: updates)
        case .loadedOnce: banks = BankService(store: stores.banks, index: MatchIndex(), maintainsIndex: true)
        case .none: banks = BankService(store: stores.banks, index: MatchIndex(), maintainsIndex: false)
        }
        let usage = WorkflowUsage(store: stores.workflows)
        banks.checkUsers { bank in try await usage.users(ofBank: bank.name) }
        return banks
    }

    /// The bank sync: the service that saves sources and queues syncs, and the sync job's work
    /// (the lists read through the outbound gate with the vault's credentials).
    public struct BankSyncing: Sendable {
        public let service: BankSyncService
        public let sync: BankSync
    }

    public static func bankSync(_ stores: Stores, banks: BankService, jobs: JobQueue, credentials: CredentialService,
                                gate: OutboundGate) -> BankSyncing {
        BankSyncing(service: BankSyncService(banks: banks, sources: stores.bankSources, votes: stores.listVotes, jobs: jobs,
                                              checkSource: SourceDestinations.check(credentials)),
                    sync: BankSync(banks: banks, sources: stores.bankSources, feed: HashSharingFeeds(credentials: credentials, gate: gate)))
    }

    /// Deleting a credential that something uses is refused unless forced: the live workflows
    /// that name it, reporting, the banks that follow a list with it, the webhook subscriptions.
    public static func guardCredentialUsers(_ credentials: CredentialService, stores: Stores, bankSync: BankSyncService,
                                            reportSettings: @escaping @Sendable () async throws -> ReportingSettings) {
        let users = CredentialUsers(
            workflows: WorkflowUsage(store: stores.workflows), reportSettings: reportSettings,
            bankSources: { try await bankSync.followedBanks().map { ($0.bank.name, $0.source.credentialID) } },
            webhookSubscriptions: { [webhooks = stores.webhooks] in try await webhooks.subscriptions() },
            integration: { id in try await credentials.show(id: id).integration })
        credentials.checkUsers { id in try await users.users(of: id) }
    }

    /// Evidence: sealed in the database with the vault's evidence key.
    public static func evidence(_ stores: Stores, evidenceKey: DataKey, previews: any PreviewMaker,
                                policy: PreservationPolicy = PreservationPolicy(), budget: ExposureBudget = ExposureBudget(),
                                clock: @escaping @Sendable () -> Date = { Date() }) -> EvidenceMediaService {
        EvidenceMediaService(store: stores.media, files: SQLMediaBlobs(database: stores.database, key: evidenceKey), previews: previews,
                             policy: policy, budget: budget, clock: clock)
    }

    /// Cases, accounts, reports and the decisions that tie them.
    public struct Casework: Sendable {
        public let cases: CaseService
        public let accounts: AccountService
        public let reports: ReportService
        public let review: CaseReview
    }

    /// `wake` rings the job queue when a report's call is queued.
    public static func casework(_ stores: Stores, banks: BankService, media: EvidenceMediaService,
                                statuses: AccountStatuses = AccountStatuses(), wake: @escaping @Sendable () -> Void = {},
                                clock: @escaping @Sendable () -> Date = { Date() }, judged: CaseService.EntriesJudged? = nil) -> Casework {
        let cases = CaseService(store: stores.cases, banks: banks, media: media, clock: clock, judged: judged)
        let reports = ReportService(store: stores.reports, documents: CyberTiplineXML(), cases: cases, media: media, banks: banks, wake: wake, clock: clock)
        return Casework(cases: cases, accounts: AccountService(store: stores.cases, statuses: statuses, clock: clock), reports: reports,
                        review: CaseReview(cases: cases, reports: reports))
    }

    /// Workflows. `credentials` lists the stored credentials' integrations, for the checks a
    /// definition's steps need (a command that only lists runs never opens the vault).
    public static func workflows(_ stores: Stores, jobs: JobQueue, images: any RunImages = NoRunImages(),
                                 credentials: @escaping @Sendable () async throws -> [CredentialView]) -> WorkflowService {
        WorkflowService(store: stores.workflows, jobs: jobs, images: images, credentials: {
            Dictionary(try await credentials().map { ($0.id, $0.integration) }, uniquingKeysWith: { first, _ in first })
        })
    }
}
