#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import MultipartKit
import NIOCore

/// multipart-kit's parser with a guard in front: multipart-kit 4.7 stops the process (an array
/// index out of range) on a header name byte of 128 or more, so one request from any key could
/// take the server down (found by BodyFuzzTests). Every chunk is first run through
/// `HeaderNameGuard`, which follows the parser's own states byte for byte and refuses such a
/// byte before the parser sees it. Callbacks are set on `parser` as before.
final class GuardedMultipartParser {
    let parser: MultipartParser
    private var guardian: HeaderNameGuard

    init(boundary: String) {
        parser = MultipartParser(boundary: boundary)
        guardian = HeaderNameGuard(boundary: boundary)
    }

    struct NonASCIIHeaderName: Error {}

    func execute(_ buffer: ByteBuffer) throws {
        try guardian.check(buffer.readableBytesView)
        try parser.execute(buffer)
    }
}

/// The states of multipart-kit 4.7's `MultipartParser` (preamble, headers, body, boundary,
/// epilogue), followed without keeping any data: where the parser would read a header name, a
/// byte of 128 or more is refused. Where the parser would throw, this stops looking (the
/// parser throws on the same byte, and nothing more is fed to it).
struct HeaderNameGuard {
    private enum State: Equatable {
        case preamble(Int)
        case preHeaders(expectingLF: Bool)
        case headerName(empty: Bool)
        case headerValue
        case postHeaderValue
        case postHeaders
        case body
        case boundary(Int)
        case done
    }

    private let delimiter: [UInt8]
    private var state = State.preamble(0)

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    mutating func check(_ bytes: some Sequence<UInt8>) throws {
        let contiguous: Void? = try bytes.withContiguousStorageIfAvailable { try check(UnsafeRawBufferPointer($0)) }
        if contiguous == nil { try check(Array(bytes)) }
    }

    /// Most bytes are a part's body, where only a CR (where the next boundary may start) changes
    /// the state: the body is skipped to its next CR by `memchr` rather than stepped through a
    /// byte at a time (which cost image lookups 6 % of their CPU).
    private mutating func check(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress else { return }
        var index = 0
        while index < bytes.count {
            if state == .body {
                guard let carriageReturn = memchr(base + index, Int32(delimiter[0]), bytes.count - index) else { return }
                index = base.distance(to: UnsafeRawPointer(carriageReturn)) + 1
                state = .boundary(1)
                continue
            }
            if state == .done { return }
            try step(bytes[index])
            index += 1
        }
    }

    /// One byte through the parser's states (the whole machine, the body's CR search included:
    /// what tests compare the skipping `check` with).
    mutating func step(_ byte: UInt8) throws {
        switch state {
        case let .preamble(index):
            var matched: Int
            if index == 0, byte == delimiter[2] {
                matched = 3
            } else if byte == delimiter[index] {
                matched = index + 1
            } else if index > 0, byte == delimiter[0] {
                matched = 1
            } else {
                matched = 0
            }
            state = matched >= delimiter.count ? .preHeaders(expectingLF: false) : .preamble(matched)
        case let .preHeaders(expectingLF):
            if !expectingLF, byte == 13 { state = .preHeaders(expectingLF: true) }
            else if expectingLF, byte == 10 { state = .headerName(empty: true) }
            else { state = .done }
        case let .headerName(empty):
            if byte == 58, !empty { state = .headerValue }
            else if byte == 13, empty { state = .postHeaders }
            else if byte >= 128 { throw GuardedMultipartParser.NonASCIIHeaderName() }
            else { state = .headerName(empty: false) }
        case .headerValue:
            if byte == 13 { state = .postHeaderValue }
        case .postHeaderValue:
            state = byte == 10 ? .headerName(empty: true) : .done
        case .postHeaders:
            state = byte == 10 ? .body : .done
        case .body:
            if byte == delimiter[0] { state = .boundary(1) }
        case let .boundary(index):
            if index >= delimiter.count {
                state = byte == 13 ? .preHeaders(expectingLF: true) : .done
            } else if byte == delimiter[index] {
                state = .boundary(index + 1)
            } else {
                state = byte == delimiter[0] ? .boundary(1) : .body
            }
        case .done:
            return
        }
    }
}
