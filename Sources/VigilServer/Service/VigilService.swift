import ImageSignals
public import Access
public import Banks
public import Cases
public import Events
public import Lookup
public import Reports
public import Screening
public import Jobs
public import ContentHashing
import Foundation
import Hummingbird
public import Integrations
import Logging
public import SafeFetch
public import Workflows

/// Every service `vigil serve` runs, built once by the composition module (`Composition`),
/// which alone knows how they are put together. The router hands each route the few services it
/// uses; no route or page sees this whole set.
public final class VigilService: Sendable {
    public let lookup: LookupService
    /// The threads that decode and hash images (the lookup path's `ImageHashing`): imports,
    /// evidence previews and the metrics use the pool itself.
    public let hashingPool: ImageHashingPool
    public let keys: KeyService
    public let jobs: JobQueue
    public let fetcher: SafeURLFetcher
    public let credentials: CredentialService
    public let bankSync: BankSyncService
    public let audit: any AuditLog
    public let workflows: WorkflowService
    /// The live event-triggered workflows; `EventTableTriggers` starts their runs from the event table.
    public let triggers: EventTriggers
    /// Rung whenever the event feed reads new events: `EventTableTriggers` reads them at once.
    public let triggerBell: Doorbell
    public let cases: CaseService
    public let accounts: AccountService
    public let events: any EventStore
    /// Follows the event table for this process's SSE streams.
    public let eventFeed: EventFeed
    /// Commits lookup events (every match) before their lookups answer, in groups.
    public let lookupEvents: EventGroupCommit
    public let webhooks: WebhookService
    /// Evidence files: encrypted, previewed, revealed on request, preserved and purged.
    public let media: EvidenceMediaService
    public let reports: ReportService
    /// Decisions on cases, with what they mean for the case's reports.
    public let review: CaseReview
    /// People who sign in to the dashboard, and their sessions.
    public let users: UserService
    /// Lookups and matches per hour, for the dashboard's charts; flushed by `vigil serve`.
    public let tally: LookupTally
    /// Each entry's matches, counted as lookups make them and written every few seconds.
    public let entryMatches: EntryMatchTally
    /// What lookups screened, and the retroactive check of entries added since.
    public let screening: ScreeningService
    public let settings: ServerSettings
    public let metrics: ServerMetrics
    /// What the metrics read from the database at each scrape.
    public let readings: any OperationalReadings
    /// Whether the index has loaded, and how far it follows the change log.
    public let readiness: IndexReadiness
    /// What the webhook subscriptions want (read again every few seconds by `vigil serve`).
    public let subscribedEvents: SubscribedEventTypes
    /// Writes the routes' administrative actions to the audit log.
    public let auditor: Auditor
    /// Tries a workflow's draft without side effects (the engine, which performs steps).
    public let trials: any WorkflowTrials

    public var banks: BankService { lookup.banks }
    /// Where workflow runs' images are kept, for the engine that reads them back.
    public var runImages: any RunImages { MediaRunImages(media: media) }

    package init(lookup: LookupService, hashingPool: ImageHashingPool, keys: KeyService, jobs: JobQueue, fetcher: SafeURLFetcher, credentials: CredentialService,
                 bankSync: BankSyncService, audit: any AuditLog, workflows: WorkflowService, triggers: EventTriggers, triggerBell: Doorbell,
                 cases: CaseService, accounts: AccountService, events: any EventStore, eventFeed: EventFeed, lookupEvents: EventGroupCommit,
                 webhooks: WebhookService, media: EvidenceMediaService, reports: ReportService, review: CaseReview, users: UserService,
                 tally: LookupTally, entryMatches: EntryMatchTally, settings: ServerSettings, metrics: ServerMetrics, subscribedEvents: SubscribedEventTypes,
                 trials: any WorkflowTrials, screening: ScreeningService, readings: any OperationalReadings) {
        self.trials = trials
        self.readings = readings
        self.screening = screening
        self.lookup = lookup
        self.hashingPool = hashingPool
        self.keys = keys
        self.jobs = jobs
        self.fetcher = fetcher
        self.credentials = credentials
        self.bankSync = bankSync
        self.audit = audit
        self.workflows = workflows
        self.triggers = triggers
        self.triggerBell = triggerBell
        self.cases = cases
        self.accounts = accounts
        self.events = events
        self.eventFeed = eventFeed
        self.lookupEvents = lookupEvents
        self.webhooks = webhooks
        self.media = media
        self.reports = reports
        self.review = review
        self.users = users
        self.tally = tally
        self.entryMatches = entryMatches
        self.settings = settings
        self.metrics = metrics
        self.subscribedEvents = subscribedEvents
        readiness = IndexReadiness(lookup: lookup)
        auditor = Auditor(log: audit)
    }
}
