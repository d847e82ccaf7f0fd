import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Vault

/// Where the master key comes from outside the vault: the process's environment and the key file
/// in the data directory (the vault itself reads no file and no environment).
extension MasterKey {
    /// Whether `VIGIL_MASTER_KEY` gives the key (set and not empty); else the key file does.
    static func isGiven(in environment: [String: String]) -> Bool {
        environment["VIGIL_MASTER_KEY"].map { !$0.isEmpty } ?? false
    }

    /// The environment's key when given, else the key file's; a missing file is created with a
    /// new key, readable by its owner only.
    static func load(environment: [String: String] = ProcessInfo.processInfo.environment,
                            keyFile: URL) throws(VaultError) -> (key: MasterKey, created: Bool) {
        if let text = environment["VIGIL_MASTER_KEY"], !text.isEmpty {
            do { return (try MasterKey(base64: text), false) } catch { throw .malformedMasterKey("VIGIL_MASTER_KEY: \(error.reason)") }
        }
        let path = keyFile.path
        if FileManager.default.fileExists(atPath: path) {
            let text: String
            do { text = try String(contentsOf: keyFile, encoding: .utf8) } catch { throw .unreadableKeyFile(path) }
            do { return (try MasterKey(base64: text), false) } catch { throw .malformedMasterKey("\(path): \(error.reason)") }
        }
        let key = generate()
        do {
            try key.write(exclusiveTo: keyFile)
        } catch .keyFileExists {
            // Another process starting at the same time wrote its key first: use that one.
            return try load(environment: [:], keyFile: keyFile)
        } catch {
            throw .unwritableKeyFile(path)
        }
        return (key, true)
    }

    enum WriteFailure: Error { case keyFileExists, failed }

    /// Writes the key to a new file readable by its owner only; never replaces an existing one.
    /// It is written whole to a private temporary file, then linked into place: of two processes
    /// writing at once, one links its key and the other finds the complete file. The file has its
    /// final mode from creation: there is no moment at which others may read it.
    func write(exclusiveTo keyFile: URL) throws(WriteFailure) {
        let path = keyFile.path
        do {
            try FileManager.default.createDirectory(at: keyFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw .failed
        }
        let temporary = path + ".new-\(UInt64.random(in: 0 ... .max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw .failed }
        defer { unlink(temporary) }
        let bytes = Array((base64 + "\n").utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, synced else { throw .failed }
        if link(temporary, path) != 0 { throw errno == EEXIST ? .keyFileExists : .failed }
    }
}
