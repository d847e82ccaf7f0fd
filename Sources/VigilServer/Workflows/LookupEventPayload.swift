import Basics
import Banks
import Foundation
import JSONValues
import Lookup

/// A lookup event as a workflow's trigger payload, field for field as `EventCatalog` declares it.
enum LookupEventPayload {
    static func entry(_ match: LookupMatch) -> [String: JSONValue] {
        ["bank": .string(match.bank.name), "entry_id": .number(Double(match.entryID)), "distance": .number(Double(match.distance)),
         "signals": .array(match.signals.map { .string($0.rawValue) })]
    }

    static func payload(_ event: LookupEvent, type: String) -> JSONValue {
        .object([
            "event_id": .string(event.id.uuidString.lowercased()),
            "type": .string(type),
            "at": .string(Timestamp.iso8601(event.at)),
            "api": .string(event.api.rawValue),
            "is_match": .bool(event.isMatch),
            "pdq": event.pdq.map { .string($0.hex) } ?? .null,
            "md5": event.md5.map(JSONValue.string) ?? .null,
            "sha256": event.sha256.map(JSONValue.string) ?? .null,
            "matches": .array(event.matches.map { .object(entry($0)) }),
            "suppressed": .array(event.suppressed.map { item in
                var object = entry(item.match)
                object["suppressed_by"] = .object(entry(item.by))
                return .object(object)
            }),
            "suppressed_count": .number(Double(event.suppressed.count)),
            // The account the caller named, as a match found later carries it too.
            "account_reference_id": event.origin.accountReference.map(JSONValue.string) ?? .null,
        ])
    }
}
