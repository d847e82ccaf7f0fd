import Banks
import Foundation

/// A bank's hash-sharing source as the API shows it.
struct BankSourceJSON: Encodable {
    var bank: String
    var kind: String
    var credential: String
    var intervalSeconds: Int
    var checkpoint: String?
    var nextRunAt: String
    var lastRunAt: String?
    var lastOutcome: String?

    enum CodingKeys: String, CodingKey {
        case bank, kind, credential, intervalSeconds = "interval_seconds", checkpoint, nextRunAt = "next_run_at",
             lastRunAt = "last_run_at", lastOutcome = "last_outcome"
    }

    init(bank: String, _ source: BankSource) {
        self.bank = bank
        kind = source.kind.rawValue
        credential = source.credentialID
        intervalSeconds = Int(source.interval)
        checkpoint = source.checkpoint.map(ISO8601.string)
        nextRunAt = ISO8601.string(source.nextRunAt)
        lastRunAt = source.lastRunAt.map(ISO8601.string)
        lastOutcome = source.lastOutcome
    }
}

/// `PUT /v1/banks/{name}/source`: `{"kind": "ncmec", "credential": "…", "interval_seconds": 900}`.
struct BankSourceBody: Decodable {
    var kind: String?
    var credential: String?
    var intervalSeconds: Int?

    enum CodingKeys: String, CodingKey { case kind, credential, intervalSeconds = "interval_seconds" }
}
