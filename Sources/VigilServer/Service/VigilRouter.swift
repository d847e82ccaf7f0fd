import Access
public import Hummingbird
public import Logging

/// Builds the router: middleware (access log → metrics → errors → authentication) and every API.
public enum VigilRouter {
    public static func build(service: VigilService, accessLogger: Logger) -> Router<VigilRequestContext> {
        let router = Router(context: VigilRequestContext.self)
        let routes = RouteTable()
        router.add(middleware: AccessLogMiddleware(logger: accessLogger))
        router.add(middleware: MetricsMiddleware(metrics: service.metrics))
        router.add(middleware: ErrorMiddleware(routes: routes))
        router.add(middleware: AuthenticationMiddleware(
            keys: service.keys, trustedProxies: service.settings.trustedProxies,
            proxyRole: service.settings.trustedProxyRole))

        let matcher = router.group().add(middleware: RequireRole(required: .matcher))
        let curator = router.group().add(middleware: RequireRole(required: .curator))
        let admin = router.group("v1").add(middleware: RequireRole(required: .admin))

        OperationsRoutes(service: service).register(on: router, matcher: matcher)
        NativeRoutes(service: service).register(on: matcher.group("v1"))
        BankRoutes(service: service).register(reads: matcher.group("v1"), writes: curator.group("v1"))
        BankSourceRoutes(service: service).register(reads: matcher.group("v1"), writes: curator.group("v1"), admin: admin)
        KeyRoutes(service: service).register(on: admin)
        IntegrationRoutes().register(on: matcher.group("v1"))
        CredentialRoutes(service: service).register(on: admin)
        AuditRoutes(service: service).register(on: admin)
        JobRoutes(service: service).register(reads: matcher.group("v1"), writes: curator.group("v1"))
        WorkflowRoutes(service: service).register(reads: curator.group("v1"), admin: admin)
        WorkflowRunRoutes(service: service).register(on: curator.group("v1"))
        PhotoDNARoutes(service: service).register(on: matcher)
        HMAMatchingRoutes(service: service).register(on: matcher)
        HMACurationRoutes(service: service).register(reads: matcher.group("c"), writes: curator.group("c"))
        HMAExchangeRoutes(service: service).register(reads: matcher.group("c"), writes: curator.group("c"),
                                                     admin: router.group("c").add(middleware: RequireRole(required: .admin)))
        routes.load(router)
        return router
    }
}
