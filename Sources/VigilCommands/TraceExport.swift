import Foundation
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// OpenTelemetry traces, when `traces_endpoint` names a collector (off by default): spans go over
/// OTLP/HTTP (protobuf, or JSON with `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json`) in batches.
/// Only traces: metrics stay on `/metrics` and logs on standard error.
enum TraceExport {
    /// Makes the process's tracer and returns the service that exports its spans: it runs with
    /// the server, listed first so that it stops last and sends what the shutdown traced.
    static func start(endpoint: String, logger: Logger) throws -> any Service {
        try TraceEnvironment.check(ProcessInfo.processInfo.environment)
        var configuration = OTel.Configuration.default
        configuration.serviceName = "vigil"
        configuration.resourceAttributes["service.version"] = VigilVersion.current
        // The exporter's own failures (a collector down) are logged as the server's other lines are.
        var diagnostics = Logger(label: "vigil.traces")
        diagnostics.handler = WithoutValues(inner: diagnostics.handler)
        configuration.diagnosticLogger = .custom(diagnostics)
        configuration.diagnosticLogLevel = .warning
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        configuration.traces.otlpExporter.endpoint = endpoint
        // The exporter's HTTP client is made here, before the tracer is the process's: it takes
        // the no-op tracer, so its requests to the collector are not traced in turn (a loop).
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(backend.factory)
        // The host only: an address can carry a token in its query.
        logger.notice("sending traces to an OpenTelemetry collector", metadata: ["host": "\(URLComponents(string: endpoint)?.host ?? "?")"])
        return backend.service
    }
}

/// The exporter's log lines without the values swift-otel attaches to some of them (an
/// environment variable's value, before and after; the carrier of a trace it could not read):
/// those can be a collector's credentials or a request's headers, and a value TraceEnvironment
/// let through that swift-otel then cannot parse must not put one in the log.
struct WithoutValues: LogHandler {
    var inner: any LogHandler
    static let dropped: Set<String> = ["environment_value", "previous_value", "new_value", "carrier"]

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue.filter { !Self.dropped.contains($0.key) } }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { if !Self.dropped.contains(key) { inner[metadataKey: key] = newValue } }
    }

    func log(event: LogEvent) {
        var event = event
        event.metadata = event.metadata?.filter { !Self.dropped.contains($0.key) }
        inner.log(event: event)
    }
}
