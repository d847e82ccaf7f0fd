import Foundation
public import Integrations

/// Where an NCMEC credential's calls go: the environment's base URL for the service, or the
/// credential's own `endpoint` (another of NCMEC's lists, or a local mock).
public enum NCMECService: Sendable {
    case cyberTipline
    case hashSharing

    /// NCMEC's published base URLs (ncmec.md §1.1 and §2).
    func base(production: Bool) -> String {
        switch (self, production) {
        case (.cyberTipline, true): "https://report.cybertip.org/ispws"
        case (.cyberTipline, false): "https://exttest.cybertip.org/ispws"
        case (.hashSharing, true): "https://report.cybertip.org/hashsharing"
        case (.hashSharing, false): "https://exttest.cybertip.org/hashsharing"
        }
    }

    /// The base URL (no trailing slash) and the HTTP Basic `Authorization` value of a credential
    /// (opened with a bank source's own list as its `endpoint`, where it has one).
    public func target(_ credential: OpenedCredential) throws -> (base: String, authorization: String) {
        var base = credential.values["endpoint"].flatMap { $0.isEmpty ? nil : $0 }
            ?? self.base(production: credential.values["environment"] == "production")
        while base.hasSuffix("/") { base.removeLast() }
        let user = credential.values["username"] ?? ""
        let password = try credential.secret("password")
        return (base, "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
    }
}
