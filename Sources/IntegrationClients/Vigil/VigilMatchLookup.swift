import Foundation
import JSONValues
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
        var request = LookupRequest(input: .image(bytes), api: input.isTrial ? .trial : .integration, enhanced: input.enhanced, banks: input.banks)
        request.origin = LookupOrigin(accountReference: input.accountReference, runID: input.runID)
        let outcome = try await lookup.lookup(request)
        func result(_ match: LookupMatch) -> MatchLookupResult.Match {
            MatchLookupResult.Match(source: match.bank.name, violations: match.violations, distance: match.distance, matchID: String(match.entryID))
        }
        let matches = outcome.matches.map(result)
        let suppressed = outcome.suppressed.map { MatchLookupResult.Suppressed(match: result($0.match), by: result($0.by)) }
        let text = JSONValue.object([
            "is_match": .bool(outcome.isMatch),
            "pdq": outcome.pdq.map { .string($0.hex) } ?? .null,
            "matches": .array(outcome.matches.map { match in
                .object(["bank": .string(match.bank.name), "entry_id": .number(Double(match.entryID)),
                         "distance": .number(Double(match.distance)), "signals": .array(match.signals.map { .string($0.rawValue) })])
            }),
        ]).text
        return MatchLookupResult(isMatch: outcome.isMatch, matches: matches, suppressed: suppressed, trackingID: "VGL_" + UUID().uuidString.lowercased(),
                                 statusCode: 3000, statusDescription: "OK", raw: text, examined: bytes)
    }
}
