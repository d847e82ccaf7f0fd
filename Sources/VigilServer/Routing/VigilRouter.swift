import Access
public import Hummingbird
public import Logging

/// Builds the router: middleware (access log → metrics → errors → authentication) and every API.
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
            .add(middleware: Authorize())
        let v1 = api.group("v1")

        OperationsRoutes(service: service).register(on: api)
        NativeRoutes(service: service).register(on: v1)
        BankRoutes(service: service).register(on: v1)
        BankSourceRoutes(service: service).register(on: v1)
        KeyRoutes(service: service).register(on: v1)
        IntegrationRoutes().register(on: v1)
        CredentialRoutes(service: service).register(on: v1)
        AuditRoutes(service: service).register(on: v1)
        JobRoutes(service: service).register(on: v1)
        WorkflowRoutes(service: service).register(on: v1)
        WorkflowRunRoutes(service: service).register(on: v1)
        CaseRoutes(service: service).register(on: v1)
        EvidenceRoutes(service: service).register(on: v1)
        AccountRoutes(service: service).register(on: v1)
        EventRoutes(service: service).register(on: v1)
        WebhookRoutes(service: service).register(on: v1)
        ReportRoutes(service: service).register(on: v1)
        PhotoDNARoutes(service: service).register(on: api)
        HMAMatchingRoutes(service: service).register(on: api)
        HMACurationRoutes(service: service).register(on: api.group("c"))
        HMAExchangeRoutes(service: service).register(on: api.group("c"))
        if dashboard { DashboardRoutes(service: service, renderer: PageRenderer.shared).register(on: router) }
        routes.load(router)
        return router
    }
}
