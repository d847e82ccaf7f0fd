import Hummingbird

/// The dashboard: server-rendered pages at `/`, for people signed in with a password (or a key
/// given at the sign-in form). Each page is a thin adapter over the same domain services as
/// the API; who may open or press what is `PageAccess`.
struct DashboardRoutes {
    let service: VigilService
    let renderer: PageRenderer

    func register(on router: Router<VigilRequestContext>) {
        let pages = router.group()
            .add(middleware: DashboardSession(keys: service.keys, users: service.users))
            .add(middleware: RefusedFormRedirect(users: service.users))
            .add(middleware: DashboardErrors(renderer: renderer))
            .add(middleware: PageAuthorize(renderer: renderer))
        // Each page is given the services it uses, and only those.
        let s = service
        let kit = PageKit(settings: s.settings, renderer: renderer)
        let native = VigilRouter.native(s)
        let uploads = BankImportUpload(jobs: s.jobs, settings: s.settings, hashingPool: s.hashingPool)
        let cases = CasePages(kit: kit, cases: s.cases, accounts: s.accounts, users: s.users, media: s.media, reports: s.reports, review: s.review,
                              auditor: s.auditor, banks: s.banks)
        SignInPages(kit: kit, keys: s.keys, audit: s.audit, users: s.users, settings: s.settings).register(on: pages)
        AssetRoutes().register(on: pages)
        HomePage(kit: kit, jobs: s.jobs, workflows: s.workflows, cases: s.cases, webhooks: s.webhooks, reports: s.reports, tally: s.tally)
            .register(on: pages)
        IntegrationPages(kit: kit, credentials: s.credentials, users: s.users, auditor: s.auditor).register(on: pages)
        WorkflowPages(kit: kit, credentials: s.credentials, workflows: s.workflows, trials: s.trials, auditor: s.auditor).register(on: pages)
        cases.register(on: pages)
        ReportPages(kit: kit, reports: s.reports, cases: cases).register(on: pages)
        AccountPages(kit: kit, cases: s.cases, accounts: s.accounts, settings: s.settings).register(on: pages)
        BankPages(kit: kit, lookup: s.lookup, jobs: s.jobs, bankSync: s.bankSync, settings: s.settings, banks: s.banks,
                  uploads: uploads, auditor: s.auditor).register(on: pages)
        TryPage(kit: kit, hashingPool: s.hashingPool, fetcher: s.fetcher, settings: s.settings, native: native).register(on: pages)
        LivePages(events: s.events, eventFeed: s.eventFeed).register(on: pages)
        AdminPages(kit: kit, keys: s.keys, audit: s.audit, users: s.users, auditor: s.auditor, media: s.media, cases: s.cases).register(on: pages)
        SettingsPages(kit: kit, credentials: s.credentials, reports: s.reports, users: s.users, auditor: s.auditor)
            .register(on: pages)
        DocsPage(kit: kit).register(on: pages)
        RefusedPages(kit: kit, users: s.users).register(on: pages)
    }
}

/// What every page needs: the services, the renderer, and the post-redirect-get helpers.
struct PageKit: Sendable {
    let settings: ServerSettings
    let renderer: PageRenderer

    func page(_ template: String, title: String, section: String, data: [String: Any] = [:], status: HTTPResponse.Status = .ok,
              _ request: Request, _ context: VigilRequestContext) -> Response {
        renderer.page(template, title: title, section: section, data: data, status: status, request: request, context: context)
    }

    /// After a successful form: back to a page, with a notice shown there once.
    func done(_ location: String, notice: String, _ request: Request, _ context: VigilRequestContext) -> Response {
        var response = Response.redirect(to: location, type: .normal)
        SessionCookie.flash(notice, on: &response, secure: SessionCookie.isSecure(request, context: context, settings: settings))
        return response
    }

    /// A posted form's fields (the CSRF check has already read the body).
    func form(_ request: Request) async throws -> FormFields {
        var request = request
        return FormFields(try await request.collectForm())
    }
}

/// Errors thrown by a page become an HTML page with the right status and the reason in words,
/// never the API's JSON; anything unexpected is a 500 that names the request id.
struct DashboardErrors: RouterMiddleware {
    typealias Context = VigilRequestContext
    let renderer: PageRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            if let known = APIError.from(error) {
                return renderer.problem(known.status, known.message, request: request, context: context)
            }
            if let http = error as? HTTPError {
                return renderer.problem(http.status, http.body ?? http.status.reasonPhrase, request: request, context: context)
            }
            context.logger.error("dashboard page failed", metadata: [
                "request_id": .string(context.requestID), "error": .string(String(describing: error).prefix(500).description),
            ])
            return renderer.problem(.internalServerError, "Something went wrong (request \(context.requestID)).", request: request, context: context)
        }
    }
}
