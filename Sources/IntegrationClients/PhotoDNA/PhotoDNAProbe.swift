import Basics
public import Integrations

/// Tests a PhotoDNA credential with one real Match: a small benign image sent inline, so the
/// test needs no URL that the service can reach. It expects 3000 and no match.
public struct PhotoDNAProbe: CredentialProbe {
    public let integration = "photodna"
    let client: PhotoDNAClient
    let image: [UInt8]

    /// - Parameter image: a benign picture of at least 160×160 pixels (PhotoDNA's minimum).
    public init(client: PhotoDNAClient, image: [UInt8]) {
        self.client = client
        self.image = image
    }

    public func probe(_ credential: OpenedCredential) async -> CredentialTestResult {
        let start = ContinuousClock.now
        do {
            let answer = try await client.match(PhotoDNAClient.Request(image: .inline(image)), with: credential, retry: .once)
            let elapsed = start.duration(to: .now)
            var details = ["status_code": String(answer.result.statusCode)]
            if let tracking = answer.result.trackingID { details["tracking_id"] = tracking }
            let verdict = answer.result.isMatch
                ? "but it matched the benign test image, which it should not"
                : "no match for the benign test image, as expected"
            return CredentialTestResult(ok: true, summary: "PhotoDNA answered \(answer.result.statusCode) \(answer.result.statusDescription) in \(elapsed.wholeMilliseconds) ms: the subscription key works (\(verdict)).",
                                        details: details, elapsed: elapsed)
        } catch {
            var details: [String: String] = [:]
            if case let .status(code, _, _, tracking) = error {
                details["status_code"] = String(code)
                if let tracking { details["tracking_id"] = tracking }
            }
            return CredentialTestResult(ok: false, summary: error.description.prefix(1).uppercased() + error.description.dropFirst() + ".",
                                        details: details, elapsed: start.duration(to: .now))
        }
    }
}
