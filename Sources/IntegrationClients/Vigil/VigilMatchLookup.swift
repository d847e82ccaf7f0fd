import Foundation
public import Integrations
public import Lookup
public import SafeFetch

/// `vigil` `match_lookup`: the built-in banks through the one lookup path, answered in the shape
/// PhotoDNA's is normalised to (status 3000 OK, a match per matched entry with its bank as the
/// source). The image is fetched by Vigil whatever the value format: no third party sees it.
public struct VigilMatchLookup: MatchLookupProvider {
    public let integration = "vigil"
    let lookup: LookupService
    let fetcher: SafeURLFetcher

    public init(lookup: LookupService, fetcher: SafeURLFetcher) {
        self.lookup = lookup
        self.fetcher = fetcher
    }

    public func matchLookup(_ input: MatchLookupInput, credential: OpenedCredential?) async throws -> MatchLookupResult {
        let bytes: [UInt8]
        switch input.image {
        case let .bytes(given): bytes = given
        case let .url(url): bytes = try await fetcher.fetch(url).bytes
        }
        let outcome = try await lookup.lookup(LookupRequest(input: .image(bytes), api: .integration, enhanced: input.enhanced, banks: input.banks))
        func result(_ match: LookupMatch) -> MatchLookupResult.Match {
            MatchLookupResult.Match(source: match.bank.name, violations: match.violations, distance: match.distance, matchID: String(match.entryID))
        }
        let matches = outcome.matches.map(result)
        let suppressed = outcome.suppressed.map { MatchLookupResult.Suppressed(match: result($0.match), by: result($0.by)) }
        let raw: [String: Any] = [
            "is_match": outcome.isMatch,
            "pdq": outcome.pdq?.hex as Any? ?? NSNull(),
            "matches": outcome.matches.map { ["bank": $0.bank.name, "entry_id": $0.entryID, "distance": $0.distance,
                                             "signals": $0.signals.map(\.rawValue)] as [String: Any] },
        ]
        let text = (try? JSONSerialization.data(withJSONObject: raw, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return MatchLookupResult(isMatch: outcome.isMatch, matches: matches, suppressed: suppressed, trackingID: "VGL_" + UUID().uuidString.lowercased(),
                                 statusCode: 3000, statusDescription: "OK", raw: text)
    }
}
