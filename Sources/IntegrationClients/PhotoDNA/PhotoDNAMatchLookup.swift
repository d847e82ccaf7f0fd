public import Integrations

/// `photodna` `match_lookup`: the PhotoDNA client with the step's credential.
public struct PhotoDNAMatchLookup: MatchLookupProvider {
    public let integration = "photodna"
    let client: PhotoDNAClient

    public init(client: PhotoDNAClient) { self.client = client }

    public func matchLookup(_ input: MatchLookupInput, credential: OpenedCredential?) async throws -> MatchLookupResult {
        guard let credential else { throw PhotoDNAError.invalidCredential("match_lookup needs a photodna credential") }
        let image: PhotoDNAClient.Request.Image
        switch (input.valueFormat, input.image) {
        case let (.url, .url(url)): image = .url(url)
        case let (.inline, .url(url)): image = .inlineFromURL(url)
        case let (_, .bytes(bytes)): image = .inline(bytes)
        }
        return try await client.match(PhotoDNAClient.Request(image: image, enhanced: input.enhanced), with: credential).result
    }
}
