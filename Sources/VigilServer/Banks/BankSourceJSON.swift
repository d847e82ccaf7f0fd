import Basics
import JSONValues
import Banks
import Foundation

/// A bank's hash-sharing source as the API shows it.
struct BankSourceJSON: Encodable {
    var bank: String
    var kind: String
    var credential: String
    var intervalSeconds: Int
    var remoteBank: String?
    var checkpoint: String?
    var nextRunAt: String
    var lastRunAt: String?
    var lastOutcome: String?

    enum CodingKeys: String, CodingKey {
        case bank, kind, credential, intervalSeconds = "interval_seconds", remoteBank = "remote_bank", checkpoint, nextRunAt = "next_run_at",
             lastRunAt = "last_run_at", lastOutcome = "last_outcome"
    }

    init(bank: String, _ source: BankSource) {
        self.bank = bank
        kind = source.kind.rawValue
        credential = source.credentialID
        intervalSeconds = Int(source.interval)
        remoteBank = source.options["bank"]
        checkpoint = source.checkpoint
        nextRunAt = Timestamp.iso8601(source.nextRunAt)
        lastRunAt = source.lastRunAt.map(Timestamp.iso8601)
        lastOutcome = source.lastOutcome
    }
}

/// `PUT /v1/banks/{name}/source`: `{"kind": "ncmec", "credential": "…", "interval_seconds": 900}`;
/// for `vigil_remote`, `remote_bank` names the other Vigil's bank.
struct BankSourceBody: Decodable {
    var kind: String?
    var credential: String?
    var intervalSeconds: Int?
    var remoteBank: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case kind, credential, intervalSeconds = "interval_seconds", remoteBank = "remote_bank" }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decodeIfPresent(String.self, forKey: .kind)
        credential = try c.decodeIfPresent(String.self, forKey: .credential)
        intervalSeconds = try c.decodeIfPresent(Int.self, forKey: .intervalSeconds)
        remoteBank = try c.decodeIfPresent(String.self, forKey: .remoteBank)
    }
}
