import Basics
import NIOCore
import SafeFetch

/// The front of a connection's pipeline, before HTTP decoding: it sees every byte that arrives,
/// keeps one address from holding more than its share of connections, and closes a connection
/// whose request comes too slowly (408), checking once a second.
final class SlowClientGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let rules: ConnectionRules
    let counts: AddressCounts
    let phase: RequestPhase
    /// Told why a connection was closed (`silent`, `slow_headers`, `slow_body`, `body_after_answer`, `per_address`).
    let closed: @Sendable (String) -> Void
    private var address: String?
    private var check: RepeatedTask?

    init(rules: ConnectionRules, counts: AddressCounts, phase: RequestPhase, closed: @escaping @Sendable (String) -> Void) {
        self.rules = rules
        self.counts = counts
        self.phase = phase
        self.closed = closed
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard check == nil else { return }
        if let ip = context.channel.remoteAddress?.ipAddress, !isTrusted(ip) {
            guard counts.open(ip, limit: rules.perAddress) else {
                refuse(context, "per_address", answer: "503 Service Unavailable", extra: "Retry-After: 1\r\n")
                return
            }
            address = ip
        }
        // A connection that says nothing is as slow as one that stops halfway: its first request's
        // headers are timed from the moment it opens.
        if case .idle = phase.state { phase.state = .headers(since: .now()) }
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        // Cancelled when the connection closes (`stop`), which ends the reference to the handler.
        check = loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            bound.value.handler.inspect(bound.value.context)
        }
    }

    private func isTrusted(_ ip: String) -> Bool {
        guard !rules.trustedProxies.isEmpty, let address = IPAddress(ip) else { return false }
        return rules.trustedProxies.contains { $0.contains(address) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data).readableBytes
        phase.heard = true
        switch phase.state {
        case .idle:
            phase.state = .headers(since: .now())
            phase.answered = false
        case .headers: break
        case let .body(since, seen): phase.state = .body(since: since, bytes: seen + bytes)
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { stop() }

    private func stop() {
        check?.cancel()
        check = nil
        if let address {
            counts.close(address)
            self.address = nil
        }
    }

    /// Once a second: a request whose headers are late, or whose body comes slower than the
    /// minimum rate after its grace, is answered 408 and its connection closed.
    private func inspect(_ context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        if let until = phase.drainUntil, now > until {
            refuse(context, "body_after_answer")
            return
        }
        switch phase.state {
        case .idle: return
        case let .headers(since):
            guard now - since > TimeAmount(rules.headerTimeout) else { return }
            // A connection that never said anything gets no answer it did not ask for.
            if phase.heard { refuse(context, "slow_headers", answer: "408 Request Timeout") } else { refuse(context, "silent") }
        case let .body(since, bytes):
            let elapsed = now - since
            guard elapsed > TimeAmount(rules.bodyGrace) else { return }
            let expected = Double(rules.minimumBodyRate) * Double(elapsed.nanoseconds) / 1e9
            if Double(bytes) < expected { refuse(context, "slow_body", answer: "408 Request Timeout") }
        }
    }

    /// Closes the connection for `reason`, first writing `answer` (a status line) unless there is
    /// none or the request was answered already (it would follow that answer on the wire).
    private func refuse(_ context: ChannelHandlerContext, _ reason: String, answer: String? = nil, extra: String = "") {
        closed(reason)
        let answered = phase.answered
        phase.state = .idle
        stop()
        guard let answer, !answered else {
            context.close(promise: nil)
            return
        }
        let text = "HTTP/1.1 \(answer)\r\n\(extra)Connection: close\r\nContent-Length: 0\r\n\r\n"
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text))).whenComplete { _ in channel.close(promise: nil) }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        self = .nanoseconds(duration.nanoseconds)
    }
}
