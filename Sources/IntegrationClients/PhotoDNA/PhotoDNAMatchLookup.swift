public import Integrations

/// `photodna` `match_lookup`: the PhotoDNA client with the step's credential.
public struct PhotoDNAMatchLookup: MatchLookupProvider {
    public let integration = "photodna"
    let client: PhotoDNAClient

    public init(client: PhotoDNAClient) { self.client = client }

    public func matchLookup(_ input: MatchLookupInput, credential: OpenedCredential?) async throws -> MatchLookupResult {
        guard let credential else { throw PhotoDNAError.invalidCredential("match_lookup needs a photodna credential") }
        // Inline: Vigil fetches the image and sends those bytes, which are then what matched.
        let image: PhotoDNAClient.Request.Image
        var examined: [UInt8]?
        switch (input.valueFormat, input.image) {
        case let (.url, .url(url)): image = .url(url)
        case let (.inline, .url(url)):
            // A FetchError goes through as it is: the step retries a slow or failing origin.
            let bytes = try await client.fetcher.fetch(url).bytes
            (image, examined) = (.inline(bytes), bytes)
        case let (_, .bytes(bytes)): (image, examined) = (.inline(bytes), bytes)
        }
        var result = try await client.match(PhotoDNAClient.Request(image: image, enhanced: input.enhanced), with: credential).result
        result.examined = examined
        return result
    }
}
