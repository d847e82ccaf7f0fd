public import HummingbirdCore
public import Logging
public import NIOCore

/// Hummingbird's HTTP/1 child channel with `SlowClientGuard` in front of its decoder and the
/// request-phase observer behind it.
public struct GuardedHTTP1Channel: ServerChildChannel {
    public typealias Value = HTTP1Channel.Value

    let responder: HTTPChannelHandler.Responder
    let configuration: HTTP1Channel.Configuration
    let rules: ConnectionRules
    let counts = AddressCounts()
    let closed: @Sendable (String) -> Void

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let phase = RequestPhase()
        var configuration = configuration
        let handlers = configuration.additionalChannelHandlers
        // Called in `setup` below, on this channel's event loop.
        let bound = NIOLoopBound(phase, eventLoop: channel.eventLoop)
        configuration.additionalChannelHandlers = { [RequestPhaseObserver(phase: bound.value, drainTime: TimeAmount(rules.bodyGrace), drainBytes: rules.drainBytes)] + handlers() }
        do {
            try channel.pipeline.syncOperations.addHandler(SlowClientGuard(rules: rules, counts: counts, phase: phase, closed: closed),
                                                           position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return HTTP1Channel(responder: responder, configuration: configuration).setup(channel: channel, logger: logger)
    }

    public func handle(value: Value, logger: Logger) async {
        await HTTP1Channel(responder: responder, configuration: configuration).handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with the connection rules (`ConnectionRules`); `closed` hears each connection the
    /// guard closes and why.
    public static func guardedHTTP1(configuration: HTTP1Channel.Configuration, rules: ConnectionRules,
                                    closed: @escaping @Sendable (String) -> Void) -> HTTPServerBuilder {
        .init { responder in GuardedHTTP1Channel(responder: responder, configuration: configuration, rules: rules, closed: closed) }
    }
}
