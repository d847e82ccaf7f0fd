import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a host name into addresses. The fetcher resolves once, checks what it got and connects
/// to that address: a second lookup could answer differently (DNS rebinding).
public protocol HostResolver: Sendable {
    func resolve(host: String) async throws -> [IPAddress]
}

/// The system resolver (getaddrinfo), run on threads of its own, never on an event loop — nor on
/// NIO's shared blocking pool, where SQLite's queries would keep a lookup waiting under load. A
/// numeric address is its own answer.
public struct SystemResolver: HostResolver {
    public init() {}

    static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    public func resolve(host: String) async throws -> [IPAddress] {
        if let address = IPAddress(host) { return [address] }
        return try await Self.threads.runIfActive {
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            #else
            hints.ai_socktype = SOCK_STREAM
            #endif
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, nil, &hints, &list)
            guard status == 0, let first = list else {
                throw FetchError.resolution(host: host, reason: String(cString: gai_strerror(status)))
            }
            defer { freeaddrinfo(first) }
            var addresses: [IPAddress] = []
            var cursor: UnsafeMutablePointer<addrinfo>? = first
            while let info = cursor {
                if let sockaddr = info.pointee.ai_addr {
                    switch Int32(sockaddr.pointee.sa_family) {
                    case AF_INET:
                        let v4 = sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
                        addresses.append(.v4(UInt32(bigEndian: v4)))
                    case AF_INET6:
                        var v6 = sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                        addresses.append(.v6(withUnsafeBytes(of: &v6) { IPAddress.bigEndian128($0) }))
                    default:
                        break
                    }
                }
                cursor = info.pointee.ai_next
            }
            var seen = Set<IPAddress>()
            return addresses.filter { seen.insert($0).inserted }
        }
    }
}
