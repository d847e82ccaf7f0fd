import BankImport
import Banks
import Foundation
import HummingbirdTesting
import IntegrationClients
import PDQ
@testable import Storage
import Testing
import VigilTestSupport

/// Two organisations share a list without a third party: one Vigil's bank followed by another
/// through its change export, staying in step as entries are added, changed and removed.
@Suite struct VigilRemoteTests {
    /// The follower's bank PARTNER following the origin's TEST_BANK (served on `port`), and the sync
    /// that brings it up to date.
    static func follow(_ origin: ServerFixture, from follower: ServerFixture, port: Int) async throws -> (BankSync, Bank) {
        let credential = try await follower.service.credentials.create(
            integration: "vigil_remote", values: ["nickname": "partner", "endpoint": "http://127.0.0.1:\(port)", "api_key": origin.matcher], mayRedirect: true)
        _ = try await follower.service.banks.createBank(NewBank(name: "PARTNER"))
        _ = try await follower.service.bankSync.setSource(bank: "PARTNER", kind: .vigilRemote, credentialID: credential.id,
                                                          options: ["bank": "TEST_BANK"])
        let sync = BankSync(banks: follower.service.banks, sources: SQLBankSourceStore(database: follower.database),
                            feed: HashSharingFeeds(credentials: follower.service.credentials, gate: follower.service.fetcher.gate, retry: .once))
        return (sync, try await follower.service.banks.bank(named: "PARTNER"))
    }

    @Test func aFollowingVigilStaysInStepWithTheBankItFollows() async throws {
        let origin = try await ServerFixture()
        let follower = try await ServerFixture()
        try await origin.test(.live) { client in
            let port = try #require(client.port)
            let (sync, bank) = try await Self.follow(origin, from: follower, port: port)
            func followed() async throws -> [String: BankEntry] {
                let entries = try await follower.service.banks.entries(of: bank, after: 0, limit: 1000)
                return Dictionary(uniqueKeysWithValues: entries.compactMap { entry in entry.metadata.externalID.map { ($0, entry) } })
            }

            // The first read takes the whole bank.
            let first = try await sync.run(bankID: bank.id)
            #expect(first.summary.added == 2, "\(first.summary)")
            var entries = try await followed()
            let keys = origin.entryIDs.map { "vigil:TEST_BANK:\($0)" }
            #expect(Set(entries.keys) == Set(keys))
            #expect(entries[keys[0]]?.metadata.extra["remote_external_id"] == "case-0")
            #expect(entries[keys[0]]?.metadata.note == nil)

            // On the origin: one entry added, one removed, one annotated (a curator's note stays on its bank).
            var generator = HashGenerator(seed: 31)
            let hash = generator.randomHash()
            let added = try await client.json(.post, "/v1/banks/TEST_BANK/entries", key: origin.curator,
                                              #"{"entries": [{"pdq": "\#(hash.hex)", "external_id": "case-9"}]}"#)
            #expect(added.status == 201 || added.status == 200, "\(added.text)")
            #expect(try await client.call(.delete, "/v1/banks/TEST_BANK/entries/\(origin.entryIDs[0])", key: origin.curator).status == 200)
            let changed = try await client.json(.patch, "/v1/banks/TEST_BANK/entries/\(origin.entryIDs[1])", key: origin.curator,
                                                #"{"note": "reviewed twice"}"#)
            #expect(changed.status == 200, "\(changed.text)")

            let second = try await sync.run(bankID: bank.id)
            #expect(second.summary.added == 1 && second.summary.removed == 1, "\(second.summary)")
            entries = try await followed()
            #expect(entries[keys[0]] == nil)
            #expect(entries.values.contains { $0.signals.pdq == hash && $0.metadata.extra["remote_external_id"] == "case-9" })
            #expect(entries.count == 2)
            // The follower matches what the origin matches, through its own index.
            #expect(follower.service.banks.match(MatchQuery(pdq: [hash])).matches.contains { $0.bank.name == "PARTNER" })

            // Nothing changed: nothing to do.
            let third = try await sync.run(bankID: bank.id)
            #expect(third.summary.added == 0 && third.summary.removed == 0 && third.summary.updated == 0, "\(third.summary)")

            // The export pages a first read, and refuses a follower without a key.
            let page = try await client.call(.get, "/v1/banks/TEST_BANK/changes?limit=1", key: origin.matcher)
            #expect((page.json["entries"] as? [Any])?.count == 1)
            let next = try #require(page.json["next"] as? String)
            #expect(next.contains("snapshot=") && next.contains("after_entry="))
            let rest = try await client.call(.get, next + "&limit=10", key: origin.matcher)
            #expect((rest.json["entries"] as? [Any])?.count == 1 && rest.json["next"] is NSNull, "\(rest.text)")
            #expect(try await client.call(.get, "/v1/banks/TEST_BANK/changes", key: nil).status == 401)

            let wrongKey = try await follower.service.credentials.create(
                integration: "vigil_remote", values: ["nickname": "bad", "endpoint": "http://127.0.0.1:\(port)", "api_key": "vgl_not_a_key"], mayRedirect: true)
            _ = try await follower.service.bankSync.setSource(bank: "PARTNER", kind: .vigilRemote, credentialID: wrongKey.id,
                                                              options: ["bank": "TEST_BANK"])
            await #expect(throws: VigilRemoteFeed.Failure.self) { try await sync.run(bankID: bank.id) }
        }
        await follower.database.close()
    }

    /// The bank a Vigil follows is deleted on the other side (its entries go in batches, each
    /// logging its removals): the follower keeps every entry it synced and its sync fails saying
    /// why, whether it reads while the deletion runs or after — not a share of the entries
    /// withdrawn, as many as the batches it happened to read.
    @Test func aFollowerKeepsWhatItSyncedWhenTheBankItFollowsIsDeleted() async throws {
        let origin = try await ServerFixture()
        let follower = try await ServerFixture()
        try await origin.test(.live) { client in
            let (sync, bank) = try await Self.follow(origin, from: follower, port: try #require(client.port))
            func held() async throws -> Int { try await follower.service.banks.entryCount(of: bank) }
            func failure() async -> String {
                do { _ = try await sync.run(bankID: bank.id); return "the sync succeeded" } catch { return "\(error)" }
            }
            #expect(try await sync.run(bankID: bank.id).summary.added == 2)
            let shared = try await origin.service.banks.entries(ids: origin.entryIDs).compactMap(\.signals.pdq)
            try #require(shared.count == 2)
            func matchesBoth() -> Bool {
                shared.allSatisfy { hash in follower.service.banks.match(MatchQuery(pdq: [hash])).matches.contains { $0.bank.name == "PARTNER" } }
            }
            #expect(matchesBoth())

            // The origin's deletion, stopped after its first batch (one entry, its removal logged).
            let store = SQLBankStore(database: origin.database)
            let end = try #require(origin.entryIDs.max())
            try await store.disableForDeletion(bankID: origin.bank.id)
            let first = try #require(try await store.nextDeletionBatch(ofBank: origin.bank.id, after: 0, through: end, batch: 1))
            try await store.deleteEntries(ofBank: origin.bank.id, after: 0, through: first)
            let export = try await client.call(.get, "/v1/banks/TEST_BANK/changes", key: origin.matcher)
            #expect(export.status == 409 && export.errorMessage?.contains("being deleted") == true, "\(export.text)")
            let enable = try await client.json(.patch, "/v1/banks/TEST_BANK", key: origin.admin, #"{"enabled": true}"#)
            #expect(enable.status == 409 && enable.errorMessage?.contains("being deleted") == true, "\(enable.text)")
            // Nor does it take entries, however they come: refused at once, not by a job later.
            let hash = try #require(shared.first).hex
            let add = try await client.json(.post, "/v1/banks/TEST_BANK/entries", key: origin.curator, #"{"entries": [{"pdq": "\#(hash)"}]}"#)
            #expect(add.status == 409 && add.errorCode == "bank_being_deleted", "\(add.text)")
            let upload = try await client.call(.post, "/v1/banks/TEST_BANK/import", key: origin.curator, contentType: "text/csv",
                                               body: Array("pdq\n\(hash)\n".utf8))
            #expect(upload.status == 409 && upload.errorCode == "bank_being_deleted", "\(upload.text)")
            #expect(try await client.call(.post, "/v1/banks/TEST_BANK/sync", key: origin.curator).status == 409)

            let during = await failure()
            #expect(during.contains("is deleting bank TEST_BANK") && during.contains("kept here"), "\(during)")
            #expect(try await held() == 2 && matchesBoth())

            try await store.deleteBank(id: origin.bank.id)
            let gone = await failure()
            #expect(gone.contains("has no bank TEST_BANK") && gone.contains("kept here"), "\(gone)")
            #expect(try await held() == 2 && matchesBoth())
            let source = try await follower.service.bankSync.source(bank: "PARTNER")
            #expect(source.lastOutcome?.contains("kept here") == true, "the banks page says it: \(source.lastOutcome ?? "nothing")")
        }
        await follower.database.close()
    }

    /// Feedback to the publishing Vigil (issue 31 §2): a follower whose source sends feedback
    /// votes, for each decision on a match of a followed entry, once; the publisher shows the
    /// followers' votes per entry and per bank, one per follower's key.
    @Test func aFollowerSendsItsReviewersVerdictsToThePublisher() async throws {
        let origin = try await ServerFixture()
        let follower = try await ServerFixture()
        try await origin.test(.live) { client in
            let port = try #require(client.port)
            let credential = try await follower.service.credentials.create(
                integration: "vigil_remote", values: ["nickname": "partner", "endpoint": "http://127.0.0.1:\(port)", "api_key": origin.matcher], mayRedirect: true)
            _ = try await follower.service.banks.createBank(NewBank(name: "PARTNER"))
            _ = try await follower.service.bankSync.setSource(bank: "PARTNER", kind: .vigilRemote, credentialID: credential.id,
                                                              options: ["bank": "TEST_BANK"], sendsFeedback: true)
            _ = try await follower.service.bankSync.requestSync(bank: "PARTNER")
            try await follower.runJobs()
            let bank = try await follower.service.banks.bank(named: "PARTNER")
            let taken = try await follower.service.banks.entries(of: bank, after: 0, limit: 10)
            let first = try #require(taken.first { $0.metadata.externalID == "vigil:TEST_BANK:\(origin.entryIDs[0])" })
            try await follower.test { http in
                for decision in ["false_positive", "confirm"] {
                    let id = try await follower.openMatchedCase(bank: "PARTNER", entryID: first.id, image: try Images.demo(0))
                    #expect(try await http.json(.post, "/v1/cases/\(id)/decisions", key: follower.reviewer, #"{"decision":"\#(decision)","version":1}"#).status == 200)
                    try await follower.runJobs()
                }
                try await follower.runJobs()
                let votes = try await follower.service.bankSync.votes(bank: "PARTNER", limit: 10)
                #expect(votes.map(\.state) == [.sent, .sent] && votes.map(\.fingerprint) == ["ENTRY", "ENTRY"], "\(votes)")
            }
            let shown = try await client.call(.get, "/v1/banks/TEST_BANK/entries/\(origin.entryIDs[0])", key: origin.curator)
            let followers = (shown.json["feedback"] as? [String: Any])?["followers"] as? [String: Int]
            #expect(followers == ["confirmations": 1, "false_positives": 0], "one vote per follower, the later replacing the earlier: \(shown.text)")
            // Another follower's key votes beside it; a vote that is neither up nor down is refused in words.
            let other = try await client.json(.post, "/v1/banks/TEST_BANK/entries/\(origin.entryIDs[0])/votes", key: origin.viewer, #"{"vote":"down"}"#)
            #expect(((other.json["feedback"] as? [String: Any])?["followers"] as? [String: Int]) == ["confirmations": 1, "false_positives": 1], "\(other.text)")
            let bad = try await client.json(.post, "/v1/banks/TEST_BANK/entries/\(origin.entryIDs[0])/votes", key: origin.viewer, #"{"vote":"maybe"}"#)
            #expect(bad.status == 400 && bad.errorMessage?.contains("vote must be") == true, "\(bad.text)")
            #expect(try await client.json(.post, "/v1/banks/TEST_BANK/entries/999999/votes", key: origin.viewer, #"{"vote":"up"}"#).status == 404)
        }
    }
}
