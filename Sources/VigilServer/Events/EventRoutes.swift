import Events
import Foundation
import HTTPTypes
import Hummingbird
import JSONValues
import NIOCore
import ServiceLifecycle

/// The event table over HTTP: `GET /v1/events` pages through it; `GET /v1/events/stream` is
/// Server-Sent Events, history first (after `Last-Event-ID` or `?after=`) and then every event
/// as it commits, on any replica (each follows the table). `?types=` filters (`case.*` for a
/// family). A comment line every 15 s keeps proxies and the idle timeout from closing it.
struct EventRoutes {
    let events: any EventStore
    let eventFeed: EventFeed
    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.get("events") { request, _ in
            let after = try request.queryInteger("after", default: 0, in: 0...Int.max)
            let limit = try request.queryInteger("limit", default: 100, in: 1...1000)
            let types = try Self.types(request)
            let found = try await events.events(after: Int64(after), matching: EventTypeFilter(types), limit: limit)
            return try JSONText.response(EventPage(events: found.map { JSONValue.object($0.wire) }, nextAfter: found.count == limit ? found.last?.id : nil))
        }
        routes.get("events/stream") { request, _ in
            let types = try Self.types(request)
            let resume = try request.headers[Self.lastEventID].map { text -> Int in
                guard let id = Int(text.trimmingCharacters(in: .whitespaces)), id >= 0 else {
                    throw APIError.badRequest("Last-Event-ID must be an event id (a non-negative integer)")
                }
                return id
            }
            let after = try resume ?? request.queryInteger("after", default: -1, in: -1...Int.max)
            // Without a position the stream starts now: only events committed from here on.
            let start = after >= 0 ? Int64(after) : try await events.latestID()
            let events = eventFeed.events(after: start, types: types)
            return Self.stream(events, frame: Self.frame)
        }
    }

    /// Server-Sent Events of `events`, each written by `frame`; also the dashboard's live stream.
    static func stream(_ events: AsyncThrowingStream<Event, any Error>, frame: @escaping @Sendable (Event) -> String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            let (lines, output) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .bufferingOldest(1000))
            // A stream never ends by itself: the server's shutdown ends it, so that shutdown
            // does not wait for every open stream's client to leave.
            try await withGracefulShutdownHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        do {
                            // A client too slow to take its events is disconnected, not given
                            // a gap: it resumes from the last id it received.
                            for try await event in events {
                                if case .dropped = output.yield(ByteBuffer(string: frame(event))) { break }
                            }
                        } catch {
                            output.yield(ByteBuffer(string: ": stream ended: \(String(describing: error).prefix(200))\n\n"))
                        }
                        output.finish()
                    }
                    group.addTask {
                        output.yield(ByteBuffer(string: ": connected\nretry: 2000\n\n"))
                        while !Task.isCancelled {
                            try await Task.sleep(for: .seconds(15))
                            output.yield(ByteBuffer(string: ": keep-alive\n\n"))
                        }
                    }
                    defer { group.cancelAll() }
                    for await line in lines { try await writer.write(line) }
                }
            } onGracefulShutdown: {
                output.finish()
            }
            try await writer.finish(nil)
        })
    }

    /// One SSE frame: the id a client resumes from, the type, and the event as one data line.
    static func frame(_ event: Event) -> String {
        "id: \(event.id)\nevent: \(event.type)\ndata: \(JSONValue.object(event.wire).text)\n\n"
    }

    static func types(_ request: Request) throws -> [String]? {
        guard let text = request.query("types"), !text.isEmpty else { return nil }
        let types = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if let problem = EventTypes.problem(types) { throw APIError.badRequest(problem) }
        return types
    }
}

struct EventPage: Encodable {
    let events: [JSONValue]
    let nextAfter: Int64?

    enum CodingKeys: String, CodingKey {
        case events
        case nextAfter = "next_after"
    }
}
