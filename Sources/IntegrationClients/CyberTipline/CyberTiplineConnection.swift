import AsyncHTTPClient
public import SafeFetch
import Foundation
public import Integrations
import Logging
public import Reports

/// Opens the CyberTipline of an `ncmec_cybertipline` credential from the vault: its
/// environment's base URL (or its own endpoint, such as `vigil mock ncmec-cybertipline`) and
/// its user and password. With no credential named, the only one there is.
public struct CyberTiplineConnection: CyberTiplineConnector {
    let credentials: CredentialService
    let gate: OutboundGate
    let timeout: Duration
    /// Uploads carry whole files: they get longer.
    let uploadTimeout: Duration

    public init(credentials: CredentialService, gate: OutboundGate, timeout: Duration = .seconds(60),
                uploadTimeout: Duration = .seconds(600)) {
        self.credentials = credentials
        self.gate = gate
        self.timeout = timeout
        self.uploadTimeout = uploadTimeout
    }

    public func connect(credentialID: String?) async throws -> any CyberTipline {
        let id: String
        if let credentialID {
            id = credentialID
        } else {
            let all = try await credentials.list().filter { $0.integration == Integrations.ncmecCyberTipline.id }
            guard all.count == 1, let only = all.first else {
                throw ReportError.invalid(all.isEmpty
                    ? "there is no ncmec_cybertipline credential: add one (vigil credentials add ncmec_cybertipline …)"
                    : "there are \(all.count) ncmec_cybertipline credentials: name one as credential_id in the report settings")
            }
            id = only.id
        }
        let credential = try await credentials.open(id: id)
        guard credential.integration == Integrations.ncmecCyberTipline.id else {
            throw ReportError.invalid("credential \(id) is a \(credential.integration) credential, not ncmec_cybertipline")
        }
        let (base, authorization) = try NCMECService.cyberTipline.target(credential)
        return CyberTiplineClient(base: base, authorization: authorization, gate: gate, timeout: timeout, uploadTimeout: uploadTimeout)
    }
}
