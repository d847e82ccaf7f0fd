import Hummingbird

/// The dashboard: server-rendered pages at `/`, for people signed in with a password (or a key
/// given at the sign-in form). Each page is a thin adapter over the same domain services as
/// the API; who may open or press what is `PageAccess`.
struct DashboardRoutes {
    let service: VigilService
    let renderer: PageRenderer

    func register(on router: Router<VigilRequestContext>) {
        let pages = router.group()
            .add(middleware: DashboardSession(service: service))
            .add(middleware: DashboardErrors(renderer: renderer))
            .add(middleware: PageAuthorize(renderer: renderer))
        let kit = PageKit(service: service, renderer: renderer)
        SignInPages(kit: kit).register(on: pages)
        AssetRoutes().register(on: pages)
        HomePage(kit: kit).register(on: pages)
        IntegrationPages(kit: kit).register(on: pages)
        WorkflowPages(kit: kit).register(on: pages)
        CasePages(kit: kit).register(on: pages)
        ReportPages(kit: kit).register(on: pages)
        AccountPages(kit: kit).register(on: pages)
        BankPages(kit: kit).register(on: pages)
        TryPage(kit: kit).register(on: pages)
        LivePages(kit: kit).register(on: pages)
        AdminPages(kit: kit).register(on: pages)
        SettingsPages(kit: kit).register(on: pages)
        DocsPage(kit: kit).register(on: pages)
    }
}

/// What every page needs: the services, the renderer, and the post-redirect-get helpers.
struct PageKit: Sendable {
    let service: VigilService
    let renderer: PageRenderer

    func page(_ template: String, title: String, section: String, data: [String: Any] = [:], status: HTTPResponse.Status = .ok,
              _ request: Request, _ context: VigilRequestContext) -> Response {
        renderer.page(template, title: title, section: section, data: data, status: status, request: request, context: context)
    }

    /// After a successful form: back to a page, with a notice shown there once.
    func done(_ location: String, notice: String, _ request: Request, _ context: VigilRequestContext) -> Response {
        var response = Response.redirect(to: location, type: .normal)
        SessionCookie.flash(notice, on: &response, secure: SessionCookie.isSecure(request, context: context, settings: service.settings))
        return response
    }

    /// A posted form's fields (the CSRF check has already read the body).
    func form(_ request: Request) async throws -> FormFields {
        var request = request
        return FormFields(try await request.collectBody(upTo: FormFields.limit))
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
