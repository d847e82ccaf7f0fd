/// PhotoDNA's Match answer as Microsoft documents it. Only `Status` is required: older answers
/// lack `Violations` and `MatchDistance`, and every other field may be null or missing.
struct PhotoDNAMatchResponse: Decodable, Sendable {
    struct Status: Decodable, Sendable {
        var code: Int
        var description: String?
        var exception: String?

        enum CodingKeys: String, CodingKey { case code = "Code", description = "Description", exception = "Exception" }
    }

    struct KeyValue: Decodable, Sendable {
        var key: String?
        var value: String?

        enum CodingKeys: String, CodingKey { case key = "Key", value = "Value" }
    }

    struct MatchFlag: Decodable, Sendable {
        var advancedInfo: [KeyValue]?
        var source: String?
        var violations: [String]?
        var matchDistance: Int?

        enum CodingKeys: String, CodingKey {
            case advancedInfo = "AdvancedInfo", source = "Source", violations = "Violations", matchDistance = "MatchDistance"
        }

        /// The source's id of the matching signature (`AdvancedInfo` `MatchId`).
        var matchID: String? { advancedInfo?.first { $0.key?.caseInsensitiveCompare("MatchId") == .orderedSame }?.value }
    }

    struct MatchDetails: Decodable, Sendable {
        var advancedInfo: [KeyValue]?
        var matchFlags: [MatchFlag]?

        enum CodingKeys: String, CodingKey { case advancedInfo = "AdvancedInfo", matchFlags = "MatchFlags" }
    }

    struct Evaluation: Decodable, Sendable {
        var adultClassificationScore: Double?
        var isImageAdultClassified: Bool?
        var racyClassificationScore: Double?
        var isImageRacyClassified: Bool?
        var result: Bool?

        enum CodingKeys: String, CodingKey {
            case adultClassificationScore = "AdultClassificationScore", isImageAdultClassified = "IsImageAdultClassified"
            case racyClassificationScore = "RacyClassificationScore", isImageRacyClassified = "IsImageRacyClassified", result = "Result"
        }
    }

    var status: Status
    var contentID: String?
    var isMatch: Bool?
    var matchDetails: MatchDetails?
    var partnerCustomerID: String?
    var trackingID: String?
    var evaluateResponse: Evaluation?

    enum CodingKeys: String, CodingKey {
        case status = "Status", contentID = "ContentId", isMatch = "IsMatch", matchDetails = "MatchDetails"
        case partnerCustomerID = "XPartnerCustomerId", trackingID = "TrackingId", evaluateResponse = "EvaluateResponse"
    }
}

import Foundation
