import Foundation

/// The data directory holds the master key, the SQLite database, spooled uploads: nobody but
/// Vigil's user may read them. New files are private by the process's umask; this makes what an
/// earlier version left with the shell's umask private too, at every start.
enum PrivateDataDirectory {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// What Vigil writes in a data directory: only these are made private, so a data directory
    /// that holds other things (`--data-dir .` in a checkout) keeps their modes.
    static let ownEntries = ["vigil.sqlite", "vigil.sqlite-wal", "vigil.sqlite-shm", "vigil.sqlite-journal", "master.key", "master.key.next",
                             "node-id", "spool", "evidence", "demo"]

    /// The directory itself 0700; of Vigil's own entries, directories 0700 and files 0600, those
    /// already private untouched; symbolic links are left alone.
    static func secure(_ directory: URL) throws {
        let manager = FileManager.default
        guard manager.fileExists(atPath: directory.path) else { return }
        try set(0o700, directory.path)
        for name in ownEntries {
            let entry = directory.appendingPathComponent(name)
            guard manager.fileExists(atPath: entry.path) else { continue }
            try secureEntry(entry)
            guard let walk = manager.enumerator(at: entry, includingPropertiesForKeys: [.isDirectoryKey, .isSymbolicLinkKey]) else { continue }
            for case let url as URL in walk { try secureEntry(url) }
        }
    }

    static func secureEntry(_ url: URL) throws {
        let values = try url.resourceValues(forKeys: [.isDirectoryKey, .isSymbolicLinkKey])
        if values.isSymbolicLink == true { return }
        let mode = values.isDirectory == true ? 0o700 : 0o600
        let current = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
        if let current, current & 0o077 == 0 { return }
        try set(mode, url.path)
    }

    static func set(_ mode: Int, _ path: String) throws {
        do {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        } catch {
            throw Failure(description: "cannot make \(path) private (mode \(String(mode, radix: 8))): \(error.localizedDescription)")
        }
    }
}
