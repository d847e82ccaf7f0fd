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

    /// The first start creates the key file, readable by its owner only; later starts read the
    /// same key; VIGIL_MASTER_KEY wins over the file; a malformed key names where it came from.
    @Test func theMasterKeyComesFromTheEnvironmentOrAKeyFile() throws {
        let dir = try TemporaryDirectory()
        let file = dir.url.appendingPathComponent("keys/master.key")
        let (created, wasCreated) = try MasterKey.load(environment: [:], keyFile: file)
        #expect(wasCreated)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? NSNumber)
        #expect(mode.intValue & 0o777 == 0o600)
        let (again, createdAgain) = try MasterKey.load(environment: [:], keyFile: file)
        #expect(!createdAgain && again.base64 == created.base64)

        let other = MasterKey.generate()
        #expect(try MasterKey.load(environment: ["VIGIL_MASTER_KEY": other.base64], keyFile: file).key.base64 == other.base64)
        #expect {
            try MasterKey.load(environment: ["VIGIL_MASTER_KEY": "c2hvcnQ="], keyFile: file)
        } throws: { error in
            (error as? VaultError)?.description.contains("VIGIL_MASTER_KEY") == true && "\(error)".contains("5 bytes")
        }
        let bad = try dir.file("bad.key", Array("not base64!".utf8))
        #expect(throws: VaultError.malformedMasterKey("\(bad.path): it is not base64")) { try MasterKey.load(environment: [:], keyFile: bad) }
    }

    @Test func secretsAreShownMasked() {
        #expect(SecretMask.mask("0123456789abcdef") == "••••cdef")
        #expect(SecretMask.mask("hunter2") == "••••")
        // A password shows nothing of itself, however long (the review of issue 28).
        #expect(SecretMask.mask("correct horse battery staple", field: "password") == "••••")
        #expect(SecretMask.mask("0123456789abcdef", field: "api_key") == "••••cdef")
    }
}
