import Foundation
import Testing
import Vault
@testable import VigilCommands
import VigilTestSupport

/// The master key's file and environment, read by the command line's side of the vault.
@Suite struct MasterKeyFileTests {
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
}
