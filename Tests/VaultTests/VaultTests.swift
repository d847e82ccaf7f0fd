import Foundation
import Testing
import Vault
import VigilTestSupport

@Suite struct VaultTests {
    let box = SecretBox(master: .generate())

    @Test func aSealedSecretOpensOnlyForItsOwnerUnderItsKey() throws {
        let sealed = try box.seal("sk-live-0123456789", owner: "credential-1")
        #expect(try box.open(sealed, owner: "credential-1") == "sk-live-0123456789")
        // The ciphertext holds no plaintext, and two seals of one secret differ (a nonce each).
        #expect(!String(decoding: sealed.combined, as: UTF8.self).contains("sk-live"))
        #expect(try box.seal("sk-live-0123456789", owner: "credential-1") != sealed)
        #expect(throws: VaultError.cannotOpen) { try box.open(sealed, owner: "credential-2") }
        #expect(throws: VaultError.cannotOpen) { try SecretBox(master: .generate()).open(sealed, owner: "credential-1") }
        var tampered = [UInt8](sealed.combined)
        tampered[tampered.count / 2] ^= 1
        #expect(throws: VaultError.cannotOpen) { try box.open(SealedSecret(combined: Data(tampered)), owner: "credential-1") }
        #expect(SealedSecret(base64: sealed.base64) == sealed)
    }

    @Test func resealingMovesASecretToAnotherKey() throws {
        let next = SecretBox(master: .generate())
        let sealed = try box.seal("password", owner: "c")
        let moved = try box.reseal(sealed, owner: "c", under: next)
        #expect(try next.open(moved, owner: "c") == "password")
        #expect(throws: VaultError.cannotOpen) { try box.open(moved, owner: "c") }
    }

    @Test func theKeyCheckRefusesAnotherMasterKey() throws {
        let check = try KeyCheck.make(box)
        try KeyCheck.verify(check, with: box)
        #expect(throws: VaultError.wrongMasterKey) { try KeyCheck.verify(check, with: SecretBox(master: .generate())) }
    }

    @Test func secretsAreShownMasked() {
        #expect(SecretMask.mask("0123456789abcdef") == "••••cdef")
        #expect(SecretMask.mask("hunter2") == "••••")
        // A password shows nothing of itself, however long (the review of issue 28).
        #expect(SecretMask.mask("correct horse battery staple", field: "password") == "••••")
        #expect(SecretMask.mask("0123456789abcdef", field: "api_key") == "••••cdef")
    }
}
