import Foundation
import Integrations
import Storage
import Vault
#if canImport(Glibc)
import Glibc
#endif

/// The credential vault as a command opens it: the master key from `VIGIL_MASTER_KEY` or
/// DATA_DIR/master.key, checked against the stored check value before anything needs a secret,
/// and master-key rotation.
///
/// A rotation with the key file writes the new key to `master.key.next` first, re-seals every
/// secret in one transaction, then renames the new file over `master.key`. A crash between the
/// commit and the rename leaves secrets that the next file opens: the next open that finds the
/// old key refused tries `master.key.next` and, if it fits, finishes the rename.
enum CredentialVault {
    static func keyFile(_ dataDirectory: URL) -> URL { dataDirectory.appendingPathComponent("master.key") }
    static func nextKeyFile(_ dataDirectory: URL) -> URL { dataDirectory.appendingPathComponent("master.key.next") }

    struct Opened {
        let credentials: CredentialService
        /// The key file was made by this open (a first start).
        let createdKeyFile: Bool
        /// An interrupted rotation was finished by this open.
        let finishedRotation: Bool
    }

    static func open(database: VigilDatabase, dataDirectory: URL, destinations: any CredentialDestinations, probes: [any CredentialProbe],
                     environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> Opened {
        let store = SQLCredentialStore(database: database)
        // A database that already holds sealed secrets needs their key: a new key file made here
        // would open none of them, and would stay behind to refuse every later start.
        let given = MasterKey.isGiven(in: environment)
        let file = keyFile(dataDirectory)
        if !given, !FileManager.default.fileExists(atPath: file.path), !FileManager.default.fileExists(atPath: nextKeyFile(dataDirectory).path),
           try await store.keyCheck() != nil {
            throw MissingMasterKey(keyFile: file.path)
        }
        let (key, created) = try MasterKey.load(environment: environment, keyFile: file)
        let service = CredentialService(store: store, box: SecretBox(master: key), destinations: destinations, probes: probes)
        do {
            try await service.verifyMasterKey()
            return Opened(credentials: service, createdKeyFile: created, finishedRotation: false)
        } catch VaultError.wrongMasterKey where !MasterKey.isGiven(in: environment) {
            let next = nextKeyFile(dataDirectory)
            guard let text = try? String(contentsOf: next, encoding: .utf8), let nextKey = try? MasterKey(base64: text) else {
                throw VaultError.wrongMasterKey
            }
            let rotated = CredentialService(store: store, box: SecretBox(master: nextKey), destinations: destinations, probes: probes)
            try await rotated.verifyMasterKey()
            guard rename(next.path, keyFile(dataDirectory).path) == 0 else { throw VaultError.unwritableKeyFile(keyFile(dataDirectory).path) }
            return Opened(credentials: rotated, createdKeyFile: false, finishedRotation: true)
        }
    }

    /// The database's secrets were sealed under a master key this process was not given.
    struct MissingMasterKey: Error, CustomStringConvertible {
        let keyFile: String
        var description: String {
            "the database holds credentials and evidence sealed under a master key, and none was given: set VIGIL_MASTER_KEY, or put the key file at \(keyFile) (mode 0600); no new key was made"
        }
    }

    enum RotationFailure: Error, CustomStringConvertible {
        case needsNewKey
        case keyFile(String)

        var description: String {
            switch self {
            case .needsNewKey:
                "the master key comes from VIGIL_MASTER_KEY, so the new one must too: set VIGIL_NEW_MASTER_KEY to 32 random bytes in base64 (head -c 32 /dev/urandom | base64)"
            case let .keyFile(path): "cannot write the new master key file \(path)"
            }
        }
    }

    /// The destinations of a command that calls nobody (rotation, reports, workflow files): a
    /// credential it opened for a call would be refused, not sent unchecked.
    struct SendsNothing: CredentialDestinations {
        func check(_ integration: Integration, values: [String: String], resolving: Bool) async throws {
            throw DestinationRefused(field: integration.destinations(values).first?.field ?? "endpoint",
                                     reason: "this command makes no calls to integrations")
        }
    }

    struct Rotation {
        let credentials: Int
        /// Where the new key now is: the key file, or (for VIGIL_MASTER_KEY) VIGIL_NEW_MASTER_KEY.
        let keyFile: URL?
    }

    /// Re-seals every secret and the key check under a new master key, in one transaction.
    static func rotate(database: VigilDatabase, dataDirectory: URL,
                       environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> Rotation {
        let opened = try await open(database: database, dataDirectory: dataDirectory, destinations: SendsNothing(), probes: [], environment: environment)
        if MasterKey.isGiven(in: environment) {
            guard let text = environment["VIGIL_NEW_MASTER_KEY"], !text.isEmpty else { throw RotationFailure.needsNewKey }
            let next: MasterKey
            do { next = try MasterKey(base64: text) } catch { throw VaultError.malformedMasterKey("VIGIL_NEW_MASTER_KEY: \(error)") }
            return Rotation(credentials: try await opened.credentials.rotate(to: SecretBox(master: next)), keyFile: nil)
        }
        // The current key opened the check, so a master.key.next left here is from a rotation
        // that stopped before its commit: nothing was sealed under it.
        let nextFile = nextKeyFile(dataDirectory), current = keyFile(dataDirectory)
        unlink(nextFile.path)
        let next = MasterKey.generate()
        do { try next.write(exclusiveTo: nextFile) } catch { throw RotationFailure.keyFile(nextFile.path) }
        let count: Int
        do {
            count = try await opened.credentials.rotate(to: SecretBox(master: next))
        } catch {
            unlink(nextFile.path)
            throw error
        }
        guard rename(nextFile.path, current.path) == 0 else { throw RotationFailure.keyFile(current.path) }
        return Rotation(credentials: count, keyFile: current)
    }
}
