import Foundation
import Hummingbird
import Integrations

/// `/v1/integrations`: the catalogue, as declared (credential fields and operations with their
/// input and output fields). Dashboards and workflow editors build their forms from it.
struct IntegrationRoutes {
    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.get("integrations") { _, _ in try JSONText.response(["integrations": Integrations.catalogue.map(IntegrationJSON.init)]) }
        routes.get("integrations/{id}") { _, context in
            let id = try context.parameters.require("id")
            guard let integration = Integrations.integration(id) else { throw APIError.notFound("no integration \"\(id)\"") }
            return try JSONText.response(IntegrationJSON(integration: integration))
        }
    }
}
