import Access
public import Hummingbird
public import Logging

/// Builds the router: middleware (access log → metrics → errors → authentication → trace) and every API.
public enum VigilRouter {
    /// - Parameter dashboard: also serve the dashboard's pages at `/` (off for API-only tests
    ///   that check the API's route table).
    public static func build(service: VigilService, accessLogger: Logger, dashboard: Bool = true) -> Router<VigilRequestContext> {
        let router = Router(context: VigilRequestContext.self)
        let routes = RouteTable()
        router.add(middleware: AccessLogMiddleware(logger: accessLogger))
        router.add(middleware: MetricsMiddleware(metrics: service.metrics))
        router.add(middleware: ErrorMiddleware(routes: routes))

        // One group for every API route: authentication by key (or trusted proxy), then
        // `Authorize` looks the matched route up in the route × role matrix (RouteAccess,
        // AccessPolicy). The dashboard is a group of its own, signed in by session cookie.
        let api = router.group()
            .add(middleware: AuthenticationMiddleware(keys: service.keys, trustedProxies: service.settings.trustedProxies,
                                                      proxyRole: service.settings.trustedProxyRole))
            .add(middleware: RequestTracing())
            .add(middleware: Authorize())
        let v1 = api.group("v1")

        // Each route is given the services it uses, and only those.
        let s = service
        let native = Self.native(s)
        let matching = HMAMatchingRoutes(lookup: s.lookup, fetcher: s.fetcher, settings: s.settings, readiness: s.readiness, banks: s.banks)
        OperationsRoutes(hashingPool: s.hashingPool, metrics: s.metrics, readiness: s.readiness, banks: s.banks, readings: s.readings,
                         logger: Logger(label: "vigil.metrics")).register(on: api)
        native.register(on: v1)
        BankRoutes(lookup: s.lookup, settings: s.settings, auditor: s.auditor, banks: s.banks, native: native,
                   uploads: BankImportUpload(jobs: s.jobs, settings: s.settings, hashingPool: s.hashingPool)).register(on: v1)
        BankSourceRoutes(credentials: s.credentials, bankSync: s.bankSync, auditor: s.auditor, banks: s.banks).register(on: v1)
        KeyRoutes(keys: s.keys, auditor: s.auditor).register(on: v1)
        IntegrationRoutes().register(on: v1)
        CredentialRoutes(credentials: s.credentials, auditor: s.auditor).register(on: v1)
        AuditRoutes(audit: s.audit).register(on: v1)
        JobRoutes(jobs: s.jobs).register(on: v1)
        WorkflowRoutes(workflows: s.workflows, triggers: s.triggers, auditor: s.auditor).register(on: v1)
        WorkflowRunRoutes(workflows: s.workflows, settings: s.settings).register(on: v1)
        CaseRoutes(cases: s.cases, review: s.review, settings: s.settings, auditor: s.auditor).register(on: v1)
        EvidenceRoutes(lookup: s.lookup, cases: s.cases, media: s.media, settings: s.settings, auditor: s.auditor).register(on: v1)
        ExposureRoutes(media: s.media, auditor: s.auditor).register(on: v1)
        ScreeningRoutes(screening: s.screening, auditor: s.auditor).register(on: v1)
        AccountRoutes(accounts: s.accounts).register(on: v1)
        EventRoutes(events: s.events, eventFeed: s.eventFeed).register(on: v1)
        WebhookRoutes(jobs: s.jobs, webhooks: s.webhooks, subscribedEvents: s.subscribedEvents, auditor: s.auditor).register(on: v1)
        ReportRoutes(reports: s.reports, auditor: s.auditor).register(on: v1)
        PhotoDNARoutes(lookup: s.lookup, fetcher: s.fetcher, settings: s.settings, readiness: s.readiness).register(on: api)
        matching.register(on: api)
        HMACurationRoutes(lookup: s.lookup, settings: s.settings, banks: s.banks, matching: matching).register(on: api.group("c"))
        HMAExchangeRoutes(jobs: s.jobs, credentials: s.credentials, bankSync: s.bankSync, auditor: s.auditor, banks: s.banks)
            .register(on: api.group("c"))
        if dashboard { DashboardRoutes(service: service, renderer: PageRenderer.shared).register(on: router) }
        routes.load(router)
        return router
    }

    /// The native lookup API, which the bank routes and the dashboard's try page reuse.
    static func native(_ s: VigilService) -> NativeRoutes {
        NativeRoutes(lookup: s.lookup, fetcher: s.fetcher, settings: s.settings, readiness: s.readiness, banks: s.banks)
    }
}
