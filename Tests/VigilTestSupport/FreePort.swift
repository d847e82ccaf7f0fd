import Foundation

/// A TCP port on 127.0.0.1 that nothing listens on (bound by the kernel's choice, then let go).
/// Let go, the port can be handed to any other socket: use it for a server the test starts, not
/// to stand for a refusal (see `RefusingPort`).
public enum FreePort {
    public static func loopback() throws -> Int {
        let fd = try boundSocket()
        defer { close(fd) }
        return try port(of: fd)
    }

    /// A TCP socket bound to a port of the kernel's choice on 127.0.0.1, not listening.
    static func boundSocket() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PortError(call: "socket", code: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw PortError(call: "bind", code: code)
        }
        return fd
    }

    static func port(of fd: Int32) throws -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        guard named == 0 else { throw PortError(call: "getsockname", code: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    struct PortError: Error, CustomStringConvertible {
        let call: String
        let code: Int32
        var description: String { "\(call) failed: \(String(cString: strerror(code)))" }
    }
}

/// A port on 127.0.0.1 that refuses every connection for as long as this value lives: a socket
/// bound to it and never listening. Held, no other socket (a server another test starts, the
/// source port of a connection) can be given the port, so a connection to it is refused at
/// once. A port let go and named later can be taken meanwhile by a server that accepts and
/// never answers: a "refused" connection would then wait for a timeout.
public final class RefusingPort: Sendable {
    public let port: Int
    private let fd: Int32

    public init() throws {
        fd = try FreePort.boundSocket()
        do {
            port = try FreePort.port(of: fd)
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }
}
