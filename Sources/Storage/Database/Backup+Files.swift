import Basics
import Crypto
public import Foundation

/// The files of a backup: its folder made private and empty, the database copied in without
/// following links and checked against the manifest, a restored file given to its directory's owner.
extension DatabaseBackup {
    /// Copies the backup's database file to `target` (new, 0600), refusing anything but a regular
    /// file (a symbolic link in a backup folder is not followed), and checks the copy's digest
    /// and length against the manifest's.
    static func copyChecked(_ source: URL, to target: String, _ manifest: BackupManifest) throws {
        let input = open(source.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard input >= 0 else {
            throw BackupError.invalid("cannot open \(source.path) (it must be the backup's own file, not a link): errno \(errno)")
        }
        defer { close(input) }
        var status = stat()
        guard fstat(input, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw BackupError.invalid("\(source.path) is not a regular file: the backup is damaged")
        }
        let output = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw BackupError.target("cannot create \(target): errno \(errno)") }
        var hasher = SHA256()
        var total: Int64 = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        do {
            defer { close(output) }
            while true {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress, $0.count) }
                guard count >= 0 else { throw BackupError.invalid("cannot read \(source.path): errno \(errno)") }
                if count == 0 { break }
                let written = buffer.withUnsafeBytes { Glibc.write(output, $0.baseAddress, count) }
                guard written == count else { throw BackupError.target("cannot write \(target): errno \(errno)") }
                hasher.update(data: buffer[0..<count])
                total += Int64(count)
            }
            guard fsync(output) == 0 else { throw BackupError.target("cannot write \(target): errno \(errno)") }
        } catch {
            unlink(target)
            throw error
        }
        let digest = Hex.encode(Array(hasher.finalize()))
        guard digest == manifest.databaseSHA256, total == manifest.databaseBytes else {
            unlink(target)
            throw BackupError.invalid("\(source.path) is not the file the backup wrote (its SHA-256 differs from the manifest's): the backup is damaged")
        }
    }

    /// Run as root into a data directory someone else owns (the service's user), the restored
    /// file is given to that owner: a root-owned 0600 database is one the service cannot open.
    static func giveToOwner(of folder: String, _ file: String) throws {
        guard geteuid() == 0 else { return }
        var status = stat()
        guard stat(folder, &status) == 0 else { throw BackupError.target("cannot read the owner of \(folder)") }
        guard status.st_uid != 0 || status.st_gid != 0 else { return }
        guard chown(file, status.st_uid, status.st_gid) == 0 else { throw BackupError.target("cannot give \(file) to the owner of \(folder)") }
    }

    /// Removes what a failed backup wrote: the folder when it made it, else the files in it.
    public static func discardFailed(_ folder: URL, madeHere: Bool) {
        if madeHere {
            try? FileManager.default.removeItem(at: folder)
        } else {
            for name in [BackupManifest.fileName, "vigil.sqlite", "vigil.pgdump"] { unlink(folder.appendingPathComponent(name).path) }
        }
    }

    static func prepare(_ folder: URL) throws {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        if manager.fileExists(atPath: folder.path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw BackupError.folder("\(folder.path) is a file: name a new folder for the backup") }
            let inside: [String]
            do { inside = try manager.contentsOfDirectory(atPath: folder.path) } catch {
                throw BackupError.folder("cannot read \(folder.path): \(FileProblem.describe(error, path: folder.path))")
            }
            guard inside.isEmpty else { throw BackupError.folder("\(folder.path) is not empty: name a new folder for each backup") }
            guard chmod(folder.path, 0o700) == 0 else { throw BackupError.folder("cannot make \(folder.path) private (mode 0700)") }
        } else {
            do { try manager.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) } catch {
                throw BackupError.folder("cannot make \(folder.path): \(FileProblem.describe(error, path: folder.path))")
            }
        }
    }

    static func sha256(of file: URL) throws -> (String, Int64) {
        guard let handle = FileHandle(forReadingAtPath: file.path) else { throw BackupError.invalid("cannot read \(file.path)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        var total: Int64 = 0
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch { throw BackupError.invalid("cannot read \(file.path): \(error)") }
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
            total += Int64(chunk.count)
        }
        return (Hex.encode(Array(hasher.finalize())), total)
    }
}
