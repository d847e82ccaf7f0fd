import Foundation

/// The data directory holds the master key, the SQLite database, spooled uploads: nobody but
/// Vigil's user may read them. New files are private by the process's umask; this makes what an
/// earlier version left with the shell's umask private too, at every start.
enum PrivateDataDirectory {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Directories 0700, files 0600, the directory itself included; symbolic links are left alone.
    static func secure(_ directory: URL) throws {
        let manager = FileManager.default
        guard manager.fileExists(atPath: directory.path) else { return }
        try set(0o700, directory.path)
        guard let walk = manager.enumerator(at: directory, includingPropertiesForKeys: [.isDirectoryKey, .isSymbolicLinkKey]) else { return }
        for case let url as URL in walk {
            let values = try url.resourceValues(forKeys: [.isDirectoryKey, .isSymbolicLinkKey])
            if values.isSymbolicLink == true { continue }
            try set(values.isDirectory == true ? 0o700 : 0o600, url.path)
        }
    }

    static func set(_ mode: Int, _ path: String) throws {
        do {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        } catch {
            throw Failure(description: "cannot make \(path) private (mode \(String(mode, radix: 8))): \(error.localizedDescription)")
        }
    }
}
