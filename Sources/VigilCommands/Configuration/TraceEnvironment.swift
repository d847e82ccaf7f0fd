import Foundation

/// The `OTEL_*` variables Vigil lets through to its trace exporter, checked before swift-otel
/// reads them: that library stops the process on some values (a gRPC protocol, the B3 or
/// baggage propagators, the Jaeger and X-Ray samplers), lets its own endpoint replace the one
/// Vigil checked, and logs a value it cannot parse (credentials among them). So every other
/// `OTEL_*` variable is refused by name, and a value is never repeated where it could be a
/// credential. Read only when tracing is on (`traces_endpoint`).
enum TraceEnvironment {
    typealias Invalid = SettingsReader.Invalid

    static func check(_ environment: [String: String]) throws {
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("OTEL_") {
            try check(name, value)
        }
    }

    static let samplers: Set<String> = ["always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off",
                                        "parentbased_traceidratio"]

    static func check(_ name: String, _ value: String) throws {
        func oneOf(_ allowed: [String]) throws {
            guard allowed.contains(value) else { throw Invalid(description: "\(name) must be one of \(allowed.joined(separator: ", ")), not \"\(value.prefix(60))\"") }
        }
        func number(_ range: ClosedRange<Double>) throws {
            guard let number = Double(value), range.contains(number) else {
                throw Invalid(description: "\(name) must be a number from \(range.lowerBound) to \(range.upperBound), not \"\(value.prefix(60))\"")
            }
        }
        switch name {
        case "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": try oneOf(["http/protobuf", "http/json"])
        case "OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": try oneOf(["none", "gzip"])
        case "OTEL_PROPAGATORS": try oneOf(["tracecontext"])
        case "OTEL_TRACES_EXPORTER": try oneOf(["otlp"])
        case "OTEL_TRACES_SAMPLER": try oneOf(samplers.sorted())
        case "OTEL_TRACES_SAMPLER_ARG": try number(0...1)
        case "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT",
             "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE":
            try number(1...86_400_000)
        case "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS":
            guard headersAreWellFormed(value) else {
                throw Invalid(description: "\(name) must be name=value pairs separated by commas, such as api-key=SECRET "
                    + "(its value is not repeated here: it holds credentials)")
            }
        case "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
             "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_KEY",
             "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY":
            break
        case "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT":
            throw Invalid(description: "\(name) is set: name the collector with VIGIL_TRACES_ENDPOINT (traces_endpoint) alone, which Vigil checks")
        case "OTEL_SDK_DISABLED":
            throw Invalid(description: "OTEL_SDK_DISABLED is set: leave VIGIL_TRACES_ENDPOINT (traces_endpoint) unset to turn tracing off")
        case "OTEL_LOG_LEVEL":
            throw Invalid(description: "OTEL_LOG_LEVEL is set: the trace exporter logs at warning and above, with the server's other lines (VIGIL_LOG_LEVEL)")
        default:
            throw Invalid(description: "\(name) is not an OpenTelemetry setting Vigil supports (README, \"Traces\", lists them): remove it")
        }
    }

    /// What swift-otel parses (`name=value`, comma-separated), with names that are HTTP tokens.
    static func headersAreWellFormed(_ value: String) -> Bool {
        let token = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~")
        let pairs = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !pairs.isEmpty else { return false }
        return pairs.allSatisfy { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return false }
            let name = parts[0].trimmingCharacters(in: .whitespaces), text = parts[1].trimmingCharacters(in: .whitespaces)
            return !name.isEmpty && name.allSatisfy(token.contains) && !text.isEmpty && text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
        }
    }
}
