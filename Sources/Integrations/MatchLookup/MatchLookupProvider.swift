/// What a `match_lookup` operation is asked, the same for every provider.
public struct MatchLookupInput: Sendable {
    public enum ValueFormat: String, Sendable {
        /// The provider fetches the image from its URL (PhotoDNA: the service does).
        case url = "URL"
        /// The image itself is sent (fetched by Vigil when only a URL is given).
        case inline = "Inline"
    }

    public enum Image: Sendable {
        case url(String)
        case bytes([UInt8])
    }

    public var image: Image
    public var valueFormat: ValueFormat
    /// Also match mirrored and rotated copies.
    public var enhanced: Bool
    /// Only these banks (the built-in provider; nil: every enabled bank).
    public var banks: [String]?

    /// A workflow draft's test run: the lookup is recorded as one (`trial`), not as a live run's.
    public var isTrial = false
    /// The run whose step looks the image up, and the account it came from (kept with what the
    /// built-in banks screened, for retroactive matching).
    public var runID: Int64?
    public var accountReference: String?

    public init(image: Image, valueFormat: ValueFormat = .url, enhanced: Bool = false, banks: [String]? = nil, isTrial: Bool = false) {
        self.isTrial = isTrial
        self.image = image
        self.valueFormat = valueFormat
        self.enhanced = enhanced
        self.banks = banks
    }
}

/// A provider of the `match_lookup` operation: PhotoDNA with a credential, or the built-in banks
/// without one. Both answer a `MatchLookupResult`, so a workflow switches provider by changing
/// the integration it names.
public protocol MatchLookupProvider: Sendable {
    /// The integration this provider implements (`photodna`, `vigil`).
    var integration: String { get }
    func matchLookup(_ input: MatchLookupInput, credential: OpenedCredential?) async throws -> MatchLookupResult
}
