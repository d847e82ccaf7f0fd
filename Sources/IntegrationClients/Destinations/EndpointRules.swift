public import Integrations
public import SafeFetch

/// Where credentials may send their secrets, for `CredentialService`: every destination passes the
/// outbound gate's address rules, and a fixed service's credential (NCMEC, PhotoDNA) stays on the
/// service's own origins unless the operator allowed another place: an origin they named with
/// `--integration-endpoint`, or a host in a range they opened with `--fetch-allow` (a local mock).
/// Who may point a credential elsewhere at all (an admin) is `CredentialService`'s rule.
public struct EndpointRules: CredentialDestinations {
    public let gate: OutboundGate
    /// Origins (`https://host[:port]`) the operator lets fixed-service credentials use.
    public let allowedOrigins: Set<String>

    public init(gate: OutboundGate, allowedOrigins: [String] = []) {
        self.gate = gate
        self.allowedOrigins = Set(allowedOrigins.compactMap(Integration.origin(of:)))
    }

    public func check(_ integration: Integration, values: [String: String], resolving: Bool) async throws {
        for (field, url) in integration.destinations(values) {
            try await check(url, field: field, of: integration, resolving: resolving)
        }
    }

    /// One destination: `field` names it in a refusal.
    public func check(_ url: String, field: String, of integration: Integration, resolving: Bool) async throws(DestinationRefused) {
        do {
            _ = try OutboundGate.parse(url)
            // A service's own host is trusted by name (the gate still checks the address it
            // connects to); any other is resolved and its addresses checked first, so a refusal
            // names the address rule when that is what refuses it.
            if resolving, !integration.isServiceOrigin(url) { try await gate.check(url) }
            if integration.isFixedService, !integration.isServiceOrigin(url) {
                let origin = Integration.origin(of: url) ?? url
                if !allowedOrigins.contains(origin), try await !gate.isOperatorAllowed(url) {
                    throw DestinationRefused(field: field, reason: "\(origin) is not one of \(integration.name)'s own hosts "
                                             + "(\(integration.serviceOrigins.joined(separator: ", "))); an operator can allow it with "
                                             + "--integration-endpoint \(origin)")
                }
            }
        } catch let refusal as DestinationRefused {
            throw refusal
        } catch let error as FetchError {
            // The reason may quote the URL, and a URL can hold a token (a chat webhook's path):
            // only its origin is told (the message reaches responses and the audit log).
            throw DestinationRefused(field: field, reason: WebhookURLText.hiding(url, in: error.description))
        } catch {
            throw DestinationRefused(field: field, reason: WebhookURLText.hiding(url, in: String(describing: error)))
        }
    }
}
