public import Access
import BankImport
public import Banks
import Cases
import ContentHashing
public import Foundation
public import IntegrationClients
public import Integrations
public import Jobs
public import Logging
import Lookup
import Reports
import Screening
public import SafeFetch
import Events
import Storage
public import VigilServer
public import Workflows
import WorkflowSteps

/// The application of `vigil serve`, and of the tests' server, assembled once: the service the
/// routes work with, the workflow engine, and the handlers of every kind of job.
public struct VigilApplication: Sendable {
    public let service: VigilService
    public let engine: WorkflowEngine
    /// Every kind of job but workflow runs (imports, syncs, deliveries, report calls, the purge).
    public let jobHandlers: [any JobHandler]
    /// Workflow runs, which get workers of their own so that a long import never delays a run.
    public let runHandlers: [any JobHandler]
    private let stores: Stores

    /// What differs between a production process and a test: the clock, the cost of password
    /// hashing, the outbound calls' timeouts, where logs go.
    public struct Options: Sendable {
        public var settings: ServerSettings
        public var clock: @Sendable () -> Date
        public var passwords: any PasswordHasher
        public var importBatchRows: Int
        public var cyberTiplineTimeout: Duration
        public var cyberTiplineUploadTimeout: Duration
        public var logger: @Sendable (String) -> Logger
        /// How long `/metrics` reuses its database readings (see `ThrottledReadings`).
        public var metricsReadingsMaxAge: Duration

        public init(settings: ServerSettings = ServerSettings(), clock: @escaping @Sendable () -> Date = { Date() },
                    passwords: any PasswordHasher = BcryptPasswords(), importBatchRows: Int = 50_000,
                    cyberTiplineTimeout: Duration = .seconds(60), cyberTiplineUploadTimeout: Duration = .seconds(600),
                    logger: @escaping @Sendable (String) -> Logger = { Logger(label: $0) }, metricsReadingsMaxAge: Duration = .seconds(1)) {
            self.settings = settings
            self.clock = clock
            self.passwords = passwords
            self.importBatchRows = importBatchRows
            self.cyberTiplineTimeout = cyberTiplineTimeout
            self.cyberTiplineUploadTimeout = cyberTiplineUploadTimeout
            self.logger = logger
            self.metricsReadingsMaxAge = metricsReadingsMaxAge
        }
    }

    /// Builds every service, the engine and the job handlers over `stores`. `banks` and `keys`
    /// come in built (`Assemble.banks`), as the first start seeds them before the vault opens;
    /// `credentials` is the opened vault.
    public static func assemble(_ stores: Stores, banks: BankService, keys: KeyService, credentials: CredentialService,
                                fetcher: SafeURLFetcher, photoDNA: PhotoDNAClient, options: Options) async throws -> VigilApplication {
        let (settings, clock) = (options.settings, options.clock)
        let metrics = ServerMetrics()
        let jobs = JobQueue(store: stores.jobs)
        let hashing = ImageHashingPool(threads: settings.hashingThreads, queueLimit: settings.hashingQueueLimit,
                                       limits: settings.decodeLimits, budget: DecodeMemoryBudget(capacity: settings.decodeMemoryBytes))
        let media = Assemble.evidence(stores, evidenceKey: try await credentials.evidenceKey(), previews: PoolPreviews(pool: hashing),
                                      policy: settings.preservation, budget: settings.exposure, clock: clock)
        let workflows = Assemble.workflows(stores, jobs: jobs, images: MediaRunImages(media: media), credentials: { try await credentials.list() })
        let triggers = EventTriggers(workflows: workflows, evaluation: ExpressionPool())
        let webhooks = WebhookService(store: stores.webhooks, checkCredential: WebhookCredentialCheck(credentials: credentials, fetcher: fetcher).check,
                                      clock: clock)
        let subscribed = SubscribedEventTypes(webhooks: webhooks, settings: settings)
        let events = EventWiring(stores: stores, jobs: jobs, triggers: triggers, subscribed: subscribed, metrics: metrics, clock: clock)
        // A lookup whose event some live workflow listens for is written too: workflows start
        // from the event table, like every other event.
        let recorder = LookupEventCommitter(committer: events.committer, metrics: metrics) { [recorded = subscribed.recordedLookupEvents] in
            var wanted = recorded.types
            if triggers.wants(EventTypes.lookupCompleted) { wanted.insert(EventTypes.lookupCompleted) }
            return wanted
        }
        let lookup = LookupService(banks: banks, hashing: hashing, metrics: metrics, recorder: recorder,
                                   indexWait: .seconds(settings.indexWaitSeconds))
        let tally = LookupTally(store: stores.tally)
        lookup.observe(isListening: { _ in true }) { event in tally.count(matched: event.isMatch) }
        let entryMatches = EntryMatchTally(banks: banks)
        lookup.observe(isListening: { matched in matched }) { event in
            guard event.api != .trial else { return }
            entryMatches.count(event.matches.map(\.entryID), at: event.at)
        }
        // The guard against overzealous entries: one matching more distinct images in an hour than
        // the limit is quarantined (stored: every replica stops matching it), and the curators told.
        let flood = FloodGuard(limit: settings.floodLimit)
        let quarantines = EntryQuarantines(banks: banks, events: stores.events, clock: clock, logger: options.logger("vigil.quarantine"))
        lookup.observe(isListening: { matched in matched }) { event in
            // Only images Vigil hashed count: hashes a caller sends could be made up to take any entry out.
            guard event.api != .trial, event.hashedAnImage, let image = event.sha256 ?? event.pdq?.hex ?? event.md5 else { return }
            let limits = Dictionary(event.matches.map { ($0.entryID, flood.limit(for: $0.bank)) }, uniquingKeysWith: { first, _ in first })
            for entryID in flood.observe(entries: limits.map { ($0.key, $0.value) }, image: image, at: event.at) {
                let limit = limits[entryID] ?? flood.limit
                Task {
                    do {
                        try await quarantines.quarantine(entryID: entryID, reason: "matched more than \(limit) distinct images within an hour",
                                                         actor: "system:flood-guard", detail: ["limit": .number(Double(limit))])
                    } catch {
                        // Counted again from the next match: a quarantine that failed is tried again.
                        flood.forget(entryID: entryID)
                        quarantines.logger.error("an entry over the flood limit could not be quarantined",
                                                 metadata: ["entry": .stringConvertible(entryID), "error": .string(String(describing: error).prefix(300).description)])
                    }
                }
            }
        }
        // What every lookup screened, for retroactive matching (a draft's test run screens nothing).
        let screening = ScreeningService(store: stores.screened, matcher: RetroactiveMatcher(store: stores.screened, banks: banks, floodLimit: settings.floodLimit, clock: clock,
                                                                                                compute: RetroSearchThreads.runner),
                                         retentionDays: settings.screenedDays, clock: clock)
        lookup.observe(isListening: { _ in screening.isOn }) { event in
            guard event.api != .trial else { return }
            screening.screened(ScreenedSignal(at: event.at, lookupID: event.id.uuidString.lowercased(), api: event.api.rawValue,
                                              caller: event.origin.caller, accountReference: event.origin.accountReference, runID: event.origin.runID,
                                              pdq: event.pdq, pdqQuality: event.pdqQuality, md5: event.md5, sha256: event.sha256,
                                              matchedEntries: event.matches.map(\.entryID)))
        }
        let syncing = Assemble.bankSync(stores, banks: banks, jobs: jobs, credentials: credentials, gate: fetcher.gate)
        let casework = Assemble.casework(stores, banks: banks, media: media, statuses: settings.accountStatuses,
                                         wake: { [doorbell = jobs.doorbell] in doorbell.ring() }, clock: clock,
                                         judged: { [limit = settings.falsePositiveLimit] entryIDs, verdict in
                                             await quarantines.judged(entryIDs, verdict, limit: limit)
                                         })
        Assemble.guardCredentialUsers(credentials, stores: stores, bankSync: syncing.service,
                                      reportSettings: { [reports = casework.reports] in try await reports.settings() })
        let engine = WorkflowEngine(
            store: stores.workflows,
            actions: WorkflowSteps.all(lookup: lookup, fetcher: fetcher, credentials: credentials, photoDNA: photoDNA,
                                       cases: casework.cases, accounts: casework.accounts, reports: casework.reports,
                                       links: DashboardLinks(base: settings.publicURL)),
            secrets: VaultRedactor(credentials: credentials), images: MediaRunImages(media: media), evaluation: ExpressionPool(),
            logger: options.logger("vigil.workflows"),
            observe: { run, status in
                metrics.recordOutcome(.runs, kind: run.trigger.rawValue, outcome: status.rawValue)
                metrics.recordRunDuration(kind: run.trigger.rawValue, duration: .seconds(max(0, Date().timeIntervalSince(run.createdAt))))
            },
            observeStep: { action, outcome, duration in metrics.recordStep(action: action, outcome: outcome, duration: duration) })
        fetcher.gate.observe { purpose, outcome, duration in metrics.recordOutbound(integration: purpose, outcome: outcome, duration: duration) }
        let connection = CyberTiplineConnection(credentials: credentials, gate: fetcher.gate, timeout: options.cyberTiplineTimeout,
                                                uploadTimeout: options.cyberTiplineUploadTimeout)
        let handlers: [any JobHandler] = [
            BankImportJob(banks: banks, hashing: hashing, batchSize: options.importBatchRows),
            BankSyncJob(sync: syncing.sync),
            WebhookDeliveryJob(webhooks: stores.webhooks, events: stores.events, credentials: credentials, fetcher: fetcher,
                               links: DashboardLinks(base: settings.publicURL), clock: clock,
                               observe: { type, outcome in metrics.recordOutcome(.deliveries, kind: type, outcome: outcome) }),
            EvidencePurgeJob(media: media, audit: stores.audit),
            RetroCheckJob(screening: screening),
            ScreenedPurgeJob(screening: screening),
            ListFeedbackJob(votes: stores.listVotes, sources: stores.bankSources,
                            sender: ListFeedbackSenders(credentials: credentials, gate: fetcher.gate), clock: clock),
            ReportCallJob(store: stores.reports, connector: connection, documents: CyberTiplineXML(), cases: casework.cases, media: media, clock: clock,
                          logger: options.logger("vigil.reports")),
        ]
        let runHandlers: [any JobHandler] = [WorkflowRunJob(engine: engine)]
        metrics.declareOutcomes(.jobs, kinds: (handlers + runHandlers).map(\.kind), outcomes: ["succeeded", "failed", "retry", "cancelled"])
        metrics.declareOutcomes(.runs, kinds: RunTrigger.allCases.map(\.rawValue), outcomes: ["succeeded", "failed", "cancelled"])
        let service = VigilService(
            lookup: lookup, hashingPool: hashing, keys: keys, jobs: jobs, fetcher: fetcher, credentials: credentials, bankSync: syncing.service, audit: stores.audit,
            workflows: workflows, triggers: triggers, triggerBell: events.triggerBell, cases: casework.cases, accounts: casework.accounts,
            events: stores.events, eventFeed: events.feed, lookupEvents: events.committer, webhooks: webhooks, media: media,
            reports: casework.reports, review: casework.review, users: UserService(store: stores.users, hasher: options.passwords, clock: clock),
            tally: tally, entryMatches: entryMatches, settings: settings, metrics: metrics,
            subscribedEvents: subscribed, trials: engine, screening: screening,
            readings: ThrottledReadings(StoredReadings(queries: OperationalQueries(database: stores.database), kinds: (handlers + runHandlers).map(\.kind)),
                                        maxAge: options.metricsReadingsMaxAge))

        return VigilApplication(service: service, engine: engine, jobHandlers: handlers, runHandlers: runHandlers,
                                stores: stores)
    }

    /// A worker of the queue for `handlers`, its outcomes counted in the service's metrics.
    public func worker(_ handlers: [any JobHandler], lease: Duration = .seconds(30), logger: Logger) -> JobWorker {
        JobWorker(store: stores.jobs, handlers: handlers, affinity: service.settings.nodeID, lease: lease, logger: logger,
                  observe: { [metrics = service.metrics] kind, outcome in metrics.recordOutcome(.jobs, kind: kind, outcome: outcome.name) })
    }
}
