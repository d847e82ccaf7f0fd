import Foundation

/// Makes one real call with a credential and says, in words, whether it works. Each integration
/// that takes a credential has one; the adapters that speak its protocol provide it.
public protocol CredentialProbe: Sendable {
    /// The integration whose credentials this probe tests (`photodna`, …).
    var integration: String { get }
    /// Never throws: a refused key or an unreachable service is an outcome to report.
    func probe(_ credential: OpenedCredential) async -> CredentialTestResult
}

/// What testing a credential found.
public struct CredentialTestResult: Sendable, Equatable {
    /// Whether the provider accepted the credential and answered as it should.
    public var ok: Bool
    /// One sentence for a person: what was called and what came back.
    public var summary: String
    /// Facts of the call, such as the provider's status code or tracking id.
    public var details: [String: String]
    /// How long the call took.
    public var elapsed: Duration

    public init(ok: Bool, summary: String, details: [String: String] = [:], elapsed: Duration = .zero) {
        self.ok = ok
        self.summary = summary
        self.details = details
        self.elapsed = elapsed
    }

    /// The same result with every occurrence of a secret replaced, should a provider echo one.
    func scrubbing(_ secrets: [String]) -> CredentialTestResult {
        func scrub(_ text: String) -> String { SecretScrub.scrub(text, secrets: secrets) }
        var copy = self
        copy.summary = scrub(summary)
        copy.details = details.mapValues(scrub)
        return copy
    }
}

/// Replaces secrets in text meant for people (a short secret of under 4 characters is left: it
/// would blot out ordinary words and give nothing away).
enum SecretScrub {
    static func scrub(_ text: String, secrets: [String]) -> String {
        secrets.filter { $0.count >= 4 }.reduce(text) { $0.replacingOccurrences(of: $1, with: "••••") }
    }
}
