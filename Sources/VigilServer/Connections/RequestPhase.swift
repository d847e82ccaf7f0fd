import NIOCore

/// Where the current request of a connection is: shared by the two handlers of the guard, on the
/// connection's event loop only.
final class RequestPhase {
    enum State {
        /// Between requests (the idle timeout's concern, not ours).
        case idle
        /// Its first byte came at `since`; its headers are not all here yet.
        case headers(since: NIODeadline)
        /// Its head came at `since`; `bytes` of body have arrived since.
        case body(since: NIODeadline, bytes: Int)
    }

    var state = State.idle
    /// Whether the server has begun its answer to the current request: a late request is then
    /// closed without a 408 (which would follow the answer on the wire).
    var answered = false
    /// Whether the current request asked for the connection to close after it.
    var closeRequested = false
    /// Set when the answer ended before the request's body did: the rest of the body is read and
    /// dropped until then (so a client that sends it all before reading still sees the answer),
    /// and the connection is closed if it has not ended by then.
    var drainUntil: NIODeadline?
    /// Whether any byte has arrived on the connection: one that never said anything is closed
    /// without a 408 (a browser's or proxy's preconnection would read it as its next answer).
    var heard = false
    /// Request heads read and responses ended on this connection: an answer belongs to the
    /// request being read only when it is the answer to that request (pipelined requests are
    /// read ahead of their answers).
    var headsRead = 0
    var answersEnded = 0
    /// Body bytes read after the request's answer ended, and the most that are read so.
    var drained = 0
}
