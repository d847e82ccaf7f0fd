import ArgumentParser
import Composition
import Foundation
import Storage
import Vault

/// `vigil backup DIR`: a consistent copy of the database while servers run on it. Evidence,
/// credentials and every other record are rows of the database, so the copy is the whole of
/// Vigil's state but one thing: the master key, which is never written into a backup and must
/// be kept apart (README, "Backups").
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent backup of the database (evidence and sealed credentials included; never the master key) into a new folder.")

    @OptionGroup var storage: StorageOptions
    @Argument(help: ArgumentHelp("A new or empty folder for the backup.", valueName: "dir")) var folder: String

    func run() async throws {
        try await CommandFailure.run {
            let location = try await storage.location()
            let master = try RestoreCommand.existingMasterKey(dataDirectory: try await storage.dataDirectory(), for: "sign the backup")
            let target = URL(fileURLWithPath: folder)
            let existed = FileManager.default.fileExists(atPath: target.path)
            // Only a folder that was new or empty is cleaned up after a failure: one that held
            // anything (an earlier backup named again by mistake) is refused and left as it is.
            let wasEmpty = existed && ((try? FileManager.default.contentsOfDirectory(atPath: target.path).isEmpty) ?? false)
            let manifest: BackupManifest
            do {
                manifest = try await DatabaseBackup.write(location, to: target, vigilVersion: VigilVersion.current) { message in
                    BackupSignature.sign(message, with: master)
                }
            } catch {
                // A backup that failed leaves nothing that looks like one: the folder it made, or its files.
                if !existed || wasEmpty { DatabaseBackup.discardFailed(target, madeHere: !existed) }
                throw error
            }
            let counts = ["banks", "bank_entries", "cases", "media_blobs", "reports", "credentials", "workflow_runs"]
                .map { "\($0)=\(manifest.counts[$0] ?? 0)" }.joined(separator: " ")
            Standard.output("backed up \(location) (schema \(manifest.schemaVersion)) to \(target.path): \(manifest.databaseFile), \(manifest.databaseBytes) bytes, \(counts)")
            Standard.output("the master key is not in the backup: keep it apart (VIGIL_MASTER_KEY or DATA_DIR/master.key); a restore needs it")
        }
    }
}

/// `vigil restore DIR`: puts a backup into an empty data directory or database, and proves it
/// can be used before it is: the master key given (VIGIL_MASTER_KEY or DATA_DIR/master.key) must
/// open the backup's key check before anything is written, then every sealed secret and every
/// evidence item must open. An SQLite restore is checked under a staging name and moved into
/// place only when all of it opened.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup into an empty data directory or database, checking that every secret and evidence item opens with the master key.",
        discussion: """
            The master key is not in the backup: give the one it was made under, in VIGIL_MASTER_KEY or as the key \
            file DATA_DIR/master.key (mode 0600), before restoring. Restore as the user the server runs as \
            (sudo -u vigil vigil restore … for the Debian package), into a data directory that holds no database.
            """)

    @OptionGroup var storage: StorageOptions
    @Argument(help: ArgumentHelp("The backup's folder (written by vigil backup).", valueName: "dir")) var folder: String

    func run() async throws {
        try await CommandFailure.run {
            let source = URL(fileURLWithPath: folder)
            let manifest = try DatabaseBackup.read(source)
            let location = try await storage.location()
            let dataDirectory = try await storage.dataDirectory()
            try Self.checkMasterKey(manifest, dataDirectory: dataDirectory)
            let staged = try await DatabaseBackup.place(source, manifest, at: location)
            do {
                let checked = try await VigilDatabase.withOpen(staged) { database in
                    let vault = try await CredentialVault.open(database: database, dataDirectory: dataDirectory,
                                                               destinations: CredentialVault.SendsNothing(), probes: [])
                    let secrets = try await vault.credentials.checkEverySecret()
                    let evidence = try await SQLMediaBlobs.checkAll(on: database, key: try await vault.credentials.evidenceKey())
                    guard evidence.missing.isEmpty else {
                        throw RestoreFailure(description: "\(evidence.missing.count) evidence item(s) held by cases have no stored bytes in the backup (first: \(evidence.missing[0])): they were missing from the database when it was backed up")
                    }
                    return (secrets, evidence.opened)
                }
                try DatabaseBackup.commit(staged, to: location)
                Standard.output("restored \(source.path) (vigil \(manifest.vigilVersion), schema \(manifest.schemaVersion), taken \(manifest.createdAt.formatted(.iso8601))) into \(location): \(checked.0) sealed secret(s) and \(checked.1) evidence file(s) opened")
                if MasterKey.isGiven(in: ProcessInfo.processInfo.environment) {
                    Standard.output("the master key came from VIGIL_MASTER_KEY: every server on this database must be started with it (or with it in \(CredentialVault.keyFile(dataDirectory).path), mode 0600)")
                } else {
                    Standard.output("the master key came from \(CredentialVault.keyFile(dataDirectory).path)")
                }
            } catch {
                DatabaseBackup.discard(staged, keeping: location)
                if case .postgres = location {
                    throw RestoreFailure(description: "\(error) — \(location) now holds the restored tables: drop that database and make it again before another restore")
                }
                throw error
            }
        }
    }

    struct RestoreFailure: Error, CustomStringConvertible { let description: String }

    /// The master key from VIGIL_MASTER_KEY or DATA_DIR/master.key; never made here (a new key
    /// would sign or open nothing of the database's).
    static func existingMasterKey(dataDirectory: URL, for purpose: String,
                                  environment: [String: String] = ProcessInfo.processInfo.environment) throws -> MasterKey {
        let keyFile = CredentialVault.keyFile(dataDirectory)
        guard MasterKey.isGiven(in: environment) || FileManager.default.fileExists(atPath: keyFile.path) else {
            throw RestoreFailure(description: "the master key is needed to \(purpose) and is not present: set VIGIL_MASTER_KEY, or put the key file at \(keyFile.path) (mode 0600)")
        }
        return try MasterKey.load(environment: environment, keyFile: keyFile).key
    }

    /// Refuses before anything is written: a backup without a signature, a master key that is
    /// not given, or one that does not verify the backup's signature (another key's backup, or
    /// a backup changed since it was written) or open its key check.
    static func checkMasterKey(_ manifest: BackupManifest, dataDirectory: URL,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let key: MasterKey
        do { key = try existingMasterKey(dataDirectory: dataDirectory, for: "check the backup", environment: environment) } catch let failure as RestoreFailure {
            throw RestoreFailure(description: failure.description.replacingOccurrences(of: "the master key is needed to check the backup", with: "the backup's master key is needed") + ", then restore again")
        }
        let source = MasterKey.isGiven(in: environment) ? "VIGIL_MASTER_KEY" : CredentialVault.keyFile(dataDirectory).path
        guard let signature = manifest.signature else {
            throw RestoreFailure(description: "the backup has no signature: it was not written by vigil backup, or was changed; nothing was restored")
        }
        guard BackupSignature.verify(signature, of: manifest.signedMessage, with: key) else {
            throw RestoreFailure(description: "the backup's signature does not verify with the master key given (\(source)): it was made under another key, or changed since; nothing was restored")
        }
        if let stored = manifest.keyCheck {
            guard let check = SealedSecret(base64: stored) else { throw RestoreFailure(description: "the backup's key check is not base64: the manifest is damaged") }
            do { try KeyCheck.verify(check, with: SecretBox(master: key)) } catch {
                throw RestoreFailure(description: "the master key given (\(source)) is not the one this backup's secrets were sealed under: nothing was restored")
            }
        }
    }
}
