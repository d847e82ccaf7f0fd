import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// systemd's readiness protocol (`Type=notify`, sd_notify(3)) without libsystemd: one datagram
/// to the socket named by `NOTIFY_SOCKET`. `READY=1` once the index is loaded (the unit counts as
/// started only then, so a dependent unit or an upgrade script waits for a replica that can
/// answer), `STOPPING=1` when a shutdown begins. Outside systemd there is no socket and nothing is
/// sent.
enum SystemdNotify {
    /// Sends `state`; a socket that is named but cannot be written to is the error, in words.
    static func send(_ state: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard var path = environment["NOTIFY_SOCKET"], !path.isEmpty else { return }
        // "@name" is an abstract socket: its name starts with a NUL byte.
        let abstract = path.hasPrefix("@")
        if abstract { path.removeFirst() }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count + 1 < capacity else { throw Failure(description: "NOTIFY_SOCKET is longer than a socket path may be") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: (abstract ? [0] : []) + bytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 1 : 0))
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "cannot open a socket to tell systemd \(state): errno \(errno)") }
        defer { close(descriptor) }
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                message.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, 0, socketAddress, length) }
            }
        }
        guard sent == message.count else { throw Failure(description: "cannot tell systemd \(state) on \(environment["NOTIFY_SOCKET"] ?? ""): errno \(errno)") }
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Whether standard output is the journal (systemd sets `JOURNAL_STREAM` to its device and
    /// inode): then anything printed there is kept in the logs.
    static func standardOutputIsJournal(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let stream = environment["JOURNAL_STREAM"] else { return false }
        let parts = stream.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(STDOUT_FILENO, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }
}

/// The first admin key, for a service whose standard output is the journal.
enum FirstAdminKeyFile {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Mode 0600 from creation: written whole to a new private file, then renamed over the name
    /// (a file left by an earlier first start, on a database since replaced, holds a dead key).
    static func write(_ secret: String, to file: URL) throws {
        let temporary = file.path + ".new-\(UInt64.random(in: 0 ... .max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(description: "cannot create \(temporary) for the first admin key: errno \(errno)") }
        let bytes = Array((secret + "\n").utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, synced, rename(temporary, file.path) == 0 else {
            unlink(temporary)
            throw Failure(description: "cannot write the first admin key to \(file.path): errno \(errno)")
        }
    }
}
