import Foundation
@testable import Integrations
import Storage
import Testing
import Vault
import VigilTestSupport

/// Pacing, retry backoff, and what a credential test may show.
@Suite struct CallPolicyTests {
    @Test func aPacerHandsOutOneSlotPerIntervalInArrivalOrder() {
        let pacer = RequestPacer(ratePerSecond: 4)
        let start = ContinuousClock.now
        let slots = (0..<4).map { _ in pacer.reserve(now: start) }
        #expect(slots == [start, start + .milliseconds(250), start + .milliseconds(500), start + .milliseconds(750)])
        // Idle past its last slot, the pacer lets the next call go at once.
        let later = start + .seconds(5)
        #expect(pacer.reserve(now: later) == later)
        // A provider's Retry-After holds back every caller.
        pacer.holdUntil(later + .seconds(2))
        #expect(pacer.reserve(now: later + .milliseconds(1)) == later + .seconds(2))
    }

    @Test func oneCredentialSharesOnePacerUntilItsRateChanges() {
        let pacers = RequestPacers()
        let first = pacers.pacer(for: "c1", ratePerSecond: 5)
        #expect(pacers.pacer(for: "c1", ratePerSecond: 5) === first)
        #expect(pacers.pacer(for: "c2", ratePerSecond: 5) !== first)
        #expect(pacers.pacer(for: "c1", ratePerSecond: 9).ratePerSecond == 9)
    }

    @Test func backoffDoublesWithJitterAndIsCapped() {
        let policy = RetryPolicy(attempts: 5, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        #expect(policy.backoff(after: 1, random: 1) == .milliseconds(100))
        #expect(policy.backoff(after: 1, random: 0) == .milliseconds(50))
        #expect(policy.backoff(after: 3, random: 1) == .milliseconds(400))
        #expect(policy.backoff(after: 10, random: 1) == .seconds(1))
        for attempt in 1...8 {
            let delay = policy.backoff(after: attempt)
            #expect(delay >= .milliseconds(50) && delay <= .seconds(1))
        }
        #expect(RetryPolicy(attempts: 0).attempts == 1)
    }

    /// A provider that echoes the secret back (in an error page, say) does not get it shown.
    struct EchoingProbe: CredentialProbe {
        let integration = "photodna"
        func probe(_ credential: OpenedCredential) async -> CredentialTestResult {
            let key = (try? credential.secret("subscription_key")) ?? ""
            return CredentialTestResult(ok: false, summary: "bad key \(key)", details: ["echo": key])
        }
    }

    @Test func aTestResultNeverShowsTheSecretAndAnOpenedCredentialNeverPrintsIt() async throws {
        let db = try TestDatabase.make(.sqlite)
        let database = try await VigilDatabase.open(db.location)
        defer { Task { await database.close() } }
        let service = CredentialService(store: SQLCredentialStore(database: database), box: SecretBox(master: .generate()),
                                        destinations: Destinations(), probes: [EchoingProbe()])
        try await service.verifyMasterKey()
        let secret = "sk-echoed-secret-9911"
        let view = try await service.create(integration: "photodna", values: ["nickname": "p", "subscription_key": secret], mayRedirect: false)
        let result = try await service.test(id: view.id)
        #expect(result.summary == "bad key ••••" && result.details["echo"] == "••••")

        let opened = try await service.open(id: view.id)
        #expect(try opened.secret("subscription_key") == secret)
        for text in ["\(opened)", String(reflecting: opened), "\(Mirror(reflecting: opened).children.map(\.value))"] {
            #expect(!text.contains(secret), "\(text)")
        }
        let webhook = try await service.create(integration: "webhook", values: ["nickname": "w", "url": "https://hooks.example/x",
                                                                                "signing_secret": "whsec-abcdef"], mayRedirect: false)
        await #expect(throws: CredentialService.Failure.self) { try await service.test(id: webhook.id) }
        await #expect(throws: CredentialService.Failure.notFound("nope")) { try await service.test(id: "nope") }
    }
}
