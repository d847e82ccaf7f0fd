import Basics
import JSONValues
import Foundation
import Integrations

/// A credential as the API shows it: plain values, secrets masked (`••••` and at most the last
/// four characters).
struct CredentialJSON: Encodable {
    var id: String
    var integration: String
    var nickname: String
    var values: [String: String]
    var secrets: [String: String]
    var createdAt: String
    var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, integration, nickname, values, secrets, createdAt = "created_at", updatedAt = "updated_at"
    }

    init(_ view: CredentialView) {
        id = view.id
        integration = view.integration
        nickname = view.values["nickname"] ?? view.id
        values = view.values
        secrets = view.secrets
        createdAt = Timestamp.iso8601(view.createdAt)
        updatedAt = Timestamp.iso8601(view.updatedAt)
    }
}

/// What testing a credential found: `ok`, a sentence, the call's facts and its duration.
struct CredentialTestJSON: Encodable {
    var credential: String
    var ok: Bool
    var summary: String
    var details: [String: String]
    var elapsedMs: Int64
    var testedAt: String

    enum CodingKeys: String, CodingKey { case credential, ok, summary, details, elapsedMs = "elapsed_ms", testedAt = "tested_at" }

    init(credential: String, _ result: CredentialTestResult, at time: Date = Date()) {
        self.credential = credential
        ok = result.ok
        summary = result.summary
        details = result.details
        elapsedMs = result.elapsed.wholeMilliseconds
        testedAt = Timestamp.iso8601(time)
    }
}

/// `{"integration": "photodna", "values": {"nickname": "…", "subscription_key": "…"}}`; values
/// may be JSON strings, numbers or booleans.
struct CredentialBody: Decodable {
    var integration: String?
    var values: [String: JSONValue]

    func textValues() throws -> [String: String] {
        try values.mapValues { value in
            switch value {
            case let .string(text): return text
            case let .bool(flag): return flag ? "true" : "false"
            case let .number(number):
                return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
            default: throw APIError.badRequest("credential values must be strings, numbers or booleans", code: "invalid_credential")
            }
        }
    }
}
