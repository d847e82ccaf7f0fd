public import Banks
public import Integrations

/// The check `BankSyncService` runs before it saves a source: the credential exists and is one of
/// the kind's integration, and a list of the source's own (NCMEC's `endpoint` option) passes the
/// rules the credential's endpoint does.
public enum SourceDestinations {
    public static func check(_ credentials: CredentialService) -> BankSyncService.SourceCheck {
        { kind, credentialID, options in
            let credential = try await credentials.find(credentialID)
            guard credential.integration == kind.integration else {
                throw BankError.invalid("credential \(credentialID) is a \(credential.integration) credential; a \(kind.rawValue) source needs a \(kind.integration) one")
            }
            let endpoint = options["endpoint"].flatMap { $0.isEmpty ? nil : ["endpoint": $0] } ?? [:]
            try await credentials.checkDestinations(ofCredential: credentialID, overriding: endpoint)
        }
    }
}
