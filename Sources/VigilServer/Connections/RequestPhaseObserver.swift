import NIOCore
import NIOHTTPTypes
import HTTPTypes

/// After HTTP decoding: marks where the current request is (its head arrived, it ended) and
/// whether the server has answered it, for `SlowClientGuard`.
final class RequestPhaseObserver: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let phase: RequestPhase
    let drainTime: TimeAmount
    let drainBytes: Int

    init(phase: RequestPhase, drainTime: TimeAmount, drainBytes: Int) {
        self.phase = phase
        self.drainTime = drainTime
        self.drainBytes = drainBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case let .head(head):
            phase.headsRead += 1
            phase.state = .body(since: .now(), bytes: 0)
            phase.drained = 0
            phase.closeRequested = head.headerFields[.connection]?.lowercased().contains("close") ?? false
            phase.drainUntil = nil
        case let .body(bytes):
            if phase.drainUntil != nil {
                phase.drained += bytes.readableBytes
                // Time bounds the drain, and so do bytes: past the limit the connection is closed.
                if phase.drained > drainBytes {
                    context.close(promise: nil)
                    return
                }
            }
        case .end: phase.state = .idle
        }
        guard phase.drainUntil != nil, phase.closeRequested else {
            if case .end = part { phase.drainUntil = nil }
            context.fireChannelRead(data)
            return
        }
        // Hummingbird reads no further on a connection that asked to close: the rest is dropped
        // here, and the connection closed at its end.
        if case .end = part {
            phase.drainUntil = nil
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if phase.drainUntil != nil, phase.closeRequested { context.read() }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // An answer (not an interim 100) may come before the body is all here (a 413 on its
        // Content-Length, a 401): the rest of the body is still read, and still timed, until its
        // end, for at most `drainTime` after the answer.
        switch unwrapOutboundIn(data) {
        case let .head(response) where response.status.kind != .informational: phase.answered = true
        case .end:
            phase.answersEnded += 1
            // Only the answer to the request being read (not to one before it, when requests are
            // pipelined) lets that request's body drain.
            if case .body = phase.state, phase.answersEnded == phase.headsRead {
                phase.drainUntil = .now() + drainTime
                if phase.closeRequested { context.read() }
            }
        default: break
        }
        context.write(data, promise: promise)
    }
}
