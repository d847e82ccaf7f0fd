import Banks
import ContentHashing
import Foundation
import Hummingbird
import Lookup
import ImageCodecs
import NIOCore
import SafeFetch

/// PhotoDNA's Match response, field for field (null fields written as null, as the service does).
struct PhotoDNAResponse: Encodable {
    struct MatchFlag {
        var matchID: String
        var source: String
        var violations: [String]
        var distance: Int
    }

    var status: PhotoDNARoutes.Status
    var exception: String?
    var isMatch: Bool
    var flags: [MatchFlag]?
    var trackingID: String

    enum Keys: String, CodingKey {
        case Status, Code, Description, Exception, ContentId, IsMatch, MatchDetails, AdvancedInfo, MatchFlags, Source, Violations,
             MatchDistance, XPartnerCustomerId, TrackingId, EvaluateResponse, Key, Value
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        var s = c.nestedContainer(keyedBy: Keys.self, forKey: .Status)
        try s.encode(status.rawValue, forKey: .Code)
        try s.encode(status.description, forKey: .Description)
        try s.encode(exception, forKey: .Exception)
        try c.encode(String?.none, forKey: .ContentId)
        try c.encode(isMatch, forKey: .IsMatch)
        if let flags {
            var details = c.nestedContainer(keyedBy: Keys.self, forKey: .MatchDetails)
            _ = details.nestedUnkeyedContainer(forKey: .AdvancedInfo)
            var list = details.nestedUnkeyedContainer(forKey: .MatchFlags)
            for flag in flags {
                var f = list.nestedContainer(keyedBy: Keys.self)
                var info = f.nestedUnkeyedContainer(forKey: .AdvancedInfo)
                var pair = info.nestedContainer(keyedBy: Keys.self)
                try pair.encode("MatchId", forKey: .Key)
                try pair.encode(flag.matchID, forKey: .Value)
                try f.encode(flag.source, forKey: .Source)
                try f.encode(flag.violations, forKey: .Violations)
                try f.encode(flag.distance, forKey: .MatchDistance)
            }
        } else {
            try c.encodeNil(forKey: .MatchDetails)
        }
        try c.encode(String?.none, forKey: .XPartnerCustomerId)
        try c.encode(trackingID, forKey: .TrackingId)
        try c.encodeNil(forKey: .EvaluateResponse)
    }
}
